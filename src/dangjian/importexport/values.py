"""Cell values as organizers type them, parsed into what the roster stores.

Pure functions: each returns the value or raises ValueError with a Chinese reason. Callers skip
blank cells (`is_blank`) before parsing. Cells come from python-calamine: text, float (every number,
whole or not), bool, date/datetime, or "" for an empty cell.
"""

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

from dangjian.kit import idcard
from dangjian.member.codes import (
    EDUCATIONS,
    ETHNICITIES,
    ETHNICITY_ALIASES,
    Employment,
    Gender,
    Occupation,
)

# Full-width digits and letters (and the ideographic space) to ASCII; other full-width signs stay,
# so that free text such as "（东段）" keeps its own punctuation.
FULL_WIDTH = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
    0x3000: 0x20,
}
_SPACES = re.compile(r"\s+")
_CJK = "\u3400-\u9fff\uf900-\ufaff"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
_NAME_DOTS = str.maketrans({"•": "·", "・": "·", "∙": "·", "‧": "·", "．": "·", "﹒": "·"})


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(value: float) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("不是有效的数字")
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    return str(value)


_NEEDS_WORK = re.compile(r"[\s\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


def text(value: Any) -> str:
    """Free text: full-width digits and letters made ASCII, whitespace runs (line breaks too) made one
    space, spaces between Chinese characters removed ("张  三" → "张三"), ends trimmed."""
    if type(value) is str and not _NEEDS_WORK.search(value):
        return value  # already clean (most cells): nothing to do
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    result = _SPACES.sub(" ", str(value).translate(FULL_WIDTH)).strip()
    return _CJK_GAP.sub("", result)


def name(value: Any) -> str:
    """A person's name: as `text`, with the middle dots of minority names made one kind (·)."""
    return text(value).translate(_NAME_DOTS)


def _key(value: Any) -> str:
    """A code or label compared loosely: NFKC (all full-width forms), no whitespace, upper case."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_text(value)
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(value))).upper()


# ------------------------------------------------------------------------------------------ dates

EXCEL_EPOCH = date(1899, 12, 30)  # serial 0 as Excel counts from March 1900 on (it has a 29 Feb 1900)
MIN_YEAR, MAX_YEAR = 1900, 2100
MAX_SERIAL = (date(MAX_YEAR, 12, 31) - EXCEL_EPOCH).days
DATE_FORMS = "可写作 1975-03-01、1975/3/1、1975.3.1、1975年3月1日、19750301 或 1975.03"

_DAY = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T ]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_MONTH = re.compile(r"(\d{4})[-/.年](\d{1,2})月?份?")
_COMPACT_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})")
_COMPACT_MONTH = re.compile(r"(\d{4})(\d{2})")
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")


def _make(year: int, month: int, day: int, raw: Any) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"年份超出范围（{MIN_YEAR}—{MAX_YEAR}）：{raw}")
    if not 1 <= month <= 12:
        raise ValueError(f"月份无效：{raw}")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"日期不存在：{raw}") from None


def _from_serial(serial: float, raw: Any) -> date:
    whole = math.floor(serial)
    if whole == 60:
        raise ValueError(f"日期不存在（1900年2月29日）：{raw}")
    if whole < 60:  # Excel's serials before its phantom 29 February 1900 are one day off
        return date(1899, 12, 31) + timedelta(days=whole)
    return EXCEL_EPOCH + timedelta(days=whole)


def _from_number(value: float) -> tuple[date, bool]:
    if not math.isfinite(value):
        raise ValueError(f"无法识别的日期：{value}（{DATE_FORMS}）")
    if float(value).is_integer():
        number = int(value)
        if 10_000_000 <= number <= 99_999_999:  # 19750301 typed as a number
            return _make(number // 10_000, number // 100 % 100, number % 100, number), True
        if 100_000 <= number <= 999_999:  # 197503
            return _make(number // 100, number % 100, 1, number), False
        if MIN_YEAR <= number <= MAX_YEAR:
            raise ValueError(f"日期只有年份，缺少月份：{number}（{DATE_FORMS}）")
        if 1 <= number <= MAX_SERIAL:
            return _from_serial(number, number), True
        raise ValueError(f"无法识别的日期：{number}（{DATE_FORMS}）")
    year = int(value)
    if MIN_YEAR <= year <= MAX_YEAR:  # 1975.03 typed as a number: year.month
        decimals = f"{value:.6f}".rstrip("0").split(".")[1]
        if len(decimals) == 1 and decimals == "1":
            raise ValueError(f"无法区分1月还是10月：{value}（请写成 {year}.01 或 {year}.10，或把单元格设为文本）")
        if len(decimals) > 2:
            raise ValueError(f"无法识别的日期：{value}（{DATE_FORMS}）")
        return _make(year, int(decimals), 1, value), False
    if 1 <= value <= MAX_SERIAL:  # a serial with a time of day
        return _from_serial(value, value), True
    raise ValueError(f"无法识别的日期：{value}（{DATE_FORMS}）")


def parse_date_precision(value: Any) -> tuple[date, bool]:
    """The date and whether the day was given (False for a year and month only: then the 1st)."""
    if isinstance(value, datetime):
        return value.date(), True
    if isinstance(value, date):
        return value, True
    if isinstance(value, bool):
        raise ValueError(f"无法识别的日期：{value}（{DATE_FORMS}）")
    if isinstance(value, (int, float)):
        return _from_number(value)
    raw = _SPACES.sub("", unicodedata.normalize("NFKC", str(value)))
    if match := _DAY.fullmatch(raw):
        return _make(int(match[1]), int(match[2]), int(match[3]), raw), True
    if match := _MONTH.fullmatch(raw):
        return _make(int(match[1]), int(match[2]), 1, raw), False
    if match := _COMPACT_DAY.fullmatch(raw):
        return _make(int(match[1]), int(match[2]), int(match[3]), raw), True
    if match := _COMPACT_MONTH.fullmatch(raw):
        return _make(int(match[1]), int(match[2]), 1, raw), False
    if _SERIAL_TEXT.fullmatch(raw):  # a date cell turned into text shows its serial
        return _from_serial(float(raw), raw), True
    if re.fullmatch(r"\d{4}年?", raw):
        raise ValueError(f"日期只有年份，缺少月份：{raw}（{DATE_FORMS}）")
    raise ValueError(f"无法识别的日期：{raw}（{DATE_FORMS}）")


def parse_date(value: Any) -> date:
    return parse_date_precision(value)[0]


# ------------------------------------------------------------------------------------- ID numbers

NUMBER_HINT = "请把该列设为“文本”格式后重新录入完整号码"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
# The check sum of GB 11643 taken three digits at a time: the weighted sum of every chunk of three
# digits at each of the six places, looked up instead of computed digit by digit.
_ID_CHUNKS = [(start, min(start + 3, 17)) for start in range(0, 17, 3)]
_ID_CHUNK_SUMS = [
    {f"{n:0{end - start}d}": sum(int(d) * w for d, w in zip(f"{n:0{end - start}d}", idcard.WEIGHTS[start:end]))
     for n in range(10 ** (end - start))}
    for start, end in _ID_CHUNKS
]
_KNOWN_ADDRESS: dict[str, bool] = {}


def _fast_id_number(value: str, today: date) -> idcard.IdNumber | None:
    """The common case (18 characters, already clean, valid) without the general parser's steps;
    None sends the value to the general parser, which also words the reason."""
    if len(value) != 18 or not _ID_SHAPE.fullmatch(value):
        return None
    a, b, c, d, e, f = _ID_CHUNK_SUMS
    total = a[value[0:3]] + b[value[3:6]] + c[value[6:9]] + d[value[9:12]] + e[value[12:15]] + f[value[15:17]]
    if idcard.CHECK_CHARS[total % 11] != value[17]:
        return None
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    address = value[:6]
    known = _KNOWN_ADDRESS.get(address)
    if known is None:
        known = _KNOWN_ADDRESS[address] = idcard.is_known_address(address)
    if not known or not idcard.EARLIEST_BIRTH <= born <= today:
        return None
    return idcard.IdNumber(value, value[:6], born, "male" if int(value[16]) % 2 else "female", False)


def parse_id_number(value: Any, *, today: date | None = None) -> idcard.IdNumber:
    """An ID number typed as text (spaces, lowercase x, full-width digits) or stored as a number
    (calamine gives a float: exact only below 2**53, i.e. a 15-digit legacy number); 15-digit
    legacy numbers are upgraded to 18 digits."""
    if type(value) is str and (fast := _fast_id_number(value, today or date.today())) is not None:
        return fast
    if isinstance(value, bool) or isinstance(value, (date, datetime)):
        raise ValueError("公民身份号码应为18位号码")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer() or abs(value) >= 2**53:
            raise ValueError(f"身份证号被存成了数字（科学计数法），已丢失精度：{NUMBER_HINT}")
    elif isinstance(value, str):
        value = re.sub(r"[\s'‘’`]", "", unicodedata.normalize("NFKC", value))
    try:
        return idcard.parse_id_number(value, today=today)
    except idcard.IdNumberError as error:
        reason = str(error)
        if "科学计数法" in reason:
            reason = f"身份证号被存成了数字（科学计数法），已丢失精度：{NUMBER_HINT}"
        raise ValueError(reason) from None


def parse_phone(value: Any) -> str:
    """A phone number: a mobile typed with spaces, dashes or +86 comes out as 11 digits; anything
    else is left for the roster's own check."""
    raw = _SPACES.sub("", unicodedata.normalize("NFKC", text(value)))
    mobile = re.fullmatch(r"(?:\+?86)?(1\d{2})-?(\d{4})-?(\d{4})", raw)
    return "".join(mobile.groups()) if mobile else raw


# ------------------------------------------------------------------------------------------- codes

def _lookup(table: dict[str, str], value: Any, what: str, choices: str) -> str:
    key = _key(value)
    found = table.get(key)
    if found is None:
        raise ValueError(f"无法识别的{what}：{text(value)}（{choices}）")
    return found


GENDERS = {"男": "male", "男性": "male", "M": "male", "MALE": "male", "1": "male",
           "女": "female", "女性": "female", "F": "female", "FEMALE": "female", "2": "female"}


def parse_gender(value: Any) -> str:
    return Gender(_lookup(GENDERS, value, "性别", "应为“男”或“女”")).value


def _ethnicities() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, label in ETHNICITIES.items():
        table[code] = code
        table[str(int(code))] = code
        table[label] = code
        table[label.removesuffix("族")] = code
    for label, code in {**ETHNICITY_ALIASES, "傈傈族": "20", "僳僳族": "20"}.items():  # old names, common misspellings
        table[label] = code
        table[label.removesuffix("族")] = code
    return table


ETHNICITY_TABLE = _ethnicities()


def parse_ethnicity(value: Any) -> str:
    return _lookup(ETHNICITY_TABLE, value, "民族", "应为56个民族之一，如“汉族”“土家族”，或其代码 01—56")


# GB/T 4658-2006: a level and how it ended (毕业, 结业, 肄业); None where the standard has no code.
EDUCATION_LEVELS: dict[str, tuple[str | None, str | None, str | None]] = {
    "博士研究生": ("11", "12", "13"), "博士": ("11", "12", "13"),
    "硕士研究生": ("14", "15", "16"), "硕士": ("14", "15", "16"), "研究生": ("14", "15", "16"),
    "研究生班": ("17", "18", "19"),
    "大学本科": ("21", "22", "23"), "本科": ("21", "22", "23"), "大学": ("21", "22", "23"),
    "大学普通班": ("28", None, None),
    "大学专科": ("31", "32", "33"), "专科": ("31", "32", "33"), "大专": ("31", "32", "33"),
    "高职": ("31", "32", "33"), "高等职业教育": ("31", "32", "33"),
    "中等专科": ("41", "42", "43"), "中专": ("41", "42", "43"), "中等专业学校": ("41", "42", "43"),
    "职业高中": ("44", "45", "46"), "职高": ("44", "45", "46"),
    "技工学校": ("47", "48", "49"), "技校": ("47", "48", "49"), "中技": ("47", "48", "49"),
    "普通高中": ("61", "62", "63"), "高中": ("61", "62", "63"), "普通高级中学": ("61", "62", "63"),
    "初中": ("71", None, "73"), "初级中学": ("71", None, "73"),
    "小学": ("81", None, "83"),
    "其他": ("90", None, None),
}
# The standard's level headers (20 大学本科教育) taken as that level's graduation.
EDUCATION_HEADERS = {"10": "14", "20": "21", "30": "31", "40": "41", "60": "61", "70": "71", "80": "81"}
EDUCATION_ENDINGS = (("毕业", 0), ("结业", 1), ("肄业", 2))
# Where the degree was earned does not change its level: 中央党校研究生 is 研究生.
EDUCATION_PREFIXES = ("中央党校", "省委党校", "市委党校", "县委党校", "党校", "在职", "全日制", "成人", "函授", "自考",
                      "电大", "网络教育", "业余")
EDUCATION_SUFFIXES = ("学历", "文化程度", "文化", "程度", "教育")
EDUCATION_CHOICES = "如“大学本科”“大专”“研究生”“中专”“高中”“初中”“小学”，或 GB/T 4658 学历代码"


def parse_education(value: Any) -> str:
    """A GB/T 4658 code from the code itself, its name, or the short names rosters use."""
    key = _key(value)
    if key.isdigit():
        code = key.zfill(2)
        if code in EDUCATIONS:
            return code
        if code in EDUCATION_HEADERS:
            return EDUCATION_HEADERS[code]
        raise ValueError(f"不是有效的学历代码：{key}（{EDUCATION_CHOICES}）")
    for code, (label, _group) in EDUCATIONS.items():
        if key == label:
            return code
    stem = key
    for prefix in EDUCATION_PREFIXES:
        stem = stem.removeprefix(prefix)
    for suffix in EDUCATION_SUFFIXES:
        stem = stem.removesuffix(suffix)
    ending = 0
    for word, index in EDUCATION_ENDINGS:
        if stem.endswith(word):
            stem, ending = stem.removesuffix(word), index
            break
    levels = EDUCATION_LEVELS.get(stem)
    if levels is None:
        raise ValueError(f"无法识别的学历：{text(value)}（{EDUCATION_CHOICES}）")
    code = levels[ending]
    if code is None:
        raise ValueError(f"学历代码中没有“{stem}{EDUCATION_ENDINGS[ending][0]}”：{text(value)}")
    return code


def _labeled(enum, aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for member in enum:
        table[_key(member.value)] = member.value
        table[_key(member.label)] = member.value
        for alias in aliases.get(member.value, ()):
            table[_key(alias)] = member.value
    return table


OCCUPATION_TABLE = _labeled(Occupation, {
    "worker": ("工人", "工勤技能人员", "工勤人员", "产业工人", "企业工人"),
    "farmer": ("农民", "牧民", "渔民", "农牧民", "农林牧渔人员"),
    "professional": ("专业技术人员", "专技人员", "企事业单位专业技术人员"),
    "manager": ("管理人员", "企业管理人员", "企事业单位管理人员"),
    "civil_servant": ("党政机关工作人员", "机关工作人员", "公务员", "机关干部", "参照公务员法管理人员"),
    "student": ("在校学生", "学生"),
    "other": ("其他", "其他人员", "其他职业", "自由职业者", "自由职业人员"),
    "retired": ("离退休", "退休", "离休", "退休人员", "离休人员", "离休干部"),
})
OCCUPATION_CHOICES = "可选：" + "、".join(m.label for m in Occupation) + "，或简称如“工人”“农民”“专业技术人员”“公务员”"


def parse_occupation(value: Any) -> str:
    return _lookup(OCCUPATION_TABLE, value, "人员类别", OCCUPATION_CHOICES)


EMPLOYMENT_TABLE = _labeled(Employment, {
    "in_service": ("在职", "在岗职工", "在岗人员"),
    "retired": ("退休", "离休", "离退休人员", "退休人员"),
    "laid_off": ("下岗人员", "下岗职工"),
    "unemployed": ("待业", "失业人员", "无业"),
    "contract_ended": ("解除劳动合同", "已解除劳动关系"),
    "migrant_worker": ("外出务工", "务工", "农民工", "进城务工人员"),
})
EMPLOYMENT_CHOICES = "可选：" + "、".join(m.label for m in Employment)


def parse_employment(value: Any) -> str:
    return _lookup(EMPLOYMENT_TABLE, value, "工作状况", EMPLOYMENT_CHOICES)


FULL, PROBATIONARY = "full", "probationary"
CATEGORY_LABELS = {FULL: "正式党员", PROBATIONARY: "预备党员"}
CATEGORY_TABLE = {
    **{_key(k): FULL for k in ("正式", "正式党员", "中共党员", "党员", "01", "1")},
    **{_key(k): PROBATIONARY for k in ("预备", "预备党员", "中共预备党员", "02", "2")},
}


def parse_category(value: Any) -> str:
    """党员类别: "full" (正式党员) or "probationary" (预备党员)."""
    return _lookup(CATEGORY_TABLE, value, "党员类别", "应为“正式党员”或“预备党员”")


YES_NO = {
    **{_key(k): True for k in ("是", "Y", "YES", "TRUE", "1", "√", "✓", "✔", "有", "流动", "流动党员")},
    **{_key(k): False for k in ("否", "N", "NO", "FALSE", "0", "×", "✗", "无", "不是", "非流动")},
}


def parse_yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    found = YES_NO.get(_key(value))
    if found is None:
        raise ValueError(f"应填“是”或“否”：{text(value)}")
    return found
