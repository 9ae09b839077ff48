"""What the portfolio invests in a product against what the product brings in."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.formatting import money
from analytics.rules import LIVE_SQL, stage_label
from analytics.store import read_settings


def investment(con: duckdb.DuckDBPyConnection, product_id: str) -> pd.DataFrame:
    """Return the portfolio projects attached to the product and what they cost, most spent and planned first.

    Columns ``project_id``, ``name``, ``program``, ``stage`` (as people write it: "on hold"), ``health``,
    ``start_date``, ``end_date``, ``budget``, ``spent_to_date`` (see ``SPENT_TO_DATE``: the latest progress
    snapshot's actual cost where the project has one, else its planned cost to date), ``spent_basis`` ("actual" or
    "planned": which of the two), ``snapshot_on`` (the date of that snapshot; NaT without one), ``actual_cost`` (its
    AC; NaN without one), ``planned_to_date`` (planned cost dated before ``as_of``, which DESIGN.md treats as sunk),
    ``planned_forward`` (planned cost dated on or after ``as_of``; none for completed or cancelled projects) and
    ``features`` (how many of the product's features the project carries).
    """
    as_of = read_settings(con).as_of
    frame = con.execute(
        f"""
        WITH money AS (
            SELECT project_id, sum(cost) FILTER (WHERE period < $as_of) AS planned_to_date,
                   -- a completed or cancelled project spends nothing more, whatever its old plan said
                   sum(cost) FILTER (WHERE period >= $as_of AND stage IN ({LIVE_SQL})) AS planned_forward
            FROM project_cashflows JOIN projects USING (project_id)
            WHERE projects.product_id = $product GROUP BY project_id
        ),
        latest AS (
            SELECT project_id, as_of AS snapshot_on, actual_cost FROM project_progress
            WHERE project_id IN (SELECT project_id FROM projects WHERE product_id = $product)
            QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY as_of DESC) = 1
        ),
        carried AS (
            SELECT project_id, count(*) AS features FROM features
            WHERE product_id = $product AND project_id IS NOT NULL GROUP BY project_id
        ),
        rows AS (
            SELECT p.project_id, p.name, p.program, p.stage, p.health, p.start_date, p.end_date, p.budget,
                   coalesce(l.actual_cost, m.planned_to_date, 0) AS spent_to_date,
                   CASE WHEN l.actual_cost IS NULL THEN 'planned' ELSE 'actual' END AS spent_basis,
                   l.snapshot_on, l.actual_cost, coalesce(m.planned_to_date, 0) AS planned_to_date,
                   coalesce(m.planned_forward, 0) AS planned_forward, coalesce(c.features, 0) AS features
            FROM projects p LEFT JOIN money m USING (project_id) LEFT JOIN latest l USING (project_id)
                 LEFT JOIN carried c USING (project_id)
            WHERE p.product_id = $product
        )
        SELECT * FROM rows ORDER BY spent_to_date + planned_forward DESC, project_id
        """,  # noqa: S608 -- the interpolated stages are constants of analytics.rules
        {"as_of": as_of, "product": product_id},
    ).df()
    numeric = ["budget", "spent_to_date", "actual_cost", "planned_to_date", "planned_forward"]
    frame[numeric] = frame[numeric].astype("float64")
    frame["snapshot_on"] = pd.to_datetime(frame["snapshot_on"])
    frame["stage"] = frame["stage"].map(stage_label)
    return frame


#: What "spent to date" means, wherever it is shown: the tile, the chart's title, the table and its download.
SPENT_TO_DATE = (
    "Spent to date: for each of the product's projects, the actual cost of its latest progress snapshot "
    "(project_progress.actual_cost); for a project without a snapshot, its planned cost dated before the "
    "valuation date, counted as planned."
)


@dataclass(frozen=True)
class SpentToDate:
    """What the product's projects have spent to date (``SPENT_TO_DATE``), and how much of it is actual cost."""

    #: Actual cost of the projects with a progress snapshot plus planned cost to date of those without one.
    total: float
    #: The latest snapshot's actual cost, summed over the projects that have one.
    actual: float
    #: Planned cost dated before ``as_of``, summed over the projects without a snapshot.
    planned: float
    actual_projects: int
    planned_projects: int

    @property
    def projects(self) -> int:
        """How many projects the total covers."""
        return self.actual_projects + self.planned_projects

    @property
    def all_planned(self) -> bool:
        """Whether no project has a snapshot, so the whole figure is plan."""
        return self.actual_projects == 0

    def label(self) -> str:
        """Return the figure's title: "Spent to date", with "(planned cost)" when none of it is actual cost."""
        return "Spent to date (planned cost)" if self.all_planned and self.projects else "Spent to date"

    def split_text(self, currency: str) -> str:
        """Say how the total splits: "actual $3.9M (4 projects) + planned $0.6M (2 without a snapshot)"."""
        parts = []
        if self.actual_projects:
            parts.append(f"actual {money(self.actual, currency)} ({_projects(self.actual_projects)})")
        if self.planned_projects:
            parts.append(
                f"planned {money(self.planned, currency)} ({_projects(self.planned_projects)} without a snapshot)"
            )
        return " + ".join(parts) or "no projects"


def _projects(count: int) -> str:
    return f"{count} project{'' if count == 1 else 's'}"


