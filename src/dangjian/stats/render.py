"""The statistics report as a terminal table, JSON and an Excel sheet (same sections in each)."""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from rich.console import Console
from rich.table import Table

from dangjian.member.codes import EducationGroup, Employment, Gender, Occupation
from dangjian.org.codes import DivisionKind, OrgKind, UnitKind, VillageClass

SHEET_NAME = "统计报表"
AGE_BAND_LABELS = {
    "30_and_under": "30岁及以下",
    "31_35": "31至35岁",
    "36_40": "36至40岁",
    "41_45": "41至45岁",
    "46_50": "46至50岁",
    "51_55": "51至55岁",
    "56_60": "56至60岁",
    "61_and_over": "61岁及以上",
}
SPEECH_AGE_LABELS = {"46_54": "46至54岁", "60_and_over": "60岁及以上"}


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    share: float | None = None


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[Row]


def _shared(label: str, part: dict[str, Any]) -> Row:
    return Row(label, part["count"], part["share"])


def sections(report: dict[str, Any]) -> list[Section]:
    """The report as titled sections of (label, count, share) rows, in display order."""
    d = report["divisions"]
    u = report["units"]
    o = report["organizations"]
    v = report["villages"]
    m = report["members"]
    r = report["restructured_enterprises"]
    return [
        Section(
            "行政区划",
            [
                Row("乡镇", d["townships"]),
                Row(f"  其中：{DivisionKind.town.label}", d["township_level"]["town"]),
                Row(f"  其中：{DivisionKind.township.label}", d["township_level"]["township"]),
                Row("城市街道", d["streets"]),
                Row(DivisionKind.village.label, d["villages"]),
                Row("城市社区", d["communities"]),
            ],
        ),
        Section(
            "单位",
            [
                Row("单位合计", u["total"]),
                *(Row(kind.label, u["by_kind"].get(kind.value, 0)) for kind in UnitKind),
                Row("改制、关停、破产国有企业", u["restructured"]),
            ],
        ),
        Section(
            "党组织",
            [
                Row("基层党组织合计", o["total"]),
                Row(OrgKind.committee.label, o["committees"]),
                Row(OrgKind.general_branch.label, o["general_branches"]),
                Row(OrgKind.branch.label, o["branches"]),
                Row(f"  其中：{OrgKind.joint_branch.label}", o["joint_branches"]),
                Row(
                    f"{OrgKind.local_committee.label}（不计入）",
                    o["others"][OrgKind.local_committee.value],
                ),
                Row(
                    f"{OrgKind.working_committee.label}（不计入）",
                    o["others"][OrgKind.working_committee.value],
                ),
            ],
        ),
        Section(
            f"建制村分类定级（{v['year']}年）",
            [
                Row("建制村", v["total"]),
                *(Row(f"{grade.label}村", v["by_class"][grade.value]) for grade in VillageClass),
                Row("未定级", v["by_class"]["unclassified"]),
            ],
        ),
        Section(
            "党员",
            [
                Row("党员总数", m["total"]),
                Row("正式党员", m["full"]),
                Row("预备党员", m["probationary"]),
                _shared("少数民族党员", m["ethnic_minority"]),
                _shared("流出党员", m["floating_out"]),
                _shared("流入党员", m["floating_in"]),
                _shared("失联党员", m["lost_contact"]),
                _shared("无职党员", m["without_post"]),
            ],
        ),
        Section("性别", [_shared(f"{g.label}党员", m["by_gender"][g.value]) for g in Gender]),
        Section(
            "年龄",
            [_shared(label, m["by_age_band"][key]) for key, label in AGE_BAND_LABELS.items()],
        ),
        Section(
            "年龄（讲话口径）",
            [_shared(label, m["speech_age"][key]) for key, label in SPEECH_AGE_LABELS.items()],
        ),
        Section("学历", [_shared(g.label, m["by_education"][g.value]) for g in EducationGroup]),
        Section("人员类别", [_shared(x.label, m["by_occupation"][x.value]) for x in Occupation]),
        Section("工作状况", [_shared(e.label, m["by_employment"][e.value]) for e in Employment]),
        Section(
            "改制关停破产企业",
            [
                Row("企业数", r["units"]),
                Row("党员数", r["members"]),
                *(Row(f"  {e.label}", r["by_employment"][e.value]) for e in Employment),
            ],
        ),
    ]


def title(report: dict[str, Any]) -> str:
    day = date.fromisoformat(report["as_of"])
    return f"{report['org']['name']} 党内统计报表（截至{day.year}年{day.month}月{day.day}日）"


def format_count(count: int) -> str:
    return f"{count:,}"


def format_share(share: float | None) -> str:
    return "" if share is None else f"{share:.1f}%"


def render_table(report: dict[str, Any], console: Console) -> None:
    console.print(f"[bold]{title(report)}[/bold]")
    for section in sections(report):
        table = Table(
            title=section.title, title_justify="left", show_header=True, header_style="bold"
        )
        table.add_column("项目", min_width=24)
        table.add_column("数量", justify="right", min_width=10)
        table.add_column("占比", justify="right", min_width=8)
        for row in section.rows:
            table.add_row(row.label, format_count(row.count), format_share(row.share))
        console.print(table)


def report_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def write_xlsx(report: dict[str, Any], path: str | Path) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    try:
        sheet = workbook.add_worksheet(SHEET_NAME)
        title_format = workbook.add_format(
            {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}
        )
        header = workbook.add_format(
            {"bold": True, "border": 1, "align": "center", "bg_color": "#D9E1F2"}
        )
        section_format = workbook.add_format({"bold": True, "border": 1, "bg_color": "#F2F2F2"})
        label = workbook.add_format({"border": 1})
        count = workbook.add_format({"border": 1, "num_format": "#,##0"})
        percent = workbook.add_format({"border": 1, "num_format": '0.0"%"'})
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, 1, 14)
        sheet.set_column(2, 2, 12)
        sheet.set_row(0, 24)
        sheet.merge_range(0, 0, 0, 2, title(report), title_format)
        sheet.write_row(1, 0, ["项目", "数量", "占比"], header)
        sheet.freeze_panes(2, 0)
        row_index = 2
        for section in sections(report):
            sheet.merge_range(row_index, 0, row_index, 2, section.title, section_format)
            row_index += 1
            for row in section.rows:
                sheet.write_string(row_index, 0, row.label, label)
                sheet.write_number(row_index, 1, row.count, count)
                if row.share is None:
                    sheet.write_blank(row_index, 2, None, percent)
                else:
                    sheet.write_number(row_index, 2, row.share, percent)
                row_index += 1
    finally:
        workbook.close()
