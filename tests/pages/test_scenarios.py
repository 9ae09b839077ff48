"""The scenarios page in-process (AppTest): a store holding scenarios whose settings do not hold (issue 16, case 6)
still draws every scenario it can, names the others with why, and deletes them."""

from __future__ import annotations

import shutil

from analytics import optimize, scenarios, store, text
from tests.apptest import open_page, problems

PAGE = "pages/scenarios.py"
BAD = {"S-bad-alpha": '{"alpha": 5}', "S-bad-list": "[1,2,3]", "S-bad-text": '{"budget_pct":"abc"}'}


def test_scenarios_that_cannot_be_opened_are_named_and_can_be_deleted(monkeypatch, demo_store_path, tmp_path):
    path = tmp_path / "store.duckdb"
    shutil.copyfile(demo_store_path, path)
    with store.connect(path) as con:
        model = optimize.prepare_model(con)
        plan = list(model.project_ids[model.in_plan])
        for name, pct in (("Plan", 100), ("Cut", 80)):
            scenarios.save_scenario(con, name, optimize.WhatIf(budget_pct=pct).to_dict(), plan)
        for scenario_id, params in BAD.items():
            # Written as an older import or another tool could have, straight into the table.
            con.execute(
                "INSERT INTO scenarios (scenario_id, name, created_at, params) VALUES (?, ?, current_timestamp, ?)",
                [scenario_id, scenario_id.removeprefix("S-"), params],
            )
    at = open_page(monkeypatch, path, PAGE)
    assert problems(at) == []
    (warning,) = at.warning
    for scenario_id in BAD:
        assert scenario_id.removeprefix("S-") in warning.value
    assert "alpha must be between 0 and 1" in warning.value
    # The two good ones are compared, drawn as two figures; the bad ones are not offered to compare or open.
    compared = at.multiselect(key="compare").value
    assert len(compared) == 2 and not set(BAD) & set(compared)
    assert len(at.get("plotly_chart")) == 2
    assert not set(BAD) & set(at.selectbox(key="open_scenario").options)
    at.selectbox(key="delete_scenario").select("S-bad-alpha").run()
    at.button(key="confirm_delete").click().run()
    assert problems(at) == []
    assert "bad-alpha" not in at.warning[0].value and len(at.warning) == 1


def test_an_editor_records_a_decision_and_sees_it_against_now(monkeypatch, demo_store_path, tmp_path):
    path = tmp_path / "store.duckdb"
    shutil.copyfile(demo_store_path, path)
    with store.connect(path) as con:
        model = optimize.prepare_model(con)
        plan = sorted(model.project_ids[model.in_plan])
        approved = sorted(model.project_ids[model.in_plan & (model.stages == "approved")])
        plan_id = scenarios.save_scenario(con, "Plan", optimize.WhatIf().to_dict(), plan)
        scenarios.save_scenario(con, "Cut", optimize.WhatIf(budget_pct=80).to_dict(), plan[:-3])
    at = open_page(monkeypatch, path, PAGE)
    assert problems(at) == []
    assert any("No decision has been recorded yet" in i.value for i in at.info)
    # Without a rationale the decision is refused with a sentence, and nothing is recorded.
    at.selectbox(key="decided_scenario").set_value(plan_id)
    at.button(key="FormSubmitter:record_decision-Record the decision").click().run()
    assert [e.value for e in at.error] == ["A decision needs a rationale."]
    at.selectbox(key="decided_scenario").set_value(plan_id)
    at.text_area(key="decision_rationale").input("The board keeps the committed plan.")
    at.button(key="FormSubmitter:record_decision-Record the decision").click().run()
    assert problems(at) == []
    # The app holds the store open in this process; a second connection must open it the same way (read-write).
    with store.connect(path) as reader:
        log = scenarios.decision_log(reader)
    assert list(log["name"]) == ["Plan"] and list(log["decided_by"]) == ["local user"]
    assert list(log["rationale"]) == ["The board keeps the committed plan."]
    shown = " ".join(m.value for m in at.markdown)
    assert "decided" in shown and "by local user" in shown
    assert "Every project decided in is still going" in shown
    assert at.query_params["decision"] == log["decision_id"].iloc[0]
    # The store moves on: a decided project is cancelled, another's plan starts two months later; the page says so
    # from the store as it is now.
    late = next(p for p in approved if p != plan[0])
    with store.connect(path) as con:
        con.execute("UPDATE projects SET stage = 'cancelled' WHERE project_id = ?", [plan[0]])
        decided, now = con.execute(
            "UPDATE projects SET start_date = start_date + INTERVAL 2 MONTH WHERE project_id = ? "
            "RETURNING strftime(start_date - INTERVAL 2 MONTH, '%Y-%m'), strftime(start_date, '%Y-%m')",
            [late],
        ).fetchone()
        con.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'data_version'")
    at.run()
    shown = " ".join(m.value for m in at.markdown)
    assert text.markdown(f"1 project decided in, now cancelled: {plan[0]} ") in shown
    assert f"was decided to start {decided}; its plan now says {now}." in shown
    assert metric_of(at, "Projects off course") == "2"
    table = next(d.value for d in at.dataframe if "start_decided" in d.value.columns).set_index("project_id")
    assert (table.loc[late, "start_decided"], table.loc[late, "start_now"]) == (decided, now)
    # A decided scenario keeps its scenario: deleting it is refused with a sentence.
    at.selectbox(key="delete_scenario").select(plan_id).run()
    at.button(key="confirm_delete").click().run()
    assert any("cannot be deleted" in e.value and "a decision keeps its scenario" in e.value for e in at.error)
    with store.connect(path) as reader:
        assert "Plan" in set(scenarios.list_scenarios(reader)["name"])


def metric_of(at, label: str) -> str:
    return {m.label: m.value for m in at.metric}[label]
