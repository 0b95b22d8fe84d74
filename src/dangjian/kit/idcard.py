"""Chinese citizen ID numbers (公民身份号码, GB 11643-1999): parsing, validation, generation."""

from __future__ import annotations

import math
import operator
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

__all__ = [
    "ADDRESS_CODES",
    "HENGYANG_COUNTY_CODES",
    "HENGYANG_RETIRED_CODES",
    "IdNumber",
    "IdNumberError",
    "check_char",
    "check_consistency",
    "is_known_address",
    "is_valid",
    "make_id_number",
    "mask",
    "normalize",
    "parse_id_number",
    "upgrade_15",
]

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = date(1900, 1, 1)
MAX_EXACT_FLOAT = 2**53

PROVINCES: dict[str, str] = {
    "110000": "北京市",
    "120000": "天津市",
    "130000": "河北省",
    "140000": "山西省",
    "150000": "内蒙古自治区",
    "210000": "辽宁省",
    "220000": "吉林省",
    "230000": "黑龙江省",
    "310000": "上海市",
    "320000": "江苏省",
    "330000": "浙江省",
    "340000": "安徽省",
    "350000": "福建省",
    "360000": "江西省",
    "370000": "山东省",
    "410000": "河南省",
    "420000": "湖北省",
    "430000": "湖南省",
    "440000": "广东省",
    "450000": "广西壮族自治区",
    "460000": "海南省",
    "500000": "重庆市",
    "510000": "四川省",
    "520000": "贵州省",
    "530000": "云南省",
    "540000": "西藏自治区",
    "610000": "陕西省",
    "620000": "甘肃省",
    "630000": "青海省",
    "640000": "宁夏回族自治区",
    "650000": "新疆维吾尔自治区",
    "710000": "台湾省",
    "810000": "香港特别行政区",
    "820000": "澳门特别行政区",
}

HENGYANG_COUNTY_CODES: tuple[str, ...] = (
    "430405",
    "430406",
    "430407",
    "430408",
    "430412",
    "430421",
    "430422",
    "430423",
    "430424",
    "430426",
    "430481",
    "430482",
)
HENGYANG_RETIRED_CODES: tuple[str, ...] = ("430402", "430403", "430404", "430411", "430425")

ADDRESS_CODES: dict[str, str] = {
    **PROVINCES,
    "110105": "北京市朝阳区",
    "340524": "安徽省定远县",
    "440524": "广东省汕头县",
    "430100": "长沙市",
    "430102": "芙蓉区",
    "430103": "天心区",
    "430104": "岳麓区",
    "430105": "开福区",
    "430111": "雨花区",
    "430121": "长沙县",
    "430200": "株洲市",
    "430300": "湘潭市",
    "430400": "衡阳市",
    "430401": "市辖区",
    "430402": "江东区",
    "430403": "城南区",
    "430404": "城北区",
    "430405": "珠晖区",
    "430406": "雁峰区",
    "430407": "石鼓区",
    "430408": "蒸湘区",
    "430411": "郊区",
    "430412": "南岳区",
    "430421": "衡阳县",
    "430422": "衡南县",
    "430423": "衡山县",
    "430424": "衡东县",
    "430425": "常宁县",
    "430426": "祁东县",
    "430481": "耒阳市",
    "430482": "常宁市",
    "430500": "邵阳市",
    "430600": "岳阳市",
    "430700": "常德市",
    "430800": "张家界市",
    "430900": "益阳市",
    "431000": "郴州市",
    "431100": "永州市",
    "431200": "怀化市",
    "431300": "娄底市",
    "433100": "湘西土家族苗族自治州",
    # Neighbouring counties whose people often work or settle in 衡阳 (some codes since retired).
    "430223": "攸县",
    "430321": "湘潭县",
    "430521": "邵东县",
    "430582": "邵东市",
    "430626": "平江县",
    "430981": "沅江市",
    "431021": "桂阳县",
    "431121": "祁阳县",
    "431181": "祁阳市",
    "360321": "江西省莲花县",
}

_FORM_18 = re.compile(r"[0-9]{17}[0-9X]")
_FORM_15 = re.compile(r"[0-9]{15}")
_DIGITS_6 = re.compile(r"[0-9]{6}")
_SCIENTIFIC = re.compile(r"[0-9]+(\.[0-9]*)?E[+-]?[0-9]+")
_PRECISION_LOST = "身份证号被存成了科学计数法，已丢失精度"


class IdNumberError(ValueError):
    """Raised with a Chinese message naming the reason, e.g. '公民身份号码校验位错误，应为X'."""


@dataclass(frozen=True)
class IdNumber:
    number: str
    address_code: str
    birth_on: date
    gender: str
    upgraded: bool


