"""驾驶舱 (/dashboard): figures equal to the API's report, charts drawn, drill-down, scope, phone width."""

import re
import time

from playwright.sync_api import Page, expect

from tests.web.conftest import INK, PHONE, api_get, screenshot

CHARTS = ["chart-children", "chart-age", "chart-education", "chart-occupation", "chart-org-kinds", "chart-villages",
          "chart-employment"]
# Children chart layout (web/src/views/dashboard/options.ts CHILDREN_GRID): the rows lie between these margins.
CHILDREN_TOP, CHILDREN_BOTTOM = 32, 8



def loaded(page: Page, org_id: int | None = None, as_of: str | None = None) -> dict:
    """Waits for the dashboard to show (that organization, that day) and returns what it shows."""
    selector = "[data-test=dashboard][data-loading=false]:not([data-org-id=''])"
    if org_id is not None:
        selector += f"[data-org-id='{org_id}']"
    if as_of is not None:
        selector += f"[data-as-of='{as_of}']"
    root = page.locator(selector)
    expect(root).to_be_visible()
    return {"org_id": int(root.get_attribute("data-org-id")), "as_of": root.get_attribute("data-as-of")}


def report_of(page: Page, org_id: int, as_of: str) -> dict:
    return api_get(page, f"/stats/report?org_id={org_id}&as_of={as_of}")


def expected_cards(report: dict) -> dict[str, int]:
    orgs, members, villages, units = report["organizations"], report["members"], report["villages"], report["units"]
    return {
        "card-units": units["total"],
        "card-units-village": units["by_kind"]["village"],
        "card-units-community": units["by_kind"]["community"],
        "card-units-other": units["total"] - units["by_kind"]["village"] - units["by_kind"]["community"],
        "card-orgs": orgs["total"],
        "card-committees": orgs["committees"],
        "card-general-branches": orgs["general_branches"],
        "card-branches": orgs["branches"],
        "card-members": members["total"],
        "card-full": members["full"],
        "card-probationary": members["probationary"],
        "card-villages": villages["total"],
        "card-class-1": villages["by_class"]["class_1"],
        "card-class-2": villages["by_class"]["class_2"],
        "card-class-3": villages["by_class"]["class_3"],
        "card-unclassified": villages["by_class"]["unclassified"],
    }


def assert_cards_show(page: Page, report: dict) -> None:
    """Every card figure is the report's, written with thousands separators."""
    expect(page.locator("[data-test=org-name]")).to_have_text(report["org"]["name"])
    for test, value in expected_cards(report).items():
        expect(page.locator(f"[data-test={test}]"), test).to_have_text(f"{value:,}")


def assert_charts_drawn(page: Page, charts: list[str] = CHARTS) -> None:
    for chart in charts:
        page.wait_for_function(f"({INK})('[data-test={chart}]') > 800", timeout=10_000)


def click_child_row(page: Page, index: int, count: int) -> None:
    """Clicks the middle of a child's row in the children chart (the whole row drills down)."""
    box = page.locator("[data-test=chart-children]").bounding_box()
    assert box
    row = (box["height"] - CHILDREN_TOP - CHILDREN_BOTTOM) / count
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + CHILDREN_TOP + (index + 0.5) * row)


def test_admin_sees_the_city_report_with_drawn_charts(page_as):
    page = page_as("admin")
    page.wait_for_url("**/dashboard")
    shown = loaded(page)
    report = api_get(page, f"/stats/report?as_of={shown['as_of']}")
    assert shown["org_id"] == report["org"]["id"]
    assert report["members"]["total"] >= 1000  # so the thousands separator is really checked
    assert_cards_show(page, report)
    expect(page.locator("[data-test=card-members]")).to_have_text(re.compile(r"^\d{1,3}(,\d{3})+$"))

    # The children chart: one row per child of the API (12 counties), listed for screen readers too.
    children = api_get(page, f"/stats/children?as_of={shown['as_of']}")
    assert len(children) >= 10
    items = page.locator("[data-test=children-list] li")
    expect(items).to_have_count(len(children))
    assert items.first.inner_text() == f"{children[0]['org']['name']}：{children[0]['total']:,}人"

    assert_charts_drawn(page)
    for title in ["下级党组织党员数", "年龄结构", "学历", "人员类别", "基层党组织类型", "建制村分类定级", "工作状况"]:
        expect(page.get_by_text(title, exact=True)).to_be_visible()
    # Two charts a row at laptop width.
    age = page.locator("[data-test=chart-age]").bounding_box()
    education = page.locator("[data-test=chart-education]").bounding_box()
    assert abs(age["y"] - education["y"]) < 2 and education["x"] > age["x"] + age["width"]
    screenshot(page, "dashboard")


