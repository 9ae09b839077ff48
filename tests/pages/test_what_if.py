"""The what-if and scenarios pages in-process (AppTest): levers re-optimise, scenarios save, survive, load back."""

from __future__ import annotations

import json
import shutil
import time

import numpy as np
import pytest

from analytics import formatting, optimize, scenarios, simulate, store
from tests.apptest import metric_values, open_page, problems
from ui.whatif import query_of

WHAT_IF = "pages/what-if.py"
SCENARIOS = "pages/scenarios.py"


@pytest.fixture
def what_if_store(demo_store_path, tmp_path):
    path = tmp_path / "what-if.duckdb"
    shutil.copyfile(demo_store_path, path)
    return path


def settled(at, seconds: float = 30.0):
    """Rerun until the page shows a proven answer: on a busy machine the proof can take longer than the page waits."""
    deadline = time.monotonic() + seconds
    while any("proving the optimum" in i.value for i in at.info) and time.monotonic() < deadline:
        time.sleep(0.2)
        at.run()
    return at


def expected_value(demo_con, params: optimize.WhatIf) -> str:
    """The optimum's rNPV tile the page must show, solved here from the same model and settings."""
    model = optimize.prepare_model(demo_con)
    what_if = optimize.apply_what_if(model, params)
    best = optimize.solve_exact(what_if.problem)
    assert best.proven
    return formatting.money(optimize.selection_totals(what_if, best.chosen)["rnpv"])


RNPV = "rNPV (USD)"
#: The levers that let the optimiser cut the plan: below its money, something planned has to go.
FREE = {"allow_stop": "true", "allow_drop": "true"}


def page_params(demo_con, **levers) -> optimize.WhatIf:
    model = optimize.prepare_model(demo_con)
    weights = dict(zip(model.objective_ids, model.objective_weights, strict=True))
    rate = store.read_settings(demo_con).discount_rate
    return optimize.WhatIf(objective_weights=weights, discount_rate=rate, **levers)


def test_a_what_if_link_opens_on_its_settings_with_the_proven_optimum(monkeypatch, what_if_store, demo_con):
    at = settled(open_page(monkeypatch, what_if_store, WHAT_IF, {"budget_pct": "90", "alpha": "0.5", **FREE}))
    assert problems(at) == []
    assert at.slider(key="budget_pct").value == 90 and at.slider(key="alpha").value == 0.5
    assert at.toggle(key="allow_stop").value and at.toggle(key="allow_drop").value
    assert any("Proven optimal" in s.value for s in at.success)
    params = page_params(demo_con, budget_pct=90, alpha=0.5, allow_stop=True, allow_drop=True)
    assert metric_values(at)[RNPV] == expected_value(demo_con, params)


def test_less_budget_never_raises_the_objective(monkeypatch, what_if_store, demo_con):
    at = open_page(monkeypatch, what_if_store, WHAT_IF, dict(FREE))
    values = []
    for pct in (120, 100, 80, 60):
        settled(at.slider(key="budget_pct").set_value(pct).run())
        assert problems(at) == []
        values.append(objective_shown(at))
    assert values == sorted(values, reverse=True)
    assert values[0] > values[-1]
    params = page_params(demo_con, budget_pct=60, allow_stop=True, allow_drop=True)
    assert metric_values(at)[RNPV] == expected_value(demo_con, params)


def objective_shown(at) -> float:
    """The blended objective the page states beside its definition."""
    [line] = [m.value for m in at.markdown if m.value.startswith("Blended objective of this selection")]
    return float(line.split("**")[1])


