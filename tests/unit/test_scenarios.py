"""Saved scenarios: one transaction per write, unique names, concurrent saves, loading back, comparing."""

from __future__ import annotations

import shutil
import threading

import pytest

from analytics import optimize, scenarios, store
from analytics.rules import CANDIDATE_SQL, COMMITTED_SQL, FEASIBILITY_TOLERANCE


@pytest.fixture
def scenario_store(demo_store_path, tmp_path):
    path = tmp_path / "scenarios.duckdb"
    shutil.copyfile(demo_store_path, path)
    return path


@pytest.fixture
def con(scenario_store):
    connection = store.connect(scenario_store)
    yield connection
    connection.close()


def plan_of(con) -> list[str]:
    rows = con.execute(f"SELECT project_id FROM projects WHERE stage IN ({COMMITTED_SQL}) ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def test_a_saved_scenario_loads_back_with_its_settings_and_selection(con):
    settings = optimize.WhatIf(budget_pct=90, alpha=0.4, capacity_fte_delta={"T-DATA": 2}, force_out=["P-003"])
    chosen = plan_of(con)[:5]
    before = store.data_version(con)
    scenario_id = scenarios.save_scenario(con, "  Budget   cut ", settings.to_dict(), chosen, "ana", "for the board")
    assert store.data_version(con) == before + 1
    loaded = scenarios.load_scenario(con, scenario_id)
    assert loaded.name == "Budget cut"
    assert loaded.what_if == settings
    assert loaded.chosen == tuple(sorted(chosen))
    assert loaded.created_by == "ana" and loaded.note == "for the board"
    # Every candidate of the moment is recorded, so "what was left out" survives later changes to the store.
    candidates = con.execute(f"SELECT count(*) FROM projects WHERE stage IN ({CANDIDATE_SQL})")
    assert len(loaded.candidates) == candidates.fetchone()[0]


def test_names_are_unique_per_store_with_a_sentence_and_nothing_written(con):
    scenarios.save_scenario(con, "Plan A", {}, [])
    counts = store.table_counts(con)
    with pytest.raises(scenarios.ScenarioError, match="already exists"):
        scenarios.save_scenario(con, "Plan  A", {}, plan_of(con))
    assert store.table_counts(con) == counts


@pytest.mark.parametrize(
    ("name", "chosen", "message"),
    [("", [], "needs a name"), ("x" * 81, [], "at most 80"), ("ok", ["P-999"], "not in the store: P-999")],
)
def test_bad_saves_are_refused_whole(con, name, chosen, message):
    counts = store.table_counts(con)
    with pytest.raises(scenarios.ScenarioError, match=message):
        scenarios.save_scenario(con, name, {}, chosen)
    assert store.table_counts(con) == counts


def test_two_sessions_saving_at_once_both_keep_their_scenario(con):
    errors = []

    def save(name):
        # Each Streamlit session writes on its own cursor of the app's one connection.
        with con.cursor() as cursor:
            try:
                scenarios.save_scenario(cursor, name, {"alpha": 0.5}, plan_of(cursor))
            except Exception as exc:  # noqa: BLE001 - the assertion below reports it
                errors.append(exc)

    threads = [threading.Thread(target=save, args=(f"Session {i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(scenarios.list_scenarios(con)["name"]) == [f"Session {i}" for i in range(4)]


def test_listing_is_newest_first_and_deleting_removes_everything(con):
    first = scenarios.save_scenario(con, "First", {}, plan_of(con)[:2])
    second = scenarios.save_scenario(con, "Second", {}, plan_of(con)[:3])
    listed = scenarios.list_scenarios(con)
    assert list(listed["scenario_id"]) == [second, first]
    assert list(listed["chosen"]) == [3, 2]
    assert list(listed.columns[:5]) == ["scenario_id", "name", "created_at", "created_by", "note"]
    scenarios.delete_scenario(con, first)
    assert list(scenarios.list_scenarios(con)["scenario_id"]) == [second]
    assert con.execute("SELECT count(*) FROM scenario_projects WHERE scenario_id = ?", [first]).fetchone()[0] == 0
    with pytest.raises(scenarios.ScenarioError, match="no scenario"):
        scenarios.delete_scenario(con, first)
    with pytest.raises(scenarios.ScenarioError, match="no scenario"):
        scenarios.load_scenario(con, first)


def test_a_scenario_survives_closing_and_reopening_the_store(scenario_store):
    with store.connect(scenario_store) as writer:
        scenario_id = scenarios.save_scenario(writer, "Kept", {"budget_pct": 80.0}, plan_of(writer)[:4])
    with store.connect(scenario_store, read_only=True) as reader:
        loaded = scenarios.load_scenario(reader, scenario_id)
    assert loaded.params["budget_pct"] == 80.0 and len(loaded.chosen) == 4


def test_comparing_values_each_scenario_under_its_own_settings(con):
    model = optimize.prepare_model(con)
    plan = list(model.project_ids[model.in_plan])
    full = scenarios.save_scenario(con, "The plan", optimize.WhatIf().to_dict(), plan)
    cut = optimize.WhatIf(budget_pct=80)
    cut_problem = optimize.apply_what_if(model, cut)
    # Budget only (its rows hold the stop costs of active projects left out): a selection the comparison must value
    # exactly as the optimiser's own summary does.
    years = cut_problem.problem.budget_rows
    best = optimize.select_portfolio(
        cut_problem.value, cut_problem.problem.usage[:years].T, cut_problem.problem.limit[:years]
    )
    cut_ids = list(model.project_ids[best.chosen])
    trimmed = scenarios.save_scenario(con, "Cut 20%", cut.to_dict(), cut_ids)
    result = scenarios.compare(con, model, [full, trimmed])
    summary = result["summary"].set_index("name")
    expected = optimize.selection_summary(cut_problem, best.chosen)
    assert summary.loc["Cut 20%", "value"] == pytest.approx(expected["value"])
    assert summary.loc["Cut 20%", "rnpv"] == pytest.approx(expected["rnpv"])
    assert summary.loc["Cut 20%", "projects"] == best.chosen.sum()
    assert summary.loc["Cut 20%", "budget_use"] == pytest.approx(expected["spend"] / expected["budget"])
    assert summary.loc["Cut 20%", "budget_use"] <= 1.0 + FEASIBILITY_TOLERANCE  # chosen within that budget
    assert summary.loc["The plan", "added"] == 0 and summary.loc["The plan", "dropped"] == 0
    projects = result["projects"].set_index("project_id")
    assert set(projects.index) == set(plan) | set(cut_ids)
    chosen_by = projects[[scenarios.scenario_column(full), scenarios.scenario_column(trimmed)]]
    assert (projects["in_all"] == chosen_by.all(axis=1)).all()
    # Disagreements come first: that is what a comparison is for (cutting the budget leaves some of the plan out).
    assert not projects["in_all"].all()
    assert result["projects"]["in_all"].is_monotonic_increasing
    assert set(result["budget"]["scenario"]) == {"The plan", "Cut 20%"}


def test_comparing_needs_two_to_four(con):
    model = optimize.prepare_model(con)
    only = scenarios.save_scenario(con, "Alone", {}, [])
    with pytest.raises(scenarios.ScenarioError, match="two to 4"):
        scenarios.compare(con, model, [only])


@pytest.mark.parametrize("clash", ["project_id", "name", "in_all"])
def test_a_scenario_name_never_overwrites_a_column_of_the_comparison(con, clash):
    model = optimize.prepare_model(con)
    plan = list(model.project_ids[model.in_plan])
    named = scenarios.save_scenario(con, clash, optimize.WhatIf().to_dict(), plan[:3])
    other = scenarios.save_scenario(con, "Other", optimize.WhatIf().to_dict(), plan[2:5])
    projects = scenarios.compare(con, model, [named, other])["projects"]
    assert sorted(projects["project_id"]) == sorted(plan[:5])
    names = dict(zip(model.project_ids, model.names, strict=True))
    assert list(projects["name"]) == [names[p] for p in projects["project_id"]]
    assert projects["in_all"].tolist() == [p == plan[2] for p in projects["project_id"]]
    by_id = projects.set_index("project_id")
    assert by_id[scenarios.scenario_column(named)].tolist() == [p in plan[:3] for p in by_id.index]


BAD_PARAMS = {
    "alpha out of range": ('{"alpha": 5}', "alpha must be between 0 and 1"),
    "not an object": ("[1,2,3]", "must be a JSON object"),
    "text for a number": ('{"budget_pct":"abc"}', 'budget_pct must be a number, not "abc"'),
}


@pytest.mark.parametrize("case", list(BAD_PARAMS))
def test_params_that_are_not_what_if_settings_are_refused_with_a_sentence(case):
    params, message = BAD_PARAMS[case]
    with pytest.raises(scenarios.ScenarioError, match=message):
        scenarios.check_params(params)


def test_saved_settings_pass_the_check_unchanged():
    settings = optimize.WhatIf(budget_pct=90, alpha=0.4, capacity_fte_delta={"T-DATA": 2}, force_out=["P-003"])
    assert scenarios.check_params(settings.to_dict()) == settings
    assert scenarios.check_params("{}") == optimize.WhatIf()


def test_importing_scenarios_with_bad_params_is_rejected_with_file_row_column(scenario_store, tmp_path):
    from analytics import ingest

    lines = ["scenario_id,name,params", 'S-ok,Fine,"{""alpha"": 0.5}"']
    lines += [
        f'S-{i},Bad {i},"{params.replace(chr(34), chr(34) * 2)}"' for i, (params, _) in enumerate(BAD_PARAMS.values())
    ]
    path = tmp_path / "scenarios.csv"
    path.write_text("\n".join(lines) + "\n")
    with store.connect(scenario_store, read_only=True) as reader:
        before = store.table_counts(reader)
    result = ingest.import_file(scenario_store, "scenarios", path, imported_by="test")
    assert not result.accepted
    shown = result.problems_as_lines()
    assert [line.split(": ", 1)[0] for line in shown] == [f"scenarios.csv:{row}:params" for row in (3, 4, 5)]
    for line, (_, message) in zip(shown, BAD_PARAMS.values(), strict=True):
        assert message in line
    with store.connect(scenario_store, read_only=True) as reader:
        after = store.table_counts(reader)
    assert {t: n for t, n in after.items() if t != "import_log"} == {
        t: n for t, n in before.items() if t != "import_log"
    }


def test_a_stored_scenario_with_bad_params_is_listed_with_why_and_can_be_deleted(con):
    good = scenarios.save_scenario(con, "Good", {}, plan_of(con)[:2])
    for i, (params, _) in enumerate(BAD_PARAMS.values()):
        # As another tool could have written it, straight into the table.
        con.execute(
            "INSERT INTO scenarios (scenario_id, name, params) VALUES (?, ?, ?)", [f"S-bad{i}", f"Bad {i}", params]
        )
    listed = scenarios.list_scenarios(con).set_index("scenario_id")
    assert listed.loc[good, "problem"] is None
    for i, (_, message) in enumerate(BAD_PARAMS.values()):
        assert message in listed.loc[f"S-bad{i}", "problem"]
        with pytest.raises(scenarios.ScenarioError, match="“Bad 0” cannot be opened" if i == 0 else "cannot be opened"):
            scenarios.load_scenario(con, f"S-bad{i}")
    scenarios.delete_scenario(con, "S-bad0")
    assert "S-bad0" not in set(scenarios.list_scenarios(con)["scenario_id"])


# --- Decisions ---------------------------------------------------------------------------------------------------


def decide_plan(con, name="Decided plan", **settings) -> tuple[str, str]:
    """Save the committed projects as a scenario and record a decision on it; return (scenario_id, decision_id)."""
    scenario_id = scenarios.save_scenario(con, name, optimize.WhatIf(**settings).to_dict(), plan_of(con))
    return scenario_id, scenarios.record_decision(con, scenario_id, "ana@example.com", "The board chose it.")


def decision_rows(con) -> tuple[int, int]:
    return (
        con.execute("SELECT count(*) FROM decisions").fetchone()[0],
        con.execute("SELECT count(*) FROM decision_baselines").fetchone()[0],
    )


def test_a_decision_is_logged_newest_first_and_survives_a_restart(scenario_store):
    with store.connect(scenario_store) as writer:
        first_scenario, first = decide_plan(writer, "First")
        before = store.data_version(writer)
        second_chosen = plan_of(writer)[:3]
        second_scenario = scenarios.save_scenario(writer, "Second", {"alpha": 0.6}, second_chosen)
        second = scenarios.record_decision(writer, second_scenario, "  bo@example.com ", "  Cheaper.  ")
        assert store.data_version(writer) == before + 2
    with store.connect(scenario_store, read_only=True) as reader:
        log = scenarios.decision_log(reader)
        latest = scenarios.latest_decision(reader)
    assert list(log.columns) == ["decision_id", "scenario_id", "name", "decided_at", "decided_by", "rationale"]
    assert list(log["decision_id"]) == [second, first]
    assert list(log["name"]) == ["Second", "First"]
    assert list(log["decided_by"]) == ["bo@example.com", "ana@example.com"]
    assert list(log["rationale"]) == ["Cheaper.", "The board chose it."]
    assert first.startswith("D-") and first != second and first_scenario != second_scenario
    # The latest decision is the plan: its selection and settings as decided.
    assert latest.decision_id == second and latest.baseline
    assert latest.chosen == tuple(sorted(second_chosen))
    assert latest.params["alpha"] == 0.6


def test_no_decision_means_no_plan_from_the_log(con):
    assert scenarios.latest_decision(con) is None
    assert scenarios.decision_log(con).empty


@pytest.mark.parametrize(
    ("who", "why", "message"),
    [
        ("ana", "", "needs a rationale"),
        ("ana", "   ", "needs a rationale"),
        ("", "Because.", "needs who decided"),
        ("ana", "x" * (scenarios.MAX_RATIONALE_LENGTH + 1), f"at most {scenarios.MAX_RATIONALE_LENGTH}"),
        ("a" * (scenarios.MAX_DECIDED_BY_LENGTH + 1), "Because.", f"at most {scenarios.MAX_DECIDED_BY_LENGTH}"),
    ],
)
def test_a_decision_without_who_or_why_is_refused_with_nothing_written(con, who, why, message):
    scenario_id = scenarios.save_scenario(con, "Plan", {}, plan_of(con))
    counts = store.table_counts(con), decision_rows(con)
    with pytest.raises(scenarios.ScenarioError, match=message):
        scenarios.record_decision(con, scenario_id, who, why)
    assert (store.table_counts(con), decision_rows(con)) == counts


def test_a_decision_needs_a_scenario_that_exists_and_opens(con):
    with pytest.raises(scenarios.ScenarioError, match="no scenario 'S-gone'"):
        scenarios.record_decision(con, "S-gone", "ana", "Because.")
    con.execute("INSERT INTO scenarios (scenario_id, name, params) VALUES ('S-bad', 'Bad', '{\"alpha\": 5}')")
    with pytest.raises(scenarios.ScenarioError, match="“Bad” cannot be opened"):
        scenarios.record_decision(con, "S-bad", "ana", "Because.")
    assert decision_rows(con) == (0, 0)


def test_a_decided_scenario_cannot_be_deleted(con):
    scenario_id, _ = decide_plan(con)
    with pytest.raises(scenarios.ScenarioError, match="cannot be deleted: 1 recorded decision was taken on it"):
        scenarios.delete_scenario(con, scenario_id)
    assert scenario_id in set(scenarios.list_scenarios(con)["scenario_id"])


def test_only_record_decision_writes_the_decision_tables():
    # DuckDB has no triggers or grants that could refuse an UPDATE or DELETE, so append-only rests on this: no
    # statement in the app's code writes the decision tables except the two INSERTs of record_decision.
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writes = []
    for path in [*root.glob("analytics/**/*.py"), *root.glob("ui/*.py"), *root.glob("pages/*.py"), root / "app.py"]:
        source = " ".join(path.read_text(encoding="utf-8").split()).lower()
        for verb in ("insert into", "update", "delete from", "truncate", "drop table", "alter table"):
            for table in ("decisions", "decision_baselines"):
                if f"{verb} {table} " in source or f"{verb} {table}(" in source:
                    writes.append((path.relative_to(root).as_posix(), verb, table))
    assert sorted(writes) == [
        ("analytics/decisions.py", "insert into", "decision_baselines"),
        ("analytics/decisions.py", "insert into", "decisions"),
    ]


def test_imports_leave_the_decisions_alone(scenario_store, tmp_path):
    from analytics import ingest

    with store.connect(scenario_store) as writer:
        scenario_id, decision_id = decide_plan(writer)
        decided = scenarios.latest_decision(writer)
    decisions = tmp_path / "decisions.csv"
    decisions.write_text(f"decision_id,scenario_id,decided_by,rationale\n{decision_id},{scenario_id},eve,Changed\n")
    assert not ingest.import_file(scenario_store, "decisions", decisions, imported_by="test").accepted
    # Re-importing the scenario's selection with every project flipped changes the scenario, not the decision.
    flipped = tmp_path / "scenario_projects.csv"
    flipped.write_text(
        "scenario_id,project_id,chosen\n"
        + "".join(f"{scenario_id},{p},{str(p not in decided.chosen).lower()}\n" for p in decided.chosen[:3])
    )
    assert ingest.import_file(scenario_store, "scenario_projects", flipped, imported_by="test").accepted
    with store.connect(scenario_store, read_only=True) as reader:
        log = scenarios.decision_log(reader)
        assert scenarios.latest_decision(reader) == decided
    assert list(log["decided_by"]) == ["ana@example.com"] and list(log["rationale"]) == ["The board chose it."]


def test_a_decision_expects_exactly_its_selections_numbers(con):
    scenario_id, decision_id = decide_plan(con, budget_pct=90, cost_overrun=0.1)
    check = scenarios.decision_vs_now(con, decision_id)
    model = optimize.prepare_model(con)
    what_if = optimize.apply_what_if(model, optimize.WhatIf(budget_pct=90, cost_overrun=0.1))
    chosen = scenarios.chosen_mask(model, scenarios.load_scenario(con, scenario_id).chosen)
    totals = optimize.selection_totals(what_if, chosen)
    assert check.expected_spend == check.now_spend == totals["spend"]
    assert check.expected_rnpv == check.now_rnpv == totals["rnpv"]
    assert check.as_of_then == check.as_of_now == model.as_of
    assert check.nothing_changed and check.projects.empty
    assert scenarios.decision_sentences(check, "USD")[0].startswith("Every project decided in is still going")


def test_decision_against_now_names_what_happened_since(con):
    _, decision_id = decide_plan(con)
    decided = scenarios.latest_decision(con)
    states = dict(con.execute("SELECT project_id, stage FROM projects").fetchall())
    ins = [p for p in decided.chosen if states[p] == "approved"]
    outs = [p for p in con.execute("SELECT project_id FROM scenario_projects WHERE NOT chosen").fetchall()]
    outs = [p for (p,) in outs if states[p] == "proposed"]
    cancelled, held, reddened = ins[0], ins[1], ins[2]
    started = outs[0]
    con.execute("UPDATE projects SET stage = 'cancelled' WHERE project_id = ?", [cancelled])
    con.execute("UPDATE projects SET stage = 'on_hold' WHERE project_id = ?", [held])
    con.execute("UPDATE projects SET health = 'red' WHERE project_id = ?", [reddened])
    con.execute("UPDATE projects SET stage = 'active' WHERE project_id = ?", [started])
    # A team that lost all its capacity in a month where the decided selection needs it.
    team, period = con.execute(
        "SELECT team_id, period FROM project_demand WHERE project_id = ? AND fte > 0 AND period >= "
        "(SELECT value::DATE FROM settings WHERE key = 'as_of') ORDER BY period LIMIT 1",
        [reddened],
    ).fetchone()
    con.execute("UPDATE team_capacity SET fte = 0 WHERE team_id = ? AND period = ?", [team, period])
    check = scenarios.decision_vs_now(con, decision_id)
    assert check.cancelled == (cancelled,) and check.on_hold == (held,)
    assert reddened in check.red and cancelled not in check.red
    assert check.started == (started,)
    over = check.new_overbookings
    assert (team, period) in set(zip(over["team_id"], over["period"].dt.date, strict=True))
    # The cancelled and held projects no longer spend; the started one was decided out and is not counted.
    assert check.now_spend < check.expected_spend
    sentences = " ".join(scenarios.decision_sentences(check, "USD"))
    assert f"1 project decided in, now cancelled: {cancelled}" in sentences
    assert f"decided out, started since: {started}" in sentences
    assert "over capacity that were not at the decision" in sentences
    assert set(check.projects["project_id"]) >= {cancelled, held, reddened, started}


def test_a_decision_written_without_a_baseline_is_checked_with_what_is_known(con):
    # As a store of schema 2 (or another tool) could hold it: a decision row and nothing it expected.
    scenario_id = scenarios.save_scenario(con, "Old plan", {}, plan_of(con))
    con.execute(
        "INSERT INTO decisions (decision_id, scenario_id, decided_by, rationale) VALUES ('D-old', ?, 'cy', 'Old')",
        [scenario_id],
    )
    decided = scenarios.latest_decision(con)
    assert decided.decision_id == "D-old" and not decided.baseline and decided.chosen == tuple(plan_of(con))
    check = scenarios.decision_vs_now(con, "D-old")
    assert check.expected_spend is None and check.now_spend > 0
    assert "recorded without the figures it expected" in " ".join(scenarios.decision_sentences(check, "USD"))


def test_an_older_store_gains_the_decision_baselines_and_keeps_its_decisions(scenario_store):
    with store.connect(scenario_store) as writer:
        scenario_id = scenarios.save_scenario(writer, "Plan", {}, plan_of(writer))
        writer.execute(
            "INSERT INTO decisions (decision_id, scenario_id, decided_by) VALUES ('D-kept', ?, 'cy')", [scenario_id]
        )
        writer.execute("DROP TABLE decision_baselines")
        writer.execute("UPDATE store_meta SET value = 3 WHERE key = 'schema_version'")
    with store.connect(scenario_store) as upgraded:
        assert store.schema_version(upgraded) == store.SCHEMA_VERSION
        assert list(scenarios.decision_log(upgraded)["decision_id"]) == ["D-kept"]
        assert scenarios.record_decision(upgraded, scenario_id, "ana", "Again.").startswith("D-")
