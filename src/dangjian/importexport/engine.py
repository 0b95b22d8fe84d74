"""The Excel engine: read a workbook (python-calamine), find its header row, and write sheets row by
row in constant memory (xlsxwriter), formatted for print. Knows no domain: a domain describes its
columns with `Column` and gives them to `Spec`."""

import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter
from python_calamine import (
    CalamineError,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)
from xlsxwriter.utility import xl_col_to_name

from dangjian.errors import ValidationFailed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_SCAN_ROWS = 30  # title rows, notes and blank rows above the header are skipped within these
MIN_HEADER_MATCHES = 2
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class Column:
    """One column a domain reads and writes: its field, the standard header, the names real files
    give it, how to parse a cell (None: recognised but not imported, such as 序号) and how to show it."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    parse: Callable[[Any], Any] | None = None
    width: float = 12
    kind: str = "text"  # text | date | number: the cell format on export
    choices: tuple[str, ...] = ()  # labels offered by the template's drop-down list
    example: Any = None
    required: bool = False  # needed to create a record
    export: Callable[[Any], Any] | None = None  # a record's value for this column; None: not exported


def normalize_header(text: Any) -> str:
    """A header compared loosely: NFKC, no whitespace, no required-marks (*), no trailing colon."""
    result = unicodedata.normalize("NFKC", str(text))
    result = re.sub(r"\s+", "", result).replace("*", "")
    return result.rstrip(":")


_HINT = re.compile(r"\([^()]*\)$")  # 出生日期(yyyy-mm-dd), 入党日期(必填)


class Spec:
    """A domain's columns, found by any of their names."""

    def __init__(self, columns: Sequence[Column], *, key: str):
        self.columns = tuple(columns)
        self.key = key  # the column that identifies a record; without it nothing can be imported
        self.by_key = {c.key: c for c in self.columns}
        self._names: dict[str, Column] = {}
        for column in self.columns:
            for name in (column.header, *column.aliases):
                self._names.setdefault(normalize_header(name), column)

    def match(self, text: Any) -> Column | None:
        name = normalize_header(text)
        if not name:
            return None
        found = self._names.get(name)
        if found is None and _HINT.search(name):
            found = self._names.get(_HINT.sub("", name))
        return found


@dataclass
class Header:
    """Where the header row is and what each of its columns means."""

    sheet: str
    index: int  # position of the header row in the rows read
    excel_row: int  # its row number as Excel shows it (1-based)
    columns: dict[int, Column]  # position in the row -> column
    names: dict[int, str]  # position -> the header as written in the file
    unknown: list[str] = field(default_factory=list)
    missing: list[Column] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    def name_of(self, key: str) -> str | None:
        """The header the file uses for a column key."""
        for position, column in self.columns.items():
            if column.key == key:
                return self.names[position]
        return None


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    first_row: int  # Excel row number of rows[0]
    first_col: int  # 0-based Excel column of rows[i][0]

    def excel_row(self, index: int) -> int:
        return self.first_row + index

    def column_letter(self, position: int) -> str:
        return xl_col_to_name(self.first_col + position)


def _open(source: str | Path | bytes | BinaryIO) -> CalamineWorkbook:
    try:
        if isinstance(source, (str, Path)):
            return CalamineWorkbook.from_path(str(source))
        if isinstance(source, bytes):
            source = io.BytesIO(source)
        return CalamineWorkbook.from_filelike(source)
    except PasswordError:
        raise ValidationFailed("文件设有打开密码，请去除密码后再导入", field="file") from None
    except (CalamineError, OSError, ValueError) as error:
        raise ValidationFailed(f"无法读取该 Excel 文件（文件已损坏，或不是 .xlsx/.xls 格式）：{error}", field="file") from None


def read_sheets(source: str | Path | bytes | BinaryIO) -> Iterable[Sheet]:
    """The visible worksheets of a workbook, read one at a time."""
    workbook = _open(source)
    try:
        for meta in workbook.sheets_metadata:
            if meta.typ is not SheetTypeEnum.WorkSheet or meta.visible is not SheetVisibleEnum.Visible:
                continue
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=True)
            except CalamineError as error:
                raise ValidationFailed(f"无法读取工作表“{meta.name}”：{error}", field="file") from None
            start = sheet.start or (0, 0)
            yield Sheet(meta.name, rows, start[0] + 1, start[1])
    finally:
        workbook.close()