def test_why_not_and_uncertainty_answer_for_the_selection_on_screen(monkeypatch, what_if_store, demo_con):
    params = page_params(demo_con, budget_pct=70, allow_stop=True, allow_drop=True)
    model = optimize.prepare_model(demo_con)
    what_if = optimize.apply_what_if(model, params)
    best = optimize.solve_exact(what_if.problem)
    left_out = str(model.project_ids[~best.chosen & ~model.blocked][0])
    query = {"budget_pct": "70", "tab": "Why not?", "why": left_out, **FREE}
    at = settled(open_page(monkeypatch, what_if_store, WHAT_IF, query))
    assert problems(at) == []
    expected = optimize.why_not(what_if, best, left_out)
    assert any(optimize.why_not_sentence(what_if, expected) == m.value for m in at.markdown)

    at = settled(open_page(monkeypatch, what_if_store, WHAT_IF, {"budget_pct": "70", "tab": "Uncertainty", **FREE}))
    assert problems(at) == []

    simulated = simulate.simulate_selection(what_if, best.chosen, trials=10_000, seed=7)
    tiles = metric_values(at)
    assert tiles["P50"] == formatting.money(simulated.p50)
    assert tiles["Chance of a loss"] == formatting.percent(simulated.prob_negative, 0)


def test_impossible_settings_say_which_constraint_conflicts(monkeypatch, what_if_store, demo_con):
    model = optimize.prepare_model(demo_con)
    everything = ",".join(model.project_ids[~model.blocked])  # all that can run, so only money stands in the way
    at = open_page(monkeypatch, what_if_store, WHAT_IF, {"budget_pct": "40", "force_in": everything, "tab": "Budget"})
    assert [e for e in at.exception] == []
    [error] = [e.value for e in at.error]
    what_if = optimize.apply_what_if(model, page_params(demo_con, budget_pct=40, force_in=everything.split(",")))
    conflict = optimize.solve_fast(what_if.problem).conflict
    assert conflict.kind == "overrun" and conflict.unit == "money"
    assert error.startswith(f"No portfolio meets these settings: {optimize.conflict_sentence(conflict)}")
    assert "budget, which holds only $" in error
    assert "turn on “Allow dropping planned projects”" in error  # what would make room, since the plan is kept
    # The tabs still show, and say why they cannot answer.
    assert [t.label for t in at.tabs] == [
        "Frontier and changes",
        "Budget",
        "Capacity",
        "Why not?",
        "Price tags",
        "Uncertainty",
        "Save as scenario",
    ]
    assert any("showing the plan's own use" in c.value for c in at.caption)


def test_a_saved_scenario_survives_a_restart_and_loads_back_to_the_same_selection(monkeypatch, what_if_store):
    query = {"budget_pct": "85", "alpha": "0.6", "tab": "Save as scenario", **FREE}
    at = settled(open_page(monkeypatch, what_if_store, WHAT_IF, query))
    shown = metric_values(at)
    at.text_input[0].input("Board: budget −15 %")
    [save] = [b for b in at.button if b.label == "Save scenario"]
    save.click().run()
    assert problems(at) == [] and any("Saved" in s.value for s in at.success)

    # A restart: a new app process opens the store afresh.
    with store.connect(what_if_store) as con:  # the in-process app holds it read-write
        listed = scenarios.list_scenarios(con)
        saved = scenarios.load_scenario(con, listed["scenario_id"].iloc[0])
    assert list(listed["name"]) == ["Board: budget −15 %"]
    assert saved.what_if.budget_pct == 85 and saved.what_if.alpha == 0.6
    restarted = open_page(monkeypatch, what_if_store, SCENARIOS)
    assert problems(restarted) == []
    [link] = [p for p in restarted.get("page_link") if "Open" in p.proto.label]
    query = dict(item.split("=", 1) for item in link.proto.query_string.split("&")) if link.proto.query_string else {}
    reopened = settled(open_page(monkeypatch, what_if_store, WHAT_IF, query))
    assert metric_values(reopened)[RNPV] == shown[RNPV]
    assert metric_values(reopened)["Projects"] == shown["Projects"]
    with store.connect(what_if_store) as con:  # the in-process app holds it read-write
        model = optimize.prepare_model(con)
        best = optimize.solve_exact(optimize.apply_what_if(model, saved.what_if).problem)
    assert set(saved.chosen) == set(np.asarray(model.project_ids)[best.chosen])


