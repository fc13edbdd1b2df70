"""Charging arithmetic: rounding, months, prorating, free hours, payment references."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.core.money import (
    hourly_amount,
    hours,
    last_day,
    month_days,
    months_between,
    next_month,
    overlap_days,
    parse_month,
    prorate,
    ratio,
    round_cent,
    structured_reference,
    take_free_minutes,
    vat_of,
)

D = Decimal


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("0.125", "0.13"),  # half up, not to even
        ("0.135", "0.14"),
        ("0.1249999", "0.12"),
        ("2.675", "2.68"),  # exact in Decimal (a float would say 2.67)
        ("-0.125", "-0.13"),
        ("7", "7.00"),
    ],
)
def test_amounts_round_half_up_to_the_cent(amount: str, rounded: str) -> None:
    assert round_cent(D(amount)) == D(rounded)
    assert str(round_cent(D(amount))) == rounded


def test_vat_is_21_percent_rounded_half_up_per_line() -> None:
    assert vat_of(D("0.50")) == D("0.11")  # 0.105
    assert vat_of(D("18.53")) == D("3.89")  # 3.8913
    assert vat_of(D("191.61")) == D("40.24")  # 40.2381
    assert vat_of(D("0.00")) == D("0.00")


def test_vat_per_line_can_differ_from_vat_on_the_total() -> None:
    lines = [D("0.50")] * 3
    assert sum(vat_of(line) for line in lines) == D("0.33")
    assert vat_of(sum(lines, D(0))) == D("0.32")  # 0.315


def test_months_know_their_length_including_leap_years() -> None:
    assert month_days(date(2027, 1, 1)) == 31
    assert month_days(date(2027, 2, 1)) == 28
    assert month_days(date(2028, 2, 1)) == 29
    assert month_days(date(2100, 2, 1)) == 28  # divisible by 100, not by 400
    assert month_days(date(2000, 2, 1)) == 29
    assert last_day(date(2027, 12, 1)) == date(2027, 12, 31)
    assert next_month(date(2027, 12, 1)) == date(2028, 1, 1)


def test_months_between_lists_every_month_both_ends_included() -> None:
    assert months_between(date(2027, 11, 1), date(2028, 2, 1)) == [
        date(2027, 11, 1),
        date(2027, 12, 1),
        date(2028, 1, 1),
        date(2028, 2, 1),
    ]


@pytest.mark.parametrize("text", ["2027-1", "2027-13", "2027-00", "27-01", "2027-01-01", "", "x"])
def test_a_month_is_yyyy_mm(text: str) -> None:
    with pytest.raises(ValueError):
        parse_month(text)


def test_parse_month_gives_the_first_day() -> None:
    assert parse_month("2028-02") == date(2028, 2, 1)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2027, 1, 17), None, 15),  # open-ended from the 17th: 17..31
        (date(2026, 12, 1), date(2027, 1, 10), 10),  # ends on the 10th, included
        (date(2026, 1, 1), date(2026, 12, 31), 0),  # over before January 2027
        (date(2027, 2, 1), None, 0),  # not yet begun
        (date(2027, 1, 31), date(2027, 1, 31), 1),
    ],
)
def test_days_of_a_lease_inside_a_month(start: date, end: date | None, days: int) -> None:
    assert overlap_days(start, end, date(2027, 1, 1), date(2027, 1, 31)) == days


def test_prorated_rent_by_days_of_the_month() -> None:
    assert prorate(D("396"), 15, 31) == D("191.61")  # 191.6129
    assert prorate(D("1000.00"), 10, 31) == D("322.58")  # 322.5806
    assert prorate(D("290"), 15, 29) == D("150.00")  # February 2028
    assert prorate(D("290"), 15, 28) == D("155.36")  # February 2027: 155.357
    assert prorate(D("1234.56"), 30, 30) == D("1234.56")


def test_free_minutes_go_to_the_earliest_bookings_first() -> None:
    assert take_free_minutes([D(90), D(120), D(60)], D(120)) == [D(90), D(30), D(0)]
    assert take_free_minutes([D(30)], D(0)) == [D(0)]
    assert take_free_minutes([D(30), D(30)], D(600)) == [D(30), D(30)]
    assert take_free_minutes([D(45)], D("0.6")) == [D("0.6")]  # 0.01 h


@given(
    st.lists(st.integers(min_value=0, max_value=10_000), max_size=30),
    st.integers(min_value=0, max_value=50_000),
)
def test_free_minutes_never_exceed_the_allowance_nor_a_booking(
    lengths: list[int], free: int
) -> None:
    minutes = [D(n) for n in lengths]
    taken = take_free_minutes(minutes, D(free))
    assert sum(taken, D(0)) == min(D(free), sum(minutes, D(0)))
    assert all(D(0) <= t <= m for t, m in zip(taken, minutes, strict=True))


def test_hourly_amounts_use_the_exact_minutes() -> None:
    assert hourly_amount(D(90), D("12.35")) == D("18.53")  # 18.525 half up
    assert hourly_amount(D(10), D("95")) == D("15.83")  # 15.8333
    assert hours(D(10)) == D("0.17")
    assert hours(D(300)) == D("5.00")


def test_ratio_rounds_to_four_decimals_and_survives_zero() -> None:
    assert ratio(D(2), D(23)) == 0.087
    assert ratio(D(1), D(3)) == 0.3333
    assert ratio(D(5), D(0)) == 0.0


def test_structured_reference_carries_the_mod_97_check() -> None:
    assert structured_reference(1) == "+++000/0000/00101+++"
    assert structured_reference(97) == "+++000/0000/09797+++"  # 0 -> 97
    text = structured_reference(2027010003)
    digits = text.strip("+").replace("/", "")
    assert len(digits) == 12
    assert int(digits[:10]) % 97 == int(digits[10:])
