"""Demo accounts: every role, at several places in the demo city's tree."""

from dataclasses import dataclass

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from dangjian.auth import service as auth_service
from dangjian.auth.models import User
from dangjian.auth.roles import Role
from dangjian.member.models import Member
from dangjian.org.codes import BRANCH_KINDS, OrgKind, UnitKind
from dangjian.org.models import Organization, Unit

DEMO_PASSWORD = "Dangjian@2025"  # demo data only; never a real account's


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    place: str


def _child(session: Session, parent: Organization, *kinds: OrgKind) -> Organization:
    return session.scalars(
        select(Organization).where(Organization.parent_id == parent.id, Organization.kind.in_([k.value for k in kinds])).order_by(Organization.id)
    ).first()


def _first_branch_with_members(session: Session, under: Organization) -> Organization:
    """A village or community branch if there is one (they are what demo users look for)."""
    grassroots = Unit.kind.in_([UnitKind.village.value, UnitKind.community.value])
    return session.scalars(
        select(Organization)
        .outerjoin(Unit, Unit.id == Organization.unit_id)
        .where(Organization.path.startswith(under.path), Organization.kind.in_([k.value for k in BRANCH_KINDS]))
        .where(Organization.id.in_(select(Member.org_id).where(Member.status == "active")))
        .order_by(case((grassroots, 0), else_=1), Organization.id)
    ).first()


def short_name(org: Organization) -> str:
    name = org.name.removeprefix("中共")
    for suffix in ("工作委员会", "总支部委员会", "支部委员会", "委员会"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _county_with(session: Session, counties: list[Organization], preferred: str, *kinds: OrgKind) -> tuple[Organization, Organization]:
    """The preferred county if it has a child of these kinds with members below, else the first
    county that has one (small demo cities lack some kinds)."""
    for county in sorted(counties, key=lambda c: (c.code != preferred, c.code)):
        for kind in kinds:
            for child in session.scalars(
                select(Organization).where(Organization.parent_id == county.id, Organization.kind == kind.value).order_by(Organization.id)
            ):
                if _first_branch_with_members(session, child) is not None:
                    return county, child
    raise ValueError("演示城市中没有合适的党组织")


def create_demo_accounts(session: Session) -> list[DemoAccount]:
    """Create the demo accounts (once); returns them for printing."""
    city = session.scalar(select(Organization).where(Organization.parent_id.is_(None)).order_by(Organization.id))
    counties = list(session.scalars(select(Organization).where(Organization.parent_id == city.id)))
    county, township = _county_with(session, counties, "430421", OrgKind.committee)
    district, street = _county_with(session, [c for c in counties if c.id != county.id], "430405", OrgKind.working_committee, OrgKind.committee)
    village_branch = _first_branch_with_members(session, township)
    street_branch = _first_branch_with_members(session, street)
    member = session.scalars(select(Member).where(Member.org_id == village_branch.id, Member.status == "active").order_by(Member.id)).first()
    other_county = next((c for c in counties if c.code == "430422"), county)
    inspected = [o for o in session.scalars(
        select(Organization).where(Organization.parent_id == other_county.id, Organization.kind == OrgKind.committee.value).order_by(Organization.id).limit(2)
    )]
    plan = [
        ("admin", "市委组织部管理员", Role.city_admin, {}, "全市"),
        ("county", f"{short_name(county)}委组织部", Role.county_organizer, {"org_id": county.id}, county.name),
        ("district", f"{short_name(district)}委组织部", Role.county_organizer, {"org_id": district.id}, district.name),
        ("township", f"{short_name(township)}党委组织委员", Role.township_organizer, {"org_id": township.id}, township.name),
        ("street", f"{short_name(street)}党工委组织委员", Role.township_organizer, {"org_id": street.id}, street.name),
        ("secretary", f"{short_name(village_branch)}党支部书记", Role.branch_secretary, {"org_id": village_branch.id}, village_branch.name),
        ("secretary2", f"{short_name(street_branch)}党支部书记", Role.branch_secretary, {"org_id": street_branch.id}, street_branch.name),
        ("member", member.name, Role.member, {"member_id": member.id}, f"{member.name}（{village_branch.name}）"),
        ("inspector", "包乡督查领导", Role.inspector, {"areas": [o.id for o in inspected] + [village_branch.id]},
         "、".join([o.name for o in inspected] + [village_branch.name])),
    ]
    accounts = []
    for username, display, role, anchor, place in plan:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            auth_service.create_user(session, username=username, password=DEMO_PASSWORD, role=role,
                                     display_name=display, actor="demo-data", **anchor)
        accounts.append(DemoAccount(username, display, role, place))
    return accounts