def spent_to_date(projects: pd.DataFrame) -> SpentToDate:
    """Sum ``SPENT_TO_DATE`` over ``investment`` rows: actual cost where a snapshot exists, else plan to date.

    The one home of the figure: the investment tab's tile, its chart's title and the table's download all
    read it (or the per-project ``spent_to_date`` column it sums).
    """
    actual = projects["spent_basis"] == "actual"
    return SpentToDate(
        total=float(projects["spent_to_date"].sum()),
        actual=float(projects.loc[actual, "spent_to_date"].sum()),
        planned=float(projects.loc[~actual, "spent_to_date"].sum()),
        actual_projects=int(actual.sum()),
        planned_projects=int((~actual).sum()),
    )


def investment_vs_outcome(
    con: duckdb.DuckDBPyConnection, product_id: str, months_back: int = 24, months_ahead: int = 12
) -> pd.DataFrame:
    """Compare month by month what the product's projects cost against the revenue and users the product brings.

    One row per month from ``months_back`` months before the month of ``as_of`` to ``months_ahead`` after.
    Columns ``period``, ``project_cost`` (planned cost of the product's projects that month; from ``as_of`` on
    only projects still live, as in ``investment``), ``revenue`` (sum of the month's days up to ``as_of``),
    ``active_users`` (value on the month's last day with data), ``forecast`` (True for months dated on or after
    ``as_of``: their cost is plan, they have no KPIs yet) and ``partial`` (the month of ``as_of``, whose KPIs
    run to ``as_of`` only). KPI months without data are NaN.
    """
    as_of = read_settings(con).as_of
    month0 = pd.Timestamp(as_of).to_period("M").to_timestamp()
    first = (month0 - pd.DateOffset(months=months_back)).date()
    last = (month0 + pd.DateOffset(months=months_ahead)).date()
    frame = con.execute(
        f"""
        WITH months AS (SELECT m::DATE AS period FROM range(?::DATE, ?::DATE + 1, INTERVAL 1 MONTH) r(m)),
        cost AS (
            SELECT c.period, sum(c.cost) AS project_cost
            FROM project_cashflows c JOIN projects p USING (project_id)
            WHERE p.product_id = ? AND (c.period < ? OR p.stage IN ({LIVE_SQL}))
            GROUP BY c.period
        ),
        kpi AS (
            SELECT date_trunc('month', date)::DATE AS period,
                   sum(value) FILTER (WHERE metric = 'revenue') AS revenue,
                   arg_max(value, date) FILTER (WHERE metric = 'active_users') AS active_users
            FROM kpi_history
            WHERE product_id = ? AND metric IN ('revenue', 'active_users') AND date BETWEEN ? AND ?
            GROUP BY ALL
        )
        SELECT months.period, coalesce(cost.project_cost, 0) AS project_cost, kpi.revenue, kpi.active_users
        FROM months LEFT JOIN cost USING (period) LEFT JOIN kpi USING (period)
        ORDER BY months.period
        """,  # noqa: S608 -- the interpolated stages are constants of analytics.rules
        [first, last, product_id, as_of, product_id, first, as_of],
    ).df()
    frame["period"] = pd.to_datetime(frame["period"])
    frame[["project_cost", "revenue", "active_users"]] = frame[["project_cost", "revenue", "active_users"]].astype(
        "float64"
    )
    # As DESIGN.md dates flows: a month dated on or after as_of is plan; the month of as_of has started (its cost
    # counts as spent, as in `investment`) but its KPIs cover only the days up to as_of.
    frame["forecast"] = frame["period"] >= pd.Timestamp(as_of)
    frame["partial"] = frame["period"] == month0
    return frame


@dataclass(frozen=True)
class InvestmentTotals:
    """The investment tab's headline figures (see ``investment_totals``)."""

    spent: SpentToDate
    planned_forward: float
    months: int
    #: None when no past month has revenue recorded: no revenue data is not revenue of zero.
    revenue: float | None
    active_users: float | None


def investment_totals(projects: pd.DataFrame, flows: pd.DataFrame) -> InvestmentTotals:
    """Sum what the product's projects cost against what the product brought in over the same past months.

    Parameters
    ----------
    projects
        ``investment`` rows: ``spent`` is ``spent_to_date`` of them, ``planned_forward`` their summed plan ahead.
    flows
        ``investment_vs_outcome`` rows: only the months before ``as_of`` (not ``forecast``) count.

    Returns
    -------
    InvestmentTotals
        ``months`` past months with their summed ``revenue`` (None when none has any), and ``active_users`` on
        the last of them with data (None when none has any).
    """
    past = flows[~flows["forecast"]]
    users = past["active_users"].dropna()
    return InvestmentTotals(
        spent=spent_to_date(projects),
        planned_forward=float(projects["planned_forward"].sum()),
        months=len(past),
        revenue=float(past["revenue"].sum()) if past["revenue"].notna().any() else None,
        active_users=float(users.iloc[-1]) if len(users) else None,
    )


def investment_title(totals: InvestmentTotals, currency: str) -> str:
    """Return the investment chart's title: the tile's spent to date, and what the product earned meanwhile.

    The same ``spent_to_date`` figure, formatted the same way, as the tile beside it; revenue is named only where
    some was recorded.
    """
    spent = totals.spent
    title = f"{spent.label()} {money(spent.total, currency)} on {_projects(spent.projects)}"
    if totals.revenue is None:
        return f"{title}; no revenue recorded over the last {totals.months} months"
    return f"{title}; the product earned {money(totals.revenue, currency)} over the last {totals.months} months"
