"""A decision taken on a scenario saved with start shifts carries its starts (issue 13's review cycle).

The plan is the decision at its starts: its money by fiscal year, rNPV and capacity use, and the what-if at its
defaults reproduces it to the cent; the decided starts are not moves; a start the store's plan no longer keeps is a
finding of the decision against now, in its sentences and on the review pack's slide.
"""

from __future__ import annotations

import shutil
from decimal import Decimal

import numpy as np
import pytest

from analytics import optimize, scenarios, store
from analytics.review import content

SHIFT = 3
#: Ten per cent over the demo plan's money: enough for the best schedule to move projects (tests/unit/test_shifts).
LEVERS = {"shift": SHIFT, "budget_pct": 110.0}


def cents(amount: float) -> Decimal:
    return Decimal(f"{amount:.2f}")


@pytest.fixture(scope="module")
def decided(demo_store_path, tmp_path_factory):
    """A demo store with a decision on the best schedule at ``LEVERS``; the what-if and schedule it came from."""
    path = tmp_path_factory.mktemp("decided") / "decided.duckdb"
    shutil.copyfile(demo_store_path, path)
    with store.connect(path) as con:
        before = optimize.prepare_model(con)
        what_if = optimize.apply_what_if(before, optimize.WhatIf(**LEVERS))
        best = optimize.solve_schedule_exact(what_if.schedule)
        starts = scenarios.starts_to_save(what_if, best.chosen, best.option)
        assert starts  # the schedule moves projects, so every check below bites
        scenario_id = scenarios.save_scenario(
            con, "Later starts", what_if.params.to_dict(), before.project_ids[best.chosen], starts=starts
        )
        decision_id = scenarios.record_decision(con, scenario_id, "ana@example.com", "Start them when teams are free.")
        after = optimize.prepare_model(con)
    return path, what_if, best, starts, decision_id, after


def test_the_plan_is_the_decision_at_its_starts(decided):
    _, what_if, best, starts, decision_id, plan = decided
    assert plan.plan_source.kind == "decision" and plan.plan_source.decision_id == decision_id
    assert set(plan.project_ids[plan.in_plan]) == set(what_if.model.project_ids[best.chosen])
    for project_id, start in starts.items():
        i = plan._index[project_id]
        assert plan.planned_start[i] == np.datetime64(start, "M") != plan.store_start[i]
    # Money by fiscal year: the schedule's at its chosen starts, to the cent (cost moved past the old horizon
    # has no budget row there; the plan's horizon may be longer, never shorter).
    schedule_use = optimize.schedule_budget_use(what_if, best.option).set_index("fiscal_year")["spend"]
    plan_years = dict(zip(plan.fiscal_years, plan.plan_cost_by_year, strict=True))
    assert [cents(plan_years[y]) for y in schedule_use.index] == [cents(v) for v in schedule_use]
    # The page says so where it explains the baseline.
    assert f"at its decided starts ({len(starts)} projects moved from their start date; start shifts count" in (
        optimize.plan_sentence(plan)
    )
    assert "decided starts" not in optimize.plan_sentence(what_if.model)  # the committed plan decides no start
    # Capacity use: the schedule's demand at its starts, cell by cell.
    after = optimize.schedule_capacity_use(what_if, best.option)
    np.testing.assert_allclose(plan.plan_demand_fte.ravel(), after["demand_fte"].to_numpy(), atol=1e-9)


def test_the_what_if_at_its_defaults_reproduces_the_decision_to_the_cent(decided):
    _, what_if, best, _, _, plan = decided
    decided_rnpv = optimize.schedule_totals(what_if, best.option)["rnpv"]
    defaults = optimize.apply_what_if(plan)
    for answer in (optimize.solve_fast(defaults.problem), optimize.solve_exact(defaults.problem)):
        assert answer.feasible and answer.chosen.tolist() == plan.in_plan.tolist()
        summary = optimize.selection_summary(defaults, answer.chosen)
        assert cents(summary["rnpv"]) == cents(decided_rnpv)
        assert summary["added"] == summary["dropped"] == 0
        use = optimize.budget_use(defaults, answer.chosen)
        assert [cents(v) for v in use["budget"]] == [cents(v) for v in use["spend"]]  # 100 % is the plan's money


def test_with_shifts_the_decided_starts_are_no_moves_and_windows_count_from_them(decided):
    _, _, _, starts, _, plan = decided
    shifted = optimize.apply_what_if(plan, optimize.WhatIf(shift=SHIFT))
    at_plan = shifted.options.planned(plan.in_plan)
    assert optimize.moved_projects(shifted, at_plan).empty
    options = shifted.options
    for project_id, start in starts.items():
        mine = options.schedule.owner == plan._index[project_id]
        distance = (options.start_month[mine] - np.datetime64(start, "M")).astype(np.int64)
        assert 0 in distance and np.abs(distance).max() <= SHIFT
    # Saved again from the what-if, the decided starts are kept though nothing moved.
    assert scenarios.starts_to_save(shifted, plan.in_plan, at_plan) == starts


