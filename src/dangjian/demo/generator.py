"""The demo city of the speech: divisions, units, organizations and members.

At scale 1 it reproduces every figure of shared/mission/city-figures.md exactly; other scales are
proportional. Exact totals come from rank-based assignment: each member gets a sampled propensity
(age, schooling) from the kind of organization it sits in, members are ranked by it, and the ranked
list is cut at the exact counts, so the totals are exact and the spread is realistic. Deterministic
for a seed.
"""

import json
import math
import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from operator import itemgetter

from sqlalchemy import Table, delete, func, or_, select, text
from sqlalchemy.orm import Session

from dangjian.audit import service as audit_service
from dangjian.auth.models import ApiToken, AuthSession, InspectorArea, User
from dangjian.db import SideLoad, bulk_load, reset_sequences
from dangjian.demo import names
from dangjian.demo.figures import CITY_CODE, CITY_NAME, COUNTIES, Figures, SPEECH, apportion
from dangjian.demo.meetings import generate_meetings, write_rows
from dangjian.errors import ValidationFailed
from dangjian.importexport.models import ImportJob
from dangjian.kit.idcard import HENGYANG_RETIRED_CODES, make_id_number
from dangjian.kit.memory import gc_paused
from dangjian.meeting.models import (
    Meeting,
    MeetingAttachment,
    MeetingAttendance,
    PartyGroup,
    PartyGroupMember,
    TalkParticipant,
)
from dangjian.member.codes import EducationGroup, Employment, LeaveReason, MemberEventKind, Occupation
from dangjian.member.models import Member, MemberEvent, MemberPeriod
from dangjian.member.service import add_years
from dangjian.org.codes import DIVISION_LEVEL_OF_KIND, DivisionKind, OrgKind, UnitKind, UnitStatus
from dangjian.org.models import Division, OrgAncestor, OrgClassification, Organization, Unit

DEFAULT_AS_OF = date(2025, 12, 31)
MIN_SCALE, MAX_SCALE = 0.01, 20

# Shapes of the fixed bodies at scale 1 (how many of the villages, communities and restructured
# enterprises have a committee or a general branch on top); the rest of the speech's committees,
# general branches and branches sit in agencies, institutions, enterprises, schools and hospitals.
VILLAGE_COMMITTEES, VILLAGE_GENERAL_BRANCHES = 110, 290
COMMUNITY_COMMITTEES, COMMUNITY_GENERAL_BRANCHES = 45, 60
RESTRUCTURED_COMMITTEES, RESTRUCTURED_GENERAL_BRANCHES = 30, 40
RESTRUCTURED_DISTRICT_WEIGHTS = {"430405": 30, "430406": 25, "430407": 25, "430408": 20, "430412": 6}
SYSTEM_COMMITTEES = (("教育局", "school"), ("卫生健康局", "hospital"), ("非公有制经济组织和社会组织综合", "private"), ("国有资产监督管理委员会", "soe"))

# profile -> (mean age, sd, min, max), education propensity, share of women
PROFILES = {
    "village": ((56, 14, 20, 95), -1.0, 0.18),
    "community": ((60, 14, 22, 95), -0.3, 0.42),
    "township_agency": ((42, 9, 23, 60), 1.0, 0.30),
    "street_agency": ((40, 9, 23, 60), 1.1, 0.45),
    "agency": ((45, 11, 23, 85), 1.5, 0.33),
    "institution": ((43, 11, 23, 85), 1.5, 0.45),
    "school": ((40, 12, 19, 85), 1.8, 0.55),
    "hospital": ((41, 11, 23, 85), 1.6, 0.62),
    "soe": ((44, 10, 22, 80), 0.6, 0.30),
    "private": ((36, 8, 20, 65), 0.5, 0.30),
    "social": ((42, 12, 20, 80), 0.6, 0.45),
    "restructured": ((0, 0, 30, 95), -0.5, 0.30),
}
FOUNDED = {
    "village": (1950, 1985), "community": (1995, 2012), "township_agency": (1952, 1990),
    "street_agency": (1980, 2010), "agency": (1970, 2010), "institution": (1975, 2012),
    "school": (1952, 2005), "hospital": (1952, 2000), "soe": (1960, 2005), "private": (2000, 2021),
    "social": (2005, 2022), "restructured": (1955, 1995),
}
UNIT_KIND = {
    "agency": UnitKind.agency, "institution": UnitKind.institution, "school": UnitKind.school,
    "hospital": UnitKind.hospital, "soe": UnitKind.state_enterprise, "private": UnitKind.private_enterprise,
    "social": UnitKind.social_organization,
}
BORN_ELSEWHERE = ("430521", "431121", "430223", "430981", "431021", "430321", "430626", "360321")
ZONE = timezone(timedelta(hours=8))


@dataclass
class Node:
    id: int
    code: str
    name: str
    kind: OrgKind
    parent: "Node | None"
    founded_on: date
    unit_id: int | None = None
    division_id: int | None = None
    profile: str = ""
    county: str = ""
    children: list["Node"] = field(default_factory=list)
    size: int = 0

    @property
    def path(self) -> str:
        return (self.parent.path if self.parent else "/") + f"{self.id}/"

    @property
    def depth(self) -> int:
        return self.parent.depth + 1 if self.parent else 0

    def branches(self) -> list["Node"]:
        if self.kind in (OrgKind.branch, OrgKind.joint_branch):
            return [self]
        return [b for child in self.children for b in child.branches()]


