"""Data checks (`dangjian check`): records that break GB 11643 or the regulations on members and
organization setup. Read-only; one result per check, always all of them, in a fixed order."""

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    and_,
    case,
    cast,
    extract,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from dangjian.kit import idcard
from dangjian.member import service as member_service
from dangjian.member.codes import MemberStatus
from dangjian.member.models import Member
from dangjian.org import service as org_service
from dangjian.org.codes import BRANCH_KINDS, OrgKind
from dangjian.org.models import OrgAncestor, Organization

Severity = Literal["problem", "info"]

MIN_BRANCH_FULL = 3  # 支部工作条例 第四条; 党章 第三十条
MAX_BRANCH_MEMBERS = 50  # 支部工作条例 第四条: 一般不超过50人
MIN_GENERAL_BRANCH_MEMBERS = 50  # 机关条例 第六条: 50人以上、100人以下设总支 (以上 includes 50)
MIN_COMMITTEE_MEMBERS = 100  # 机关条例 第五条: 100人以上设党委
BRANCH_COMMITTEE_FULL = 7  # 支部工作条例 第二十条
PROBATION_YEARS = 1  # 党章 第七条
ID_QUERY_CHUNK = 500

BRANCH_KIND_VALUES = [kind.value for kind in BRANCH_KINDS]
SIZED_KIND_VALUES = [*BRANCH_KIND_VALUES, OrgKind.general_branch.value, OrgKind.committee.value]
SEVERITY_LABELS = {"problem": "问题", "info": "提示"}


@dataclass
class CheckResult:
    code: str
    title: str
    rule: str
    count: int
    examples: list[dict[str, Any]]
    severity: Severity = "problem"


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    rule: str
    severity: Severity = "problem"


CHECKS: tuple[Check, ...] = (
    Check("invalid_id_number", "公民身份号码无效", "GB 11643-1999"),
    Check("duplicate_id_number", "公民身份号码重复", "GB 11643-1999"),
    Check("id_mismatch", "出生日期或性别与身份证号不一致", "GB 11643-1999"),
    Check("joined_under_18", "入党时未满十八周岁", "党章 第一条"),
    Check("probation_overdue", "预备期满一年未作决定", "党章 第七条；细则 第三十二条"),
    Check("member_without_org", "党员无所在党组织", "党章 第八条"),
    Check("branch_too_small", "党支部正式党员不足3人", "支部工作条例 第四条；党章 第三十条"),
    Check("branch_too_large", "党支部党员超过50人", "支部工作条例 第四条"),
    Check("general_branch_too_small", "党总支党员不足50人", "机关条例 第六条；农村条例"),
    Check("committee_too_small", "基层党委党员不足100人", "机关条例 第五条；农村条例"),
    Check(
        "branch_needs_committee",
        "正式党员7人以上，应设立支部委员会（请核实）",
        "支部工作条例 第二十条",
        "info",
    ),
)


@dataclass
class _Finding:
    limit: int
    count: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, example: dict[str, Any]) -> None:
        self.count += 1
        if len(self.examples) < self.limit:
            self.examples.append(example)


@dataclass(frozen=True)
class _Scope:
    org_id: int | None
    path: str | None

    def orgs(self) -> ColumnElement[bool]:
        """Organizations in scope: not dissolved, in the current subtree."""
        live = Organization.dissolved_on.is_(None)
        if self.org_id is None:
            return live
        return and_(live, Organization.id.in_(org_service.subtree_ids(self.org_id)))

    def members(self) -> ColumnElement[bool]:
        """Active members in scope: their organization is in the subtree, or, floating in from
        outside the city, their inflow organization is. A dissolved organization is placed by its
        path, since its closure rows are closed."""
        active = Member.status == MemberStatus.active.value
        if self.org_id is None:
            return active
        return and_(
            active,
            or_(
                Member.org_id.in_(self._org_ids()),
                and_(Member.org_id.is_(None), Member.inflow_org_id.in_(self._org_ids())),
            ),
        )

    def _org_ids(self) -> CompoundSelect:
        assert self.org_id is not None and self.path is not None
        dissolved = select(Organization.id).where(
            Organization.dissolved_on.is_not(None), Organization.path.startswith(self.path)
        )
        return org_service.subtree_ids(self.org_id).union(dissolved)


