"""组织生活 (/meetings, /org-life, /org-life/branches/:id and the dashboard's cards): the ledger equals the
API's, a meeting recorded with attendance taken from the roster (one member excused with a reason),
its detail and attachments, edit and delete; a branch's missing 主题党日 recorded in the browser turns
its period 已完成 and the branch from 半瘫痪 to 正常; the dashboard's cards and chart; phone width."""

import base64
import itertools
import json
import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from dangjian.kit.idcard import make_id_number
from tests.web.conftest import INK, PHONE, api_get, screenshot

LEDGER = "[data-test=ledger][data-loading=false]"
DRAWER = "[data-test=meeting-drawer][data-loading=false]"
DIALOG = "[data-test=meeting-form-dialog]"
# The compliance views compute every branch's periods: slower than a list on a busy machine.
SLOW = 90_000
# A 1×1 PNG (the server checks a file's first bytes against its type).
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
# The org-life chart's grid (web/src/views/meeting/components/OrgLifeSummary.vue GRID).
CHART_TOP, CHART_BOTTOM = 32, 8

_serial = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{date.today():%m%d}{next(_serial)}{id(_serial) % 997}"


# ---- helpers --------------------------------------------------------------------------------


def api_write(page: Page, path: str, body: dict | None = None, method: str = "POST") -> dict:
    """A write with the page's session and its CSRF token (as the browser app sends it)."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "dj_csrf")
    headers = {"X-CSRF-Token": csrf}
    if body is not None:
        headers["Content-Type"] = "application/json"
    response = page.request.fetch(f"/api/v1{path}", method=method, headers=headers,
                                  data=json.dumps(body) if body is not None else None)
    assert response.ok, response.text()
    return response.json() if response.status != 204 else {}


def labels(page: Page) -> dict[str, dict[str, str]]:
    return {name: {c["value"]: c["label"] for c in choices} for name, choices in api_get(page, "/dicts").items()}


def ledger_shows(page: Page, org_id: int, query: dict | None = None):
    selector = f"{LEDGER}[data-org-id='{org_id}']"
    if query is not None:
        key = json.dumps({k: str(v) for k, v in {"org_id": org_id, **query}.items()}, ensure_ascii=False,
                         separators=(",", ":"), sort_keys=True)
        selector += f"[data-query='{key}']"
    root = page.locator(selector)
    expect(root).to_be_attached()
    return root


def assert_ledger_equals(page: Page, api_query: str) -> dict:
    expected = api_get(page, f"/meetings?{api_query}")
    topics = page.locator("[data-test=ledger-table] [data-test=cell-topic]")
    expect(topics).to_have_count(len(expected["items"]))
    assert topics.all_inner_texts() == [m["topic"] for m in expected["items"]]
    assert page.locator("[data-test=ledger]").get_attribute("data-total") == str(expected["total"])
    expect(page.locator("[data-test=ledger-pagination] .el-pagination__total")).to_have_text(f"共 {expected['total']} 条")
    return expected


def select_option(scope, page: Page, field: str, label: str) -> None:
    scope.locator(f"[data-test={field}] .el-select__wrapper").click()
    page.get_by_role("option", name=label, exact=True).click()


def field_error(scope, field: str):
    return scope.locator(f"[data-test={field}] .el-form-item__error")


def set_date(scope, field: str, day: str) -> None:
    box = scope.locator(f"[data-test={field}] input")
    box.fill(day)
    box.press("Enter")


def attendees_loaded(page: Page, org_id: int, day: str) -> list[dict]:
    """Waits until the form lists the organization's members on the day; returns them (the API's)."""
    roster = api_get(page, f"/meetings/attendees?org_id={org_id}&on={day}")
    dialog = page.locator(f"{DIALOG}[data-attendees-loading=false]")
    expect(dialog.locator("[data-test=attendee-name]")).to_have_count(len(roster))
    assert dialog.locator("[data-test=attendee-name]").all_inner_texts() == [a["name"] for a in roster]
    return roster


def choose(page: Page, member_id: int, status: str) -> None:
    page.locator(f"{DIALOG} [data-test=attendee-status-{member_id}] [data-test=status-{status}]").click()


def confirm(page: Page, button: str) -> None:
    box = page.locator(".el-message-box")
    expect(box).to_be_visible()
    box.get_by_role("button", name=button).click()


def record_via_api(page: Page, org_id: int, kind: str, held_on: str, topic: str, **extra) -> dict:
    roster = api_get(page, f"/meetings/attendees?org_id={org_id}&on={held_on}")
    attendance = [{"member_id": a["member_id"], "status": "present"} for a in roster]
    return api_write(page, "/meetings", {"org_id": org_id, "kind": kind, "held_on": held_on, "topic": topic,
                                         "attendance": attendance, **extra})


def first_of_previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


# ---- the ledger ----------------------------------------------------------------------------------


def test_secretary_records_a_meeting_with_attendance_from_the_roster(page_as, tmp_path):
    page = page_as("secretary")
    me = api_get(page, "/auth/me")
    branch_id, branch_name = me["scope"]["org_ids"][0], me["scope"]["org_names"][0]
    names = labels(page)

    # The ledger opens on the secretary's branch, the API's records, newest first.
    page.goto("/meetings")
    ledger_shows(page, branch_id, {})
    expect(page.locator("[data-test=ledger-filters] [data-test=org-picker]")).to_contain_text(branch_name)
    before = assert_ledger_equals(page, f"org_id={branch_id}")
    if before["items"]:
        first = before["items"][0]
        row = page.locator("[data-test=ledger-table] .el-table__body-wrapper tr").first
        expect(row.locator("[data-test=cell-kind]")).to_have_text(names["meeting_kind"][first["kind"]])
        expect(row.locator("[data-test=cell-present]")).to_have_text(str(first["present_count"]))
        expect(row.locator("[data-test=cell-excused]")).to_have_text(str(first["excused_count"]))
        expect(row.locator("[data-test=cell-absent]")).to_have_text(str(first["absent_count"]))

    # A kind filter (labels from /dicts) narrows the list as the API does.
    select_option(page, page, "filter-kind", names["meeting_kind"]["theme_day"])
    ledger_shows(page, branch_id, {"kind": "theme_day"})
    themed = assert_ledger_equals(page, f"org_id={branch_id}&kind=theme_day")
    assert all(m["kind"] == "theme_day" for m in themed["items"])
    page.click("[data-test=reset]")
    ledger_shows(page, branch_id, {})

    # 记录组织生活: everyone of the branch on the day listed, 出席 by default.
    page.click("[data-test=create]")
    dialog = page.locator(DIALOG)
    expect(dialog.locator("[data-test=form-org]")).to_have_text(branch_name)
    day = date.today().isoformat()
    expect(dialog.locator("[data-test=field-held-on] input")).to_have_value(day)
    roster = attendees_loaded(page, branch_id, day)
    assert len(roster) >= 3
    expect(dialog.locator(".el-radio.is-checked[data-test=status-present]")).to_have_count(len(roster))

    # 党课 asks for the speaker; 请假 asks for the reason: both said before anything is sent.
    select_option(dialog, page, "field-kind", names["meeting_kind"]["party_lesson"])
    expect(dialog.locator("[data-test=field-speaker]")).to_be_visible()
    topic = unique("党课：学习党章")
    dialog.locator("[data-test=input-topic]").fill(topic)
    dialog.locator("[data-test=input-place]").fill("村党群服务中心")
    dialog.locator("[data-test=input-host]").fill("支部书记")
    dialog.locator("[data-test=input-minutes]").fill("一、学习党章总纲。\n二、交流讨论。")
    dialog.locator("[data-test=input-decisions]").fill("下月开展主题党日。")
    excused, absent = roster[1], roster[2]
    choose(page, excused["member_id"], "excused")
    choose(page, absent["member_id"], "absent")
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" and r.url.endswith("/api/v1/meetings") else None)
    dialog.locator("[data-test=form-submit]").click()
    expect(field_error(dialog, "field-speaker")).to_have_text("党课须填写授课人")
    expect(field_error(dialog, "field-attendance")).to_have_text(f"{excused['name']}请假，须填写请假事由")
    assert posts == []
    dialog.locator("[data-test=input-speaker]").fill("王书记")
    dialog.locator(f"[data-test=attendee-reason-{excused['member_id']}]").fill("外出务工")
    expect(field_error(dialog, "field-attendance")).to_have_count(0)
    expect(dialog.locator("[data-test=attendance-summary]")).to_have_text(
        f"共 {len(roster)} 人：出席 {len(roster) - 2} 人，请假 1 人，缺席 1 人")
    screenshot(page, "meeting-record")

    with page.expect_response(lambda r: r.url.endswith("/api/v1/meetings") and r.request.method == "POST") as answer:
        dialog.locator("[data-test=form-submit]").click()
    assert answer.value.status == 201, answer.value.text()
    created = answer.value.json()
    expect(dialog).to_be_hidden()

    # What was sent is what the server keeps.
    saved = api_get(page, f"/meetings/{created['id']}")
    assert (saved["kind"], saved["held_on"], saved["topic"], saved["speaker"]) == ("party_lesson", day, topic, "王书记")
    assert (saved["present_count"], saved["excused_count"], saved["absent_count"]) == (len(roster) - 2, 1, 1)
    by_member = {a["member_id"]: a for a in saved["attendance"]}
    assert set(by_member) == {a["member_id"] for a in roster}
    assert by_member[excused["member_id"]]["status"] == "excused" and by_member[excused["member_id"]]["reason"] == "外出务工"
    assert by_member[absent["member_id"]]["status"] == "absent"

    # The detail opens on the new record; the list shows it first.
    drawer = page.locator(f"{DRAWER}[data-meeting-id='{created['id']}']")
    expect(drawer).to_be_visible()
    expect(drawer.locator("[data-test=drawer-topic]")).to_have_text(topic)
    expect(drawer.locator("[data-test=info-held-on]")).to_have_text(day)
    expect(drawer.locator("[data-test=meeting-info]")).to_contain_text("王书记")
    expect(drawer.locator("[data-test=info-minutes]")).to_have_text("一、学习党章总纲。\n二、交流讨论。")
    expect(drawer.locator("[data-test=info-counts]")).to_contain_text(f"出席 {len(roster) - 2}")
    expect(drawer.locator("[data-test=attendance-name]")).to_have_count(len(roster))
    excused_name = page.locator("[data-test=attendance-name]", has_text=re.compile(f"^{excused['name']}$"))
    excused_row = drawer.locator("[data-test=attendance-list] tr").filter(has=excused_name)
    expect(excused_row.locator("[data-test=attendance-status]")).to_have_text(names["attendance_status"]["excused"])
    expect(excused_row.locator("[data-test=attendance-reason]")).to_have_text("外出务工")
    screenshot(page, "meeting-detail")
    after = api_get(page, f"/meetings?org_id={branch_id}")
    assert after["total"] == before["total"] + 1 and after["items"][0]["id"] == created["id"]
    expect(page.locator("[data-test=ledger-table] [data-test=cell-topic]").first).to_have_text(topic)

    # Attachments: upload, download under the same name, a wrong type refused, delete.
    picture = tmp_path / "签到表.png"
    picture.write_bytes(PNG)
    drawer.locator("[data-test=attachment-file]").set_input_files(str(picture))
    expect(drawer.locator("[data-test=attachment]")).to_have_count(1)
    expect(drawer.locator("[data-test=attachment-download]")).to_have_text("签到表.png")
    with page.expect_download() as download:
        drawer.locator("[data-test=attachment-download]").click()
    assert download.value.suggested_filename == "签到表.png"
    assert download.value.path().read_bytes() == PNG
    text = tmp_path / "记录.txt"
    text.write_text("不是允许的类型")
    drawer.locator("[data-test=attachment-file]").set_input_files(str(text))
    expect(page.locator(".el-message--error")).to_contain_text("记录.txt的类型不允许")
    expect(drawer.locator("[data-test=attachment]")).to_have_count(1)
    drawer.locator("[data-test=attachment-delete]").click()
    confirm(page, "删除")
    expect(drawer.locator("[data-test=attachment]")).to_have_count(0)
    assert api_get(page, f"/meetings/{created['id']}")["attachments"] == []


def test_edit_and_delete_a_record(page_as):
    page = page_as("secretary")
    branch_id = api_get(page, "/auth/me")["scope"]["org_ids"][0]
    day = (date.today() - timedelta(days=1)).isoformat()
    topic = unique("支部委员会：研究发展党员")
    record = record_via_api(page, branch_id, "committee_meeting", day, topic)
    assert record["reason_needed"] is False and record["may_edit"] is True

    page.goto(f"/meetings?org_id={branch_id}&start={day}&end={day}")
    ledger_shows(page, branch_id, {"start": day, "end": day})
    assert_ledger_equals(page, f"org_id={branch_id}&start={day}&end={day}")
    page.locator("[data-test=ledger-table] [data-test=cell-topic]", has_text=topic).click()
    drawer = page.locator(f"{DRAWER}[data-meeting-id='{record['id']}']")
    expect(drawer.locator("[data-test=drawer-topic]")).to_have_text(topic)

    # 修改: the topic and one member's attendance; only what changed is sent, with the version seen.
    drawer.locator("[data-test=edit]").click()
    dialog = page.locator(DIALOG)
    expect(dialog.locator("[data-test=input-topic]")).to_have_value(topic)
    roster = attendees_loaded(page, branch_id, day)
    expect(dialog.locator("[data-test=field-edit-reason]")).to_have_count(0)  # a fresh record needs no reason
    new_topic = topic + "（修改）"
    dialog.locator("[data-test=input-topic]").fill(new_topic)
    choose(page, roster[0]["member_id"], "absent")
    with page.expect_request(lambda r: r.method == "PATCH" and f"/api/v1/meetings/{record['id']}" in r.url) as sent:
        dialog.locator("[data-test=form-submit]").click()
    body = json.loads(sent.value.post_data)
    assert body["version"] == record["version"] and body["topic"] == new_topic
    assert set(body) == {"version", "topic", "attendance"}
    expect(dialog).to_be_hidden()
    expect(drawer.locator("[data-test=drawer-topic]")).to_have_text(new_topic)
    saved = api_get(page, f"/meetings/{record['id']}")
    assert saved["version"] == record["version"] + 1 and saved["absent_count"] == 1

    # Somebody else changes it meanwhile: the stale version is said and the record reloaded.
    api_write(page, f"/meetings/{record['id']}", {"version": saved["version"], "place": "党员活动室"}, method="PATCH")
    drawer.locator("[data-test=edit]").click()
    expect(page.locator(f"{DIALOG}[data-attendees-loading=false] [data-test=attendee-name]")).to_have_count(len(roster))
    dialog.locator("[data-test=input-host]").fill("副书记")
    dialog.locator("[data-test=form-submit]").click()
    expect(page.locator(".el-message--warning")).to_contain_text("该记录已被他人修改")
    expect(drawer.locator("[data-test=meeting-info]")).to_contain_text("党员活动室")

    # 删除: confirmed, then gone from the list.
    drawer.locator("[data-test=delete]").click()
    confirm(page, "删除")
    expect(page.locator("[data-test=meeting-drawer]")).to_be_hidden()
    expect(page.locator("[data-test=ledger-table] [data-test=cell-topic]", has_text=topic)).to_have_count(0)
    response = page.request.get(f"/api/v1/meetings/{record['id']}")
    assert response.status == 404


# ---- a branch's status changes -------------------------------------------------------------------


def fresh_branch(page: Page) -> tuple[dict, date]:
    """A branch founded on the first of last month, with two members: last month's 主题党日 is missing
    (逾期未开展) and, as it is the only ended period, the branch is 半瘫痪."""
    township = api_get(page, "/auth/me")["scope"]["org_ids"][0]
    founded = first_of_previous_month(date.today())
    branch = api_write(page, "/orgs", {"parent_id": township, "name": f"中共{unique('测试组织生活')}支部委员会", "kind": "branch",
                                       "founded_on": founded.isoformat()})
    choices = api_get(page, "/dicts")
    for i in range(2):
        api_write(page, "/members", {
            "name": unique("测试党员"), "id_number": make_id_number("110105", date(1979, 5, 1 + i), 300 + branch["id"] % 500 + i),
            "education": choices["education"][0]["value"], "occupation": choices["occupation"][0]["value"],
            "joined_on": "2010-07-01", "org_id": branch["id"],
        })
    return branch, founded


def test_recording_the_missing_theme_day_turns_the_period_done_and_the_branch_regular(page_as):
    page = page_as("township")
    names = labels(page)
    branch, founded = fresh_branch(page)
    start, end = founded.isoformat(), date.today().isoformat()
    missing = founded.isoformat()  # the first day of last month: its period
    before = api_get(page, f"/stats/org-life/branches/{branch['id']}?start={start}&end={end}")
    assert before["branch"]["status"] == "half_paralysed"
    theme = next(k for k in before["kinds"] if k["kind"] == "theme_day")
    assert theme["status"] == "overdue" and theme["periods"][0]["start"] == missing and theme["periods"][0]["status"] == "overdue"

    # The compliance page of the branch: one branch, 半瘫痪, its 主题党日 cell red.
    page.goto(f"/org-life?org_id={branch['id']}&start={start}&end={end}")
    root = page.locator(f"[data-test=org-life][data-loading=false][data-org-id='{branch['id']}']")
    expect(root).to_be_visible(timeout=SLOW)
    expect(page.locator("[data-test=life-total]")).to_have_text("1")
    expect(page.locator("[data-test=life-half-paralysed]")).to_have_text("1")
    expect(page.locator("[data-test=life-regular]")).to_have_text("0")
    rows = page.locator("[data-test=branch-list][data-loading=false] [data-test=branch-name]")
    expect(rows).to_have_count(1, timeout=SLOW)
    expect(page.locator("[data-test=branch-status]")).to_have_text(names["life_status"]["half_paralysed"])
    expect(page.locator("[data-test=kind-chip][data-kind=theme_day]")).to_have_attribute("data-status", "overdue")

    # Its months: last month overdue, this month still to do.
    rows.first.click()
    detail = page.locator(f"[data-test=branch-life][data-loading=false][data-branch-id='{branch['id']}']")
    expect(detail).to_be_visible(timeout=SLOW)
    expect(page.locator("[data-test=branch-life-status]")).to_have_text(names["life_status"]["half_paralysed"])
    cell = page.locator(f"[data-test=branch-kind][data-kind=theme_day] [data-test=period][data-start='{missing}']")
    expect(cell).to_have_attribute("data-status", "overdue")
    this_month = date.today().replace(day=1).isoformat()
    theme_day = page.locator("[data-test=branch-kind][data-kind=theme_day]")
    expect(theme_day.locator(f"[data-test=period][data-start='{this_month}']")).to_have_attribute("data-status", "due")
    expect(theme_day.locator("[data-test=branch-kind-status]")).to_have_text(names["kind_status"]["overdue"])
    screenshot(page, "branch-life-before")

    # 去记录: the ledger's form for this branch, 主题党日 chosen.
    page.click("[data-test=record-theme_day]")
    dialog = page.locator(DIALOG)
    expect(dialog.locator("[data-test=form-org]")).to_have_text(branch["name"])
    expect(dialog.locator("[data-test=field-kind] .el-select__placeholder")).to_have_text(names["meeting_kind"]["theme_day"])
    dialog.locator("[data-test=input-topic]").fill("主题党日：重温入党誓词")

    # A day before the branch was founded: the server's error shows under 日期.
    set_date(dialog, "field-held-on", (founded - timedelta(days=1)).isoformat())
    expect(page.locator(f"{DIALOG}[data-attendees-loading=false] [data-test=attendance-summary]")).to_have_text("该日期本组织没有党员")
    dialog.locator("[data-test=form-submit]").click()
    expect(field_error(dialog, "field-held-on")).to_contain_text(f"早于{branch['name']}的成立日期（{founded.isoformat()}）")

    # Last month, with both members (one excused).
    held_on = (founded + timedelta(days=14)).isoformat()
    set_date(dialog, "field-held-on", held_on)
    expect(field_error(dialog, "field-held-on")).to_have_count(0)
    roster = attendees_loaded(page, branch["id"], held_on)
    assert len(roster) == 2
    choose(page, roster[1]["member_id"], "excused")
    page.locator(f"{DIALOG} [data-test=attendee-reason-{roster[1]['member_id']}]").fill("生病住院")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/meetings") and r.request.method == "POST") as answer:
        dialog.locator("[data-test=form-submit]").click()
    assert answer.value.status == 201, answer.value.text()
    expect(dialog).to_be_hidden()
    ledger_shows(page, branch["id"])
    expect(page.locator(f"{DRAWER}[data-meeting-id='{answer.value.json()['id']}'] [data-test=drawer-topic]")).to_have_text("主题党日：重温入党誓词")
    expect(page.locator("[data-test=ledger-table] [data-test=cell-topic]")).to_have_text(["主题党日：重温入党誓词"])

    # Back on the compliance page: the period is done and the branch regular (as the API says).
    after = api_get(page, f"/stats/org-life/branches/{branch['id']}?start={start}&end={end}")
    assert after["branch"]["status"] == "regular"
    page.goto(f"/org-life?org_id={branch['id']}&start={start}&end={end}")
    expect(page.locator(f"[data-test=org-life][data-loading=false][data-org-id='{branch['id']}']")).to_be_visible(timeout=SLOW)
    expect(page.locator("[data-test=life-regular]")).to_have_text("1")
    expect(page.locator("[data-test=life-half-paralysed]")).to_have_text("0")
    expect(page.locator("[data-test=life-signal]")).to_have_attribute("data-signal", "green")
    status = page.locator("[data-test=branch-list][data-loading=false] [data-test=branch-status]")
    expect(status).to_have_text(names["life_status"]["regular"], timeout=SLOW)
    expect(page.locator("[data-test=kind-chip][data-kind=theme_day]")).to_have_attribute("data-status", "due")  # this month still to do
    page.locator("[data-test=branch-name]").first.click()
    expect(detail).to_be_visible(timeout=SLOW)
    expect(page.locator("[data-test=branch-life-status]")).to_have_text(names["life_status"]["regular"])
    expect(cell).to_have_attribute("data-status", "done")
    expect(cell.locator(".bd-period-held")).to_have_text("1")
    expect(theme_day.locator("[data-test=branch-kind-status]")).to_have_text(names["kind_status"]["due"])
    screenshot(page, "branch-life-after")

    # The 自行脱党 list says what it is for: a reminder, never acted upon. The member on leave has not
    # been present for six months: listed, with the leave counted (it may be a good reason).
    page.goto(f"/org-life?org_id={branch['id']}&start={start}&end={end}&tab=lapsed")
    expect(page.locator("[data-test=lapsed-note]")).to_contain_text("提醒跟进，不自动处理")
    lapsed = api_get(page, f"/stats/org-life/lapsed?org_id={branch['id']}&on={end}")
    assert [m["member"]["id"] for m in lapsed["items"]] == [roster[1]["member_id"]]
    expect(page.locator("[data-test=lapsed][data-loading=false]")).to_have_attribute("data-total", "1", timeout=SLOW)
    expect(page.locator("[data-test=lapsed-name]")).to_have_text([roster[1]["name"]])
    expect(page.locator("[data-test=lapsed-table] .el-table__body-wrapper tr").first).to_contain_text("1 次")
    screenshot(page, "org-life-lapsed")


def test_township_compliance_tiles_drill_down_and_branch_list(page_as):
    page = page_as("street")
    top = api_get(page, "/auth/me")["scope"]["org_ids"][0]
    year = date.today().year
    page.goto("/org-life")
    root = page.locator(f"[data-test=org-life][data-loading=false][data-org-id='{top}']")
    expect(root).to_be_visible(timeout=SLOW)
    report = api_get(page, f"/stats/org-life?org_id={top}&start={year}-01-01&end={date.today().isoformat()}")
    counts = report["counts"]
    for test, value in [("life-total", counts["total"]), ("life-regular", counts["regular"]), ("life-irregular", counts["irregular"]),
                        ("life-half-paralysed", counts["half_paralysed"]), ("life-paralysed", counts["paralysed"])]:
        expect(page.locator(f"[data-test={test}]"), test).to_have_text(f"{value:,}")
    expect(page.locator("[data-test=life-signal]")).to_have_attribute("data-signal", counts["signal"])
    expect(page.locator("[data-test=life-share]")).to_have_text(f"{counts['regular_share']:.1f}%")

    # One tile and one table row per child, coloured by its signal.
    tiles = page.locator("[data-test=child-tile]")
    expect(tiles).to_have_count(len(report["children"]))
    for i, child in enumerate(report["children"]):
        expect(tiles.nth(i)).to_have_attribute("data-org-id", str(child["org"]["id"]))
        expect(tiles.nth(i)).to_have_attribute("data-signal", child["counts"]["signal"])
    expect(page.locator("[data-test=children-table] [data-test=child-name]")).to_have_text([c["org"]["name"] for c in report["children"]])
    screenshot(page, "org-life")

    # The branches, worst first (the API's order), and one status only.
    page.get_by_role("tab", name=re.compile("^党支部")).click()
    branches = api_get(page, f"/stats/org-life/branches?org_id={top}")
    expect(page.locator("[data-test=branch-list][data-loading=false] [data-test=branch-name]")).to_have_text(
        [b["org"]["name"] for b in branches["items"]], timeout=SLOW)
    worst = branches["items"][0]["status"]
    page.click("[data-test=branch-status-filter] .el-select__wrapper")
    page.get_by_role("option", name=labels(page)["life_status"][worst], exact=True).click()
    only = api_get(page, f"/stats/org-life/branches?org_id={top}&status={worst}")
    filtered = page.locator(f"[data-test=branch-list][data-loading=false][data-status={worst}]")
    expect(filtered).to_have_attribute("data-total", str(only["total"]), timeout=SLOW)
    statuses = page.locator("[data-test=branch-status]")
    expect(statuses).to_have_count(len(only["items"]))

    # A tile drills down into the child; the path leads back.
    page.get_by_role("tab", name="下级党组织").click()
    child = max(report["children"], key=lambda c: c["counts"]["total"])
    page.locator(f"[data-test=child-tile][data-org-id='{child['org']['id']}']").click()
    expect(page.locator(f"[data-test=org-life][data-loading=false][data-org-id='{child['org']['id']}']")).to_be_visible(timeout=SLOW)
    expect(page.locator("[data-test=life-total]")).to_have_text(str(child["counts"]["total"]))
    expect(page.locator("[data-test=org-life-path] .el-breadcrumb__item")).to_have_count(2)
    page.click(f"[data-test=org-life-up-{top}]")
    expect(root).to_be_visible(timeout=SLOW)


# ---- the dashboard -------------------------------------------------------------------------------


def test_dashboard_shows_org_life_cards_and_chart(page_as):
    page = page_as("street")
    page.wait_for_url("**/dashboard")
    dash = page.locator("[data-test=dashboard][data-loading=false]:not([data-org-id=''])")
    expect(dash).to_be_visible()
    org_id, as_of = int(dash.get_attribute("data-org-id")), dash.get_attribute("data-as-of")
    summary = page.locator(f"[data-test=org-life-summary][data-loading=false][data-org-id='{org_id}']")
    expect(summary).to_be_visible(timeout=SLOW)
    report = api_get(page, f"/stats/org-life?org_id={org_id}&end={as_of}")
    counts = report["counts"]
    for test, value in [("life-regular", counts["regular"]), ("life-irregular", counts["irregular"]),
                        ("life-half-paralysed", counts["half_paralysed"]), ("life-paralysed", counts["paralysed"])]:
        expect(summary.locator(f"[data-test={test}]"), test).to_have_text(f"{value:,}")
    expect(summary.locator("[data-test=life-share]")).to_have_text(f"{counts['regular_share']:.1f}%")

    # The stacked bars: one row per child, drawn.
    assert report["children"], "街道下应有党组织"
    expect(summary.locator("[data-test=org-life-children] li")).to_have_count(len(report["children"]))
    page.wait_for_function(f"({INK})('[data-test=chart-org-life]') > 800", timeout=20_000)
    summary.scroll_into_view_if_needed()
    screenshot(page, "dashboard-org-life")

    # A click on a child's row drills the dashboard down to it.
    index, child = max(enumerate(report["children"]), key=lambda pair: pair[1]["counts"]["total"])
    chart = summary.locator("[data-test=chart-org-life]")
    box = chart.bounding_box()
    row = (box["height"] - CHART_TOP - CHART_BOTTOM) / len(report["children"])
    chart.click(position={"x": box["width"] * 0.6, "y": CHART_TOP + (index + 0.5) * row})
    expect(page.locator(f"[data-test=dashboard][data-loading=false][data-org-id='{child['org']['id']}']")).to_be_visible()
    drilled = page.locator(f"[data-test=org-life-summary][data-loading=false][data-org-id='{child['org']['id']}']")
    expect(drilled.locator("[data-test=life-total]")).to_have_text(str(child["counts"]["total"]), timeout=SLOW)

    # 查看详情 opens the compliance page of the organization shown.
    page.click("[data-test=org-life-more]")
    expect(page.locator(f"[data-test=org-life][data-loading=false][data-org-id='{child['org']['id']}']")).to_be_visible(timeout=SLOW)


# ---- phone width, scope --------------------------------------------------------------------------


def test_phone_width_ledger_and_compliance(page_as):
    page = page_as("secretary", viewport=PHONE)
    branch_id = api_get(page, "/auth/me")["scope"]["org_ids"][0]
    page.goto("/meetings")
    ledger_shows(page, branch_id, {})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    expect(page.locator("[data-test=ledger-table] [data-test=cell-topic]").first).to_be_visible()
    screenshot(page, "meetings-phone")
    page.click("[data-test=create]")
    expect(page.locator(f"{DIALOG}[data-attendees-loading=false] [data-test=attendee-name]").first).to_be_visible()
    box = page.locator(DIALOG).bounding_box()
    assert box["width"] <= PHONE["width"]
    page.keyboard.press("Escape")

    page.goto("/org-life")
    expect(page.locator(f"[data-test=org-life][data-loading=false][data-org-id='{branch_id}']")).to_be_visible(timeout=SLOW)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "org-life-phone")
    page.goto(f"/org-life/branches/{branch_id}")
    expect(page.locator(f"[data-test=branch-life][data-loading=false][data-branch-id='{branch_id}']")).to_be_visible(timeout=SLOW)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "branch-life-phone")


def test_inspector_reads_but_cannot_record(page_as):
    page = page_as("inspector")
    page.goto("/meetings")
    expect(page.locator(LEDGER)).to_be_attached()
    expect(page.locator("[data-test=create]")).to_have_count(0)
    items = api_get(page, "/meetings?page_size=1")["items"]
    if items:
        page.locator("[data-test=ledger-table] [data-test=cell-topic]").first.click()
        expect(page.locator(f"{DRAWER}[data-meeting-id='{items[0]['id']}'] [data-test=drawer-topic]")).to_have_text(items[0]["topic"])
        expect(page.locator("[data-test=meeting-drawer] [data-test=edit]")).to_have_count(0)
        expect(page.locator("[data-test=meeting-drawer] [data-test=attachment-upload]")).to_have_count(0)
