"""Which projects, and when: select_schedule against brute force, its one-option case, and the what-if's starts."""

from __future__ import annotations

import copy
import itertools
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import optimize, scenarios, store
from analytics.optimize import select_portfolio, select_schedule
from analytics.optimize.schedule_problem import csc_lists, needs_lists, needs_of, usage_lists
from analytics.rules import FEASIBILITY_TOLERANCE

# --- brute force -----------------------------------------------------------------------------------------------


def random_schedule(rng: np.random.Generator) -> dict:
    """A small random schedule using every constraint kind with some probability.

    Budget periods and team-month cells, options that are not allowed (NaN, the start windows), dependencies in
    time and in choice, forced in and forced out.
    """
    n = int(rng.integers(1, 6))
    options = int(rng.integers(1, 4))
    years = int(rng.integers(1, 3))
    cells = int(rng.integers(0, 4))
    value = np.round(rng.normal(1.0, 1.0, (n, options)), 2)
    value[rng.random((n, options)) < 0.3] = np.nan
    cost = np.round(rng.uniform(0, 10, (n, options, years)) * (rng.random((n, options, years)) < 0.8), 1)
    budget = np.round(cost.sum(axis=(0, 1)) / options * rng.uniform(0.2, 0.8, years), 1)
    problem = {"value": value, "cost": cost, "budget": budget}
    if cells:
        demand = np.round(rng.uniform(0, 3, (n, options, cells)) * (rng.random((n, options, cells)) < 0.5), 1)
        problem["demand"] = demand
        problem["capacity"] = np.round(demand.sum(axis=(0, 1)) / options * rng.uniform(0.3, 0.9, cells), 1)
    begin = rng.integers(0, 6, (n, 1)) + np.arange(options)  # option s starts s months after the first
    problem["start"] = begin
    problem["finish"] = begin + rng.integers(1, 4, (n, 1))
    pairs = sorted({(int(i), int(j)) for i, j in rng.integers(0, n, (int(rng.integers(0, n + 1)), 2)) if i != j})
    problem["requires"] = pairs
    problem["timed"] = (rng.random(len(pairs)) < 0.6).tolist()
    order = rng.permutation(n)
    problem["include"] = order[: int(rng.random() < 0.3)].tolist()
    problem["exclude"] = order[1 : 1 + int(rng.integers(0, 2)) * int(rng.random() < 0.5)].tolist()
    return problem


def meets(problem: dict, option: np.ndarray) -> bool:
    """Whether a schedule (one option or -1 per candidate) meets every constraint of ``problem``, checked directly."""
    value = problem["value"]
    chosen = option >= 0
    if any(not chosen[i] for i in problem["include"]) or any(chosen[i] for i in problem["exclude"]):
        return False
    if any(np.isnan(value[i, s]) for i, s in enumerate(option) if s >= 0):
        return False
    rows = [i for i in range(len(option)) if chosen[i]]
    spend = sum((problem["cost"][i, option[i]] for i in rows), np.zeros(len(problem["budget"])))
    if (spend > problem["budget"] + FEASIBILITY_TOLERANCE).any():
        return False
    if "demand" in problem:
        use = sum((problem["demand"][i, option[i]] for i in rows), np.zeros(len(problem["capacity"])))
        if (use > problem["capacity"] + FEASIBILITY_TOLERANCE).any():
            return False
    for (i, j), timed in zip(problem["requires"], problem["timed"], strict=True):
        if not chosen[i]:
            continue
        if not chosen[j]:
            return False
        if timed and problem["finish"][j, option[j]] > problem["start"][i, option[i]]:
            return False
    return True


def brute_force(problem: dict) -> float | None:
    """The best objective over every assignment of an option (or none) to each candidate; None when none holds."""
    n, options = problem["value"].shape
    best = None
    for assignment in itertools.product(range(-1, options), repeat=n):
        option = np.asarray(assignment)
        if meets(problem, option):
            total = float(sum(problem["value"][i, s] for i, s in enumerate(option) if s >= 0))
            best = total if best is None else max(best, total)
    return best