def detect_header(sheet: Sheet, spec: Spec, *, scan: int = HEADER_SCAN_ROWS) -> Header | None:
    """The row among the first `scan` that names the most known columns (title rows, blank rows and
    notes above it are skipped); None if no row names at least two."""
    best_index, best_count = -1, 0
    for index, row in enumerate(sheet.rows[:scan]):
        count = len({c.key for c in (spec.match(cell) for cell in row if isinstance(cell, str)) if c is not None})
        if count > best_count:
            best_index, best_count = index, count
    if best_count < MIN_HEADER_MATCHES:
        return None
    header = Header(sheet.name, best_index, sheet.excel_row(best_index), {}, {})
    seen: set[str] = set()
    for position, cell in enumerate(sheet.rows[best_index]):
        written = unicodedata.normalize("NFKC", str(cell)).strip() if cell not in (None, "") else ""
        if not written:
            continue
        header.names[position] = written
        column = spec.match(written)
        if column is None:
            header.unknown.append(written)
        elif column.key in seen:
            header.duplicates.append(written)
        else:
            seen.add(column.key)
            header.columns[position] = column
    header.missing = [c for c in spec.columns if c.required and c.key not in seen]
    return header


def find_table(source: str | Path | bytes | BinaryIO, spec: Spec) -> tuple[Sheet, Header]:
    """The worksheet whose header row names the most known columns, and that header."""
    best: tuple[Sheet, Header] | None = None
    for sheet in read_sheets(source):
        header = detect_header(sheet, spec)
        if header is not None and (best is None or len(header.columns) > len(best[1].columns)):
            best = (sheet, header)
    if best is None:
        names = "、".join(f"“{c.header}”" for c in spec.columns if c.required)
        raise ValidationFailed(f"没有找到表头：前{HEADER_SCAN_ROWS}行中没有一行包含{names}等列名", field="file")
    return best


def data_rows(sheet: Sheet, header: Header, *, skip: Callable[[list[Any]], bool] | None = None) -> Iterable[tuple[int, list[Any]]]:
    """(Excel row number, cells) of the rows below the header that hold anything; repeated header
    rows (printed rosters repeat them on every page) and rows `skip` rejects are left out."""
    header_row = sheet.rows[header.index]
    for index in range(header.index + 1, len(sheet.rows)):
        row = sheet.rows[index]
        if not any(cell != "" and cell is not None and not (isinstance(cell, str) and not cell.strip()) for cell in row):
            continue
        if row == header_row or (skip is not None and skip(row)):
            continue
        yield sheet.excel_row(index), row


# ----------------------------------------------------------------------------------------- writing

def excel_serial(day: date) -> int:
    return (day - EXCEL_EPOCH).days


def open_workbook(path: str | Path) -> xlsxwriter.Workbook:
    """A workbook written in constant memory: each row goes to disk as soon as the next one starts."""
    options = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
               "strings_to_urls": False}
    return xlsxwriter.Workbook(str(path), options)


@dataclass(frozen=True)
class OutColumn:
    header: str
    width: float = 12
    kind: str = "text"  # text | date | number


