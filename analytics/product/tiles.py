"""How a product KPI tile reads: its value, its change, its gap to target, and whether that is good news.

The page shows these strings as they are; the rules of which metric changes by points and which way is good
live here, beside the numbers, so a unit test can pin them.
"""

from __future__ import annotations

from analytics import formatting
from analytics.product.voice import MIN_ANSWERS, readable

#: Metrics whose unit is a percentage or a score change by points; the others by a share of their previous value.
POINT_METRICS = ("churn_rate", "nps", "csat")
#: Metrics computed from survey answers: a window without answers has no value, rather than no data.
SURVEY_METRICS = ("nps", "csat")
#: Colours of a change on a tile: good news, bad news, and neither (no change, or one that rounds to nothing).
GOOD, BAD, NEUTRAL = "blue", "red", "gray"


def metric_text(metric: str, value: float | None, currency: str) -> str:
    """Return ``value`` of ``metric`` as a tile shows it: money, percent, score or count ("no data" when missing)."""
    if formatting.is_missing(value):
        return "no answers" if metric in SURVEY_METRICS else "no data"
    if metric == "revenue":
        return formatting.money(value, currency)
    if metric == "churn_rate":
        return formatting.percent(value, 2, points=True)
    if metric == "nps":
        return formatting.score(value)
    if metric == "csat":
        return formatting.percent(value, 0, points=True)
    return formatting.count(value)


def _points(metric: str, difference: float) -> str:
    # Churn moves in hundredths of a point; the scores in tenths.
    return f"{difference:+.{2 if metric == 'churn_rate' else 1}f} pts"


def change_text(
    metric: str,
    change: float | None,
    relative_change: float | None,
    answers: float | None = None,
    previous_answers: float | None = None,
) -> str | None:
    """Return a tile's change: points for ``POINT_METRICS`` ("+1.5 pts"), else relative ("+4.2%"); None without.

    A survey metric's change needs at least ``MIN_ANSWERS`` answers in both windows (``answers``,
    ``previous_answers``): a swing between two handfuls of answers is not a change to read.
    """
    if formatting.is_missing(change):
        return None
    if metric in SURVEY_METRICS and not (readable(answers) and readable(previous_answers)):
        return None
    if metric in POINT_METRICS:
        return _points(metric, change)
    return None if formatting.is_missing(relative_change) else f"{relative_change:+.1%}"


def target_gap_text(metric: str, current: float | None, target: float | None, vs_target: float | None) -> str | None:
    """Return how far ``current`` is from ``target``: points for ``POINT_METRICS``, else ``vs_target`` as a share."""
    if formatting.is_missing(target) or formatting.is_missing(current):
        return None
    if metric in POINT_METRICS:
        return _points(metric, current - target)
    return f"{vs_target:+.0%}"


def target_text(
    metric: str,
    current: float | None,
    target: float | None,
    vs_target: float | None,
    currency: str,
    *,
    name_target: bool = True,
) -> str:
    """Return a tile's target badge: "+5% vs target $1.2M" ("+5% vs target" without ``name_target``).

    "no target set" without a target, "target $1.2M" without a current value.
    """
    gap = target_gap_text(metric, current, target, vs_target)
    if gap is None:
        return "no target set" if formatting.is_missing(target) else "target " + metric_text(metric, target, currency)
    return f"{gap} vs target {metric_text(metric, target, currency)}" if name_target else f"{gap} vs target"


def tone(good: bool | None, shown: str | None = None) -> str:
    """Return the colour of a change: ``GOOD`` or ``BAD`` by ``good`` (``kpi_summary``'s better / on_target flags).

    ``NEUTRAL`` when there is no verdict, or when the change as ``shown`` rounds to nothing ("+0.00 pts", "-0%"):
    a tile must not call a change good that reads as none.
    """
    if good is None or (shown is not None and not shown.strip("+-0.% pts")):
        return NEUTRAL
    return GOOD if good else BAD


def sample_text(metric: str, answers: float | None) -> str | None:
    """Return how many answers a survey tile stands on: "n = 412 answers", or "n = 12 answers: too few to read".

    Too few is under ``MIN_ANSWERS``. None for the stored metrics, and for a window without answers (whose value
    already reads "no answers").
    """
    if metric not in SURVEY_METRICS or formatting.is_missing(answers) or answers == 0:
        return None
    count = f"n = {answers:,.0f} answer{'' if answers == 1 else 's'}"
    return count if readable(answers) else f"{count}: too few to read"


def survey_title(metric: str, value: float | None, answers: float | None, currency: str, finding: str) -> str:
    """Return a survey chart's title: "NPS +31 from 412 answers: {finding}", or why there is no figure to read.

    "No NPS answers in this window" without answers; "NPS from n = 12 answers: too few to read" from too few.
    """
    label = "NPS" if metric == "nps" else "CSAT"
    if formatting.is_missing(answers) or answers == 0:
        return f"No {label} answers in this window"
    if not readable(answers):
        return f"{label} from {sample_text(metric, answers)}"
    return f"{label} {metric_text(metric, value, currency)} from {answers:,.0f} answers: {finding}"


#: Said on screen wherever figures from too few answers are drawn apart.
TOO_FEW_TEXT = (
    f"Periods and themes with fewer than {MIN_ANSWERS} answers are grey and hollow: too few to read, and never "
    "named the best or the worst."
)
