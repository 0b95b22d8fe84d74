"""Real .xlsx files built in the tests (xlsxwriter), an organization tree to import into, and ID
numbers in every form rosters carry them."""

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import xlsxwriter
from python_calamine import CalamineWorkbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from dangjian.kit.idcard import make_id_number
from dangjian.member.models import Member
from dangjian.org.codes import OrgKind
from tests.factories import make_org

FULL_WIDTH_DIGITS = {ord(c): 0xFF10 + int(c) for c in "0123456789"}


def write_workbook(path: Path, rows: list[list[Any]], *, title: str | None = None, before: list[list[Any]] = (),
                   sheet: str = "Sheet1") -> Path:
    """Rows written as typed cells: str as text, int/float as numbers, date/datetime as date cells,
    None as an empty cell ([] is a blank row). `title` becomes a merged title row on top."""
    workbook = xlsxwriter.Workbook(str(path))
    worksheet = workbook.add_worksheet(sheet)
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    at = 0
    width = max(len(r) for r in rows)
    if title:
        worksheet.merge_range(0, 0, 0, width - 1, title)
        at = 1
    for row in [*before, *rows]:
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime):
                worksheet.write_datetime(at, col, value, day)
            elif isinstance(value, date):
                worksheet.write_datetime(at, col, datetime.combine(value, time()), day)
            elif isinstance(value, bool):
                worksheet.write_boolean(at, col, value)
            elif isinstance(value, (int, float)):
                worksheet.write_number(at, col, value)
            else:
                worksheet.write_string(at, col, value)
        at += 1
    workbook.close()
    return path


def read_rows(path: Path | bytes, sheet: int = 0) -> list[list[Any]]:
    book = CalamineWorkbook.from_path(str(path)) if isinstance(path, Path) else CalamineWorkbook.from_filelike(__import__("io").BytesIO(path))
    return book.get_sheet_by_index(sheet).to_python()


def serial(day: date) -> float:
    return float((day - date(1899, 12, 30)).days)


def id_number(born: date, *, male: bool = True, address: str = "430421", ending_x: bool = False, skip: int = 0) -> str:
    """A valid ID number; `ending_x` finds one whose check character is X."""
    for sequence in range(skip, 1000):
        if sequence % 2 != (1 if male else 0):
            continue
        number = make_id_number(address, born, sequence)
        if number.endswith("X") == ending_x:
            return number
    raise AssertionError("no such number")


def legacy(number18: str) -> str:
    """The 15-digit form of an 18-digit number of someone born in the 1900s."""
    assert number18[6:8] == "19"
    return number18[:6] + number18[8:17]


def member_by_number(session: Session, number: str) -> Member | None:
    return session.scalar(select(Member).where(Member.id_number == number))


class Tree:
    """衡阳市 → 衡阳县 (西渡镇: 和平村, 第一; 井头镇: 第一, 新桥村) and 衡南县 (江口村)."""

    def __init__(self, session: Session):
        self.city = make_org(session, None, name="中共衡阳市委员会", kind=OrgKind.local_committee, code="T430400")
        self.county = make_org(session, self.city, name="中共衡阳县委员会", kind=OrgKind.local_committee, code="T430421")
        self.xidu = make_org(session, self.county, name="中共西渡镇委员会", kind=OrgKind.committee, code="T-XIDU")
        self.jingtou = make_org(session, self.county, name="中共井头镇委员会", kind=OrgKind.committee, code="T-JINGTOU")
        self.heping = make_org(session, self.xidu, name="中共和平村支部委员会", code="T-HEPING")
        self.xidu_first = make_org(session, self.xidu, name="中共第一支部委员会", code="T-XIDU-1")
        self.jingtou_first = make_org(session, self.jingtou, name="中共第一支部委员会", code="T-JINGTOU-1")
        self.xinqiao = make_org(session, self.jingtou, name="中共新桥村支部委员会", code="T-XINQIAO")
        self.other_county = make_org(session, self.city, name="中共衡南县委员会", kind=OrgKind.local_committee, code="T430422")
        self.jiangkou = make_org(session, self.other_county, name="中共江口村支部委员会", code="T-JIANGKOU")
