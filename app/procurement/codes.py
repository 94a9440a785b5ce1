"""Identifiers with a fixed form: Prozorro tender ids and EDRPOU codes (with their check digit)."""

from __future__ import annotations

import re
from datetime import date

PROZORRO_TENDER = re.compile(r"^UA-(\d{4})-(\d{2})-(\d{2})-(\d{6})-([a-z])$")


def valid_prozorro_id(value: str) -> bool:
    """UA-YYYY-MM-DD-NNNNNN-x, with a real date, e.g. UA-2019-08-01-000123-a."""
    match = PROZORRO_TENDER.match(value or "")
    if not match:
        return False
    try:
        date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return False
    return True


def edrpou_check_digit(first_seven: str) -> int:
    """The eighth digit of an EDRPOU code, by the State Statistics Service's algorithm."""
    digits = [int(ch) for ch in first_seven]
    number = int(first_seven + "0")
    # Codes below 30000000 or above 60000000 weigh the digits 1..7; the others 7,1,2,...,6.
    weights = [1, 2, 3, 4, 5, 6, 7] if number < 30_000_000 or number > 60_000_000 else [7, 1, 2, 3, 4, 5, 6]
    remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    if remainder == 10:
        remainder = sum(d * (w + 2) for d, w in zip(digits, weights, strict=True)) % 11
        if remainder == 10:
            remainder = 0
    return remainder


def valid_edrpou(value: str) -> bool:
    if not re.fullmatch(r"\d{8}", value or ""):
        return False
    return edrpou_check_digit(value[:7]) == int(value[7])
