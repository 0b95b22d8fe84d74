"""Roster import and export.

Import: read the workbook, find the header, parse every cell, then check every row with the roster's
own rules (`member_service._validate`, the function the API's create and edit call) before anything
is written. Rows are keyed on the normalized ID number: a new number is a member to create, a known
one a member to update where a value differs (so re-importing a file changes nothing). Writes go
through `member_service.create_member` / `update_member` (history periods, events and audit as for
the API), all in the caller's one transaction: a killed import leaves nothing behind.

Export: the roster of a subtree in scope, streamed from the database in batches into a workbook
written in constant memory.
"""

import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import operators

from dangjian.audit import service as audit_service
from dangjian.auth.scope import Scope, ScopeKind
from dangjian.errors import PYDANTIC_REASONS, AppError, ValidationFailed
from dangjian.importexport import engine, values
from dangjian.importexport.schemas import (
    ColumnMatch,
    ImportMode,
    ImportResult,
    PlannedRow,
    RowIssue,
)
from dangjian.kit import idcard, privacy
from dangjian.member import excel as roster
from dangjian.member import service as member_service
from dangjian.member.codes import MemberStatus
from dangjian.member.models import Member
from dangjian.member.schemas import MemberCreate, MemberQuery, MemberUpdate
from dangjian.org.codes import BRANCH_KINDS
from dangjian.org.models import Organization

Progress = Callable[[int, str], None]  # percent done, stage
ERRORS_SHOWN = 100
SAMPLES_SHOWN = 20
ID_CHUNK = 2000  # ID numbers per lookup query
FIELD_LABELS = member_service.FIELD_LABELS
TEXT_FIELDS = ("name", "post", "phone", "address", "outflow_place", "inflow_place")
MONTH_FIELDS = ("joined_on", "confirmed_on")  # dates a roster may give as year and month only
NOT_IN_RANGE = "党组织不存在或不在导入范围内"
# Cells whose value is unique to the row: parsing is not worth caching.
UNCACHED = frozenset({"id_number", "name", "phone", "address"})


def _quiet(_percent: int, _stage: str) -> None:
    pass


# ------------------------------------------------------------------------------- organizations

_PARTY_PREFIXES = ("中国共产党", "中共")
_SHORT_FORMS = (("总支部委员会", "总支"), ("支部委员会", "支部"), ("党总支部", "总支"), ("党总支", "总支"), ("总支部", "总支"),
                ("党支部", "支部"), ("党工委", "工委"), ("工作委员会", "工委"), ("委员会", "委"), ("党委", "委"))
_PATH_SPLIT = re.compile(r"\s*[/／\\>＞、]+\s*")


