"""党组织 (/orgs/:id): the visible tree with member counts, search, the detail, the dialogs that create,
edit and dissolve organizations (server errors on their field, 409), scope, permissions, phone width."""

import itertools
import json
import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.web.conftest import PHONE, api_get, screenshot

_serial = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{date.today():%m%d}{next(_serial)}"


# ---- helpers --------------------------------------------------------------------------------


def shown(page: Page, org_id: int) -> None:
    """Waits until the detail pane shows that organization (loaded, not loading)."""
    expect(page.locator(f"[data-test=org-page][data-loading=false][data-org-id='{org_id}']")).to_be_visible()
    expect(page.locator("[data-test=org-detail]")).to_have_attribute("data-org-id", str(org_id))


def tree_item(page: Page, org_id: int):
    """The tree's row (el-tree-node) of an organization."""
    return page.locator(f".org-tree .el-tree-node[data-key='{org_id}']")


def tree_label(page: Page, org_id: int):
    return page.locator(f".org-tree [data-test=org-node][data-org-id='{org_id}']")


def expand(page: Page, org_id: int) -> None:
    """Opens a node of the tree (unless open) and waits for its children."""
    item = tree_item(page, org_id)
    expect(item).to_be_visible()
    if item.get_attribute("aria-expanded") != "true":
        item.locator(".el-tree-node__content").first.locator(".el-tree-node__expand-icon").click()
    expect(item).to_have_attribute("aria-expanded", "true")
    expect(item.locator(".el-tree-node__children .el-tree-node").first).to_be_visible()


def is_current(page: Page, org_id: int) -> None:
    expect(page.locator(f".org-tree .el-tree-node.is-current[data-key='{org_id}']")).to_be_visible()


def dicts(page: Page) -> dict[str, dict[str, str]]:
    return {name: {c["value"]: c["label"] for c in choices} for name, choices in api_get(page, "/dicts").items()}


def scope_root(page: Page) -> dict:
    roots = api_get(page, "/orgs/roots")
    assert len(roots) == 1
    return roots[0]


def biggest_township(page: Page, county_id: int) -> dict:
    townships = [c for c in api_get(page, f"/orgs/{county_id}/children") if c["kind"] == "committee"]
    assert townships, "the county has no township committee"
    return max(townships, key=lambda c: c["subtree_member_count"])


def assert_detail_is(page: Page, org: dict, labels: dict[str, dict[str, str]]) -> None:
    """Every figure and field of the pane equals the API's detail."""
    counts = org["counts"]
    expect(page.locator("[data-test=detail-name]")).to_have_text(org["name"])
    expect(page.locator("[data-test=detail-code]")).to_have_text(org["code"])
    expect(page.locator("[data-test=detail-kind-label]")).to_have_text(labels["org_kind"][org["kind"]])
    expect(page.locator("[data-test=detail-founded]")).to_have_text(org["founded_on"])
    for test, value in {
        "count-members": counts["members"],
        "count-full": counts["full"],
        "count-probationary": counts["probationary"],
        "count-subtree": counts["subtree_members"],
        "count-children": counts["children"],
    }.items():
        expect(page.locator(f"[data-test={test}]"), test).to_have_text(f"{value:,}")
    if org["parent"]:
        expect(page.locator("[data-test=detail-parent]")).to_have_text(org["parent"]["name"])
    if org["unit"]:
        unit = page.locator("[data-test=detail-unit]")
        expect(unit).to_contain_text(org["unit"]["name"])
        expect(page.locator("[data-test=detail-unit-kind]")).to_have_text(labels["unit_kind"][org["unit"]["kind"]])
        expect(page.locator("[data-test=detail-unit-status]")).to_have_text(labels["unit_status"][org["unit"]["status"]])
    if org["division"]:
        expect(page.locator("[data-test=detail-division]")).to_contain_text(org["division"]["name"])
    if org["classification"]:
        grade = labels["village_class"][org["classification"]["grade"]]
        expect(page.locator("[data-test=detail-classification]")).to_have_text(f"{org['classification']['year']}年 {grade}")


