"""How numbers read on screen: money as money, at most three significant figures once scaled."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics import formatting


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "$0"),
        (980, "$980"),
        (999.6, "$1.0K"),
        (12_345, "$12.3K"),
        (-350_000, "-$350K"),
        (999_960, "$1.0M"),
        (29_412_000, "$29.4M"),
        (808_123_456, "$808M"),
        (1_500_000_000, "$1.5B"),
        (None, "–"),
        (float("nan"), "–"),
    ],
)
def test_money_reads_like_an_executive_summary(value, expected):
    assert formatting.money(value) == expected


def test_money_in_a_currency_without_a_symbol():
    assert formatting.money(2_500_000, "SEK") == "2.5M SEK"


@given(st.floats(-1e12, 1e12, allow_nan=False))
def test_money_is_short_and_close(value):
    text = formatting.money(value)
    number = re.fullmatch(r"-?\$([0-9.,]+)([KMBT]?)", text)
    assert number, text
    digits, unit = number.groups()
    if unit:
        assert len(digits.replace(".", "")) <= 3  # three significant figures at most
        shown = float(digits) * {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}[unit]
        assert abs(shown - abs(value)) <= 0.05 * abs(value) + 1


def test_a_rate_of_return_past_a_thousand_percent_reads_as_a_bound():
    # A forward IRR of 3,917.837 (one month of cost left, a year of benefit) printed "391783.7%".
    assert formatting.rate_of_return(3917.837) == ">1,000%"
    assert formatting.rate_of_return(10.0) == "1000.0%"
    assert formatting.rate_of_return(-0.515) == "-51.5%"
    assert formatting.rate_of_return(float("nan")) == "–"


@pytest.mark.parametrize(
    ("number", "noun", "expected"),
    [
        (1, "quick win", "1 quick win"),
        (0, "item", "0 items"),
        (2, "item", "2 items"),
        (1204, "problem", "1,204 problems"),
    ],
)
def test_a_count_takes_the_singular_only_for_one(number, noun, expected):
    assert formatting.counted(number, noun) == expected