def short_name(name: str) -> str:
    """An organization's name as people shorten it: 中共西渡镇委员会 → 西渡镇委, 某某村党支部 → 某某村支部."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
    for prefix in _PARTY_PREFIXES:
        text = text.removeprefix(prefix)
    for long, short in _SHORT_FORMS:
        text = text.replace(long, short)
    return text


class OrgDirectory:
    """Every organization, loaded once (and kept in the session, so that the roster's own checks
    find them without a query), found by code, full or short name, or a path of names."""

    def __init__(self, session: Session):
        self.orgs = session.scalars(select(Organization)).all()
        self.by_id = {o.id: o for o in self.orgs}
        self.by_code = {o.code: o for o in self.orgs}
        self.by_name: dict[str, list[Organization]] = defaultdict(list)
        self.by_short: dict[str, list[Organization]] = defaultdict(list)
        self.shorts: dict[int, str] = {}
        for org in self.orgs:
            self.by_name[org.name].append(org)
            self.shorts[org.id] = short_name(org.name)
            self.by_short[self.shorts[org.id]].append(org)
        self._cache: dict[tuple[str, int], Organization | ValueError] = {}

    def subtree(self, root: Organization) -> set[int]:
        return {o.id for o in self.orgs if o.path.startswith(root.path)}

    def _ancestors_match(self, org: Organization, parts: Sequence[str]) -> bool:
        chain = [self.by_id[int(i)] for i in org.path.strip("/").split("/")[:-1] if int(i) in self.by_id]
        at = 0
        for part in parts:
            short = short_name(part)
            while at < len(chain) and not (chain[at].name == part or chain[at].code == part
                                           or self.shorts[chain[at].id].startswith(short)):
                at += 1
            if at == len(chain):
                return False
            at += 1
        return True

    def find(self, ref: Any, within: set[int] | None) -> Organization:
        """The one organization `ref` names within `within` (None: anywhere); ValueError otherwise."""
        text = values.text(ref)
        key = (text, id(within))
        found = self._cache.get(key)
        if found is None:
            try:
                found = self._find(text, within)
            except ValueError as error:
                found = error
            self._cache[key] = found
        if isinstance(found, ValueError):
            raise found
        return found

    def _find(self, text: str, within: set[int] | None) -> Organization:
        if text in self.by_code:
            org = self.by_code[text]
            if within is not None and org.id not in within:
                raise ValueError(f"{NOT_IN_RANGE}：{text}")
            return org
        parts = [p for p in _PATH_SPLIT.split(text) if p]
        if not parts:
            raise ValueError("不能为空")
        last = parts[-1]
        candidates = self.by_name.get(last) or self.by_short.get(short_name(last)) or []
        if len(parts) > 1:
            candidates = [c for c in candidates if self._ancestors_match(c, parts[:-1])]
        if within is not None:
            candidates = [c for c in candidates if c.id in within]
        candidates = [c for c in candidates if c.dissolved_on is None] or candidates
        if not candidates:
            raise ValueError(f"{NOT_IN_RANGE}：{text}")
        if len(candidates) > 1:
            named = "、".join(f"{c.name}（编码 {c.code}）" for c in candidates[:3])
            raise ValueError(f"“{text}”对应多个党组织：{named}{'等' if len(candidates) > 3 else ''}；"
                             "请写出上级党组织（如“衡阳县/西渡镇/某某村党支部”）或填写党组织编码")
        return candidates[0]


# ---------------------------------------------------------------------------------- the plan

@dataclass
class PlannedCreate:
    row: int
    data: MemberCreate


@dataclass
class PlannedUpdate:
    row: int
    member_id: int
    version: int
    changes: dict[str, Any]
    name: str
    id_number: str


@dataclass
class Plan:
    """What an import would do, row by row; nothing written yet."""

    sheet: engine.Sheet
    header: engine.Header
    missing: list[engine.Column]
    rows: int = 0
    creates: list[PlannedCreate] = field(default_factory=list)
    updates: list[PlannedUpdate] = field(default_factory=list)
    unchanged: int = 0
    issues: dict[int, list[RowIssue]] = field(default_factory=dict)
    cells: dict[int, list[Any]] = field(default_factory=dict)  # the bad rows' original cells
    orgs: OrgDirectory | None = None
    column_of: Callable[[str | None], str] = lambda field_name: FIELD_LABELS.get(field_name or "", field_name or "")

    def fail(self, row: int, column: str, reason: str, cells: list[Any]) -> None:
        self.issues.setdefault(row, []).append(RowIssue(row=row, column=column, reason=reason))
        self.cells[row] = cells


class KnownNumbers:
    """Stands in for the session inside `member_service._validate` while rows are checked: its one
    query per row (is this ID number another member's?) is answered from the numbers loaded once;
    everything else goes to the real session, where the organizations it looks up already are."""

    def __init__(self, session: Session, owners: dict[str, int]):
        self.session, self.owners = session, owners

    def scalar(self, statement, *args, **kwargs):
        number = _id_number_lookup(statement)
        if number is not None:
            return self.owners.get(number)
        return self.session.scalar(statement, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.session, name)


def _id_number_lookup(statement) -> str | None:
    """The number of `SELECT member.id WHERE member.id_number = :number`, else None."""
    where = getattr(statement, "whereclause", None)
    columns = getattr(statement, "selected_columns", ())
    if len(columns) != 1 or getattr(columns[0], "table", None) is not Member.__table__ or columns[0].name != "id":
        return None
    left, right = getattr(where, "left", None), getattr(where, "right", None)
    if getattr(where, "operator", None) is not operators.eq:
        return None
    if getattr(left, "table", None) is Member.__table__ and left.name == "id_number" and hasattr(right, "value"):
        return right.value
    return None


STORED = ("id", "version", "status", *FIELD_LABELS)
STORED_AT = {name: at for at, name in enumerate(STORED)}


def _existing(session: Session, numbers: Iterable[str]) -> dict[str, Any]:
    """Members already registered under these numbers: one query per 2,000 numbers, or, when the
    file holds a good part of the roster, one pass over the table."""
    numbers = list(numbers)
    columns = [getattr(Member, name) for name in STORED]
    found: dict[str, Any] = {}
    if len(numbers) > 5 * ID_CHUNK and len(numbers) * 3 > (session.scalar(select(func.count()).select_from(Member)) or 0):
        wanted = set(numbers)
        for row in session.execute(select(*columns)):
            if row.id_number in wanted:
                found[row.id_number] = row
        return found
    for start in range(0, len(numbers), ID_CHUNK):
        chunk = numbers[start:start + ID_CHUNK]
        for row in session.execute(select(*columns).where(Member.id_number.in_(chunk))):
            found[row.id_number] = row
    return found


def _split_detail(error: AppError) -> tuple[str | None, str]:
    """(field, reason) of a service error whose detail reads "入党日期：入党时未满十八周岁"."""
    label = FIELD_LABELS.get(error.field or "")
    if label and error.detail.startswith(f"{label}："):
        return error.field, error.detail[len(label) + 1:]
    return error.field, error.detail


def _reasons(error: ValidationError) -> list[tuple[str | None, str]]:
    return [(str(p["loc"][0]) if p.get("loc") else None, PYDANTIC_REASONS.get(p.get("type", ""), "格式不正确"))
            for p in error.errors(include_url=False)]


def _category_problem(category: str | None, confirmed_on: date | None) -> str | None:
    if category == values.PROBATIONARY and confirmed_on is not None:
        return "为预备党员，但填写了转正日期"
    if category == values.FULL and confirmed_on is None:
        return "为正式党员，但没有转正日期"
    return None


class RowChecker:
    """Checks a row that would create a member, or change one, with the roster's own rules."""

    def __init__(self, session: Session, plan: Plan, *, scope_ids: set[int], within: set[int],
                 today: date, existing: dict[str, Any]):
        self.plan, self.today = plan, today
        self.scope_ids, self.within = scope_ids, within
        self.known = KnownNumbers(session, {n: row.id for n, row in existing.items()})
        self.written = {c.key: plan.header.name_of(c.key) for c in roster.COLUMNS}

    def column(self, field_name: str | None) -> str:
        """The header the file uses for a member field, or the field's own label."""
        key = roster.COLUMN_OF.get(field_name or "", field_name or "")
        if key == "org" and self.written.get("org") is None and self.written.get("org_code"):
            key = "org_code"
        return self.written.get(key) or FIELD_LABELS.get(field_name or "", field_name or "")

    def fail(self, row: int, cells: list[Any], field_name: str | None, reason: str, *, key: str | None = None) -> None:
        column = (self.written.get(key) or key) if key else self.column(field_name)
        self.plan.fail(row, column or "", reason, cells)

    def create(self, row: int, cells: list[Any], fields: dict[str, Any]) -> None:
        if fields.get("org_id") is None and fields.get("inflow_org_id") not in (None, *self.within):
            self.fail(row, cells, "inflow_org_id", f"{NOT_IN_RANGE}（从市外流入的党员由您范围内的流入地党组织登记）")
            return
        try:
            data = MemberCreate(**fields)
            member_service._validate(self.known, data.model_dump(), member_id=None, today=self.today)
        except ValidationError as error:
            for field_name, reason in _reasons(error):
                self.fail(row, cells, field_name, reason)
            return
        except AppError as error:
            self.fail(row, cells, *_split_detail(error))
            return
        self.plan.creates.append(PlannedCreate(row, data))

    def update(self, row: int, cells: list[Any], changes: dict[str, Any], existing: Any) -> None:
        keeper = existing.org_id if existing.org_id is not None else existing.inflow_org_id
        if keeper not in self.scope_ids:
            self.fail(row, cells, "id_number", "该党员已在您管理范围以外的党组织登记，不能在此修改（组织关系转入请办理转接）")
            return
        if existing.status != MemberStatus.active.value:
            self.fail(row, cells, "id_number", "该党员已出党，不能再修改")
            return
        if "org_id" in changes and changes["org_id"] not in self.within:
            self.fail(row, cells, "org_id", NOT_IN_RANGE)
            return
        try:
            data = MemberUpdate(**changes)
            before = {f: getattr(existing, f) for f in FIELD_LABELS}
            member_service._validate(self.known, {**before, **data.model_dump(exclude_unset=True)},
                                     member_id=existing.id, today=self.today)
        except ValidationError as error:
            for field_name, reason in _reasons(error):
                self.fail(row, cells, field_name, reason)
            return
        except AppError as error:
            self.fail(row, cells, *_split_detail(error))
            return
        self.plan.updates.append(PlannedUpdate(row, existing.id, existing.version, changes, existing.name,
                                               existing.id_number))


def _is_example(seq_position: int | None) -> Callable[[list[Any]], bool] | None:
    if seq_position is None:
        return None
    marks = set(roster.EXAMPLE_MARKS)
    return lambda row: seq_position < len(row) and isinstance(row[seq_position], str) and row[seq_position].strip() in marks


def _blank(value: Any) -> bool:
    return value == "" or value is None or (isinstance(value, str) and not value.strip())


def _parse_column(column: engine.Column, cells: Sequence[Any], parse: Callable[[Any], Any]) -> tuple[list[Any], list[int]]:
    """Every cell of a column parsed: None for blank, a ValueError for what cannot be read; and the
    positions of those errors. A value met before is not parsed again."""
    distinct = set(cells)
    if column.key in UNCACHED or any(type(v) is bool for v in distinct):  # True == 1.0 in a dict
        parsed = []
        for value in cells:
            if _blank(value):
                parsed.append(None)
                continue
            try:
                parsed.append(parse(value))
            except ValueError as error:
                parsed.append(error)
    else:
        table: dict[Any, Any] = {}
        for value in distinct:
            if _blank(value):
                table[value] = None
                continue
            try:
                table[value] = parse(value)
            except ValueError as error:
                table[value] = error
        parsed = [table[v] for v in cells]
        if not any(isinstance(v, ValueError) for v in table.values()):
            return parsed, []
    return parsed, [i for i, v in enumerate(parsed) if isinstance(v, ValueError)]


CODE_OF = {"org": "org_code", "inflow_org": "inflow_org_code"}  # the column giving an organization's code
# Compared with the stored member: (column key, member field, how)
COMPARED = (
    ("name", "name", "text"), ("gender", "gender", "code"), ("ethnicity", "ethnicity", "code"),
    ("education", "education", "code"), ("occupation", "occupation", "code"), ("employment", "employment", "code"),
    ("joined_on", "joined_on", "date"), ("confirmed_on", "confirmed_on", "date"), ("post", "post", "text"),
    ("phone", "phone", "text"), ("address", "address", "text"), ("is_floating", "is_floating", "code"),
    ("outflow_place", "outflow_place", "text"), ("inflow_place", "inflow_place", "text"),
    ("org_id", "org_id", "code"), ("inflow_org_id", "inflow_org_id", "code"), ("birth_on", "birth_on", "date"),
)


def plan_import(session: Session, source: str | Path | bytes, *, scope: Scope, target: Organization | None = None,
                today: date | None = None, progress: Progress = _quiet) -> Plan:
    """Read and check every row; writes nothing.

    Cells are parsed a column at a time, each distinct value once; rows of members already
    registered are compared with the stored values, and only rows that create a member or change
    one are checked with the roster's rules (which is what costs time per row)."""
    today = today or date.today()
    progress(0, "读取文件")
    sheet, header = engine.find_table(source, roster.SPEC)
    keys = {c.key for c in header.columns.values()}
    if "id_number" not in keys:
        raise ValidationFailed("文件中没有“公民身份号码”（身份证号）列：党员以身份证号识别，无法导入", field="file")
    default_org = target if target is not None and target.kind in BRANCH_KINDS else None
    missing = [c for c in header.missing if not (c.key == "org" and ("org_code" in keys or default_org is not None))]
    plan = Plan(sheet, header, missing)
    progress(10, "检查数据")
    plan.orgs = orgs = OrgDirectory(session)
    if scope.kind is ScopeKind.city:
        scope_ids = set(orgs.by_id)
    elif scope.kind in (ScopeKind.subtree, ScopeKind.org):
        scope_ids = set(session.scalars(scope.org_ids()))
    else:
        scope_ids = set()
    within = scope_ids & orgs.subtree(target) if target is not None else scope_ids

    seq = next((p for p, c in header.columns.items() if c.key == "seq"), None)
    rows = list(engine.data_rows(sheet, header, skip=_is_example(seq)))
    plan.rows = n = len(rows)
    excel_rows = [r for r, _ in rows]
    cells_of = [c for _, c in rows]
    columns = list(zip(*cells_of)) if rows else []
    bad: set[int] = set()
    parsed: dict[str, list[Any]] = {}
    # An organization's code, where given, stands for its name: codes first, names only where no code.
    order = sorted(header.columns.items(), key=lambda item: item[1].key not in CODE_OF.values())
    for position, column in order:
        if column.parse is None:
            continue
        cells = columns[position] if position < len(columns) else ("",) * n
        if CODE_OF.get(column.key) in parsed:
            cells = ["" if code is not None else cell for code, cell in zip(parsed[CODE_OF[column.key]], cells)]
        parse = column.parse
        if column.key == "id_number":
            parse = lambda v: values.parse_id_number(v, today=today)
        elif column.key in ("org", "org_code"):
            parse = lambda v: orgs.find(v, within)
        elif column.key in ("inflow_org", "inflow_org_code"):
            parse = lambda v: orgs.find(v, None)
        out, failures = _parse_column(column, cells, parse)
        for i in failures:
            plan.fail(excel_rows[i], header.names[position], str(out[i]), cells_of[i])
            bad.add(i)
        parsed[column.key] = out
    progress(25, "检查数据")

    id_header = header.name_of("id_number")
    numbers: list[str | None] = [None] * n
    first_row: dict[str, int] = {}
    for i, parsed_id in enumerate(parsed["id_number"]):
        if parsed_id is None:
            if i not in bad:
                plan.fail(excel_rows[i], id_header, "不能为空", cells_of[i])
                bad.add(i)
            continue
        if isinstance(parsed_id, ValueError):
            continue
        seen = first_row.setdefault(parsed_id.number, excel_rows[i])
        if seen != excel_rows[i]:
            plan.fail(excel_rows[i], id_header, f"与第{seen}行的公民身份号码重复", cells_of[i])
            bad.add(i)
        numbers[i] = parsed_id.number
    existing = _existing(session, first_row)
    progress(35, "检查数据")

    def code_or_name(name_key: str) -> list[Any] | None:
        codes, names = parsed.get(CODE_OF[name_key]), parsed.get(name_key)
        if codes is None or names is None:
            return codes or names
        return [c if c is not None else o for c, o in zip(codes, names)]

    by_key = {**parsed, "org_id": code_or_name("org"), "inflow_org_id": code_or_name("inflow_org")}
    compared = [(key, field_name, how, by_key[key]) for key, field_name, how in COMPARED if by_key.get(key) is not None]
    for i, (key, field_name, how, column_values) in enumerate(compared):
        if key in ("org_id", "inflow_org_id"):  # organizations were found: compare their ids
            compared[i] = (key, field_name, how, [o.id if isinstance(o, Organization) else o for o in column_values])
    categories = parsed.get("category")
    # Rows of registered members whose every given value equals the stored one change nothing; they
    # are found a column at a time. The rest (new members, changes, anything unsure) go row by row.
    olds = [existing.get(number) if number is not None else None for number in numbers]
    slow = {i for i, old in enumerate(olds) if old is None}
    for key, field_name, how, column_values in compared:
        at = STORED_AT[field_name]
        if how == "date":
            slow.update(i for i, (v, o) in enumerate(zip(column_values, olds))
                        if v is not None and o is not None and (not v[1] or v[0] != o[at]))
        else:
            slow.update(i for i, (v, o) in enumerate(zip(column_values, olds)) if v is not None and o is not None and v != o[at])
    if categories is not None:
        at = STORED_AT["confirmed_on"]
        slow.update(i for i, (c, o) in enumerate(zip(categories, olds))
                    if c is not None and o is not None and (c == values.FULL) != (o[at] is not None))
    slow -= bad
    plan.unchanged = n - len(bad) - len(slow)
    checker = RowChecker(session, plan, scope_ids=scope_ids, within=within, today=today, existing=existing)
    plan.column_of = checker.column
    step = max(1, len(slow) // 20)
    for done, i in enumerate(sorted(slow)):
        if done % step == 0:
            progress(35 + 25 * done // len(slow), "检查数据")
        row, cells, parsed_id = excel_rows[i], cells_of[i], parsed["id_number"][i]
        old = existing.get(numbers[i])
        fields: dict[str, Any] = {}
        for key, field_name, how, column_values in compared:
            value = column_values[i]
            if value is None:
                continue
            if how == "date":
                value, exact = value
                if field_name == "birth_on" and not exact:
                    if (value.year, value.month) != (parsed_id.birth_on.year, parsed_id.birth_on.month):
                        checker.fail(row, cells, "birth_on", f"与公民身份号码不一致（身份证号中为{parsed_id.birth_on.isoformat()}）")
                        break
                    continue  # a year and month that agree: the day comes from the ID number
                if old is not None and not exact:  # a year and month only: the stored day stands if they agree
                    stored = getattr(old, field_name)
                    if stored is not None and (stored.year, stored.month) == (value.year, value.month):
                        continue
            if old is not None:
                stored = getattr(old, field_name)
                if value == stored or (how == "text" and stored is not None and values.text(stored) == value):
                    continue
            fields[field_name] = value
        else:
            category = categories[i] if categories is not None else None
            if category is not None:
                confirmed_on = fields.get("confirmed_on", old.confirmed_on if old is not None else None)
                if problem := _category_problem(category, confirmed_on):
                    checker.fail(row, cells, None, problem, key="category")
                    continue
            if old is None:
                fields["id_number"] = numbers[i]
                if "org_id" not in fields and default_org is not None:
                    fields["org_id"] = default_org.id
                checker.create(row, cells, fields)
            elif fields:
                checker.update(row, cells, fields, old)
            else:
                plan.unchanged += 1
    progress(60, "检查完成")
    return plan


# ---------------------------------------------------------------------------------- writing

@dataclass
class Written:
    created: int = 0
    updated: int = 0
    done: bool = False


def _write_row(session: Session, item: PlannedCreate | PlannedUpdate, *, actor: str, today: date) -> None:
    if isinstance(item, PlannedCreate):
        member_service.create_member(session, item.data, actor=actor, today=today)
    else:
        member_service.update_member(session, item.member_id, MemberUpdate(**item.changes), version=item.version,
                                     actor=actor, today=today)


def apply_plan(session: Session, plan: Plan, *, mode: ImportMode, actor: str, today: date | None = None,
               progress: Progress = _quiet) -> Written:
    """Write the planned rows in the session's transaction: `valid-only` writes every row that holds
    (a row the roster refuses at write time is skipped and reported), `all-or-nothing` writes nothing
    unless every row holds."""
    today = today or date.today()
    written = Written()
    if mode is ImportMode.preview or (mode is ImportMode.all_or_nothing and plan.issues):
        return written
    items: list[PlannedCreate | PlannedUpdate] = sorted([*plan.creates, *plan.updates], key=lambda i: i.row)
    total = max(1, len(items))
    step = max(1, total // 50)

    def report(done: int) -> None:
        if done % step == 0:
            progress(60 + 40 * done // total, f"写入 {done}/{len(items)}")

    if mode is ImportMode.all_or_nothing:
        failed = None
        try:
            with session.begin_nested():
                for done, failed in enumerate(items):
                    report(done)
                    _write_row(session, failed, actor=actor, today=today)
        except AppError as error:
            field_name, reason = _split_detail(error)
            plan.fail(failed.row, plan.column_of(field_name), reason,
                      plan.sheet.rows[failed.row - plan.sheet.first_row])
            return written
    else:
        for done, item in enumerate(items):
            report(done)
            try:
                with session.begin_nested():
                    _write_row(session, item, actor=actor, today=today)
            except AppError as error:
                field_name, reason = _split_detail(error)
                plan.fail(item.row, plan.column_of(field_name), reason,
                          plan.sheet.rows[item.row - plan.sheet.first_row])
                continue
            if isinstance(item, PlannedCreate):
                written.created += 1
            else:
                written.updated += 1
    if mode is ImportMode.all_or_nothing:
        written.created, written.updated = len(plan.creates), len(plan.updates)
    written.done = True
    progress(100, "写入完成")
    return written


def result_of(plan: Plan, *, mode: ImportMode, written: Written, seconds: float) -> ImportResult:
    issues = [issue for row in sorted(plan.issues) for issue in plan.issues[row]]
    orgs = plan.orgs.by_id if plan.orgs else {}
    create_samples = [
        PlannedRow(row=c.row, name=c.data.name, id_number=idcard.mask(c.data.id_number),
                   org=orgs[c.data.org_id].name if c.data.org_id in orgs else None)
        for c in plan.creates[:SAMPLES_SHOWN]
    ]
    update_samples = [
        PlannedRow(row=u.row, name=u.name, id_number=idcard.mask(u.id_number),
                   org=orgs[u.changes["org_id"]].name if u.changes.get("org_id") in orgs else None,
                   fields=[FIELD_LABELS.get(f, f) for f in u.changes])
        for u in plan.updates[:SAMPLES_SHOWN]
    ]
    header = plan.header
    return ImportResult(
        mode=mode, written=written.done, sheet=plan.sheet.name, header_row=header.excel_row,
        columns=[ColumnMatch(written=header.names[p], header=c.header) for p, c in sorted(header.columns.items())],
        unknown_columns=header.unknown, missing_columns=[c.header for c in plan.missing],
        duplicate_columns=header.duplicates, rows=plan.rows, creates=len(plan.creates), updates=len(plan.updates),
        unchanged=plan.unchanged, error_rows=len(plan.issues), created=written.created, updated=written.updated,
        errors=issues[:ERRORS_SHOWN], create_samples=create_samples, update_samples=update_samples,
        seconds=round(seconds, 2),
    )


def import_members(session: Session, source: str | Path | bytes, *, scope: Scope, actor: str,
                   mode: ImportMode = ImportMode.preview, target: Organization | None = None,
                   today: date | None = None, progress: Progress = _quiet,
                   filename: str | None = None) -> tuple[ImportResult, Plan]:
    """Check every row, then (unless previewing) write in the session's transaction."""
    started = time.perf_counter()
    plan = plan_import(session, source, scope=scope, target=target, today=today, progress=progress)
    written = apply_plan(session, plan, mode=mode, actor=actor, today=today, progress=progress)
    if written.done:
        audit_service.record(session, actor=actor, action="import", entity="member",
                             org_id=target.id if target is not None else scope.root_org_id,
                             after={"file": filename, "mode": mode.value, "created": written.created,
                                    "updated": written.updated, "error_rows": len(plan.issues)})
    progress(100, "完成")
    return result_of(plan, mode=mode, written=written, seconds=time.perf_counter() - started), plan


# ------------------------------------------------------------------------------ error workbook

ERROR_COLUMNS = ("行号", "列", "错误原因")
DROPPED = {"error_row", "error_column", "error_reason"}


def write_error_workbook(plan: Plan, path: str | Path) -> int:
    """Each bad row with its original cells, then 行号, 列 and 错误原因; the bad cells shaded. Fixed,
    the file imports again as it is (its own three columns are recognised and ignored)."""
    header, sheet = plan.header, plan.sheet
    original = sheet.rows[header.index]
    kept = [p for p in range(len(original))
            if not (p in header.columns and header.columns[p].key in DROPPED)]
    written_names = [header.names.get(p, "") for p in kept]
    columns = [engine.OutColumn(name or "", width=max(8, min(30, len(name) * 2 + 4))) for name in written_names]
    columns += [engine.OutColumn("行号", 6, "number"), engine.OutColumn("列", 14), engine.OutColumn("错误原因", 50)]
    workbook = engine.open_workbook(path)
    try:
        table = engine.TableWriter(workbook, sheet.name or "错误行", columns,
                                   title=f"未能导入的行（共 {len(plan.issues)} 行）：改正后可直接重新导入")
        for row in sorted(plan.issues):
            issues = plan.issues[row]
            cells = plan.cells[row]
            out = [cells[p] if p < len(cells) else None for p in kept]
            bad_names = {i.column for i in issues}
            bad = [i for i, name in enumerate(written_names) if name and name in bad_names]
            table.append([*out, row, "、".join(dict.fromkeys(i.column for i in issues)),
                          "；".join(f"{i.column}：{i.reason}" for i in issues)], bad=bad)
    finally:
        workbook.close()
    return len(plan.issues)


# ------------------------------------------------------------------------------------- exports

PERSONAL_MASKS = {"id_number": idcard.mask, "phone": privacy.mask_phone, "address": privacy.mask_address}
EXPORT_BATCH = 2000


def export_columns(keys: Sequence[str] | None) -> list[engine.Column]:
    """The export's columns in the roster's order; unknown keys refused, in Chinese."""
    if not keys:
        return list(roster.EXPORTED)
    known = {c.key: c for c in roster.EXPORTED}
    unknown = [k for k in keys if k not in known]
    if unknown:
        choices = "、".join(f"{c.key}（{c.header}）" for c in roster.EXPORTED)
        raise ValidationFailed(f"导出列无效：{'、'.join(unknown)}；可选：{choices}", field="columns")
    wanted = set(keys)
    return [c for c in roster.EXPORTED if c.key in wanted]


def export_members(session: Session, path: str | Path, *, scope: Scope, org: Organization, actor: str,
                   query: MemberQuery | None = None, columns: Sequence[str] | None = None, full: bool = False,
                   today: date | None = None) -> int:
    """The roster of `org`'s subtree as far as the scope reaches (with the query's filters), read in
    batches and written row by row; personal data masked unless `full`. Audited. Returns the rows."""
    today = today or date.today()
    chosen = export_columns(columns)
    query = (query or MemberQuery()).model_copy(update={"org_id": org.id})
    if scope.kind is ScopeKind.city and org.parent_id is None:
        query = query.model_copy(update={"org_id": None})  # the whole city: no list of organizations needed
    parts = member_service.roster_parts(session, scope, query, today=today)
    listed = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("listed")
    total = session.scalar(select(func.count()).select_from(listed)) or 0
    inflow = aliased(Organization)
    statement = (
        select(*Member.__table__.c, Organization.code.label("org_code"), Organization.name.label("org_name"),
               inflow.code.label("inflow_org_code"), inflow.name.label("inflow_org_name"))
        .select_from(Member).join(listed, listed.c.id == Member.id)
        .outerjoin(Organization, Organization.id == Member.org_id)
        .outerjoin(inflow, inflow.id == Member.inflow_org_id)
        .order_by(Organization.code, Member.name, Member.id)
        .execution_options(yield_per=EXPORT_BATCH)
    )
    exporters = []
    for column in chosen:
        if column.key == "seq":
            exporters.append(None)
        elif not full and column.key in PERSONAL_MASKS:
            mask, read = PERSONAL_MASKS[column.key], column.export
            exporters.append(lambda r, mask=mask, read=read: mask(read(r)) if read(r) else read(r))
        else:
            exporters.append(column.export)
    subtitle = (f"截至 {today.year}年{today.month}月{today.day}日 · 共 {total:,} 人"
                + ("" if full else " · 身份证号、电话、住址已脱敏"))
    workbook = engine.open_workbook(path)
    count = 0
    try:
        table = engine.TableWriter(workbook, "党员名册", [engine.OutColumn(c.header, c.width, c.kind) for c in chosen],
                                   title=f"{org.name}党员名册", subtitle=subtitle)
        for record in session.execute(statement):
            count += 1
            table.append([count if read is None else read(record) for read in exporters])
    finally:
        workbook.close()
    keys = [c.key for c in chosen]
    audit_service.record(session, actor=actor, action="export", entity="member", org_id=org.id,
                         after={"rows": count, "columns": keys, "full": full,
                                "filters": query.model_dump(mode="json", exclude_defaults=True, exclude={"page", "page_size", "sort"})})
    if full and (revealed := [k for k in keys if k in PERSONAL_MASKS]):
        audit_service.record(session, actor=actor, action="reveal", entity="member", org_id=org.id,
                             after={"fields": revealed, "rows": count, "export": True})
    return count


TEMPLATE_NOTE = ("填表说明：带 * 的列必填。日期可写作 1975-03-01、1975/3/1、1975.3.1、1975年3月1日 或 19750301；"
                 "身份证号请按文本填写（18位，末位 X 大小写均可）；所在党组织可填党组织编码、全称，或“衡阳县/西渡镇/某某村党支部”"
                 "这样从上到下的名称；已登记的党员按身份证号更新，空白单元格不会清除已有信息。序号为“示例”的行不会导入，可删除。")


def write_template(path: str | Path) -> None:
    """The import template: a note, the header (required columns marked *), an example row and a
    drop-down list on every column with a code list (the lists on a hidden sheet)."""
    chosen = [c for c in roster.EXPORTED]
    workbook = engine.open_workbook(path)
    try:
        table = engine.TableWriter(
            workbook, "党员名册", [engine.OutColumn(("*" if c.required else "") + c.header, c.width, c.kind) for c in chosen],
            title="党员信息导入模板", header_note=TEMPLATE_NOTE)
        table.append([c.example for c in chosen])
        lists = engine.write_lists(workbook, {c.header: list(c.choices) for c in chosen if c.choices})
        for position, column in enumerate(chosen):
            if column.choices:
                table.drop_down(position, lists[column.header])
            if column.kind == "text":
                table.sheet.set_column(position, position, column.width, workbook.add_format({"num_format": "@"}))
    finally:
        workbook.close()