def test_select_schedule_matches_brute_force_on_many_small_random_problems():
    rng = np.random.default_rng(20261201)
    seen = {"infeasible": 0, "in time": 0, "in choice": 0, "capacity": 0, "include": 0, "exclude": 0, "windows": 0}
    for _ in range(200):
        problem = random_schedule(rng)
        expected = brute_force(problem)
        result = select_schedule(**problem)
        if expected is None:
            seen["infeasible"] += 1
            assert result.status == "infeasible" and not result.chosen.any()
            assert optimize.conflict_sentence(result.conflict)
            continue
        assert result.status == "optimal"
        assert result.objective == pytest.approx(expected, abs=1e-6)
        assert meets(problem, result.option)
        assert np.array_equal(result.chosen, result.option >= 0)
        seen["in time"] += any(problem["timed"])
        seen["in choice"] += not all(problem["timed"])
        seen["capacity"] += "demand" in problem
        seen["include"] += bool(problem["include"])
        seen["exclude"] += bool(problem["exclude"])
        seen["windows"] += bool(np.isnan(problem["value"]).any())
    assert min(seen.values()) >= 10, seen


def test_the_fast_schedule_is_feasible_and_its_gap_bounds_the_optimum():
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(100):
        problem = random_schedule(rng)
        expected = brute_force(problem)
        fast = optimize.solve_schedule_fast(optimize.make_schedule(**problem))
        if expected is None:
            assert fast.status == "infeasible"
            continue
        assert fast.feasible and meets(problem, fast.option)
        assert fast.objective <= expected + 1e-6
        # The bound is the LP's: at least the optimum, and the gap says how far below it the answer may be.
        assert fast.bound >= expected - 1e-6
        assert fast.objective >= fast.bound - fast.gap * max(abs(fast.bound), 1e-9) - 1e-6
        checked += 1
    assert checked > 50


def test_a_start_the_lp_bound_already_proves_good_enough_is_the_exact_answer_at_once():
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(200):
        schedule = optimize.make_schedule(**random_schedule(rng))
        fast = optimize.solve_schedule_fast(schedule)
        several = (np.diff(schedule.first) > 1).any()  # one option each is select_portfolio's, not this path
        if not several or not fast.feasible or not 1e-3 < fast.gap < 0.5:
            continue
        loose = optimize.solve_schedule_exact(schedule, start=fast.option, mip_rel_gap=fast.gap * 1.01)
        assert loose.method == "lp_bound" and loose.status == "gap_limit"
        assert np.array_equal(loose.option, fast.option) and loose.gap == pytest.approx(fast.gap)
        assert loose.bound == pytest.approx(fast.bound)
        # Asked for less than the LP bound proves, HiGHS answers.
        tight = optimize.solve_schedule_exact(schedule, start=fast.option, mip_rel_gap=fast.gap * 0.5)
        assert tight.method == "milp" and tight.gap <= fast.gap * 0.5 + 1e-9
        checked += 1
    assert checked >= 5


def test_the_local_search_keeps_every_constraint_and_never_loses_value():
    # Started from a poor schedule (the greedy filled worst value first), every move must stay feasible.
    rng = np.random.default_rng(13)
    improved = 0
    for _ in range(200):
        problem = random_schedule(rng)
        schedule = optimize.make_schedule(**problem)
        start = optimize.greedy_schedule(schedule, np.argsort(schedule.value, kind="stable"))
        if start is None:
            continue
        better = optimize.improve_schedule(schedule, start)
        assert meets(problem, better), problem
        assert schedule.objective_of(better) >= schedule.objective_of(start) - 1e-9
        improved += schedule.objective_of(better) > schedule.objective_of(start) + 1e-9
    assert improved >= 20


