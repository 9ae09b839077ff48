"""The portfolio view's numbers: filters, summary, value map, strategy, capacity, risk, dependencies, health.

Every function takes a ``PortfolioFilter`` so the page's filters apply to all of them the same way. Money
comes from ``analytics.finance`` (one definition of NPV and friends); "forward" means flows dated on or
after ``settings.as_of``, as in DESIGN.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analytics import finance
from analytics.headlines import DEFINITIONS, LABELS  # noqa: F401 -- re-exported: portfolio.LABELS on the pages
from analytics.rules import (
    ACTIVE_STAGE,
    COMMITTED_SQL,
    COMMITTED_STAGES,
    HEALTH_ORDER,
    LIVE_SQL,
    LIVE_STAGES,
    OPEN_RISK_STATUSES,
    PROPOSED_STAGE,
    STAGE_ORDER,
    evm_health_sql,
)
from analytics.store import read_settings


@dataclass(frozen=True)
class PortfolioFilter:
    """Which projects a view looks at; an empty tuple means no restriction on that field."""

    programs: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    sponsors: tuple[str, ...] = ()
    health: tuple[str, ...] = ()
    # Not a page filter: lets a detail view ask for one project without valuing all of them.
    ids: tuple[str, ...] = ()

    @property
    def restricts(self) -> bool:
        """Whether any field narrows the projects (else every project passes)."""
        return any((self.programs, self.products, self.stages, self.sponsors, self.health, self.ids))

    def project_ids(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        """Return the ids of the projects that pass the filter (health is the effective health, see ``evm_health``)."""
        clauses, params = [], []
        for column, values in (
            ("program", self.programs),
            ("product_id", self.products),
            ("stage", self.stages),
            ("sponsor", self.sponsors),
            ("project_id", self.ids),
        ):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        where = " AND ".join(clauses) or "TRUE"
        # Column names come from the fixed list above; values are bound parameters.
        ids = [r[0] for r in con.execute(f"SELECT project_id FROM projects WHERE {where}", params).fetchall()]  # noqa: S608
        if self.health:
            health = effective_health(con).set_index("project_id")["health"]
            ids = [i for i in ids if health.get(i) in self.health]
        return sorted(ids)


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Return the values each filter can take, for the page's multiselects."""

    def distinct(column: str) -> list[str]:
        rows = con.execute(f"SELECT DISTINCT {column} FROM projects WHERE {column} IS NOT NULL ORDER BY 1")  # noqa: S608
        return [r[0] for r in rows.fetchall()]

    return {
        "programs": distinct("program"),
        "products": distinct("product_id"),
        "stages": [s for s in STAGE_ORDER if s in distinct("stage")],
        "sponsors": distinct("sponsor"),
        "health": list(HEALTH_ORDER),
    }


def _among(column: pd.Series, ids) -> np.ndarray:
    """Return which cells of ``column`` are in ``ids``.

    Instead of ``Series.isin`` with thousands of ids: pandas 3's Arrow-backed strings convert each wanted value to
    a scalar one by one (10 ms for 2,000 ids), where a set lookup takes a fraction of that.
    """
    wanted = set(ids)
    return np.fromiter((value in wanted for value in column), dtype=bool, count=len(column))


def live(table: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of ``table`` (a ``project_table``) whose stage is live: not yet finished or abandoned."""
    return table[table["stage"].isin(LIVE_STAGES)]


def open_risks(risks: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of ``risks`` (a ``risk_register``) still open or being mitigated: the exposure that counts."""
    return risks[risks["status"].isin(OPEN_RISK_STATUSES)]


def _ids_frame(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"project_id": pd.Series(ids, dtype=object)})