def test_reference_day_and_export(page_as):
    page = page_as("admin")
    page.wait_for_url("**/dashboard")
    loaded(page)
    page.click("[data-test=as-of-2025]")
    shown = loaded(page, as_of="2025-12-31")
    report = report_of(page, shown["org_id"], "2025-12-31")
    assert report["villages"]["total"] - report["villages"]["by_class"]["unclassified"] > 0  # classified in 2025
    assert_cards_show(page, report)
    expect(page.locator("[data-test=as-of] input")).to_have_value("2025年12月31日")

    with page.expect_download() as download:
        page.click("[data-test=export]")
    name = download.value.suggested_filename
    assert name == f"{report['org']['name']}党内统计报表20251231.xlsx"
    assert download.value.path().read_bytes()[:2] == b"PK"  # a zip, i.e. an xlsx


def test_drill_down_to_a_county_and_a_township_and_back(page_as):
    page = page_as("admin")
    page.wait_for_url("**/dashboard")
    city = loaded(page)
    as_of = city["as_of"]
    children = api_get(page, f"/stats/children?as_of={as_of}")
    index, county = max(enumerate(children), key=lambda pair: pair[1]["total"])  # the county with most members

    # A click on the county's row in the children chart.
    assert_charts_drawn(page, ["chart-children"])
    click_child_row(page, index, len(children))
    loaded(page, org_id=county["org"]["id"])
    county_report = report_of(page, county["org"]["id"], as_of)
    assert county_report["members"]["total"] == county["total"]
    assert_cards_show(page, county_report)
    crumbs = page.locator("[data-test=drill-path] .el-breadcrumb__item")
    expect(crumbs).to_have_count(2)

    # A township through the organization picker: expand the city, the county, pick the township.
    townships = [c for c in api_get(page, f"/stats/children?org_id={county['org']['id']}&as_of={as_of}")
                 if c["org"]["kind"] == "committee"]
    township = max(townships, key=lambda c: c["total"])
    page.click("[data-test=org-picker]")
    popper = page.locator(".dash-picker-popper")

    def node(name: str):
        return popper.locator(".el-tree-node__content").filter(has=page.locator(".org-picker-name", has_text=re.compile(f"^{re.escape(name)}$")))

    city_report = report_of(page, city["org_id"], as_of)
    node(city_report["org"]["name"]).locator(".el-tree-node__expand-icon").click()
    node(county["org"]["name"]).locator(".el-tree-node__expand-icon").click()
    node(township["org"]["name"]).locator(".org-picker-name").click()
    loaded(page, org_id=township["org"]["id"])
    township_report = report_of(page, township["org"]["id"], as_of)
    assert township_report["members"]["total"] == township["total"]
    assert township_report["members"]["total"] != county_report["members"]["total"] or len(townships) == 1
    assert_cards_show(page, township_report)
    expect(crumbs).to_have_count(3)
    expect(crumbs.first).to_contain_text(city_report["org"]["name"].removeprefix("中共").removesuffix("委员会"))
    screenshot(page, "dashboard-township")

    # Back up to the city through the drill path.
    page.click(f"[data-test=drill-up-{city['org_id']}]")
    loaded(page, org_id=city["org_id"])
    assert_cards_show(page, city_report)
    expect(page.locator("[data-test=drill-path]")).to_have_count(0)


