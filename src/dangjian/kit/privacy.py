"""Masks for personal data shown in lists and reads (the full values only through an audited reveal).

Pure functions; the ID number's mask lives with the ID number (`idcard.mask`).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ADDRESS_KEEP", "STARS", "mask_address", "mask_phone"]

STARS = "****"
ADDRESS_KEEP = 6  # characters of an address left readable: about province and city

_MOBILE = re.compile(r"(?:\+?86|0086)?(1\d{10})")
_LANDLINE = re.compile(r"(0\d{2,3})-?(\d{7,8})(?:-\d{1,6})?")  # area code, number, extension


def _clean(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def mask_phone(value: str | None) -> str | None:
    """`13812345678` → `138****5678`; `0734-8123456` → `0734-****56`; anything else keeps at most
    its last two characters, so that an odd legacy value never shows more than a mobile's mask."""
    if value is None:
        return None
    text = _clean(value)
    if not text:
        return ""
    compact = re.sub(r"[\s()]", "", text)
    mobile = _MOBILE.fullmatch(compact)
    if mobile:
        number = mobile.group(1)
        return f"{number[:3]}{STARS}{number[-4:]}"
    landline = _LANDLINE.fullmatch(compact)
    if landline:
        area, number = landline.group(1), landline.group(2)
        return f"{area}-{STARS}{number[-2:]}"
    if len(compact) < 7:
        return STARS
    return f"{STARS}{compact[-2:]}"


def mask_address(value: str | None) -> str | None:
    """The first six characters then `****`; a shorter address keeps only its first half."""
    if value is None:
        return None
    text = _clean(value)
    if not text:
        return ""
    keep = ADDRESS_KEEP if len(text) > ADDRESS_KEEP else len(text) // 2
    return f"{text[:keep]}{STARS}"
