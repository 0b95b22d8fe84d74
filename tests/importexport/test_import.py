"""Roster import against the database: a messy township roster lands value by value; bad rows are
reported with their row, column and reason; re-importing changes nothing; the two write modes."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from dangjian.audit.models import AuditEvent
from dangjian.auth.scope import Scope, ScopeKind
from dangjian.errors import ValidationFailed
from dangjian.importexport import service
from dangjian.importexport.schemas import ImportMode
from dangjian.member.models import Member, MemberEvent, MemberPeriod
from tests.factories import make_member
from tests.importexport.workbooks import (
    FULL_WIDTH_DIGITS,
    Tree,
    id_number,
    legacy,
    member_by_number,
    read_rows,
    serial,
    write_workbook,
)

CITY = Scope(ScopeKind.city)


@pytest.fixture
def tree(session) -> Tree:
    return Tree(session)


def county_scope(tree: Tree) -> Scope:
    return Scope(ScopeKind.subtree, roots=(tree.county.id,), paths=(tree.county.path,))


def run(session, path, mode=ImportMode.preview, *, scope=CITY, target=None):
    result, plan = service.import_members(session, path, scope=scope, actor="tester", mode=mode, target=target)
    return result, plan


def members(session) -> int:
    return session.scalar(select(func.count()).select_from(Member))


# ------------------------------------------------------------------------------ the messy roster

ID1 = id_number(date(1975, 3, 17))
ID2 = id_number(date(1982, 11, 5), male=False, ending_x=True)
ID3 = id_number(date(1950, 6, 1))
ID4 = id_number(date(1990, 5, 20))
ID5 = id_number(date(1988, 11, 9), male=False)
HEADER = ["序号", "姓 名", "性别", "身份证号码", "民族", "出生年月", "文化程度", "职业", "工作状况", "入党时间", "转正时间",
          "正式或预备", "所在党支部", "党组织编码", "党内职务", "手机号码", "住址", "备注", "不认识的列"]


def messy_rows() -> list[list]:
    example = ["示例", "张三", "男", id_number(date(1985, 6, 15), skip=100), "汉族", "1985-06-15", "本科", "工人", "在岗",
               "2010-07-01", "2011-07-01", "正式党员", "衡阳县/西渡镇/和平村党支部"]
    return [
        HEADER,
        example,
        [1, " 张 三 ", "男", ID1.translate(FULL_WIDTH_DIGITS), "汉", "1975.03", "大专", "农民", "在岗", "2000/7/1", "2001.7.1",
         "正式", "衡阳县/西渡镇/和平村党支部", None, " 党支部书记 ", 13812345678.0, "西渡镇和平村１组", "备注", "x"],
        [2, "李四", "女性", ID2.lower(), "毛难族", date(1982, 11, 5), "本科", "专业技术人员", None, "2005年3月1日",
         serial(date(2006, 3, 1)), "正式党员", None, "T-XINQIAO", None, "０７３４-８１２３４５６"],
        [3, "王五", "男", float(legacy(ID3)), "汉族", None, "高中", "工人", "退休", 19800701.0, "19810701", None, "新桥村党支部"],
        [],
        [4, "赵六", None, f"{ID4[:6]} {ID4[6:14]} {ID4[14:]}", "土家", "1990-05", "硕士", "公务员", "在职", "2025.3", None,
         "预备", "井头镇/新桥村党支部"],
        HEADER,  # printed rosters repeat the header on every page
        [5, "孙七", "女", ID5, "01", 1988.11, "中专", "学生", None, datetime(2010, 7, 1), "2011-07-01 00:00:00", "正式",
         "西渡镇/第一党支部"],
    ]


def messy_file(tmp_path):
    return write_workbook(tmp_path / "西渡镇花名册.xlsx", messy_rows(), title="衡阳县党员花名册（2025年）",
                          before=[[], ["填表说明：姓名、身份证号必填；日期可写成 1975.3.1"]])


def test_a_messy_roster_lands_value_by_value(session, tree, tmp_path):
    result, _ = run(session, messy_file(tmp_path), ImportMode.valid_only)
    assert result.errors == []
    assert (result.header_row, result.rows, result.creates, result.created) == (4, 5, 5, 5)
    assert result.unknown_columns == ["不认识的列"] and result.missing_columns == []
    assert {c.written: c.header for c in result.columns}["身份证号码"] == "公民身份号码"

    m1 = member_by_number(session, ID1)
    assert (m1.name, m1.gender, m1.ethnicity, m1.birth_on, m1.education, m1.occupation, m1.employment) == \
        ("张三", "male", "01", date(1975, 3, 17), "31", "farmer", "in_service")
    assert (m1.joined_on, m1.confirmed_on, m1.org_id, m1.post, m1.phone, m1.address) == \
        (date(2000, 7, 1), date(2001, 7, 1), tree.heping.id, "党支部书记", "13812345678", "西渡镇和平村1组")

    m2 = member_by_number(session, ID2)  # lowercase x made uppercase
    assert ID2.endswith("X")
    assert (m2.gender, m2.ethnicity, m2.birth_on, m2.education, m2.occupation, m2.employment) == \
        ("female", "36", date(1982, 11, 5), "21", "professional", "in_service")
    assert (m2.joined_on, m2.confirmed_on, m2.org_id, m2.phone) == (date(2005, 3, 1), date(2006, 3, 1), tree.xinqiao.id, "0734-8123456")

    m3 = member_by_number(session, ID3)  # a 15-digit number stored as a number, upgraded
    assert (m3.birth_on, m3.education, m3.occupation, m3.employment) == (date(1950, 6, 1), "61", "worker", "retired")
    assert (m3.joined_on, m3.confirmed_on, m3.org_id) == (date(1980, 7, 1), date(1981, 7, 1), tree.xinqiao.id)

    m4 = member_by_number(session, ID4)
    assert (m4.gender, m4.ethnicity, m4.education, m4.occupation, m4.joined_on, m4.confirmed_on, m4.org_id) == \
        ("male", "15", "14", "civil_servant", date(2025, 3, 1), None, tree.xinqiao.id)

    m5 = member_by_number(session, ID5)
    assert (m5.birth_on, m5.ethnicity, m5.education, m5.occupation, m5.joined_on, m5.confirmed_on, m5.org_id) == \
        (date(1988, 11, 9), "01", "41", "student", date(2010, 7, 1), date(2011, 7, 1), tree.xidu_first.id)
    assert members(session) == 5  # the example row was not imported

    # Written through the roster's service: history periods, events and audit as for the API.
    assert session.scalar(select(func.count()).select_from(MemberPeriod).where(MemberPeriod.member_id == m1.id)) == 1
    assert {e.kind for e in session.scalars(select(MemberEvent).where(MemberEvent.member_id == m1.id))} == {"joined", "confirmed"}
    creates = session.scalars(select(AuditEvent).where(AuditEvent.action == "create", AuditEvent.entity == "member")).all()
    assert len(creates) == 5 and {a.actor for a in creates} == {"tester"}
    summary = session.scalar(select(AuditEvent).where(AuditEvent.action == "import"))
    assert summary.after["created"] == 5


def test_reimporting_the_same_file_changes_nothing(session, tree, tmp_path):
    path = messy_file(tmp_path)
    run(session, path, ImportMode.valid_only)
    before = {m.id: m.version for m in session.scalars(select(Member))}
    audits = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "member", AuditEvent.action != "import"))
    preview, _ = run(session, path)
    assert (preview.creates, preview.updates, preview.unchanged, preview.error_rows) == (0, 0, 5, 0)
    again, _ = run(session, path, ImportMode.valid_only)
    assert (again.created, again.updated) == (0, 0)
    assert {m.id: m.version for m in session.scalars(select(Member))} == before
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "member", AuditEvent.action != "import")) == audits


def test_a_changed_cell_updates_only_that_value(session, tree, tmp_path):
    run(session, messy_file(tmp_path), ImportMode.valid_only)
    rows = messy_rows()
    rows[2][15] = "13900001111"  # 张三's phone
    rows[2][9] = "2000.07"  # the same joining month, written without the day: not a change
    rows[4][12] = "和平村党支部"  # 王五 moves to another branch
    changed = write_workbook(tmp_path / "changed.xlsx", rows)
    result, _ = run(session, changed, ImportMode.valid_only)
    assert (result.updates, result.unchanged, result.updated) == (2, 3, 2)
    fields = {u.name: u.fields for u in result.update_samples}
    assert fields == {"张三": ["联系电话"], "王五": ["所在党组织"]}
    m1, m3 = member_by_number(session, ID1), member_by_number(session, ID3)
    assert (m1.phone, m1.joined_on, m1.version) == ("13900001111", date(2000, 7, 1), 2)
    assert m3.org_id == tree.heping.id
    assert session.scalar(select(MemberEvent.kind).where(MemberEvent.member_id == m3.id, MemberEvent.kind == "moved")) == "moved"


def test_blank_cells_never_clear_stored_values(session, tree, tmp_path):
    run(session, messy_file(tmp_path), ImportMode.valid_only)
    rows = [["姓名", "身份证号", "联系电话", "家庭住址"], ["张三", ID1, None, "  "]]
    result, _ = run(session, write_workbook(tmp_path / "partial.xlsx", rows), ImportMode.valid_only)
    assert (result.unchanged, result.updates) == (1, 0)
    assert member_by_number(session, ID1).phone == "13812345678"


# ------------------------------------------------------------------------------------ bad rows

BAD_HEADER = ["姓名", "性别", "公民身份号码", "出生日期", "学历", "人员类别", "入党日期", "转正日期", "党员类别", "所在党组织", "联系电话"]
GOOD_ID = id_number(date(1975, 3, 17), skip=300)
OTHER_ID = id_number(date(1980, 1, 1), skip=300)


def good(name: str, number: str, **changes) -> list:
    values = {"姓名": name, "性别": "男", "公民身份号码": number, "出生日期": None, "学历": "本科", "人员类别": "工人",
              "入党日期": "2000-07-01", "转正日期": "2001-07-01", "党员类别": "正式", "所在党组织": "和平村党支部",
              "联系电话": "13812345678", **changes}
    return [values[h] for h in BAD_HEADER]


def bad_rows() -> tuple[list[list], dict[int, tuple[str, str]]]:
    """The rows (header first, so that data starts on Excel row 2) and, by Excel row, the column
    and the reason expected."""
    born = date(1975, 3, 17)
    numbers = iter(sorted({id_number(born, skip=s) for s in range(200, 400)}))
    fresh = lambda: next(numbers)
    wrong_check = GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")
    rows = [
        good("好人甲", GOOD_ID),                                                      # 2
        good("科学计数", 4.30421197503e17),                                            # 3
        good("校验位", wrong_check),                                                   # 4
        good("坏日期", fresh(), 入党日期="2000-02-30"),                                # 5
        good("坏学历", fresh(), 学历="幼儿园"),                                         # 6
        good("重复", GOOD_ID),                                                         # 7
        good("两个第一", fresh(), 所在党组织="第一党支部"),                              # 8
        good("外县支部", fresh(), 所在党组织="江口村党支部"),                            # 9
        good("未满十八", fresh(), 入党日期="1990-01-01", 转正日期="1991-01-01"),          # 10
        good("预备却转正", fresh(), 党员类别="预备"),                                   # 11
        good("生日不符", fresh(), 出生日期="1975-03-18"),                               # 12
        good("没学历", fresh(), 学历=None),                                             # 13
        good("转正太早", fresh(), 转正日期="2001-01-01"),                               # 14
        good("坏电话", fresh(), 联系电话="12345"),                                      # 15
        good("外县人改名", OTHER_ID),                                                   # 16
        good("好人乙", fresh()),                                                       # 17
        good(None, fresh()),                                                           # 18
        good("将来入党", fresh(), 入党日期=(date.today() + timedelta(days=30)).isoformat(), 转正日期=None, 党员类别=None),  # 19
    ]
    expected = {
        3: ("公民身份号码", "科学计数法"), 4: ("公民身份号码", "校验位错误"), 5: ("入党日期", "日期不存在"),
        6: ("学历", "无法识别的学历"), 7: ("公民身份号码", "与第2行的公民身份号码重复"), 8: ("所在党组织", "对应多个党组织"),
        9: ("所在党组织", "党组织不存在或不在导入范围内"), 10: ("入党日期", "入党时未满十八周岁"),
        11: ("党员类别", "为预备党员，但填写了转正日期"), 12: ("出生日期", "与公民身份号码不一致（身份证号中为1975-03-17）"),
        13: ("学历", "不能为空"), 14: ("转正日期", "预备期为一年"), 15: ("联系电话", "格式不正确"),
        16: ("公民身份号码", "管理范围以外"), 18: ("姓名", "不能为空"), 19: ("入党日期", "不能晚于今天"),
    }
    return [BAD_HEADER, *rows], expected


@pytest.fixture
def bad_file(session, tree, tmp_path):
    make_member(session, tree.jiangkou, id_number=OTHER_ID, name="外县人")
    rows, expected = bad_rows()
    return write_workbook(tmp_path / "bad.xlsx", rows), expected


def test_each_bad_row_is_reported_with_its_row_column_and_reason(session, tree, bad_file):
    path, expected = bad_file
    result, _ = run(session, path, scope=county_scope(tree), target=tree.county)
    found = {e.row: (e.column, e.reason) for e in result.errors}
    assert set(found) == set(expected), found
    for row, (column, reason) in expected.items():
        assert found[row][0] == column and reason in found[row][1], (row, found[row])
    assert (result.rows, result.creates, result.error_rows) == (18, 2, 16)
    assert [c.name for c in result.create_samples] == ["好人甲", "好人乙"]


def test_all_or_nothing_writes_nothing_when_a_row_fails(session, tree, bad_file):
    path, _ = bad_file
    before = members(session)
    result, _ = run(session, path, ImportMode.all_or_nothing, scope=county_scope(tree), target=tree.county)
    assert not result.written and result.created == 0
    assert members(session) == before


def test_valid_only_writes_exactly_the_valid_rows(session, tree, bad_file):
    path, _ = bad_file
    before = members(session)
    result, _ = run(session, path, ImportMode.valid_only, scope=county_scope(tree), target=tree.county)
    assert result.written and (result.created, result.updated) == (2, 0)
    assert members(session) == before + 2
    assert {m.name for m in session.scalars(select(Member).where(Member.org_id == tree.heping.id))} == {"好人甲", "好人乙"}
    assert member_by_number(session, OTHER_ID).name == "外县人"  # outside the importer's scope: untouched


def test_the_error_workbook_gives_the_bad_rows_back_ready_to_fix(session, tree, bad_file, tmp_path):
    path, expected = bad_file
    _, plan = run(session, path, scope=county_scope(tree), target=tree.county)
    out = tmp_path / "errors.xlsx"
    assert service.write_error_workbook(plan, out) == len(expected)
    rows = read_rows(out)
    assert "共 16 行" in rows[0][0]
    header = rows[1]
    assert header == [*BAD_HEADER, "行号", "列", "错误原因"]
    by_row = {int(r[-3]): r for r in rows[2:]}
    assert set(by_row) == set(expected)
    original = bad_rows()[0]
    for row, (column, reason) in expected.items():
        assert by_row[row][-2] == column and reason in by_row[row][-1]
        assert by_row[row][header.index("姓名")] == (original[row - 1][0] or "")
    assert by_row[3][2] == pytest.approx(4.30421197503e17)  # the original value, as it was (a number)

    # Fixed in place and imported again: the three extra columns are recognised, not "unknown".
    fixed = [list(r) for r in rows]
    fix = {5: ("入党日期", "2000-02-28"), 6: ("学历", "本科"), 13: ("学历", "大专")}
    for row, (column, value) in fix.items():
        fixed[2 + sorted(by_row).index(row)][header.index(column)] = value
    again, _ = run(session, write_workbook(tmp_path / "fixed.xlsx", fixed), ImportMode.valid_only,
                   scope=county_scope(tree), target=tree.county)
    # The three fixed rows, and row 7, no longer a duplicate (row 2 was never written: a preview).
    assert again.unknown_columns == [] and again.created == 4
    assert {c.name for c in again.create_samples} == {"坏日期", "坏学历", "没学历", "重复"}


# ------------------------------------------------------------------------- header and scope

def test_unknown_missing_and_duplicate_columns_are_reported(session, tree, tmp_path):
    rows = [["身份证号", "姓名", "手机", "电话", "籍贯"], [GOOD_ID, "甲", "13812345678", "13812345678", "湖南"]]
    result, _ = run(session, write_workbook(tmp_path / "cols.xlsx", rows))
    assert result.unknown_columns == ["籍贯"] and result.duplicate_columns == ["电话"]
    assert result.missing_columns == ["学历", "人员类别", "入党日期", "所在党组织"]
    assert {(e.column, e.reason) for e in result.errors} == {("学历", "不能为空"), ("人员类别", "不能为空"), ("入党日期", "不能为空")}


def test_a_branch_given_as_target_fills_the_organization(session, tree, tmp_path):
    rows = [["姓名", "身份证号", "学历", "人员类别", "入党日期"], ["甲", GOOD_ID, "本科", "工人", "2000-07-01"]]
    result, _ = run(session, write_workbook(tmp_path / "branch.xlsx", rows), ImportMode.valid_only, target=tree.heping)
    assert result.missing_columns == [] and result.created == 1
    assert member_by_number(session, GOOD_ID).org_id == tree.heping.id


def test_files_that_cannot_be_imported_say_why(session, tree, tmp_path):
    no_id = write_workbook(tmp_path / "noid.xlsx", [["姓名", "学历", "入党日期"], ["甲", "本科", "2000-01-01"]])
    with pytest.raises(ValidationFailed, match="没有“公民身份号码”"):
        run(session, no_id)
    no_header = write_workbook(tmp_path / "none.xlsx", [["这是", "一张", "别的表"], ["1", "2", "3"]])
    with pytest.raises(ValidationFailed, match="没有找到表头"):
        run(session, no_header)
    with pytest.raises(ValidationFailed, match="无法读取"):
        run(session, b"PK\x03\x04 not really a workbook")


def test_checking_costs_the_same_queries_for_ten_rows_or_forty(session, tree, tmp_path, engine):
    """Set-based: existing numbers and organizations are loaded once, not looked up per row."""
    for n in range(40):
        make_member(session, tree.heping, name=f"已有{n}", id_number=id_number(date(1970, 1, 1) + timedelta(days=n)))
    statements = []

    def count(*_args):
        statements.append(1)

    def queries(rows: int, *, changed: bool) -> int:
        data = [["姓名", "身份证号", "学历", "人员类别", "入党日期", "所在党组织"]]
        for n in range(rows):
            data.append([f"已有{n}{'改' if changed else ''}", id_number(date(1970, 1, 1) + timedelta(days=n)), "本科",
                         "工人", "2005-07-01", "和平村党支部"])
        for n in range(rows):  # and as many new members
            data.append([f"新人{n}", id_number(date(1960, 1, 1) + timedelta(days=n)), "本科", "工人", "2005-07-01", "和平村党支部"])
        path = write_workbook(tmp_path / f"{rows}-{changed}.xlsx", data)
        session.flush()
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            result, _ = run(session, path)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert result.error_rows == 0 and result.creates == rows
        return len(statements)

    assert queries(10, changed=False) == queries(40, changed=False) <= 3
    assert queries(10, changed=True) == queries(40, changed=True) <= 3
