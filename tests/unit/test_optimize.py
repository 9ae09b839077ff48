"""The optimiser: select_portfolio against brute force, infeasible and degenerate inputs, model properties."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import optimize
from analytics.optimize import select_portfolio
from analytics.rules import CANDIDATE_STAGES, FEASIBILITY_TOLERANCE, TINY
from tests.properties import examples

# --- brute force -----------------------------------------------------------------------------------------------


def random_problem(rng: np.random.Generator, n: int | None = None) -> dict:
    """A small random instance using every constraint kind with some probability."""
    n = int(rng.integers(1, 11)) if n is None else n
    years = int(rng.integers(1, 4))
    cells = int(rng.integers(0, 5))
    value = np.round(rng.normal(1.0, 1.0, n), 2)
    cost = np.round(rng.uniform(0, 10, (n, years)) * (rng.random((n, years)) < 0.8), 1)
    budget = np.round(cost.sum(axis=0) * rng.uniform(0.2, 0.8, years), 1)
    problem = {"value": value, "cost": cost, "budget": budget}
    if cells:
        demand = np.round(rng.uniform(0, 3, (n, cells)) * (rng.random((n, cells)) < 0.5), 1)
        problem["demand"] = demand
        problem["capacity"] = np.round(demand.sum(axis=0) * rng.uniform(0.3, 0.9, cells), 1)
    pairs = {(int(i), int(j)) for i, j in rng.integers(0, n, (int(rng.integers(0, n + 1)), 2)) if i != j}
    problem["requires"] = sorted(pairs)
    chosen = rng.permutation(n)
    problem["include"] = chosen[: int(rng.random() < 0.3)].tolist()
    problem["exclude"] = chosen[1 : 1 + int(rng.integers(0, 3)) * int(rng.random() < 0.5)].tolist()
    return problem


def brute_force(value, cost, budget, demand=None, capacity=None, requires=(), include=(), exclude=()):
    """The best objective over all 2^n selections, or None when none is feasible."""
    n = len(value)
    best = None
    for bits in itertools.product((False, True), repeat=n):
        x = np.array(bits, dtype=bool)
        if any(not x[i] for i in include) or any(x[i] for i in exclude):
            continue
        if any(x[i] and not x[j] for i, j in requires):
            continue
        if (x @ np.asarray(cost) > np.asarray(budget) + TINY).any():
            continue
        if demand is not None and (x @ np.asarray(demand) > np.asarray(capacity) + TINY).any():
            continue
        total = float(np.asarray(value)[x].sum())
        best = total if best is None else max(best, total)
    return best


def respects(problem: dict, chosen: np.ndarray) -> bool:
    x = chosen
    ok = not (x @ problem["cost"] > problem["budget"] + FEASIBILITY_TOLERANCE).any()
    if "demand" in problem:
        ok &= not (x @ problem["demand"] > problem["capacity"] + FEASIBILITY_TOLERANCE).any()
    ok &= all(not x[i] or x[j] for i, j in problem["requires"])
    ok &= all(x[i] for i in problem["include"]) and not any(x[i] for i in problem["exclude"])
    return bool(ok)


def test_matches_brute_force_on_many_small_random_problems():
    rng = np.random.default_rng(20261126)
    kinds = {"infeasible": 0, "dependencies": 0, "capacity": 0, "include": 0, "exclude": 0, "multi-year": 0}
    for _ in range(300):
        problem = random_problem(rng)
        expected = brute_force(**problem)
        result = select_portfolio(**problem)
        if expected is None:
            kinds["infeasible"] += 1
            assert result.status == "infeasible"
            assert optimize.conflict_sentence(result.conflict)
            continue
        assert result.status == "optimal", problem
        assert result.objective == pytest.approx(expected, abs=1e-6), problem
        assert respects(problem, result.chosen)
        assert result.objective == pytest.approx(problem["value"][result.chosen].sum())
        kinds["dependencies"] += bool(problem["requires"])
        kinds["capacity"] += "demand" in problem
        kinds["include"] += bool(problem["include"])
        kinds["exclude"] += bool(problem["exclude"])
        kinds["multi-year"] += problem["cost"].shape[1] > 1
    # The generator must really exercise every kind of constraint, feasible and infeasible.
    assert min(kinds.values()) >= 10, kinds


# --- degenerate and infeasible inputs -----------------------------------------------------------------------


def test_no_candidates():
    result = select_portfolio([], np.zeros((0, 2)), [10.0, 10.0])
    assert result.status == "optimal"
    assert result.chosen.shape == (0,)
    assert result.objective == 0.0


def test_no_candidates_no_periods():
    result = select_portfolio([], [], [])
    assert result.status == "optimal" and result.objective == 0.0


def test_zero_budget_chooses_only_what_costs_nothing():
    result = select_portfolio([5.0, 1.0, 2.0], [[3.0], [0.0], [1.0]], [0.0])
    assert result.status == "optimal"
    assert result.chosen.tolist() == [False, True, False]
    assert result.objective == 1.0


def test_everything_mandatory_that_fits():
    result = select_portfolio([1.0, -2.0, 3.0], [[1.0], [1.0], [1.0]], [3.0], include=[0, 1, 2])
    assert result.status == "optimal"
    assert result.chosen.all()
    assert result.objective == 2.0


def test_negative_value_is_left_out_unless_mandatory_or_needed():
    # Candidate 1 is worth -1 but candidate 0 (worth 5) needs it: choosing both beats neither.
    result = select_portfolio([5.0, -1.0, -2.0], [[1.0], [1.0], [1.0]], [10.0], requires=[(0, 1)])
    assert result.chosen.tolist() == [True, True, False]
    assert result.objective == 4.0


def test_mutual_dependency_is_all_or_nothing():
    result = select_portfolio([3.0, 3.0], [[2.0], [2.0]], [3.0], requires=[(0, 1), (1, 0)])
    assert result.chosen.tolist() == [False, False]
    result = select_portfolio([3.0, 3.0], [[2.0], [2.0]], [4.0], requires=[(0, 1), (1, 0)])
    assert result.chosen.tolist() == [True, True]


def test_unbounded_budget_period_is_no_constraint():
    result = select_portfolio([1.0, 2.0], [[5.0, 1.0], [5.0, 1.0]], [np.inf, 1.0])
    assert result.chosen.tolist() == [False, True]


def test_sparse_inputs_are_accepted():
    import scipy.sparse as sp

    cost = sp.csr_matrix(np.array([[2.0], [1.0], [1.0]]))
    demand = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]))
    result = select_portfolio([3.0, 2.0, 2.0], cost, [3.0], demand, [1.0, 1.0])
    assert result.chosen.tolist() == [True, True, False]


def test_mandatory_project_over_a_years_budget_is_named():
    result = select_portfolio(
        [1.0, 1.0, 1.0],
        [[5.0, 1.0], [6.0, 1.0], [0.0, 1.0]],
        [10.0, 10.0],
        include=[0, 1],
        names=["P-001", "P-002", "P-003"],
        budget_labels=["the FY2026 budget", "the FY2027 budget"],
    )
    assert result.status == "infeasible"
    assert not result.chosen.any()
    assert optimize.conflict_sentence(result.conflict) == (
        "Mandatory projects P-001, P-002 need 11.00 of the FY2026 budget, which holds only 10.00."
    )


def test_mandatory_project_over_a_team_month_is_named():
    result = select_portfolio(
        [1.0, 1.0],
        [[1.0], [1.0]],
        [10.0],
        demand=[[0.0, 2.0], [0.0, 0.5]],
        capacity=[1.0, 1.5],
        include=[0],
        names=["P-001", "P-002"],
        capacity_labels=["T-DATA in 2026-01", "T-DATA in 2026-02"],
    )
    assert result.status == "infeasible"
    assert optimize.conflict_sentence(result.conflict) == (
        "Mandatory project P-001 needs 2.00 of T-DATA in 2026-02, which holds only 1.50."
    )
    assert (result.conflict.row, result.conflict.need, result.conflict.limit) == (2, 2.0, 1.5)


def test_mandatory_project_needing_an_excluded_one_is_named():
    names = ["P-001", "P-002", "P-003"]
    direct = select_portfolio([1.0] * 3, [[1.0]] * 3, [10.0], requires=[(0, 1)], include=[0], exclude=[1], names=names)
    assert direct.status == "infeasible"
    assert optimize.conflict_sentence(direct.conflict) == "P-001 is mandatory but needs P-002, which is excluded."
    chain = select_portfolio(
        [1.0] * 3, [[1.0]] * 3, [10.0], requires=[(0, 1), (1, 2)], include=[0], exclude=[2], names=names
    )
    assert optimize.conflict_sentence(chain.conflict) == (
        "P-001 is mandatory but needs P-003, which is excluded (through P-001 → P-002 → P-003)."
    )


def test_mandatory_and_excluded_at_once_is_named():
    result = select_portfolio([1.0], [[1.0]], [1.0], include=[0], exclude=[0], names=["P-9"])
    assert result.status == "infeasible"
    assert optimize.conflict_sentence(result.conflict) == "P-9 is mandatory but is excluded."


def test_mandatory_dependency_pulls_its_requirement_into_the_budget_check():
    # P-001 alone fits, but it needs P-002 and both together break the budget.
    result = select_portfolio([1.0, 1.0], [[4.0], [4.0]], [6.0], requires=[(0, 1)], include=[0], names=["A", "B"])
    assert result.status == "infeasible"
    assert optimize.conflict_sentence(result.conflict) == (
        "Mandatory project A, with B which it needs, needs 8.00 of budget period 0, which holds only 6.00."
    )


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="cost must have shape"):
        select_portfolio([1.0, 2.0], [[1.0, 1.0]], [1.0])
    with pytest.raises(ValueError, match="both or neither"):
        select_portfolio([1.0], [[1.0]], [1.0], demand=[[1.0]])
    with pytest.raises(ValueError, match="requires holds an index"):
        select_portfolio([1.0], [[1.0]], [1.0], requires=[(0, 3)])
    with pytest.raises(ValueError, match="include holds an index"):
        select_portfolio([1.0], [[1.0]], [1.0], include=[1])


# --- properties -----------------------------------------------------------------------------------------------

seeds = st.integers(min_value=0, max_value=2**32 - 1)
quick = settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@quick
@given(seed=seeds, cut=st.floats(min_value=0.0, max_value=1.0))
def test_less_budget_never_raises_the_optimum(seed, cut):
    problem = random_problem(np.random.default_rng(seed))
    problem["include"] = []
    full = select_portfolio(**problem)
    smaller = select_portfolio(**{**problem, "budget": problem["budget"] * cut})
    assert full.status == smaller.status == "optimal"
    assert smaller.objective <= full.objective + TINY


@quick
@given(seed=seeds, extra=st.sampled_from(["dependency", "exclude", "capacity", "year"]))
def test_adding_a_constraint_never_raises_the_optimum(seed, extra):
    rng = np.random.default_rng(seed)
    problem = random_problem(rng)
    problem["include"] = []
    base = select_portfolio(**problem)
    n = len(problem["value"])
    tighter = dict(problem)
    if extra == "dependency" and n > 1:
        i, j = rng.choice(n, 2, replace=False)
        tighter["requires"] = [*problem["requires"], (int(i), int(j))]
    elif extra == "exclude":
        tighter["exclude"] = [*problem["exclude"], int(rng.integers(n))]
    elif extra == "capacity":
        demand = rng.uniform(0, 2, (n, 1))
        tighter["demand"] = np.hstack([problem.get("demand", np.zeros((n, 0))), demand])
        tighter["capacity"] = np.r_[problem.get("capacity", []), demand.sum() / 2]
    else:
        new_year = rng.uniform(0, 5, (n, 1))
        tighter["cost"] = np.hstack([problem["cost"], new_year])
        tighter["budget"] = np.r_[problem["budget"], new_year.sum() / 2]
    constrained = select_portfolio(**tighter)
    assert constrained.status == "optimal"
    assert constrained.objective <= base.objective + TINY
    assert respects(tighter, constrained.chosen)


# --- the model from a hand-built store ------------------------------------------------------------------------
#
# as_of 2026-10-15, fiscal years start in April (FY2027 = Apr 2026 .. Mar 2027), rate 10 %.
# Candidates (proposed/approved/active), sorted: P1 (0), P2 (1), P3 (2, mandatory), P6 (3).
# Forward cost: P1 100 in Nov 2026 (FY2027) + 50 in Apr 2027 (FY2028); P2 200 in Dec 2026 (its 999 in Sep 2026 is
# sunk); P3 10 in Nov 2026; P6 30 in Jan 2027. Capacity from Nov 2026: T1 2, 2; T2 1 then nothing in Dec.
# Dependencies: P1 needs P2 (a pair); P2 needs completed P4 (met); P6 needs on-hold P5 (blocked, proposed);
# P3 needs cancelled P7 (active: not blocked, flagged).


@pytest.fixture
def small_con(empty_con):
    con = empty_con
    con.execute("""
        INSERT INTO settings VALUES ('as_of', '2026-10-15'), ('discount_rate', '0.10'), ('currency', 'USD'),
                                    ('fiscal_year_start_month', '4');
        INSERT INTO objectives VALUES ('O1', 'Grow', NULL, 3), ('O2', 'Trust', NULL, 1);
        INSERT INTO teams VALUES ('T1', 'Team One', 'data'), ('T2', 'Team Two', 'web');
        INSERT INTO team_capacity VALUES ('T1', '2026-10-01', 9), ('T1', '2026-11-01', 2), ('T1', '2026-12-01', 2),
                                         ('T2', '2026-11-01', 1);
        INSERT INTO projects (project_id, name, product_id, program, sponsor, manager, stage, start_date,
            end_date, budget, probability_of_success, health, mandatory, description) VALUES
          ('P1', 'One', NULL, 'G', 's', 'm', 'proposed', '2026-11-01', '2027-06-30', 150, .5, NULL, false, NULL),
          ('P2', 'Two', NULL, 'G', 's', 'm', 'approved', '2026-09-01', '2027-03-31', 1199, .8, NULL, false, NULL),
          ('P3', 'Three', NULL, 'C', 's', 'm', 'active', '2026-01-01', '2027-05-31', 10, 1, NULL, true, NULL),
          ('P4', 'Four', NULL, 'G', 's', 'm', 'completed', '2025-01-01', '2025-12-31', 77, 1, NULL, false, NULL),
          ('P5', 'Five', NULL, 'G', 's', 'm', 'on_hold', '2026-01-01', '2027-12-31', 5, .5, NULL, false, NULL),
          ('P6', 'Six', NULL, 'G', 's', 'm', 'proposed', '2027-01-01', '2027-02-28', 30, .6, NULL, false, NULL),
          ('P7', 'Seven', NULL, 'G', 's', 'm', 'cancelled', '2026-01-01', '2026-03-31', 5, 0, NULL, false, NULL);
        INSERT INTO project_cashflows VALUES
          ('P1', '2026-11-01', 100, 0), ('P1', '2027-04-01', 50, 0), ('P1', '2027-06-01', 0, 400),
          ('P2', '2026-09-01', 999, 0), ('P2', '2026-12-01', 200, 0), ('P2', '2027-03-01', 0, 300),
          ('P3', '2026-11-01', 10, 0), ('P3', '2027-05-01', 0, 100),
          ('P4', '2026-11-01', 77, 0),
          ('P6', '2027-01-01', 30, 0), ('P6', '2027-02-01', 0, 90);
        INSERT INTO project_alignment VALUES ('P1', 'O1', 5), ('P1', 'O2', 0), ('P2', 'O1', 1), ('P2', 'O2', 5),
                                             ('P6', 'O2', 2);
        INSERT INTO project_demand VALUES ('P1', 'T1', '2026-11-01', 1.5), ('P1', 'T2', '2026-12-01', 0.5),
                                          ('P2', 'T1', '2026-11-01', 1.0), ('P2', 'T1', '2026-10-01', 5.0),
                                          ('P3', 'T1', '2026-12-01', 0.5), ('P6', 'T2', '2026-11-01', 0.5);
        INSERT INTO project_dependencies VALUES ('P1', 'P2', 'requires'), ('P2', 'P4', 'requires'),
                                                ('P6', 'P5', 'finish_to_start'), ('P3', 'P7', 'requires');
    """)
    return con


def test_model_arrays_by_hand(small_con):
    model = optimize.prepare_model(small_con)
    assert model.project_ids.tolist() == ["P1", "P2", "P3", "P6"]
    assert model.in_plan.tolist() == [False, True, True, False]
    assert model.mandatory.tolist() == [False, False, True, False]
    assert model.fiscal_years.tolist() == [2027, 2028]
    assert model.year_months.tolist() == [5, 12]  # Nov 2026 .. Mar 2027, then a whole year
    np.testing.assert_array_equal(model.cost_by_year, [[100, 50], [200, 0], [10, 0], [30, 0]])
    np.testing.assert_array_equal(model.plan_cost_by_year, [210, 0])
    # 100 % is exactly the plan's money; the run-rate floor is an option. The plan spends nothing in a whole
    # year: the run rate is its monthly spend in the part year, 210 / 5.
    np.testing.assert_array_equal(model.plan_budget, [210, 0])
    np.testing.assert_allclose(model.run_rate_budget, [210, 42 * 12])
    # Only active P3 has a stop cost: none stored, so half its cost in Nov 2026 - Jan 2027 (10).
    np.testing.assert_array_equal(model.stop_costs, [0, 0, 5, 0])
    assert model.plan_source.kind == "committed"
    assert model.teams.tolist() == ["T1", "T2"]
    assert model.months.astype(str).tolist() == ["2026-11-01", "2026-12-01"]
    np.testing.assert_array_equal(model.capacity_fte, [[2, 2], [1, 0]])
    # Cells are team-major: T1 Nov, T1 Dec, T2 Nov, T2 Dec. P2's October demand is before the horizon.
    np.testing.assert_array_equal(
        model.demand_fte.toarray(), [[1.5, 0, 0, 0.5], [1.0, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 0.5, 0]]
    )
    assert model.requires.tolist() == [[0, 1]]
    assert model.unmet_dependency.tolist() == [None, None, "P7", "P5"]
    assert model.unmet_stage.tolist() == [None, None, "cancelled", "on_hold"]
    assert model.blocked.tolist() == [False, False, False, True]
    np.testing.assert_array_equal(model.alignment, [[5, 0], [1, 5], [0, 0], [0, 2]])
    assert model.index_of(["P6", "P4", "P1"]).tolist() == [3, 0]


def test_values_match_finance(small_con):
    from analytics import finance

    model = optimize.prepare_model(small_con)
    what_if = optimize.apply_what_if(model, optimize.WhatIf(alpha=0.25))
    money = finance.project_financials(small_con).set_index("project_id").loc[model.project_ids.tolist()]
    np.testing.assert_allclose(what_if.rnpv, money["rnpv"])
    np.testing.assert_allclose(what_if.strategic_score, money["strategic_score"])
    # By hand for P3: PoS 1 × 100 discounted 198 days − 10 discounted 17 days, at 10 %.
    assert what_if.rnpv[2] == pytest.approx(100 * 1.1 ** (-198 / 365) - 10 * 1.1 ** (-17 / 365))
    # Strategic scores: (3·5 + 1·0) / (5·4) = 0.75, (3·1 + 1·5) / 20 = 0.4, 0, 2 / 20 = 0.1.
    np.testing.assert_allclose(what_if.strategic_score, [0.75, 0.4, 0.0, 0.1])
    scale = np.abs(what_if.rnpv).max()
    # Active P3 also carries what keeping it saves: its stop cost (5) in the same units.
    stop_value = 0.75 * np.array([0, 0, 5, 0]) / scale
    np.testing.assert_allclose(what_if.value, 0.75 * what_if.rnpv / scale + 0.25 * what_if.strategic_score + stop_value)


def test_what_if_parameters_move_the_arrays(small_con):
    from analytics import finance

    model = optimize.prepare_model(small_con)
    base = optimize.apply_what_if(model, optimize.WhatIf())
    shifted = optimize.apply_what_if(
        model,
        optimize.WhatIf(
            cost_overrun=0.2, pos_haircut=0.5, benefit_delay_months=3, discount_rate=0.05, objective_weights={"O1": 0.0}
        ),
    )
    # P6's benefit of 90 moves from Feb to May 2027; its cost of 30 in Jan stays, 20 % dearer.
    may = finance.discount_factors(np.array(["2027-05-01"], dtype="datetime64[D]"), model.as_of, 0.05)[0]
    jan = finance.discount_factors(np.array(["2027-01-01"], dtype="datetime64[D]"), model.as_of, 0.05)[0]
    assert shifted.pv_benefit[3] == pytest.approx(90 * may)
    assert shifted.pv_cost[3] == pytest.approx(1.2 * 30 * jan)
    assert shifted.rnpv[3] == pytest.approx(0.6 * 0.5 * 90 * may - 1.2 * 30 * jan)
    # Only O2 counts now: P2 scores 5 / 5 = 1, P6 2 / 5.
    np.testing.assert_allclose(shifted.strategic_score, [0.0, 1.0, 0.0, 0.4])
    np.testing.assert_allclose(shifted.cost_by_year, 1.2 * model.cost_by_year)
    # The overrun divides the budget rows for the solver, so x·usage ≤ limit is x·(1.2·cost) ≤ budget.
    np.testing.assert_allclose(shifted.problem.limit[:2], base.problem.limit[:2] / 1.2)

    people = optimize.apply_what_if(
        model, optimize.WhatIf(capacity_fte_delta={"T2": 1.5}, capacity_pct_delta={"T1": -0.5}, flex=0.1)
    )
    np.testing.assert_allclose(people.capacity_fte, [[1, 1], [2.5, 1.5]])
    np.testing.assert_allclose(people.problem.limit[2:], np.array([1, 1, 2.5, 1.5]) * 1.1)
    budget = optimize.apply_what_if(model, optimize.WhatIf(budget_pct=50))
    np.testing.assert_allclose(budget.budget, [105, 0])
    floor = optimize.apply_what_if(model, optimize.WhatIf(budget_pct=50, run_rate_floor=True))
    np.testing.assert_allclose(floor.budget, [105, 252])
    explicit = optimize.apply_what_if(model, optimize.WhatIf(budget_by_year=[1000, 0]))
    np.testing.assert_allclose(explicit.budget, [1000, 0])
    with pytest.raises(ValueError, match="one per fiscal year"):
        optimize.apply_what_if(model, optimize.WhatIf(budget_by_year=[1.0]))


def test_plan_settings_choose_the_plan_and_explain_the_rest(small_con):
    model = optimize.prepare_model(small_con)
    what_if = optimize.apply_what_if(model)
    exact = optimize.solve_exact(what_if.problem)
    # P1 cannot fit (Team Two has nobody in Dec 2026) and P6 is blocked: P2 and mandatory P3 remain.
    assert exact.status == "optimal"
    assert exact.chosen.tolist() == [False, True, True, False]
    fast = optimize.solve_fast(what_if.problem)
    assert fast.chosen.tolist() == exact.chosen.tolist()

    why = optimize.why_not(what_if, exact, "P1")
    assert not why.chosen
    assert why.flipped.status == "infeasible"
    sentence = optimize.why_not_sentence(what_if, why)
    assert sentence == (
        "P1 One cannot be added: Project P1 One, which must be in, needs $50 of the FY2028 budget, which holds only $0."
    )
    # Added to {P2, P3}, P1 overruns all four, hardest (relative to the limit) first: 50 of the plan's nothing in
    # FY2028, 0.5 FTE of nothing, 100 of 210 in FY2027, 0.5 of 2 FTE in Team One's November.
    assert [b.label for b in why.binding] == [
        "the FY2028 budget",
        "Team Two in Dec 2026",
        "the FY2027 budget",
        "Team One in Nov 2026",
    ]
    assert [b.over for b in why.binding] == pytest.approx([50, 0.5, 100, 0.5])
    assert [row["over by"] for row in optimize.binding_rows(what_if, why)] == ["$50", "0.5 FTE", "$100", "0.5 FTE"]
    blocked = optimize.why_not(what_if, exact, "P6")
    assert optimize.why_not_sentence(what_if, blocked) == "P6 Six cannot be added: it needs P5, which is on hold."
    assert np.isnan(blocked.value_change)
    mandatory = optimize.why_not(what_if, exact, "P3")
    assert optimize.why_not_sentence(what_if, mandatory) == "P3 Three is mandatory: it stays in whatever it costs."
    # P2 is in the plan, not started: the keep rule holds it in, not its merit, and the answer says which rule. Once
    # dropping is allowed, the same question is answered on its merit.
    kept = optimize.why_not(what_if, exact, "P2")
    assert optimize.why_not_sentence(what_if, kept).startswith(
        "P2 Two is in because it is in the plan, not started, and “Allow dropping planned projects” is off. Left out, "
        "nothing would come in; that changes rNPV by "
    )
    droppable = optimize.apply_what_if(model, optimize.WhatIf(allow_drop=True))
    on_merit = optimize.why_not(droppable, optimize.solve_exact(droppable.problem), "P2")
    assert on_merit.chosen and optimize.why_not_sentence(droppable, on_merit).startswith("P2 Two displaces nothing; ")
    # Asked about a project the user forced out, the answer is what forcing it back in would do.
    forced = optimize.apply_what_if(model, optimize.WhatIf(force_out=["P2"]))
    without = optimize.solve_exact(forced.problem)
    assert without.chosen.tolist() == [False, False, True, False]
    back = optimize.why_not(forced, without, "P2")
    assert back.entering == ("P2",) and back.value_change == pytest.approx(forced.value[1])
    with pytest.raises(KeyError):
        optimize.why_not(what_if, exact, "P4")

    summary = optimize.selection_summary(what_if, exact.chosen)
    assert summary["projects"] == summary["plan_projects"] == 2
    assert summary["added"] == summary["dropped"] == 0
    assert summary["spend"] == pytest.approx(210)
    # The budget at 100 % is the plan's spend: 210 in the part year FY2027, nothing in FY2028.
    assert summary["budget"] == pytest.approx(210)
    assert summary["budget_use"] == pytest.approx(1.0)
    use = optimize.budget_use(what_if, exact.chosen)
    assert use["spend"].tolist() == [210, 0]
    assert use["utilisation"].iloc[0] == 1.0 and np.isnan(use["utilisation"].iloc[1])
    cells = optimize.capacity_use(what_if, exact.chosen)
    assert cells["demand_fte"].tolist() == [1.0, 0.5, 0.0, 0.0]
    assert cells["utilisation"].iloc[:3].tolist() == [0.5, 0.25, 0.0]
    assert np.isnan(cells["utilisation"].iloc[3])  # no capacity and no demand


def test_more_people_and_money_let_the_proposal_in(small_con):
    model = optimize.prepare_model(small_con)
    what_if = optimize.apply_what_if(
        model, optimize.WhatIf(capacity_fte_delta={"T1": 1, "T2": 1}, budget_pct=150, run_rate_floor=True)
    )
    result = optimize.solve_exact(what_if.problem)
    assert result.chosen.tolist() == [True, True, True, False]
    table = optimize.selection_table(what_if, result.chosen)
    assert table.set_index("project_id")["change"].to_dict() == {"P1": "added", "P2": "", "P3": "", "P6": ""}

    # At plan budget with the extra person, P1 (with the P2 it needs) no longer fits FY2027's 210.
    tight = optimize.apply_what_if(model, optimize.WhatIf(capacity_fte_delta={"T1": 1, "T2": 1}))
    base = optimize.solve_exact(tight.problem)
    assert base.chosen.tolist() == [False, True, True, False]
    why = optimize.why_not(tight, base, "P1")
    assert [b.kind for b in why.binding] == ["budget", "budget"]
    assert {b.label: b.over for b in why.binding} == pytest.approx({"the FY2028 budget": 50, "the FY2027 budget": 100})
    # Forced in, P1 brings the P2 it needs: P1 + P2 + P3 cost 310 in FY2027 against 210, so nothing fits.
    assert why.flipped.status == "infeasible"
    assert "the FY2028 budget" in optimize.why_not_sentence(tight, why)

    # 100 more in FY2027 alone is not enough (P1 needs 50 in FY2028, where the plan spends nothing); every year is.
    assert optimize.marginal_budget(tight, base, 100.0, 2027).entering == ()
    extra = optimize.marginal_budget(tight, base, 100.0)
    assert extra.selection.chosen.tolist() == [True, True, True, False]
    assert extra.entering == ("P1",) and extra.leaving == ()
    assert extra.value_change == pytest.approx(tight.value[0])
    assert extra.rnpv_change == pytest.approx(tight.rnpv[0])
    none = optimize.marginal_fte(tight, base, "T1", "2026-11-01", months=2, fte=1.0)
    assert none.value_change == pytest.approx(0.0) and none.entering == ()
    with pytest.raises(KeyError):
        optimize.marginal_fte(tight, base, "T9", "2026-11-01")
    with pytest.raises(KeyError):
        optimize.marginal_budget(tight, base, 1.0, 2031)


def test_mandatory_over_budget_names_the_year_in_money(small_con):
    model = optimize.prepare_model(small_con)
    what_if = optimize.apply_what_if(model, optimize.WhatIf(budget_pct=2, force_in=["P2"]))
    result = optimize.solve_fast(what_if.problem)
    assert result.status == "infeasible"
    assert optimize.conflict_sentence(result.conflict) == (
        "Projects P2 Two, P3 Three, which must be in, need $210 of the FY2027 budget, which holds only $4."
    )


def test_what_if_is_hashable_and_round_trips():
    a = optimize.WhatIf(objective_weights={"O2": 1, "O1": 2}, force_in=["P2", "P1", "P2"], budget_by_year=[1, 2])
    b = optimize.WhatIf(objective_weights=[("O1", 2.0), ("O2", 1.0)], force_in=("P1", "P2"), budget_by_year=(1, 2))
    assert a == b and hash(a) == hash(b)
    assert optimize.WhatIf.from_dict(a.to_dict()) == a
    assert optimize.WhatIf.from_dict({"alpha": 0.5, "unknown": 1}) == optimize.WhatIf(alpha=0.5)
    with pytest.raises(ValueError, match="alpha"):
        optimize.WhatIf(alpha=1.5)


def test_empty_store_gives_an_empty_model(empty_con):
    model = optimize.prepare_model(empty_con)
    assert model.n == 0 and model.fiscal_years.size == 0 and model.teams.size == 0
    what_if = optimize.apply_what_if(model)
    for solve in (optimize.solve_fast, optimize.solve_exact, optimize.solve_greedy):
        result = solve(what_if.problem)
        assert result.feasible and result.objective == 0.0
    assert optimize.ranking_curve(what_if).empty
    frontier = optimize.efficient_frontier(what_if, [50, 100])
    assert frontier["value"].tolist() == [0.0, 0.0]
    assert optimize.capacity_use(what_if, np.zeros(0, dtype=bool)).empty


# --- fast answers, frontier, ranking, why-not on random problems ----------------------------------------------


def test_fast_and_greedy_are_feasible_and_bracket_the_optimum():
    rng = np.random.default_rng(7)
    for _ in range(150):
        problem = random_problem(rng)
        exact = select_portfolio(**problem)
        built = optimize.make_problem(**problem)
        fast, greedy = optimize.solve_fast(built), optimize.solve_greedy(built)
        if exact.status == "infeasible":
            assert fast.status == greedy.status == "infeasible"
            assert optimize.conflict_sentence(fast.conflict) == optimize.conflict_sentence(exact.conflict)
            continue
        for heuristic in (fast, greedy):
            assert respects(problem, heuristic.chosen)
            assert heuristic.objective <= exact.objective + TINY
        # The LP relaxation bounds the optimum from above; the fast answer's gap is measured against it.
        assert exact.objective <= fast.bound + 1e-6
        assert fast.gap == pytest.approx((fast.bound - fast.objective) / max(abs(fast.bound), TINY), abs=TINY)


def test_why_not_matches_brute_force():
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(60):
        problem = random_problem(rng, n=7)
        problem["include"], problem["exclude"] = [], []
        base = select_portfolio(**problem)
        built = optimize.make_problem(**problem)
        what_if = _what_if_for(built)
        for i in range(7):
            why = optimize.why_not(what_if, base, f"X{i}")
            flipped = {**problem, "include": [i]} if not base.chosen[i] else {**problem, "exclude": [i]}
            expected = brute_force(**flipped)
            if expected is None:
                assert why.flipped.status == "infeasible" and np.isnan(why.value_change)
            else:
                assert why.value_change == pytest.approx(expected - base.objective, abs=1e-6)
                assert why.value_change <= TINY
                checked += 1
    assert checked > 100


def _what_if_for(problem: optimize.Problem) -> optimize.WhatIfProblem:
    """Wrap a bare problem so the model-level functions can run on it (ids X0, X1, ...; rNPV = value)."""
    n = problem.n
    ids = np.asarray([f"X{i}" for i in range(n)], dtype=object)
    model = optimize.PortfolioModel(
        project_ids=ids,
        names=ids,
        stages=np.full(n, "proposed", dtype=object),
        mandatory=problem.forced_in,
        in_plan=np.zeros(n, dtype=bool),
        probability_of_success=np.ones(n),
        flow_project=np.zeros(0, dtype=int),
        flow_month=np.zeros(0, dtype="datetime64[M]"),
        flow_cost=np.zeros(0),
        flow_benefit=np.zeros(0),
        fiscal_years=np.arange(problem.budget_rows),
        year_months=np.full(problem.budget_rows, 12),
        cost_by_year=problem.usage[: problem.budget_rows].T.toarray(),
        teams=np.zeros(0, dtype=object),
        team_names=np.zeros(0, dtype=object),
        months=np.zeros(0, dtype="datetime64[D]"),
        capacity_fte=np.zeros((0, 0)),
        demand_fte=problem.usage[problem.budget_rows :].T.tocsr(),
        requires=problem.requires,
        unmet_dependency=np.full(n, None),
        unmet_stage=np.full(n, None),
        objective_ids=np.zeros(0, dtype=object),
        objective_names=np.zeros(0, dtype=object),
        objective_weights=np.zeros(0),
        alignment=np.zeros((n, 0)),
        as_of=None,
        currency="USD",
        discount_rate=0.0,
        fiscal_year_start_month=1,
        _index={p: i for i, p in enumerate(ids)},
    )
    return optimize.WhatIfProblem(
        model=model,
        params=optimize.WhatIf(),
        problem=problem,
        value=problem.value,
        rnpv=problem.value,
        pv_benefit=np.zeros(n),
        pv_cost=np.zeros(n),
        probability_of_success=np.ones(n),
        strategic_score=np.zeros(n),
        rnpv_scale=1.0,
        cost_by_year=model.cost_by_year,
        budget=problem.limit[: problem.budget_rows],
        capacity_fte=np.zeros((0, 0)),
        stop_cost=np.zeros(n),
        stop_value=np.zeros(n),
    )


def test_marginal_budget_matches_brute_force():
    rng = np.random.default_rng(5)
    for _ in range(40):
        problem = random_problem(rng, n=8)
        problem["include"], problem["exclude"] = [], []
        built = optimize.make_problem(**problem)
        base = optimize.solve_exact(built)
        extra = float(rng.uniform(0, 5))
        year = int(rng.integers(built.budget_rows))
        raised = problem["budget"].copy()
        raised[year] += extra
        marginal = optimize.marginal_budget(_what_if_for(built), base, extra, year)
        assert marginal.value_change == pytest.approx(brute_force(**{**problem, "budget": raised}) - base.objective)
        assert marginal.value_change >= -TINY


@pytest.fixture(scope="module")
def demo_model(demo_store_path):
    from analytics import store

    con = store.connect(demo_store_path, read_only=True)
    try:
        yield optimize.prepare_model(con)
    finally:
        con.close()


def test_demo_model_values_match_finance(demo_model, demo_con):
    from analytics import finance

    what_if = optimize.apply_what_if(demo_model)
    money = finance.project_financials(demo_con).set_index("project_id").loc[demo_model.project_ids.tolist()]
    np.testing.assert_allclose(what_if.rnpv, money["rnpv"], rtol=1e-12)
    np.testing.assert_allclose(what_if.strategic_score, money["strategic_score"], rtol=1e-12)
    stages = set(demo_model.stages)
    assert stages == set(CANDIDATE_STAGES)


def test_demo_exact_beats_fast_beats_greedy(demo_model):
    free = {"allow_stop": True, "allow_drop": True}  # the optimiser's whole choice, not only the plan's fixed part
    for params in (
        optimize.WhatIf(),
        optimize.WhatIf(budget_pct=80, alpha=0.0, **free),
        optimize.WhatIf(alpha=0.8, **free),
    ):
        what_if = optimize.apply_what_if(demo_model, params)
        exact = optimize.solve_exact(what_if.problem)
        fast = optimize.solve_fast(what_if.problem)
        greedy = optimize.solve_greedy(what_if.problem)
        assert exact.status == "optimal"
        assert optimize.is_feasible(what_if.problem, fast.chosen)
        assert optimize.is_feasible(what_if.problem, greedy.chosen)
        # The fast answer includes the plain value/cost pass, so it is never worse than the baseline.
        assert greedy.objective <= fast.objective + TINY
        assert fast.objective <= exact.objective + TINY <= fast.bound + 1e-6
        assert fast.objective >= 0.98 * exact.objective


def test_frontier_rises_with_budget_and_beats_the_ranking(demo_model):
    free = optimize.WhatIf(alpha=0.2, allow_stop=True, allow_drop=True)
    what_if = optimize.apply_what_if(demo_model, free)
    # Below 60 % of the plan's money the mandatory projects alone do not fit.
    frontier = optimize.efficient_frontier(what_if, [60, 70, 100, 130])
    assert frontier["budget_pct"].tolist() == [60, 70, 100, 130]
    assert (frontier["status"] == "optimal").all()
    assert frontier["value"].is_monotonic_increasing
    assert (frontier["ranking_value"] <= frontier["value"] + TINY).all()
    at_plan = optimize.solve_exact(optimize.apply_what_if(demo_model, free).problem)
    at_plan_value = optimize.selection_totals(what_if, at_plan.chosen)["value"]  # net of the stop costs it pays
    assert frontier.loc[frontier["budget_pct"] == 100, "value"].item() == pytest.approx(at_plan_value)
    fast = optimize.efficient_frontier(what_if, [60, 100], exact=False)
    assert (fast["value"].to_numpy() <= frontier["value"].to_numpy()[[0, 2]] + TINY).all()


def test_frontier_dips_in_rnpv_only_where_the_blend_buys_strategic_score(demo_model):
    # The demo at the default α = 0.3 keeps its active work, so 100 % is the first level that fits; from 120 % on
    # the optimum spends on better-aligned projects of lower rNPV. Each dip is against the best smaller level.
    levels = [100, 110, 120, 130, 140]
    blended = optimize.efficient_frontier(optimize.apply_what_if(demo_model), levels)
    assert (blended["status"] == "optimal").all() and blended["value"].is_monotonic_increasing
    trades = optimize.frontier_trades(blended)
    assert trades["budget_pct"].tolist() == [120, 130, 140]
    rnpv = blended.set_index("budget_pct")["rnpv"]
    strategy = blended.set_index("budget_pct")["strategic_total"]
    for trade in trades.itertuples():
        assert trade.rnpv_given_up == pytest.approx(rnpv[trade.from_pct] - rnpv[trade.budget_pct])
        # The blended value never falls, so rNPV given up is always paid for in strategic score.
        assert trade.strategic_gained == pytest.approx(strategy[trade.budget_pct] - strategy[trade.from_pct])
        assert trade.strategic_gained > 0
    worst = trades.loc[trades["rnpv_given_up"].idxmax()]
    sentence = optimize.frontier_sentence(blended, "USD")
    assert f"at {worst['budget_pct']:.0f}% of plan" in sentence and "α = 0.30" in sentence
    # Money only: the frontier of rNPV itself, which more budget never lowers.
    money_only = optimize.efficient_frontier(optimize.apply_what_if(demo_model, optimize.WhatIf(alpha=0.0)), levels)
    assert money_only["rnpv"].is_monotonic_increasing and optimize.frontier_trades(money_only).empty
    assert "never lowers" in optimize.frontier_sentence(money_only, "USD")


def test_ranking_curve_lists_requirements_first(demo_model):
    what_if = optimize.apply_what_if(demo_model)
    curve = optimize.ranking_curve(what_if)
    position = {p: k for k, p in enumerate(curve["project_id"])}
    ids = demo_model.project_ids
    for i, j in demo_model.requires:
        if ids[i] in position:
            assert ids[j] in position and position[ids[j]] < position[ids[i]]
    np.testing.assert_allclose(curve["cumulative_spend"], curve["spend"].cumsum())
    # What must be in (mandatory, and the plan's approved and active projects, kept by default) comes first.
    must = set(ids[what_if.problem.forced_in])
    assert must <= set(curve["project_id"].head(len(must) * 4))
    assert curve["fits"].iloc[0]
    # Once the list overbooks a team-month it stays overbooked: demand only grows.
    assert curve["fits"].is_monotonic_decreasing


def test_background_solver_delivers_the_exact_answer_and_shares_known_work(demo_model):
    what_if = optimize.apply_what_if(demo_model)
    solver = optimize.BackgroundSolver()
    solver.submit_exact("plan", what_if.problem)
    result = solver.wait("plan", timeout=60)
    assert result is not None and result.status == "optimal"
    assert result.objective == pytest.approx(optimize.solve_exact(what_if.problem).objective)
    rerun = threading.Event()
    solver.submit("plan", lambda token: rerun.set())  # known: nothing to do
    assert not rerun.wait(0.5) and solver.result("plan") is result
    solver.submit("boom", lambda token: 1 / 0)
    assert isinstance(solver.wait("boom", timeout=10), ZeroDivisionError)
    solver.shutdown()


def slow_job(started: threading.Event, release: threading.Event, answer: str):
    def job(token):
        started.set()
        while not token.cancelled and not release.is_set():
            release.wait(0.01)
        return answer

    return job


@pytest.mark.parametrize("options", [{}, {"threads": 1}], ids=["default", "one-thread"])
def test_two_keys_submitted_one_after_the_other_both_get_their_results(options):
    # Issue 11: one session's slider move used to cancel another session's proof, which then never arrived.
    solver = optimize.BackgroundSolver(**options)
    threads = options.get("threads", 2)
    started, release = threading.Event(), threading.Event()
    solver.submit("first", slow_job(started, release, "first done"))
    assert started.wait(10)
    solver.submit("second", lambda token: "second done")
    if threads > 1:
        assert solver.wait("second", timeout=10) == "second done"  # a free worker takes it at once
    release.set()
    assert solver.wait("first", timeout=10) == "first done"
    assert solver.wait("second", timeout=10) == "second done"
    solver.shutdown()


def test_two_sessions_asking_the_same_question_share_one_run():
    solver = optimize.BackgroundSolver()
    runs = []
    started, release = threading.Event(), threading.Event()

    def job(token):
        runs.append(1)
        return slow_job(started, release, "shared")(token)

    solver.submit("same", job)
    assert started.wait(10)
    solver.submit("same", job)  # a second session, same settings
    release.set()
    assert solver.wait("same", timeout=10) == "shared" and runs == [1]
    solver.shutdown()


def test_work_nobody_waits_for_is_dropped_and_asked_again_it_runs_again():
    solver = optimize.BackgroundSolver(threads=1, forget_after=0.3)
    started, release = threading.Event(), threading.Event()
    solver.submit("abandoned", slow_job(started, release, "never"))
    assert started.wait(10)
    solver.submit("queued", lambda token: "queued done")
    # Nobody asks about either for forget_after: the running one is cancelled, the queued one dropped.
    deadline = time.monotonic() + 10
    while (solver._running or solver._queued) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not solver._running and not solver._queued
    assert solver._results == {}  # a cancelled job leaves no result, a dropped one never ran
    # A page still waiting asks again: the lost result is computed afresh.
    solver.submit("abandoned", lambda token: "again")
    assert solver.wait("abandoned", timeout=10) == "again"
    solver.shutdown()


def test_work_that_is_still_asked_for_is_not_dropped():
    # forget_after is twenty poll intervals: on a loaded machine one sleep of 0.05 s can last several times that,
    # and a real gap longer than forget_after would rightly drop the job.
    solver = optimize.BackgroundSolver(threads=1, forget_after=1.0)
    started, release = threading.Event(), threading.Event()
    solver.submit("wanted", slow_job(started, release, "kept"))
    assert started.wait(10)
    polling_until = time.monotonic() + 2.5  # a page polling for it for longer than forget_after
    while time.monotonic() < polling_until:
        assert solver.result("wanted") is None
        time.sleep(0.05)
    release.set()
    assert solver.wait("wanted", timeout=10) == "kept"
    solver.shutdown()


def test_background_solver_stays_bounded_over_many_distinct_keys():
    solver = optimize.BackgroundSolver(keep=8, threads=2, queue=4)
    for i in range(200):
        solver.submit(i, lambda token, i=i: i)
    for i in range(190, 200):
        solver.wait(i, timeout=10)
    assert len(solver._results) <= 8 and len(solver._queued) <= 4 and len(solver._workers) <= 2
    solver.shutdown()


def test_cancel_token_stops_a_run_before_it_starts():
    token = optimize.CancelToken()
    token.cancel()
    result = optimize.solve_exact(optimize.make_problem([1.0, 2.0], [[1.0], [1.0]], [1.0]), token=token)
    assert result.status == "no_solution" and not result.feasible


def test_docstring_examples_hold():
    import doctest

    from analytics.optimize import highs

    result = doctest.testmod(highs)
    assert result.attempted > 0 and result.failed == 0


def test_frontier_marks_levels_the_mandatory_projects_cannot_meet(small_con):
    model = optimize.prepare_model(small_con)
    frontier = optimize.efficient_frontier(optimize.apply_what_if(model), [2, 100, 150])
    # At 2 % (FY2027: 4.2) mandatory P3 alone (10) breaks the budget; at 100 % P2 joins; 150 % adds nothing
    # because P1 still needs a Team Two person in December.
    assert frontier["status"].tolist() == ["infeasible", "optimal", "optimal"]
    assert np.isnan(frontier["value"].iloc[0]) and frontier["projects"].tolist() == [0, 2, 2]
    assert frontier["value"].iloc[1] == pytest.approx(frontier["value"].iloc[2])


def test_without_capacity_data_only_money_constrains(small_con):
    small_con.execute("DELETE FROM team_capacity")
    model = optimize.prepare_model(small_con)
    assert model.teams.size == 0 and model.demand_fte.shape == (4, 0)
    result = optimize.solve_exact(
        optimize.apply_what_if(model, optimize.WhatIf(budget_pct=150, run_rate_floor=True)).problem
    )
    # P1 and the P2 it needs now fit: FY2027 310 ≤ 315 and nobody's December is checked.
    assert result.chosen.tolist() == [True, True, True, False]


def test_a_looser_gap_or_a_time_limit_says_so():
    rng = np.random.default_rng(3)
    n = 400
    value = rng.uniform(0.5, 1.5, n)
    cost = rng.uniform(1, 10, (n, 3))
    demand = rng.uniform(0, 2, (n, 30)) * (rng.random((n, 30)) < 0.2)
    problem = {
        "value": value,
        "cost": cost,
        "budget": cost.sum(axis=0) * 0.3,
        "demand": demand,
        "capacity": demand.sum(axis=0) * 0.3,
    }
    loose = select_portfolio(**problem, mip_rel_gap=0.05)
    assert loose.status == "gap_limit" and not loose.proven and loose.feasible
    assert 0.0 <= loose.gap <= 0.05
    assert respects({**problem, "requires": [], "include": [], "exclude": []}, loose.chosen)
    hurried = select_portfolio(**problem, time_limit=1e-3)
    # How far HiGHS gets in a millisecond depends on the machine; whatever it returns must say so truthfully.
    # (Proving this instance takes minutes: the loose run's bound is the yardstick.)
    if hurried.status == "time_limit":
        assert hurried.feasible and hurried.gap > 0
        assert hurried.objective <= loose.bound + TINY
        assert respects({**problem, "requires": [], "include": [], "exclude": []}, hurried.chosen)
    elif hurried.status == "no_solution":
        assert not hurried.feasible and not hurried.chosen.any() and np.isnan(hurried.objective)
    else:
        assert hurried.status == "optimal" and loose.objective - TINY <= hurried.objective <= loose.bound + TINY


def test_ranking_curve_by_hand(small_con):
    what_if = optimize.apply_what_if(optimize.prepare_model(small_con))
    curve = optimize.ranking_curve(what_if)
    # Mandatory P3 first; P1 needs P2, so P2 comes before it whatever their ratios; P6 is blocked.
    assert curve["project_id"].tolist() == ["P3", "P2", "P1"]
    assert curve["cumulative_spend"].tolist() == [10, 210, 360]
    # P1 takes Team One to 2.5 FTE in November (of 2) and needs a Team Two person in December (of 0).
    assert curve["fits"].tolist() == [True, True, False]


def test_fast_answer_is_the_same_every_time(demo_model):
    what_if = optimize.apply_what_if(demo_model, optimize.WhatIf(budget_pct=70, allow_stop=True, allow_drop=True))
    first = optimize.solve_fast(what_if.problem)
    optimize.solve_fast(optimize.apply_what_if(demo_model, optimize.WhatIf(budget_pct=120)).problem)
    again = optimize.solve_fast(what_if.problem)
    assert np.array_equal(first.chosen, again.chosen) and first.bound == again.bound


def test_shutting_a_background_solver_down_cancels_its_work_and_ends_its_threads():
    started = threading.Event()

    def long_job(token):
        started.set()
        while not token.cancelled:
            time.sleep(0.01)
        return "stopped"

    solver = optimize.BackgroundSolver()
    solver.submit("long", long_job)
    assert started.wait(5)
    [worker] = solver._workers
    begun = time.monotonic()
    solver.shutdown(timeout=5)
    assert time.monotonic() - begun < 2
    assert not worker.is_alive()
    assert solver.result("long") is None  # a cancelled job leaves no result


def test_without_a_budget_the_budget_use_is_missing_not_infinite(small_con):
    what_if = optimize.apply_what_if(optimize.prepare_model(small_con), optimize.WhatIf(budget_pct=0))
    summary = optimize.selection_summary(what_if, np.array([False, False, True, False]))
    assert summary["spend"] == pytest.approx(10) and summary["budget"] == 0.0
    assert np.isnan(summary["budget_use"])


@pytest.mark.parametrize(
    ("start_month", "quarters"),
    [
        # A year starting in April has its quarters in the calendar's months.
        (4, ["2027-01-01", "2027-04-01"]),
        (1, ["2027-01-01", "2027-04-01"]),
        # One starting in February starts its quarters in November, February and May.
        (2, ["2026-11-01", "2027-02-01", "2027-05-01"]),
    ],
)
def test_price_tag_quarters_start_where_the_fiscal_year_puts_them(small_con, start_month, quarters):
    small_con.execute(
        "INSERT INTO team_capacity SELECT 'T1', period, 2 FROM range(DATE '2027-01-01', DATE '2027-07-01', "
        "INTERVAL 1 MONTH) AS t(period)"
    )
    small_con.execute("UPDATE settings SET value = ? WHERE key = 'fiscal_year_start_month'", [str(start_month)])
    model = optimize.prepare_model(small_con)
    assert model.months.astype(str).tolist()[0] == "2026-11-01" and len(model.months) == 8
    assert model.quarter_starts().astype(str).tolist() == quarters


def test_without_a_quarter_start_in_the_grid_the_first_month_is_offered(small_con):
    # The grid holds November and December 2026 only: neither starts a quarter of a year starting in April.
    model = optimize.prepare_model(small_con)
    assert model.quarter_starts().astype(str).tolist() == ["2026-11-01"]
