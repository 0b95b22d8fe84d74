"""The engine without a database: header detection, sheet choice, and the stand-in for the
roster's per-row ID-number query."""

import xlsxwriter
from sqlalchemy import select

from dangjian.importexport import engine, service
from dangjian.member.excel import SPEC
from dangjian.member.models import Member
from tests.importexport.workbooks import write_workbook


def test_the_header_is_the_row_naming_most_columns_below_titles_and_notes(tmp_path):
    rows = [["花名册"], [], ["填表说明：姓名 身份证号 必填"], ["单位：西渡镇", "姓名"],
            ["序号", "*姓名", "身份证号码\n（18位）", "出生日期(yyyy-mm-dd)", "入党时间：", "  民族 ", "籍贯"], [1, "甲"]]
    path = write_workbook(tmp_path / "h.xlsx", rows)
    sheet, header = engine.find_table(path, SPEC)
    assert (header.index, header.excel_row) == (4, 5)
    assert [c.key for _, c in sorted(header.columns.items())] == ["seq", "name", "id_number", "birth_on", "joined_on", "ethnicity"]
    assert header.unknown == ["籍贯"]
    assert [c.header for c in header.missing] == ["学历", "人员类别", "所在党组织"]
    assert list(engine.data_rows(sheet, header)) == [(6, [1.0, "甲", "", "", "", "", ""])]


def test_the_sheet_holding_the_roster_is_chosen_and_offsets_give_excel_rows(tmp_path):
    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("说明").write(0, 0, "本表为党员名册")
    roster = book.add_worksheet("名册")
    roster.write_row(3, 2, ["姓名", "公民身份号码", "学历"])  # starts at C4
    roster.write_row(4, 2, ["甲", "x", "本科"])
    book.close()
    sheet, header = engine.find_table(path, SPEC)
    assert sheet.name == "名册" and header.excel_row == 4
    assert [row for row, _ in engine.data_rows(sheet, header)] == [5]
    assert sheet.column_letter(1) == "D"


def test_the_rosters_id_number_query_is_recognised_and_nothing_else():
    assert service._id_number_lookup(select(Member.id).where(Member.id_number == "430421")) == "430421"
    assert service._id_number_lookup(select(Member.id).where(Member.name == "甲")) is None
    assert service._id_number_lookup(select(Member.name).where(Member.id_number == "430421")) is None
    assert service._id_number_lookup(select(Member.id).where(Member.id_number != "430421")) is None


def test_short_names_match_what_people_write():
    assert service.short_name("中共西渡镇委员会") == service.short_name("西渡镇党委") == "西渡镇委"
    assert service.short_name("中共和平村支部委员会") == service.short_name("和平村党支部") == "和平村支部"
    assert service.short_name("中国共产党衡阳县直属机关工作委员会") == "衡阳县直属机关工委"
