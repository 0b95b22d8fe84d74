"""The cell parsers: every form organizers type, and a Chinese reason for what cannot be read."""

from datetime import date, datetime

import pytest

from dangjian.importexport import values
from dangjian.kit.idcard import make_id_number, upgrade_15
from dangjian.member.codes import EDUCATIONS, ETHNICITIES

MARCH_1 = date(1975, 3, 1)


@pytest.mark.parametrize("raw", [
    "1975-03-01", "1975/3/1", "1975.3.1", "1975年3月1日", "1975年03月01日", "19750301", 19750301.0,
    "１９７５－０３－０１", " 1975-03-01 ", "1975-03-01 00:00:00", "1975 年 3 月 1 日", 27454.0, 27454, "27454",
    27454.75, datetime(1975, 3, 1, 8, 30), MARCH_1,
])
def test_dates_written_every_way_with_the_day(raw):
    assert values.parse_date_precision(raw) == (MARCH_1, True)


@pytest.mark.parametrize("raw", ["1975.03", "1975.3", "1975-03", "1975/3", "1975年3月", "197503", 197503.0, 1975.03, 1975.3])
def test_year_and_month_give_the_first_of_the_month(raw):
    assert values.parse_date_precision(raw) == (MARCH_1, False)


def test_number_with_one_decimal_after_the_year():
    assert values.parse_date(1975.12) == date(1975, 12, 1)
    assert values.parse_date("1975.1") == date(1975, 1, 1)  # text keeps its digits
    with pytest.raises(ValueError, match="无法区分1月还是10月"):
        values.parse_date(1975.1)  # 1975.10 and 1975.1 are the same number


def test_excel_serials_around_the_phantom_leap_day():
    assert values.parse_date(1.0) == date(1900, 1, 1)
    assert values.parse_date(59.0) == date(1900, 2, 28)
    assert values.parse_date(61.0) == date(1900, 3, 1)
    assert values.parse_date(45657.0) == date(2024, 12, 31)
    with pytest.raises(ValueError, match="1900年2月29日"):
        values.parse_date(60.0)


@pytest.mark.parametrize(("raw", "reason"), [
    ("1975-02-30", "日期不存在"), ("1975-13-01", "月份无效"), ("1875-03-01", "年份超出范围"), ("1975", "只有年份"),
    (1975.0, "只有年份"), ("三月一日", "无法识别的日期"), ("75.3.1", "无法识别的日期"), (True, "无法识别的日期"),
    (-5.0, "无法识别的日期"), ("1975.3.1.2", "无法识别的日期"),
])
def test_bad_dates_say_why_in_chinese(raw, reason):
    with pytest.raises(ValueError, match=reason):
        values.parse_date(raw)


ID = make_id_number("430421", date(1975, 3, 1), 1)  # a man born 1 March 1975
ID_X = next(n for s in range(999) if (n := make_id_number("430421", date(1980, 1, 1), s)).endswith("X"))


@pytest.mark.parametrize("raw", [ID, f" {ID} ", ID.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"}),
                                 f"{ID[:6]} {ID[6:14]} {ID[14:]}", f"'{ID}"])
def test_id_numbers_as_text(raw):
    assert values.parse_id_number(raw).number == ID


def test_lowercase_x_is_made_uppercase():
    parsed = values.parse_id_number(ID_X.lower())
    assert parsed.number == ID_X and parsed.birth_on == date(1980, 1, 1)


def test_fifteen_digit_numbers_upgrade_as_text_and_as_numbers():
    legacy = "430421750301001"
    expected = upgrade_15(legacy)
    assert values.parse_id_number(legacy).number == expected
    parsed = values.parse_id_number(float(legacy))  # calamine gives numbers as floats
    assert parsed.number == expected and parsed.upgraded and parsed.gender == "male"


@pytest.mark.parametrize("raw", [4.30421197503e17, float(ID[:17]) * 10, 4.3042119750301e+17, "4.30421E+17", 1e16])
def test_eighteen_digit_numbers_stored_as_numbers_lost_precision(raw):
    with pytest.raises(ValueError, match="科学计数法"):
        values.parse_id_number(raw)


@pytest.mark.parametrize(("raw", "reason"), [
    (ID[:-1] + ("0" if ID[-1] != "0" else "1"), "校验位错误"), (ID[:17], "实际为17位"), (430421.5, "科学计数法"),
    ("43042119750230001X", "出生日期无效"), (True, "应为18位"),
])
def test_bad_id_numbers(raw, reason):
    with pytest.raises(ValueError, match=reason):
        values.parse_id_number(raw)


