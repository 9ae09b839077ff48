"""The demo company: deterministic, complete, and believable (the numbers an executive would question hold)."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from analytics import store
from analytics.demo import build_demo
from analytics.rules import COMMITTED_SQL

EMPTY_BY_DESIGN = {"scenarios", "scenario_projects", "import_log", "decisions", "user_roles"}


def table_rows(con, table):
    columns = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", [table]
        ).fetchall()
    ]
    order = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()


@pytest.fixture(scope="module")
def seed_stores(demo_store_path, tmp_path_factory):
    """The session's demo store (seed 7) beside a second, independent build at seed 7 and one at seed 8."""
    folder = tmp_path_factory.mktemp("seeds")
    paths = {"a": demo_store_path}
    for name, seed in (("b", 7), ("c", 8)):
        paths[name] = folder / f"{name}.duckdb"
        build_demo(paths[name], seed=seed)
    return paths


def test_same_seed_same_store_and_another_seed_differs(seed_stores):
    cons = {k: store.connect(p, read_only=True) for k, p in seed_stores.items()}
    try:
        differs = []
        for table in store.CONTRACT_TABLES:
            rows = {k: table_rows(con, table) for k, con in cons.items()}
            assert rows["a"] == rows["b"], table
            if rows["a"] != rows["c"]:
                differs.append(table)
        assert {"kpi_history", "projects", "project_cashflows", "feedback"} <= set(differs)
    finally:
        for con in cons.values():
            con.close()


def test_rebuilding_replaces_the_store(demo_store_path, tmp_path):
    path = tmp_path / "again.duckdb"
    shutil.copyfile(demo_store_path, path)
    build_demo(path, seed=7)
    con = store.connect(path, read_only=True)
    assert con.execute("SELECT count(*) FROM projects").fetchone()[0] == 64
    con.close()


def test_unknown_scale_is_refused(tmp_path):
    with pytest.raises(ValueError, match="scale must be one of"):
        build_demo(tmp_path / "x.duckdb", scale="galactic")


def test_every_table_has_rows_except_the_ones_users_fill(demo_con):
    for table, rows in store.table_counts(demo_con).items():
        if table in EMPTY_BY_DESIGN:
            assert rows == 0, table
        else:
            assert rows > 0, table


def scalar(con, sql, params=()):
    return con.execute(sql, params).fetchone()[0]


def test_the_minimums_the_issue_asks_for(demo_con):
    assert scalar(demo_con, "SELECT count(*) FROM products") == 6
    assert scalar(demo_con, "SELECT count(DISTINCT lifecycle_stage) FROM products") == 4
    assert scalar(demo_con, "SELECT count(*) FROM projects") >= 60
    assert scalar(demo_con, "SELECT count(DISTINCT stage) FROM projects") == 6
    assert scalar(demo_con, "SELECT count(*) FROM teams") >= 8
    assert 4 <= scalar(demo_con, "SELECT count(*) FROM objectives") <= 6
    assert scalar(demo_con, "SELECT count(*) FROM features") >= 150
    assert scalar(demo_con, "SELECT count(*) FROM feedback") >= 5000
    assert scalar(demo_con, "SELECT count(*) FROM risks") >= 60
    assert scalar(demo_con, "SELECT count(*) FROM project_dependencies") >= 30
    assert scalar(demo_con, "SELECT count(DISTINCT metric) FROM kpi_history") >= 5
    # Three years of daily history for a product that has been around that long.
    span = scalar(demo_con, "SELECT max(date) - min(date) FROM kpi_history WHERE product_id = 'LEDGER'")
    assert span == 3 * 365


def test_settings_fix_the_valuation(demo_con):
    settings = store.read_settings(demo_con)
    assert settings.as_of.isoformat() == "2026-10-15"
    assert settings.currency == "USD" and settings.company and settings.discount_rate == pytest.approx(0.08)
    assert scalar(demo_con, "SELECT max(date) FROM kpi_history") == settings.as_of


def test_nothing_an_executive_would_laugh_at(demo_con):
    assert scalar(demo_con, "SELECT count(*) FROM kpi_history WHERE value < 0") == 0
    assert scalar(demo_con, "SELECT count(*) FROM projects WHERE end_date < start_date") == 0
    assert scalar(demo_con, "SELECT count(*) FROM project_cashflows WHERE cost < 0 OR benefit < 0") == 0
    # No KPI rows before a product launched.
    assert (
        scalar(demo_con, "SELECT count(*) FROM kpi_history JOIN products USING (product_id) WHERE date < launched_on")
        == 0
    )
    # Noise is not uniform white noise: day-to-day active users move smoothly.
    jump = scalar(
        demo_con,
        """
        SELECT max(abs(value / lag - 1)) FROM (
            SELECT value, lag(value) OVER (PARTITION BY product_id ORDER BY date) AS lag
            FROM kpi_history WHERE metric = 'active_users' AND product_id = 'LEDGER')
        WHERE lag IS NOT NULL""",
    )
    assert jump < 0.05


