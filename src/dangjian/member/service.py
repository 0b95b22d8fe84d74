"""The roster: create, edit and leave, keeping each member's dated history.

The member row is the current state; `MemberPeriod` rows are the dated history that statistics
read. Every write here keeps the open period equal to the member row.
"""

import re
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dangjian.audit import service as audit_service
from dangjian.errors import Conflict, NotFound, ValidationFailed
from dangjian.kit import idcard
from dangjian.member.codes import (
    EDUCATIONS,
    ETHNICITIES,
    Gender,
    LeaveReason,
    MemberEventKind,
    MemberStatus,
)
from dangjian.member.models import Member, MemberEvent, MemberPeriod
from dangjian.member.schemas import MemberCreate, MemberUpdate
from dangjian.org.codes import BRANCH_KINDS
from dangjian.org.models import Organization, Unit

MIN_JOIN_AGE = 18  # 党章 第一条: 年满十八岁
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")

# Fields whose change is a correction of the record (true for all of its history), as opposed to a
# change in the member's situation that holds from an effective date on.
CORRECTIONS = ("gender", "ethnicity", "birth_on", "confirmed_on")
PERIOD_FIELDS = ("org_id", "inflow_org_id", "education", "occupation", "employment", "is_floating")
FIELD_LABELS = {
    "name": "姓名",
    "gender": "性别",
    "ethnicity": "民族",
    "birth_on": "出生日期",
    "id_number": "公民身份号码",
    "education": "学历",
    "occupation": "人员类别",
    "employment": "工作状况",
    "joined_on": "入党日期",
    "confirmed_on": "转正日期",
    "post": "党内职务",
    "org_id": "所在党组织",
    "unit_id": "工作单位",
    "is_floating": "是否流动党员",
    "outflow_place": "流出地",
    "inflow_org_id": "流入地党组织",
    "inflow_place": "流入地",
    "lost_contact_on": "失联日期",
    "phone": "联系电话",
    "address": "家庭住址",
}


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"党员不存在：{member_id}", field="member_id")
    return member


def snapshot(member: Member) -> dict[str, Any]:
    return {field: getattr(member, field) for field in (*FIELD_LABELS, "status", "left_on", "left_reason")}


def period_values(member: Member) -> dict[str, Any]:
    """The statistical attributes of a member, as stored on a period."""
    return {
        "org_id": member.org_id,
        "inflow_org_id": member.inflow_org_id,
        "gender": member.gender,
        "ethnicity": member.ethnicity,
        "birth_on": member.birth_on,
        "confirmed_on": member.confirmed_on,
        "education": member.education,
        "occupation": member.occupation,
        "employment": member.employment,
        "has_post": bool(member.post),
        "is_floating": member.is_floating,
        "is_lost_contact": member.lost_contact_on is not None,
    }


