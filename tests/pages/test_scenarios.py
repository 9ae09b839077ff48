"""The scenarios page in-process (AppTest): a store holding scenarios whose settings do not hold (issue 16, case 6)
still draws every scenario it can, names the others with why, and deletes them."""

from __future__ import annotations

import shutil

from analytics import optimize, scenarios, store
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