def run_checks(
    session: Session, *, org_id: int | None = None, today: date, limit: int = 5
) -> list[CheckResult]:
    """Every check over the subtree of `org_id` (None: the whole database), as of `today`."""
    if org_id is None:
        scope = _Scope(None, None)
    else:
        scope = _Scope(org_id, org_service.get_org(session, org_id).path)
    findings: dict[str, _Finding] = {check.code: _Finding(limit) for check in CHECKS}
    _id_number_checks(session, scope, today, findings)
    _member_checks(session, scope, today, findings)
    _org_size_checks(session, scope, today, findings)
    return [
        CheckResult(
            code=check.code,
            title=check.title,
            rule=check.rule,
            count=findings[check.code].count,
            examples=findings[check.code].examples,
            severity=check.severity,
        )
        for check in CHECKS
    ]


def has_problems(results: Iterable[CheckResult]) -> bool:
    return any(r.severity == "problem" and r.count > 0 for r in results)


def _member_example(
    member_id: int, name: str, detail: str, id_number: str | None = None
) -> dict[str, Any]:
    example: dict[str, Any] = {"member_id": member_id, "name": name}
    if id_number is not None:
        example["id_number"] = idcard.mask(id_number)
    example["detail"] = detail
    return example


def _id_number_checks(
    session: Session, scope: _Scope, today: date, findings: dict[str, _Finding]
) -> None:
    # Parsing is validation, not statistics: it has to look at every number.
    invalid, mismatch = findings["invalid_id_number"], findings["id_mismatch"]
    noncanonical: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    stmt = (
        select(Member.id, Member.name, Member.id_number, Member.birth_on, Member.gender)
        .where(scope.members())
        .order_by(Member.id)
        .execution_options(yield_per=10_000)
    )
    session.flush()
    for member_id, name, raw, birth_on, gender in session.connection().execute(stmt):
        try:
            parsed = idcard.parse_id_number(raw, today=today)
        except idcard.IdNumberError as error:
            invalid.add(_member_example(member_id, name, str(error), raw))
            continue
        if parsed.number != raw:
            noncanonical[parsed.number].append((member_id, name, raw))
        try:
            problems = idcard.check_consistency(parsed, birth_on=birth_on, gender=gender)
        except ValueError as error:
            problems = [str(error)]
        if problems:
            mismatch.add(_member_example(member_id, name, "；".join(problems), raw))
    _duplicates(session, scope, noncanonical, findings["duplicate_id_number"])


def _duplicates(
    session: Session,
    scope: _Scope,
    noncanonical: dict[str, list[tuple[int, str, str]]],
    finding: _Finding,
) -> None:
    # The column is unique, so two records can only share a number when at least one of them is
    # stored in a non-canonical form (lowercase x, 15 digits, spaces): look up just those.
    groups = {number: list(rows) for number, rows in noncanonical.items()}
    numbers = list(groups)
    for start in range(0, len(numbers), ID_QUERY_CHUNK):
        chunk = numbers[start : start + ID_QUERY_CHUNK]
        rows = session.execute(
            select(Member.id, Member.name, Member.id_number).where(
                scope.members(), Member.id_number.in_(chunk)
            )
        )
        for member_id, name, raw in rows:
            groups[raw].append((member_id, name, raw))
    duplicated = sorted(
        (sorted(rows) for rows in groups.values() if len(rows) > 1), key=lambda rows: rows[0][0]
    )
    for rows in duplicated:
        for member_id, name, raw in rows:
            others = "、".join(f"{n}（{i}）" for i, n, _ in rows if i != member_id)
            finding.add(_member_example(member_id, name, f"与党员{others}的公民身份号码相同", raw))


def _year(column: Any) -> ColumnElement[int]:
    return cast(extract("year", column), Integer)


def _month_day(column: Any) -> ColumnElement[int]:
    return cast(extract("month", column), Integer) * 100 + cast(extract("day", column), Integer)


def probation_cutoff(today: date) -> date:
    """The latest joining day whose one-year probation ended before `today` (29 Feb → 28 Feb)."""
    last = today - timedelta(days=1)
    day = member_service.add_years(last, -PROBATION_YEARS)
    while member_service.add_years(day + timedelta(days=1), PROBATION_YEARS) <= last:
        day += timedelta(days=1)
    return day


def _count_and_examples(
    session: Session, stmt: Select, order_by: Any, limit: int
) -> tuple[int, list[Any]]:
    count = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.execute(stmt.order_by(order_by).limit(limit))) if count and limit else []
    return count, rows