def _fail(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{FIELD_LABELS.get(field, field)}：{reason}", field=field)


def _validate(session: Session, values: dict[str, Any], *, member_id: int | None, today: date) -> dict[str, Any]:
    """Check a member's complete values; returns them normalized. Raises on the first problem."""
    values = dict(values)
    name = (values.get("name") or "").strip()
    if not name:
        raise _fail("name", "不能为空")
    if len(name) > 64:
        raise _fail("name", "不能超过64个字")
    values["name"] = name
    try:
        parsed = idcard.parse_id_number(values["id_number"], today=today)
    except idcard.IdNumberError as error:
        raise ValidationFailed(str(error), field="id_number") from None
    values["id_number"] = parsed.number
    clash = session.scalar(select(Member.id).where(Member.id_number == parsed.number))
    if clash is not None and clash != member_id:
        raise _fail("id_number", f"{idcard.mask(parsed.number)} 已登记为另一名党员")
    if values.get("birth_on") is None:
        values["birth_on"] = parsed.birth_on
    elif values["birth_on"] != parsed.birth_on:
        raise _fail("birth_on", f"与公民身份号码不一致（身份证号中为{parsed.birth_on.isoformat()}）")
    gender = values.get("gender")
    if gender is None:
        values["gender"] = parsed.gender
    elif Gender(gender).value != parsed.gender:
        raise _fail("gender", f"与公民身份号码不一致（身份证号中为{Gender(parsed.gender).label}）")
    values["gender"] = Gender(values["gender"]).value
    if values.get("ethnicity") not in ETHNICITIES:
        raise _fail("ethnicity", f"不是有效的民族代码：{values.get('ethnicity')}")
    if values.get("education") not in EDUCATIONS:
        raise _fail("education", f"不是有效的学历代码：{values.get('education')}")
    for field in ("joined_on", "confirmed_on", "lost_contact_on"):
        if values.get(field) is not None and values[field] > today:
            raise _fail(field, f"不能晚于今天（{values[field].isoformat()}）")
    joined_on = values["joined_on"]
    if joined_on < add_years(values["birth_on"], MIN_JOIN_AGE):
        raise _fail("joined_on", "入党时未满十八周岁")
    confirmed_on = values.get("confirmed_on")
    if confirmed_on is not None and confirmed_on < add_years(joined_on, 1):
        raise _fail("confirmed_on", "预备期为一年，转正日期不能早于入党日期满一年")  # 党章 第七条
    phone = (values.get("phone") or "").strip() or None
    if phone is not None and not PHONE.match(phone):
        raise _fail("phone", f"格式不正确：{phone}")
    values["phone"] = phone
    values["post"] = (values.get("post") or "").strip() or None
    for field in ("outflow_place", "inflow_place", "address"):
        values[field] = (values.get(field) or "").strip() or None
    values["is_floating"] = bool(values.get("is_floating"))
    _validate_orgs(session, values)
    if values.get("unit_id") is not None and session.get(Unit, values["unit_id"]) is None:
        raise _fail("unit_id", f"单位不存在：{values['unit_id']}")
    return values


def _validate_orgs(session: Session, values: dict[str, Any]) -> None:
    org_id = values.get("org_id")
    if org_id is None:
        # A member floating in from outside the city: the formal relation stays outside.
        if not (values["is_floating"] and values.get("inflow_org_id") and values.get("outflow_place")):
            raise _fail("org_id", "不能为空（只有从市外流入的党员可以不填，须填写流出地和流入地党组织）")
    else:
        org = session.get(Organization, org_id)
        if org is None:
            raise _fail("org_id", f"党组织不存在：{org_id}")
        if org.dissolved_on is not None:
            raise _fail("org_id", f"“{org.name}”已撤销")
        if org.kind not in BRANCH_KINDS:
            raise _fail("org_id", f"党员应编入党支部，“{org.name}”不是党支部")
    inflow_org_id = values.get("inflow_org_id")
    if inflow_org_id is not None:
        if not values["is_floating"]:
            raise _fail("inflow_org_id", "只有流动党员才有流入地党组织")
        inflow = session.get(Organization, inflow_org_id)
        if inflow is None or inflow.dissolved_on is not None:
            raise _fail("inflow_org_id", f"党组织不存在或已撤销：{inflow_org_id}")
        if inflow_org_id == org_id:
            raise _fail("inflow_org_id", "流入地党组织不能是本人所在党组织")


def create_member(
    session: Session,
    data: MemberCreate,
    *,
    actor: str,
    effective_on: date | None = None,
    today: date | None = None,
) -> Member:
    """Enter a member in the roster. History starts at `effective_on` (default: the joining day)."""
    today = today or date.today()
    values = _validate(session, data.model_dump(), member_id=None, today=today)
    start_on = effective_on or values["joined_on"]
    if start_on > today:
        raise _fail("joined_on", "生效日期不能晚于今天")
    member = Member(**{k: (v.value if hasattr(v, "value") else v) for k, v in values.items()})
    member.status = MemberStatus.active.value
    member.version = 1
    session.add(member)
    session.flush()
    state = period_values(member)
    lost_on = member.lost_contact_on
    if lost_on is not None and lost_on > start_on:  # in contact until the day contact was lost
        session.add(MemberPeriod(member_id=member.id, start_on=start_on, end_on=lost_on, **{**state, "is_lost_contact": False}))
        start_on = lost_on
    session.add(MemberPeriod(member_id=member.id, start_on=start_on, end_on=None, **state))
    session.add(MemberEvent(member_id=member.id, kind=MemberEventKind.joined.value, occurred_on=member.joined_on, org_id=member.org_id))
    if member.confirmed_on is not None:
        session.add(MemberEvent(member_id=member.id, kind=MemberEventKind.confirmed.value, occurred_on=member.confirmed_on, org_id=member.org_id))
    if lost_on is not None:
        session.add(MemberEvent(member_id=member.id, kind=MemberEventKind.lost_contact.value, occurred_on=lost_on, org_id=member.org_id))
    session.flush()
    audit_service.record(session, actor=actor, action="create", entity="member", entity_id=member.id, org_id=member.org_id, after=snapshot(member))
    return member


def _open_period(session: Session, member_id: int) -> MemberPeriod:
    period = session.scalar(
        select(MemberPeriod).where(MemberPeriod.member_id == member_id, MemberPeriod.end_on.is_(None))
    )
    if period is None:
        raise ValidationFailed("该党员已出党，不能再修改", field="member_id")
    return period


def update_member(
    session: Session,
    member_id: int,
    data: MemberUpdate,
    *,
    version: int,
    actor: str,
    effective_on: date | None = None,
    today: date | None = None,
) -> Member:
    """Edit a member. A change of situation (organization, schooling, work, floating...) holds from
    `effective_on` (default today); corrections of identity fields rewrite the whole history."""
    today = today or date.today()
    member = get_member(session, member_id)
    if member.version != version:
        raise Conflict("该党员信息已被他人修改，请刷新后重试", field="version")
    if member.status != MemberStatus.active.value:
        raise ValidationFailed("该党员已出党，不能再修改", field="member_id")
    changes = data.model_dump(exclude_unset=True)
    before = snapshot(member)
    values = _validate(session, {**before, **changes}, member_id=member.id, today=today)
    newly_lost = before["lost_contact_on"] is None and values.get("lost_contact_on") is not None
    effective_on = effective_on or (values["lost_contact_on"] if newly_lost else today)
    if effective_on > today:
        raise _fail("effective_on", "生效日期不能晚于今天")
    old_period_values = period_values(member)
    for field, value in values.items():
        if field in FIELD_LABELS:
            setattr(member, field, value.value if hasattr(value, "value") else value)
    new_period_values = period_values(member)
    corrections = {f: new_period_values[f] for f in CORRECTIONS if new_period_values[f] != old_period_values[f]}
    if corrections:
        session.execute(update(MemberPeriod).where(MemberPeriod.member_id == member.id).values(**corrections))
    situation_changed = any(new_period_values[f] != old_period_values[f] for f in new_period_values if f not in CORRECTIONS)
    if situation_changed:
        period = _open_period(session, member.id)
        if effective_on < period.start_on:
            raise _fail("effective_on", f"生效日期不能早于上一次变动（{period.start_on.isoformat()}）")
        if effective_on == period.start_on:
            for field, value in new_period_values.items():
                setattr(period, field, value)
        else:
            period.end_on = effective_on
            session.add(MemberPeriod(member_id=member.id, start_on=effective_on, end_on=None, **new_period_values))
        kind = event_kind(before, member)
        changed = {f: [before[f], getattr(member, f)] for f in FIELD_LABELS if before[f] != getattr(member, f)}
        session.add(MemberEvent(member_id=member.id, kind=kind.value, occurred_on=effective_on, org_id=member.org_id, detail=audit_service.jsonable(changed)))
    member.version += 1
    session.flush()
    audit_service.record(session, actor=actor, action="update", entity="member", entity_id=member.id, org_id=member.org_id, before=before, after=snapshot(member))
    return member


def event_kind(before: dict[str, Any], member: Member) -> MemberEventKind:
    """The event a change makes in the member's history, the weightiest first."""
    if member.org_id != before["org_id"]:
        return MemberEventKind.moved
    if (before["lost_contact_on"] is None) != (member.lost_contact_on is None):
        return MemberEventKind.lost_contact if member.lost_contact_on else MemberEventKind.contact_restored
    if before["is_floating"] != member.is_floating:
        return MemberEventKind.floating_started if member.is_floating else MemberEventKind.floating_ended
    return MemberEventKind.changed


def leave_member(
    session: Session,
    member_id: int,
    *,
    reason: LeaveReason,
    left_on: date,
    actor: str,
    version: int | None = None,
    today: date | None = None,
) -> Member:
    """A member leaves the roster through a reason; the record is kept (never deleted)."""
    today = today or date.today()
    member = get_member(session, member_id)
    if version is not None and member.version != version:
        raise Conflict("该党员信息已被他人修改，请刷新后重试", field="version")
    if member.status != MemberStatus.active.value:
        raise ValidationFailed("该党员已出党", field="member_id")
    if left_on > today:
        raise _fail("left_on", "出党日期不能晚于今天")
    period = _open_period(session, member.id)
    if left_on <= period.start_on:
        raise ValidationFailed(f"出党日期：应晚于上一次变动（{period.start_on.isoformat()}）", field="left_on")
    before = snapshot(member)
    period.end_on = left_on
    member.status = MemberStatus.left.value
    member.left_on = left_on
    member.left_reason = LeaveReason(reason).value
    member.version += 1
    session.add(MemberEvent(member_id=member.id, kind=MemberEventKind.left.value, occurred_on=left_on, org_id=member.org_id, detail={"reason": member.left_reason}))
    session.flush()
    audit_service.record(session, actor=actor, action="leave", entity="member", entity_id=member.id, org_id=member.org_id, before=before, after=snapshot(member))
    return member
