"""The data fingerprint (DESIGN.md): equal data gives an equal fingerprint, in any row order and on a rebuild of the
same seed; one changed cash flow changes it; what people save (scenarios) does not."""

from __future__ import annotations

import re
import shutil

import pytest

from analytics import optimize, scenarios, store
from analytics.fingerprint import NOT_INPUT_TABLES, data_fingerprint, input_tables

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def demo_fingerprint(demo_store_path):
    with store.connect(demo_store_path, read_only=True) as con:
        return data_fingerprint(con)


@pytest.fixture
def store_copy(demo_store_path, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_store_path, path)
    return path


def test_it_is_twelve_hex_characters_and_covers_the_input_tables(demo_con, demo_fingerprint):
    assert re.fullmatch(r"[0-9a-f]{12}", demo_fingerprint)
    covered = set(input_tables(demo_con))
    assert {"projects", "project_cashflows", "kpi_history", "settings", "team_capacity"} <= covered
    assert not covered & NOT_INPUT_TABLES


def test_rebuilding_the_same_seed_gives_the_same_fingerprint(demo_fingerprint, tmp_path):
    from analytics.demo import build_demo

    rebuilt = tmp_path / "rebuilt.duckdb"
    build_demo(rebuilt, scale="demo", seed=7)
    with store.connect(rebuilt, read_only=True) as con:
        assert data_fingerprint(con) == demo_fingerprint


def test_rows_written_in_another_order_give_the_same_fingerprint(demo_con, demo_fingerprint, tmp_path):
    with store.connect(tmp_path / "shuffled.duckdb") as con:
        for table in input_tables(con):
            rows = demo_con.sql(f"SELECT * FROM {table} ORDER BY random()").arrow()
            con.register("shuffled_rows", rows)
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} SELECT * FROM shuffled_rows")
            con.unregister("shuffled_rows")
        assert data_fingerprint(con) == demo_fingerprint


def test_one_changed_cash_flow_changes_it_and_changing_it_back_restores_it(store_copy, demo_fingerprint):
    with store.connect(store_copy) as con:
        project, period, cost = con.execute(
            "SELECT project_id, period, cost FROM project_cashflows ORDER BY project_id, period LIMIT 1"
        ).fetchone()
        set_cost = "UPDATE project_cashflows SET cost = ? WHERE project_id = ? AND period = ?"
        con.execute(set_cost, [cost + 0.01, project, period])
        changed = data_fingerprint(con)
        con.execute(set_cost, [cost, project, period])
        assert changed != demo_fingerprint
        assert data_fingerprint(con) == demo_fingerprint


def test_a_missing_value_differs_from_every_value(store_copy, demo_fingerprint):
    with store.connect(store_copy) as con:
        con.execute(
            "UPDATE projects SET health = NULL "
            "WHERE project_id = (SELECT min(project_id) FROM projects WHERE health IS NOT NULL)"
        )
        assert data_fingerprint(con) != demo_fingerprint


def test_saving_a_scenario_leaves_it_as_it_was(store_copy, demo_fingerprint):
    with store.connect(store_copy) as con:
        model = optimize.prepare_model(con)
        scenarios.save_scenario(con, "Plan", optimize.WhatIf().to_dict(), list(model.project_ids[model.in_plan]))
        assert data_fingerprint(con) == demo_fingerprint
