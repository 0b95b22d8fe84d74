"""The roster in Excel: each column's field, standard header, the names real rosters give it, how a
cell is read and how a member is written. The engine (`dangjian.importexport`) does the rest."""

from datetime import date
from typing import Any

from dangjian.importexport import values
from dangjian.importexport.engine import Column, Spec
from dangjian.kit.idcard import make_id_number
from dangjian.member.codes import EDUCATIONS, ETHNICITIES, Employment, Gender, Occupation

EXAMPLE_ID = make_id_number("430421", date(1985, 6, 15), 123)
# Rows whose 序号 says this are examples (the template's) and are never imported.
EXAMPLE_MARKS = ("示例", "例", "样例")


def _label(enum, value: str | None) -> str | None:
    return enum(value).label if value else None


def _category(record: Any) -> str:
    return values.CATEGORY_LABELS[values.FULL if record.confirmed_on is not None else values.PROBATIONARY]


# Export functions read a row of the export query: the member's columns, org_code, org_name,
# inflow_org_code and inflow_org_name.
COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", ("编号", "顺序号"), None, width=6, kind="number", example="示例"),
    Column("name", "姓名", ("党员姓名", "姓名（党员）"), values.name, width=10, required=True, example="张三",
           export=lambda r: r.name),
    Column("gender", "性别", (), values.parse_gender, width=6, choices=tuple(g.label for g in Gender), example="男",
           export=lambda r: _label(Gender, r.gender)),
    Column("id_number", "公民身份号码",
           ("身份证号", "身份证号码", "身份证", "公民身份证号", "公民身份证号码", "身份证件号码", "证件号码", "居民身份证号码"),
           values.parse_id_number, width=21, required=True, example=EXAMPLE_ID, export=lambda r: r.id_number),
    Column("ethnicity", "民族", (), values.parse_ethnicity, width=8, choices=tuple(ETHNICITIES.values()), example="汉族",
           export=lambda r: ETHNICITIES.get(r.ethnicity, r.ethnicity)),
    Column("birth_on", "出生日期", ("出生年月", "出生年月日", "出生时间", "出生日期（年月日）"), values.parse_date_precision,
           width=12, kind="date", example=date(1985, 6, 15), export=lambda r: r.birth_on),
    Column("education", "学历", ("文化程度", "最高学历", "学历层次", "学历（文化程度）"), values.parse_education, width=14,
           choices=tuple(label for label, _group in EDUCATIONS.values()), required=True, example="大学本科毕业",
           export=lambda r: EDUCATIONS[r.education][0] if r.education in EDUCATIONS else r.education),
    Column("occupation", "人员类别", ("职业", "工作岗位", "人员身份", "职业类别", "身份类别"), values.parse_occupation, width=16,
           choices=tuple(o.label for o in Occupation), required=True, example=Occupation.professional.label,
           export=lambda r: _label(Occupation, r.occupation)),
    Column("employment", "工作状况", ("就业状况", "就业情况", "在岗情况"), values.parse_employment, width=10,
           choices=tuple(e.label for e in Employment), example=Employment.in_service.label,
           export=lambda r: _label(Employment, r.employment)),
    Column("joined_on", "入党日期", ("入党时间", "入党年月", "加入党组织日期", "入党日期（预备）"), values.parse_date_precision,
           width=12, kind="date", required=True, example=date(2010, 7, 1), export=lambda r: r.joined_on),
    Column("confirmed_on", "转正日期", ("转正时间", "转正年月", "转为正式党员日期"), values.parse_date_precision, width=12,
           kind="date", example=date(2011, 7, 1), export=lambda r: r.confirmed_on),
    Column("category", "党员类别", ("正式或预备", "正式/预备", "党员身份", "正式党员或预备党员"), values.parse_category, width=10,
           choices=tuple(values.CATEGORY_LABELS.values()), example="正式党员", export=_category),
    Column("org", "所在党组织", ("所在党支部", "所在支部", "党组织", "党支部", "所属党组织", "所属党支部", "所属支部", "党组织名称",
                            "支部名称", "所在党组织名称"), values.text, width=30, required=True,
           example="衡阳县/西渡镇/某某村党支部", export=lambda r: r.org_name),
    Column("org_code", "党组织编码", ("党组织代码", "组织编码", "支部编码"), values.text, width=12,
           export=lambda r: r.org_code),
    Column("post", "党内职务", ("党内职务名称", "党内职务情况"), values.text, width=12, example="党支部书记",
           export=lambda r: r.post),
    Column("phone", "联系电话", ("手机号码", "手机号", "手机", "电话", "联系方式", "电话号码"), values.parse_phone, width=14,
           example="13812345678", export=lambda r: r.phone),
    Column("address", "家庭住址", ("住址", "家庭地址", "现住址", "现居住地", "居住地址", "现居住地址"), values.text, width=30,
           example="湖南省衡阳县西渡镇某某村1组", export=lambda r: r.address),
    Column("is_floating", "流动党员", ("是否流动党员", "是否流动"), values.parse_yes_no, width=8, choices=("是", "否"),
           example="否", export=lambda r: "是" if r.is_floating else "否"),
    Column("outflow_place", "流出地", ("流出地点", "流出地区"), values.text, width=16, export=lambda r: r.outflow_place),
    Column("inflow_org", "流入地党组织", ("流入党组织", "流入地党组织名称"), values.text, width=24,
           export=lambda r: r.inflow_org_name),
    Column("inflow_org_code", "流入地党组织编码", ("流入党组织编码",), values.text, width=12,
           export=lambda r: r.inflow_org_code),
    Column("inflow_place", "流入地", ("流入地点", "流入地区"), values.text, width=16, export=lambda r: r.inflow_place),
    # Recognised, never imported: derived figures and the error workbook's own columns.
    Column("age", "年龄", ("周岁",)),
    Column("party_age", "党龄", ()),
    Column("remark", "备注", ("说明",)),
    Column("error_row", "行号", ("原行号",)),
    Column("error_column", "列", ("错误列",)),
    Column("error_reason", "错误原因", ("错误信息",)),
)

SPEC = Spec(COLUMNS, key="id_number")
EXPORTED = tuple(c for c in COLUMNS if c.export is not None or c.key == "seq")
# Member fields a column sets (the rest, like category and org_code, are read to check or find).
FIELD_OF = {
    "name": "name", "gender": "gender", "id_number": "id_number", "ethnicity": "ethnicity", "birth_on": "birth_on",
    "education": "education", "occupation": "occupation", "employment": "employment", "joined_on": "joined_on",
    "confirmed_on": "confirmed_on", "post": "post", "phone": "phone", "address": "address", "is_floating": "is_floating",
    "outflow_place": "outflow_place", "inflow_place": "inflow_place", "org": "org_id", "inflow_org": "inflow_org_id",
}
COLUMN_OF = {field: key for key, field in FIELD_OF.items()}
