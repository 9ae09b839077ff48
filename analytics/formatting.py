"""How numbers read on screen and in exports: money as money, rates as percentages, counts with separators."""

from __future__ import annotations

import math

import pandas as pd

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "CAD": "C$", "AUD": "A$"}


def is_missing(value: float | None) -> bool:
    """Return True for None, NaN and NaT: a figure (or date) that does not exist."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def money(value: float | None, currency: str = "USD", digits: int = 1) -> str:
    """Format an amount the way an executive reads it: ``$1.2M``, ``-$350K``, ``$808M``, ``$980``; ``–`` if missing.

    Three significant figures at most once scaled (``$808M``, not ``$808.1M``: a tile on a projector has room for
    five characters), and the unit the amount rounds to (``$999,960`` reads ``$1.0M``, not ``$1000.0K``).

    Parameters
    ----------
    value
        The amount in the store's currency.
    currency
        ISO code; known codes get their symbol, others are written after the number.
    digits
        Decimals kept once the amount is scaled to K, M or B (below 100 of the unit).

    """
    if is_missing(value):
        return "–"
    sign = "-" if value < 0 else ""
    magnitude = abs(value)

    def shown(unit: float) -> str:
        scaled = magnitude / unit
        return f"{scaled:.{0 if unit == 1 or scaled >= 99.95 else digits}f}"

    text = f"{float(shown(1)):,.0f}"
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        # This unit, or the one below would read 1000 of its own.
        if magnitude >= threshold or float(shown(threshold / 1e3)) >= 1000:
            text = f"{shown(threshold)}{suffix}"
            break
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def percent(value: float | None, digits: int = 1, *, points: bool = False) -> str:
    """Format a share: ``0.123`` reads ``12.3%``; with ``points=True`` the value is already in percent points."""
    if is_missing(value):
        return "–"
    return f"{value if points else value * 100:.{digits}f}%"


#: Above this a rate of return reads as a bound: a project with one month of cost left before a year of benefit has
#: a forward IRR of 391,783.7 %, true to the formula and meaningless to a board.
RATE_SHOWN_UP_TO = 10.0


def rate_of_return(value: float | None) -> str:
    """Format an IRR as ``percent`` does, up to 1,000 %; above it, ``>1,000%``."""
    if not is_missing(value) and value > RATE_SHOWN_UP_TO:
        return f">{RATE_SHOWN_UP_TO * 100:,.0f}%"
    return percent(value)


def count(value: float | None) -> str:
    """Format a count with thousands separators and no decimals: ``12,345``; large counts as ``1.2M``."""
    if is_missing(value):
        return "–"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f}M"
    return f"{value:,.0f}"


def plural(number: float, noun: str) -> str:
    """Return ``noun`` as the number asks: "item" for 1, "items" for any other number (0 items, 2 items).

    ``noun`` is the singular; the plural adds an "s", which holds for every noun a title here counts.
    """
    return noun if number == 1 else f"{noun}s"


def counted(number: float, noun: str) -> str:
    """Return the number and its noun as a title says it: "1 quick win", "1,204 problems", "0 items"."""
    return f"{number:,.0f} {plural(number, noun)}"


def number(value: float | None, digits: int = 1) -> str:
    """Format a plain figure with thousands separators and ``digits`` decimals: ``115.4``; missing reads ``–``."""
    if is_missing(value):
        return "–"
    return f"{value:,.{digits}f}"


def score(value: float | None, digits: int = 0) -> str:
    """Format a score such as NPS (−100..100) with an explicit sign for positive values: ``+42``."""
    if is_missing(value):
        return "–"
    return f"{value:+.{digits}f}"