def test_scenarios_page_compares_side_by_side(monkeypatch, what_if_store):
    with store.connect(what_if_store) as con:
        model = optimize.prepare_model(con)
        for name, pct in (("Plan", 100), ("Lean", 70)):
            params = optimize.WhatIf(budget_pct=pct)
            best = optimize.solve_exact(optimize.apply_what_if(model, params).problem)
            scenarios.save_scenario(con, name, params.to_dict(), list(model.project_ids[best.chosen]))
    at = open_page(monkeypatch, what_if_store, SCENARIOS)
    assert problems(at) == []
    [compared] = [d.value for d in at.dataframe if "budget_use" in d.value.columns]
    assert list(compared["name"]) == ["Lean", "Plan"]
    lean, plan = compared.set_index("name").loc["Lean"], compared.set_index("name").loc["Plan"]
    assert lean["value"] <= plan["value"] and lean["spend"] <= plan["spend"]


def test_scenarios_page_says_how_to_start_when_there_are_none(monkeypatch, what_if_store):
    at = open_page(monkeypatch, what_if_store, SCENARIOS)
    assert problems(at) == []
    assert any("No scenario has been saved" in i.value for i in at.info)


def test_every_lever_replays_from_its_link(monkeypatch, what_if_store, demo_con):
    levers = {
        "budget_pct": 90,
        "alpha": 0.45,
        "pos_haircut": 0.1,
        "cost_overrun": 0.15,
        "benefit_delay_months": 3,
        "flex": 0.1,
        "capacity_fte_delta": {"T-DATA": 1.5},
        "run_rate_floor": True,
        "allow_stop": True,
        "allow_drop": True,
    }
    unforced = optimize.WhatIf.from_dict({**page_params(demo_con, **levers).to_dict(), "discount_rate": 0.1})
    model = optimize.prepare_model(demo_con)
    best = optimize.solve_exact(optimize.apply_what_if(model, unforced).problem)
    out = str(model.project_ids[best.chosen & ~model.mandatory][0])  # chosen unless forced out
    wanted = optimize.WhatIf.from_dict({**unforced.to_dict(), "force_out": [out]})
    forced = optimize.solve_exact(optimize.apply_what_if(model, wanted).problem)
    assert forced.objective < best.objective  # forcing it out costs something

    at = settled(open_page(monkeypatch, what_if_store, WHAT_IF, query_of(wanted)))
    assert problems(at) == []
    sliders = {s.key: s.value for s in at.slider}
    assert (sliders["budget_pct"], sliders["alpha"], sliders["rate"]) == (90, 0.45, 0.1)
    assert (sliders["haircut"], sliders["overrun"], sliders["delay"], sliders["flex"]) == (0.1, 0.15, 3, 0.1)
    assert sliders["fte_T-DATA"] == 1.5
    toggles = {t.key: t.value for t in at.toggle}
    assert toggles["run_rate"] and toggles["allow_stop"] and toggles["allow_drop"]
    assert metric_values(at)[RNPV] == expected_value(demo_con, wanted)


def auto_reruns(monkeypatch) -> list:
    """Every fragment auto-rerun timer the app asks the browser for (``run_every``), recorded as it is sent."""
    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

    timers = []
    enqueue = ForwardMsgQueue.enqueue

    def recording(self, msg):
        if msg.HasField("auto_rerun"):
            timers.append(msg.auto_rerun.fragment_id)
        return enqueue(self, msg)

    monkeypatch.setattr(ForwardMsgQueue, "enqueue", recording)
    return timers


def test_an_idle_what_if_page_schedules_no_rerun(monkeypatch, what_if_store):
    # Issue 16 case 10: the page used to rerun itself every 0.5 s for as long as it was open, costing every
    # session CPU and racing the reruns a person starts. Once the proof and the frontier are in, nothing ticks.
    at = settled(open_page(monkeypatch, what_if_store, WHAT_IF, {"budget_pct": "90", **FREE}))
    deadline = time.monotonic() + 30
    while "Computing the frontier" in " ".join(c.value for c in at.caption) and time.monotonic() < deadline:
        time.sleep(0.2)
        at.run()
    assert any("Proven optimal" in s.value for s in at.success)
    timers = auto_reruns(monkeypatch)
    at.run()
    assert problems(at) == []
    assert timers == []