def _member_checks(
    session: Session, scope: _Scope, today: date, findings: dict[str, _Finding]
) -> None:
    in_scope = scope.members()
    limit = findings["joined_under_18"].limit

    # 18th birthday: same month and day; a 29 February birthday falls on 28 February, since the
    # year 18 years after a leap year is never a leap year.
    years = _year(Member.joined_on) - _year(Member.birth_on)
    birthday = case((_month_day(Member.birth_on) == 229, 228), else_=_month_day(Member.birth_on))
    under_18 = or_(
        years < member_service.MIN_JOIN_AGE,
        and_(years == member_service.MIN_JOIN_AGE, _month_day(Member.joined_on) < birthday),
    )
    stmt = select(Member.id, Member.name, Member.joined_on).where(in_scope, under_18)
    finding = findings["joined_under_18"]
    finding.count, rows = _count_and_examples(session, stmt, Member.id, limit)
    finding.examples = [
        _member_example(i, n, f"入党日期{joined_on.isoformat()}，早于年满十八周岁之日")
        for i, n, joined_on in rows
    ]

    stmt = select(Member.id, Member.name, Member.joined_on).where(
        in_scope, Member.confirmed_on.is_(None), Member.joined_on <= probation_cutoff(today)
    )
    finding = findings["probation_overdue"]
    finding.count, rows = _count_and_examples(session, stmt, Member.id, limit)
    finding.examples = [
        _member_example(
            i,
            n,
            f"入党日期{joined_on.isoformat()}，预备期已于"
            f"{member_service.add_years(joined_on, PROBATION_YEARS).isoformat()}届满，未登记转正或延长预备期",
        )
        for i, n, joined_on in rows
    ]

    org, inflow = aliased(Organization), aliased(Organization)
    floating_in = and_(
        Member.is_floating.is_(True),
        Member.inflow_org_id.is_not(None),
        Member.outflow_place.is_not(None),
        Member.outflow_place != "",
    )
    without_org = or_(
        and_(Member.org_id.is_(None), or_(~floating_in, inflow.dissolved_on.is_not(None))),
        org.dissolved_on.is_not(None),
        org.kind.not_in(BRANCH_KIND_VALUES),
    )
    stmt = (
        select(Member.id, Member.name, org.name, org.kind, org.dissolved_on, inflow.dissolved_on)
        .outerjoin(org, org.id == Member.org_id)
        .outerjoin(inflow, inflow.id == Member.inflow_org_id)
        .where(in_scope, without_org)
    )
    finding = findings["member_without_org"]
    finding.count, rows = _count_and_examples(session, stmt, Member.id, limit)
    finding.examples = [
        _member_example(
            i, n, _without_org_detail(org_name, kind, dissolved_on, inflow_dissolved_on)
        )
        for i, n, org_name, kind, dissolved_on, inflow_dissolved_on in rows
    ]


def _without_org_detail(
    org_name: str | None,
    kind: str | None,
    dissolved_on: date | None,
    inflow_dissolved_on: date | None,
) -> str:
    if org_name is None:
        if inflow_dissolved_on is not None:
            return "未编入本市党组织，流入地党组织已撤销"
        return "未编入党组织，也不是信息完整的市外流入党员（须有流出地和流入地党组织）"
    if dissolved_on is not None:
        return f"所在党组织“{org_name}”已于{dissolved_on.isoformat()}撤销"
    return f"所在党组织“{org_name}”是{OrgKind(kind).label}，党员应编入党支部"