def effective_health(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return each project's latest EVM figures and health (DESIGN.md).

    CPI = EV / AC and SPI = EV / PV from the latest progress snapshot; EAC = budget / CPI. Health is
    ``rules.evm_health_sql`` of CPI and SPI; a stored ``projects.health`` overrides; NaN/None where a project has
    no snapshot and no stored health. ``evm_health`` is the EVM band alone (where the snapshot puts the project on
    the CPI/SPI quadrant), so a stored health that differs from it can be shown as such. Columns: project_id,
    snapshot, percent_complete, planned_value, earned_value, actual_cost, cpi, spi, budget, eac, health,
    health_source, evm_health.
    """
    return con.execute(
        f"""
        WITH latest AS (
            SELECT project_id, as_of AS snapshot, percent_complete, planned_value, earned_value, actual_cost
            FROM project_progress
            QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY as_of DESC) = 1
        ),
        evm AS (
            SELECT p.project_id, l.snapshot, l.percent_complete, l.planned_value, l.earned_value, l.actual_cost,
                   l.earned_value / nullif(l.actual_cost, 0) AS cpi,
                   l.earned_value / nullif(l.planned_value, 0) AS spi,
                   p.budget, p.health AS stored_health
            FROM projects p LEFT JOIN latest l USING (project_id)
        )
        SELECT project_id, snapshot, percent_complete, planned_value, earned_value, actual_cost, cpi, spi, budget,
               budget / nullif(cpi, 0) AS eac,
               coalesce(stored_health, {evm_health_sql()}) AS health,
               CASE WHEN stored_health IS NOT NULL THEN 'stored'
                    WHEN cpi IS NOT NULL AND spi IS NOT NULL THEN 'evm' END AS health_source,
               {evm_health_sql()} AS evm_health
        FROM evm ORDER BY project_id
        """  # noqa: S608 -- the interpolated rule is a constant of analytics.rules
    ).df()


def project_table(
    con: duckdb.DuckDBPyConnection, flt: PortfolioFilter, rate: float | None = None, *, returns: bool = True
) -> pd.DataFrame:
    """Return one row per filtered project: who and what it is, its money (``finance``), health and forward cost.

    Columns: project_id, name, program, product_id, sponsor, manager, stage, start_date, end_date, budget,
    probability_of_success, mandatory, forward_cost (Σ cost dated on or after as_of), npv, rnpv, irr, roi,
    payback_months, profitability_index, strategic_score, cpi, spi, eac, health, health_source, evm_health
    (``effective_health``). With ``returns=False`` the
    columns irr, roi and payback_months are left out (``finance.forward_values``): the views that only group or
    sum money skip the root-finding.
    """
    as_of = read_settings(con).as_of
    ids = flt.project_ids(con)
    con.register("selected_projects", _ids_frame(ids))
    try:
        base = con.execute(
            """
            SELECT p.project_id, p.name, p.program, p.product_id, p.sponsor, p.manager, p.stage, p.start_date,
                   p.end_date, p.budget, p.probability_of_success, p.mandatory,
                   coalesce((SELECT sum(cost) FROM project_cashflows c
                             WHERE c.project_id = p.project_id AND c.period >= ?), 0) AS forward_cost
            FROM projects p JOIN selected_projects USING (project_id) ORDER BY p.project_id
            """,
            [as_of],
        ).df()
    finally:
        con.unregister("selected_projects")
    # Valuing only the filtered projects gives each the same figures, for less work.
    subset = ids if flt.restricts else None
    if returns:
        money = finance.project_financials(con, rate=rate, project_ids=subset)
    else:
        money = finance.forward_values(con, rate=rate, flows=finance.load_flows(con, subset))
    health = effective_health(con)[["project_id", "cpi", "spi", "eac", "health", "health_source", "evm_health"]]
    return base.merge(money, on="project_id", how="left").merge(health, on="project_id", how="left")


def summary(con: duckdb.DuckDBPyConnection, flt: PortfolioFilter, rate: float | None = None, months: int = 12) -> dict:
    """Return the portfolio's headline figures over the filtered projects: the one home of every headline tile.

    The overview shows the same figures over the whole portfolio (``PortfolioFilter()``); ``LABELS`` names them
    and ``DEFINITIONS`` says what each means.

    - ``projects_by_stage``: count per stage; ``live_projects`` (proposed, approved, active, on hold) and
      ``active_projects``.
    - ``forward_budget``: Σ cost dated on or after as_of of live projects; ``committed_budget`` the same over
      approved and active projects only.
    - ``npv`` and ``rnpv``: Σ over live projects of ``finance`` NPV and rNPV at ``rate``, both forward.
    - ``strategic_score``: live projects' strategic scores weighted by their forward cost (a project that spends
      more of the money counts more); the plain mean when none has forward cost. ``alignment_recorded``: whether
      the store holds any objective and alignment score (without, every score is 0 by default, not by judgement).
    - ``capacity_utilisation``: over the ``months`` months from the month of as_of, Σ FTE demanded by the filtered
      approved and active projects / Σ capacity of every team (teams are shared, so capacity is not filtered); NaN
      without capacity. ``overbooked_team_months``: team-months in that span whose committed demand exceeds
      capacity. ``capacity_recorded``: whether any team has capacity in that span.
    - ``red_projects``: live projects whose effective health (``effective_health``) is red; ``health_tracked``:
      live projects with any health (stored, or from a progress snapshot).
    - ``risk_exposure``: Σ probability × impact over open and mitigating risks of live projects;
      ``risks_recorded``: how many risks the filtered projects have at all (0: the exposure is unknown, not 0).
    """
    table = project_table(con, flt, rate, returns=False)
    live = table[table["stage"].isin(LIVE_STAGES)]
    weights = live["forward_cost"].to_numpy()
    scores = live["strategic_score"].to_numpy()
    weighted = (
        float(np.average(scores, weights=weights))
        if weights.sum() > 0
        else (float(scores.mean()) if len(scores) else float("nan"))
    )
    capacity = capacity_vs_demand(con, flt, months=months)
    committed = capacity["committed_fte"].sum()
    total_capacity = capacity["capacity_fte"].sum()
    risks = risk_register(con, flt)
    open_live = risks[risks["status"].isin(OPEN_RISK_STATUSES) & risks["stage"].isin(LIVE_STAGES)]
    by_stage = table["stage"].value_counts()
    return {
        "projects_by_stage": {s: int(by_stage.get(s, 0)) for s in STAGE_ORDER},
        "live_projects": int(len(live)),
        "active_projects": int(by_stage.get(ACTIVE_STAGE, 0)),
        "forward_budget": float(live["forward_cost"].sum()),
        "committed_budget": float(live.loc[live["stage"].isin(COMMITTED_STAGES), "forward_cost"].sum()),
        "npv": float(live["npv"].sum()),
        "rnpv": float(live["rnpv"].sum()),
        "strategic_score": weighted,
        "capacity_utilisation": float(committed / total_capacity) if total_capacity > 0 else float("nan"),
        "overbooked_team_months": int(capacity["overbooked"].sum()) if total_capacity > 0 else 0,
        "capacity_recorded": bool(total_capacity > 0),
        "alignment_recorded": bool(
            con.execute("SELECT count(*) FROM project_alignment JOIN objectives USING (objective_id)").fetchone()[0]
        ),
        "red_projects": int((live["health"] == "red").sum()),
        "health_tracked": int(live["health"].notna().sum()),
        "risk_exposure": float(open_live["exposure"].sum()),
        "risks_recorded": int(len(risks)),
    }


def capacity_vs_demand(
    con: duckdb.DuckDBPyConnection, flt: PortfolioFilter, months: int = 12, start: date | None = None
) -> pd.DataFrame:
    """Return demand against capacity per team and month, from the month of ``start`` (default as_of) on.

    Columns: team_id, team, period, capacity_fte, committed_fte (approved + active projects), proposed_fte
    (proposed projects, not yet committed), utilisation = committed / capacity (NaN without capacity),
    overbooked (committed > capacity). Demand counts only the filtered projects; capacity is the team's.
    """
    month0 = (start or read_settings(con).as_of).replace(day=1)
    end = (pd.Timestamp(month0) + pd.DateOffset(months=months)).date()
    con.register("selected_projects", _ids_frame(flt.project_ids(con)))
    try:
        frame = con.execute(
            f"""
            WITH demand AS (
                SELECT d.team_id, d.period,
                       sum(d.fte) FILTER (WHERE p.stage IN ({COMMITTED_SQL})) AS committed_fte,
                       sum(d.fte) FILTER (WHERE p.stage = '{PROPOSED_STAGE}') AS proposed_fte
                FROM project_demand d JOIN projects p USING (project_id) JOIN selected_projects USING (project_id)
                WHERE d.period >= ? AND d.period < ?
                GROUP BY ALL
            ),
            months AS (SELECT DISTINCT period FROM team_capacity WHERE period >= ? AND period < ?)
            SELECT t.team_id, t.name AS team, m.period, coalesce(c.fte, 0) AS capacity_fte,
                   coalesce(d.committed_fte, 0) AS committed_fte, coalesce(d.proposed_fte, 0) AS proposed_fte
            FROM teams t CROSS JOIN months m
            LEFT JOIN team_capacity c ON c.team_id = t.team_id AND c.period = m.period
            LEFT JOIN demand d ON d.team_id = t.team_id AND d.period = m.period
            ORDER BY t.team_id, m.period
            """,  # noqa: S608 -- the interpolated stages are constants of analytics.rules
            [month0, end, month0, end],
        ).df()
    finally:
        con.unregister("selected_projects")
    frame["utilisation"] = frame["committed_fte"] / frame["capacity_fte"].where(frame["capacity_fte"] > 0)
    frame["overbooked"] = frame["committed_fte"] > frame["capacity_fte"]
    return frame


def busiest_team(cells: pd.DataFrame) -> str | None:
    """Return the team whose most loaded month in ``cells`` (``capacity_vs_demand``) is the most loaded of all.

    None when there are no cells; a tie goes to the team first by name.
    """
    if cells.empty:
        return None
    return cells.groupby("team")["utilisation"].max().idxmax()


def overbooking_causes(
    con: duckdb.DuckDBPyConnection, flt: PortfolioFilter, months: int = 12, top: int = 3
) -> pd.DataFrame:
    """Return the over-booked team-months with the committed projects that ask most of each team that month.

    Columns: team_id, team, period, capacity_fte, committed_fte, excess_fte, projects (text: "P-012 Name 2.5 FTE;
    ..." for the ``top`` largest demands).
    """
    cells = capacity_vs_demand(con, flt, months)
    over = cells[cells["overbooked"]].copy()
    if over.empty:
        return over.assign(excess_fte=pd.Series(dtype=float), projects=pd.Series(dtype=object))
    con.register("selected_projects", _ids_frame(flt.project_ids(con)))
    con.register("over_cells", over[["team_id", "period"]])
    try:
        causes = con.execute(
            f"""
            WITH ranked AS (
                SELECT d.team_id, d.period, d.project_id, p.name, d.fte
                FROM project_demand d JOIN projects p USING (project_id) JOIN selected_projects USING (project_id)
                JOIN over_cells o ON o.team_id = d.team_id AND o.period = d.period
                WHERE p.stage IN ({COMMITTED_SQL}) AND d.fte > 0
                QUALIFY row_number() OVER (PARTITION BY d.team_id, d.period ORDER BY d.fte DESC, d.project_id) <= ?
            )
            SELECT team_id, period,
                   string_agg(project_id || ' ' || name || ' ' || printf('%.1f FTE', fte), '; '
                              ORDER BY fte DESC, project_id) AS projects
            FROM ranked GROUP BY ALL
            """,  # noqa: S608 -- the interpolated stages are constants of analytics.rules
            [top],
        ).df()
    finally:
        con.unregister("over_cells")
        con.unregister("selected_projects")
    over["excess_fte"] = over["committed_fte"] - over["capacity_fte"]
    return over.merge(causes, on=["team_id", "period"], how="left")[
        ["team_id", "team", "period", "capacity_fte", "committed_fte", "excess_fte", "projects"]
    ].sort_values(["period", "excess_fte"], ascending=[True, False], ignore_index=True)


def risk_register(con: duckdb.DuckDBPyConnection, flt: PortfolioFilter) -> pd.DataFrame:
    """Return the risks of the filtered projects with exposure = probability × impact and their 5×5 cell.

    ``probability_bin`` is 1–5 for [0, 0.2), [0.2, 0.4), [0.4, 0.6), [0.6, 0.8), [0.8, 1.0] (1.0 goes to 5).
    """
    con.register("selected_projects", _ids_frame(flt.project_ids(con)))
    try:
        frame = con.execute(
            """
            SELECT r.risk_id, r.project_id, p.name AS project, p.stage, r.title, r.category, r.probability,
                   r.impact, r.probability * r.impact AS exposure,
                   least(5, 1 + floor(r.probability * 5))::INTEGER AS probability_bin,
                   r.status, r.owner, r.mitigation, r.raised_on
            FROM risks r JOIN projects p USING (project_id) JOIN selected_projects USING (project_id)
            ORDER BY exposure DESC, r.risk_id
            """
        ).df()
    finally:
        con.unregister("selected_projects")
    return frame


def risk_matrix(con: duckdb.DuckDBPyConnection, flt: PortfolioFilter) -> pd.DataFrame:
    """Return the 5×5 matrix of open and mitigating risks: one row per (probability_bin, impact) cell.

    Columns probability_bin (1–5), impact (1–5), risks (count), exposure (Σ probability × impact); all 25
    cells are present, empty ones with 0.
    """
    risks = risk_register(con, flt)
    risks = risks[risks["status"].isin(OPEN_RISK_STATUSES)]
    grid = pd.MultiIndex.from_product([range(1, 6), range(1, 6)], names=["probability_bin", "impact"])
    cells = risks.groupby(["probability_bin", "impact"]).agg(risks=("risk_id", "size"), exposure=("exposure", "sum"))
    return cells.reindex(grid, fill_value=0).reset_index()


def alignment_matrix(con: duckdb.DuckDBPyConnection, flt: PortfolioFilter, largest: int | None = None) -> pd.DataFrame:
    """Return projects × objectives alignment scores (0–5; 0 where no score is recorded), live projects only.

    Index: project label ("P-001 Name"), in id order; columns: objective names in weight order. With ``largest``,
    only that many projects: those with the most forward cost (a heatmap of 2,000 rows informs nobody).
    """
    ids = set(flt.project_ids(con))
    if largest is not None:
        as_of = read_settings(con).as_of
        spend = con.execute(
            f"""
            SELECT p.project_id, coalesce(sum(c.cost) FILTER (WHERE c.period >= ?), 0) AS forward_cost
            FROM projects p LEFT JOIN project_cashflows c USING (project_id)
            WHERE p.stage IN ({LIVE_SQL}) GROUP BY p.project_id
            ORDER BY forward_cost DESC, p.project_id
            """,  # noqa: S608 -- the interpolated stages are constants of analytics.rules
            [as_of],
        ).fetchall()
        ranked = [project_id for project_id, _ in spend if project_id in ids]
        ids = set(ranked[:largest])
    frame = con.execute(
        f"""
        SELECT p.project_id, p.project_id || ' ' || p.name AS project, o.name AS objective, o.weight,
               coalesce(a.score, 0) AS score
        FROM projects p CROSS JOIN objectives o
        LEFT JOIN project_alignment a ON a.project_id = p.project_id AND a.objective_id = o.objective_id
        WHERE p.stage IN ({LIVE_SQL})
        """  # noqa: S608 -- the interpolated stages are constants of analytics.rules
    ).df()
    frame = frame[_among(frame["project_id"], ids)]
    objectives = frame.drop_duplicates("objective").sort_values("weight", ascending=False)["objective"]
    return frame.pivot_table(index="project", columns="objective", values="score", aggfunc="first").reindex(
        columns=list(objectives)
    )


def investment_by_objective(con: duckdb.DuckDBPyConnection, flt: PortfolioFilter) -> pd.DataFrame:
    """Return forward cost of live projects split across objectives in proportion to weight × score.

    A project's forward cost is shared between objectives by ``w_o · s_po / Σ_o w_o · s_po``; projects that serve
    no objective are reported as "No objective". Columns: objective, forward_cost, projects (serving it).
    """
    table = project_table(con, flt, returns=False)
    live = table[table["stage"].isin(LIVE_STAGES)][["project_id", "forward_cost"]]
    shares = con.execute(
        """
        SELECT a.project_id, o.name AS objective, o.weight * a.score AS weight
        FROM project_alignment a JOIN objectives o USING (objective_id) WHERE a.score > 0
        """
    ).df()
    shares = shares[_among(shares["project_id"], live["project_id"])]
    shares["share"] = shares["weight"] / shares.groupby("project_id")["weight"].transform("sum")
    split = shares.merge(live, on="project_id")
    split["forward_cost"] = split["forward_cost"] * split["share"]
    result = split.groupby("objective").agg(forward_cost=("forward_cost", "sum"), projects=("project_id", "nunique"))
    unaligned = live[~_among(live["project_id"], shares["project_id"])]
    if len(unaligned):
        result.loc["No objective"] = [unaligned["forward_cost"].sum(), len(unaligned)]
    return result.sort_values("forward_cost", ascending=False).reset_index()


#: Products the strategy tab's bars name one by one; the rest fold into one "Other (N products)" bar.
TOP_INVESTMENT_PRODUCTS = 12


def investment_by_product(
    con: duckdb.DuckDBPyConnection, flt: PortfolioFilter, top: int = TOP_INVESTMENT_PRODUCTS
) -> pd.DataFrame:
    """Return forward cost and rNPV of live projects per product ("No product" for cross-cutting work).

    The ``top`` products by forward cost keep a row each; every other product is summed into one last row named
    "Other (N products)": at 1,700 products a bar each drew a chart 40,000 px tall that no one could read. Products
    are told apart by id, so two products of one name are two rows (the id in brackets after the name).
    """
    table = project_table(con, flt, returns=False)
    live = table[table["stage"].isin(LIVE_STAGES)].copy()
    products = con.execute("SELECT product_id, name FROM products").df()
    shared = products["name"].duplicated(keep=False)
    products["label"] = products["name"].where(~shared, products["name"] + " (" + products["product_id"] + ")")
    names = dict(zip(products["product_id"], products["label"], strict=True))
    live["product"] = live["product_id"].map(names).astype(object).fillna("No product")  # all-null ids map to floats
    grouped = (
        live.groupby("product")
        .agg(forward_cost=("forward_cost", "sum"), rnpv=("rnpv", "sum"), projects=("project_id", "size"))
        .sort_values(["forward_cost", "projects"], ascending=False)
        .reset_index()
    )
    if len(grouped) <= top + 1:  # folding one product into "Other" would only rename it
        return grouped
    kept, rest = grouped.iloc[:top], grouped.iloc[top:]
    other = {"product": f"Other ({len(rest):,} products)", **rest[["forward_cost", "rnpv", "projects"]].sum()}
    return pd.concat([kept, pd.DataFrame([other])], ignore_index=True)


def unaligned_projects(con: duckdb.DuckDBPyConnection, flt: PortfolioFilter) -> pd.DataFrame:
    """Return live projects whose strategic score is 0: they serve no objective."""
    table = project_table(con, flt, returns=False)
    mask = table["stage"].isin(LIVE_STAGES) & (table["strategic_score"] == 0)
    return table.loc[mask, ["project_id", "name", "program", "stage", "forward_cost", "rnpv"]].reset_index(drop=True)


def dependency_graph(
    con: duckdb.DuckDBPyConnection, flt: PortfolioFilter, focus: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (nodes, edges) of the dependency graph among the filtered projects, laid out in layers.

    A project's layer is the length of the longest chain of projects it depends on (so every edge points from a
    lower to a higher layer: prerequisites on the left). Within a layer, nodes are ordered by the mean position of
    their prerequisites and dependants (a few barycentre sweeps), which keeps crossings down at 60+ nodes.
    With ``focus``, only that project's chain: everything it depends on and everything that depends on it.
    Nodes: project_id, name, stage, health, rnpv, layer, order, x, y. Edges: project_id (dependant), depends_on,
    kind, x0, y0 (prerequisite), x1, y1 (dependant).
    """
    table = project_table(con, flt, returns=False)
    ids = set(table["project_id"])
    edges = con.execute("SELECT project_id, depends_on, kind FROM project_dependencies").df()
    edges = edges[_among(edges["project_id"], ids) & _among(edges["depends_on"], ids)].reset_index(drop=True)
    if focus is not None:
        chain = _chain(edges, focus)
        edges = edges[_among(edges["project_id"], chain) & _among(edges["depends_on"], chain)].reset_index(drop=True)
    involved = sorted(set(edges["project_id"]) | set(edges["depends_on"]))
    nodes = table[_among(table["project_id"], involved)][["project_id", "name", "stage", "health", "rnpv"]].copy()
    prerequisites: dict[str, list[str]] = {}
    for dependant_id, prerequisite_id in zip(edges["project_id"], edges["depends_on"], strict=True):
        prerequisites.setdefault(dependant_id, []).append(prerequisite_id)
    layer: dict[str, int] = {}

    def depth(node: str, trail: frozenset = frozenset()) -> int:
        if node in layer:
            return layer[node]
        if node in trail:
            raise ValueError(f"dependency cycle through {node}")
        layer[node] = 1 + max((depth(p, trail | {node}) for p in prerequisites.get(node, [])), default=-1)
        return layer[node]

    for node in involved:
        depth(node)
    # Typed, so that a portfolio without dependencies (no nodes) still does arithmetic on empty integer columns.
    nodes["layer"] = nodes["project_id"].map(layer).astype("int64")
    # Barycentre sweeps on index arrays: each node's neighbours are the pairs (a -> b) in both edge directions.
    index = {node: i for i, node in enumerate(involved)}
    dependant = edges["project_id"].map(index).to_numpy(dtype=np.int64)
    prerequisite = edges["depends_on"].map(index).to_numpy(dtype=np.int64)
    a, b = np.concatenate([dependant, prerequisite]), np.concatenate([prerequisite, dependant])
    degree = np.bincount(a, minlength=len(involved))
    node_layer = np.array([layer[node] for node in involved], dtype=np.int64)
    layers = [np.flatnonzero(node_layer == k) for k in np.unique(node_layer)]
    order = np.zeros(len(involved))
    for members in layers:
        order[members] = np.arange(len(members))
    for _ in range(6):
        for members in layers:
            total = np.bincount(a, weights=order[b], minlength=len(involved))
            centre = np.where(degree > 0, total / np.maximum(degree, 1), order)
            # Ties keep id order: members are indices into the sorted ids.
            ranked = members[np.lexsort((members, centre[members]))]
            order[ranked] = np.arange(len(members))
    nodes["order"] = nodes["project_id"].map(dict(zip(involved, order.astype(int), strict=True))).astype("int64")
    # Centre each layer vertically so short layers do not hug the top.
    size = nodes.groupby("layer")["order"].transform("max") + 1
    nodes["x"] = nodes["layer"].astype(float)
    nodes["y"] = -(nodes["order"] - (size - 1) / 2)
    position = nodes.set_index("project_id")[["x", "y"]]
    edges = edges.join(position, on="depends_on").rename(columns={"x": "x0", "y": "y0"})
    edges = edges.join(position, on="project_id").rename(columns={"x": "x1", "y": "y1"})
    return nodes.sort_values(["layer", "order"], ignore_index=True), edges


def _chain(edges: pd.DataFrame, focus: str) -> set[str]:
    """Return ``focus`` with every project it reaches along ``edges``, upstream and downstream (not sideways)."""
    chain = {focus}
    for source, target in (("project_id", "depends_on"), ("depends_on", "project_id")):
        step: dict[str, list[str]] = {}
        for a, b in zip(edges[source], edges[target], strict=True):
            step.setdefault(a, []).append(b)
        frontier = [focus]
        while frontier:
            reached = [b for a in frontier for b in step.get(a, []) if b not in chain]
            chain.update(reached)
            frontier = reached
    return chain


def downstream(con: duckdb.DuckDBPyConnection, project_id: str, rate: float | None = None) -> pd.DataFrame:
    """Return every project that depends on ``project_id``, directly or through others: what a slip would hit.

    Columns: project_id, name, stage, distance (1 = depends on it directly), rnpv (value at stake, at ``rate``).
    """
    frame = con.execute(
        """
        WITH RECURSIVE hit(project_id, distance) AS (
            SELECT project_id, 1 FROM project_dependencies WHERE depends_on = ?
            UNION
            SELECT d.project_id, h.distance + 1 FROM project_dependencies d JOIN hit h ON d.depends_on = h.project_id
            WHERE h.distance < 100
        )
        SELECT h.project_id, p.name, p.stage, min(h.distance) AS distance
        FROM hit h JOIN projects p USING (project_id) GROUP BY ALL ORDER BY distance, h.project_id
        """,
        [project_id],
    ).df()
    hit = finance.load_flows(con, list(frame["project_id"]))
    money = finance.forward_values(con, rate, flows=hit)[["project_id", "rnpv"]]
    return frame.merge(money, on="project_id", how="left")


def value_at_stake(hit: pd.DataFrame) -> float:
    """Return the rNPV the projects ``downstream`` of a slipping one carry: what the slip puts at risk."""
    return float(hit["rnpv"].sum())


def upstream(con: duckdb.DuckDBPyConnection, project_id: str) -> pd.DataFrame:
    """Return every project ``project_id`` depends on, directly or through others (columns as ``downstream``)."""
    return con.execute(
        """
        WITH RECURSIVE need(project_id, distance) AS (
            SELECT depends_on, 1 FROM project_dependencies WHERE project_id = ?
            UNION
            SELECT d.depends_on, n.distance + 1 FROM project_dependencies d JOIN need n ON d.project_id = n.project_id
            WHERE n.distance < 100
        )
        SELECT n.project_id, p.name, p.stage, min(n.distance) AS distance
        FROM need n JOIN projects p USING (project_id) GROUP BY ALL ORDER BY distance, n.project_id
        """,
        [project_id],
    ).df()


def project_detail(con: duckdb.DuckDBPyConnection, project_id: str, rate: float | None = None) -> dict:
    """Return everything the detail panel shows about one project.

    Keys: ``project`` (its row of ``project_table``, a dict), ``cashflows`` (period, cost, benefit, net,
    cumulative_net), ``evm`` (as_of, planned_value, earned_value, actual_cost), ``alignment`` (objective, weight,
    score), ``risks`` (its rows of ``risk_register``), ``upstream`` and ``downstream`` (see those functions).
    """
    table = project_table(con, PortfolioFilter(ids=(project_id,)), rate)
    row = table[table["project_id"] == project_id]
    if row.empty:
        raise KeyError(f"no project {project_id!r} in the store")
    cashflows = con.execute(
        "SELECT period, cost, benefit, benefit - cost AS net FROM project_cashflows WHERE project_id = ? "
        "ORDER BY period",
        [project_id],
    ).df()
    cashflows["cumulative_net"] = cashflows["net"].cumsum()
    evm = con.execute(
        "SELECT as_of, planned_value, earned_value, actual_cost FROM project_progress WHERE project_id = ? "
        "ORDER BY as_of",
        [project_id],
    ).df()
    alignment = con.execute(
        """
        SELECT o.name AS objective, o.weight, coalesce(a.score, 0) AS score FROM objectives o
        LEFT JOIN project_alignment a ON a.objective_id = o.objective_id AND a.project_id = ?
        ORDER BY o.weight DESC
        """,
        [project_id],
    ).df()
    risks = risk_register(con, PortfolioFilter())
    return {
        "project": row.iloc[0].to_dict(),
        "cashflows": cashflows,
        "evm": evm,
        "alignment": alignment,
        "risks": risks[risks["project_id"] == project_id].reset_index(drop=True),
        "upstream": upstream(con, project_id),
        "downstream": downstream(con, project_id, rate),
    }


def cumulative_cash_flow(con: duckdb.DuckDBPyConnection, flt: PortfolioFilter) -> pd.DataFrame:
    """Return the filtered live projects' planned cost, benefit and cumulative net per month, all months planned."""
    ids = [i for i in project_table(con, flt, returns=False).query("stage in @LIVE_STAGES")["project_id"]]
    con.register("selected_projects", _ids_frame(ids))
    try:
        frame = con.execute(
            """
            SELECT period, sum(cost) AS cost, sum(benefit) AS benefit, sum(benefit) - sum(cost) AS net
            FROM project_cashflows JOIN selected_projects USING (project_id) GROUP BY period ORDER BY period
            """
        ).df()
    finally:
        con.unregister("selected_projects")
    frame["cumulative_net"] = frame["net"].cumsum()
    return frame


def pipeline_by_stage(con: duckdb.DuckDBPyConnection, flt: PortfolioFilter, rate: float | None = None) -> pd.DataFrame:
    """Return per stage (in pipeline order): projects, forward cost and rNPV of the filtered projects."""
    table = project_table(con, flt, rate, returns=False)
    grouped = table.groupby("stage").agg(
        projects=("project_id", "size"), forward_cost=("forward_cost", "sum"), rnpv=("rnpv", "sum")
    )
    return grouped.reindex([s for s in STAGE_ORDER if s in grouped.index]).reset_index()


#: The download of the money table: every figure's basis in its column name, forward and lifetime side by side.
EXPORT_COLUMNS = {
    "project_id": "project_id",
    "name": "name",
    "program": "program",
    "stage": "stage",
    "health": "health",
    "budget": "budget",
    "eac": "eac",
    "cpi": "cpi",
    "spi": "spi",
    "forward_cost": "forward_cost",
    "npv": "npv_forward",
    "rnpv": "rnpv_forward",
    "irr_forward": "irr_forward",
    "roi_forward": "roi_forward",
    "payback_months_forward": "payback_months_forward",
    "profitability_index": "profitability_index_forward",
    "irr": "irr_lifetime",
    "roi": "roi_lifetime",
    "payback_months": "payback_months_lifetime",
    "strategic_score": "strategic_score",
}


def money_export(table: pd.DataFrame) -> pd.DataFrame:
    """Return the money table of ``project_table`` rows as downloaded: columns named with their basis.

    "forward" figures count the flows on or after the valuation date, "lifetime" ones all planned flows.
    """
    return table[list(EXPORT_COLUMNS)].rename(columns=EXPORT_COLUMNS)
