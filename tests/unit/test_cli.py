"""`python -m analytics import | export` as a shell user runs them (CONTRACT.md): exit codes, stderr lines, files,
and a store that survives the import process being killed in the middle of its transaction. The entry point runs as
a child process in the first two tests and the killed import; the others call its ``main`` in this process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from analytics import ingest, store
from tests.cli import ROOT, run_cli, run_cli_process
from tests.damaged import DAMAGE, block_corrupted_copy, damaged_copy

PROJECTS = "project_id,name,stage,start_date,end_date,budget,probability_of_success\n"
# Another process serving the store, as the app does.
HOLD = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"


@pytest.fixture
def store_copy(demo_store_path, tmp_path) -> Path:
    path = tmp_path / "store.duckdb"
    shutil.copyfile(demo_store_path, path)
    return path


def tables_as_csv(path: Path, out: Path) -> dict[str, bytes]:
    """Every table but import_log, as the bytes of its CSV export."""
    con = store.connect(path, read_only=True)
    try:
        tables = [t for t in store.CONTRACT_TABLES if t != "import_log"]
        return {p.stem: p.read_bytes() for p in ingest.export_tables(con, out, "csv", tables)}
    finally:
        con.close()


# The first two run `python -m analytics` as a child process, as a shell user does: the entry point itself, its exit
# codes and its streams. The rest call the same `main` in this process (tests/cli.py), which costs no interpreter
# start-up and no second import of pandas, DuckDB and the optimiser.
@pytest.mark.process
def test_import_of_a_good_file_exits_0_and_says_how_many_rows(store_copy, tmp_path):
    good = tmp_path / "new.csv"
    good.write_text(PROJECTS + "P-900,New,proposed,2027-01-01,2027-12-31,5000,0.4\n")
    done = run_cli_process("import", "--db", str(store_copy), "--by", "ana", "projects", str(good))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"imported {good} into projects: 1 row: 1 new, 0 updated"
    con = store.connect(store_copy, read_only=True)
    assert con.execute("SELECT imported_by, status FROM import_log").fetchall() == [("ana", "accepted")]
    con.close()


@pytest.mark.process
def test_import_of_a_bad_file_exits_2_with_every_problem_on_stderr(store_copy, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        PROJECTS + "P-900,,proposed,2027-01-01,2026-12-31,5000,0.4\nP-901,Ok,later,2027-01-01,2027-12-31,x,2\n"
    )
    done = run_cli_process("import", "--db", str(store_copy), "projects", str(bad))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "bad.csv:2:name: is empty; a value is required",
        'bad.csv:2:end_date: "2026-12-31" must be on or after start_date',
        'bad.csv:3:stage: "later" must be one of proposed, approved, active, on_hold, completed, cancelled',
        'bad.csv:3:budget: "x" is not a number such as 1250.5',
        'bad.csv:3:probability_of_success: "2" must be between 0 and 1',
        f"rejected: {bad} was not imported; the store is unchanged",
    ]


def test_import_into_a_folder_that_does_not_exist_exits_2_with_a_sentence(tmp_path):
    good = tmp_path / "new.csv"
    good.write_text(PROJECTS)
    done = run_cli("import", "--db", str(tmp_path / "nowhere" / "s.duckdb"), "--create", "projects", str(good))
    assert done.returncode == 2
    assert done.stderr.startswith("error: Cannot create a store at")


@pytest.mark.parametrize("command", [["import", "projects", "FILE"], ["export", "--out", "OUT"]])
def test_a_missing_store_is_refused_unless_create_is_given(tmp_path, command):
    # A mistyped --db (or QUARTERDECK_DB) used to create an empty store without a word (issue 16, case 2).
    good = tmp_path / "new.csv"
    good.write_text(PROJECTS + "P-900,New,proposed,2027-01-01,2027-12-31,5000,0.4\n")
    args = [str(good) if a == "FILE" else str(tmp_path / "out") if a == "OUT" else a for a in command]
    missing = tmp_path / "typo.duckdb"
    done = run_cli(args[0], "--db", str(missing), *args[1:])
    assert done.returncode == 2
    assert done.stderr == (
        f"error: There is no store at {missing}: check the path, build the demo there with "
        f"`python -m analytics demo --db {missing}`, or add --create to start an empty store.\n"
    )
    assert not missing.exists()
    created = run_cli(args[0], "--db", str(missing), "--create", *args[1:])
    assert created.returncode == 0, created.stderr
    assert missing.exists()


def test_demo_over_a_store_another_process_holds_exits_2_naming_it(store_copy):
    before = store_copy.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(store_copy)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        done = run_cli("demo", "--db", str(store_copy))
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"error: The store {store_copy} is open in another process (")
    assert f"PID {holder.pid}), so it was not rebuilt" in line
    assert store_copy.read_bytes() == before


@pytest.mark.parametrize("how", DAMAGE)
@pytest.mark.parametrize("command", ["import", "export", "demo-check"])
def test_a_damaged_store_is_one_sentence_and_exit_2_not_a_traceback(demo_store_path, tmp_path, how, command):
    path = damaged_copy(demo_store_path, tmp_path / "damaged.duckdb", how)
    good = tmp_path / "new.csv"
    good.write_text(PROJECTS + "P-900,New,proposed,2027-01-01,2027-12-31,5000,0.4\n")
    if command == "import":
        done = run_cli("import", "--db", str(path), "projects", str(good))
    elif command == "export":
        done = run_cli("export", "--db", str(path), "--out", str(tmp_path / "out"))
    else:  # the fix the sentence gives works: the damaged file is replaced by a whole demo store
        assert run_cli("demo", "--db", str(path)).returncode == 0
        con = store.connect(path, read_only=True)
        try:
            assert con.execute("SELECT count(*) FROM projects").fetchone()[0] == 64
        finally:
            con.close()
        return
    assert done.returncode == 2
    assert done.stderr == (
        f"error: The store {path} is damaged: restore a backup, or rebuild it with "
        f"`python -m analytics demo --db {path}`.\n"
    )


def test_a_damaged_block_found_mid_export_is_the_same_sentence(demo_store_path, tmp_path):
    path = block_corrupted_copy(demo_store_path, tmp_path / "block.duckdb")
    done = run_cli("export", "--db", str(path), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: The store {path} is damaged: restore a backup")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_export_writes_every_table(store_copy, tmp_path, fmt):
    out = tmp_path / "out"
    done = run_cli("export", "--db", str(store_copy), "--out", str(out), "--format", fmt)
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in out.iterdir())
    expected = ["quarterdeck.xlsx"] if fmt == "xlsx" else sorted(f"{t}.{fmt}" for t in store.CONTRACT_TABLES)
    assert written == expected
    assert done.stdout.strip() == f"wrote {len(expected)} files to {out}"


# The import runs for real, then the process kills itself the moment the rows are written and before the
# transaction commits: a deterministic stand-in for a power cut or `kill -9` in the middle of a big import.
KILLED_IMPORT = textwrap.dedent(
    """
    import os, signal, sys
    from analytics import ingest
    from analytics.ingest import importer

    write_rows = importer._upsert

    def write_then_die(*args, **kwargs):
        write_rows(*args, **kwargs)
        print("written; store file bytes", size_before, os.path.getsize(sys.argv[1]), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    size_before = os.path.getsize(sys.argv[1])

    importer._upsert = write_then_die
    ingest.import_file(sys.argv[1], sys.argv[2], sys.argv[3])
    """
)


@pytest.mark.process
@pytest.mark.parametrize("rows", [5, 300_000])
def test_a_process_killed_inside_the_import_transaction_leaves_the_store_as_it_was(store_copy, tmp_path, rows):
    # 300,000 rows are enough for DuckDB to write blocks to the file before the commit, the case to worry about.
    source = tmp_path / "kpi.csv"
    with open(source, "w") as handle:
        handle.write("product_id,metric,date,value\n")
        con = store.connect(store_copy, read_only=True)
        products = [r[0] for r in con.execute("SELECT product_id FROM products ORDER BY 1").fetchall()]
        metrics = [r[0] for r in con.execute("SELECT metric FROM kpi_definitions ORDER BY 1").fetchall()]
        con.close()
        combos = [(p, m) for p in products for m in metrics]
        first_day = date(1900, 1, 1)  # the earliest date an import takes
        for i in range(rows):
            product, metric = combos[i % len(combos)]
            handle.write(f"{product},{metric},{first_day + timedelta(days=i // len(combos))},{i}\n")
    before = tables_as_csv(store_copy, tmp_path / "before")
    script = tmp_path / "killed_import.py"
    script.write_text(KILLED_IMPORT)
    done = subprocess.run(
        [sys.executable, str(script), str(store_copy), "kpi_history", str(source)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert done.stdout.startswith("written"), "the rows were written inside the transaction before the kill"
    size_before, size_at_kill = (int(n) for n in done.stdout.split()[-2:])
    if rows > 100_000:  # the case to worry about: uncommitted rows already in the file when the process died
        assert size_at_kill > size_before
    assert tables_as_csv(store_copy, tmp_path / "after") == before
    con = store.connect(store_copy, read_only=True)
    assert con.execute("SELECT count(*) FROM import_log").fetchall() == [(0,)]
    con.close()
    # And the store takes the same import normally afterwards.
    assert ingest.import_file(store_copy, "kpi_history", source).accepted
