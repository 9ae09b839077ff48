"""The what-if's answers with start shifts (issue 13, item 3): the frontier, why-not and price tags over schedules,
the headline numbers at the chosen starts, capacity before and after, a saved schedule read back, its simulation."""

from __future__ import annotations

import numpy as np
import pytest

from analytics import optimize, simulate, store
from analytics.optimize.feasibility import allowance

SHIFT = 3
#: The demo's plan is already the best schedule at its own money; ten per cent more makes shifts worth something.
LEVERS = {"shift": SHIFT, "budget_pct": 110.0}


@pytest.fixture(scope="module")
def demo_model(demo_store_path):
    con = store.connect(demo_store_path, read_only=True)
    try:
        yield optimize.prepare_model(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def shifted(demo_model):
    """The what-if at ``LEVERS`` and its proven schedule."""
    what_if = optimize.apply_what_if(demo_model, optimize.WhatIf(**LEVERS))
    best = optimize.solve_schedule_exact(what_if.schedule)
    assert best.proven
    assert len(optimize.moved_projects(what_if, best.option)) > 0  # something moves, so the checks below bite
    return what_if, best


def test_the_summary_of_a_schedule_is_its_totals_at_the_chosen_starts(shifted):
    what_if, best = shifted
    summary = optimize.schedule_summary(what_if, best.option)
    totals = optimize.schedule_totals(what_if, best.option)
    planned = optimize.selection_summary(what_if, best.chosen)
    assert summary["rnpv"] == totals["rnpv"] and summary["spend"] == totals["spend"]
    assert summary["rnpv"] != pytest.approx(planned["rnpv"])  # the moves change the money
    assert summary["budget_use"] == pytest.approx(totals["spend"] / planned["budget"])
    assert (summary["added"], summary["plan_rnpv"]) == (planned["added"], planned["plan_rnpv"])


def test_capacity_before_is_the_plans_use_and_after_the_schedules(shifted):
    what_if, best = shifted
    before, after = optimize.capacity_before_after(what_if, best.option)
    plan = optimize.capacity_use(what_if, what_if.model.in_plan)
    assert np.allclose(before["demand_fte"], plan["demand_fte"])
    schedule = what_if.schedule
    use = schedule.usage[schedule.budget_rows :] @ what_if.options.columns(best.option).astype(float)
    assert np.allclose(after["demand_fte"], use)
    limited = after["capacity_fte"] > 0
    assert np.allclose(after["utilisation"][limited], (after["demand_fte"] / after["capacity_fte"])[limited])


def test_the_frontier_with_shifts_is_of_schedules_and_never_below_the_one_without(demo_model, shifted):
    what_if, best = shifted
    without = optimize.apply_what_if(demo_model, optimize.WhatIf(budget_pct=110.0))
    pcts = (100, 110, 130)
    with_shifts = optimize.efficient_frontier(what_if, pcts).set_index("budget_pct")
    fixed = optimize.efficient_frontier(without, pcts).set_index("budget_pct")
    assert (with_shifts["status"] == "optimal").all()
    # The planned start is always an option, so more freedom can only be worth as much or more.
    assert (with_shifts["value"] >= fixed["value"] - 1e-9).all()
    assert with_shifts.loc[110.0, "value"] > fixed.loc[110.0, "value"] + 1e-6
    assert with_shifts.loc[110.0, "rnpv"] == pytest.approx(optimize.schedule_totals(what_if, best.option)["rnpv"])
    assert list(with_shifts.loc[110.0, "option"]) == list(best.option)
    assert with_shifts["ranking_rnpv"].to_numpy() == pytest.approx(fixed["ranking_rnpv"].to_numpy())


def test_why_not_with_shifts_reoptimises_the_schedule_with_the_project_flipped(shifted):
    what_if, best = shifted
    model = what_if.model
    left = model.project_ids[~best.chosen & ~model.blocked]
    answers = {str(p): optimize.why_not(what_if, best, str(p)) for p in left}
    # Some cannot come in at any start within these budgets; the cheapest ones can, displacing others.
    left_out, why = next((p, w) for p, w in answers.items() if w.flipped.feasible)
    assert isinstance(why.flipped, optimize.Schedule) and why.flipped.chosen[model._index[left_out]]
    assert why.value_change <= 1e-9
    assert why.flipped.objective == pytest.approx(what_if.schedule.objective_of(why.flipped.option))
    totals = optimize.schedule_totals(what_if, why.flipped.option)["rnpv"]
    assert why.rnpv_change == pytest.approx(totals - optimize.schedule_totals(what_if, best.option)["rnpv"])

    moved = optimize.moved_projects(what_if, best.option)["project_id"].iloc[0]
    out = optimize.why_not(what_if, best, moved)
    assert out.chosen and isinstance(out.flipped, optimize.Schedule) and out.flipped.proven
    assert not out.flipped.chosen[model._index[moved]] and np.isfinite(out.value_change)
    assert out.entering == tuple(str(p) for p in model.project_ids[out.flipped.chosen & ~best.chosen])


def test_price_tags_with_shifts_reoptimise_the_schedule(shifted):
    what_if, best = shifted
    more = optimize.marginal_budget(what_if, best, 2_000_000.0)
    assert isinstance(more.selection, optimize.Schedule) and more.selection.proven
    assert more.value_change >= -1e-9
    team = str(what_if.model.teams[0])
    people = optimize.marginal_fte(what_if, best, team, what_if.model.quarter_starts()[0], 3, 2.0)
    assert isinstance(people.selection, optimize.Schedule) and people.value_change >= -1e-9


def test_a_saved_schedule_reads_back_to_the_same_starts(shifted):
    what_if, best = shifted
    starts = optimize.schedule_starts(what_if, best.option)
    assert list(optimize.option_of_starts(what_if, best.chosen, starts)) == list(best.option)
    assert list(optimize.option_of_starts(what_if, best.chosen, {})) == list(what_if.options.planned(best.chosen))


def test_the_simulation_of_a_schedule_values_each_project_at_its_chosen_start(shifted):
    what_if, best = shifted
    at_starts = simulate.simulate_schedule(what_if, best.option, trials=2_000, seed=7)
    planned = simulate.simulate_selection(what_if, best.chosen, trials=2_000, seed=7)
    assert at_starts.p50 != pytest.approx(planned.p50)
    columns = what_if.options.columns(best.option)
    owner = what_if.options.schedule.owner[columns]
    expected = simulate.simulate_npv(
        what_if.options.pv_benefit[columns],
        what_if.options.pv_cost[columns],
        what_if.probability_of_success[owner],
        trials=2_000,
        seed=7,
    )
    assert at_starts.p50 == expected.p50


def test_what_binds_a_left_out_project_is_counted_at_the_chosen_starts(shifted):
    # Issue 13's review: the why-not names the budget years and team-months adding a project would overrun; with
    # shifts on, the projects chosen use them at their chosen starts, not their planned ones.
    what_if, best = shifted
    model, problem, schedule = what_if.model, what_if.problem, what_if.schedule
    at_starts = schedule.usage @ what_if.options.columns(best.option).astype(float)
    at_planned = problem.usage @ best.chosen.astype(float)

    def overrun(used: np.ndarray, i: int) -> set[str]:
        add = np.zeros(model.n)
        add[i] = 1.0
        over = used + problem.usage @ add - problem.limit
        rows = np.flatnonzero((over > allowance(problem.limit)) & (problem.usage @ add > 0))
        return {problem.row_label(int(r)) for r in rows}

    # A left-out project that needs nothing unchosen, whose overruns differ between the two readings.
    needs = {int(a) for a, b in model.requires if not best.chosen[b]}
    left = [i for i in np.flatnonzero(~best.chosen & ~model.blocked) if i not in needs]
    i = next(i for i in left if overrun(at_starts, i) != overrun(at_planned, i))
    why = optimize.why_not(what_if, best, str(model.project_ids[i]))
    assert {b.label for b in why.binding} == overrun(at_starts, i)


def test_a_price_tag_with_shifts_is_the_schedule_re_solved_with_the_limit_raised(shifted):
    # The budget a price tag adds is spent at the starts the re-solve chooses: its value is an independent
    # re-solve of the schedule (starts and all) with that budget year's limit raised, against the base schedule.
    from dataclasses import replace

    what_if, best = shifted
    amount = 2_000_000.0
    more = optimize.marginal_budget(what_if, best, amount)
    schedule = what_if.schedule
    limit = schedule.limit.copy()
    limit[: schedule.budget_rows] += amount / (1.0 + what_if.params.cost_overrun)
    # A fresh MILP: the schedule caches its model, limits included.
    raised = optimize.solve_schedule_exact(replace(schedule, limit=limit, _model={}))
    assert raised.proven and more.selection.proven
    assert more.value_change == pytest.approx(raised.objective - best.objective, abs=1e-9)
    assert more.value_change > 1e-6  # more money is worth something here, so the check bites
    spend = optimize.schedule_budget_use(what_if, more.selection.option)["spend"].to_numpy()
    assert (spend <= what_if.budget + amount + 1e-6).all() and (spend > what_if.budget + 1e-6).any()
