import pytest

from dangjian.kit.privacy import mask_address, mask_phone


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        (" 13812345678 ", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),  # full-width digits typed with a Chinese keyboard
        ("138 1234 5678", "138****5678"),
        ("+8613812345678", "138****5678"),
        ("0734-8123456", "0734-****56"),
        ("07348123456", "0734-****56"),
        ("010-12345678", "010-****78"),
        ("0734-8123456-801", "0734-****56"),
        ("12345", "****"),
        ("1", "****"),
        ("电话未知请联系村委会", "****委会"),  # not a number: at most the last two characters
        ("", ""),
        ("   ", ""),
        (None, None),
    ],
)
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


@pytest.mark.parametrize("raw", ["13812345678", "0734-8123456", "010-12345678", "8613812345678", "123456789012345"])
def test_a_masked_phone_never_shows_a_run_of_more_than_four_digits(raw):
    masked = mask_phone(raw)
    assert raw not in masked
    assert "****" in masked
    longest = max(len(run) for run in "".join(c if c.isdigit() else " " for c in masked).split())
    assert longest <= 4


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("湖南省衡阳市衡阳县西渡镇北河村12号", "湖南省衡阳市****"),
        ("  湖南省衡阳市衡阳县  ", "湖南省衡阳市****"),
        ("湖南省衡阳市", "湖南省****"),  # exactly six: only half shows, never the whole
        ("北河村", "北****"),
        ("村", "****"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_address(raw, masked):
    assert mask_address(raw) == masked


def test_a_masked_address_never_contains_the_address():
    for raw in ("湖南省衡阳市衡阳县", "湖南省衡阳市", "北河村", "Room 5, 12 Renmin Road"):
        assert raw.strip() not in mask_address(raw)