def normalize(raw: str | int | float) -> str:
    if isinstance(raw, bool):
        raise IdNumberError("公民身份号码类型无效")
    if isinstance(raw, float):
        if not math.isfinite(raw) or not raw.is_integer():
            raise IdNumberError("公民身份号码不能是小数")
        if abs(raw) >= MAX_EXACT_FLOAT:
            raise IdNumberError(_PRECISION_LOST)
        raw = int(raw)
    if isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str):
        raise IdNumberError("公民身份号码类型无效")
    text = unicodedata.normalize("NFKC", raw).strip().upper()
    if not text:
        raise IdNumberError("公民身份号码不能为空")
    if _SCIENTIFIC.fullmatch(text):
        raise IdNumberError(_PRECISION_LOST)
    return text


def check_char(first17: str) -> str:
    if not re.fullmatch(r"[0-9]{17}", first17):
        raise IdNumberError("计算校验位需要17位数字")
    total = sum(map(operator.mul, map(int, first17), WEIGHTS))
    return CHECK_CHARS[total % 11]


def upgrade_15(number15: str) -> str:
    text = normalize(number15)
    if not _FORM_15.fullmatch(text):
        raise IdNumberError("15位旧公民身份号码应为15位数字")
    first17 = f"{text[:6]}19{text[6:]}"
    return first17 + check_char(first17)


def is_known_address(code: str, strict: bool = False) -> bool:
    if not _DIGITS_6.fullmatch(code):
        return False
    if code in ADDRESS_CODES:
        return True
    if strict:
        return False
    return f"{code[:2]}0000" in PROVINCES and code[2:4] != "00"


def _birth_date(digits: str) -> date:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise IdNumberError(f"公民身份号码中的出生日期无效：{digits}") from None


def parse_id_number(
    raw: str | int | float, *, today: date | None = None, strict_address: bool = False
) -> IdNumber:
    text = normalize(raw)
    if len(text) not in (15, 18):
        raise IdNumberError(f"公民身份号码应为18位（或15位旧号码），实际为{len(text)}位")
    if not (_FORM_18 if len(text) == 18 else _FORM_15).fullmatch(text):
        raise IdNumberError("公民身份号码含有非法字符")
    upgraded = len(text) == 15
    number = upgrade_15(text) if upgraded else text

    birth_on = _birth_date(number[6:14])
    if birth_on < EARLIEST_BIRTH:
        raise IdNumberError("公民身份号码中的出生日期早于1900年1月1日")
    if birth_on > (today or date.today()):
        raise IdNumberError("公民身份号码中的出生日期晚于今天")

    address_code = number[:6]
    if not is_known_address(address_code, strict=strict_address):
        raise IdNumberError(f"公民身份号码地址码未知：{address_code}")

    expected = check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError(f"公民身份号码校验位错误，应为{expected}")

    gender = "male" if int(number[16]) % 2 else "female"
    return IdNumber(number, address_code, birth_on, gender, upgraded)


def is_valid(raw: str | int | float, **kw: object) -> bool:
    try:
        parse_id_number(raw, **kw)  # type: ignore[arg-type]
    except IdNumberError:
        return False
    return True


def make_id_number(address_code: str, birth_on: date, sequence: int) -> str:
    if not _DIGITS_6.fullmatch(address_code):
        raise IdNumberError(f"地址码应为6位数字：{address_code}")
    if not 0 <= sequence <= 999:
        raise IdNumberError(f"顺序码应在0到999之间：{sequence}")
    first17 = (
        f"{address_code}{birth_on.year:04d}{birth_on.month:02d}{birth_on.day:02d}{sequence:03d}"
    )
    return first17 + check_char(first17)


def mask(number: str) -> str:
    text = unicodedata.normalize("NFKC", number).strip().upper()
    if len(text) == 18:
        return f"{text[:6]}{'*' * 8}{text[-4:]}"
    if len(text) <= 5:
        return "*" * len(text)
    return f"{text[:3]}{'*' * (len(text) - 5)}{text[-2:]}"


_GENDER_ALIASES = {"male": "male", "female": "female", "男": "male", "女": "female"}


def check_consistency(
    id_number: IdNumber, *, birth_on: date | None, gender: str | None
) -> list[str]:
    problems: list[str] = []
    if birth_on is not None and birth_on != id_number.birth_on:
        problems.append("出生日期与身份证号不一致")
    if gender is not None:
        canonical = _GENDER_ALIASES.get(gender.strip().lower())
        if canonical is None:
            raise ValueError(f"未知的性别取值：{gender}")
        if canonical != id_number.gender:
            problems.append("性别与身份证号不一致")
    return problems
