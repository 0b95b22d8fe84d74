"""The statistics report (党内统计) of an organization's subtree as of a day.

Counting basis (rules.md §8): members by formal organizational relation, the tree as it stood on
the day (`org_ancestor` is effective-dated), members' attributes from the `member_period` covering
the day. Every member figure comes from one aggregate query; nothing loops over members.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from dangjian.member.codes import (
    HAN,
    EducationGroup,
    Employment,
    Gender,
    Occupation,
    education_codes,
)
from dangjian.member.models import MemberPeriod
from dangjian.org import service as org_service
from dangjian.org.codes import DivisionKind, OrgKind, UnitKind, UnitStatus, VillageClass
from dangjian.org.models import Division, OrgAncestor, Organization, OrgClassification, Unit

# 公报 age bands: key -> (lowest age, highest age or None for open-ended).
AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "30_and_under": (0, 30),
    "31_35": (31, 35),
    "36_40": (36, 40),
    "41_45": (41, 45),
    "46_50": (46, 50),
    "51_55": (51, 55),
    "56_60": (56, 60),
    "61_and_over": (61, None),
}
# The age groups the speech names (city-figures.md).
SPEECH_AGES: dict[str, tuple[int, int | None]] = {
    "46_54": (46, 54),
    "60_and_over": (60, None),
}
RESTRUCTURED_STATUSES = (UnitStatus.restructured, UnitStatus.closed, UnitStatus.bankrupt)
TOWNSHIP_LEVEL_KINDS = (DivisionKind.town, DivisionKind.township, DivisionKind.street)
SHARE_STEP = Decimal("0.1")


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def share(count: int, total: int) -> float:
    """Percentage with one decimal, rounded half up (1/8 -> 12.5, 2/3 -> 66.7); 0 for no total."""
    if total == 0:
        return 0.0
    return float(
        (Decimal(count) * 100 / Decimal(total)).quantize(SHARE_STEP, rounding=ROUND_HALF_UP)
    )


def exists_on(on: date) -> ColumnElement[bool]:
    return and_(
        Organization.founded_on <= on,
        or_(Organization.dissolved_on.is_(None), Organization.dissolved_on > on),
    )


def _org_info(org: Organization) -> dict[str, Any]:
    return {"id": org.id, "code": org.code, "name": org.name, "kind": org.kind}


def _age_clause(birth_on, low: int, high: int | None, on: date) -> ColumnElement[bool]:
    # age >= a  <=>  birth_on <= the day a years before; compared in SQL, computed here.
    clause = birth_on <= years_before(on, low)
    if high is not None:
        clause = and_(clause, birth_on > years_before(on, high + 1))
    return clause


def _division_counts(session: Session, division_id: int | None) -> dict[str, Any]:
    counts: dict[str, int] = {}
    if division_id is not None:
        top = session.get(Division, division_id)
        if top is not None:
            prefix = top.path if top.path.endswith("/") else top.path + "/"
            rows = session.execute(
                select(Division.kind, func.count())
                .where(
                    or_(Division.id == top.id, Division.path.startswith(prefix, autoescape=True))
                )
                .group_by(Division.kind)
            )
            counts = {kind: int(n) for kind, n in rows}
    township_level = {kind.value: counts.get(kind.value, 0) for kind in TOWNSHIP_LEVEL_KINDS}
    return {
        "township_level": township_level,
        "townships": township_level["town"] + township_level["township"],
        "streets": township_level["street"],
        "villages": counts.get(DivisionKind.village.value, 0),
        "communities": counts.get(DivisionKind.community.value, 0),
    }


def _unit_counts(session: Session, scope: Select, on: date) -> dict[str, Any]:
    in_scope = select(Organization.unit_id).where(Organization.id.in_(scope), exists_on(on))
    restructured = and_(
        Unit.kind == UnitKind.state_enterprise.value,
        Unit.status.in_([s.value for s in RESTRUCTURED_STATUSES]),
    )
    rows = session.execute(
        select(Unit.kind, func.count(), func.sum(case((restructured, 1), else_=0)))
        .where(Unit.id.in_(in_scope))
        .group_by(Unit.kind)
    ).all()
    by_kind = {kind.value: 0 for kind in UnitKind}
    for kind, n, _ in rows:
        by_kind[kind] = by_kind.get(kind, 0) + int(n)
    return {
        "total": sum(int(n) for _, n, _ in rows),
        "by_kind": by_kind,
        "restructured": sum(int(r or 0) for _, _, r in rows),
    }


def _org_counts(session: Session, scope: Select, on: date) -> dict[str, Any]:
    rows = session.execute(
        select(Organization.kind, func.count())
        .where(Organization.id.in_(scope), exists_on(on))
        .group_by(Organization.kind)
    )
    by_kind = {kind: int(n) for kind, n in rows}
    committees = by_kind.get(OrgKind.committee.value, 0)
    general_branches = by_kind.get(OrgKind.general_branch.value, 0)
    joint_branches = by_kind.get(OrgKind.joint_branch.value, 0)
    branches = by_kind.get(OrgKind.branch.value, 0) + joint_branches
    return {
        "total": committees + general_branches + branches,
        "committees": committees,
        "general_branches": general_branches,
        "branches": branches,
        "joint_branches": joint_branches,
        "others": {
            OrgKind.local_committee.value: by_kind.get(OrgKind.local_committee.value, 0),
            OrgKind.working_committee.value: by_kind.get(OrgKind.working_committee.value, 0),
        },
    }


def _village_counts(session: Session, org_id: int, on: date) -> dict[str, Any]:
    # A village keeps its class until it is classified again: the latest classification up to the
    # day's year counts. Where a village has several classified organizations, the nearest the top.
    village_orgs = (
        select(Organization.unit_id, OrgAncestor.depth, Organization.id.label("org_id"))
        .join(OrgAncestor, OrgAncestor.descendant_id == Organization.id)
        .join(Unit, Unit.id == Organization.unit_id)
        .where(
            OrgAncestor.ancestor_id == org_id,
            org_service.covering(OrgAncestor.valid_from, OrgAncestor.valid_to, on),
            exists_on(on),
            Unit.kind == UnitKind.village.value,
        )
        .subquery()
    )
    total = session.scalar(select(func.count(func.distinct(village_orgs.c.unit_id)))) or 0
    ranked = (
        select(
            OrgClassification.grade,
            OrgClassification.year,
            func.row_number()
            .over(
                partition_by=village_orgs.c.unit_id,
                order_by=(OrgClassification.year.desc(), village_orgs.c.depth, village_orgs.c.org_id),
            )
            .label("rank"),
        )
        .select_from(village_orgs)
        .join(OrgClassification, OrgClassification.org_id == village_orgs.c.org_id)
        .where(OrgClassification.year <= on.year)
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.grade, func.count(), func.max(ranked.c.year)).where(ranked.c.rank == 1).group_by(ranked.c.grade)
    ).all()
    graded = {grade: int(n) for grade, n, _ in rows}
    by_class = {grade.value: graded.get(grade.value, 0) for grade in VillageClass}
    by_class["unclassified"] = int(total) - sum(by_class.values())
    latest = max((int(year) for _, _, year in rows), default=on.year)
    return {"total": int(total), "year": latest, "by_class": by_class}


def _member_columns(p, on: date) -> dict[str, ColumnElement[bool]]:
    """Name -> condition, each summed over the members in scope by the one aggregate query."""
    formal = p.formal == 1
    restructured = and_(formal, p.restructured == 1)
    probationary = or_(p.confirmed_on.is_(None), p.confirmed_on > on)
    conditions: dict[str, ColumnElement[bool]] = {
        "total": formal,
        "probationary": and_(formal, probationary),
        "full": and_(formal, ~probationary),
        "ethnic_minority": and_(formal, p.ethnicity != HAN),
        "floating_out": and_(formal, p.is_floating.is_(True)),
        "floating_in": and_(~formal, p.is_floating.is_(True), p.inflow_in_scope == 1),
        "lost_contact": and_(formal, p.is_lost_contact.is_(True)),
        "without_post": and_(formal, p.has_post.is_(False)),
        "restructured": restructured,
    }
    for gender in Gender:
        conditions[f"gender.{gender.value}"] = and_(formal, p.gender == gender.value)
    for key, (low, high) in AGE_BANDS.items():
        conditions[f"age.{key}"] = and_(formal, _age_clause(p.birth_on, low, high, on))
    for key, (low, high) in SPEECH_AGES.items():
        conditions[f"speech_age.{key}"] = and_(formal, _age_clause(p.birth_on, low, high, on))
    for group in EducationGroup:
        conditions[f"education.{group.value}"] = and_(
            formal, p.education.in_(education_codes(group))
        )
    for occupation in Occupation:
        conditions[f"occupation.{occupation.value}"] = and_(
            formal, p.occupation == occupation.value
        )
    for employment in Employment:
        conditions[f"employment.{employment.value}"] = and_(
            formal, p.employment == employment.value
        )
        conditions[f"restructured_employment.{employment.value}"] = and_(
            restructured, p.employment == employment.value
        )
    return conditions


def _member_rows(session: Session, org: Organization, scope: Select, on: date):
    """The member periods covering the day that count for the subtree, with three flags: formal
    (relation in the subtree), restructured (in a restructured enterprise), inflow (floating in)."""
    mp = MemberPeriod
    restructured_orgs = (
        select(Organization.id)
        .join(Unit, Unit.id == Organization.unit_id)
        .where(
            Unit.kind == UnitKind.state_enterprise.value,
            Unit.status.in_([s.value for s in RESTRUCTURED_STATUSES]),
        )
        .subquery()
    )
    attributes = (mp.gender, mp.ethnicity, mp.birth_on, mp.confirmed_on, mp.education, mp.occupation,
                  mp.employment, mp.has_post, mp.is_floating, mp.is_lost_contact)
    restructured = case((restructured_orgs.c.id.is_not(None), 1), else_=0).label("restructured")
    on_day = org_service.covering(mp.start_on, mp.end_on, on)
    if _is_whole_tree(session, org):
        # Every organization is in scope, and periods lie within their organizations' lifetimes.
        return (
            select(case((mp.org_id.is_not(None), 1), else_=0).label("formal"), restructured,
                   case((mp.inflow_org_id.is_not(None), 1), else_=0).label("inflow_in_scope"), *attributes)
            .select_from(mp)
            .outerjoin(restructured_orgs, restructured_orgs.c.id == mp.org_id)
            .where(on_day)
            .subquery()
        )
    # Below the root, start from the subtree's organizations so the member_period indexes are used.
    formal_scope, inflow_scope = scope.subquery(), scope.subquery()
    formal = (
        select(literal(1, Integer).label("formal"), restructured, literal(0, Integer).label("inflow_in_scope"), *attributes)
        .select_from(formal_scope)
        .join(mp, mp.org_id == formal_scope.c.descendant_id)
        .outerjoin(restructured_orgs, restructured_orgs.c.id == mp.org_id)
        .where(on_day)
    )
    floating_in = (
        select(literal(0, Integer), literal(0, Integer), literal(1, Integer), *attributes)
        .select_from(inflow_scope)
        .join(mp, mp.inflow_org_id == inflow_scope.c.descendant_id)
        .where(on_day, or_(mp.org_id.is_(None), mp.org_id.not_in(scope)))
    )
    return union_all(formal, floating_in).subquery()


def _is_whole_tree(session: Session, org: Organization) -> bool:
    return org.parent_id is None and session.scalar(
        select(func.count()).select_from(Organization).where(Organization.parent_id.is_(None))
    ) == 1


def _member_counts(session: Session, org: Organization, scope: Select, on: date) -> dict[str, int]:
    periods = _member_rows(session, org, scope, on)
    conditions = _member_columns(periods.c, on)
    names = list(conditions)
    row = session.execute(
        select(*(func.coalesce(func.sum(case((conditions[n], 1), else_=0)), 0) for n in names))
    ).one()
    return {name: int(value) for name, value in zip(names, row, strict=True)}


def _member_section(counts: dict[str, int]) -> dict[str, Any]:
    total = counts["total"]

    def part(key: str) -> dict[str, Any]:
        return {"count": counts[key], "share": share(counts[key], total)}

    def group(prefix: str, keys) -> dict[str, Any]:
        return {key: part(f"{prefix}.{key}") for key in keys}

    return {
        "total": total,
        "full": counts["full"],
        "probationary": counts["probationary"],
        "by_gender": group("gender", [g.value for g in Gender]),
        "ethnic_minority": part("ethnic_minority"),
        "by_age_band": group("age", AGE_BANDS),
        "speech_age": group("speech_age", SPEECH_AGES),
        "by_education": group("education", [g.value for g in EducationGroup]),
        "by_occupation": group("occupation", [o.value for o in Occupation]),
        "by_employment": group("employment", [e.value for e in Employment]),
        "floating_out": part("floating_out"),
        "floating_in": part("floating_in"),
        "lost_contact": part("lost_contact"),
        "without_post": part("without_post"),
    }


def _restructured_section(counts: dict[str, int], units: int) -> dict[str, Any]:
    by_employment = {e.value: counts[f"restructured_employment.{e.value}"] for e in Employment}
    return {
        "units": units,
        "members": counts["restructured"],
        "by_employment": by_employment,
        "contract_ended": by_employment[Employment.contract_ended.value],
        "retired": by_employment[Employment.retired.value],
    }


def build_report(session: Session, *, org_id: int | None = None, as_of: date) -> dict[str, Any]:
    """The statistics report of an organization (default: the root) and its subtree on `as_of`."""
    org = org_service.root_org(session) if org_id is None else org_service.get_org(session, org_id)
    scope = org_service.subtree_ids(org.id, as_of)
    units = _unit_counts(session, scope, as_of)
    counts = _member_counts(session, org, scope, as_of)
    return {
        "org": _org_info(org),
        "as_of": as_of.isoformat(),
        "divisions": _division_counts(session, org.division_id),
        "units": units,
        "organizations": _org_counts(session, scope, as_of),
        "villages": _village_counts(session, org.id, as_of),
        "members": _member_section(counts),
        "restructured_enterprises": _restructured_section(counts, units["restructured"]),
    }


def report_by_children(session: Session, *, org_id: int, as_of: date) -> list[dict[str, Any]]:
    """Member totals of each direct child organization existing on `as_of` (its whole subtree).

    Counted per organization first, then rolled up through the closure table as of the day.
    """
    org = org_service.get_org(session, org_id)
    on_day = org_service.covering(OrgAncestor.valid_from, OrgAncestor.valid_to, as_of)
    children = session.scalars(
        select(Organization)
        .join(OrgAncestor, OrgAncestor.descendant_id == Organization.id)
        .where(OrgAncestor.ancestor_id == org.id, OrgAncestor.depth == 1, on_day, exists_on(as_of))
        .order_by(Organization.code, Organization.id)
    ).all()
    if not children:
        return []
    mp = MemberPeriod
    probationary = or_(mp.confirmed_on.is_(None), mp.confirmed_on > as_of)
    per_org = (
        select(
            mp.org_id,
            func.count().label("total"),
            func.sum(case((probationary, 1), else_=0)).label("probationary"),
        )
        .where(
            org_service.covering(mp.start_on, mp.end_on, as_of),
            mp.org_id.in_(org_service.subtree_ids(org.id, as_of)),
        )
        .group_by(mp.org_id)
        .subquery()
    )
    rows = session.execute(
        select(
            OrgAncestor.ancestor_id,
            func.sum(per_org.c.total),
            func.sum(per_org.c.probationary),
        )
        .join(per_org, per_org.c.org_id == OrgAncestor.descendant_id)
        .where(OrgAncestor.ancestor_id.in_([c.id for c in children]), on_day)
        .group_by(OrgAncestor.ancestor_id)
    )
    totals = {ancestor: (int(total), int(prob)) for ancestor, total, prob in rows}
    result = []
    for child in children:
        total, prob = totals.get(child.id, (0, 0))
        result.append(
            {"org": _org_info(child), "total": total, "full": total - prob, "probationary": prob}
        )
    return result