def test_the_frontier_shows_what_it_maximises_and_what_a_dip_in_rnpv_bought(monkeypatch, what_if_store, demo_con):
    # At the defaults (α = 0.3) the demo's frontier gives up rNPV for strategic score above 110 % of plan
    # (tests/unit/test_optimize.py): the chart draws that score under the rNPV and the caption words the trade.
    at = settled(open_page(monkeypatch, what_if_store, WHAT_IF))
    deadline = time.monotonic() + 30
    while "Computing the frontier" in " ".join(c.value for c in at.caption) and time.monotonic() < deadline:
        time.sleep(0.2)
        at.run()
    assert problems(at) == []
    frontier = optimize.efficient_frontier(
        optimize.apply_what_if(optimize.prepare_model(demo_con), page_params(demo_con))
    )
    assert not optimize.frontier_trades(frontier).empty
    assert optimize.frontier_sentence(frontier, "USD") in [c.value for c in at.caption]
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert figure["layout"]["title"]["text"] == "Past 110% of plan, budget buys strategy, not rNPV"
    assert figure["layout"]["yaxis2"]["title"]["text"] == "Strategy, Σ"


def test_the_plans_own_settings_show_the_plan_in_money(monkeypatch, what_if_store, demo_con):
    model = optimize.prepare_model(demo_con)
    plan = optimize.selection_totals(optimize.apply_what_if(model), model.in_plan)
    at = settled(open_page(monkeypatch, what_if_store, WHAT_IF))
    assert problems(at) == []
    tiles = {m.label: m for m in at.metric}
    assert tiles[RNPV].value == formatting.money(plan["rnpv"]) and tiles[RNPV].proto.delta == "+$0 vs plan"
    assert tiles["Spend (USD)"].value == formatting.money(plan["spend"])
    assert tiles["Spend (USD)"].proto.delta == f"100% of {formatting.money(plan['spend'])}"
    assert "Portfolio value" not in tiles  # the blended objective is never a bare tile
    assert any("vs plan: the committed projects" in c.value.replace("\\", "") for c in at.caption)
    assert any("Nothing: the plan is already the best selection" in c.value for c in at.caption)
    page_text = " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.info, *at.success, *at.metric])
    assert "None" not in page_text and "nan" not in page_text


def test_back_to_the_plan_resets_every_lever_and_the_link(monkeypatch, what_if_store):
    query = {"budget_pct": "70", "alpha": "0.6", "run_rate": "true", "force_out": "P-019", **FREE}
    at = settled(open_page(monkeypatch, what_if_store, WHAT_IF, query))
    assert at.slider(key="budget_pct").value == 70
    at.button(key="whatif_reset").click().run()
    settled(at)
    assert problems(at) == []
    assert at.slider(key="budget_pct").value == 100 and at.slider(key="alpha").value == pytest.approx(0.3)
    assert not any(t.value for t in at.toggle)
    assert not set(query) & set(at.query_params)


def test_the_force_lists_offer_no_select_all_and_a_project_in_both_is_named(monkeypatch, what_if_store):
    at = settled(open_page(monkeypatch, what_if_store, WHAT_IF, {"force_in": "P-019", "force_out": "P-019"}))
    assert [e for e in at.exception] == []
    pickers = {m.label: m for m in at.multiselect}
    assert all(not m.proto.select_all for m in pickers.values()) and set(pickers) == {"Must be in", "Must be out"}
    [error] = [e.value for e in at.error]
    assert "P-019 Forecasting assistant is in both “Must be in” and “Must be out”" in error
    assert "Proven optimal" not in " ".join(s.value for s in at.success)
