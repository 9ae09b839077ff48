"""Customer voice: NPS and CSAT over survey answers, per period and per theme, and the latest comments."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analytics.formatting import counted, is_missing, percent
from analytics.product.windows import check_grain

# DESIGN.md: NPS = 100 × (promoters − detractors) / answers, promoters score 9–10, detractors 0–6; an answer
# without an NPS score does not count. CSAT = 100 × answers scoring 4 or 5 / answers on the 1–5 scale.
# Both are SQL fragments over `feedback` rows so that every query (per product, per period, per theme,
# company-wide on the overview) uses the one definition.
NPS_SQL = (
    "100.0 * (count(*) FILTER (WHERE nps_score >= 9) - count(*) FILTER (WHERE nps_score <= 6)) "
    "/ nullif(count(nps_score), 0)"
)
CSAT_SQL = "100.0 * count(*) FILTER (WHERE csat_score >= 4) / nullif(count(csat_score), 0)"

#: Fewer answers than this in a period, a window or a theme are too few to read: one answer moves NPS by
#: 200 / n points at most (40 points of the -100..+100 scale with five answers, under 7 with thirty), so such a
#: figure is drawn grey and hollow and never named the best or the worst.
MIN_ANSWERS = 30
#: How many themes a ranking names; the rest are folded into one "Other" bar.
TOP_THEMES = 8


def readable(answers: float | None) -> bool:
    """Return whether ``answers`` answers are enough to read an NPS or CSAT from (at least ``MIN_ANSWERS``)."""
    return not is_missing(answers) and answers >= MIN_ANSWERS


def nps(con: duckdb.DuckDBPyConnection, product_id: str, start: date, end: date) -> float | None:
    """Return the Net Promoter Score of the answers about ``product_id`` received in ``[start, end]``.

    ``100 × (promoters − detractors) / answers``: promoters score 9–10, detractors 0–6, answers without an NPS
    score are left out. None when the window holds no NPS answer (never 0).
    """
    row = con.execute(
        f"SELECT {NPS_SQL} FROM feedback WHERE product_id = ? AND received_on BETWEEN ? AND ?",  # noqa: S608 -- own constant
        [product_id, start, end],
    ).fetchone()
    return None if row[0] is None else float(row[0])


def csat(con: duckdb.DuckDBPyConnection, product_id: str, start: date, end: date) -> float | None:
    """Return the customer satisfaction of the answers about ``product_id`` received in ``[start, end]``.

    ``100 × answers scoring 4 or 5 / answers`` on the 1–5 scale; answers without a CSAT score are left out.
    None when the window holds no CSAT answer.
    """
    row = con.execute(
        f"SELECT {CSAT_SQL} FROM feedback WHERE product_id = ? AND received_on BETWEEN ? AND ?",  # noqa: S608 -- own constant
        [product_id, start, end],
    ).fetchone()
    return None if row[0] is None else float(row[0])


def voice_series(con: duckdb.DuckDBPyConnection, product_id: str, grain: str, start: date, end: date) -> pd.DataFrame:
    """NPS and CSAT per period of ``grain`` over the answers received in ``[start, end]``.

    Columns ``period`` (the period's first day; weeks start on Monday), ``promoters``, ``passives``,
    ``detractors`` (counts of NPS answers), ``nps_answers``, ``nps``, ``csat_answers``, ``csat``, and
    ``nps_readable`` / ``csat_readable`` (the period has at least ``MIN_ANSWERS`` answers of that kind). Only
    periods with at least one answer; ``nps``/``csat`` are NaN in a period without an answer of that kind.
    """
    grain = check_grain(grain)
    frame = con.execute(
        f"""
        SELECT date_trunc('{grain}', received_on)::DATE AS period,
               count(*) FILTER (WHERE nps_score >= 9) AS promoters,
               count(*) FILTER (WHERE nps_score BETWEEN 7 AND 8) AS passives,
               count(*) FILTER (WHERE nps_score <= 6) AS detractors,
               count(nps_score) AS nps_answers, {NPS_SQL} AS nps,
               count(csat_score) AS csat_answers, {CSAT_SQL} AS csat
        FROM feedback
        WHERE product_id = ? AND received_on BETWEEN ? AND ?
        GROUP BY period ORDER BY period
        """,  # noqa: S608 -- grain from the allow-list, formulas are this module's constants
        [product_id, start, end],
    ).fetchnumpy()
    frame = pd.DataFrame({name: np.asarray(values) for name, values in frame.items()})
    frame["period"] = pd.to_datetime(frame["period"])
    counts = ["promoters", "passives", "detractors", "nps_answers", "csat_answers"]
    frame[counts] = frame[counts].astype("int64")
    frame[["nps", "csat"]] = frame[["nps", "csat"]].astype("float64")
    return _flag_readable(frame)


def feedback_themes(con: duckdb.DuckDBPyConnection, product_id: str, start: date, end: date) -> pd.DataFrame:
    """Rank what customers talk about in ``[start, end]``: one row per theme, most answers first.

    Columns ``theme`` ("(no theme)" for answers without one), ``answers``, ``share`` of all answers (0–1),
    ``nps_answers`` and ``csat_answers`` (answers with a score of that kind), ``nps`` and ``csat`` of the theme's
    answers (same formulas as ``nps``/``csat``; NaN without answers of that kind), ``mean_nps_score`` (0–10),
    ``mean_csat_score`` (1–5), and ``nps_readable`` / ``csat_readable`` (at least ``MIN_ANSWERS`` of that kind).
    """
    frame = con.execute(
        f"""
        SELECT coalesce(theme, '(no theme)') AS theme, count(*) AS answers,
               count(*) / sum(count(*)) OVER () AS share,
               count(nps_score) AS nps_answers, count(csat_score) AS csat_answers, {NPS_SQL} AS nps, {CSAT_SQL} AS csat,
               avg(nps_score) AS mean_nps_score, avg(csat_score) AS mean_csat_score
        FROM feedback
        WHERE product_id = ? AND received_on BETWEEN ? AND ?
        GROUP BY ALL ORDER BY answers DESC, theme
        """,  # noqa: S608 -- the formulas are this module's constants
        [product_id, start, end],
    ).df()
    numeric = ["share", "nps", "csat", "mean_nps_score", "mean_csat_score"]
    frame[numeric] = frame[numeric].astype("float64")
    frame[["nps_answers", "csat_answers"]] = frame[["nps_answers", "csat_answers"]].astype("int64")
    return _flag_readable(frame)


def _flag_readable(frame: pd.DataFrame) -> pd.DataFrame:
    frame["nps_readable"] = frame["nps_answers"] >= MIN_ANSWERS
    frame["csat_readable"] = frame["csat_answers"] >= MIN_ANSWERS
    return frame


def top_themes(themes: pd.DataFrame, limit: int = TOP_THEMES) -> pd.DataFrame:
    """Keep the ``limit`` most talked-about themes of ``feedback_themes`` and fold the rest into one "Other" row.

    The folded row's ``theme`` reads "Other (k themes)"; its counts and shares are sums, and its scores are the
    same formulas over the folded answers: NPS, CSAT and the mean scores are averages of the themes' figures
    weighted by their answers of that kind (which equals the formula over the answers themselves, as each is a
    mean over answers). At most ``limit`` themes: the frame unchanged.
    """
    if len(themes) <= limit:
        return themes
    kept, rest = themes.iloc[:limit], themes.iloc[limit:]

    def weighted(column: str, weights: str) -> float:
        scored = rest.dropna(subset=[column])
        total = scored[weights].sum()
        return float((scored[column] * scored[weights]).sum() / total) if total else float("nan")

    other = {
        "theme": f"Other ({counted(len(rest), 'theme')})",
        "answers": int(rest["answers"].sum()),
        "share": float(rest["share"].sum()),
        "nps_answers": int(rest["nps_answers"].sum()),
        "csat_answers": int(rest["csat_answers"].sum()),
        "nps": weighted("nps", "nps_answers"),
        "csat": weighted("csat", "csat_answers"),
        "mean_nps_score": weighted("mean_nps_score", "nps_answers"),
        "mean_csat_score": weighted("mean_csat_score", "csat_answers"),
    }
    folded = _flag_readable(pd.DataFrame([other]))
    return pd.concat([kept, folded[themes.columns]], ignore_index=True)


def latest_comments(
    con: duckdb.DuckDBPyConnection, product_id: str, start: date, end: date, limit: int = 25
) -> pd.DataFrame:
    """Return the newest answers with a comment in ``[start, end]``, newest first, at most ``limit``.

    Columns ``received_on``, ``channel``, ``theme``, ``nps_score``, ``csat_score``, ``comment``. The comment is
    customer text: show it as plain text, never as HTML or Markdown.
    """
    return con.execute(
        """
        SELECT received_on, channel, theme, nps_score, csat_score, comment
        FROM feedback
        WHERE product_id = ? AND received_on BETWEEN ? AND ? AND comment IS NOT NULL AND trim(comment) <> ''
        ORDER BY received_on DESC, feedback_id DESC
        LIMIT ?
        """,
        [product_id, start, end, int(limit)],
    ).df()


def lowest_scoring_theme(themes: pd.DataFrame) -> pd.Series | None:
    """Return the ``feedback_themes`` row with the lowest mean NPS score (0–10) among the well-answered themes.

    Only themes with at least ``MIN_ANSWERS`` NPS answers count: a theme of three answers is not "the worst".
    None when no theme has that many.
    """
    scored = themes[themes["nps_answers"] >= MIN_ANSWERS].dropna(subset=["mean_nps_score"])
    scored = scored.sort_values("mean_nps_score")
    return scored.iloc[0] if len(scored) else None


#: A tie of more themes than this is counted in a title, not named.
NAMED_TIES = 3


def _names(themes: list[str]) -> str:
    """Join theme names as a sentence does: "a", "a and b", "a, b and c"."""
    return themes[0] if len(themes) == 1 else f"{', '.join(themes[:-1])} and {themes[-1]}"


def volume_title(themes: pd.DataFrame) -> str:
    """Return the title of the themes-by-volume chart: the theme most answers are about, a tie said as a tie.

    ``themes``: every row of ``feedback_themes`` (not folded), so a theme folded into "Other" can still tie. A
    tie for the most answers names the tied themes (more than ``NAMED_TIES``: counts them) and says no single
    theme leads. Under ``MIN_ANSWERS`` answers in all, the title gives the counts and says "only": a share of a
    handful of answers is no finding.

    Examples
    --------
    "Most talked about: pricing (21% of 1,234 answers)"; "Most talked about: pricing (6 of only 14 answers)";
    "No single theme leads: integrations, pricing and support have 3 answers each, of only 14 answers".
    """
    total = int(themes["answers"].sum())
    most = int(themes["answers"].max())
    leaders = themes.loc[themes["answers"] == most, "theme"].tolist()
    of_total = f"of {'only ' if total < MIN_ANSWERS else ''}{counted(total, 'answer')}"
    if len(leaders) > 1:
        named = _names(leaders) if len(leaders) <= NAMED_TIES else f"{len(leaders)} themes"
        return f"No single theme leads: {named} have {counted(most, 'answer')} each, {of_total}"
    share = f"{most:,}" if total < MIN_ANSWERS else percent(most / total, 0)
    return f"Most talked about: {leaders[0]} ({share} {of_total})"


def score_title(themes: pd.DataFrame) -> str:
    """Return the title of the themes-by-score chart: the lowest-scoring well-answered theme, or why none is named.

    ``themes``: the rows the chart draws (``top_themes``). Without a theme of ``MIN_ANSWERS`` NPS answers the
    chart is not a ranking (``charts.theme_ranking`` then orders the bars by name), and the title says so.
    """
    lowest = lowest_scoring_theme(themes)
    if lowest is None:
        return f"Average score by theme (0–10), unranked: no theme has {MIN_ANSWERS} answers to rank it on; bars A to Z"
    return (
        f"Lowest-scoring theme: {lowest['theme']} "
        f"({lowest['mean_nps_score']:.1f} / 10 from {counted(lowest['nps_answers'], 'answer')})"
    )
