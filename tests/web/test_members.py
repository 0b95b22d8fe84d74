"""党员名册 (/members) and 我的信息 (/me): the list equals the API's, masked personal data and the audited
reveal, edits with versions, the client's and the server's checks on their fields, scope, phone width."""

import json
import re
from collections import Counter
from datetime import date, timedelta
from urllib.parse import quote

from playwright.sync_api import Page, expect

from dangjian.kit.idcard import check_char, make_id_number
from tests.web.conftest import PHONE, api_get, screenshot

ROSTER = "[data-test=roster][data-loading=false]"
DRAWER = "[data-test=member-drawer][data-loading=false]"


def roster_shows(page: Page, query: dict | None = None) -> None:
    """Waits until the roster shows the list for `query` (as the page writes it into the URL)."""
    selector = ROSTER
    if query is not None:
        key = json.dumps({k: str(v) for k, v in query.items()}, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        selector += f"[data-query='{key}']"
    expect(page.locator(selector)).to_be_attached()


def shown_names(page: Page) -> list[str]:
    return page.locator("[data-test=roster-table] [data-test=cell-name]").all_inner_texts()


def assert_roster_equals(page: Page, api_query: str) -> dict:
    """The rows and the total on the page are the API's for the same query."""
    expected = api_get(page, f"/members?{api_query}")
    expect(page.locator("[data-test=roster-table] [data-test=cell-name]")).to_have_count(len(expected["items"]))
    assert shown_names(page) == [m["name"] for m in expected["items"]]
    assert page.locator("[data-test=roster]").get_attribute("data-total") == str(expected["total"])
    expect(page.locator("[data-test=roster-pagination] .el-pagination__total")).to_have_text(f"共 {expected['total']} 条")
    return expected


def api_post(page: Page, path: str, body: dict | None = None, method: str = "POST"):
    """A write with the page's session and its CSRF token (as the browser app sends it)."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "dj_csrf")
    headers = {"X-CSRF-Token": csrf}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return page.request.fetch(f"/api/v1{path}", method=method, headers=headers,
                              data=json.dumps(body) if body is not None else None)


def reveal(page: Page, member_id: int) -> dict:
    response = api_post(page, f"/members/{member_id}/reveal")
    assert response.ok, response.text()
    return response.json()


def name_fragment(page: Page) -> str:
    """A character in several names of the caller's roster, but not in most (so a search narrows it)."""
    everyone = api_get(page, "/members?page_size=100")
    counts = Counter(ch for m in everyone["items"] for ch in set(m["name"]))
    for ch, _ in counts.most_common():
        total = api_get(page, f"/members?name={quote(ch)}")["total"]
        if 3 <= total <= 20:
            return ch
    raise AssertionError("没有合适的姓名片段")


def open_member(page: Page, member_id: int, name: str) -> None:
    """Shows the member through a name search and opens their row."""
    page.goto(f"/members?name={quote(name)}")
    roster_shows(page, {"name": name})
    index = [m["id"] for m in api_get(page, f"/members?name={quote(name)}")["items"]].index(member_id)
    page.locator("[data-test=roster-table] [data-test=cell-name]").nth(index).click()
    expect(page.locator(f"{DRAWER}[data-member-id='{member_id}'] [data-test=member-info]")).to_be_visible()


def select_option(page: Page, field: str, label: str) -> None:
    page.click(f"[data-test={field}] .el-select__wrapper")
    page.get_by_role("option", name=label, exact=True).click()


def field_error(page: Page, field: str):
    return page.locator(f"[data-test={field}] .el-form-item__error")


def test_search_by_name_shows_the_apis_rows_sorted_and_paged(page_as):
    page = page_as("township")
    page.goto("/members")
    roster_shows(page, {})
    assert_roster_equals(page, "")

    fragment = name_fragment(page)
    page.fill("[data-test=filter-name]", fragment)
    page.press("[data-test=filter-name]", "Enter")
    page.wait_for_url(re.compile(r"/members\?name="))
    roster_shows(page, {"name": fragment})
    expected = assert_roster_equals(page, f"name={quote(fragment)}")
    assert expected["total"] >= 3 and all(fragment in name for name in shown_names(page))
    # Masked ID numbers only.
    for cell in page.locator("[data-test=cell-id]").all_inner_texts():
        assert re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", cell), cell
    expect(page.locator("[data-test=roster-table] .el-loading-mask")).to_be_hidden()
    screenshot(page, "roster")

    # The oldest first: the age column sorts by the server's birth date.
    page.click(".el-table__header th:has-text('年龄') .caret-wrapper .descending")
    roster_shows(page, {"name": fragment, "sort": "birth_on"})
    assert_roster_equals(page, f"name={quote(fragment)}&sort=birth_on")

    # Back to everyone, then the second page.
    page.click("[data-test=reset]")
    roster_shows(page, {"sort": "birth_on"})
    page.locator("[data-test=roster-pagination] .el-pager li").filter(has_text=re.compile(r"^2$")).click()
    roster_shows(page, {"sort": "birth_on", "page": 2})
    assert_roster_equals(page, "sort=birth_on&page=2")

    # Two filters of the 更多条件 row: options from /dicts, the list the API's.
    page.click("[data-test=reset]")
    page.click("[data-test=more-filters]")
    select_option(page, "filter-gender", "女")
    roster_shows(page, {"gender": "female", "sort": "birth_on"})  # 重置 keeps the order
    select_option(page, "filter-probationary", "否")
    roster_shows(page, {"gender": "female", "probationary": "false", "sort": "birth_on"})
    assert_roster_equals(page, "gender=female&probationary=false&sort=birth_on")


def test_drawer_masks_personal_data_until_revealed_and_the_reveal_is_audited(page_as):
    page = page_as("township")
    member = api_get(page, "/members?page_size=1&sort=-joined_on")["items"][0]
    detail = api_get(page, f"/members/{member['id']}")
    open_member(page, member["id"], member["name"])
    drawer = page.locator(DRAWER)
    expect(drawer.locator("[data-test=drawer-name]")).to_have_text(detail["name"])
    expect(drawer.locator("[data-test=info-id-number]")).to_have_text(detail["id_number"])
    assert "*" in detail["id_number"]
    masked_html = page.content()
    expect(drawer.locator("[data-test=member-history] [data-test=history-event]").first).to_be_visible()

    drawer.locator("[data-test=reveal]").click()
    expect(drawer.locator("[data-test=revealed-note]")).to_contain_text("已记入审计日志")
    full = drawer.locator("[data-test=info-id-number]").inner_text()
    assert re.fullmatch(r"\d{17}[\dX]", full) and check_char(full[:17]) == full[17]
    assert full[:6] == detail["id_number"][:6] and full[-4:] == detail["id_number"][-4:]
    assert full not in masked_html  # before the reveal the full number was nowhere in the page

    county = page_as("county")
    events = api_get(county, f"/audit/events?action=reveal&entity=member&entity_id={member['id']}")
    assert any(e["actor"] == "township" for e in events["items"])
    assert full not in json.dumps(events, ensure_ascii=False)  # the audit keeps who looked, not the values


def test_edit_phone_saves_a_new_version(page_as):
    page = page_as("township")
    member = api_get(page, "/members?page_size=1&sort=-name")["items"][0]
    before = api_get(page, f"/members/{member['id']}")
    assert before["writable"]
    open_member(page, member["id"], member["name"])
    page.click(f"{DRAWER} [data-test=edit]")
    dialog = page.locator("[data-test=member-form-dialog]")
    expect(dialog.locator("[data-test=member-form]")).to_be_visible()
    phone = f"139{before['version']:04d}{member['id'] % 10000:04d}"
    dialog.locator("[data-test=input-phone]").fill(phone)
    with page.expect_request(lambda r: r.method == "PATCH" and f"/api/v1/members/{member['id']}" in r.url) as sent:
        dialog.locator("[data-test=form-submit]").click()
    body = json.loads(sent.value.post_data)
    assert body == {"version": before["version"], "phone": phone}  # only what changed, with the version seen
    expect(dialog).to_be_hidden()

    after = api_get(page, f"/members/{member['id']}")
    assert after["version"] == before["version"] + 1
    assert after["phone"] == f"{phone[:3]}****{phone[-4:]}"
    assert reveal(page, member["id"])["phone"] == phone
    expect(page.locator(f"{DRAWER} [data-test=info-phone]")).to_have_text(after["phone"])


def test_change_of_situation_is_sent_with_its_effective_date(page_as):
    page = page_as("township")
    member = next(m for m in api_get(page, "/members?page_size=10&sort=-name&employment=in_service")["items"][3:])
    before = api_get(page, f"/members/{member['id']}")
    open_member(page, member["id"], member["name"])
    page.click(f"{DRAWER} [data-test=edit]")
    dialog = page.locator("[data-test=member-form-dialog]")
    expect(dialog.locator("[data-test=member-form]")).to_be_visible()
    expect(dialog.locator("[data-test=field-effective]")).to_have_count(0)  # only for a change of situation
    select_option(page, "field-employment", "离退休")
    effective = (date.today() - timedelta(days=1)).isoformat()
    dialog.locator("[data-test=field-effective] input").fill(effective)
    dialog.locator("[data-test=field-effective] input").press("Enter")
    with page.expect_request(lambda r: r.method == "PATCH" and f"/api/v1/members/{member['id']}" in r.url) as sent:
        dialog.locator("[data-test=form-submit]").click()
    assert json.loads(sent.value.post_data) == {"version": before["version"], "employment": "retired", "effective_on": effective}
    expect(dialog).to_be_hidden()

    history = api_get(page, f"/members/{member['id']}/history")
    assert history["periods"][-1]["start_on"] == effective and history["periods"][-1]["employment"] == "retired"
    event = page.locator(f"{DRAWER} [data-test=history-event]").first  # the newest first
    expect(event).to_contain_text(effective)
    expect(event).to_contain_text("工作状况：在岗→离退休")


def test_stale_version_reloads_the_record(page_as):
    page = page_as("township")
    member = api_get(page, "/members?page_size=2&sort=-name")["items"][1]
    open_member(page, member["id"], member["name"])
    page.click(f"{DRAWER} [data-test=edit]")
    dialog = page.locator("[data-test=member-form-dialog]")
    dialog.locator("[data-test=input-post]").fill("宣传委员")
    # Somebody else saves first.
    seen = api_get(page, f"/members/{member['id']}")
    response = api_post(page, f"/members/{member['id']}", {"version": seen["version"], "address": "湖南省衡阳市衡阳县某村1号"}, "PATCH")
    assert response.ok, response.text()
    dialog.locator("[data-test=form-submit]").click()
    expect(page.locator(".el-message--warning")).to_contain_text("已被他人修改")
    expect(dialog).to_be_hidden()
    expect(page.locator(f"{DRAWER} [data-test=info-address]")).to_have_text("湖南省衡阳市****")
    now = api_get(page, f"/members/{member['id']}")
    assert now["version"] == seen["version"] + 1 and now["post"] == seen["post"]  # nothing overwritten


def test_create_form_checks_id_number_and_shows_server_errors_on_their_fields(page_as):
    page = page_as("township")
    branch = api_get(page, "/members?page_size=1")["items"][0]["org"]
    page.goto(f"/members?org_id={branch['id']}")
    roster_shows(page, {"org_id": branch["id"]})
    expect(page.locator("[data-test=roster-filters] [data-test=org-picker]")).to_contain_text(branch["name"])
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" and r.url.endswith("/api/v1/members") else None)
    page.click("[data-test=create]")
    dialog = page.locator("[data-test=member-form-dialog]")
    expect(dialog.locator("[data-test=member-form]")).to_be_visible()
    expect(dialog.locator("[data-test=field-org]")).to_contain_text(branch["name"])  # the branch listed

    # A wrong check character: the client says so under the field, nothing is sent.
    good = make_id_number("110105", date(1985, 6, 1), 777)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    dialog.locator("[data-test=input-id-number]").fill(wrong)
    expect(field_error(page, "field-id-number")).to_have_text(f"公民身份号码校验位错误，应为{good[17]}")
    name = f"测试登记{good[-4:]}"
    dialog.locator("[data-test=input-name]").fill(name)
    select_option(page, "field-education", "大学本科毕业")
    select_option(page, "field-occupation", "农牧渔民")
    dialog.locator("[data-test=field-joined] input").fill("2010-07-01")
    dialog.locator("[data-test=field-joined] input").press("Enter")
    dialog.locator("[data-test=form-submit]").click()
    expect(field_error(page, "field-id-number")).to_have_text(f"公民身份号码校验位错误，应为{good[17]}")
    assert posts == []

    # Lowercase x is accepted as X; birth date and gender come from the number.
    dialog.locator("[data-test=input-id-number]").fill(good.lower())
    expect(field_error(page, "field-id-number")).to_have_count(0)
    expect(dialog.locator("[data-test=derived-birth]")).to_have_text("1985-06-01")
    expect(dialog.locator("[data-test=derived-gender]")).to_have_text("男" if int(good[16]) % 2 else "女")

    # The client's date rule: joined at 18 or later.
    dialog.locator("[data-test=field-joined] input").fill("2001-07-01")
    dialog.locator("[data-test=field-joined] input").press("Enter")
    expect(field_error(page, "field-joined")).to_contain_text("入党时未满十八周岁")
    dialog.locator("[data-test=field-joined] input").fill("2010-07-01")
    dialog.locator("[data-test=field-joined] input").press("Enter")
    expect(field_error(page, "field-joined")).to_have_count(0)

    # The server's own check (an address code it does not know) appears under the ID number.
    unknown = make_id_number("990101", date(1985, 6, 1), 777)
    dialog.locator("[data-test=input-id-number]").fill(unknown)
    dialog.locator("[data-test=form-submit]").click()
    expect(field_error(page, "field-id-number")).to_have_text("公民身份号码地址码未知：990101")
    assert len(posts) == 1

    # A body that bypasses the client (joined at 10): the server's error shows under 入党日期.
    dialog.locator("[data-test=input-id-number]").fill(good)

    def too_young(route):
        body = json.loads(route.request.post_data)
        route.continue_(post_data=json.dumps({**body, "joined_on": "1995-06-01"}))

    page.route("**/api/v1/members", too_young)
    dialog.locator("[data-test=form-submit]").click()
    expect(field_error(page, "field-joined")).to_have_text("入党日期：入党时未满十八周岁")
    page.unroute("**/api/v1/members", too_young)

    # As typed, it is saved and shown.
    dialog.locator("[data-test=form-submit]").click()
    expect(dialog).to_be_hidden()
    drawer = page.locator(DRAWER)
    expect(drawer.locator("[data-test=drawer-name]")).to_have_text(name)
    created = api_get(page, f"/members?name={quote(name)}")["items"]
    assert len(created) == 1 and created[0]["org"]["id"] == branch["id"] and created[0]["birth_on"] == "1985-06-01"
    assert created[0]["is_probationary"]
    expect(drawer.locator("[data-test=info-id-number]")).to_have_text(created[0]["id_number"])


def test_leave_keeps_the_record(page_as):
    page = page_as("township")
    member = api_get(page, "/members?page_size=3&sort=-name")["items"][2]
    open_member(page, member["id"], member["name"])
    page.click(f"{DRAWER} [data-test=leave]")
    dialog = page.locator("[data-test=member-leave-dialog]")
    select_option(page, "field-reason", "死亡")
    dialog.locator("[data-test=leave-submit]").click()
    confirm = page.locator(".el-message-box")
    expect(confirm).to_contain_text(f"确定为 {member['name']} 办理出党（死亡")
    confirm.get_by_role("button", name="确定出党").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"{DRAWER} [data-test=tag-left]")).to_have_text("已出党")
    detail = api_get(page, f"/members/{member['id']}")
    assert detail["status"] == "left" and detail["left_reason"] == "death" and not detail["writable"]
    expect(page.locator(f"{DRAWER} [data-test=edit]")).to_have_count(0)
    # Off the active roster, on the 已出党 one.
    roster_shows(page, {"name": member["name"]})
    assert member["id"] not in [m["id"] for m in api_get(page, f"/members?name={quote(member['name'])}")["items"]]
    assert_roster_equals(page, f"name={quote(member['name'])}")
    left = api_get(page, f"/members?name={quote(member['name'])}&status=left")["items"]
    assert member["id"] in [m["id"] for m in left]


