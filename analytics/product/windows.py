"""The product page's time windows: the window a user picks, its comparison window, and the periods in between.

"Today" is the store's ``settings.as_of`` (the demo store fixes it), never the wall clock, so a window such as
"last 90 days" ends on ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

#: Roll-up grains; the keys are also DuckDB's ``date_trunc`` parts (a week starts on Monday).
GRAINS = ("week", "month", "quarter")
#: Time windows offered by the page, ending on ``as_of``; "custom" takes explicit dates.
WINDOWS = {
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "365d": "Last 365 days",
    "ytd": "Year to date",
    "custom": "Custom",
}
WINDOW_DAYS = {"30d": 30, "90d": 90, "365d": 365}
COMPARISONS = {"previous": "Previous period", "last_year": "Same period last year"}


@dataclass(frozen=True)
class Window:
    """The window ``[start, end]`` and the comparison window ``[compare_start, compare_end]`` (inclusive)."""

    start: date
    end: date
    compare_start: date
    compare_end: date
    comparison: str = "previous"

    @property
    def days(self) -> int:
        """Number of days in the window, both ends included."""
        return (self.end - self.start).days + 1

    def comparison_label(self) -> str:
        """How the comparison reads after a change: "vs previous 90 days", "vs same period last year"."""
        if self.comparison == "last_year":
            return "vs same period last year"
        return f"vs previous {self.days} days"


def resolve_window(
    as_of: date,
    window: str,
    comparison: str = "previous",
    custom_start: date | None = None,
    custom_end: date | None = None,
    fiscal_year_start_month: int = 1,
) -> Window:
    """Turn the page's choices into dates; every window but "custom" ends on ``as_of``.

    Parameters
    ----------
    as_of
        The store's valuation date ("today").
    window
        One of ``WINDOWS``: the last 30, 90 or 365 days, the (fiscal) year to date, or custom dates.
    comparison
        ``"previous"``: the same number of days just before; ``"last_year"``: the same dates a year earlier
        (29 February maps to 28 February).
    custom_start, custom_end
        The dates of a custom window (swapped if given in the wrong order; ``as_of`` when missing).
    fiscal_year_start_month
        Month (1–12) in which the year starts, for "year to date".

    Returns
    -------
    Window
        The window and its comparison window.
    """
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {sorted(WINDOWS)}, not {window!r}")
    if comparison not in COMPARISONS:
        raise ValueError(f"comparison must be one of {sorted(COMPARISONS)}, not {comparison!r}")
    if window in WINDOW_DAYS:
        start, end = as_of - timedelta(days=WINDOW_DAYS[window] - 1), as_of
    elif window == "ytd":
        year = as_of.year if as_of.month >= fiscal_year_start_month else as_of.year - 1
        start, end = date(year, fiscal_year_start_month, 1), as_of
    else:
        start, end = custom_start or as_of, custom_end or as_of
        start, end = min(start, end), max(start, end)
    if comparison == "last_year":
        compare_start, compare_end = _year_earlier(start), _year_earlier(end)
    else:
        length = (end - start).days + 1
        compare_start, compare_end = start - timedelta(days=length), start - timedelta(days=1)
    return Window(start, end, compare_start, compare_end, comparison)


#: How far back a custom window may start: older data, if a store holds any, is history, not a view to compare.
EARLIEST_WINDOW_YEARS = 10


def earliest_window_start(as_of: date) -> date:
    """Return the earliest start a custom window may have: ``EARLIEST_WINDOW_YEARS`` before ``as_of``."""
    return (pd.Timestamp(as_of) - pd.DateOffset(years=EARLIEST_WINDOW_YEARS)).date()


def _year_earlier(day: date) -> date:
    return (pd.Timestamp(day) - pd.DateOffset(years=1)).date()


def check_grain(grain: str) -> str:
    """Return ``grain`` if it is one of ``GRAINS``, else raise ``ValueError``.

    The grain is interpolated into ``date_trunc``, so it must come from the allow-list, never from user text.
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}, not {grain!r}")
    return grain


def periods(grain: str, start: date, end: date) -> pd.DatetimeIndex:
    """Return the first days of every ``grain`` period that overlaps ``[start, end]`` (weeks start on Monday)."""
    check_grain(grain)
    first = pd.Timestamp(start)
    if grain == "week":
        first = first - pd.Timedelta(days=first.weekday())
        return pd.date_range(first, pd.Timestamp(end), freq="7D")
    freq = "MS" if grain == "month" else "QS"
    first = first.to_period("M" if grain == "month" else "Q").to_timestamp()
    return pd.date_range(first, pd.Timestamp(end), freq=freq)


def cut_by_window(starts, grain: str, start: date, end: date) -> np.ndarray:
    """Return whether each period starting at ``starts`` is cut by the window (it has days outside ``[start, end]``)."""
    starts = pd.DatetimeIndex(starts)
    step = {"week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3)}
    ends = starts + step[grain] - pd.Timedelta(days=1)
    return np.asarray((starts < pd.Timestamp(start)) | (ends > pd.Timestamp(end)))