def test_county_starts_at_its_county_with_its_townships(page_as):
    page = page_as("county")
    page.wait_for_url("**/dashboard")
    me = api_get(page, "/auth/me")
    shown = loaded(page)
    report = report_of(page, shown["org_id"], shown["as_of"])
    assert report["org"]["name"] == me["scope"]["org_names"][0]
    assert report["org"]["kind"] == "local_committee"
    assert_cards_show(page, report)
    children = api_get(page, f"/stats/children?org_id={shown['org_id']}&as_of={shown['as_of']}")
    assert any(c["org"]["kind"] == "committee" for c in children)  # its townships (乡镇党委)
    listed = page.locator("[data-test=children-list] li")
    expect(listed).to_have_count(len(children))
    for i, child in enumerate(children):
        assert listed.nth(i).get_attribute("data-org-id") == str(child["org"]["id"])
    assert_charts_drawn(page, ["chart-children", "chart-age"])
    expect(page.locator("[data-test=export]")).to_be_visible()


def test_inspector_has_no_export_button(page_as):
    page = page_as("inspector")
    page.goto("/dashboard")
    shown = loaded(page)
    assert_cards_show(page, report_of(page, shown["org_id"], shown["as_of"]))
    expect(page.locator("[data-test=export]")).to_have_count(0)


def test_phone_width_has_no_horizontal_overflow(page_as):
    page = page_as("township", viewport=PHONE)
    page.wait_for_url("**/dashboard")
    shown = loaded(page)
    assert_cards_show(page, report_of(page, shown["org_id"], shown["as_of"]))
    assert_charts_drawn(page, ["chart-age", "chart-education"])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # One chart a row.
    age = page.locator("[data-test=chart-age]").bounding_box()
    education = page.locator("[data-test=chart-education]").bounding_box()
    assert education["y"] >= age["y"] + age["height"]
    assert age["x"] + age["width"] <= PHONE["width"]
    screenshot(page, "dashboard-phone")


def test_report_and_children_load_in_parallel_and_fast(page_as):
    page = page_as("admin")
    page.wait_for_url("**/dashboard")
    loaded(page)
    timings: dict[str, dict[str, float]] = {}
    page.on("request", lambda r: timings.setdefault(r.url.split("/api/v1")[-1].split("?")[0], {})
            .__setitem__("sent", time.monotonic()) if "/api/v1/stats/" in r.url else None)
    page.on("requestfinished", lambda r: timings.setdefault(r.url.split("/api/v1")[-1].split("?")[0], {})
            .__setitem__("done", time.monotonic()) if "/api/v1/stats/" in r.url else None)
    started = time.monotonic()
    page.reload()
    loaded(page)
    elapsed = time.monotonic() - started
    assert set(timings) >= {"/stats/report", "/stats/children"}
    report, children = timings["/stats/report"], timings["/stats/children"]
    assert children["sent"] < report["done"] and report["sent"] < children["done"]  # both in flight at once
    assert elapsed < 3, f"驾驶舱加载用时 {elapsed:.2f} 秒"


def test_server_error_detail_is_shown(page_as):
    page = page_as("admin")
    page.wait_for_url("**/dashboard")
    loaded(page)
    page.route("**/api/v1/stats/report?*", lambda route: route.fulfill(
        status=404, json={"error": "NotFound", "detail": "党组织不存在：999", "field": "org_id"}))
    page.route("**/api/v1/stats/report", lambda route: route.fulfill(
        status=404, json={"error": "NotFound", "detail": "党组织不存在：999", "field": "org_id"}))
    page.reload()
    expect(page.locator(".el-message--error")).to_contain_text("党组织不存在：999")
    expect(page.locator(".dash-failed")).to_contain_text("党组织不存在：999")


def test_charts_follow_the_window_size(page_as):
    page = page_as("admin")
    page.wait_for_url("**/dashboard")
    loaded(page)
    assert_charts_drawn(page, ["chart-age"])
    canvas = page.locator("[data-test=chart-age] canvas")
    wide = canvas.bounding_box()["width"]
    page.set_viewport_size({"width": 900, "height": 768})
    page.wait_for_function(f"document.querySelector('[data-test=chart-age] canvas').getBoundingClientRect().width < {wide - 100}")
    narrow = canvas.bounding_box()
    chart = page.locator("[data-test=chart-age]").bounding_box()
    assert abs(narrow["width"] - chart["width"]) < 2  # the canvas fills its box again
    assert_charts_drawn(page, ["chart-age"])
