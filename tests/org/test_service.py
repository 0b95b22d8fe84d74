from datetime import date

import pytest
from sqlalchemy import select

from dangjian.errors import ValidationFailed
from dangjian.org import service as org_service
from dangjian.org.codes import DissolveReason, DivisionKind, OrgKind
from dangjian.org.models import OrgAncestor, Organization
from dangjian.org.schemas import DivisionCreate, OrgCreate
from tests.conftest import count_rows
from tests.factories import TODAY, make_member, make_org


def ids_below(session, org, on=None):
    return set(session.scalars(org_service.subtree_ids(org.id, on)))


def test_create_builds_path_and_closure(session):
    city = make_org(session)
    county = make_org(session, city, kind=OrgKind.committee)
    branch = make_org(session, county)
    assert branch.path == f"/{city.id}/{county.id}/{branch.id}/"
    assert branch.depth == 2
    assert ids_below(session, city) == {city.id, county.id, branch.id}
    assert ids_below(session, branch) == {branch.id}
    depths = dict(session.execute(
        select(OrgAncestor.ancestor_id, OrgAncestor.depth).where(OrgAncestor.descendant_id == branch.id)
    ).all())
    assert depths == {branch.id: 0, county.id: 1, city.id: 2}


def test_subtree_as_of_respects_founding(session):
    city = make_org(session, founded_on=date(1990, 1, 1))
    late = make_org(session, city, kind=OrgKind.committee, founded_on=date(2020, 6, 1))
    assert late.id not in ids_below(session, city, date(2020, 5, 31))
    assert late.id in ids_below(session, city, date(2020, 6, 1))


def test_move_keeps_history_and_rewrites_paths(session):
    city = make_org(session)
    a = make_org(session, city, kind=OrgKind.committee)
    b = make_org(session, city, kind=OrgKind.committee)
    general = make_org(session, a, kind=OrgKind.general_branch)
    leaf = make_org(session, general)
    org_service.move_org(session, general.id, new_parent_id=b.id, moved_on=date(2021, 3, 1), actor="t", today=TODAY)
    assert leaf.path == f"/{city.id}/{b.id}/{general.id}/{leaf.id}/"
    assert leaf.depth == 3
    assert {general.id, leaf.id} <= ids_below(session, a, date(2021, 2, 28))
    assert not {general.id, leaf.id} & ids_below(session, a, date(2021, 3, 1))
    assert {general.id, leaf.id} <= ids_below(session, b)
    assert {general.id, leaf.id} <= ids_below(session, city, date(2021, 2, 28)) & ids_below(session, city)


def test_move_under_own_subtree_is_refused(session):
    city = make_org(session)
    a = make_org(session, city, kind=OrgKind.committee)
    child = make_org(session, a, kind=OrgKind.general_branch)
    with pytest.raises(ValidationFailed) as error:
        org_service.move_org(session, a.id, new_parent_id=child.id, moved_on=date(2021, 1, 1), actor="t", today=TODAY)
    assert error.value.field == "new_parent_id"


def test_dissolve_needs_empty_organization(session):
    city = make_org(session)
    committee = make_org(session, city, kind=OrgKind.committee)
    branch = make_org(session, committee)
    make_member(session, branch)
    with pytest.raises(ValidationFailed, match="还有下级党组织"):
        org_service.dissolve_org(session, committee.id, dissolved_on=date(2024, 1, 1), reason=DissolveReason.merged, actor="t", today=TODAY)
    with pytest.raises(ValidationFailed, match="还有党员"):
        org_service.dissolve_org(session, branch.id, dissolved_on=date(2024, 1, 1), reason=DissolveReason.merged, actor="t", today=TODAY)
    empty = make_org(session, committee)
    org_service.dissolve_org(session, empty.id, dissolved_on=date(2024, 1, 1), reason=DissolveReason.merged, actor="t", today=TODAY)
    assert empty.id in ids_below(session, committee, date(2023, 12, 31))
    assert empty.id not in ids_below(session, committee, date(2024, 1, 1))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": "  "}, "name", "名称不能为空"),
        ({"parent_id": 999999}, "parent_id", "上级党组织不存在"),
        ({"founded_on": date(2026, 1, 1)}, "founded_on", "不能晚于今天"),
        ({"division_code": "439999"}, "division_code", "行政区划代码不存在：439999"),
        ({"kind": OrgKind.committee, "parent_id": None}, "parent_id", "只有地方党委可以没有上级党组织"),
    ],
)
def test_bad_organization_input_names_the_field_and_writes_nothing(session, change, field, message):
    city = make_org(session)
    before = count_rows(session, "organization"), count_rows(session, "audit_event")
    data = {"parent_id": city.id, "name": "新党支部", "kind": OrgKind.branch, **change}
    with pytest.raises(ValidationFailed, match=message) as error:
        org_service.create_org(session, OrgCreate(**data), actor="t", today=TODAY)
    assert error.value.field == field
    assert (count_rows(session, "organization"), count_rows(session, "audit_event")) == before


def test_branch_cannot_have_child_organizations(session):
    branch = make_org(session, make_org(session))
    with pytest.raises(ValidationFailed, match="党支部下不能再设党组织"):
        make_org(session, branch)


def test_divisions_are_checked_against_gb2260_and_parent(session):
    org_service.create_division(session, DivisionCreate(code="430400", name="衡阳市", kind=DivisionKind.city), actor="t")
    org_service.create_division(session, DivisionCreate(code="430421", name="衡阳县", kind=DivisionKind.county, parent_code="430400"), actor="t")
    town = org_service.create_division(session, DivisionCreate(code="430421101", name="西渡镇", kind=DivisionKind.town, parent_code="430421"), actor="t")
    assert town.level == "township"
    with pytest.raises(ValidationFailed, match="不是已知的 GB/T 2260 行政区划代码：430499") as error:
        org_service.create_division(session, DivisionCreate(code="430499", name="无此县", kind=DivisionKind.county, parent_code="430400"), actor="t")
    assert error.value.field == "code"
    with pytest.raises(ValidationFailed, match="行政区划代码不存在：430422") as error:
        org_service.create_division(session, DivisionCreate(code="430422101", name="某镇", kind=DivisionKind.town, parent_code="430422"), actor="t")
    assert error.value.field == "parent_code"
    with pytest.raises(ValidationFailed, match="与上级行政区划代码 430421101 不一致"):
        org_service.create_division(session, DivisionCreate(code="430422101201", name="某村", kind=DivisionKind.village, parent_code="430421101"), actor="t")


def test_resolve_org_by_code_id_and_name(session):
    org = make_org(session, make_org(session), name="唯一名称党支部", code="X-1")
    assert org_service.resolve_org(session, "X-1").id == org.id
    assert org_service.resolve_org(session, str(org.id)).id == org.id
    assert org_service.resolve_org(session, "唯一名称党支部").id == org.id
    assert session.get(Organization, org.id).code == "X-1"
