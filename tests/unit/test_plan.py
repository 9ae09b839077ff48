"""The plan as the what-if's baseline: its money is 100 %, its settings reproduce it, work in flight is kept."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from analytics import finance, optimize, store


def cents(amount: float) -> Decimal:
    return Decimal(f"{amount:.2f}")


@pytest.fixture(scope="module")
def demo_plan(demo_store_path):
    with store.connect(demo_store_path, read_only=True) as con:
        model = optimize.prepare_model(con)
        money = finance.project_financials(con).set_index("project_id")
        flows = con.execute(
            "SELECT project_id, period, cost FROM project_cashflows WHERE period >= ? AND cost > 0",
            [store.read_settings(con).as_of],
        ).df()
    return model, money, flows


def test_the_demo_what_if_at_its_defaults_is_the_plan_to_the_cent(demo_plan):
    model, money, flows = demo_plan
    assert model.plan_source.kind == "committed"
    plan_ids = set(model.project_ids[model.in_plan])
    what_if = optimize.apply_what_if(model)
    for answer in (optimize.solve_fast(what_if.problem), optimize.solve_exact(what_if.problem)):
        assert answer.feasible
        assert set(model.project_ids[answer.chosen]) == plan_ids
        summary = optimize.selection_summary(what_if, answer.chosen)
        # The plan's rNPV straight from the finance module, and its forward cost per fiscal year from the flows.
        assert cents(summary["rnpv"]) == cents(money.loc[sorted(plan_ids), "rnpv"].sum())
        in_plan = flows[flows["project_id"].isin(plan_ids)]
        years = optimize.fiscal_year_of(in_plan["period"].to_numpy(), model.fiscal_year_start_month)
        by_year = in_plan.groupby(years)["cost"].sum()
        use = optimize.budget_use(what_if, answer.chosen).set_index("fiscal_year")
        assert [cents(v) for v in use["spend"]] == [cents(by_year.get(y, 0.0)) for y in use.index]
        assert [cents(v) for v in use["budget"]] == [cents(v) for v in use["spend"]]  # 100 % is the plan's money
        assert summary["added"] == summary["dropped"] == 0


def test_the_run_rate_floor_is_a_lever_and_more_money_than_the_plan(demo_plan):
    model, _, _ = demo_plan
    plain = optimize.apply_what_if(model).budget
    floored = optimize.apply_what_if(model, optimize.WhatIf(run_rate_floor=True)).budget
    assert (floored >= plain).all() and floored.sum() > plain.sum()
    assert optimize.WhatIf.from_dict(optimize.WhatIf(run_rate_floor=True).to_dict()).run_rate_floor


def test_a_cell_the_plan_overbooks_is_capped_at_the_plans_own_use(demo_plan):
    model, _, _ = demo_plan
    over = model.plan_overbooked_fte
    assert (over > 0).any()  # the demo plan already asks more of some team-months than they hold
    what_if = optimize.apply_what_if(model)
    limits = what_if.problem.limit[what_if.problem.budget_rows :].reshape(model.capacity_fte.shape)
    hot = over > 0
    np.testing.assert_allclose(limits[hot], model.plan_demand_fte[hot])
    np.testing.assert_allclose(limits[~hot], model.capacity_fte[~hot])


def test_work_in_flight_is_kept_unless_stopping_is_allowed_and_stopping_costs_its_stop_cost(demo_plan):
    model, _, _ = demo_plan
    kept = optimize.apply_what_if(model, optimize.WhatIf(budget_pct=90))
    assert kept.problem.forced_in[model.active & model.in_plan].all()
    free = optimize.apply_what_if(model, optimize.WhatIf(budget_pct=90, allow_stop=True))
    answer = optimize.solve_exact(free.problem)
    stopped = free.stopped(answer.chosen)
    assert stopped.any()  # at 90 % of the plan's money something in flight has to go
    totals = optimize.selection_totals(free, answer.chosen)
    assert totals["stop_cost"] == pytest.approx(free.stop_cost[stopped].sum()) and totals["stop_cost"] > 0
    assert totals["rnpv"] == pytest.approx(free.rnpv[answer.chosen].sum() - free.stop_cost[stopped].sum())
    use = optimize.budget_use(free, answer.chosen)
    first = free.cost_by_year[answer.chosen, 0].sum() + free.stop_cost[stopped].sum()
    assert use["spend"].iloc[0] == pytest.approx(first)
    assert (use["spend"] <= use["budget"] * (1 + 1e-6)).all()  # the stop costs are paid inside the budget
    table = optimize.selection_table(free, answer.chosen).set_index("project_id")
    one = str(model.project_ids[np.flatnonzero(stopped)[0]])
    assert table.loc[one, "change"] == "stopped"
    assert table.loc[one, "rnpv_change"] == pytest.approx(-table.loc[one, "rnpv"] - table.loc[one, "stop_cost"])


def test_the_default_stop_cost_is_half_the_next_quarters_cost_and_a_stored_one_wins():
    stored = np.array([np.nan, 0.0, 7.0])
    np.testing.assert_allclose(finance.stop_costs(stored, np.array([300.0, 300.0, 300.0])), [150.0, 0.0, 7.0])
    assert finance.DEFAULT_STOP_COST_SHARE == 0.5 and finance.STOP_COST_MONTHS == 3


def test_ties_go_to_the_plan():
    # Two candidates worth the same, one in the plan: whichever HiGHS finds first, the plan's one is shown.
    for plan_index in (0, 1):
        problem = optimize.make_problem([1.0, 1.0], [[1.0], [1.0]], [1.0])
        preferred = np.zeros(2, dtype=bool)
        preferred[plan_index] = True
        problem = optimize.Problem(**{**problem.__dict__, "preferred": preferred})
        assert optimize.solve_exact(problem).chosen.tolist() == preferred.tolist()
        assert optimize.solve_fast(problem).chosen.tolist() == preferred.tolist()
    # Strictly better wins.
    better = optimize.make_problem([1.0, 1.5], [[1.0], [1.0]], [1.0])
    better = optimize.Problem(**{**better.__dict__, "preferred": np.array([True, False])})
    assert optimize.solve_exact(better).chosen.tolist() == [False, True]


def test_the_latest_decision_is_the_plan_and_is_named(demo_store_path, tmp_path):
    import shutil

    path = tmp_path / "decided.duckdb"
    shutil.copyfile(demo_store_path, path)
    with store.connect(path) as con:
        model = optimize.prepare_model(con)
        free = (model.stages == "proposed") & ~model.blocked
        free[model.requires[:, 0]] = False  # nothing it needs can be missing from the decided plan
        proposed = model.project_ids[free][:2]
        chosen = [*model.project_ids[model.in_plan], *proposed]
        # Written directly (record_decision is another change): a scenario, its projects and two decisions.
        con.execute("INSERT INTO scenarios (scenario_id, name, params) VALUES ('S-1', 'Board pick', '{}')")
        con.execute("INSERT INTO scenarios (scenario_id, name, params) VALUES ('S-0', 'Older', '{}')")
        con.executemany(
            "INSERT INTO scenario_projects (scenario_id, project_id, chosen) VALUES ('S-1', ?, ?)",
            [(str(p), str(p) in set(chosen)) for p in model.project_ids],
        )
        con.execute(
            "INSERT INTO decisions VALUES ('D-0', 'S-0', TIMESTAMP '2026-01-01 09:00', 'Old board', NULL), "
            "('D-1', 'S-1', TIMESTAMP '2026-02-01 09:00', 'Ana Costa', 'Growth first')"
        )
        decided = optimize.prepare_model(con)
    assert decided.plan_source.kind == "decision"
    assert (decided.plan_source.scenario_name, decided.plan_source.decided_by) == ("Board pick", "Ana Costa")
    assert set(decided.project_ids[decided.in_plan]) == {str(p) for p in chosen}
    what_if = optimize.apply_what_if(decided)
    answer = optimize.solve_exact(what_if.problem)
    assert set(decided.project_ids[answer.chosen]) == {str(p) for p in chosen}


def test_a_committed_project_that_needs_a_proposed_one_brings_it_into_the_plan(demo_store_path, tmp_path):
    # The bench store's shape: approved projects needing proposed ones made its defaults infeasible (the plan's
    # own money could not pay for what the plan needs). The plan is closed over what it needs, and reproduced.
    import shutil

    path = tmp_path / "needs.duckdb"
    shutil.copyfile(demo_store_path, path)
    with store.connect(path) as con:
        model = optimize.prepare_model(con)
        free = (model.stages == "proposed") & ~model.blocked & ~model.in_plan
        free[model.requires[:, 0]] = False  # needs nothing itself
        needed, further = model.project_ids[free][:2]
        committed = model.project_ids[(model.stages == "approved") & ~model.mandatory][0]
        con.execute(
            "INSERT INTO project_dependencies VALUES (?, ?, 'requires'), (?, ?, 'requires')",
            [committed, needed, needed, further],
        )
        closed = optimize.prepare_model(con)
    plan_ids = set(closed.project_ids[closed.in_plan])
    assert plan_ids == set(model.project_ids[model.in_plan]) | {needed, further}  # directly and through another
    assert (closed.plan_budget > model.plan_budget).any()  # their money is the plan's money
    what_if = optimize.apply_what_if(closed)
    answer = optimize.solve_exact(what_if.problem)
    assert answer.feasible
    assert set(closed.project_ids[answer.chosen]) == plan_ids