class City:
    """Everything the generator builds, as rows ready for the bulk paths."""

    def __init__(self, figures: Figures, seed: int, as_of: date):
        self.figures = figures
        self.rng = random.Random(seed)
        self.namer = names.Namer(self.rng)
        self.as_of = as_of
        self.now = datetime.now(ZONE)
        self.divisions: list[tuple] = []
        self.units: list[tuple] = []
        self.unit_status: dict[int, str] = {}
        self.nodes: list[Node] = []
        self.village_tops: list[Node] = []
        self.community_tops: list[Node] = []
        self.counters = {"committee": 0, "general_branch": 0, "branch": 0}

    # ---- divisions and units ------------------------------------------------------------
    def division(self, code: str, name: str, kind: DivisionKind, parent: tuple | None) -> tuple:
        division_id = len(self.divisions) + 1
        path = (parent[6] if parent else "/") + f"{division_id}/"
        row = (division_id, code, name, DIVISION_LEVEL_OF_KIND[kind].value, kind.value, parent[0] if parent else None, path)
        self.divisions.append(row)
        return row

    def unit(self, name: str, kind: UnitKind, division_id: int | None, status: UnitStatus = UnitStatus.normal) -> int:
        unit_id = len(self.units) + 1
        self.units.append((unit_id, name, kind.value, status.value, division_id, 1))
        self.unit_status[unit_id] = status.value
        return unit_id

    # ---- organizations ------------------------------------------------------------------
    def founded(self, profile: str, parent: Node | None) -> date:
        lo, hi = FOUNDED.get(profile, (1949, 1960))
        day = date(self.rng.randint(lo, hi), self.rng.randint(1, 12), self.rng.randint(1, 28))
        if parent is not None and day < parent.founded_on:
            day = parent.founded_on + timedelta(days=self.rng.randint(0, 400))
        return min(day, self.as_of - timedelta(days=400))

    def org(self, name: str, kind: OrgKind, parent: Node | None, *, profile: str = "", code: str | None = None,
            unit_id: int | None = None, division_id: int | None = None, founded_on: date | None = None) -> Node:
        node = Node(
            id=len(self.nodes) + 1,
            code=code or f"{parent.code}-{len(parent.children) + 1:02d}",
            name=name,
            kind=kind,
            parent=parent,
            founded_on=founded_on or self.founded(profile, parent),
            unit_id=unit_id,
            division_id=division_id if division_id is not None else (parent.division_id if parent else None),
            profile=profile or (parent.profile if parent else ""),
            county=parent.county if parent else "",
        )
        if parent is not None:
            parent.children.append(node)
        self.nodes.append(node)
        key = "branch" if kind is OrgKind.joint_branch else kind.value
        if key in self.counters:
            self.counters[key] += 1
        return node

    def body(self, top_name: str, shape: str, parent: Node, *, profile: str, unit_id: int | None,
             code: str | None = None, division_id: int | None = None, sub_branches: int = 0,
             sub_general: int = 0, branch_names: list[str] | None = None) -> Node:
        """A unit's organization: a branch, a general branch over branches, or a committee."""
        kind = {"B": OrgKind.branch, "G": OrgKind.general_branch, "C": OrgKind.committee}[shape]
        suffix = {"B": "支部委员会", "G": "总支部委员会", "C": "委员会"}[shape]
        top = self.org(f"中共{top_name}{suffix}", kind, parent, profile=profile, code=code, unit_id=unit_id, division_id=division_id)
        for g in range(sub_general):
            general = self.org(f"中共{top_name}第{g + 1}总支部委员会", OrgKind.general_branch, top, unit_id=unit_id)
            for b in range(3 + self.rng.randint(0, 2)):
                self.org(f"中共{top_name}第{g + 1}总支第{b + 1}支部委员会", OrgKind.branch, general, unit_id=unit_id)
        labels = branch_names or [f"第{i + 1}" for i in range(sub_branches)]
        for label in labels[:sub_branches]:
            self.org(f"中共{top_name}{label}支部委员会", OrgKind.branch, top, unit_id=unit_id)
        return top


VILLAGE_GROUPS = ("一组", "二组", "三组", "四组", "五组", "六组")


def scaled_count(value: int, scale: float) -> int:
    return int(math.floor(value * scale + 0.5))


