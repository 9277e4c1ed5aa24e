"""How XML batches and ST.37 authority files write publication numbers and dates, so that a
delivered document can be matched to an authority entry."""
from __future__ import annotations

from datetime import date


def number_key(office: str, number: str) -> str:
    """A publication number normalised for matching a delivered document to an ST.37 entry:
    upper case, only letters and digits, without a leading office code (EP1234567 -> 1234567)
    and without leading zeros (0001234 -> 1234)."""
    key = "".join(ch for ch in str(number).upper() if ch.isalnum())
    if office and key.startswith(office.upper()) and key[len(office):][:1].isdigit():
        key = key[len(office):]
    return key.lstrip("0") or "0"


def parse_date(text: str | None) -> date | None:
    """A date written YYYYMMDD (ST.36, ST.37) or YYYY-MM-DD (ST.96); None when absent or invalid."""
    if not text:
        return None
    digits = text.strip().replace("-", "")
    if len(digits) != 8 or not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
