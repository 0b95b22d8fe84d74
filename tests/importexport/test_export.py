"""Exports read back with calamine and compared with the database; the import template."""

import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from dangjian.audit.models import AuditEvent
from dangjian.auth.scope import Scope, ScopeKind
from dangjian.errors import ValidationFailed
from dangjian.importexport import service
from dangjian.importexport.schemas import ImportMode
from dangjian.kit import idcard, privacy
from dangjian.member.codes import EDUCATIONS, Occupation
from dangjian.member.excel import EXPORTED
from dangjian.member.models import Member
from dangjian.member.schemas import MemberQuery
from tests.factories import make_member
from tests.importexport.workbooks import Tree, id_number, read_rows

HEADERS = [c.header for c in EXPORTED]


@pytest.fixture
def roster(session):
    tree = Tree(session)
    made = [
        make_member(session, tree.heping, name="甲", phone="13812345678", address="湖南省衡阳县西渡镇和平村1组", post="党支部书记"),
        make_member(session, tree.heping, name="乙", gender="female", confirmed_on=None, joined_on=date(2025, 3, 1),
                    id_number=id_number(date(1980, 5, 17), male=False, skip=600), education="31"),
        make_member(session, tree.xinqiao, name="丙", occupation=Occupation.farmer),
        make_member(session, tree.jiangkou, name="外县丁"),  # another county: outside the county's export
    ]
    return tree, made


def county_scope(tree: Tree) -> Scope:
    return Scope(ScopeKind.subtree, roots=(tree.county.id,), paths=(tree.county.path,))


def test_the_export_reads_back_equal_to_the_database_with_personal_data_masked(session, roster, tmp_path):
    tree, made = roster
    out = tmp_path / "county.xlsx"
    count = service.export_members(session, out, scope=county_scope(tree), org=tree.county, actor="tester")
    rows = read_rows(out)
    assert rows[0][0] == "中共衡阳县委员会党员名册" and "共 3 人" in rows[1][0] and "已脱敏" in rows[1][0]
    assert rows[2] == HEADERS
    data = {r[HEADERS.index("姓名")]: dict(zip(HEADERS, r)) for r in rows[3:]}
    assert count == 3 and set(data) == {"甲", "乙", "丙"}
    for member in made[:3]:
        row = data[member.name]
        assert row["公民身份号码"] == idcard.mask(member.id_number) != member.id_number
        assert row["出生日期"] == member.birth_on and row["入党日期"] == member.joined_on
        assert row["学历"] == EDUCATIONS[member.education][0]
        assert row["人员类别"] == Occupation(member.occupation).label
        assert row["所在党组织"] == session.get(type(tree.heping), member.org_id).name
        assert row["党组织编码"] == session.get(type(tree.heping), member.org_id).code
        assert row["联系电话"] == (privacy.mask_phone(member.phone) or "")
        assert row["党员类别"] == ("正式党员" if member.confirmed_on else "预备党员")
    assert data["乙"]["转正日期"] == "" and data["乙"]["性别"] == "女"
    assert data["甲"]["家庭住址"] == "湖南省衡阳县****"
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert (audit.actor, audit.org_id, audit.after["rows"], audit.after["full"]) == ("tester", tree.county.id, 3, False)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "reveal")) is None


def test_a_full_export_is_audited_as_a_reveal(session, roster, tmp_path):
    tree, made = roster
    out = tmp_path / "full.xlsx"
    service.export_members(session, out, scope=county_scope(tree), org=tree.xidu, actor="tester", full=True,
                           columns=["name", "id_number", "phone"])
    rows = read_rows(out)
    assert rows[2] == ["姓名", "公民身份号码", "联系电话"]
    assert sorted(map(tuple, rows[3:])) == sorted((m.name, m.id_number, m.phone or "") for m in made[:2])
    reveal = session.scalar(select(AuditEvent).where(AuditEvent.action == "reveal"))
    assert reveal.after == {"fields": ["id_number", "phone"], "rows": 2, "export": True}


def test_filters_and_bad_columns(session, roster, tmp_path):
    tree, _ = roster
    out = tmp_path / "probationary.xlsx"
    count = service.export_members(session, out, scope=county_scope(tree), org=tree.county, actor="t",
                                   query=MemberQuery(probationary=True), columns=["seq", "name"])
    assert count == 1 and read_rows(out)[3] == [1.0, "乙"]
    with pytest.raises(ValidationFailed, match="导出列无效：birthday"):
        service.export_members(session, out, scope=county_scope(tree), org=tree.county, actor="t", columns=["name", "birthday"])


def test_an_exported_roster_imports_back_unchanged(session, roster, tmp_path):
    tree, _ = roster
    out = tmp_path / "round.xlsx"
    service.export_members(session, out, scope=county_scope(tree), org=tree.county, actor="t", full=True)
    result, _ = service.import_members(session, out, scope=county_scope(tree), actor="t", target=tree.county)
    assert (result.rows, result.unchanged, result.creates, result.updates, result.error_rows) == (3, 3, 0, 0, 0)


def test_the_template_has_its_header_example_and_drop_down_lists(session, roster, tmp_path):
    tree, _ = roster
    out = tmp_path / "template.xlsx"
    service.write_template(out)
    rows = read_rows(out)
    assert rows[0][0] == "党员信息导入模板" and "填表说明" in rows[1][0]
    header = rows[2]
    assert header[:4] == ["序号", "*姓名", "性别", "*公民身份号码"] and "*所在党组织" in header
    example = dict(zip(header, rows[3]))
    assert example["序号"] == "示例" and example["*学历"] == "大学本科毕业" and example["出生日期"] == date(1985, 6, 15)
    with zipfile.ZipFile(out) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        workbook = archive.read("xl/workbook.xml").decode()
        lists = archive.read("xl/worksheets/sheet2.xml").decode()
    assert sheet.count('<dataValidation type="list"') == 7  # 性别 民族 学历 人员类别 工作状况 党员类别 流动党员
    assert "代码表!$B$2:$B$57" in sheet  # 民族: 56 names, too long for an inline list
    assert 'name="代码表"' in workbook and 'state="hidden"' in workbook
    assert "土家族" in lists and "硕士研究生毕业" in lists
    assert '<pane ySplit="3"' in sheet  # the header stays in view
    # The untouched template imports nothing; its example row, once marked as data, is a valid member.
    untouched, _ = service.import_members(session, out, scope=Scope(ScopeKind.city), actor="t")
    assert untouched.rows == 0
    import xlsxwriter

    filled = tmp_path / "filled.xlsx"
    book = xlsxwriter.Workbook(str(filled))
    sheet_out = book.add_worksheet()
    sheet_out.write_row(0, 0, header)
    example_cells = ["1", *rows[3][1:]]
    example_cells[header.index("出生日期")] = "1985-06-15"
    example_cells[header.index("*入党日期")] = "2010-07-01"
    example_cells[header.index("转正日期")] = "2011-07-01"
    example_cells[header.index("*所在党组织")] = "衡阳县/西渡镇/和平村党支部"
    sheet_out.write_row(1, 0, example_cells)
    book.close()
    result, _ = service.import_members(session, filled, scope=Scope(ScopeKind.city), actor="t", mode=ImportMode.valid_only)
    assert result.errors == [] and result.created == 1
    assert session.scalar(select(Member.org_id).where(Member.name == "张三")) == tree.heping.id
