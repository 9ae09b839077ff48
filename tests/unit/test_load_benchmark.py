"""The load benchmark's walks (benchmarks/load.py) ask questions the what-if page answers with a frontier.

A setting with no feasible portfolio draws no frontier star, so a session waiting for the star would wait until its
step timed out: the budgets the crowd and the soak visit must all be feasible on the demo store, and the soak's
settings must all differ. Checked on the model, without a browser.
"""

from __future__ import annotations

import json

import pytest

from analytics import optimize
from benchmarks import load

#: The sliders' steps and ranges (ui/whatif.controls): budget 40-160 % in 5s, discount rate 0-25 % in 0.5 %.
BUDGET_RANGE, RATE_STEP, RATE_MAX = (40, 160), 0.005, 0.25
STEP_OF_KEY = {"ArrowRight": 1, "ArrowLeft": -1}


@pytest.fixture(scope="module")
def model(demo_store_path):
    from analytics import store

    with store.connect(demo_store_path, read_only=True) as con:
        return optimize.prepare_model(con)


def crowd_budgets() -> set[int]:
    visited = set()
    for number in range(load.BUDGET_STARTS):
        budget = load.Person(number).budget_pct
        visited.add(budget)
        for key in load._move_keys(5):
            budget += STEP_OF_KEY[key] * load.BUDGET_STEP_PCT
            visited.add(budget)
    return visited


def soak_settings(settings: int) -> list[tuple[int, float]]:
    budget, rate_steps = load.FIRST_BUDGET_PCT, 0
    visited = [(budget, 0.0)]
    for label, key in load._soak_keys(settings):
        if label == load.BUDGET_LABEL:
            budget += STEP_OF_KEY[key] * load.BUDGET_STEP_PCT
        else:
            rate_steps += STEP_OF_KEY[key]
        visited.append((budget, round(rate_steps * RATE_STEP, 4)))
    return visited


def test_the_soak_visits_a_new_setting_with_every_key_press_inside_the_sliders_ranges():
    visited = soak_settings(500)
    assert len(set(visited)) == len(visited) == 501
    assert all(BUDGET_RANGE[0] <= b <= BUDGET_RANGE[1] and 0 <= r <= RATE_MAX for b, r in visited)


def test_every_budget_the_crowd_and_the_soak_visit_has_a_feasible_portfolio_on_the_demo_store(model):
    budgets = crowd_budgets() | {b for b, _ in soak_settings(500)}
    assert all(BUDGET_RANGE[0] <= b <= BUDGET_RANGE[1] for b in budgets)
    infeasible = [
        b for b in sorted(budgets) if optimize.find_conflict(optimize.apply_what_if(model, optimize.WhatIf(b)).problem)
    ]
    assert infeasible == []


def test_the_knee_is_the_first_crowd_whose_p95_passes_twice_one_sessions_and_a_failed_crowd_counts():
    def row(n, p95):
        return {"sessions": n, "p95_s": p95}

    assert load._knee([row(1, 1.0), row(5, 1.9), row(10, 2.1), row(20, 5.0)]) == (1.0, 10)
    assert load._knee([row(1, 1.0), row(5, 2.0)]) == (1.0, None)
    assert load._knee([row(1, 1.0), {"sessions": 5, "failed": "why", "load_before": 1.0}]) == (1.0, 5)


def test_a_run_replaces_the_figures_it_measures_and_keeps_the_others(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "RESULTS_JSON", tmp_path / "results.json")
    monkeypatch.setattr(load, "RESULTS_MD", tmp_path / "results.md")
    crowd = [{"sessions": 1, "failed": "a sentence", "load_before": 1.0}]
    load._write({"demo": crowd}, {}, pinned=True)  # the crowd alone (--soak 0)
    load._write(
        {"demo": []},
        {"demo": {"memory": [(50, 300.0)], "p50_s": 0.3, "wall_s": 9.0, "load_before": 1.0, "load_after": 1.0}},
        pinned=True,
    )  # the soak alone (--sessions)
    load._write({"bench": crowd}, {}, pinned=False)  # the bench store on its own
    raw = json.loads((tmp_path / "results.json").read_text())["load"]["raw"]
    assert {k: v["rows"] for k, v in raw["crowds"].items()} == {"demo": crowd, "bench": crowd}
    assert raw["soaks"]["demo"]["memory"] == [[50, 300.0]]
    assert "**Soak, demo store**" in (tmp_path / "results.md").read_text()