class TableWriter:
    """A sheet with a title, a line under it (reference date, scope), a frozen and repeated header,
    column widths, borders, A4 landscape fitted to the page width; rows appended in order."""

    def __init__(self, workbook: xlsxwriter.Workbook, name: str, columns: Sequence[OutColumn], *,
                 title: str | None = None, subtitle: str | None = None, header_note: str | None = None):
        self.workbook, self.columns = workbook, list(columns)
        self.sheet = workbook.add_worksheet(name[:31])
        last = len(self.columns) - 1
        self.formats = {
            "title": workbook.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}),
            "subtitle": workbook.add_format({"font_size": 10, "align": "left", "valign": "vcenter"}),
            "note": workbook.add_format({"font_size": 9, "font_color": "#7F7F7F", "text_wrap": True, "valign": "top"}),
            "header": workbook.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter",
                                           "text_wrap": True, "bg_color": "#D9E1F2"}),
        }
        cell = {"border": 1, "valign": "vcenter", "font_size": 10}
        self.cell_formats = {
            "text": workbook.add_format({**cell, "num_format": "@"}),
            "date": workbook.add_format({**cell, "num_format": "yyyy-mm-dd", "align": "center"}),
            "number": workbook.add_format({**cell, "num_format": "0"}),
        }
        self.bad_format = workbook.add_format({**cell, "num_format": "@", "bg_color": "#FFC7CE"})
        for position, column in enumerate(self.columns):
            self.sheet.set_column(position, position, column.width)
        self.row = 0
        if title:
            self.sheet.set_row(self.row, 30)
            self.sheet.merge_range(self.row, 0, self.row, max(last, 1), title, self.formats["title"])
            self.row += 1
        if subtitle:
            self.sheet.merge_range(self.row, 0, self.row, max(last, 1), subtitle, self.formats["subtitle"])
            self.row += 1
        if header_note:
            self.sheet.set_row(self.row, 48)
            self.sheet.merge_range(self.row, 0, self.row, max(last, 1), header_note, self.formats["note"])
            self.row += 1
        self.header_row = self.row
        self.sheet.set_row(self.row, 30)
        for position, column in enumerate(self.columns):
            self.sheet.write_string(self.row, position, column.header, self.formats["header"])
        self.row += 1
        self.first_data_row = self.row
        self.sheet.freeze_panes(self.row, 0)
        self.sheet.repeat_rows(self.header_row)
        self.sheet.set_landscape()
        self.sheet.set_paper(9)  # A4
        self.sheet.fit_to_pages(1, 0)
        self.sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        self.sheet.set_footer("&C第 &P 页，共 &N 页")
        self.column_formats = [self.cell_formats[c.kind] for c in self.columns]

    def append(self, values: Sequence[Any], *, bad: Iterable[int] = ()) -> None:
        """One row; a cell is written by its value's type (dates as Excel dates), in its column's format."""
        row, sheet, formats = self.row, self.sheet, self.column_formats
        date_format = self.cell_formats["date"]
        for col, value in enumerate(values):
            kind = type(value)
            if kind is str:
                if value:
                    sheet.write_string(row, col, value, formats[col])
                else:
                    sheet.write_blank(row, col, None, formats[col])
            elif value is None:
                sheet.write_blank(row, col, None, formats[col])
            elif kind is int or kind is float:
                sheet.write_number(row, col, value, formats[col])
            elif kind is date:
                sheet.write_number(row, col, (value - EXCEL_EPOCH).days, date_format)
            elif kind is datetime:
                sheet.write_number(row, col, (value.date() - EXCEL_EPOCH).days, date_format)
            elif kind is bool:
                sheet.write_boolean(row, col, value, formats[col])
            else:
                sheet.write_string(row, col, str(value), formats[col])
        for col in bad:  # cells to fix, shaded (written again: the row is still in memory)
            value = values[col] if col < len(values) else None
            if isinstance(value, (date, datetime)):
                value = value.isoformat()
            sheet.write(row, col, "" if value is None else value, self.bad_format)
        self.row += 1

    def drop_down(self, col: int, source: str | Sequence[str], *, rows: int = 5000) -> None:
        """A drop-down list on a column's data cells: labels inline, or a range ("=代码表!$A$2:$A$57")."""
        options = {"validate": "list", "source": source, "error_title": "取值无效",
                   "error_message": "请从下拉列表中选择", "error_type": "warning"}
        self.sheet.data_validation(self.first_data_row, col, self.first_data_row + rows - 1, col, options)


def write_lists(workbook: xlsxwriter.Workbook, lists: dict[str, Sequence[str]], *, name: str = "代码表") -> dict[str, str]:
    """A hidden sheet holding one list per column (drop-down sources longer than Excel's 255
    characters inline), and the range of each."""
    sheet = workbook.add_worksheet(name)
    ranges = {}
    keys = list(lists)
    for col, key in enumerate(keys):
        sheet.write_string(0, col, key)
    longest = max((len(v) for v in lists.values()), default=0)
    for row in range(longest):  # row by row: constant memory writes rows in order
        for col, key in enumerate(keys):
            if row < len(lists[key]):
                sheet.write_string(row + 1, col, lists[key][row])
    for col, key in enumerate(keys):
        letter = xl_col_to_name(col)
        ranges[key] = f"={name}!${letter}$2:${letter}${len(lists[key]) + 1}"
    sheet.hide()
    return ranges
