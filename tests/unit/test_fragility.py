"""How far α and the weights can move before the chosen set changes (``optimize.fragility``), against brute force."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from analytics import optimize
from analytics.optimize.fragility import ALPHA, first_change

N = 7  # 128 selections: every one is enumerated


def small_problem(seed: int):
    """A random 7-candidate problem with two budget periods, a dependency and a forced candidate or two."""
    rng = np.random.default_rng(seed)
    cost = rng.uniform(1, 10, size=(N, 2))
    budget = cost.sum(axis=0) * rng.uniform(0.35, 0.65, size=2)
    requires = [(int(i), int(j)) for i, j in [rng.choice(N, 2, replace=False)]]
    include = [int(rng.integers(N))] if seed % 3 == 0 else []
    exclude = [int(rng.integers(N))] if seed % 4 == 0 else []
    problem = optimize.make_problem(np.zeros(N), cost, budget, requires=requires, include=include, exclude=exclude)
    v0, v1 = rng.uniform(-0.2, 1, size=N), rng.uniform(-0.2, 1, size=N)
    return problem, v0, v1 - v0, cost, budget


def feasible_selections(problem, cost, budget) -> np.ndarray:
    rows = []
    for bits in itertools.product([False, True], repeat=N):
        x = np.array(bits)
        if (cost[x].sum(axis=0) > budget + 1e-9).any():
            continue
        if any(x[i] and not x[j] for i, j in problem.requires):
            continue
        if (problem.forced_in & ~x).any() or (problem.forced_out & x).any():
            continue
        rows.append(x)
    return np.array(rows)


def brute_force_change(selections, v0, slope, p0, direction):
    """Return (A, p*, B): the optimum at p0, where another selection first beats it towards the end, and that one."""
    intercepts, slopes = selections @ v0, selections @ slope
    at_p0 = intercepts + p0 * slopes
    order = np.argsort(-at_p0)
    if at_p0[order[0]] - at_p0[order[1]] < 1e-6:
        return None  # a tie at p0: no single current set
    a = order[0]
    end = 1.0 if direction > 0 else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing = (intercepts[a] - intercepts) / (slopes - slopes[a])
    ahead = (slopes - slopes[a]) * direction > 1e-12  # lines that rise faster towards the end
    candidates = crossing[ahead]
    if not len(candidates):
        return selections[a], None, None
    p_star = candidates.max() if direction < 0 else candidates.min()
    if (p_star - end) * direction > 0:
        return selections[a], None, None
    just_past = p_star + direction * 1e-7
    values = intercepts + just_past * slopes
    top = np.argsort(-values)
    unique = values[top[0]] - values[top[1]] > 1e-9
    return selections[a], float(p_star), selections[top[0]] if unique else None


@pytest.mark.parametrize("seed", range(24))
def test_the_breakpoint_is_where_the_brute_force_optimum_changes(seed):
    problem, v0, slope, cost, budget = small_problem(seed)
    selections = feasible_selections(problem, cost, budget)
    rng = np.random.default_rng(1000 + seed)
    p0 = float(rng.uniform(0.05, 0.95))
    for direction in (-1, 1):
        truth = brute_force_change(selections, v0, slope, p0, direction)
        if truth is None:
            continue
        current, p_star, after = truth
        found = first_change(problem, v0, slope, p0, current, direction, resolution=1e-9, max_solves=40)
        if p_star is None:
            assert found.holds, (seed, direction)
            continue
        assert not found.holds and found.exact, (seed, direction, found)
        assert found.changed_by == pytest.approx(p_star, abs=1e-6)
        if after is not None:
            assert found.beyond.tolist() == after.tolist()


@pytest.mark.parametrize("seed", range(8))
def test_with_few_solves_the_answer_is_a_bound_that_holds_the_breakpoint(seed):
    problem, v0, slope, cost, budget = small_problem(seed)
    selections = feasible_selections(problem, cost, budget)
    truth = brute_force_change(selections, v0, slope, 0.2, 1)
    if truth is None or truth[1] is None:
        pytest.skip("no change above 0.2 in this problem")
    current, p_star, _ = truth
    found = first_change(problem, v0, slope, 0.2, current, 1, resolution=1e-9, max_solves=1)
    assert found.solves == 1 and not found.holds
    assert found.holds_to - 1e-9 <= p_star <= found.changed_by + 1e-9
    if not found.exact:
        assert found.holds_to == 0.2  # nothing but the end was solved: the set is known to hold only where it is


@pytest.fixture(scope="module")
def demo_model(demo_store_path):
    from analytics import store

    with store.connect(demo_store_path, read_only=True) as con:
        return optimize.prepare_model(con)


#: Below the plan's money with stopping and dropping allowed, the demo's answer changes within the levers' range.
TIGHT = optimize.WhatIf(budget_pct=80, allow_stop=True, allow_drop=True)


@pytest.fixture(scope="module")
def tight_fragility(demo_model):
    return optimize.fragility(optimize.apply_what_if(demo_model, TIGHT))


def chosen_ids(model, params) -> set[str]:
    best = optimize.solve_exact(optimize.apply_what_if(model, params).problem)
    assert best.proven
    return {str(p) for p in model.project_ids[best.chosen]}


def test_alpha_just_inside_its_breakpoint_keeps_the_set_and_just_past_it_changes_as_said(demo_model, tight_fragility):
    base = {str(p) for p in demo_model.project_ids[tight_fragility.base.chosen]}
    down = tight_fragility.side(ALPHA, -1)
    assert down.exact and not down.holds and down.current == TIGHT.alpha
    assert chosen_ids(demo_model, replace(TIGHT, alpha=down.changed_by + 0.002)) == base
    past = chosen_ids(demo_model, replace(TIGHT, alpha=down.changed_by - 0.002))
    assert past == (base - set(down.leaving)) | set(down.entering)
    assert down.entering or down.leaving


def test_a_weight_just_inside_its_breakpoint_keeps_the_set_and_just_past_it_changes(demo_model, tight_fragility):
    base = {str(p) for p in demo_model.project_ids[tight_fragility.base.chosen]}
    weights = dict(zip(demo_model.objective_ids, demo_model.objective_weights, strict=True))
    checked = 0
    for side in tight_fragility.sides:
        if side.lever == ALPHA or side.holds:
            continue
        assert side.exact and side.current == pytest.approx(weights[side.lever])
        inside = side.changed_by - side.direction * 0.002
        past = side.changed_by + side.direction * 0.002
        assert chosen_ids(demo_model, replace(TIGHT, objective_weights={**weights, side.lever: inside})) == base
        changed = chosen_ids(demo_model, replace(TIGHT, objective_weights={**weights, side.lever: past}))
        assert changed == (base - set(side.leaving)) | set(side.entering)
        checked += 1
    assert checked >= 3  # the demo's tight budget makes most weights matter


def test_every_lever_has_two_sides_and_the_count_of_solves_adds_up(demo_model, tight_fragility):
    levers = [s.lever for s in tight_fragility.sides]
    assert levers[:2] == [ALPHA, ALPHA] and set(levers[2:]) == {str(o) for o in demo_model.objective_ids}
    assert [s.direction for s in tight_fragility.sides] == [-1, 1] * (len(levers) // 2)
    # One solve for the base optimum, then each side's own.
    assert tight_fragility.complete and tight_fragility.solves == 1 + sum(s.solves for s in tight_fragility.sides)
    assert all(s.solves <= optimize.MAX_SOLVES_PER_SIDE for s in tight_fragility.sides)


def test_at_alpha_0_the_weights_do_not_matter_and_a_cancel_stops_early(demo_model):
    money_only = optimize.apply_what_if(demo_model, replace(TIGHT, alpha=0.0))
    answer = optimize.fragility(money_only)
    assert [s.lever for s in answer.sides] == [ALPHA, ALPHA]
    assert answer.side(ALPHA, -1).holds  # α cannot go below 0

    token = optimize.CancelToken()
    token.cancel()
    stopped = optimize.fragility(optimize.apply_what_if(demo_model, TIGHT), token=token)
    assert not stopped.complete and stopped.sides == ()
