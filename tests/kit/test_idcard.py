import dataclasses
import random
from datetime import date, timedelta

import pytest

from dangjian.kit.idcard import (
    ADDRESS_CODES,
    HENGYANG_COUNTY_CODES,
    HENGYANG_RETIRED_CODES,
    IdNumber,
    IdNumberError,
    check_char,
    check_consistency,
    is_known_address,
    is_valid,
    make_id_number,
    mask,
    normalize,
    parse_id_number,
    upgrade_15,
)

TODAY = date(2024, 5, 10)
VALID_VECTORS = ["11010519491231002X", "34052419800101001X"]
PRE_1900_VECTOR = "440524188001010014"
PROVINCE_PREFIXES = (
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 "
    "71 81 82"
).split()


def ref_check(first17: str) -> str:
    """Independent ISO 7064 MOD 11-2: weights 2**(17-i) mod 11, value (12 - S mod 11) mod 11."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def with_check(first17: str) -> str:
    return first17 + ref_check(first17)


def raises_msg(raw, message: str, **kw) -> None:
    with pytest.raises(IdNumberError) as info:
        parse_id_number(raw, **kw)
    assert str(info.value) == message


# --- check character -------------------------------------------------------


@pytest.mark.parametrize(
    "number", ["11010519491231002X", "440524188001010014", "34052419800101001X"]
)
def test_published_vectors_check_char(number):
    assert check_char(number[:17]) == number[17]
    assert ref_check(number[:17]) == number[17]


@pytest.mark.parametrize("number", VALID_VECTORS)
def test_published_vectors_parse(number):
    parsed = parse_id_number(number, today=TODAY, strict_address=True)
    assert parsed.number == number
    assert parsed.address_code == number[:6]
    assert parsed.upgraded is False
    assert is_valid(number, strict_address=True)


def test_vector_details():
    a = parse_id_number("11010519491231002X", today=TODAY)
    assert (a.birth_on, a.gender) == (date(1949, 12, 31), "female")
    b = parse_id_number("34052419800101001X", today=TODAY)
    assert (b.birth_on, b.gender) == (date(1980, 1, 1), "male")


def test_pre_1900_vector_has_right_check_but_fails_birth_rule():
    assert check_char(PRE_1900_VECTOR[:17]) == "4"
    raises_msg(PRE_1900_VECTOR, "公民身份号码中的出生日期早于1900年1月1日", today=TODAY)


@pytest.mark.parametrize(
    ("number", "wrong"),
    [
        (number, wrong)
        for number in VALID_VECTORS + ["430421198001011239"]
        for wrong in "0123456789X"
        if wrong != number[17]
    ],
)
def test_wrong_check_char_names_expected(number, wrong):
    raises_msg(number[:17] + wrong, f"公民身份号码校验位错误，应为{number[17]}", today=TODAY)
    assert not is_valid(number[:17] + wrong, today=TODAY)


def test_check_char_matches_reference_and_covers_every_residue():
    rng = random.Random(11643)
    seen = set()
    for _ in range(5000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        char = check_char(first17)
        assert char == ref_check(first17)
        seen.add(char)
    assert seen == set("0123456789X")


@pytest.mark.parametrize(
    "bad", ["", "1234567890123456", "123456789012345678", "1234567890123456X", "１２３"]
)
def test_check_char_rejects_bad_input(bad):
    with pytest.raises(IdNumberError):
        check_char(bad)


# --- normalization ---------------------------------------------------------


def test_lowercase_x_normalized():
    parsed = parse_id_number("11010519491231002x", today=TODAY)
    assert parsed.number == "11010519491231002X"


@pytest.mark.parametrize(
    "raw",
    [
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２ｘ",
        "110105１９４９1231002X",
    ],
)
def test_full_width_normalized(raw):
    assert normalize(raw) == "11010519491231002X"
    assert parse_id_number(raw, today=TODAY).number == "11010519491231002X"


@pytest.mark.parametrize(
    "raw",
    [
        "  11010519491231002X",
        "11010519491231002X\n",
        "\t11010519491231002x \r\n",
        "\u300011010519491231002X\u3000",
    ],
)
def test_surrounding_whitespace_stripped(raw):
    assert parse_id_number(raw, today=TODAY).number == "11010519491231002X"


def test_inner_whitespace_is_not_removed():
    raises_msg(
        "110105 19491231002X", "公民身份号码应为18位（或15位旧号码），实际为19位", today=TODAY
    )


@pytest.mark.parametrize("raw", ["", "   ", "\u3000", "\n\t"])
def test_empty_rejected(raw):
    with pytest.raises(IdNumberError, match="不能为空"):
        normalize(raw)
    raises_msg(raw, "公民身份号码不能为空")


@pytest.mark.parametrize("length", [1, 5, 14, 16, 17, 19, 20])
def test_wrong_lengths(length):
    raw = "430421198001011239123"[:length].ljust(length, "1")
    assert len(raw) == length
    raises_msg(raw, f"公民身份号码应为18位（或15位旧号码），实际为{length}位", today=TODAY)


def test_length_zero_is_empty():
    assert not is_valid("")


@pytest.mark.parametrize(
    "raw",
    [
        "4304211980010112X9",
        "X30421198001011239",
        "43042119800101123A",
        "43042119800101123-",
        "430421-19800101-12",
        "43042180010112X",
        "430421٨00101123",
        "43042119800101123٩",
    ],
)
def test_illegal_characters(raw):
    raises_msg(raw, "公民身份号码含有非法字符", today=TODAY)


# --- int / float inputs -----------------------------------------------------


def test_int_input():
    assert parse_id_number(430421198001011239, today=TODAY).number == "430421198001011239"
    upgraded = parse_id_number(430421800101123, today=TODAY)
    assert upgraded.number == "430421198001011239"
    assert upgraded.upgraded is True
    assert normalize(430421198001011239) == "430421198001011239"


def test_integral_small_float_input():
    assert normalize(430421800101123.0) == "430421800101123"
    assert parse_id_number(430421800101123.0, today=TODAY).number == "430421198001011239"


@pytest.mark.parametrize(
    "raw",
    [
        430421198001011239.0,
        4.30421198001011e17,
        float(2**53),
        -float(2**53),
        "4.30421198001011E+17",
        "4.30421198001011e17",
        "4E17",
    ],
)
def test_scientific_notation_precision_lost(raw):
    with pytest.raises(IdNumberError) as info:
        normalize(raw)
    assert str(info.value) == "身份证号被存成了科学计数法，已丢失精度"
    assert not is_valid(raw)


def test_largest_exact_float_still_converts():
    assert normalize(float(2**53 - 1)) == str(2**53 - 1)


@pytest.mark.parametrize("raw", [430421800101123.5, float("nan"), float("inf")])
def test_non_integral_float(raw):
    with pytest.raises(IdNumberError, match="小数"):
        normalize(raw)


@pytest.mark.parametrize("raw", [None, True, False, b"430421198001011239", ["4"]])
def test_wrong_types(raw):
    with pytest.raises(IdNumberError, match="类型无效"):
        normalize(raw)
    assert not is_valid(raw)


def test_negative_int_is_illegal():
    raises_msg(-430421198001011239, "公民身份号码应为18位（或15位旧号码），实际为19位")
    raises_msg(-43042119800101123, "公民身份号码含有非法字符", today=TODAY)


# --- 15-digit legacy numbers -----------------------------------------------


def test_upgrade_15_example():
    assert upgrade_15("430421800101123") == "430421198001011239"
    parsed = parse_id_number("430421800101123", today=TODAY)
    assert parsed.number == "430421198001011239"
    assert parsed.birth_on == date(1980, 1, 1)
    assert parsed.upgraded is True
    assert parsed.gender == "male"
    assert parsed.address_code == "430421"


@pytest.mark.parametrize("seq", ["000", "001", "122", "999"])
def test_upgrade_inserts_19_and_computes_check(seq):
    old = f"110105491231{seq}"
    new = upgrade_15(old)
    assert new[:17] == f"11010519491231{seq}"
    assert new[17] == ref_check(new[:17])
    assert parse_id_number(old, today=TODAY).gender == ("male" if int(seq[-1]) % 2 else "female")


def test_upgrade_15_normalizes_full_width_and_whitespace():
    assert upgrade_15(" ４３０４２１８００１０１１２３ ") == "430421198001011239"


@pytest.mark.parametrize(
    "bad", ["43042180010112", "4304218001011234", "43042180010112X", "430421198001011239", ""]
)
def test_upgrade_15_rejects_bad_input(bad):
    with pytest.raises(IdNumberError):
        upgrade_15(bad)


def test_15_digit_invalid_date():
    raises_msg("430421990229123", "公民身份号码中的出生日期无效：19990229", today=TODAY)
    raises_msg("430421000229123", "公民身份号码中的出生日期无效：19000229", today=TODAY)


def test_15_digit_always_nineteenth_century():
    assert parse_id_number("430421991231124", today=TODAY).birth_on == date(1999, 12, 31)
    assert parse_id_number("430421000101124", today=TODAY).birth_on == date(1900, 1, 1)


# --- birth date --------------------------------------------------------------


@pytest.mark.parametrize(
    "ymd",
    [
        "20000229",
        "20040229",
        "19960229",
        "19000101",
        "19000228",
        "19990228",
        "19990301",
        "19800131",
        "19801231",
        "19800430",
        "19800630",
        "19801130",
        "20240510",
    ],
)
def test_valid_calendar_dates(ymd):
    number = with_check(f"430421{ymd}123")
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.birth_on == date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))


@pytest.mark.parametrize(
    "ymd",
    [
        "19990229",
        "19000229",
        "19000230",
        "20000230",
        "19800001",
        "19801301",
        "19809901",
        "19800100",
        "19800132",
        "19800431",
        "19800631",
        "19800931",
        "19801131",
        "19800230",
        "00000000",
        "19809999",
    ],
)
def test_invalid_calendar_dates(ymd):
    raises_msg(
        with_check(f"430421{ymd}123"),
        f"公民身份号码中的出生日期无效：{ymd}",
        today=date(2200, 1, 1),
    )


def test_2100_not_leap():
    raises_msg(
        with_check("43042121000229123"),
        "公民身份号码中的出生日期无效：21000229",
        today=date(2200, 1, 1),
    )


def test_1900_boundary():
    assert parse_id_number(
        make_id_number("430421", date(1900, 1, 1), 1), today=TODAY
    ).birth_on == date(1900, 1, 1)
    raises_msg(
        with_check("43042118991231001"), "公民身份号码中的出生日期早于1900年1月1日", today=TODAY
    )
    raises_msg(
        with_check("43042100010101001"), "公民身份号码中的出生日期早于1900年1月1日", today=TODAY
    )


@pytest.mark.parametrize("today", [date(2000, 2, 29), date(2024, 1, 1), date(2024, 12, 31), TODAY])
def test_future_birth_relative_to_today(today):
    assert is_valid(make_id_number("430421", today, 123), today=today)
    tomorrow = make_id_number("430421", today + timedelta(days=1), 123)
    raises_msg(tomorrow, "公民身份号码中的出生日期晚于今天", today=today)
    assert not is_valid(tomorrow, today=today)


def test_today_defaults_to_real_today():
    assert is_valid(make_id_number("430421", date.today(), 5))
    raises_msg(
        make_id_number("430421", date.today() + timedelta(days=1), 5),
        "公民身份号码中的出生日期晚于今天",
    )


# --- address codes -----------------------------------------------------------


def test_address_table_contents():
    assert len(HENGYANG_COUNTY_CODES) == 12
    assert len(HENGYANG_RETIRED_CODES) == 5
    assert not set(HENGYANG_COUNTY_CODES) & set(HENGYANG_RETIRED_CODES)
    assert HENGYANG_COUNTY_CODES[0] == "430405" and HENGYANG_COUNTY_CODES[-1] == "430482"
    assert HENGYANG_RETIRED_CODES == ("430402", "430403", "430404", "430411", "430425")
    for code in HENGYANG_COUNTY_CODES + HENGYANG_RETIRED_CODES + ("430000", "430400", "430401"):
        assert code in ADDRESS_CODES
    assert {c for c in ADDRESS_CODES if c.endswith("0000")} == {
        p + "0000" for p in PROVINCE_PREFIXES
    }
    assert ADDRESS_CODES["430000"] == "湖南省"
    assert ADDRESS_CODES["430400"] == "衡阳市"
    assert ADDRESS_CODES["430421"] == "衡阳县"
    assert ADDRESS_CODES["430425"] == "常宁县"
    assert ADDRESS_CODES["110105"] == "北京市朝阳区"
    assert ADDRESS_CODES["433100"] == "湘西土家族苗族自治州"
    assert all(len(c) == 6 and c.isdigit() and name for c, name in ADDRESS_CODES.items())


@pytest.mark.parametrize("prefix", PROVINCE_PREFIXES)
def test_every_province_code_known_strictly(prefix):
    assert is_known_address(prefix + "0000", strict=True)
    assert is_known_address(prefix + "0101")
    assert is_known_address(prefix + "0101", strict=True) == (prefix + "0101" in ADDRESS_CODES)


@pytest.mark.parametrize(
    "code", HENGYANG_RETIRED_CODES + HENGYANG_COUNTY_CODES + ("440524", "340524", "110105")
)
def test_table_codes_accepted_in_strict_mode(code):
    assert is_known_address(code, strict=True)
    number = make_id_number(code, date(1980, 1, 1), 123)
    assert parse_id_number(number, today=TODAY, strict_address=True).address_code == code


@pytest.mark.parametrize("code", ["999999", "720101", "000000", "100000", "910101", "830000"])
def test_unknown_province_rejected_in_both_modes(code):
    number = make_id_number(code, date(1980, 1, 1), 123)
    for strict in (False, True):
        raises_msg(number, f"公民身份号码地址码未知：{code}", today=TODAY, strict_address=strict)
        assert not is_known_address(code, strict=strict)


@pytest.mark.parametrize("code", ["430499", "430427", "440106", "650102"])
def test_unlisted_code_in_known_province_lenient_only(code):
    assert code not in ADDRESS_CODES
    number = make_id_number(code, date(1980, 1, 1), 123)
    assert parse_id_number(number, today=TODAY).address_code == code
    assert is_known_address(code)
    assert not is_known_address(code, strict=True)
    raises_msg(number, f"公民身份号码地址码未知：{code}", today=TODAY, strict_address=True)


@pytest.mark.parametrize("code", ["430001", "430099", "110012"])
def test_zero_prefecture_part_rejected_even_leniently(code):
    assert not is_known_address(code)
    raises_msg(
        make_id_number(code, date(1980, 1, 1), 1), f"公民身份号码地址码未知：{code}", today=TODAY
    )


@pytest.mark.parametrize("code", ["", "43042", "4304211", "43042X", "４３０４２１", " 430421"])
def test_is_known_address_needs_six_ascii_digits(code):
    assert not is_known_address(code)
    assert not is_known_address(code, strict=True)


def test_unknown_address_reported_for_15_digit():
    raises_msg("999999800101123", "公民身份号码地址码未知：999999", today=TODAY)


# --- gender ------------------------------------------------------------------


@pytest.mark.parametrize("digit", range(10))
def test_gender_from_17th_digit(digit):
    number = with_check(f"4304211980010112{digit}")
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.gender == ("male" if digit % 2 else "female")


# --- make_id_number ----------------------------------------------------------


def test_make_round_trip_every_sequence():
    born = date(1985, 7, 1)
    numbers = set()
    for seq in range(1000):
        number = make_id_number("430421", born, seq)
        parsed = parse_id_number(number, today=TODAY, strict_address=True)
        assert parsed.number == number
        assert parsed.birth_on == born
        assert parsed.gender == ("male" if seq % 2 else "female")
        assert number[14:17] == f"{seq:03d}"
        numbers.add(number)
    assert len(numbers) == 1000


def test_make_round_trip_every_hengyang_code_and_many_dates():
    rng = random.Random(430400)
    dates = [date(1900, 1, 1), date(1900, 2, 28), date(2000, 2, 29), date(1999, 12, 31), TODAY]
    dates += [
        date(1900, 1, 1) + timedelta(days=rng.randrange((TODAY - date(1900, 1, 1)).days))
        for _ in range(40)
    ]
    for code in HENGYANG_COUNTY_CODES + HENGYANG_RETIRED_CODES:
        for born in dates:
            seq = rng.randrange(1000)
            number = make_id_number(code, born, seq)
            assert len(number) == 18
            assert number[17] == ref_check(number[:17])
            parsed = parse_id_number(number, today=TODAY, strict_address=True)
            assert (parsed.address_code, parsed.birth_on, parsed.upgraded) == (code, born, False)
            assert parsed.gender == ("male" if seq % 2 else "female")


def test_make_reproduces_published_vectors():
    assert make_id_number("110105", date(1949, 12, 31), 2) == "11010519491231002X"
    assert make_id_number("340524", date(1980, 1, 1), 1) == "34052419800101001X"
    assert make_id_number("440524", date(1880, 1, 1), 1) == PRE_1900_VECTOR


@pytest.mark.parametrize("seq", [-1, 1000, 12345])
def test_make_rejects_bad_sequence(seq):
    with pytest.raises(IdNumberError, match="顺序码"):
        make_id_number("430421", date(1980, 1, 1), seq)


@pytest.mark.parametrize("code", ["43042", "4304211", "43042X", ""])
def test_make_rejects_bad_address(code):
    with pytest.raises(IdNumberError, match="地址码"):
        make_id_number(code, date(1980, 1, 1), 1)


# --- mask ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("43042119800101123X", "430421********123X"),
        ("11010519491231002x", "110105********002X"),
        (" 430421198001011239 ", "430421********1239"),
        ("430421800101123", "430**********23"),
        ("12345678", "123***78"),
        ("123456", "123*56"),
        ("12345", "*****"),
        ("1", "*"),
        ("", ""),
    ],
)
def test_mask(raw, masked):
    assert mask(raw) == masked


def test_mask_never_leaks_birth_date():
    number = make_id_number("430421", date(1980, 1, 1), 123)
    assert "19800101" not in mask(number)
    assert mask(number).count("*") == 8


# --- check_consistency ----------------------------------------------------------


@pytest.fixture
def person() -> IdNumber:
    return parse_id_number("430421198001011239", today=TODAY)


def test_consistent(person):
    assert check_consistency(person, birth_on=date(1980, 1, 1), gender="male") == []
    assert check_consistency(person, birth_on=date(1980, 1, 1), gender="男") == []
    assert check_consistency(person, birth_on=None, gender=None) == []


def test_birth_mismatch(person):
    assert check_consistency(person, birth_on=date(1980, 1, 2), gender=None) == [
        "出生日期与身份证号不一致"
    ]


@pytest.mark.parametrize("gender", ["female", "女"])
def test_gender_mismatch(person, gender):
    assert check_consistency(person, birth_on=None, gender=gender) == ["性别与身份证号不一致"]


def test_both_mismatch(person):
    assert check_consistency(person, birth_on=date(1981, 1, 1), gender="female") == [
        "出生日期与身份证号不一致",
        "性别与身份证号不一致",
    ]


def test_female_consistency():
    woman = parse_id_number("11010519491231002X", today=TODAY)
    assert check_consistency(woman, birth_on=date(1949, 12, 31), gender="female") == []
    assert check_consistency(woman, birth_on=None, gender="male") == ["性别与身份证号不一致"]


def test_unknown_gender_value_is_a_programming_error(person):
    with pytest.raises(ValueError):
        check_consistency(person, birth_on=None, gender="unknown")


# --- misc ----------------------------------------------------------------------------


def test_error_type_is_value_error():
    assert issubclass(IdNumberError, ValueError)
    with pytest.raises(ValueError):
        parse_id_number("abc")


def test_id_number_is_frozen(person):
    with pytest.raises(dataclasses.FrozenInstanceError):
        person.number = "x"  # type: ignore[misc]


def test_is_valid_passes_keywords():
    number = make_id_number("430499", date(2024, 5, 10), 1)
    assert is_valid(number, today=TODAY)
    assert not is_valid(number, today=TODAY, strict_address=True)
    assert not is_valid(number, today=date(2024, 5, 9))
