"""Code lists of the member module (national standards where there is one)."""

from dangjian.kit.labeled import LabeledEnum


class Gender(LabeledEnum):  # GB/T 2261.1
    male = "male", "男"
    female = "female", "女"


# GB/T 3304-1991: code -> name. "少数民族" is any code other than 01.
ETHNICITIES: dict[str, str] = dict(
    zip(
        [f"{i:02d}" for i in range(1, 57)],
        ["汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族"],
        strict=True,
    )
)
HAN = "01"
# Old names still found in legacy data.
ETHNICITY_ALIASES = {"毛难族": "36", "崩龙族": "46"}


class EducationGroup(LabeledEnum):  # the groups of the statistics' 学历 table
    postgraduate = "postgraduate", "研究生"
    bachelor = "bachelor", "大学本科"
    associate = "associate", "大学专科"
    secondary_vocational = "secondary_vocational", "中专"
    high_school = "high_school", "高中、中技"
    junior_or_less = "junior_or_less", "初中及以下"


# GB/T 4658-2006 学历代码: code -> (name, statistics group).
EDUCATIONS: dict[str, tuple[str, EducationGroup]] = {
    "11": ("博士研究生毕业", EducationGroup.postgraduate),
    "12": ("博士研究生结业", EducationGroup.postgraduate),
    "13": ("博士研究生肄业", EducationGroup.postgraduate),
    "14": ("硕士研究生毕业", EducationGroup.postgraduate),
    "15": ("硕士研究生结业", EducationGroup.postgraduate),
    "16": ("硕士研究生肄业", EducationGroup.postgraduate),
    "17": ("研究生班毕业", EducationGroup.postgraduate),
    "18": ("研究生班结业", EducationGroup.postgraduate),
    "19": ("研究生班肄业", EducationGroup.postgraduate),
    "21": ("大学本科毕业", EducationGroup.bachelor),
    "22": ("大学本科结业", EducationGroup.bachelor),
    "23": ("大学本科肄业", EducationGroup.bachelor),
    "28": ("大学普通班毕业", EducationGroup.bachelor),
    "31": ("大学专科毕业", EducationGroup.associate),
    "32": ("大学专科结业", EducationGroup.associate),
    "33": ("大学专科肄业", EducationGroup.associate),
    "41": ("中等专科毕业", EducationGroup.secondary_vocational),
    "42": ("中等专科结业", EducationGroup.secondary_vocational),
    "43": ("中等专科肄业", EducationGroup.secondary_vocational),
    "44": ("职业高中毕业", EducationGroup.high_school),
    "45": ("职业高中结业", EducationGroup.high_school),
    "46": ("职业高中肄业", EducationGroup.high_school),
    "47": ("技工学校毕业", EducationGroup.high_school),
    "48": ("技工学校结业", EducationGroup.high_school),
    "49": ("技工学校肄业", EducationGroup.high_school),
    "61": ("普通高中毕业", EducationGroup.high_school),
    "62": ("普通高中结业", EducationGroup.high_school),
    "63": ("普通高中肄业", EducationGroup.high_school),
    "71": ("初中毕业", EducationGroup.junior_or_less),
    "73": ("初中肄业", EducationGroup.junior_or_less),
    "81": ("小学毕业", EducationGroup.junior_or_less),
    "83": ("小学肄业", EducationGroup.junior_or_less),
    "90": ("其他", EducationGroup.junior_or_less),
}


def education_codes(group: EducationGroup) -> list[str]:
    return [code for code, (_, g) in EDUCATIONS.items() if g is group]


class Occupation(LabeledEnum):  # the categories of the published 党内统计公报
    worker = "worker", "工人（工勤技能人员）"
    farmer = "farmer", "农牧渔民"
    professional = "professional", "企事业单位、社会组织专业技术人员"
    manager = "manager", "企事业单位、社会组织管理人员"
    civil_servant = "civil_servant", "党政机关工作人员"
    student = "student", "学生"
    other = "other", "其他职业人员"
    retired = "retired", "离退休人员"


class Employment(LabeledEnum):
    in_service = "in_service", "在岗"
    retired = "retired", "离退休"
    laid_off = "laid_off", "下岗"
    unemployed = "unemployed", "失业"
    contract_ended = "contract_ended", "解除劳动关系"
    migrant_worker = "migrant_worker", "进城务工"


class MemberStatus(LabeledEnum):
    active = "active", "在册"
    left = "left", "已出党"


class LeaveReason(LabeledEnum):  # 出党 and other reductions of the 年报
    death = "death", "死亡"
    transferred_out = "transferred_out", "组织关系转出本市"
    expelled = "expelled", "开除党籍"
    advised_to_leave = "advised_to_leave", "劝退或劝而不退除名"
    self_lapsed = "self_lapsed", "自行脱党除名"
    withdrew = "withdrew", "退党除名"
    probation_cancelled = "probation_cancelled", "取消预备党员资格"
    suspended = "suspended", "停止党籍"


class MemberEventKind(LabeledEnum):
    joined = "joined", "入党（预备党员）"
    confirmed = "confirmed", "转为正式党员"
    moved = "moved", "组织关系变更"
    changed = "changed", "信息变更"
    floating_started = "floating_started", "外出流动"
    floating_ended = "floating_ended", "流动结束"
    lost_contact = "lost_contact", "失去联系"
    contact_restored = "contact_restored", "恢复联系"
    left = "left", "出党"
    transferred_in = "transferred_in", "组织关系转入"
