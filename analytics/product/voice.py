"""Customer voice: NPS and CSAT over survey answers, per period and per theme, and the latest comments."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

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
    ``detractors`` (counts of NPS answers), ``nps_answers``, ``nps``, ``csat_answers``, ``csat``. Only periods
    with at least one answer; ``nps``/``csat`` are NaN in a period without an answer of that kind.
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
    return frame


def feedback_themes(con: duckdb.DuckDBPyConnection, product_id: str, start: date, end: date) -> pd.DataFrame:
    """Rank what customers talk about in ``[start, end]``: one row per theme, most answers first.

    Columns ``theme`` ("(no theme)" for answers without one), ``answers``, ``share`` of all answers (0–1),
    ``nps`` and ``csat`` of the theme's answers (same formulas as ``nps``/``csat``; NaN without answers of
    that kind), ``mean_nps_score`` (0–10) and ``mean_csat_score`` (1–5).
    """
    frame = con.execute(
        f"""
        SELECT coalesce(theme, '(no theme)') AS theme, count(*) AS answers,
               count(*) / sum(count(*)) OVER () AS share,
               {NPS_SQL} AS nps, {CSAT_SQL} AS csat,
               avg(nps_score) AS mean_nps_score, avg(csat_score) AS mean_csat_score
        FROM feedback
        WHERE product_id = ? AND received_on BETWEEN ? AND ?
        GROUP BY ALL ORDER BY answers DESC, theme
        """,  # noqa: S608 -- the formulas are this module's constants
        [product_id, start, end],
    ).df()
    numeric = ["share", "nps", "csat", "mean_nps_score", "mean_csat_score"]
    frame[numeric] = frame[numeric].astype("float64")
    return frame


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
    """Return the ``feedback_themes`` row with the lowest mean NPS score (0–10), None when no theme has one."""
    scored = themes.dropna(subset=["mean_nps_score"]).sort_values("mean_nps_score")
    return scored.iloc[0] if len(scored) else None
