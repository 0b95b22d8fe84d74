"""The statistics API: the same report as the service, within each role's scope."""

import io
from datetime import date, timedelta
from urllib.parse import quote

from python_calamine import CalamineWorkbook
from sqlalchemy import select, update

from dangjian.audit.models import AuditEvent
from dangjian.auth import service as auth_service
from dangjian.auth.scope import scope_for
from dangjian.kit.idcard import mask
from dangjian.member.models import Member
from dangjian.org import service as org_service
from dangjian.org.models import Organization
from dangjian.stats import render
from dangjian.stats.checks import run_checks
from dangjian.stats.router import XLSX
from dangjian.stats.schemas import StatsReport
from dangjian.stats.service import build_report, report_by_children
from tests.factories import make_member

REPORT = "/api/v1/stats/report"
XLSX_URL = "/api/v1/stats/report.xlsx"
CHILDREN = "/api/v1/stats/children"
CHECKS = "/api/v1/checks"
DAY = date(2025, 6, 30)


def org_of(session, username: str) -> Organization:
    return session.get(Organization, auth_service.get_user(session, username).org_id)


def roots_of(session, username: str) -> tuple[int, ...]:
    return scope_for(session, auth_service.get_user(session, username)).roots


def test_report_is_the_services_report_and_matches_the_schema(client_for, demo_city, session):
    county = org_of(session, "county")
    response = client_for("admin").get(REPORT, params={"org_id": county.id, "as_of": DAY.isoformat()})
    assert response.status_code == 200, response.text
    expected = build_report(session, org_id=county.id, as_of=DAY)
    assert response.json() == expected
    assert expected["members"]["total"] > 0 and expected["org"]["id"] == county.id
    # The schema mirrors the report exactly: nothing dropped, renamed or added.
    assert StatsReport.model_validate(expected).model_dump(mode="json", by_alias=True) == expected


def test_report_defaults_to_the_start_of_the_callers_scope_and_today(client_for, demo_city, session):
    county = org_of(session, "county")
    mine = client_for("county").get(REPORT).json()
    assert mine["org"]["id"] == county.id and mine["as_of"] == date.today().isoformat()
    city = client_for("admin").get(REPORT).json()
    assert city["org"]["id"] == org_service.root_org(session).id
    assert 0 < mine["members"]["total"] < city["members"]["total"]


def test_an_organization_out_of_scope_answers_404_like_a_missing_one(client_for, demo_city, session):
    client = client_for("county")
    district = org_of(session, "district")
    for url in (REPORT, XLSX_URL, CHILDREN, CHECKS):
        hidden = client.get(url, params={"org_id": district.id})
        missing = client.get(url, params={"org_id": 99_999_999})
        assert hidden.status_code == missing.status_code == 404, url
        assert hidden.json() == {"error": "NotFound", "detail": f"党组织不存在：{district.id}", "field": "org_id"}
    township = client_for("township")
    assert township.get(REPORT, params={"org_id": org_of(session, "county").id}).status_code == 404
    assert township.get(REPORT, params={"org_id": org_of(session, "secretary").id}).status_code == 200


def test_a_member_has_no_statistics_and_anonymous_callers_must_sign_in(client_for, demo_city):
    member, anonymous = client_for("member"), client_for()
    for url in (REPORT, XLSX_URL, CHILDREN, CHECKS):
        refused = member.get(url)
        assert refused.status_code == 403 and "没有权限" in refused.json()["detail"], url
        assert anonymous.get(url).status_code == 401, url
    # Permission is decided before the parameters are looked at.
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert member.get(REPORT, params={"as_of": tomorrow}).status_code == 403
    assert anonymous.get(REPORT, params={"as_of": tomorrow}).status_code == 401


def test_as_of_is_a_real_day_not_after_today(client_for, demo_city):
    client = client_for("county")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    future = client.get(REPORT, params={"as_of": tomorrow})
    assert future.status_code == 422
    assert future.json() == {"error": "ValidationFailed", "detail": f"统计日期：不能晚于今天（{date.today().isoformat()}）", "field": "as_of"}
    assert client.get(XLSX_URL, params={"as_of": tomorrow}).status_code == 422
    for bad_day in ("2025-02-30", "0", "2025-6-30"):
        bad = client.get(CHILDREN, params={"as_of": bad_day})
        assert bad.status_code == 422 and bad.json()["detail"].startswith("统计日期：日期格式"), bad_day
    early = client.get(REPORT, params={"as_of": "1900-01-01"})
    assert early.status_code == 422 and "不能早于" in early.json()["detail"]
    assert client.get(REPORT, params={"as_of": date.today().isoformat()}).status_code == 200
    assert client.get(REPORT, params={"org_id": 0}).status_code == 422


