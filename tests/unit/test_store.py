"""The store: schema as CONTRACT.md says, constraints that reject bad rows, migrations, clear open errors."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics import store

# CONTRACT.md "Store schema", column for column (key columns first). If the contract changes, change this too.
CONTRACT_COLUMNS = {
    "decisions": ["decision_id", "scenario_id", "decided_at", "decided_by", "rationale"],
    "user_roles": ["principal", "role", "granted_at", "granted_by"],
    "settings": ["key", "value"],
    "objectives": ["objective_id", "name", "description", "weight"],
    "products": ["product_id", "name", "segment", "owner", "lifecycle_stage", "launched_on"],
    "teams": ["team_id", "name", "skill"],
    "team_capacity": ["team_id", "period", "fte"],
    "projects": [
        "project_id",
        "name",
        "product_id",
        "program",
        "sponsor",
        "manager",
        "stage",
        "start_date",
        "end_date",
        "budget",
        "probability_of_success",
        "health",
        "mandatory",
        "description",
        "earliest_start",
        "latest_start",
    ],
    "project_cashflows": ["project_id", "period", "cost", "benefit"],
    "project_alignment": ["project_id", "objective_id", "score"],
    "project_demand": ["project_id", "team_id", "period", "fte"],
    "project_dependencies": ["project_id", "depends_on", "kind"],
    "project_progress": ["project_id", "as_of", "percent_complete", "planned_value", "earned_value", "actual_cost"],
    "risks": [
        "risk_id",
        "project_id",
        "title",
        "category",
        "probability",
        "impact",
        "status",
        "owner",
        "mitigation",
        "raised_on",
    ],
    "kpi_definitions": ["metric", "label", "unit", "direction", "aggregation"],
    "kpi_history": ["product_id", "metric", "date", "value"],
    "kpi_targets": ["product_id", "metric", "period", "target"],
    "features": [
        "feature_id",
        "product_id",
        "title",
        "theme",
        "status",
        "reach",
        "impact",
        "confidence",
        "effort",
        "business_value",
        "time_criticality",
        "risk_reduction",
        "job_size",
        "start_date",
        "target_date",
        "shipped_on",
        "project_id",
    ],
    "feedback": [
        "feedback_id",
        "product_id",
        "received_on",
        "channel",
        "nps_score",
        "csat_score",
        "theme",
        "comment",
    ],
    "retention_cohorts": ["product_id", "cohort_month", "month_offset", "cohort_size", "retained"],
    "scenarios": ["scenario_id", "name", "created_at", "created_by", "params", "note"],
    "scenario_projects": ["scenario_id", "project_id", "chosen"],
    "import_log": [
        "import_id",
        "table_name",
        "file_name",
        "rows",
        "imported_at",
        "imported_by",
        "status",
        "message",
    ],
}

KEYS = {
    "settings": ["key"],
    "team_capacity": ["team_id", "period"],
    "project_cashflows": ["project_id", "period"],
    "project_alignment": ["project_id", "objective_id"],
    "project_demand": ["project_id", "team_id", "period"],
    "project_dependencies": ["project_id", "depends_on"],
    "project_progress": ["project_id", "as_of"],
    "kpi_history": ["product_id", "metric", "date"],
    "kpi_targets": ["product_id", "metric", "period"],
    "retention_cohorts": ["product_id", "cohort_month", "month_offset"],
    "scenario_projects": ["scenario_id", "project_id"],
}

CONTRACT_MD = Path(__file__).resolve().parents[3] / "shared" / "CONTRACT.md"


def columns_of(con, table):
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", [table]
    ).fetchall()
    return [r[0] for r in rows]


def primary_key_of(con, table):
    rows = con.execute(
        "SELECT constraint_column_names FROM duckdb_constraints() "
        "WHERE table_name = ? AND constraint_type = 'PRIMARY KEY'",
        [table],
    ).fetchall()
    return list(rows[0][0]) if rows else []


#: Columns Quarterdeck adds after the contract's ("anything not named here is free to design"), each by a migration.
# Quarterdeck's own columns beside the contract's: what stopping costs, and each chosen project's start in a
# scenario saved with start shifts (schema 6).
OWN_COLUMNS = {"projects": ["stop_cost"], "scenario_projects": ["start"]}


def test_every_contract_table_exists_with_its_columns_in_order(empty_con):
    assert set(store.CONTRACT_TABLES) == set(CONTRACT_COLUMNS)
    for table, columns in CONTRACT_COLUMNS.items():
        assert columns_of(empty_con, table) == columns + OWN_COLUMNS.get(table, []), table


def test_keys_are_the_contracts(empty_con):
    for table, columns in CONTRACT_COLUMNS.items():
        assert primary_key_of(empty_con, table) == KEYS.get(table, [columns[0]]), table


@pytest.mark.skipif(not CONTRACT_MD.exists(), reason="shared/CONTRACT.md is not beside this checkout")
def test_contract_md_lists_the_same_tables_and_columns():
    text = CONTRACT_MD.read_text(encoding="utf-8")
    section = text.split("## Store schema", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        match = re.match(r"\| (\w+) \| (.+) \|$", line)
        if not match or match.group(1) in ("table",):
            continue
        table, spec = match.groups()
        # Drop parenthesised notes such as "(≥ 0)" and the key's parentheses, keep the column names in order.
        spec = re.sub(r"\(([a-z_, ]+)\)", r"\1", spec)
        spec = re.sub(r"\([^)]*\)", "", spec)
        spec = spec.split(";")[0]
        names = [part.strip().split(" ")[0] for part in spec.split(",") if part.strip()]
        if table == "projects":
            # Columns added by migrations are sentences below the table: "`projects` also has `a` and `b` (...)"
            # (the start window), "`projects` also has `stop_cost` (...)".
            also = re.findall(r"`projects` also has `(\w+)`(?: and `(\w+)`)?", section)
            assert also, "the sentences on the columns migrations added to projects"
            names += [name for pair in also for name in pair if name]
        assert names == CONTRACT_COLUMNS[table], table


BAD_ROWS = [
    ("objectives", "INSERT INTO objectives VALUES ('O-1', 'Grow', NULL, 0)"),
    ("products", "INSERT INTO products VALUES ('A', 'A', NULL, NULL, 'teenage', NULL)"),
    ("team_capacity", "INSERT INTO team_capacity VALUES ('T-1', DATE '2026-01-15', 3)"),
    ("team_capacity", "INSERT INTO team_capacity VALUES ('T-1', DATE '2026-01-01', -1)"),
    (
        "projects",
        "INSERT INTO projects VALUES ('P-1', 'x', NULL, NULL, NULL, NULL, 'active', DATE '2026-02-01', "
        "DATE '2026-01-01', 10, 0.5, NULL, false, NULL, NULL, NULL, NULL)",
    ),
    (
        "projects",
        "INSERT INTO projects VALUES ('P-1', 'x', NULL, NULL, NULL, NULL, 'dreaming', DATE '2026-01-01', "
        "DATE '2026-02-01', 10, 0.5, NULL, false, NULL, NULL, NULL, NULL)",
    ),
    (
        "projects",
        "INSERT INTO projects VALUES ('P-1', 'x', NULL, NULL, NULL, NULL, 'active', DATE '2026-01-01', "
        "DATE '2026-02-01', 10, 1.5, NULL, false, NULL, NULL, NULL, NULL)",
    ),
    ("project_cashflows", "INSERT INTO project_cashflows VALUES ('P-1', DATE '2026-01-01', -5, 0)"),
    ("project_alignment", "INSERT INTO project_alignment VALUES ('P-1', 'O-1', 6)"),
    ("project_dependencies", "INSERT INTO project_dependencies VALUES ('P-1', 'P-1', 'requires')"),
    ("project_dependencies", "INSERT INTO project_dependencies VALUES ('P-1', 'P-2', 'blocks')"),
    ("project_progress", "INSERT INTO project_progress VALUES ('P-1', DATE '2026-01-01', 120, 0, 0, 0)"),
    ("risks", "INSERT INTO risks VALUES ('R-1', 'P-1', 't', NULL, 0.5, 6, 'open', NULL, NULL, NULL)"),
    ("risks", "INSERT INTO risks VALUES ('R-1', 'P-1', 't', NULL, 0.5, 3, 'forgotten', NULL, NULL, NULL)"),
    ("kpi_definitions", "INSERT INTO kpi_definitions VALUES ('m', 'M', NULL, 'sideways', 'sum')"),
    ("kpi_definitions", "INSERT INTO kpi_definitions VALUES ('m', 'M', NULL, 'higher_is_better', 'median')"),
    (
        "features",
        "INSERT INTO features (feature_id, product_id, title, status, effort) VALUES ('F-1', 'A', 't', 'idea', 0)",
    ),
    ("feedback", "INSERT INTO feedback VALUES ('FB-1', 'A', DATE '2026-01-01', NULL, 11, NULL, NULL, NULL)"),
    ("feedback", "INSERT INTO feedback VALUES ('FB-1', 'A', DATE '2026-01-01', NULL, NULL, 0, NULL, NULL)"),
    ("retention_cohorts", "INSERT INTO retention_cohorts VALUES ('A', DATE '2026-01-01', 1, 100, 101)"),
    ("import_log", "INSERT INTO import_log (import_id, table_name, file_name, status) VALUES ('I', 't', 'f', 'meh')"),
]


@pytest.mark.parametrize(("table", "sql"), BAD_ROWS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(BAD_ROWS)])
def test_constraints_reject_bad_rows(empty_con, table, sql):
    with pytest.raises(duckdb.ConstraintException):
        empty_con.execute(sql)
    assert empty_con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_duplicate_key_is_rejected(empty_con):
    empty_con.execute("INSERT INTO teams VALUES ('T-1', 'Data', 'data')")
    with pytest.raises(duckdb.ConstraintException):
        empty_con.execute("INSERT INTO teams VALUES ('T-1', 'Other', 'web')")


def test_scenario_names_are_unique(empty_con):
    empty_con.execute("INSERT INTO scenarios (scenario_id, name, params) VALUES ('S-1', 'Lean', '{}')")
    with pytest.raises(duckdb.ConstraintException):
        empty_con.execute("INSERT INTO scenarios (scenario_id, name, params) VALUES ('S-2', 'Lean', '{}')")


def test_new_store_records_the_current_schema_version(empty_con):
    assert store.schema_version(empty_con) == store.SCHEMA_VERSION


def test_opening_twice_is_safe_and_keeps_data(tmp_path):
    path = tmp_path / "twice.duckdb"
    con = store.connect(path)
    con.execute("INSERT INTO teams VALUES ('T-1', 'Data', 'data')")
    con.close()
    con = store.connect(path)
    assert con.execute("SELECT name FROM teams").fetchall() == [("Data",)]
    assert store.schema_version(con) == store.SCHEMA_VERSION
    con.close()


def test_a_new_store_in_one_step_has_the_schema_of_every_step_run_in_turn(tmp_path):
    def schema(c):
        return c.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            "ORDER BY ALL"
        ).fetchall(), c.execute("SELECT table_name, constraint_text FROM duckdb_constraints() ORDER BY ALL").fetchall()

    one_step = duckdb.connect(str(tmp_path / "one.duckdb"))
    assert store.migrate(one_step) == store.SCHEMA_VERSION
    # Wrapped steps are not the module's list, so migrate runs them one by one, as for an older store.
    step_by_step = duckdb.connect(str(tmp_path / "steps.duckdb"))
    wrapped = [store.Migration(m.version, m.description, lambda c, m=m: m.apply(c)) for m in store.MIGRATIONS]
    assert store.migrate(step_by_step, wrapped) == store.SCHEMA_VERSION
    assert schema(one_step) == schema(step_by_step)
    assert schema(one_step)[0]
    one_step.close()
    step_by_step.close()


def test_a_store_at_an_older_version_runs_the_steps_it_lacks_one_by_one(tmp_path):
    con = duckdb.connect(str(tmp_path / "v1.duckdb"))
    ran = []
    recording = [
        store.Migration(m.version, m.description, lambda c, m=m: ran.append(m.version)) for m in store.MIGRATIONS
    ]
    store.migrate(con, recording[:1])
    assert store.migrate(con, recording) == store.SCHEMA_VERSION
    assert ran == list(range(1, store.SCHEMA_VERSION + 1))
    con.close()


def test_an_older_store_is_migrated_in_place_keeping_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    con = store.connect(path)
    con.execute("INSERT INTO teams VALUES ('T-1', 'Data', 'data')")
    con.close()

    def add_team_colour(c):
        c.execute("ALTER TABLE teams ADD COLUMN colour TEXT DEFAULT 'blue'")

    newer = [*store.MIGRATIONS, store.Migration(store.SCHEMA_VERSION + 1, "team colour", add_team_colour)]
    con = store.connect(path)
    assert store.migrate(con, newer) == store.SCHEMA_VERSION + 1
    assert con.execute("SELECT team_id, colour FROM teams").fetchall() == [("T-1", "blue")]
    # Applying again is a no-op: each migration runs once per store.
    assert store.migrate(con, newer) == store.SCHEMA_VERSION + 1
    con.close()


def test_a_version_5_store_gains_a_nullable_scenario_start_keeping_its_scenarios(tmp_path):
    path = tmp_path / "v5.duckdb"
    con = store.connect(path)
    con.execute(
        "INSERT INTO scenarios (scenario_id, name, created_at, params) VALUES ('S-1', 'Kept', current_timestamp, '{}')"
    )
    con.execute("INSERT INTO scenario_projects VALUES ('S-1', 'P-1', true, NULL)")
    # Back to what version 5 held: no start column on a scenario's projects.
    con.execute("ALTER TABLE scenario_projects DROP COLUMN start")
    con.execute("UPDATE store_meta SET value = 5 WHERE key = 'schema_version'")
    con.close()
    con = store.connect(path)
    assert store.schema_version(con) == store.SCHEMA_VERSION == 6
    rows = con.execute("SELECT scenario_id, project_id, chosen, start FROM scenario_projects").fetchall()
    assert rows == [("S-1", "P-1", True, None)]
    con.close()


def test_a_version_3_store_gains_a_nullable_stop_cost_keeping_its_projects(tmp_path):
    path = tmp_path / "v3.duckdb"
    con = store.connect(path)
    con.execute(
        "INSERT INTO projects (project_id, name, stage, start_date, end_date, budget, probability_of_success) "
        "VALUES ('P-1', 'Kept', 'active', DATE '2026-01-01', DATE '2026-06-30', 10, 0.5)"
    )
    # Back to what version 3 held: no stop_cost column.
    con.execute("ALTER TABLE projects DROP COLUMN stop_cost")
    con.execute("UPDATE store_meta SET value = 3 WHERE key = 'schema_version'")
    con.close()
    con = store.connect(path)
    assert store.schema_version(con) == store.SCHEMA_VERSION
    assert con.execute("SELECT project_id, name, stop_cost FROM projects").fetchall() == [("P-1", "Kept", None)]
    con.close()


def test_a_failing_migration_leaves_the_store_at_its_previous_version(tmp_path):
    con = store.connect(tmp_path / "failing.duckdb")

    def broken(c):
        c.execute("CREATE TABLE half_done (x INTEGER)")
        c.execute("SELECT * FROM no_such_table")

    with pytest.raises(duckdb.CatalogException):
        store.migrate(con, [*store.MIGRATIONS, store.Migration(store.SCHEMA_VERSION + 1, "broken", broken)])
    assert store.schema_version(con) == store.SCHEMA_VERSION
    leftovers = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'half_done'")
    assert leftovers.fetchone()[0] == 0
    con.close()


def test_read_only_open_of_an_unmigrated_store_says_what_to_do(tmp_path):
    path = tmp_path / "bare.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(store.StoreError, match="open it once read-write"):
        store.connect(path, read_only=True)


def test_missing_store_read_only_gives_one_line_with_the_fix(tmp_path):
    with pytest.raises(store.StoreError) as info:
        store.connect(tmp_path / "missing.duckdb", read_only=True)
    message = str(info.value)
    assert "\n" not in message
    assert "python -m analytics demo --db" in message


def test_store_in_a_missing_folder_is_a_sentence(tmp_path):
    with pytest.raises(store.StoreError, match="does not exist"):
        store.connect(tmp_path / "nowhere" / "x.duckdb")


def test_a_file_that_is_not_a_duckdb_file_is_the_damaged_sentence(tmp_path):
    # A text file and a store overwritten with junk look the same to DuckDB: both get the one damaged sentence,
    # which never points at QUARTERDECK_DB (issue 16, cases 5 and 9).
    path = tmp_path / "notes.duckdb"
    path.write_text("these are not the rows you are looking for" * 200)
    with pytest.raises(store.StoreDamagedError, match="is damaged: restore a backup, or rebuild it"):
        store.connect(path)


def test_path_comes_from_argument_then_environment_then_default(monkeypatch, tmp_path):
    monkeypatch.delenv("QUARTERDECK_DB", raising=False)
    assert store.resolve_path() == store.DEFAULT_STORE
    monkeypatch.setenv("QUARTERDECK_DB", str(tmp_path / "env.duckdb"))
    assert store.resolve_path() == tmp_path / "env.duckdb"
    assert store.resolve_path(tmp_path / "arg.duckdb") == tmp_path / "arg.duckdb"


def test_transaction_commits_and_bumps_the_data_version(empty_con):
    before = store.data_version(empty_con)
    with store.transaction(empty_con):
        empty_con.execute("INSERT INTO teams VALUES ('T-1', 'Data', 'data')")
    assert store.data_version(empty_con) == before + 1
    assert empty_con.execute("SELECT count(*) FROM teams").fetchone()[0] == 1


def test_transaction_rolls_back_everything_on_error(empty_con):
    before = store.data_version(empty_con)
    with pytest.raises(duckdb.ConstraintException), store.transaction(empty_con):
        empty_con.execute("INSERT INTO teams VALUES ('T-1', 'Data', 'data')")
        empty_con.execute("INSERT INTO teams VALUES ('T-1', 'Dupe', 'data')")
    assert empty_con.execute("SELECT count(*) FROM teams").fetchone()[0] == 0
    assert store.data_version(empty_con) == before


def test_settings_are_typed_with_defaults(empty_con):
    empty_con.execute("INSERT INTO settings VALUES ('as_of', '2026-10-15'), ('discount_rate', '0.1')")
    settings = store.read_settings(empty_con)
    assert settings.as_of.isoformat() == "2026-10-15"
    assert settings.discount_rate == pytest.approx(0.1)
    assert settings.currency == "USD"
    assert settings.fiscal_year_start_month == 1


def test_a_store_held_by_another_process_is_a_sentence_naming_it(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "held.duckdb"
    store.connect(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print('ready', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(store.StoreError) as info:
            store.connect(path)
        assert f"PID {holder.pid}" in str(info.value)
        assert "open for writing by another process" in str(info.value)
    finally:
        holder.stdin.close()
        holder.wait(10)


# ------------------------------------------------------------------------------------------------ store management


def test_new_store_names_are_checked(tmp_path):
    assert store.new_store_path(tmp_path, "acme-2026") == tmp_path / "acme-2026.duckdb"
    assert store.new_store_path(tmp_path, " beta.duckdb ") == tmp_path / "beta.duckdb"
    for bad in ("", "../up", "a b", "-x", "x" * 65):
        with pytest.raises(store.StoreError, match="cannot name a store"):
            store.new_store_path(tmp_path, bad)
    store.create_empty_store(tmp_path / "acme.duckdb")
    with pytest.raises(store.StoreError, match="already a store"):
        store.new_store_path(tmp_path, "acme")


def test_an_empty_store_has_every_table_at_the_current_schema_and_no_rows(tmp_path):
    path = store.create_empty_store(tmp_path / "empty.duckdb")
    assert path == tmp_path / "empty.duckdb"
    con = store.connect(path, read_only=True)  # read-only refuses a store that is not at the current schema
    try:
        assert store.schema_version(con) == store.SCHEMA_VERSION
        assert store.table_counts(con) == dict.fromkeys(store.CONTRACT_TABLES, 0)
    finally:
        con.close()


def test_stores_in_lists_only_stores_by_name(tmp_path):
    for name in ("zeta", "alpha"):
        store.create_empty_store(tmp_path / f"{name}.duckdb")
    (tmp_path / "notes.txt").write_text("not a store")
    (tmp_path / "sub").mkdir()
    store.create_empty_store(tmp_path / "sub" / "nested.duckdb")
    assert store.stores_in(tmp_path) == [tmp_path / "alpha.duckdb", tmp_path / "zeta.duckdb"]
    assert store.stores_in(tmp_path / "sub") == [tmp_path / "sub" / "nested.duckdb"]


def test_store_overview_and_recent_imports_read_the_import_log(tmp_path):
    path = store.create_empty_store(tmp_path / "s.duckdb")
    con = store.connect(path)
    con.execute("INSERT INTO teams VALUES ('T-A', 'Team A', NULL), ('T-B', 'Team B', NULL)")
    con.execute(
        "INSERT INTO import_log (import_id, table_name, file_name, rows, imported_at, imported_by, status, message) "
        "VALUES ('1', 'teams', 'old.csv', 2, TIMESTAMP '2026-10-01 09:00', 'ana', 'accepted', 'two rows'), "
        "('2', 'teams', 'new.csv', 1, TIMESTAMP '2026-10-02 09:00', 'sam', 'rejected', 'one problem'), "
        "('3', 'projects', 'p.csv', 0, TIMESTAMP '2026-10-01 12:00', 'ana', 'accepted', 'no rows')"
    )
    overview = store.store_overview(con).set_index("table")
    recent = store.recent_imports(con, limit=2)
    con.close()
    assert list(overview.index) == list(store.CONTRACT_TABLES)
    assert overview.loc["teams", "rows"] == 2 and overview.loc["import_log", "rows"] == 3
    # The last import of each table, whatever its outcome; blanks for a table never imported into.
    teams = overview.loc["teams", ["file", "status", "imported_by", "message"]].tolist()
    assert teams == ["new.csv", "rejected", "sam", "one problem"]
    assert overview.loc["projects", "file"] == "p.csv"
    assert overview["last_import"].notna().sum() == 2 and pd.isna(overview.loc["risks", "file"])
    assert list(recent["file"]) == ["new.csv", "p.csv"]
    assert list(recent.columns) == ["imported_at", "table", "file", "rows", "status", "imported_by", "message"]