@pytest.mark.parametrize(("raw", "code"), [
    ("大专", "31"), ("大学专科", "31"), ("大学专科毕业", "31"), ("专科", "31"), ("大专肄业", "33"), ("本科", "21"),
    ("大学本科", "21"), ("大学", "21"), ("本科学历", "21"), ("研究生", "14"), ("硕士", "14"), ("硕士研究生", "14"),
    ("博士", "11"), ("博士研究生毕业", "11"), ("中专", "41"), ("中技", "47"), ("技校", "47"), ("职高", "44"),
    ("高中", "61"), ("普通高中毕业", "61"), ("初中", "71"), ("初中肄业", "73"), ("小学", "81"), ("小学文化", "81"),
    ("省委党校大学", "21"), ("中央党校研究生", "14"), ("在职研究生", "14"), ("21", "21"), (21.0, "21"), ("３１", "31"),
    ("20", "21"), (" 大 专 ", "31"), ("其他", "90"),
])
def test_education_variants(raw, code):
    assert values.parse_education(raw) == code


def test_every_standard_education_name_and_code_reads_back():
    for code, (label, _group) in EDUCATIONS.items():
        assert values.parse_education(label) == code
        assert values.parse_education(code) == code


@pytest.mark.parametrize(("raw", "reason"), [("初中结业", "没有“初中结业”"), ("幼儿园", "无法识别的学历"), ("99", "不是有效的学历代码")])
def test_bad_education(raw, reason):
    with pytest.raises(ValueError, match=reason):
        values.parse_education(raw)


@pytest.mark.parametrize(("raw", "code"), [
    ("汉族", "01"), ("汉", "01"), ("土家族", "15"), ("土家", "15"), ("蒙古", "02"), ("毛难族", "36"), ("毛难", "36"),
    ("崩龙族", "46"), ("傈傈族", "20"), ("01", "01"), ("1", "01"), (1.0, "01"), (15.0, "15"), (" 苗 族 ", "06"),
])
def test_ethnicity_names_old_names_and_codes(raw, code):
    assert values.parse_ethnicity(raw) == code


def test_every_ethnicity_name_reads_back():
    assert all(values.parse_ethnicity(label) == code for code, label in ETHNICITIES.items())
    with pytest.raises(ValueError, match="无法识别的民族：火星族"):
        values.parse_ethnicity("火星族")


@pytest.mark.parametrize(("raw", "code"), [("男", "male"), ("女", "female"), ("男性", "male"), (" 女 ", "female"), (1.0, "male"), ("2", "female")])
def test_gender(raw, code):
    assert values.parse_gender(raw) == code


@pytest.mark.parametrize(("raw", "code"), [
    ("工人", "worker"), ("工人（工勤技能人员）", "worker"), ("工人(工勤技能人员)", "worker"), ("农民", "farmer"),
    ("农牧渔民", "farmer"), ("专业技术人员", "professional"), ("企事业单位、社会组织专业技术人员", "professional"),
    ("管理人员", "manager"), ("公务员", "civil_servant"), ("党政机关工作人员", "civil_servant"), ("学生", "student"),
    ("离退休人员", "retired"), ("退休", "retired"), ("其他职业人员", "other"), ("worker", "worker"),
])
def test_occupation_labels_and_short_forms(raw, code):
    assert values.parse_occupation(raw) == code


@pytest.mark.parametrize(("raw", "code"), [("在岗", "in_service"), ("在职", "in_service"), ("离退休", "retired"), ("退休", "retired"),
                                           ("下岗", "laid_off"), ("失业", "unemployed"), ("外出务工", "migrant_worker"),
                                           ("解除劳动合同", "contract_ended")])
def test_employment(raw, code):
    assert values.parse_employment(raw) == code


def test_category_yes_no_and_unknown_labels():
    assert [values.parse_category(v) for v in ("正式", "正式党员", "预备", "预备党员", "中共预备党员")] == \
        ["full", "full", "probationary", "probationary", "probationary"]
    assert [values.parse_yes_no(v) for v in ("是", "否", "√", True, 0.0, "Y")] == [True, False, True, True, False, True]
    for parser, raw, reason in ((values.parse_gender, "未知", "性别"), (values.parse_occupation, "宇航员", "人员类别"),
                                (values.parse_employment, "休假", "工作状况"), (values.parse_category, "积极分子", "党员类别"),
                                (values.parse_yes_no, "也许", "应填“是”或“否”")):
        with pytest.raises(ValueError, match=reason):
            parser(raw)


def test_text_spaces_and_full_width():
    assert values.name(" 张  三 ") == "张三"
    assert values.name("阿依古丽•买买提") == "阿依古丽·买买提"
    assert values.name("John  Smith") == "John Smith"
    assert values.text("衡阳市　蒸湘区\n联合街１２号（东段）") == "衡阳市蒸湘区联合街12号（东段）"
    assert values.text(12.0) == "12" and values.text(12.5) == "12.5"
    assert values.parse_phone(13812345678.0) == "13812345678"
    assert values.parse_phone("+86 138-1234-5678") == "13812345678"
    assert values.parse_phone("0734-8123456") == "0734-8123456"
    assert values.is_blank("  ") and values.is_blank("\u3000") and values.is_blank(None) and not values.is_blank(0.0)