def csrf(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "dj_csrf")


def create_branch(page: Page, parent_id: int, name: str) -> dict:
    """Through the dialog: a branch under the organization shown; returns the server's answer (201)."""
    page.click("[data-test=btn-create]")
    dialog = page.locator("[data-test=org-form-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-test=form-parent]")).to_have_text(api_get(page, f"/orgs/{parent_id}")["name"])
    dialog.locator("[data-test=input-name]").fill(name)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/orgs") and r.request.method == "POST") as answer:
        dialog.locator("[data-test=form-submit]").click()
    assert answer.value.status == 201, answer.value.text()
    expect(dialog).to_be_hidden()
    return answer.value.json()


# ---- tests ----------------------------------------------------------------------------------


def test_county_tree_counts_and_township_detail(page_as):
    page = page_as("county")
    page.goto("/orgs")
    labels = dicts(page)
    county = scope_root(page)
    assert county["kind"] == "local_committee"

    # The tree starts at the county, shown on the right until something else is chosen.
    roots = page.locator(".org-tree > .el-tree-node")
    expect(roots).to_have_count(1)
    expect(tree_label(page, county["id"]).locator("[data-test=org-node-name]")).to_have_text(county["name"])
    expect(tree_label(page, county["id"]).locator("[data-test=org-node-count]")).to_have_text(f"{county['subtree_member_count']:,}人")
    shown(page, county["id"])

    # Its children (townships among them) with the API's subtree member counts.
    expand(page, county["id"])
    children = api_get(page, f"/orgs/{county['id']}/children")
    assert any(c["kind"] == "committee" for c in children)
    expect(tree_item(page, county["id"]).locator(".el-tree-node__children > .el-tree-node")).to_have_count(len(children))
    for child in children:
        label = tree_label(page, child["id"])
        expect(label.locator("[data-test=org-node-name]")).to_have_text(child["name"])
        expect(label.locator("[data-test=org-node-count]")).to_have_text(f"{child['subtree_member_count']:,}人")
        expect(label.locator(".org-node-tag")).to_have_text(labels["org_kind"][child["kind"]])

    # Choosing a township: its address, its detail equal to the API's.
    township = biggest_township(page, county["id"])
    tree_label(page, township["id"]).click()
    page.wait_for_url(f"**/orgs/{township['id']}")
    shown(page, township["id"])
    is_current(page, township["id"])
    detail = api_get(page, f"/orgs/{township['id']}")
    assert detail["counts"]["subtree_members"] == township["subtree_member_count"] > 0
    assert_detail_is(page, detail, labels)
    expect(page.locator("[data-test=detail-parent]")).to_have_text(county["name"])

    # The tree keeps to its column at laptop width; the detail fills the rest.
    side = page.locator(".org-side").bounding_box()
    main = page.locator(".org-main").bounding_box()
    assert 300 <= side["width"] <= 340 and main["x"] >= side["x"] + side["width"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    expand(page, township["id"])
    page.wait_for_timeout(400)  # the tree's opening animation
    screenshot(page, "org-tree")

    # 查看党员 goes to the roster of this organization.
    page.click("[data-test=view-members]")
    page.wait_for_url(re.compile(rf"/members\?org_id={township['id']}$"))


def test_deep_link_and_reload_reopen_the_organization(page_as):
    page = page_as("county")
    county = scope_root(page)
    township = biggest_township(page, county["id"])
    branch = api_get(page, f"/orgs/{township['id']}/children")[-1]
    page.goto(f"/orgs/{branch['id']}")
    shown(page, branch["id"])
    is_current(page, branch["id"])  # its path was loaded and opened
    expect(tree_item(page, township["id"])).to_have_attribute("aria-expanded", "true")
    page.reload()
    shown(page, branch["id"])
    is_current(page, branch["id"])
    # An address that is no organization at all.
    page.goto("/orgs/abc")
    expect(page.locator("[data-test=org-failure]")).to_contain_text("党组织不存在")


def test_search_jumps_to_a_township_and_to_a_branch_below(page_as):
    page = page_as("county")
    page.goto("/orgs")
    county = scope_root(page)
    shown(page, county["id"])
    township = biggest_township(page, county["id"])
    part = township["name"].removeprefix("中共")[:2]
    hits = api_get(page, f"/orgs/search?q={part}")
    assert any(h["id"] == township["id"] for h in hits)

    search = page.locator("[data-test=org-search-input]")
    search.fill(part)
    hit = page.locator(f".org-search-popper [data-test=org-search-hit][data-org-id='{township['id']}']")
    expect(hit).to_be_visible()
    expect(hit).to_contain_text(township["name"])
    hit.click()
    page.wait_for_url(f"**/orgs/{township['id']}")
    shown(page, township["id"])
    is_current(page, township["id"])

    # A branch below the township, found by its code: its path is opened in the tree.
    page.goto("/orgs")
    shown(page, county["id"])
    expect(tree_item(page, township["id"])).to_have_attribute("aria-expanded", "false")
    branch = api_get(page, f"/orgs/{township['id']}/children")[-1]
    search.fill(branch["code"])
    page.locator(f".org-search-popper [data-test=org-search-hit][data-org-id='{branch['id']}']").click()
    page.wait_for_url(f"**/orgs/{branch['id']}")
    shown(page, branch["id"])
    is_current(page, branch["id"])
    expect(tree_item(page, township["id"])).to_have_attribute("aria-expanded", "true")


def test_create_edit_errors_and_dissolve_a_branch(page_as):
    page = page_as("county")
    labels = dicts(page)
    county = scope_root(page)
    township = biggest_township(page, county["id"])
    page.goto(f"/orgs/{township['id']}")
    shown(page, township["id"])

    # 新建: the client's checks first (name required).
    page.click("[data-test=btn-create]")
    dialog = page.locator("[data-test=org-form-dialog]")
    dialog.locator("[data-test=form-submit]").click()
    expect(dialog.locator("[data-test=field-name] .el-form-item__error")).to_have_text("请填写党组织名称")
    # A duplicate code passes the client and is refused by the server: shown next to the code.
    dialog.locator("[data-test=input-name]").fill(unique("中共测试重复编码党支部"))
    dialog.locator("[data-test=input-code]").fill(township["code"])
    with page.expect_response(lambda r: r.url.endswith("/api/v1/orgs") and r.request.method == "POST") as answer:
        dialog.locator("[data-test=form-submit]").click()
    assert answer.value.status == 422
    expect(dialog.locator("[data-test=field-code] .el-form-item__error")).to_have_text(f"党组织编码已存在：{township['code']}")
    dialog.locator("[data-test=input-code]").fill("")  # changing the field clears the error
    expect(dialog.locator("[data-test=field-code] .el-form-item__error")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # A new branch: it appears in the tree under the township and is shown.
    name = unique("中共测试新建党支部")
    created = create_branch(page, township["id"], name)
    assert created["parent_id"] == township["id"] and created["kind"] == "branch"
    page.wait_for_url(f"**/orgs/{created['id']}")
    shown(page, created["id"])
    expect(tree_item(page, township["id"]).locator(f".el-tree-node[data-key='{created['id']}']")).to_be_visible()
    expect(tree_label(page, created["id"]).locator("[data-test=org-node-name]")).to_have_text(name)
    is_current(page, created["id"])
    assert_detail_is(page, api_get(page, f"/orgs/{created['id']}"), labels)
    expect(page.locator("[data-test=history-event][data-action=create]")).to_have_count(1)
    expect(page.locator("[data-test=btn-create]")).to_be_disabled()  # no organization below a branch

    # 编辑: a new name shows in the detail, the tree and the history (before → after).
    renamed = name.replace("新建", "改名")
    page.click("[data-test=btn-edit]")
    dialog.locator("[data-test=input-name]").fill(renamed)
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/orgs/{created['id']}") and r.request.method == "PATCH") as answer:
        dialog.locator("[data-test=form-submit]").click()
    assert answer.value.status == 200
    assert answer.value.request.post_data_json == {"name": renamed, "version": created["version"]}
    expect(page.locator("[data-test=detail-name]")).to_have_text(renamed)
    expect(tree_label(page, created["id"]).locator("[data-test=org-node-name]")).to_have_text(renamed)
    update = page.locator("[data-test=history-event][data-action=update]")
    expect(update).to_have_count(1)
    expect(update.locator("[data-test=history-change]")).to_have_text(f"名称：{name}→{renamed}")

    # A future founding date, slipped past the client's check: the server's words next to the field.
    future = (date.today() + timedelta(days=3)).isoformat()

    def to_the_future(route):
        if route.request.method == "PATCH":
            body = json.loads(route.request.post_data or "{}")
            route.continue_(post_data=json.dumps({**body, "founded_on": future}))
        else:
            route.continue_()

    page.route(f"**/api/v1/orgs/{created['id']}", to_the_future)
    page.click("[data-test=btn-edit]")
    dialog.locator("[data-test=input-name]").fill(renamed + "A")
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/orgs/{created['id']}") and r.request.method == "PATCH") as answer:
        dialog.locator("[data-test=form-submit]").click()
    assert answer.value.status == 422
    expect(dialog.locator("[data-test=field-founded] .el-form-item__error")).to_have_text(f"成立日期不能晚于今天（{future}）")
    page.unroute(f"**/api/v1/orgs/{created['id']}")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("[data-test=detail-name]")).to_have_text(renamed)  # nothing changed

    # 撤销 the empty branch: gone from the tree, the township shown; back with 显示已撤销.
    page.click("[data-test=btn-dissolve]")
    dissolve = page.locator("[data-test=org-dissolve-dialog]")
    expect(dissolve).to_be_visible()
    dissolve.locator("[data-test=dissolve-submit]").click()
    expect(dissolve.locator("[data-test=field-reason] .el-form-item__error")).to_have_text("请选择撤销原因")
    dissolve.locator("[data-test=input-reason]").click()
    reason = labels["dissolve_reason"]["restructured"]
    page.locator(".el-select-dropdown__item:visible", has_text=reason).click()
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/orgs/{created['id']}/dissolve")) as answer:
        dissolve.locator("[data-test=dissolve-submit]").click()
    assert answer.value.status == 200
    assert answer.value.json()["dissolve_reason"] == "restructured"
    page.wait_for_url(f"**/orgs/{township['id']}")
    shown(page, township["id"])
    expect(tree_item(page, created["id"])).to_have_count(0)
    expect(tree_item(page, township["id"])).to_have_attribute("aria-expanded", "true")

    page.click("[data-test=show-dissolved]")
    expect(page.locator("[data-test=org-tree-pane][data-rebuilding=false]")).to_be_visible()  # rows settled
    expect(tree_label(page, created["id"])).to_be_visible()
    expect(tree_label(page, created["id"])).to_contain_text("已撤销")
    tree_label(page, created["id"]).click()
    shown(page, created["id"])
    expect(page.locator("[data-test=detail-dissolved]")).to_have_text("已撤销")
    expect(page.locator("[data-test=detail-dissolved-on]")).to_contain_text(reason)
    expect(page.locator("[data-test=btn-dissolve]")).to_be_disabled()
    expect(page.locator("[data-test=history-event]").first).to_have_attribute("data-action", "dissolve")
    is_current(page, created["id"])

    # Its address opened afresh: the dissolved ones are shown, so it is found in the tree.
    page.goto(f"/orgs/{created['id']}")
    shown(page, created["id"])
    expect(page.locator("[data-test=show-dissolved]")).to_have_class(re.compile(r"is-checked"))
    is_current(page, created["id"])
    page.wait_for_timeout(400)  # the tree's opening animation
    screenshot(page, "org-dissolved")


def test_move_a_branch_to_the_county(page_as):
    page = page_as("county")
    county = scope_root(page)
    township = biggest_township(page, county["id"])
    page.goto(f"/orgs/{township['id']}")
    shown(page, township["id"])
    created = create_branch(page, township["id"], unique("中共测试调整党支部"))
    shown(page, created["id"])

    page.click("[data-test=btn-move]")
    dialog = page.locator("[data-test=org-move-dialog]")
    expect(dialog).to_be_visible()
    popper = page.locator(".org-move-picker")

    def pick(name: str) -> None:
        dialog.locator("[data-test=org-picker]").click()
        node = popper.locator(".el-tree-node__content").filter(
            has=page.locator(".org-picker-name", has_text=re.compile(f"^{re.escape(name)}$")))
        expect(node.first).to_be_visible()
        node.first.locator(".org-picker-name").click()

    # The client's check: the township is already its parent.
    pick(county["name"])  # first the county, to open the picker's tree
    dialog.locator("[data-test=org-picker]").click()
    popper.locator(".el-tree-node__content").filter(has=page.locator(".org-picker-name", has_text=county["name"])).first \
        .locator(".el-tree-node__expand-icon").click()
    pick(township["name"])
    expect(dialog.locator("[data-test=field-new-parent] .el-form-item__error")).to_contain_text("该党组织已隶属于")

    # A moving day before its founding, slipped past the client: the server's words next to the day.
    pick(county["name"])
    expect(dialog.locator("[data-test=field-new-parent] .el-form-item__error")).to_have_count(0)
    url = f"**/api/v1/orgs/{created['id']}/move"
    page.route(url, lambda route: route.continue_(post_data=json.dumps({**json.loads(route.request.post_data or "{}"), "moved_on": "2000-01-01"})))
    with page.expect_response(lambda r: r.url.endswith(f"/orgs/{created['id']}/move")) as answer:
        dialog.locator("[data-test=move-submit]").click()
    assert answer.value.status == 422
    expect(dialog.locator("[data-test=field-moved-on] .el-form-item__error")).to_have_text("调整日期早于本组织的成立日期")
    page.unroute(url)

    with page.expect_response(lambda r: r.url.endswith(f"/orgs/{created['id']}/move")) as answer:
        dialog.locator("[data-test=move-submit]").click()
    assert answer.value.status == 200, answer.value.text()
    expect(dialog).to_be_hidden()
    expect(page.locator("[data-test=detail-parent]")).to_have_text(county["name"])
    # In the tree it now hangs below the county, no longer below the township.
    expect(tree_item(page, county["id"]).locator(f":scope > .el-tree-node__children > .el-tree-node[data-key='{created['id']}']")).to_be_visible()
    expect(tree_item(page, township["id"]).locator(f".el-tree-node[data-key='{created['id']}']")).to_have_count(0)
    is_current(page, created["id"])
    move = page.locator("[data-test=history-event][data-action=move]")
    expect(move.locator("[data-test=history-change]")).to_have_text(f"上级党组织：{township['name']}→{county['name']}")


def test_stale_version_is_reported_and_the_detail_reloaded(page_as):
    page = page_as("county")
    county = scope_root(page)
    township = biggest_township(page, county["id"])
    page.goto(f"/orgs/{township['id']}")
    shown(page, township["id"])
    created = create_branch(page, township["id"], unique("中共测试并发党支部"))
    shown(page, created["id"])

    page.click("[data-test=btn-edit]")
    dialog = page.locator("[data-test=org-form-dialog]")
    expect(dialog).to_be_visible()
    # Meanwhile somebody else renames it.
    elsewhere = created["name"] + "（他人修改）"
    answer = page.request.patch(f"/api/v1/orgs/{created['id']}", data={"name": elsewhere, "version": created["version"]},
                                headers={"X-CSRF-Token": csrf(page)})
    assert answer.status == 200, answer.text()

    dialog.locator("[data-test=input-name]").fill(created["name"] + "（本人修改）")
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/orgs/{created['id']}") and r.request.method == "PATCH") as stale:
        dialog.locator("[data-test=form-submit]").click()
    assert stale.value.status == 409
    expect(page.locator(".el-message--warning")).to_contain_text("该党组织已被他人修改")
    expect(page.locator(".el-message--warning")).to_contain_text("已重新加载")
    expect(dialog).to_be_hidden()
    expect(page.locator("[data-test=detail-name]")).to_have_text(elsewhere)
    expect(page.locator("[data-test=org-detail]")).to_have_attribute("data-version", str(created["version"] + 1))
    expect(tree_label(page, created["id"]).locator("[data-test=org-node-name]")).to_have_text(elsewhere)


def test_secretary_sees_only_its_branch_and_not_the_county(page_as):
    page = page_as("secretary")
    page.goto("/orgs")
    branch = scope_root(page)
    assert branch["kind"] in ("branch", "joint_branch")
    expect(page.locator(".org-tree .el-tree-node")).to_have_count(1)
    expect(tree_label(page, branch["id"]).locator("[data-test=org-node-name]")).to_have_text(branch["name"])
    shown(page, branch["id"])
    detail = api_get(page, f"/orgs/{branch['id']}")
    assert detail["parent"] is None  # the township is outside its scope, and so is its name
    expect(page.locator("[data-test=detail-parent]")).to_have_text("不在本人数据范围内")
    county = {"id": int(detail["path"].strip("/").split("/")[1])}  # the path's ids: city, county, ...

    # The county by its address: the server's not-found message, never its data.
    assert page.request.get(f"/api/v1/orgs/{county['id']}").status == 404
    page.goto(f"/orgs/{county['id']}")
    failure = page.locator("[data-test=org-failure]")
    expect(failure).to_contain_text(f"党组织不存在：{county['id']}")
    expect(page.locator("[data-test=org-detail]")).to_have_count(0)
    assert "中共" not in page.locator(".org-main").inner_text()  # no organization's name, no data
    expect(page.locator(".org-tree .el-tree-node.is-current")).to_have_count(0)
    # No write buttons for a branch secretary either.
    page.goto(f"/orgs/{branch['id']}")
    shown(page, branch["id"])
    for button in ("btn-create", "btn-edit", "btn-move", "btn-dissolve"):
        expect(page.locator(f"[data-test={button}]")).to_have_count(0)


def test_inspector_has_no_write_buttons(page_as):
    page = page_as("inspector")
    page.goto("/orgs")
    roots = api_get(page, "/orgs/roots")
    expect(page.locator(".org-tree > .el-tree-node")).to_have_count(len(roots))
    shown(page, roots[0]["id"])
    expect(page.locator("[data-test=view-members]")).to_be_visible()
    for button in ("btn-create", "btn-edit", "btn-move", "btn-dissolve"):
        expect(page.locator(f"[data-test={button}]")).to_have_count(0)


def test_county_sees_write_buttons_but_not_for_its_own_top(page_as):
    page = page_as("county")
    page.goto("/orgs")
    county = scope_root(page)
    shown(page, county["id"])
    expect(page.locator("[data-test=btn-create]")).to_be_enabled()
    expect(page.locator("[data-test=btn-edit]")).to_be_enabled()
    # The top of one's own scope cannot be moved or dissolved (the server answers 403).
    expect(page.locator("[data-test=btn-move]")).to_be_disabled()
    expect(page.locator("[data-test=btn-dissolve]")).to_be_disabled()


def test_phone_width_is_one_column(page_as):
    page = page_as("township", viewport=PHONE)
    page.goto("/orgs")
    root = scope_root(page)
    shown(page, root["id"])
    side = page.locator(".org-side").bounding_box()
    main = page.locator(".org-main").bounding_box()
    assert main["y"] >= side["y"] + side["height"] - 1  # the detail below the tree
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "org-phone")
