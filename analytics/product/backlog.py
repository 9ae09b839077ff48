"""The open backlog scored (RICE, WSJF), ranked, placed in quadrants, and fitted exactly to a capacity."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analytics import formatting, text
from analytics.rules import TINY

BACKLOG_STATUSES = ("idea", "planned", "in_progress")
SCORES = ("rice", "wsjf")


def rice(reach, impact, confidence, effort) -> np.ndarray:
    """RICE score, ``reach × impact × confidence / effort`` (DESIGN.md), element-wise.

    NaN where an input is missing or effort is not positive (the score does not exist).
    """
    reach, impact, confidence, effort = (np.asarray(v, dtype="float64") for v in (reach, impact, confidence, effort))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(effort > 0, reach * impact * confidence / effort, np.nan)


def wsjf(business_value, time_criticality, risk_reduction, job_size) -> np.ndarray:
    """WSJF score, ``(business value + time criticality + risk reduction) / job size`` (DESIGN.md), element-wise.

    NaN where an input is missing or the job size is not positive.
    """
    values = (business_value, time_criticality, risk_reduction, job_size)
    business_value, time_criticality, risk_reduction, job_size = (np.asarray(v, dtype="float64") for v in values)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(job_size > 0, (business_value + time_criticality + risk_reduction) / job_size, np.nan)


def rank_desc(scores, ids) -> np.ndarray:
    """Rank scores, 1 = highest; ties broken by id so the ranking does not depend on row order; NaN scores last."""
    scores = np.asarray(scores, dtype="float64")
    ids = np.asarray(ids, dtype=object).astype(str)
    order = np.lexsort((ids, np.where(np.isnan(scores), np.inf, -scores)))
    ranks = np.empty(len(scores), dtype="int64")
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def backlog(con: duckdb.DuckDBPyConnection, product_id: str) -> pd.DataFrame:
    """Score the product's open backlog (ideas, planned and in-progress items) with RICE and WSJF scores and ranks.

    Columns: the scoring inputs (``reach``, ``impact``, ``confidence``, ``effort`` in person-months,
    ``business_value``, ``time_criticality``, ``risk_reduction``, ``job_size``), ``feature_id``, ``title``,
    ``theme``, ``status``, ``rice``, ``wsjf`` (see ``rice``/``wsjf``), ``rice_rank`` and ``wsjf_rank`` (1 =
    do first; ties by feature id). Ordered by RICE rank.
    """
    frame = con.execute(
        f"""
        SELECT feature_id, title, theme, status, reach, impact, confidence, effort, business_value,
               time_criticality, risk_reduction, job_size
        FROM features
        WHERE product_id = ? AND status IN ({", ".join("?" for _ in BACKLOG_STATUSES)})
        ORDER BY feature_id
        """,  # noqa: S608 -- only placeholders are interpolated
        [product_id, *BACKLOG_STATUSES],
    ).df()
    inputs = [
        "reach",
        "impact",
        "confidence",
        "effort",
        "business_value",
        "time_criticality",
        "risk_reduction",
        "job_size",
    ]
    frame[inputs] = frame[inputs].astype("float64")
    frame["rice"] = rice(frame["reach"], frame["impact"], frame["confidence"], frame["effort"])
    frame["wsjf"] = wsjf(frame["business_value"], frame["time_criticality"], frame["risk_reduction"], frame["job_size"])
    frame["rice_rank"] = rank_desc(frame["rice"], frame["feature_id"])
    frame["wsjf_rank"] = rank_desc(frame["wsjf"], frame["feature_id"])
    return frame.sort_values("rice_rank", ignore_index=True)


def quadrants(items: pd.DataFrame, score: str) -> pd.DataFrame:
    """Place each backlog item in a value-vs-effort quadrant, split at the median effort and median ``score``.

    Adds ``quadrant``: "Quick win" (value at or above the median, effort below it), "Big bet" (high value, high
    effort), "Fill-in" (low value, low effort) or "Money pit" (low value, high effort).
    """
    if score not in SCORES:
        raise ValueError(f"score must be one of {SCORES}, not {score!r}")
    value_split, effort_split = items[score].median(), items["effort"].median()
    high_value = items[score] >= value_split
    low_effort = items["effort"] < effort_split
    labels = np.select(
        [high_value & low_effort, high_value, low_effort], ["Quick win", "Big bet", "Fill-in"], "Money pit"
    )
    return items.assign(quadrant=labels)


def quadrant_title(ranked: pd.DataFrame, capacity_person_months: float) -> str:
    """Return the value-against-effort chart's title: how many quick wins (``quadrants``), what the fill means.

    ``ranked``: ``quadrants`` rows; ``capacity_person_months`` the capacity the filled points fit.
    """
    quick = int((ranked["quadrant"] == "Quick win").sum())
    return (
        f"Value against effort: {formatting.counted(quick, 'quick win')}; "
        f"filled = fits {capacity_person_months:.0f} person-months"
    )


@dataclass(frozen=True)
class CapacityPlan:
    """Which backlog items fit a capacity, chosen exactly, against cutting the ranked list."""

    items: pd.DataFrame  # the backlog, ranked by the score, with `chosen` and `in_sorted_cut`
    capacity: float
    chosen_value: float
    chosen_effort: float
    sorted_cut_value: float
    sorted_cut_effort: float
    status: str

    @property
    def gain(self) -> float:
        """Return how much more total score the exact choice gets than cutting the ranked list."""
        return self.chosen_value - self.sorted_cut_value

    @property
    def chosen_count(self) -> int:
        """Return how many items the exact choice takes."""
        return int(self.items["chosen"].sum())

    @property
    def sorted_cut_count(self) -> int:
        """Return how many items cutting the ranked list takes."""
        return int(self.items["in_sorted_cut"].sum())


#: A quarter's capacity starts at the backlog's total effort divided by this, before anyone moves the slider.
SUGGESTED_CAPACITY_DIVISOR = 3


def capacity_range(items: pd.DataFrame) -> tuple[float, float]:
    """Return the capacity a plan may ask for, in whole person-months: (most, suggested).

    The most is the backlog's total effort plus half a person-month, rounded to a whole one (every item fits);
    the suggestion is the total effort / ``SUGGESTED_CAPACITY_DIVISOR``, rounded.
    """
    total_effort = float(items["effort"].sum())
    return float(round(total_effort + 0.5)), float(round(total_effort / SUGGESTED_CAPACITY_DIVISOR))


def capacity_plan(items: pd.DataFrame, capacity_person_months: float, score: str = "rice") -> CapacityPlan:
    """Choose the backlog items that fit ``capacity_person_months`` with the most total ``score`` (a 0/1 knapsack).

    The choice is exact: ``analytics.optimize.select_portfolio`` (the portfolio's MILP, HiGHS) with value =
    the item's score and one budget row, effort in person-months. The baseline it is compared with is what
    people do by hand: walk the ranked list and stop at the first item that no longer fits.

    Parameters
    ----------
    items
        ``backlog`` rows (with ``feature_id``, ``effort`` and the score columns).
    capacity_person_months
        Person-months available (e.g. next quarter).
    score
        ``"rice"`` or ``"wsjf"``: the value each item adds.

    Returns
    -------
    CapacityPlan
        ``items`` ranked by the score with boolean ``chosen`` and ``in_sorted_cut`` columns, and the totals.
    """
    from analytics.optimize import select_portfolio

    if score not in SCORES:
        raise ValueError(f"score must be one of {SCORES}, not {score!r}")
    ranked = items.sort_values(f"{score}_rank", ignore_index=True)
    usable = ranked[score].notna().to_numpy() & ranked["effort"].notna().to_numpy()
    value = ranked[score].fillna(0).to_numpy(dtype="float64")
    effort = ranked["effort"].fillna(0).to_numpy(dtype="float64")
    capacity = max(float(capacity_person_months), 0.0)
    chosen = np.zeros(len(ranked), dtype=bool)
    status = "optimal"
    if usable.any():
        selection = select_portfolio(
            value, effort[:, None], np.array([capacity]), exclude=tuple(int(i) for i in np.flatnonzero(~usable))
        )
        status = selection.status
        chosen = np.asarray(selection.chosen, dtype=bool)
    cut = np.zeros(len(ranked), dtype=bool)
    used = 0.0
    for i in range(len(ranked)):
        if not usable[i] or used + effort[i] > capacity + TINY:
            break
        cut[i] = True
        used += effort[i]
    ranked = ranked.assign(chosen=chosen, in_sorted_cut=cut)
    return CapacityPlan(
        items=ranked,
        capacity=capacity,
        chosen_value=float(value[chosen].sum()),
        chosen_effort=float(effort[chosen].sum()),
        sorted_cut_value=float(value[cut].sum()),
        sorted_cut_effort=float(effort[cut].sum()),
        status=str(status),
    )


def room_table(ranking: pd.DataFrame, rows: int, score_label: str) -> pd.DataFrame:
    """Return the top ``rows`` of a ranking as text, for a table drawn in Markdown at a projector's type size.

    ``ranking``: ``quadrants`` rows sorted by one score, with that score's rank as ``rank`` and its value as
    ``score``. Columns ``Rank``, ``Feature``, ``Title``, ``score_label``, ``Effort (pm)`` and ``Fits`` ("✓" for an
    item the capacity plan chose); store text is escaped so that it shows as typed.
    """
    top = ranking.head(rows)
    return pd.DataFrame(
        {
            "Rank": top["rank"].map(lambda v: f"{v:.0f}"),
            "Feature": top["feature_id"].map(text.markdown),
            "Title": top["title"].map(text.markdown),
            score_label: top["score"].map(lambda v: formatting.number(v, 1)),
            "Effort (pm)": top["effort"].map(lambda v: formatting.number(v, 1)),
            "Fits": top["chosen"].map(lambda v: "✓" if v else ""),
        }
    )