def test_the_local_search_moves_a_start_adds_and_swaps():
    # One budget row of 10. A is in at its late start (worth 1) and could start early (worth 2) for the same
    # money; B (worth 3, cost 10) is in but C (worth 5, cost 10) is worth more in its place; D (free) is out.
    nan = float("nan")
    schedule = optimize.make_schedule(
        value=[[2.0, 1.0], [3.0, nan], [5.0, nan], [0.5, nan]],
        cost=[[[0.0], [0.0]], [[10.0], [0.0]], [[10.0], [0.0]], [[0.0], [0.0]]],
        budget=[10.0],
    )
    assert optimize.improve_schedule(schedule, np.array([1, 0, -1, -1])).tolist() == [0, -1, 0, 0]
    # Forced in, B stays: no swap may drop it.
    forced = optimize.make_schedule(
        value=[[2.0, 1.0], [3.0, nan], [5.0, nan], [0.5, nan]],
        cost=[[[0.0], [0.0]], [[10.0], [0.0]], [[10.0], [0.0]], [[0.0], [0.0]]],
        budget=[10.0],
        include=[1],
    )
    assert optimize.improve_schedule(forced, np.array([1, 0, -1, -1])).tolist() == [0, 0, -1, 0]


def test_a_dependency_in_time_moves_the_dependent_project_after_the_one_it_needs():
    # B needs A to finish first. A runs months 0-3 from option 0, or 2-5; B may start in month 2 or 4.
    # Both are worth most early, but B cannot start in month 2 unless A finished by then (it does not).
    nan = float("nan")
    result = select_schedule(
        value=[[5.0, 4.0], [3.0, 2.5]],
        cost=np.zeros((2, 2, 1)),
        budget=[1.0],
        start=[[0, 2], [2, 4]],
        finish=[[3, 5], [5, 7]],
        requires=[(1, 0)],
    )
    assert result.option.tolist() == [0, 1] and result.objective == pytest.approx(7.5)
    # In choice only, B keeps its early start.
    untimed = select_schedule(
        value=[[5.0, 4.0], [3.0, 2.5]],
        cost=np.zeros((2, 2, 1)),
        budget=[1.0],
        start=[[0, 2], [2, 4]],
        finish=[[3, 5], [5, 7]],
        requires=[(1, 0)],
        timed=[False],
    )
    assert untimed.option.tolist() == [0, 0]
    # A window closed on B's late start: B cannot follow A at all, so it is left out.
    closed = select_schedule(
        value=[[5.0, 4.0], [3.0, nan]],
        cost=np.zeros((2, 2, 1)),
        budget=[1.0],
        start=[[0, 2], [2, 4]],
        finish=[[3, 5], [5, 7]],
        requires=[(1, 0)],
    )
    assert closed.option.tolist() == [0, -1]


# --- one option per candidate is select_portfolio -------------------------------------------------------------