def build_tree(city: City, scale: float) -> None:
    """Divisions, units and organizations, with exactly the figures' organization counts."""
    figures, rng = city.figures, city.rng
    city_division = city.division(CITY_CODE, CITY_NAME, DivisionKind.city, None)
    root = city.org(f"中共{CITY_NAME}委员会", OrgKind.local_committee, None, code=CITY_CODE,
                    division_id=city_division[0], founded_on=date(1949, 10, 8))
    townships_per = apportion(figures.townships, [c[3] for c in COUNTIES])
    streets_per = apportion(figures.streets, [c[4] for c in COUNTIES])
    villages_per = apportion(figures.villages, [c[5] if townships_per[i] else 0 for i, c in enumerate(COUNTIES)])
    community_hosts = [streets_per[i] or (townships_per[i] if sum(streets_per) == 0 else 0) for i in range(len(COUNTIES))]
    communities_per = apportion(figures.communities, [c[6] if community_hosts[i] else 0 for i, c in enumerate(COUNTIES)])

    county_nodes: dict[str, Node] = {}
    hosts_for_villages: list[tuple[Node, tuple]] = []
    hosts_for_communities: list[tuple[Node, tuple]] = []
    township_nodes: list[Node] = []
    for i, (code, name, kind, *_rest) in enumerate(COUNTIES):
        county_division = city.division(code, name, DivisionKind(kind), city_division)
        county = city.org(f"中共{name}委员会", OrgKind.local_committee, root, code=code,
                          division_id=county_division[0], founded_on=date(1949, 10, 20) + timedelta(days=i))
        county.county = code
        county_nodes[code] = county
        townships, villages_hosts, community_targets = [], [], []
        for t in range(townships_per[i]):
            place = city.namer.place(code)
            is_town = rng.random() < 0.68
            division = city.division(f"{code}{(100 if is_town else 200) + t + 1:03d}", place + ("镇" if is_town else "乡"),
                                     DivisionKind.town if is_town else DivisionKind.township, county_division)
            unit_id = city.unit(f"{division[2]}人民政府", UnitKind.agency, division[0])
            node = city.org(f"中共{division[2]}委员会", OrgKind.committee, county, profile="township_agency",
                            code=division[1], unit_id=unit_id, division_id=division[0])
            city.org(f"中共{division[2]}机关支部委员会", OrgKind.branch, node, profile="township_agency", unit_id=unit_id)
            townships.append((node, division))
            township_nodes.append(node)
        for s in range(streets_per[i]):
            place = city.namer.place(code)
            division = city.division(f"{code}{s + 1:03d}", place + "街道", DivisionKind.street, county_division)
            unit_id = city.unit(f"{division[2]}办事处", UnitKind.agency, division[0])
            node = city.org(f"中共{division[2]}工作委员会", OrgKind.working_committee, county, profile="street_agency",
                            code=division[1], unit_id=unit_id, division_id=division[0])
            city.org(f"中共{division[2]}机关支部委员会", OrgKind.branch, node, profile="street_agency", unit_id=unit_id)
            community_targets.append((node, division))
        if not community_targets and community_hosts[i]:
            community_targets = [t for t in townships if t[1][4] == DivisionKind.town.value] or townships
        villages_hosts = townships
        split = apportion(villages_per[i], [rng.uniform(0.6, 1.4) for _ in villages_hosts])
        for (host, division), n in zip(villages_hosts, split):
            hosts_for_villages += [(host, division)] * n
        split = apportion(communities_per[i], [rng.uniform(0.7, 1.3) for _ in community_targets])
        for (host, division), n in zip(community_targets, split):
            hosts_for_communities += [(host, division)] * n

    # Villages: larger ones have a committee or a general branch on top.
    n_villages = len(hosts_for_villages)
    weights = [rng.lognormvariate(0, 0.45) for _ in range(n_villages)]
    order = sorted(range(n_villages), key=lambda k: -weights[k])
    v_committees = scaled_count(VILLAGE_COMMITTEES, scale)
    v_generals = scaled_count(VILLAGE_GENERAL_BRANCHES, scale)
    shape_of = {k: ("C" if r < v_committees else "G" if r < v_committees + v_generals else "B") for r, k in enumerate(order)}
    seq: dict[int, int] = {}
    for k, (host, division) in enumerate(hosts_for_villages):
        seq[division[0]] = seq.get(division[0], 0) + 1
        place = city.namer.place(division[1])
        village = city.division(f"{division[1]}{200 + seq[division[0]]:03d}", place + "村", DivisionKind.village, division)
        unit_id = city.unit(village[2], UnitKind.village, village[0])
        shape = shape_of[k]
        top = city.body(village[2], shape, host, profile="village", unit_id=unit_id, code=village[1], division_id=village[0],
                        sub_branches={"C": rng.randint(4, 6), "G": rng.randint(2, 4), "B": 0}[shape],
                        branch_names=list(VILLAGE_GROUPS) if shape != "B" else None)
        top.size = 0
        city.village_tops.append(top)

    n_communities = len(hosts_for_communities)
    order = list(range(n_communities))
    rng.shuffle(order)
    c_committees = scaled_count(COMMUNITY_COMMITTEES, scale)
    c_generals = scaled_count(COMMUNITY_GENERAL_BRANCHES, scale)
    shape_of = {k: ("C" if r < c_committees else "G" if r < c_committees + c_generals else "B") for r, k in enumerate(order)}
    seq = {}
    for k, (host, division) in enumerate(hosts_for_communities):
        seq[division[0]] = seq.get(division[0], 0) + 1
        place = city.namer.place(division[1])
        community = city.division(f"{division[1]}{seq[division[0]]:03d}", place + "社区", DivisionKind.community, division)
        unit_id = city.unit(f"{community[2]}居民委员会", UnitKind.community, community[0])
        shape = shape_of[k]
        top = city.body(community[2], shape, host, profile="community", unit_id=unit_id, code=community[1],
                        division_id=community[0], sub_branches={"C": rng.randint(4, 6), "G": 3, "B": 0}[shape],
                        branch_names=["第一", "第二", "第三", "第四", "第五", "第六"] if shape == "C" else ["第一", "第二", "第三"])
        city.community_tops.append(top)

    # Restructured, closed and bankrupt state enterprises of the urban districts.
    n_restructured = figures.restructured_units
    districts = [c for c in COUNTIES if c[0] in RESTRUCTURED_DISTRICT_WEIGHTS]
    per_district = apportion(n_restructured, [RESTRUCTURED_DISTRICT_WEIGHTS[c[0]] for c in districts])
    statuses = [UnitStatus.restructured] * apportion(n_restructured, [2, 1, 1])[0]
    statuses += [UnitStatus.closed] * apportion(n_restructured, [2, 1, 1])[1]
    statuses += [UnitStatus.bankrupt] * (n_restructured - len(statuses))
    rng.shuffle(statuses)
    r_committees = scaled_count(RESTRUCTURED_COMMITTEES, scale)
    r_generals = scaled_count(RESTRUCTURED_GENERAL_BRANCHES, scale)
    k = 0
    for (code, name, *_), n in zip(districts, per_district):
        county_division_id = county_nodes[code].division_id
        for _ in range(n):
            unit_name = f"{CITY_NAME}{city.namer.place('enterprise')}{rng.choice(names.INDUSTRIES)}"
            unit_id = city.unit(unit_name, UnitKind.state_enterprise, county_division_id, statuses[k])
            shape = "C" if k < r_committees else "G" if k < r_committees + r_generals else "B"
            city.body(unit_name, shape, county_nodes[code], profile="restructured", unit_id=unit_id,
                      sub_general=rng.randint(2, 3) if shape == "C" else 0,
                      sub_branches={"C": rng.randint(4, 8), "G": rng.randint(3, 5), "B": 0}[shape],
                      branch_names=["离退休第一", "离退休第二", "离退休第三", "离退休第四", "在职第一", "在职第二", "在职第三", "在职第四"])
            k += 1

    fill_other_bodies(city, county_nodes, township_nodes)