def test_excel_export_is_the_report_and_leaves_an_audit_event(client_for, demo_city, session):
    township = org_of(session, "township")
    response = client_for("township").get(XLSX_URL, params={"as_of": DAY.isoformat()})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="stats-report-')
    assert f"filename*=UTF-8''{quote(f'{township.name}党内统计报表20250630.xlsx', safe='')}" in disposition
    report = build_report(session, org_id=township.id, as_of=DAY)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = workbook.get_sheet_by_name(render.SHEET_NAME).to_python()
    assert rows[0][0] == render.title(report) and township.name in rows[0][0]
    total = next(row[1] for row in rows if row[0] == "党员总数")
    assert int(total) == report["members"]["total"] > 0
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert (event.actor, event.entity, event.org_id) == ("township", "stats_report", township.id)
    assert event.after == {"as_of": "2025-06-30"}


def test_an_inspector_reads_its_areas_only_and_cannot_export(client_for, demo_city, session):
    client = client_for("inspector")
    roots = roots_of(session, "inspector")
    assert client.get(REPORT).json()["org"]["id"] == roots[0]
    for root in roots:
        assert client.get(REPORT, params={"org_id": root}).status_code == 200
        parent = session.get(Organization, root).parent_id
        assert client.get(REPORT, params={"org_id": parent}).status_code == 404
    assert client.get(REPORT, params={"org_id": org_of(session, "district").id}).status_code == 404
    assert client.get(XLSX_URL).status_code == 403
    assert client.get(CHECKS).json()["org"]["id"] == roots[0]


def test_children_are_the_services_rows_minus_those_now_out_of_scope(client_for, demo_city, session):
    admin, county_client = client_for("admin"), client_for("county")
    root = org_service.root_org(session)
    city_rows = admin.get(CHILDREN, params={"as_of": DAY.isoformat()}).json()
    assert city_rows == report_by_children(session, org_id=root.id, as_of=DAY)
    assert sum(r["total"] for r in city_rows) == build_report(session, as_of=DAY)["members"]["total"] > 0

    county, district = org_of(session, "county"), org_of(session, "district")
    child = session.scalars(
        select(Organization).where(Organization.parent_id == county.id, Organization.founded_on < DAY).order_by(Organization.id)
    ).first()
    org_service.move_org(session, child.id, new_parent_id=district.id, moved_on=DAY + timedelta(days=1), actor="test")
    session.flush()
    # On DAY the child still sat under the county, but today the county may no longer see it.
    as_admin = admin.get(CHILDREN, params={"org_id": county.id, "as_of": DAY.isoformat()}).json()
    as_county = county_client.get(CHILDREN, params={"as_of": DAY.isoformat()}).json()
    assert child.id in [r["org"]["id"] for r in as_admin]
    assert [r for r in as_admin if r["org"]["id"] != child.id] == as_county
    today = county_client.get(CHILDREN).json()
    assert child.id not in [r["org"]["id"] for r in today] and today


def counts(results: list[dict]) -> dict[str, int]:
    return {r["code"]: r["count"] for r in results}


def service_counts(session, org_id: int | None) -> dict[str, int]:
    return {r.code: r.count for r in run_checks(session, org_id=org_id, today=date.today())}


def test_checks_cover_each_roles_scope(client_for, demo_city, session):
    today = date.today()
    city = client_for("admin").get(CHECKS).json()
    assert city["org"] is None and city["checked_on"] == today.isoformat()
    assert counts(city["results"]) == service_counts(session, None)
    county = org_of(session, "county")
    mine = client_for("county").get(CHECKS).json()
    assert mine["org"]["id"] == county.id
    assert counts(mine["results"]) == service_counts(session, county.id)
    assert sum(counts(mine["results"]).values()) < sum(counts(city["results"]).values())
    branch = org_of(session, "secretary")
    assert client_for("secretary").get(CHECKS).json()["org"]["id"] == branch.id
    assert client_for("secretary").get(CHECKS, params={"org_id": county.id}).status_code == 404
    assert client_for("admin").get(CHECKS, params={"org_id": county.id}).json()["results"] == mine["results"]


def test_check_examples_show_id_numbers_masked(client_for, demo_city, session):
    branch = org_of(session, "secretary")
    member = make_member(session, branch)
    broken = member.id_number[:-1] + ("0" if member.id_number[-1] != "0" else "1")  # wrong check character
    session.execute(update(Member).where(Member.id == member.id).values(id_number=broken))
    session.expire_all()
    response = client_for("county").get(CHECKS)
    assert response.status_code == 200
    invalid = next(r for r in response.json()["results"] if r["code"] == "invalid_id_number")
    assert invalid["count"] >= 1
    example = next(e for e in invalid["examples"] if e["member_id"] == member.id)
    assert example["id_number"] == mask(broken) != broken
    assert broken not in response.text