@st.composite
def selection_problems(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n, years, cells = int(rng.integers(1, 9)), int(rng.integers(1, 3)), int(rng.integers(0, 4))
    value = np.round(rng.normal(1.0, 1.0, n), 2)
    cost = np.round(rng.uniform(0, 10, (n, years)) * (rng.random((n, years)) < 0.8), 1)
    problem = {"value": value, "cost": cost, "budget": np.round(cost.sum(axis=0) * rng.uniform(0.2, 0.8, years), 1)}
    if cells:
        demand = np.round(rng.uniform(0, 3, (n, cells)) * (rng.random((n, cells)) < 0.5), 1)
        problem |= {"demand": demand, "capacity": np.round(demand.sum(axis=0) * rng.uniform(0.3, 0.9, cells), 1)}
    problem["requires"] = sorted({(int(i), int(j)) for i, j in rng.integers(0, n, (n, 2)) if i != j})
    order = rng.permutation(n)
    problem["include"] = order[: int(rng.random() < 0.3)].tolist()
    problem["exclude"] = order[1 : 1 + int(rng.random() < 0.3)].tolist()
    return problem


def _as_options(problem: dict, copies: int) -> dict:
    """The same problem with every candidate's one option repeated ``copies`` times."""
    schedule = {
        "value": np.repeat(problem["value"][:, None], copies, axis=1),
        "cost": np.repeat(problem["cost"][:, None, :], copies, axis=1),
        "budget": problem["budget"],
        "requires": problem["requires"],
        "include": problem["include"],
        "exclude": problem["exclude"],
    }
    if "demand" in problem:
        schedule["demand"] = np.repeat(problem["demand"][:, None, :], copies, axis=1)
        schedule["capacity"] = problem["capacity"]
    return schedule


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(selection_problems())
def test_with_one_option_per_candidate_it_is_select_portfolio(problem):
    portfolio = select_portfolio(**problem)
    schedule = select_schedule(**_as_options(problem, 1))
    assert schedule.status == portfolio.status
    assert np.array_equal(schedule.chosen, portfolio.chosen)
    assert np.array_equal(schedule.option, np.where(portfolio.chosen, 0, -1))
    if portfolio.feasible:
        assert schedule.objective == portfolio.objective
    # The option model itself (two identical starts, so it is not handed to select_portfolio) agrees on the optimum.
    doubled = select_schedule(**_as_options(problem, 2))
    assert doubled.status == portfolio.status
    if portfolio.feasible:
        assert doubled.objective == pytest.approx(portfolio.objective, abs=1e-6)


# --- the what-if's start options -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_model(demo_store_path):
    con = store.connect(demo_store_path, read_only=True)
    try:
        yield optimize.prepare_model(con)
    finally:
        con.close()


def test_at_shift_0_the_what_if_is_todays(demo_model):
    today = optimize.apply_what_if(demo_model)
    assert optimize.WhatIf().shift == 0 and today.schedule is None and today.options is None
    for shift in (1, 3):
        shifted = optimize.apply_what_if(demo_model, optimize.WhatIf(shift=shift))
        # The selection problem is untouched, and the planned starts are its columns exactly.
        assert np.array_equal(shifted.problem.value, today.problem.value)
        assert (shifted.problem.usage != today.problem.usage).nnz == 0
        options = shifted.options
        planned = options.offset == 0
        assert np.array_equal(options.schedule.owner[planned], np.arange(demo_model.n))
        assert np.array_equal(options.schedule.value[planned], today.value)
        assert (options.schedule.usage[:, planned] != today.problem.usage).nnz == 0
        # At the plan's settings the plan is the answer with or without shifts (a later start is worth less).
        exact = optimize.solve_schedule_exact(options.schedule)
        assert exact.status == "optimal"
        assert exact.objective == pytest.approx(optimize.solve_exact(today.problem).objective, abs=1e-9)
        assert np.array_equal(exact.option, options.planned(demo_model.in_plan))


def test_start_options_built_from_the_models_cache_are_the_ones_built_afresh(demo_model):
    # The layout of a shift is cached per model and shift, the use matrix per shift and overrun: a move that
    # changes either must not reuse another's (each answer is compared with one from an empty cache).
    moves = (
        optimize.WhatIf(shift=2),
        optimize.WhatIf(shift=3),
        optimize.WhatIf(shift=3, cost_overrun=0.25, allow_stop=True),
        optimize.WhatIf(shift=3, benefit_delay_months=2, discount_rate=0.2, alpha=0.6),
        optimize.WhatIf(shift=2, cost_overrun=0.25),
    )
    for move in moves:
        warm = optimize.apply_what_if(demo_model, move).options
        cold_model = copy.copy(demo_model)
        object.__setattr__(cold_model, "_cache", {})
        cold = optimize.apply_what_if(cold_model, move).options
        for name in ("owner", "slot", "first", "value", "start", "finish", "timed", "limit"):
            assert np.array_equal(getattr(warm.schedule, name), getattr(cold.schedule, name)), (move, name)
        assert (warm.schedule.usage != cold.schedule.usage).nnz == 0, move
        needs = needs_lists(cold_model.n, cold.schedule.requires, cold.schedule.timed)
        assert needs_of(warm.schedule) == needs, move
        assert usage_lists(warm.schedule) == csc_lists(cold.schedule.usage), move
        for name in ("offset", "rnpv", "cost_by_year", "start_month"):
            assert np.array_equal(getattr(warm, name), getattr(cold, name)), (move, name)


def test_start_options_follow_the_windows_and_never_move_active_projects(demo_model):
    shift = 3
    options = optimize.apply_what_if(demo_model, optimize.WhatIf(shift=shift)).options
    first = np.datetime64(demo_model.as_of, "M") + 1  # as_of 2026-10-15: November is the first forward month
    for i in range(demo_model.n):
        mine = options.schedule.owner == i
        starts = set((options.start_month[mine]).tolist())
        planned = demo_model.planned_start[i]
        if demo_model.stages[i] == "active" or planned < first:
            assert starts == {planned.tolist()}
            continue
        low = max(demo_model.earliest_start[i], planned - shift, first)
        high = min(demo_model.latest_start[i], planned + shift)
        expected = set(np.arange(low, high + 1).tolist()) | {planned.tolist()}
        assert starts == expected, demo_model.project_ids[i]
    assert (options.offset > 0).sum() > 20  # the demo's windows give many projects later starts


def test_a_start_option_is_valued_with_the_npv_of_its_shifted_flows(demo_model, demo_con):
    what_if = optimize.apply_what_if(demo_model, optimize.WhatIf(shift=3, discount_rate=0.1))
    options = what_if.options
    column = int(np.flatnonzero(options.offset == 2)[0])
    i = int(options.schedule.owner[column])
    flows = demo_con.execute(
        "SELECT period, cost, benefit FROM project_cashflows WHERE project_id = ? AND period >= ?",
        [str(demo_model.project_ids[i]), demo_model.as_of],
    ).fetchall()

    def pv(amount, period, months):
        moved = date(period.year + (period.month + months - 1) // 12, (period.month + months - 1) % 12 + 1, 1)
        return amount / 1.1 ** ((moved - demo_model.as_of).days / 365)

    pos = demo_model.probability_of_success[i]
    rnpv = sum(pos * pv(b, p, 2) - pv(c, p, 2) for p, c, b in flows)
    assert options.rnpv[column] == pytest.approx(rnpv, rel=1e-9)
    planned = int(np.flatnonzero((options.schedule.owner == i) & (options.offset == 0))[0])
    assert options.rnpv[planned] == pytest.approx(sum(pos * pv(b, p, 0) - pv(c, p, 0) for p, c, b in flows))


def test_moved_projects_and_capacity_before_and_after(demo_model):
    what_if = optimize.apply_what_if(demo_model, optimize.WhatIf(shift=3, budget_pct=80, allow_drop=True))
    shown = optimize.solve_schedule_exact(what_if.schedule)
    moved = optimize.moved_projects(what_if, shown.option)
    assert len(moved) and (moved["months"] != 0).all()
    for row in moved.itertuples():
        i = demo_model.index_of([row.project_id])[0]
        assert shown.option[i] - 3 == row.months
        assert row.rnpv_change == pytest.approx(row.rnpv - row.rnpv_planned)
    use = optimize.schedule_capacity_use(what_if, shown.option)
    # After minus before is each moved project's demand, moved by its months along the grid (zeros shifted in).
    teams, months = demo_model.capacity_fte.shape
    expected = np.zeros((teams, months))
    for row in moved.itertuples():
        own = demo_model.demand_fte[demo_model.index_of([row.project_id])[0]].toarray().reshape(teams, months)
        later = np.zeros_like(own)
        later[:, row.months :] = own[:, : months - row.months]
        expected += later - own
    after_minus_before = (use["demand_fte"] - use["planned_demand_fte"]).to_numpy().reshape(teams, months)
    assert np.abs(expected).sum() > 0
    np.testing.assert_allclose(after_minus_before, expected, atol=1e-9)
    totals = optimize.schedule_totals(what_if, shown.option)
    assert totals["value"] == pytest.approx(shown.objective - what_if.stop_value[demo_model.active].sum(), abs=1e-9)
    starts = optimize.schedule_starts(what_if, shown.option)
    assert set(starts) == set(moved["project_id"]) and all(d.day == 1 for d in starts.values())


def test_a_scenario_saved_with_starts_reads_them_back(demo_store_path, tmp_path):
    import shutil

    path = tmp_path / "store.duckdb"
    shutil.copyfile(demo_store_path, path)
    con = store.connect(path)
    try:
        chosen = ["P-003", "P-004"]
        scenario_id = scenarios.save_scenario(
            con, "Later", optimize.WhatIf(shift=3).to_dict(), chosen, starts={"P-004": date(2027, 12, 1)}
        )
        loaded = scenarios.load_scenario(con, scenario_id)
        assert loaded.starts == {"P-004": date(2027, 12, 1)} and loaded.what_if.shift == 3
        # Compared at the starts it was saved with: a later start is worth less than the same projects as planned.
        planned = scenarios.save_scenario(con, "As planned", optimize.WhatIf(shift=3).to_dict(), chosen)
        model = optimize.prepare_model(con)
        compared = scenarios.compare(con, model, [scenario_id, planned])
        assert compared["starts"].to_dict("records") == [
            {"scenario_id": scenario_id, "name": "Later", "project_id": "P-004", "start": date(2027, 12, 1)}
        ]
        later, as_planned = compared["summary"]["rnpv"]
        what_if = optimize.apply_what_if(model, optimize.WhatIf(shift=3))
        option = optimize.option_of_starts(what_if, np.isin(model.project_ids, chosen), loaded.starts)
        assert option[model.index_of(["P-004"])[0]] != 3  # the saved start is one of its options
        assert later == pytest.approx(optimize.schedule_totals(what_if, option)["rnpv"]) and later != as_planned
        with pytest.raises(scenarios.ScenarioError, match="first day of a month"):
            scenarios.save_scenario(con, "Mid", {}, chosen, starts={"P-004": date(2027, 12, 15)})
        with pytest.raises(scenarios.ScenarioError, match="no project the scenario chooses"):
            scenarios.save_scenario(con, "Other", {}, chosen, starts={"P-005": date(2027, 12, 1)})
    finally:
        con.close()


def test_frontier_and_why_not_with_shifts_are_schedules(demo_model):
    settings = optimize.WhatIf(shift=3, allow_drop=True)
    shifted = optimize.apply_what_if(demo_model, settings)
    fixed = optimize.apply_what_if(demo_model, optimize.WhatIf(allow_drop=True))
    levels = (70, 100, 130)
    with_shifts = optimize.efficient_frontier(shifted, levels, time_limit=None)
    without = optimize.efficient_frontier(fixed, levels, time_limit=None)
    assert (with_shifts["status"] == "optimal").all() and (without["status"] == "optimal").all()
    # The planned starts are among the options: moving can only add value, at every budget level.
    assert (with_shifts["value"].to_numpy() >= without["value"].to_numpy() - 1e-9).all()
    for row in with_shifts.itertuples():
        totals = optimize.schedule_totals(shifted, row.option)
        assert totals["rnpv"] == pytest.approx(row.rnpv)
    base = optimize.solve_schedule_exact(shifted.schedule)
    left_out = next(str(demo_model.project_ids[i]) for i in np.flatnonzero(~base.chosen & (shifted.value > 0)))
    why = optimize.why_not(shifted, base, left_out, time_limit=None)
    assert isinstance(why.flipped, optimize.Schedule)
    assert why.flipped.chosen[demo_model.index_of([left_out])[0]]
    assert why.value_change <= 1e-9
    columns = shifted.options.columns(why.flipped.option)
    assert why.rnpv_change == pytest.approx(
        shifted.options.rnpv[columns].sum() - optimize.schedule_totals(shifted, base.option)["rnpv"]
    )
