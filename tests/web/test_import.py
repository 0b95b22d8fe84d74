"""党员名册的导入与导出 on the roster page: the dialog's preview (counts, the first errors, the error
workbook), the confirmed valid-only write, and the export of the filtered roster."""

from datetime import date
from pathlib import Path
from urllib.parse import quote

import xlsxwriter
from playwright.sync_api import Page, expect
from python_calamine import CalamineWorkbook

from dangjian.kit.idcard import check_char, make_id_number
from dangjian.member.codes import Occupation
from tests.web.conftest import api_get, screenshot
from tests.web.test_members import roster_shows, shown_names

DIALOG = "[data-test=import-dialog]"
HEADERS = ["姓名", "公民身份号码", "性别", "出生日期", "民族", "学历", "人员类别", "入党日期", "转正日期", "所在党组织", "党组织编码"]


def rows_of(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def write_roster(path: Path, rows: list[list]) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("名册")
    sheet.write_row(0, 0, ["某镇党员名册"])
    sheet.write_row(1, 0, HEADERS)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            sheet.write_string(2 + i, j, value)
    workbook.close()


def a_branch(page: Page) -> dict:
    """A branch in the account's scope (the organization of a member on the roster)."""
    member = api_get(page, "/members?page_size=1")["items"][0]
    return api_get(page, f"/orgs/{member['org']['id']}")


def test_import_preview_errors_confirm_and_export(page_as, tmp_path):
    page = page_as("township")
    page.goto("/members")
    roster_shows(page, {})
    branch = a_branch(page)

    birth = date(1991, 4, 23)
    good_id = make_id_number("430421", birth, 757)  # odd sequence: male
    bad_first17 = make_id_number("430421", birth, 759)[:17]
    wrong = next(c for c in "0123456789X" if c != check_char(bad_first17))
    good_name, bad_name = "导入测试甲", "导入测试乙"
    common = ["男", "1991-04-23", "汉族", "大学本科毕业", Occupation.professional.label, "2015-07-01", "2016-07-01",
              branch["name"], branch["code"]]
    source = tmp_path / "名册.xlsx"
    write_roster(source, [[good_name, good_id, *common], [bad_name, bad_first17 + wrong, *common]])

    # The dialog: pick the file, the check runs, the preview shows the counts and the error.
    page.click("[data-test=import]")
    dialog = page.locator(DIALOG)
    expect(dialog.locator("[data-test=import-pick]")).to_be_visible()
    page.set_input_files("[data-test=import-file]", str(source))
    preview = dialog.locator("[data-test=import-preview]")
    expect(preview).to_be_visible()
    expect(preview.locator("[data-test=count-creates]")).to_have_text("1")
    expect(preview.locator("[data-test=count-errors]")).to_have_text("1")
    expect(preview.locator("[data-test=count-updates]")).to_have_text("0")
    reason = preview.locator("[data-test=error-reason]").first
    expect(reason).to_contain_text("校验位")
    expect(preview.locator("[data-test=import-errors] tbody tr").first).to_contain_text("4")  # the bad row's line
    screenshot(page, "import-preview")

    # The error workbook: the row's values plus 行号, 列, 错误原因.
    with page.expect_download() as download:
        preview.locator("[data-test=import-errors-download]").click()
    assert download.value.suggested_filename == "名册-错误行.xlsx"
    errors = rows_of(download.value.path())
    header = next(r for r in errors if "错误原因" in r)
    bad = next(r for r in errors if bad_name in r)
    assert "校验位" in str(bad[header.index("错误原因")])
    assert not any(good_name in r for r in errors)

    # Confirm with valid-only: the good row is written.
    dialog.locator("[data-test=mode-valid-only]").click()
    dialog.locator("[data-test=import-confirm]").click()
    done = dialog.locator("[data-test=import-done]")
    expect(done).to_be_visible()
    expect(done.locator("[data-test=done-created]")).to_have_text("1")
    expect(done.locator("[data-test=done-errors]")).to_have_text("1")
    dialog.locator("[data-test=import-close]").click()
    expect(dialog).to_be_hidden()

    page.fill("[data-test=filter-name]", good_name)
    page.click("[data-test=search]")
    roster_shows(page, {"name": good_name})
    assert shown_names(page) == [good_name]
    assert api_get(page, f"/members?name={quote(bad_name)}")["total"] == 0

    # Export the filtered roster: the header row and the new member.
    with page.expect_download() as download:
        page.click("[data-test=export]")
    assert download.value.suggested_filename.endswith(".xlsx")
    exported = rows_of(download.value.path())
    header = next(r for r in exported if "姓名" in r and "公民身份号码" in r)
    names = [r[header.index("姓名")] for r in exported[exported.index(header) + 1:]]
    assert good_name in names
    assert bad_name not in names


def test_import_rejects_a_file_that_is_not_excel(page_as, tmp_path):
    page = page_as("county")
    page.goto("/members")
    roster_shows(page, {})
    text = tmp_path / "名册.xlsx"
    text.write_text("姓名,公民身份号码\n", encoding="utf-8")
    page.click("[data-test=import]")
    page.set_input_files("[data-test=import-file]", str(text))
    expect(page.locator(".el-message--error")).to_contain_text("只能导入 Excel 文件")
    expect(page.locator(f"{DIALOG} [data-test=import-pick]")).to_be_visible()