def test_secretary_sees_nothing_of_another_branch(page_as):
    admin = page_as("admin")
    page = page_as("secretary")
    own = api_get(page, "/auth/me")["scope"]["org_ids"][0]
    other = next(m["org"] for m in api_get(admin, "/members?page_size=100")["items"] if m["org"] and m["org"]["id"] != own)
    other_names = {m["name"] for m in api_get(admin, f"/members?org_id={other['id']}&page_size=100")["items"]}

    page.goto(f"/members?org_id={other['id']}")
    roster_shows(page, {"org_id": other["id"]})
    expect(page.locator("[data-test=roster-error]")).to_contain_text(f"党组织不存在：{other['id']}")
    expect(page.locator(".el-message--error")).to_contain_text(f"党组织不存在：{other['id']}")
    expect(page.locator("[data-test=cell-name]")).to_have_count(0)
    text = page.locator("[data-test=roster]").inner_text()
    assert other["name"] not in text and not any(name in text for name in other_names)

    page.click("[data-test=roster-error] button")
    roster_shows(page, {})
    expected = assert_roster_equals(page, "")
    assert expected["total"] > 0 and all(m["org"]["id"] == own for m in expected["items"] if m["org"])

    page.goto(f"/members?org_id={own}")
    roster_shows(page, {"org_id": own})
    assert_roster_equals(page, f"org_id={own}")