def _org_size_checks(
    session: Session, scope: _Scope, today: date, findings: dict[str, _Finding]
) -> None:
    # Count per organization first, then roll up through the closure table (current tree).
    full = and_(Member.confirmed_on.is_not(None), Member.confirmed_on <= today)
    per_org_stmt = select(
        Member.org_id.label("org_id"),
        func.count().label("total"),
        func.sum(case((full, 1), else_=0)).label("full"),
    ).where(Member.status == MemberStatus.active.value, Member.org_id.is_not(None))
    if scope.org_id is not None:
        per_org_stmt = per_org_stmt.where(Member.org_id.in_(org_service.subtree_ids(scope.org_id)))
    per_org = per_org_stmt.group_by(Member.org_id).cte("per_org")
    upper = select(Organization.id).where(
        scope.orgs(), Organization.kind.in_([OrgKind.general_branch.value, OrgKind.committee.value])
    )
    rolled = (
        select(OrgAncestor.ancestor_id.label("org_id"), func.sum(per_org.c.total).label("total"))
        .join(per_org, per_org.c.org_id == OrgAncestor.descendant_id)
        .where(OrgAncestor.valid_to.is_(None), OrgAncestor.ancestor_id.in_(upper))
        .group_by(OrgAncestor.ancestor_id)
        .subquery("rolled")
    )
    stmt = (
        select(
            Organization.id,
            Organization.name,
            Organization.kind,
            func.coalesce(per_org.c.total, 0),
            func.coalesce(per_org.c.full, 0),
            func.coalesce(rolled.c.total, 0),
        )
        .outerjoin(per_org, per_org.c.org_id == Organization.id)
        .outerjoin(rolled, rolled.c.org_id == Organization.id)
        .where(scope.orgs(), Organization.kind.in_(SIZED_KIND_VALUES))
        .order_by(Organization.id)
    )
    for org_id, name, kind, total, n_full, subtree_total in session.execute(stmt):
        total, n_full, subtree_total = int(total), int(n_full), int(subtree_total)
        if kind in BRANCH_KIND_VALUES:
            if n_full < MIN_BRANCH_FULL:
                findings["branch_too_small"].add(
                    _org_example(org_id, name, f"正式党员{n_full}人，预备党员{total - n_full}人")
                )
            if total > MAX_BRANCH_MEMBERS:
                findings["branch_too_large"].add(_org_example(org_id, name, f"党员{total}人"))
            if n_full >= BRANCH_COMMITTEE_FULL:
                findings["branch_needs_committee"].add(
                    _org_example(org_id, name, f"正式党员{n_full}人")
                )
        elif kind == OrgKind.general_branch.value and subtree_total < MIN_GENERAL_BRANCH_MEMBERS:
            findings["general_branch_too_small"].add(
                _org_example(org_id, name, f"党员{subtree_total}人（含所属党支部）")
            )
        elif kind == OrgKind.committee.value and subtree_total < MIN_COMMITTEE_MEMBERS:
            findings["committee_too_small"].add(
                _org_example(org_id, name, f"党员{subtree_total}人（含所属党组织）")
            )


def _org_example(org_id: int, name: str, detail: str) -> dict[str, Any]:
    return {"org_id": org_id, "name": name, "detail": detail}


def checks_json(results: Sequence[CheckResult]) -> str:
    return json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2)


def render_checks(results: Sequence[CheckResult], console: Console) -> None:
    table = Table(title="数据检查", title_justify="left", header_style="bold")
    table.add_column("序号", justify="right")
    table.add_column("检查项", min_width=20)
    table.add_column("依据")
    table.add_column("数量", justify="right")
    table.add_column("性质")
    for number, result in enumerate(results, 1):
        style = "green" if result.count == 0 else ("yellow" if result.severity == "info" else "red")
        table.add_row(
            str(number),
            Text(result.title),
            Text(result.rule),
            Text(f"{result.count:,}", style=style),
            SEVERITY_LABELS[result.severity],
        )
    console.print(table)
    for result in results:
        if result.examples:
            console.print(_examples_table(result))
    problems = sum(r.count for r in results if r.severity == "problem")
    if problems:
        console.print(Text(f"发现问题 {problems:,} 条，请逐项核实并更正。", style="bold red"))
    else:
        console.print(Text("未发现问题。", style="bold green"))


def _examples_table(result: CheckResult) -> Table:
    shown = len(result.examples)
    caption = f"共{result.count:,}条" + (f"，列出前{shown}条" if shown < result.count else "")
    table = Table(title=f"{result.title}（{caption}）", title_justify="left", header_style="bold")
    is_member = "member_id" in result.examples[0]
    with_id_number = any("id_number" in e for e in result.examples)
    table.add_column("党员编号" if is_member else "党组织编号", justify="right")
    table.add_column("姓名" if is_member else "名称")
    if with_id_number:
        table.add_column("公民身份号码")
    table.add_column("说明")
    for example in result.examples:
        cells = [str(example.get("member_id", example.get("org_id", ""))), Text(example["name"])]
        if with_id_number:
            cells.append(Text(example.get("id_number", "")))
        cells.append(Text(example["detail"]))
        table.add_row(*cells)
    return table
