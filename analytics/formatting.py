"""How numbers read on screen and in exports: money as money, rates as percentages, counts with separators."""

from __future__ import annotations

import math

import pandas as pd

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "CAD": "C$", "AUD": "A$"}


def is_missing(value: float | None) -> bool:
    """Return True for None and NaN: a figure that does not exist."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def money(value: float | None, currency: str = "USD", digits: int = 1) -> str:
    """Format an amount the way an executive reads it: ``$1.2M``, ``-$350K``, ``$980``; ``–`` when missing.

    Parameters
    ----------
    value
        The amount in the store's currency.
    currency
        ISO code; known codes get their symbol, others are written after the number.
    digits
        Decimals kept once the amount is scaled to K, M or B.

    """
    if is_missing(value):
        return "–"
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if magnitude >= threshold:
            text = f"{magnitude / threshold:.{digits}f}{suffix}"
            break
    else:
        text = f"{magnitude:,.0f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def percent(value: float | None, digits: int = 1, *, points: bool = False) -> str:
    """Format a share: ``0.123`` reads ``12.3%``; with ``points=True`` the value is already in percent points."""
    if is_missing(value):
        return "–"
    return f"{value if points else value * 100:.{digits}f}%"


def count(value: float | None) -> str:
    """Format a count with thousands separators and no decimals: ``12,345``; large counts as ``1.2M``."""
    if is_missing(value):
        return "–"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f}M"
    return f"{value:,.0f}"


def score(value: float | None, digits: int = 0) -> str:
    """Format a score such as NPS (−100..100) with an explicit sign for positive values: ``+42``."""
    if is_missing(value):
        return "–"
    return f"{value:+.{digits}f}"