def test_member_sees_own_record_on_a_phone(page_as):
    page = page_as("member", viewport=PHONE)
    page.wait_for_url("**/me")
    me = api_get(page, "/auth/me")
    member_id = me["scope"]["member_id"]
    detail = api_get(page, f"/members/{member_id}")
    record = page.locator(f"[data-test=my-record][data-loading=false][data-member-id='{member_id}']")
    expect(record).to_be_visible()
    expect(record.locator("[data-test=my-name]")).to_have_text(detail["name"])
    expect(record.locator("[data-test=info-id-number]")).to_have_text(detail["id_number"])
    expect(record.locator("[data-test=history-event]").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # Single column, readable text.
    labels = record.locator(".el-descriptions__label")
    first, second = labels.nth(0).bounding_box(), labels.nth(1).bounding_box()
    assert second["y"] > first["y"] + first["height"] - 1
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('[data-test=info-id-number]')).fontSize)")
    assert size >= 14
    screenshot(page, "my-record-phone")

    record.locator("[data-test=reveal]").click()
    expect(record.locator("[data-test=revealed-note]")).to_be_visible()
    expect(record.locator("[data-test=info-id-number]")).to_have_text(reveal(page, member_id)["id_number"])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    # Another member's record is out of the member's scope.
    other = member_id + 1
    assert page.request.get(f"/api/v1/members/{other}").status == 404