def fill_other_bodies(city: City, county_nodes: dict[str, Node], township_nodes: list[Node]) -> None:
    """Agencies, institutions, enterprises, schools and hospitals, to the exact organization counts."""
    figures, rng = city.figures, city.rng
    remaining_c = figures.committees - city.counters["committee"]
    remaining_g = figures.general_branches - city.counters["general_branch"]
    if remaining_c < 0 or remaining_g < 0:
        raise ValidationFailed("规模太小，无法按比例生成党组织", field="scale")

    # Per county: an agencies' working committee (not counted) and system committees (counted).
    bins: dict[str, list[tuple[Node, str]]] = {}
    counties = list(county_nodes.values())
    system_slots = min(remaining_c // 2, len(counties) * len(SYSTEM_COMMITTEES))
    for county in counties:
        working = city.org(f"中共{county.name[2:-3]}直属机关工作委员会", OrgKind.working_committee, county, profile="agency")
        bins[county.code] = [(working, "agency"), (working, "institution")]
    for s in range(system_slots):
        county = counties[s % len(counties)]
        label, profile = SYSTEM_COMMITTEES[s // len(counties)]
        unit_id = city.unit(f"{county.name[2:-3]}{label}", UnitKind.agency, county.division_id)
        node = city.org(f"中共{county.name[2:-3]}{label}委员会", OrgKind.committee, county, profile=profile, unit_id=unit_id)
        bins[county.code].append((node, profile))
    remaining_c -= system_slots
    for county in counties:
        for profile in ("school", "hospital", "private", "social", "soe"):
            if not any(p == profile for _, p in bins[county.code]):
                bins[county.code].append((county, profile))

    # Unit committees and general branches, then standalone branches to the exact total.
    profiles = ["agency", "institution", "school", "hospital", "soe", "private", "social"]
    profile_weights = [30, 14, 14, 10, 14, 14, 4]
    hosts = []
    for _ in range(remaining_c):
        hosts.append(("C", rng.choices(profiles, [20, 10, 12, 18, 25, 12, 3])[0]))
    for _ in range(remaining_g):
        hosts.append(("G", rng.choices(profiles, profile_weights)[0]))
    rng.shuffle(hosts)
    remaining_b = figures.branches - city.counters["branch"]
    minimum = sum(4 if shape == "C" else 3 for shape, _ in hosts)
    per_body = [4 if shape == "C" else 3 for shape, _ in hosts]
    if minimum > remaining_b:
        per_body = apportion(remaining_b, [1] * len(hosts)) if hosts else []
    spare = remaining_b - sum(per_body)
    extra = apportion(int(spare * 0.3), [rng.uniform(0.2, 2.0) for _ in hosts]) if hosts else []
    for k, (shape, profile) in enumerate(hosts):
        county = counties[rng.randrange(len(counties))]
        parent = next((node for node, p in bins[county.code] if p == profile), county)
        unit_name, unit_id = new_unit(city, profile, county)
        city.body(unit_name, shape, parent, profile=profile, unit_id=unit_id, sub_branches=per_body[k] + (extra[k] if extra else 0))
    remaining_b = figures.branches - city.counters["branch"]
    system = [node for county_bins in bins.values() for node, _ in county_bins if node.kind is OrgKind.committee]
    fed = 0  # the system committees before this one have 4 branches or more (and only ever gain more)
    for _ in range(remaining_b):
        while fed < len(system) and len(system[fed].branches()) >= 4:
            fed += 1
        hungry = system[fed] if fed < len(system) else None
        if hungry is not None:  # a committee needs members enough: give it units first
            county = county_nodes[hungry.county]
            unit_name, unit_id = new_unit(city, hungry.profile, county)
            city.body(unit_name, "B", hungry, profile=hungry.profile, unit_id=unit_id)
            continue
        profile = rng.choices(profiles, profile_weights)[0]
        if profile in ("private", "social", "school", "hospital") and township_nodes and rng.random() < 0.45:
            parent = rng.choice(township_nodes)
            if profile in ("private", "social") and rng.random() < 0.3:
                city.org(f"中共{parent.name[2:-3]}非公企业联合支部委员会", OrgKind.joint_branch, parent, profile=profile)
                continue
            county = county_nodes[parent.code[:6]]
        else:
            county = counties[rng.randrange(len(counties))]
            parent = next((node for node, p in bins[county.code] if p == profile), county)
        unit_name, unit_id = new_unit(city, profile, county)
        city.body(unit_name, "B", parent, profile=profile, unit_id=unit_id)
    assert city.counters == {"committee": figures.committees, "general_branch": figures.general_branches,
                             "branch": figures.branches}, city.counters


def new_unit(city: City, profile: str, county: Node) -> tuple[str, int]:
    rng, place = city.rng, city.namer.place(f"unit-{county.code}")
    county_name = county.name[2:-3]
    name = {
        "agency": lambda: f"{county_name}{rng.choice(names.AGENCIES)}",
        "institution": lambda: f"{county_name}{rng.choice(names.INSTITUTIONS)}",
        "school": lambda: f"{county_name}{place}{rng.choice(names.SCHOOLS)}",
        "hospital": lambda: f"{county_name}{place}{rng.choice(names.HOSPITALS)}",
        "soe": lambda: f"{county_name}{rng.choice(names.STATE_ENTERPRISES)}{place}分公司",
        "private": lambda: f"衡阳{place}{rng.choice(names.PRIVATE)}",
        "social": lambda: f"{county_name}{place}{rng.choice(names.SOCIAL)}",
    }[profile]()
    return name, city.unit(name, UNIT_KIND[profile], county.division_id)


def size_branches(city: City) -> None:
    """Members per branch: at least 3 (plus what committees and general branches need), at most
    50, in total exactly the figures' members; restructured enterprises get exactly theirs."""
    figures, rng = city.figures, city.rng
    branches = [n for n in city.nodes if n.kind in (OrgKind.branch, OrgKind.joint_branch)]
    floor = {b.id: 4 for b in branches}  # three full members and room for a probationary one
    for node in city.nodes:
        need = {OrgKind.committee: 100, OrgKind.general_branch: 51}.get(node.kind)
        if need:
            below = node.branches()
            if below:
                per = -(-need // len(below))
                for b in below:
                    floor[b.id] = max(floor[b.id], per)
    typical = {"village": 30, "community": 32, "township_agency": 14, "street_agency": 12, "agency": 16,
               "institution": 14, "school": 22, "hospital": 26, "soe": 18, "private": 9, "social": 6, "restructured": 26}
    restructured = [b for b in branches if b.profile == "restructured"]
    others = [b for b in branches if b.profile != "restructured"]
    total_others = figures.members - figures.restructured_members
    for group, total in ((restructured, figures.restructured_members), (others, total_others)):
        weights = [max(0.0, rng.lognormvariate(math.log(typical[b.profile]), 0.45) - floor[b.id]) + 0.01 for b in group]
        sizes = fill_to_total([floor[b.id] for b in group], weights, total, cap=50)
        for b, n in zip(group, sizes):
            b.size = n


def fill_to_total(floors: list[int], weights: list[float], total: int, cap: int) -> list[int]:
    """Whole sizes >= floors summing to `total`, spread by weights, none above `cap` if possible."""
    sizes = list(floors)
    if total < sum(sizes):
        raise ValidationFailed("规模太小，党员不够每个党支部三名正式党员", field="scale")
    open_ = [i for i in range(len(sizes)) if sizes[i] < cap]
    left = total - sum(sizes)
    while left > 0 and open_:
        parts = apportion(left, [weights[i] for i in open_])
        left = 0
        for i, extra in zip(open_, parts):
            room = cap - sizes[i]
            take = min(room, extra)
            sizes[i] += take
            left += extra - take
        open_ = [i for i in open_ if sizes[i] < cap]
    if left:  # every branch is full: the city has more members than branches can hold
        parts = apportion(left, [1] * len(sizes))
        sizes = [s + p for s, p in zip(sizes, parts)]
    return sizes


@dataclass
class Person:
    branch: Node
    gender: str
    age_sample: float
    age: int = 0
    education: str = ""
    employment: str = ""


def age_sample(rng: random.Random, profile: str) -> float:
    if profile == "restructured":
        return rng.gauss(66, 7) if rng.random() < 0.56 else rng.gauss(47, 7)
    mean, sd, lo, hi = PROFILES[profile][0]
    return min(hi, max(lo, rng.gauss(mean, sd)))


def assign_ages(people: list[Person], figures: Figures) -> None:
    """Cut the ranked samples at the exact counts of 46–54 and 60+ (the rest under 46 or 55–59)."""
    ranked = sorted(people, key=lambda p: p.age_sample)
    rest = len(people) - figures.age_46_54 - figures.age_60_and_over
    in_55_59 = sum(1 for p in people if 55 <= p.age_sample < 60)
    in_rest = sum(1 for p in people if p.age_sample < 46 or 55 <= p.age_sample < 60) or 1
    n_55_59 = round(in_55_59 * rest / in_rest)
    blocks = ((rest - n_55_59, 18, 45), (figures.age_46_54, 46, 54), (n_55_59, 55, 59), (figures.age_60_and_over, 60, 98))
    start = 0
    for count, lo, hi in blocks:
        # Within a block, ranks map onto the samples that fell in its range, keeping their shape.
        natural = sorted(int(p.age_sample) for p in people if lo <= p.age_sample < hi + 1) or list(range(lo, hi + 1))
        for j, p in enumerate(ranked[start:start + count]):
            p.age = natural[j * len(natural) // count]
        start += count


EDUCATION_ORDER = (  # lowest propensity first
    EducationGroup.junior_or_less, EducationGroup.high_school, EducationGroup.secondary_vocational,
    EducationGroup.associate, EducationGroup.bachelor, EducationGroup.postgraduate,
)


def assign_education(rng: random.Random, people: list[Person], figures: Figures) -> None:
    postgraduate = round(len(people) * 0.012)
    counts = {
        EducationGroup.junior_or_less: figures.junior_or_less,
        EducationGroup.secondary_vocational: figures.secondary_vocational,
        EducationGroup.associate: figures.associate,
        EducationGroup.bachelor: figures.bachelor,
        EducationGroup.postgraduate: postgraduate,
    }
    counts[EducationGroup.high_school] = len(people) - sum(counts.values())
    score = {id(p): PROFILES[p.branch.profile][1] - 0.035 * (p.age - 45) + rng.gauss(0, 0.8) for p in people}
    ranked = sorted(people, key=lambda p: score[id(p)])
    start = 0
    for group in EDUCATION_ORDER:
        for p in ranked[start:start + counts[group]]:
            p.education = education_code(rng, group, p.age)
        start += counts[group]


def education_code(rng: random.Random, group: EducationGroup, age: int) -> str:
    r = rng.random()
    if group is EducationGroup.junior_or_less:
        return "81" if r < (0.35 if age >= 60 else 0.08) else "73" if r > 0.97 else "90" if r > 0.96 else "71"
    if group is EducationGroup.high_school:
        return "61" if r < 0.7 else "47" if r < 0.85 else "44"
    if group is EducationGroup.secondary_vocational:
        return "41"
    if group is EducationGroup.associate:
        return "31"
    if group is EducationGroup.bachelor:
        return "28" if age >= 68 and r < 0.3 else "21"
    return "11" if r < 0.15 else "14"


def assign_restructured_employment(rng: random.Random, people: list[Person], figures: Figures) -> None:
    staff = sorted((p for p in people if p.branch.profile == "restructured"), key=lambda p: (-p.age, rng.random()))
    for p in staff[:figures.retired]:
        p.employment = Employment.retired.value
    rest = staff[figures.retired:]
    rng.shuffle(rest)
    rest.sort(key=lambda p: not (35 <= p.age <= 59))  # contract ends fall on working ages first
    for p in rest[:figures.contract_ended]:
        p.employment = Employment.contract_ended.value
    for p in rest[figures.contract_ended:]:
        r = rng.random()
        p.employment = (Employment.in_service if r < 0.7 else Employment.laid_off if r < 0.9 else Employment.unemployed).value


def occupation_for(rng: random.Random, profile: str, employment: str, age: int) -> str:
    if employment == Employment.retired.value:
        return Occupation.retired.value
    if employment == Employment.migrant_worker.value:
        return rng.choice((Occupation.worker, Occupation.worker, Occupation.other)).value
    if profile == "restructured":
        return (Occupation.worker if employment == Employment.in_service.value else Occupation.other).value
    if profile == "school" and age < 24:
        return Occupation.student.value
    occupations, cum_weights = OCCUPATIONS[profile]
    return rng.choices(occupations, cum_weights=cum_weights)[0]


OCCUPATIONS = {  # profile -> (occupations, cumulative weights): random.choices draws the same as with weights
    profile: (tuple(o.value for o, _ in table), list(accumulate(w for _, w in table)))
    for profile, table in {
        "village": ((Occupation.farmer, 85), (Occupation.worker, 5), (Occupation.other, 10)),
        "community": ((Occupation.other, 40), (Occupation.worker, 30), (Occupation.manager, 15), (Occupation.professional, 15)),
        "township_agency": ((Occupation.civil_servant, 90), (Occupation.other, 10)),
        "street_agency": ((Occupation.civil_servant, 90), (Occupation.other, 10)),
        "agency": ((Occupation.civil_servant, 92), (Occupation.other, 8)),
        "institution": ((Occupation.professional, 60), (Occupation.manager, 40)),
        "school": ((Occupation.professional, 80), (Occupation.manager, 20)),
        "hospital": ((Occupation.professional, 85), (Occupation.manager, 15)),
        "soe": ((Occupation.worker, 50), (Occupation.manager, 25), (Occupation.professional, 25)),
        "private": ((Occupation.worker, 45), (Occupation.manager, 30), (Occupation.professional, 25)),
        "social": ((Occupation.other, 50), (Occupation.manager, 30), (Occupation.professional, 20)),
    }.items()
}


def employment_for(rng: random.Random, profile: str, gender: str, age: int) -> str:
    retirement_age = 60 if gender == "male" else 55
    if profile != "village" and age >= retirement_age and rng.random() < 0.92:
        return Employment.retired.value
    if profile == "community":
        r = rng.random()
        return (Employment.in_service if r < 0.8 else Employment.unemployed if r < 0.93 else Employment.laid_off).value
    return Employment.in_service.value


RETIRED_CODES = dict(zip(("430405", "430406", "430407", "430408", "430482"), HENGYANG_RETIRED_CODES))


class MemberWriter:
    """Turns people into member, period and event rows."""

    def __init__(self, city: City):
        self.city = city
        self.rng = city.rng
        self.members: list[tuple] = []
        self.periods: list[tuple] = []
        self.events: list[tuple] = []
        self.used_ids: set[str] = set()
        self.member_cols = [c.name for c in Member.__table__.columns]
        self.period_cols = [c.name for c in MemberPeriod.__table__.columns]
        self.member_row = itemgetter(*self.member_cols)
        self.period_row = itemgetter(*self.period_cols)

    def id_number(self, county: str, birth_on: date, gender: str) -> str:
        rng = self.rng
        code = county or "430400"
        if rng.random() < 0.07:
            code = rng.choice(BORN_ELSEWHERE)
        elif birth_on.year < 1995 and rng.random() < 0.3:
            code = RETIRED_CODES.get(code, code)
        while True:
            number = make_id_number(code, birth_on, 2 * rng.randrange(500) + (1 if gender == "male" else 0))
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def birth_on(self, age: int) -> date:
        as_of = self.city.as_of
        latest = add_years(as_of, -age)
        earliest = add_years(as_of, -(age + 1)) + timedelta(days=1)
        return earliest + timedelta(days=self.rng.randrange((latest - earliest).days + 1))

    def join_dates(self, birth_on: date, profile: str, probationary: bool) -> tuple[date, date | None]:
        as_of, rng = self.city.as_of, self.rng
        earliest = add_years(birth_on, 18)
        if probationary:
            start = max(earliest, as_of - timedelta(days=364))
            return start + timedelta(days=rng.randrange((as_of - start).days + 1)), None
        latest = add_years(as_of, -1)
        join_age = rng.uniform(20, 42) if profile in ("village", "community") else rng.uniform(20, 34)
        joined = add_years(birth_on, int(join_age)) + timedelta(days=rng.randrange(365))
        joined = min(max(joined, earliest, date(1946, 1, 1)), latest)
        confirmed = add_years(joined, 1)
        if rng.random() < 0.02 and add_years(joined, 1) + timedelta(days=182) <= as_of:
            confirmed += timedelta(days=182)  # 延长预备期
        return joined, confirmed

    def add(self, *, name: str, gender: str, ethnicity: str, birth_on: date, id_number: str, education: str,
            occupation: str, employment: str, joined_on: date, confirmed_on: date | None, post: str | None,
            org: Node | None, unit_id: int | None, start_on: date, changes: list[tuple[date, dict]],
            phone: str | None, address: str | None, left: tuple[date, str] | None = None,
            outflow_place: str | None = None) -> None:
        member_id = len(self.members) + 1
        state = {
            "org_id": org.id if org else None, "inflow_org_id": None, "gender": gender, "ethnicity": ethnicity,
            "birth_on": birth_on, "confirmed_on": confirmed_on, "education": education, "occupation": occupation,
            "employment": employment, "has_post": bool(post), "is_floating": False, "is_lost_contact": False,
        }
        extra = {"inflow_place": None, "lost_contact_on": None}
        org_id = state["org_id"]
        events = [(MemberEventKind.joined, joined_on, org_id, None)]
        if confirmed_on is not None:
            events.append((MemberEventKind.confirmed, confirmed_on, org_id, None))
        day = start_on
        for on, change in sorted(changes, key=lambda c: c[0]):
            change = dict(change)
            for key in ("inflow_place", "lost_contact_on"):
                if key in change:
                    extra[key] = change.pop(key)
            if "org_id" in change:
                events.append((MemberEventKind.moved, on, change["org_id"], {"org_id": [state["org_id"], change["org_id"]]}))
            if change.get("is_floating"):
                events.append((MemberEventKind.floating_started, on, state["org_id"], None))
            if change.get("is_lost_contact"):
                events.append((MemberEventKind.lost_contact, on, state["org_id"], None))
            if on <= day:
                state.update(change)
                continue
            self.period(member_id, day, on, state)
            state = {**state, **change}
            day = on
        left_on, left_reason = left if left else (None, None)
        self.period(member_id, day, left_on, state)
        if left:
            events.append((MemberEventKind.left, left_on, state["org_id"], {"reason": left_reason}))
        now = self.city.now
        values = {
            "id": member_id, "name": name, "gender": gender, "ethnicity": ethnicity, "birth_on": birth_on,
            "id_number": id_number, "education": state["education"], "occupation": state["occupation"],
            "employment": state["employment"], "joined_on": joined_on, "confirmed_on": confirmed_on, "post": post,
            "org_id": state["org_id"], "unit_id": unit_id, "is_floating": state["is_floating"],
            "outflow_place": outflow_place, "inflow_org_id": state["inflow_org_id"], "inflow_place": extra["inflow_place"],
            "lost_contact_on": extra["lost_contact_on"], "phone": phone, "address": address,
            "status": "left" if left else "active", "left_on": left_on, "left_reason": left_reason, "version": 1,
            "created_at": now, "updated_at": now,
        }
        self.members.append(self.member_row(values))
        for kind, on, event_org, detail in events:
            self.events.append((len(self.events) + 1, member_id, kind.value, on, event_org, json.dumps(detail) if detail else None))

    def period(self, member_id: int, start_on: date, end_on: date | None, state: dict) -> None:
        values = {"id": len(self.periods) + 1, "member_id": member_id, "start_on": start_on, "end_on": end_on, **state}
        self.periods.append(self.period_row(values))


def generate_members(city: City) -> MemberWriter:
    figures, rng, as_of = city.figures, city.rng, city.as_of
    branches = [n for n in city.nodes if n.kind in (OrgKind.branch, OrgKind.joint_branch)]
    people: list[Person] = []
    for b in branches:
        female_share = PROFILES[b.profile][2]
        for _ in range(b.size):
            gender = "female" if rng.random() < female_share else "male"
            people.append(Person(b, gender, age_sample(rng, b.profile)))
    assign_ages(people, figures)
    assign_education(rng, people, figures)
    assign_restructured_employment(rng, people, figures)

    urban_inflow = [b for b in branches if b.profile in ("community", "private") and b.county in RESTRUCTURED_DISTRICT_WEIGHTS | {"430481": 1, "430482": 1}]
    urban_inflow = urban_inflow or [b for b in branches if b.profile != "village"] or branches
    county_names = {c[0]: c[1] for c in COUNTIES}
    unit_names = {row[0]: row[1] for row in city.units}
    writer = MemberWriter(city)
    by_branch: dict[int, list[Person]] = {}
    for p in people:
        by_branch.setdefault(p.branch.id, []).append(p)
    same_county: dict[str, list[Node]] = {}
    for b in branches:
        same_county.setdefault(b.county, []).append(b)

    for b in branches:
        group = sorted(by_branch.get(b.id, []), key=lambda p: -p.age)
        probationary = [False] * len(group)
        for i, p in enumerate(group):
            if i >= 3:
                chance = 0.07 if p.age < 36 else 0.025 if p.age < 46 else 0.006
                probationary[i] = p.age < 19 or rng.random() < chance
        posts = assign_posts(rng, group, probationary, b)
        for p, is_probationary, post in zip(group, probationary, posts):
            profile = b.profile
            birth_on = writer.birth_on(p.age)
            joined_on, confirmed_on = writer.join_dates(birth_on, profile, is_probationary)
            employment = p.employment or employment_for(rng, profile, p.gender, p.age)
            changes: list[tuple[date, dict]] = []
            start_on = max(joined_on, b.founded_on)
            org: Node = b
            if not is_probationary and rng.random() < 0.03:
                earlier = rng.choice(same_county[b.county])
                move_on = as_of - timedelta(days=rng.randint(200, 2000))
                if earlier is not b and max(joined_on, earlier.founded_on) < move_on and b.founded_on <= move_on:
                    org, start_on = earlier, max(joined_on, earlier.founded_on)
                    changes.append((move_on, {"org_id": b.id}))
            floating_on = None
            if employment == Employment.in_service.value and 20 <= p.age <= 55 and (
                (profile == "village" and rng.random() < 0.10) or rng.random() < 0.004
            ):
                floating_on = max(start_on, as_of - timedelta(days=rng.randint(30, 1500)))
                change = {"is_floating": True}
                if profile == "village":
                    employment = Employment.migrant_worker.value
                if rng.random() < 0.4:
                    change["inflow_org_id"] = rng.choice(urban_inflow).id
                else:
                    change["inflow_place"] = rng.choice(names.OUTSIDE_PLACES)
                changes.append((floating_on, change))
            if (floating_on and rng.random() < 0.04) or (p.age < 60 and rng.random() < 0.0008):
                lost_on = max(start_on, floating_on or start_on, as_of - timedelta(days=rng.randint(200, 1500)))
                changes.append((lost_on, {"is_lost_contact": True, "lost_contact_on": lost_on}))
            unit_id = b.unit_id
            place = unit_names.get(unit_id, "")
            writer.add(
                name=city.namer.person(p.gender), gender=p.gender, ethnicity=ethnicity(rng), birth_on=birth_on,
                id_number=writer.id_number(b.county, birth_on, p.gender), education=p.education,
                occupation=occupation_for(rng, profile, employment, p.age), employment=employment,
                joined_on=joined_on, confirmed_on=confirmed_on, post=post, org=org, unit_id=unit_id,
                start_on=start_on, changes=changes, phone=city.namer.phone() if rng.random() < 0.9 else None,
                address=f"湖南省{CITY_NAME}{county_names.get(b.county, '')}{place}{rng.randint(1, 200)}号",
            )
    add_left_members(city, writer, branches, county_names)
    add_inbound_migrants(city, writer, urban_inflow)
    return writer


def assign_posts(rng: random.Random, group: list[Person], probationary: list[bool], branch: Node) -> list[str | None]:
    posts: list[str | None] = [None] * len(group)
    full = [i for i in range(len(group)) if not probationary[i]]
    candidates = [i for i in full if 28 <= group[i].age <= 62] or full
    if not candidates:
        return posts
    secretary = rng.choice(candidates)
    posts[secretary] = "党支部书记"
    if len(full) >= 7:  # 支部工作条例 第二十条: 7 full members or more form a branch committee
        others = [i for i in full if i != secretary]
        for i, title in zip(rng.sample(others, min(len(others), rng.randint(2, 4))), ("组织委员", "宣传委员", "纪检委员", "副书记")):
            posts[i] = title
    if branch.profile == "village":
        free = [i for i in full if posts[i] is None and group[i].age < 65]
        for i in rng.sample(free, min(len(free), rng.randint(1, 2))):
            posts[i] = "村民委员会委员"
    return posts


def ethnicity(rng: random.Random) -> str:
    if rng.random() >= 0.009:
        return "01"
    return rng.choices(("13", "06", "15", "12", "03", "08"), (35, 15, 20, 10, 10, 10))[0]


def add_left_members(city: City, writer: MemberWriter, branches: list[Node], county_names: dict[str, str]) -> None:
    """Members who left before the reference day: they count in earlier reports, not in this one."""
    rng, as_of = city.rng, city.as_of
    reasons = ((LeaveReason.death, 65), (LeaveReason.transferred_out, 28), (LeaveReason.self_lapsed, 3),
               (LeaveReason.expelled, 2), (LeaveReason.withdrew, 2))
    for _ in range(round(city.figures.members * 0.012)):
        b = rng.choice(branches)
        reason = rng.choices([r for r, _ in reasons], [w for _, w in reasons])[0]
        age = int(min(98, max(25, rng.gauss(78, 9) if reason is LeaveReason.death else rng.gauss(40, 10))))
        gender = "female" if rng.random() < PROFILES[b.profile][2] else "male"
        birth_on = writer.birth_on(age)
        joined_on, confirmed_on = writer.join_dates(birth_on, b.profile, False)
        left_on = as_of - timedelta(days=rng.randint(1, 1000))
        start_on = max(joined_on, b.founded_on)
        if confirmed_on is None or left_on <= max(start_on, confirmed_on):
            continue
        employment = employment_for(rng, b.profile, gender, age)
        writer.add(
            name=city.namer.person(gender), gender=gender, ethnicity=ethnicity(rng), birth_on=birth_on,
            id_number=writer.id_number(b.county, birth_on, gender), education=education_code(rng, rng.choice(EDUCATION_ORDER[:4]), age),
            occupation=occupation_for(rng, b.profile, employment, age), employment=employment, joined_on=joined_on,
            confirmed_on=confirmed_on, post=None, org=b, unit_id=b.unit_id, start_on=start_on, changes=[],
            phone=None, address=f"湖南省{CITY_NAME}{county_names.get(b.county, '')}", left=(left_on, reason.value),
        )


def add_inbound_migrants(city: City, writer: MemberWriter, inflow: list[Node]) -> None:
    """进城务工的外来党员: formal relation outside the city, taking part in a city organization."""
    rng, as_of = city.rng, city.as_of
    for _ in range(city.figures.inbound_migrants):
        gender = "male" if rng.random() < 0.82 else "female"
        age = rng.randint(22, 56)
        birth_on = writer.birth_on(age)
        joined_on, confirmed_on = writer.join_dates(birth_on, "village", False)
        arrived = max(confirmed_on or joined_on, as_of - timedelta(days=rng.randint(30, 2500)))
        target = rng.choice(inflow)
        home = rng.choice(names.OUTSIDE_ORGS)
        writer.add(
            name=city.namer.person(gender), gender=gender, ethnicity=ethnicity(rng), birth_on=birth_on,
            id_number=writer.id_number(rng.choice(BORN_ELSEWHERE), birth_on, gender),
            education=education_code(rng, rng.choice(EDUCATION_ORDER[:3]), age),
            occupation=rng.choice((Occupation.worker, Occupation.other)).value, employment=Employment.migrant_worker.value,
            joined_on=joined_on, confirmed_on=confirmed_on, post=None, org=None, unit_id=None, start_on=arrived,
            changes=[(arrived, {"is_floating": True, "inflow_org_id": target.id})], phone=city.namer.phone(),
            address=f"{home}{city.namer.place('home')}村", outflow_place=f"{home}{city.namer.place('home-org')}村党支部",
        )


def classify_villages(city: City) -> list[tuple]:
    figures, rng = city.figures, city.rng
    tops = list(city.village_tops)
    unclassified = set(id(t) for t in rng.sample(tops, figures.unclassified))
    ranked = sorted((t for t in tops if id(t) not in unclassified),
                    key=lambda t: -(math.log(1 + sum(b.size for b in t.branches())) + rng.gauss(0, 0.6)))
    grades = ["class_1"] * figures.class_1 + ["class_2"] * figures.class_2 + ["class_3"] * figures.class_3
    return [(i + 1, t.id, city.as_of.year, grade) for i, (t, grade) in enumerate(zip(ranked, grades, strict=True))]


def org_rows(city: City) -> tuple[list[tuple], list[tuple]]:
    orgs, closure = [], []
    now = city.now
    for n in city.nodes:
        orgs.append((n.id, n.code, n.name, n.kind.value, n.parent.id if n.parent else None, n.path, n.depth,
                     n.unit_id, n.division_id, n.founded_on, None, None, 1, now, now))
        ancestor, depth = n, 0
        while ancestor is not None:
            closure.append((ancestor.id, n.id, n.founded_on, None, depth))
            ancestor, depth = ancestor.parent, depth + 1
    return orgs, closure


TABLES_IN_ORDER: tuple[Table, ...] = tuple(
    model.__table__  # type: ignore[attr-defined]
    for model in (Division, Unit, Organization, OrgAncestor, OrgClassification, Member, MemberPeriod, MemberEvent,
                  PartyGroup, PartyGroupMember, Meeting, MeetingAttendance, MeetingAttachment, TalkParticipant)
)


def database_is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Organization)) == 0


def clear(session: Session) -> list[str]:
    """Empty the city. Accounts anchored in it (to an organization, a member or inspected places)
    go too, with their sessions and tokens, and so do uploads being imported: the places they
    refer to are gone. Returns the usernames removed."""
    anchored = dict(session.execute(select(User.id, User.username).where(or_(
        User.org_id.is_not(None), User.member_id.is_not(None), User.id.in_(select(InspectorArea.user_id))
    ))).all())
    session.execute(delete(ImportJob))
    for model in (AuthSession, ApiToken, InspectorArea, User):
        session.execute(delete(model).where((model.id if model is User else model.user_id).in_(anchored)))
    for table in reversed(TABLES_IN_ORDER):
        session.execute(delete(table))
    return sorted(anchored.values())


NO_MEETINGS: dict[str, list] = {
    "party_group": [], "party_group_member": [], "meeting": [], "meeting_attendance": [], "meeting_attachment": [],
    "talk_participant": [],
}
CITY_TABLES = tuple(table for table in TABLES_IN_ORDER if table.name not in NO_MEETINGS)


def analyze(session: Session) -> None:
    """Fresh statistics for the query planners, read in full (sampled ones made the city report about
    20% slower), except on SQLite for meeting_attendance: reading its 11 million rows twice takes 2 s
    for figures that a sample of 100,000 gives within a tenth."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(text("ANALYZE"))
        return
    names = session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
    for name in names.all():
        if name != MeetingAttendance.__tablename__:
            session.execute(text(f'ANALYZE "{name}"'))
    session.execute(text("PRAGMA analysis_limit = 100000"))
    session.execute(text(f'ANALYZE "{MeetingAttendance.__tablename__}"'))
    session.execute(text("PRAGMA analysis_limit = 0"))


@gc_paused
def generate(session: Session, *, scale: float = 1, seed: int = 20251231, as_of: date = DEFAULT_AS_OF,
             replace: bool = False, actor: str = "demo-data", meetings_until: date | None = None,
             meetings: bool = True) -> dict[str, int]:
    """Generate the demo city into an empty database (or replace what is there), with a year of
    organizational life up to `meetings_until` (today by default) unless `meetings` is false."""
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise ValidationFailed(f"规模应在{MIN_SCALE}到{MAX_SCALE}之间：{scale}", field="scale")
    if as_of > date.today():
        raise ValidationFailed(f"基准日期不能晚于今天：{as_of.isoformat()}", field="as_of")
    meetings_until = meetings_until or date.today()
    if meetings_until > date.today():
        raise ValidationFailed(f"组织生活记录截止日期不能晚于今天：{meetings_until.isoformat()}", field="meetings_until")
    removed: list[str] = []
    if not database_is_empty(session):
        if not replace:
            raise ValidationFailed("数据库中已有数据；如要重新生成演示数据，请加 --replace", field="replace")
        removed = clear(session)
    city = City(SPEECH.scaled(scale), seed, as_of)
    build_tree(city, scale)
    size_branches(city)
    writer = generate_members(city)
    orgs, closure = org_rows(city)
    classification = classify_villages(city)
    rows: dict[str, Sequence] = {
        "division": city.divisions, "unit": city.units, "organization": orgs, "org_ancestor": closure,
        "org_classification": classification, "member": writer.members,
        "member_period": writer.periods, "member_event": writer.events,
    }

    def make_meetings() -> dict[str, Sequence]:
        if not meetings:
            return NO_MEETINGS
        return generate_meetings(city, writer, classification, until=meetings_until, seed=seed)

    attendance = MeetingAttendance.__table__
    side = None
    if meetings and SideLoad.possible(session.connection()):
        # A forked process makes the same year of meetings again and writes their attendance with
        # its index while this one writes the rest: the Python is done twice, side by side, and the
        # biggest part of the database work once, on the second core.
        side = SideLoad(session.connection(), attendance, lambda: make_meetings()[attendance.name], write_rows)
    with side or nullcontext(), bulk_load(session, TABLES_IN_ORDER) as load, ThreadPoolExecutor(1) as background:
        for table in CITY_TABLES:
            write_rows(session, table, rows[table.name])
        # The database checks the city's keys and builds its indexes (without the GIL) while the
        # year of meetings is made in Python.
        city_finished = background.submit(load.finish, CITY_TABLES)
        rows.update(make_meetings())
        city_finished.result()
        rest = [table for table in TABLES_IN_ORDER if table not in CITY_TABLES and not (side and table is attendance)]
        for table in rest:
            write_rows(session, table, rows[table.name])
        if side:
            load.finish(rest)
            load.copy_in(side)
    reset_sequences(session, TABLES_IN_ORDER)
    analyze(session)
    counts = {name: len(r) for name, r in rows.items()}
    audit_service.record(session, actor=actor, action="generate", entity="demo_city",
                         before={"accounts_removed": removed} if removed else None, after={"scale": scale, "seed": seed, "as_of": as_of.isoformat(),
                                "meetings_until": meetings_until.isoformat(), **counts})
    session.flush()
    return counts