def test_month_columns_are_month_starts(demo_con):
    for table, column in (
        ("team_capacity", "period"),
        ("project_cashflows", "period"),
        ("project_demand", "period"),
        ("kpi_targets", "period"),
        ("retention_cohorts", "cohort_month"),
    ):
        assert scalar(demo_con, f"SELECT count(*) FROM {table} WHERE day({column}) <> 1") == 0, table


def test_dependency_graph_is_acyclic(demo_con):
    edges = demo_con.execute("SELECT project_id, depends_on FROM project_dependencies").fetchall()
    graph: dict[str, list[str]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
    state: dict[str, int] = {}

    def visit(node):
        state[node] = 1
        for nxt in graph.get(node, []):
            assert state.get(nxt) != 1, f"cycle through {node} -> {nxt}"
            if nxt not in state:
                visit(nxt)
        state[node] = 2

    for node in list(graph):
        if node not in state:
            visit(node)


def test_some_teams_are_overbooked_in_some_months(demo_con):
    overbooked = scalar(
        demo_con,
        f"""
        WITH demand AS (
            SELECT team_id, period, sum(fte) AS fte FROM project_demand JOIN projects USING (project_id)
            WHERE stage IN ({COMMITTED_SQL}) GROUP BY ALL)
        SELECT count(DISTINCT team_id) FROM demand JOIN team_capacity c USING (team_id, period)
        WHERE demand.fte > c.fte""",
    )
    assert overbooked >= 2


def test_some_projects_are_over_budget_and_some_are_late(demo_con):
    latest = """
        SELECT earned_value / actual_cost AS cpi, earned_value / planned_value AS spi FROM project_progress
        QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY as_of DESC) = 1"""
    assert scalar(demo_con, f"SELECT count(*) FROM ({latest}) WHERE cpi < 0.9") >= 2
    assert scalar(demo_con, f"SELECT count(*) FROM ({latest}) WHERE spi < 0.9") >= 2


def test_retention_holds_only_cells_already_reached(demo_con):
    immature = scalar(
        demo_con,
        """
        SELECT count(*) FROM retention_cohorts, settings
        WHERE key = 'as_of' AND cohort_month + to_months(month_offset) >= date_trunc('month', value::DATE)""",
    )
    assert immature == 0
    assert (
        scalar(demo_con, "SELECT count(*) FROM retention_cohorts WHERE month_offset = 0 AND retained <> cohort_size")
        == 0
    )


def test_feedback_has_both_scores_some_only_one_and_several_themes(demo_con):
    assert scalar(demo_con, "SELECT count(*) FROM feedback WHERE nps_score IS NULL AND csat_score IS NOT NULL") > 0
    assert scalar(demo_con, "SELECT count(*) FROM feedback WHERE csat_score IS NULL AND nps_score IS NOT NULL") > 0
    assert scalar(demo_con, "SELECT count(DISTINCT theme) FROM feedback") >= 5
    assert scalar(demo_con, "SELECT count(DISTINCT channel) FROM feedback") >= 3


def test_some_features_shipped_late_against_their_target(demo_con):
    assert scalar(demo_con, "SELECT count(*) FROM features WHERE shipped_on > target_date") >= 5
    assert scalar(demo_con, "SELECT count(DISTINCT status) FROM features") == 5


def test_bench_scale_is_described_by_the_issue():
    from analytics.demo import PRODUCTS, SCALES, TEAM_POOL

    bench = SCALES["bench"]
    assert bench.projects == 2000 and bench.teams == 12 and len(TEAM_POOL) >= 12
    kpi_rows_per_full_product = 6 * (3 * 365 + 1)
    assert (bench.extra_products + len(PRODUCTS) - 1) * kpi_rows_per_full_product >= 10_000_000


def test_the_demo_store_is_a_valid_duckdb_file_once_built(demo_store_path):
    con = duckdb.connect(str(demo_store_path), read_only=True)
    assert store.schema_version(con) == store.SCHEMA_VERSION
    con.close()
