"""Code lists of organizational life (组织生活)."""

from dangjian.kit.labeled import LabeledEnum


class MeetingKind(LabeledEnum):
    general_meeting = "general_meeting", "支部党员大会"
    committee_meeting = "committee_meeting", "支部委员会会议"
    group_meeting = "group_meeting", "党小组会"
    party_lesson = "party_lesson", "党课"
    theme_day = "theme_day", "主题党日"
    org_life_meeting = "org_life_meeting", "组织生活会"
    member_review = "member_review", "民主评议党员"
    heart_to_heart_talk = "heart_to_heart_talk", "谈心谈话"


class AttendanceStatus(LabeledEnum):
    present = "present", "出席"
    excused = "excused", "请假"
    absent = "absent", "缺席"


class KindStatus(LabeledEnum):
    """Where one kind of meeting stands for a branch over a period."""

    done = "done", "已完成"
    due = "due", "待开展"
    overdue = "overdue", "逾期未开展"
    not_required = "not_required", "无需开展"


class LifeStatus(LabeledEnum):
    """A branch's organizational life overall (green / amber / red on the dashboard)."""

    regular = "regular", "正常"
    irregular = "irregular", "不规范"
    half_paralysed = "half_paralysed", "半瘫痪"
    paralysed = "paralysed", "瘫痪"


class Signal(LabeledEnum):
    green = "green", "绿"
    amber = "amber", "黄"
    red = "red", "红"