def test_the_decision_expected_what_its_starts_give_and_names_the_shifts_the_projects_plans_lack(decided):
    path, what_if, best, starts, decision_id, plan = decided
    with store.connect(path, read_only=True) as con:
        check = scenarios.decision_vs_now(con, decision_id, plan)
        # Without the cached model, and for a decision that is not the latest, the store is read with it as plan.
        fresh = scenarios.decision_vs_now(con, decision_id)
    assert cents(check.expected_rnpv) == cents(optimize.schedule_totals(what_if, best.option)["rnpv"])
    assert cents(check.now_rnpv) == cents(check.expected_rnpv) == cents(fresh.now_rnpv)
    assert cents(check.now_spend) == cents(check.expected_spend)
    # The store's start dates still say where the projects were before the board moved them: each is a finding.
    assert set(check.start_moved) == set(starts) and not check.nothing_changed
    said = " ".join(scenarios.decision_sentences(check, "USD"))
    project_id, start = sorted(starts.items())[0]
    store_month = f"{plan.store_start[plan._index[project_id]]}"
    label = plan.label(plan._index[project_id])
    assert f"{label} was decided to start {start:%Y-%m}; its plan still says {store_month}." in said


def test_a_start_the_store_no_longer_keeps_is_a_finding_in_sentences_and_on_the_slide(decided, tmp_path):
    path, _, _, starts, decision_id, _ = decided
    moved_id, decided_start = sorted(starts.items())[0]
    copy = tmp_path / "replanned.duckdb"
    shutil.copyfile(path, copy)
    with store.connect(copy) as con:
        kept_id = str(
            con.execute(
                "SELECT project_id FROM decision_baselines, unnest(from_json(projects, '[\"JSON\"]')) AS p(j) "
                "JOIN projects ON project_id = j->>'project_id' "
                "WHERE (j->>'chosen')::BOOLEAN AND stage = 'approved' AND NOT list_contains(?::TEXT[], project_id) "
                "ORDER BY project_id LIMIT 1",
                [list(starts)],
            ).fetchone()[0]
        )
        # The shifted project's own plan is redrawn two months after its decided start; an unshifted one is started
        # a month before the start it was decided at (its start_date then).
        con.execute(
            "UPDATE projects SET start_date = ?::DATE + INTERVAL 2 MONTH WHERE project_id = ?",
            [decided_start, moved_id],
        )
        con.execute(
            "UPDATE projects SET stage = 'active', start_date = start_date - INTERVAL 1 MONTH WHERE project_id = ?",
            [kept_id],
        )
        check = scenarios.decision_vs_now(con, decision_id)
        months = dict(
            con.execute(
                "SELECT project_id, strftime(start_date, '%Y-%m') FROM projects WHERE project_id IN (?, ?)",
                [moved_id, kept_id],
            ).fetchall()
        )
        pack = content.Pack(con, store.read_settings(con), "fingerprint", optimize.prepare_model(con), [])
        (slide,) = content.decision_slide(pack)
    assert set(check.start_moved) == set(starts) | {kept_id}
    rows = check.projects.set_index("project_id")
    assert rows.loc[moved_id, "start_decided"] == f"{decided_start:%Y-%m}"
    assert rows.loc[moved_id, "start_now"] == months[moved_id]
    said = " ".join(scenarios.decision_sentences(check, "USD"))
    assert f"was decided to start {decided_start:%Y-%m}; its plan now says {months[moved_id]}." in said
    assert f"; it started {months[kept_id]}." in said
    on_slide = " ".join(line for block in slide.rows[0].blocks if hasattr(block, "lines") for line in block.lines)
    assert f"its plan now says {months[moved_id]}" in on_slide
    (table,) = [block for block in slide.rows[0].blocks if hasattr(block, "columns")]
    start = table.columns.index("Start decided → now")
    assert f"{decided_start:%Y-%m} → {months[moved_id]}" in [row[start] for row in table.rows]


def test_a_decided_start_moves_only_a_project_that_has_not_started():
    from analytics.optimize.model import _decided_offsets

    month = np.datetime64("2027-01", "M")
    first = np.datetime64("2026-12", "M")
    # 0 later, 1 earlier, 2 active, 3 store start past, 4 decided start past, 5 a flow before its start would
    # land in the past, 6 no decided start.
    decided = np.array([month + 3, month - 1, month + 3, month + 3, first - 1, month - 1, "NaT"], dtype="datetime64[M]")
    store_start = np.array([month, month, month, first - 2, month, month, month], dtype="datetime64[M]")
    stages = np.array(["approved", "proposed", "active", "approved", "approved", "proposed", "approved"], dtype=object)
    owner = np.arange(7)
    flow = np.array([month, month, month, month, month, first, month], dtype="datetime64[M]")
    offset = _decided_offsets(decided, store_start, stages, first, [owner], [flow])
    assert offset.tolist() == [3, -1, 0, 0, 0, 0, 0]
