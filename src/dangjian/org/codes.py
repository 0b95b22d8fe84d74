"""Code lists of the organization module: division levels, unit kinds, organization kinds."""

from dangjian.kit.labeled import LabeledEnum


class DivisionLevel(LabeledEnum):
    city = "city", "市"
    county = "county", "县级"
    township = "township", "乡级"
    village = "village", "村级"


class DivisionKind(LabeledEnum):
    city = "city", "市"
    district = "district", "区"
    county = "county", "县"
    county_city = "county_city", "县级市"
    town = "town", "镇"
    township = "township", "乡"
    street = "street", "街道"
    village = "village", "建制村"
    community = "community", "社区"


DIVISION_LEVEL_OF_KIND = {
    DivisionKind.city: DivisionLevel.city,
    DivisionKind.district: DivisionLevel.county,
    DivisionKind.county: DivisionLevel.county,
    DivisionKind.county_city: DivisionLevel.county,
    DivisionKind.town: DivisionLevel.township,
    DivisionKind.township: DivisionLevel.township,
    DivisionKind.street: DivisionLevel.township,
    DivisionKind.village: DivisionLevel.village,
    DivisionKind.community: DivisionLevel.village,
}


class UnitKind(LabeledEnum):
    village = "village", "建制村"
    community = "community", "城市社区"
    agency = "agency", "机关"
    institution = "institution", "事业单位"
    state_enterprise = "state_enterprise", "国有企业"
    private_enterprise = "private_enterprise", "非公有制企业"
    social_organization = "social_organization", "社会组织"
    school = "school", "学校"
    hospital = "hospital", "医院"


class UnitStatus(LabeledEnum):
    normal = "normal", "正常"
    restructured = "restructured", "改制"
    closed = "closed", "关停"
    bankrupt = "bankrupt", "破产"


class OrgKind(LabeledEnum):
    local_committee = "local_committee", "地方党委"
    committee = "committee", "基层党委"
    working_committee = "working_committee", "党工委"
    general_branch = "general_branch", "党总支"
    branch = "branch", "党支部"
    joint_branch = "joint_branch", "联合党支部"


# 党内统计: basic-level organizations are 党委, 党总支 and 党支部 (joint branches count as branches);
# local committees (市委, 县委) and working committees (党工委, dispatched organs) are not counted.
BASIC_LEVEL_KINDS = (OrgKind.committee, OrgKind.general_branch, OrgKind.branch, OrgKind.joint_branch)
BRANCH_KINDS = (OrgKind.branch, OrgKind.joint_branch)


class VillageClass(LabeledEnum):
    class_1 = "class_1", "一类"
    class_2 = "class_2", "二类"
    class_3 = "class_3", "三类"


class DissolveReason(LabeledEnum):
    merged = "merged", "合并"
    unit_closed = "unit_closed", "单位撤销或关停"
    restructured = "restructured", "调整组织设置"
    too_few_members = "too_few_members", "党员不足三人"
    other = "other", "其他"
