"""Charging arithmetic: months and days, prorating, free hours, VAT. Decimal throughout.

Pure: no clock, no database. Amounts are rounded once, per line, half up to the cent (the way
a Belgian invoice shows them); the inputs of a line are never rounded before it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# Belgian standard VAT rate, as a fraction and as the percentage invoices state.
VAT_RATE = Decimal("0.21")
VAT_PERCENT = Decimal("21")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MINUTES_PER_HOUR = Decimal(60)


def round_cent(amount: Decimal) -> Decimal:
    """amount rounded half up to the cent: 0.125 -> 0.13, -0.125 -> -0.13."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def vat_of(net: Decimal, rate: Decimal = VAT_RATE) -> Decimal:
    """The VAT on one line's net amount, rounded half up to the cent."""
    return round_cent(net * rate)


def parse_month(text: str) -> date:
    """ "2027-02" -> date(2027, 2, 1). ValueError for anything else (years 1900-9000)."""
    found = _MONTH.match(text)
    if found is None:
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    year, month = int(found.group(1)), int(found.group(2))
    if not 1900 <= year <= 9000 or not 1 <= month <= 12:
        raise ValueError(f"month out of range: {text!r}")
    return date(year, month, 1)


def month_key(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def next_month(first: date) -> date:
    """The first day of the month after the one `first` is in."""
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def last_day(first: date) -> date:
    """The last day of the month `first` is in."""
    return next_month(first) - timedelta(days=1)


def month_days(first: date) -> int:
    """How many days the month has (29 in February 2028)."""
    return last_day(first).day


def months_between(first: date, last: date) -> list[date]:
    """The first days of every month from first's month to last's month, both included."""
    months: list[date] = []
    cursor = date(first.year, first.month, 1)
    while cursor <= last:
        months.append(cursor)
        cursor = next_month(cursor)
    return months


def overlap_days(start: date, end: date | None, first: date, last: date) -> int:
    """Days of [start, end] (end None: open-ended; both inclusive) inside [first, last]."""
    low = max(start, first)
    high = last if end is None else min(end, last)
    return max(0, (high - low).days + 1)


def prorate(monthly: Decimal, days: int, days_in_month: int) -> Decimal:
    """A monthly amount for `days` of a month of `days_in_month` days, rounded to the cent."""
    return round_cent(monthly * days / days_in_month)


def take_free_minutes(minutes: Sequence[Decimal], free: Decimal) -> list[Decimal]:
    """How many of each booking's minutes the allowance `free` covers, in the given order
    (callers pass the bookings earliest first): each takes what is left, up to its length."""
    left = max(Decimal(0), free)
    taken: list[Decimal] = []
    for length in minutes:
        used = min(left, max(Decimal(0), length))
        taken.append(used)
        left -= used
    return taken


def hourly_amount(minutes: Decimal, rate_per_hour: Decimal) -> Decimal:
    """The charge for `minutes` at an hourly rate, rounded to the cent."""
    return round_cent(minutes * rate_per_hour / MINUTES_PER_HOUR)


def hours(minutes: Decimal) -> Decimal:
    """Minutes as hours with two decimals, for display (the charge uses the minutes)."""
    return round_cent(minutes / MINUTES_PER_HOUR)


def ratio(part: Decimal, whole: Decimal, places: int = 4) -> float:
    """part / whole rounded half up to `places` decimals, as a float; 0 when whole is 0."""
    if whole <= 0:
        return 0.0
    return float((part / whole).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def structured_reference(base: int) -> str:
    """A Belgian structured payment reference (OGM/VCS) for a ten-digit base:
    `+++ddd/dddd/dddcc+++`, cc = base mod 97 (97 when that is 0)."""
    digits = f"{base % 10**10:010d}"
    check = int(digits) % 97 or 97
    full = f"{digits}{check:02d}"
    return f"+++{full[:3]}/{full[3:7]}/{full[7:]}+++"
