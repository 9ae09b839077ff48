"""The product's dated features on a timeline, and what is late against its target."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from analytics.store import read_settings


def roadmap(con: duckdb.DuckDBPyConnection, product_id: str) -> pd.DataFrame:
    """Return the product's features with dates, for the timeline: everything but dropped items, by theme then start.

    Columns ``feature_id``, ``title``, ``theme`` ("(no theme)" when missing), ``status``, ``start_date``,
    ``target_date``, ``shipped_on``, ``finish`` (the bar's end: shipped_on when shipped; for open work the
    target date, or ``as_of`` once the target has passed, since the work is still going on), ``days_late``
    (shipped: shipped_on − target_date; open: as_of − target_date when the target has passed; else NaN;
    negative means early) as datetimes and floats. Items without a start or finish date are left out.
    """
    as_of = read_settings(con).as_of
    frame = con.execute(
        """
        SELECT * FROM (
            SELECT feature_id, title, coalesce(theme, '(no theme)') AS theme, status, start_date, target_date,
                   shipped_on,
                   CASE WHEN status = 'shipped' THEN shipped_on
                        WHEN target_date < $as_of THEN $as_of
                        ELSE target_date END AS finish,
                   CASE WHEN status = 'shipped' THEN date_diff('day', target_date, shipped_on)
                        WHEN target_date < $as_of THEN date_diff('day', target_date, $as_of) END AS days_late
            FROM features
            WHERE product_id = $product AND status <> 'dropped' AND start_date IS NOT NULL
        )
        WHERE finish IS NOT NULL
        ORDER BY theme, start_date, feature_id
        """,
        {"as_of": as_of, "product": product_id},
    ).df()
    for column in ("start_date", "target_date", "shipped_on", "finish"):
        frame[column] = pd.to_datetime(frame[column])
    frame["days_late"] = frame["days_late"].astype("float64")
    return frame


def late_features(con: duckdb.DuckDBPyConnection, product_id: str) -> pd.DataFrame:
    """List what shipped after its target date, and open work already past it: most days late first.

    Columns ``feature_id``, ``title``, ``theme``, ``status``, ``target_date``, ``shipped_on``, ``days_late``
    (shipped_on − target_date for shipped items, as_of − target_date for open ones) and ``state``
    ("shipped late" or "open, past target").
    """
    frame = roadmap(con, product_id)
    late = frame[frame["days_late"] > 0].copy()
    late["state"] = np.where(late["status"] == "shipped", "shipped late", "open, past target")
    late = late.sort_values(["days_late", "feature_id"], ascending=[False, True], ignore_index=True)
    return late[["feature_id", "title", "theme", "status", "target_date", "shipped_on", "days_late", "state"]]


def late_text(plan: pd.DataFrame) -> str:
    """Say what is late against its target in ``roadmap`` rows, counting exactly what ``late_features`` lists.

    Late is ``days_late`` above zero: shipped after the target date, or still open with the target date passed.
    Reads "2 late against target: 0 shipped late, 2 still open past the target date", or "nothing late against
    its target".
    """
    late = plan["days_late"] > 0
    shipped = int((late & (plan["status"] == "shipped")).sum())
    still_open = int(late.sum()) - shipped
    if not late.any():
        return "nothing late against its target"
    return (
        f"{int(late.sum())} late against target: {shipped} shipped late, {still_open} still open past the target date"
    )
