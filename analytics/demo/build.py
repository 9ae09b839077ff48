"""Build the demo store: generate every table of the company and bulk-load them in one transaction."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import store
from analytics.demo.company import (
    AS_OF,
    METRICS,
    OBJECTIVES,
    SCALES,
    TEAM_POOL,
    Scale,
)
from analytics.demo.portfolio import (
    generate_progress,
    generate_projects,
    generate_risks,
    generate_start_windows,
    generate_team_capacity,
)
from analytics.demo.product import (
    generate_features,
    generate_feedback,
    generate_kpis,
    generate_products,
    generate_retention,
)


def build_demo(path: str | os.PathLike, scale: str = "demo", seed: int = 7) -> str:
    """Build the demo store at ``path``, replacing any store there, and return a one-line summary.

    Parameters
    ----------
    path
        The DuckDB file to (re)create.
    scale
        ``"demo"`` (6 products, 64 projects, 9 teams) or ``"bench"`` (2,000 projects, 12 teams, 10M+ KPI rows).
    seed
        Same seed, same content.

    Raises
    ------
    analytics.store.StoreHeldError
        When another process holds the store at ``path`` open; the store is left as it was.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, not {scale!r}")
    size = SCALES[scale]
    # Built beside the store and renamed over it, so a failed build leaves the old store as it was; a store that
    # another process serves is refused with a sentence naming that process (StoreHeldError).
    with store.replacing(path) as building:
        tables = generate(size, seed)
        _write_tables(building, tables)
    return ", ".join(f"{len(tables[t]):,} {t}" for t in ("projects", "kpi_history", "feedback", "features"))


def add_start_windows(con, seed: int = 7) -> int:
    """Give a demo store built before start windows existed the windows a new build would have; return how many.

    The windows come from their own random stream (``generate_start_windows``), so the store then holds exactly
    what ``build_demo`` with the same seed builds today, without rebuilding it (the bench store takes minutes).
    One transaction; a project's window is replaced.
    """
    projects = con.execute("SELECT project_id, stage, start_date FROM projects ORDER BY project_id").df()
    windows = generate_start_windows(seed, projects)
    with store.transaction(con):
        con.register("windows", windows)
        con.execute(
            "UPDATE projects SET earliest_start = w.earliest_start, latest_start = w.latest_start "
            "FROM windows w WHERE projects.project_id = w.project_id"
        )
        con.unregister("windows")
    return int(windows["latest_start"].notna().sum())


def _write_tables(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    con = store.connect(path)
    try:
        with store.transaction(con):
            for table in store.CONTRACT_TABLES:
                frame = tables.get(table)
                if frame is None or frame.empty:
                    continue
                con.register("incoming", frame)
                columns = ", ".join(frame.columns)
                # Table and column names come from this module's own frames, never from input.
                con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming")  # noqa: S608
                con.unregister("incoming")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def generate(size: Scale, seed: int) -> dict[str, pd.DataFrame]:
    """Generate every table of the demo company as DataFrames keyed by table name."""
    as_of = np.datetime64(AS_OF, "D")
    tables: dict[str, pd.DataFrame] = {}
    tables["settings"] = pd.DataFrame(
        {
            "key": ["as_of", "currency", "company", "discount_rate", "fiscal_year_start_month"],
            "value": [AS_OF.isoformat(), "USD", "Halyard Software", "0.08", "1"],
        }
    )
    tables["objectives"] = OBJECTIVES.copy()
    tables["kpi_definitions"] = METRICS.copy()
    products = generate_products(size, seed)
    tables["products"] = products.drop(columns=["users0", "growth", "arpu", "churn", "satisfaction"])
    teams = pd.DataFrame(TEAM_POOL[: size.teams], columns=["team_id", "name", "skill"])
    tables["teams"] = teams

    projects, cashflows, demand, alignment, dependencies = generate_projects(size, seed, as_of, products, teams)
    windows = generate_start_windows(seed, projects).set_index("project_id")
    tables["projects"] = projects.assign(
        earliest_start=windows["earliest_start"].reindex(projects["project_id"]).to_numpy(),
        latest_start=windows["latest_start"].reindex(projects["project_id"]).to_numpy(),
    )
    tables["project_cashflows"] = cashflows
    tables["project_demand"] = demand
    tables["project_alignment"] = alignment
    tables["project_dependencies"] = dependencies
    tables["team_capacity"] = generate_team_capacity(seed, as_of, teams, demand, projects)
    tables["project_progress"] = generate_progress(seed, as_of, projects, cashflows)
    tables["risks"] = generate_risks(seed, as_of, projects)

    features = generate_features(size, seed, as_of, products, projects)
    tables["features"] = features
    history, targets, monthly_signups = generate_kpis(seed, as_of, products, features)
    tables["kpi_history"] = history
    tables["kpi_targets"] = targets
    tables["feedback"] = generate_feedback(size, seed, as_of, products)
    tables["retention_cohorts"] = generate_retention(seed, as_of, products, monthly_signups)
    return tables
