"""The store's file (issue 16, cases 2, 5 and 9): a damaged file is one sentence, a DuckDB file that is not a store
is refused untouched, and the demo is rebuilt only over a free store, atomically, its WAL included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from analytics import demo, store
from tests.damaged import DAMAGE, block_corrupted_copy, damaged_copy


def damaged_sentence(path: Path) -> str:
    return f"The store {path} is damaged: restore a backup, or rebuild it with `python -m analytics demo --db {path}`."


@pytest.mark.parametrize("how", DAMAGE)
@pytest.mark.parametrize("read_only", [False, True])
def test_a_damaged_store_is_one_sentence_whichever_way_it_is_opened(demo_store_path, tmp_path, how, read_only):
    path = damaged_copy(demo_store_path, tmp_path / "damaged.duckdb", how)
    with pytest.raises(store.StoreDamagedError) as info:
        store.connect(path, read_only=read_only)
    assert str(info.value) == damaged_sentence(path)
    assert isinstance(info.value, store.StoreError)


def test_a_damaged_block_found_by_a_query_is_the_same_sentence(demo_store_path, tmp_path):
    path = block_corrupted_copy(demo_store_path, tmp_path / "block.duckdb")
    con = store.connect(path)  # the header and catalogue still read
    try:
        with pytest.raises(store.StoreDamagedError) as info, store.reporting_damage(path):
            for table in store.CONTRACT_TABLES:
                con.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
    finally:
        con.close()
    assert str(info.value) == damaged_sentence(path)


def test_other_errors_pass_through_the_damage_report(empty_con, tmp_path):
    with pytest.raises(duckdb.CatalogException), store.reporting_damage(tmp_path / "empty.duckdb"):
        empty_con.execute("SELECT * FROM no_such_table")


def foreign_duckdb_file(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE orders (order_id INTEGER, total DOUBLE)")
    con.execute("CREATE TABLE settings (k TEXT, v TEXT)")  # a name a store also uses, with other columns
    con.execute("INSERT INTO orders VALUES (1, 9.5)")
    con.close()
    return path


def tables_of(path: Path) -> list[str]:
    # A copy, so that no connection of this process to the original interferes.
    copy = path.with_name("inspect-" + path.name)
    copy.write_bytes(path.read_bytes())
    con = duckdb.connect(str(copy), read_only=True)
    try:
        return sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall())
    finally:
        con.close()
        copy.unlink()


@pytest.mark.parametrize("read_only", [False, True])
def test_a_duckdb_file_that_is_not_a_store_is_refused_and_left_as_it_was(tmp_path, read_only):
    path = foreign_duckdb_file(tmp_path / "orders.duckdb")
    with pytest.raises(store.NotAStoreError) as info:
        store.connect(path, read_only=read_only)
    message = str(info.value)
    assert message.startswith(f"{path} is a DuckDB file but not a Quarterdeck store")
    assert "QUARTERDECK_DB" not in message and "\n" not in message
    assert tables_of(path) == ["orders", "settings"]


def test_an_empty_duckdb_file_becomes_a_store(tmp_path):
    path = tmp_path / "blank.duckdb"
    duckdb.connect(str(path)).close()
    store.connect(path).close()
    assert "store_meta" in tables_of(path)


def test_file_identity_names_the_file_a_path_points_at(tmp_path):
    path = store.create_empty_store(tmp_path / "a.duckdb")
    first = store.file_identity(path)
    assert first == (os.stat(path).st_dev, os.stat(path).st_ino)
    store.create_empty_store(tmp_path / "b.duckdb")
    os.replace(tmp_path / "b.duckdb", path)
    assert store.file_identity(path) not in (None, first)
    path.unlink()
    assert store.file_identity(path) is None


# ------------------------------------------------------------------------------------------------ rebuilding


HOLD = (
    "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro'); "
    "print('ready', flush=True); sys.stdin.read()"
)


class Holder:
    """Another process holding a store open, as the app does while it serves it."""

    def __init__(self, path: Path, mode: str = "rw"):
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(path), mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout.readline().strip() == "ready"

    def __enter__(self) -> subprocess.Popen:
        return self.process

    def __exit__(self, *exc) -> None:
        self.process.stdin.close()
        self.process.wait(10)


@pytest.mark.parametrize("mode", ["rw", "ro"])
def test_the_demo_is_not_rebuilt_over_a_store_another_process_holds(tmp_path, mode):
    path = store.create_empty_store(tmp_path / "served.duckdb")
    before = (store.file_identity(path), path.read_bytes())
    with Holder(path, mode) as holder, pytest.raises(store.StoreError) as info:
        demo.build_demo(path)
    message = str(info.value)
    assert f"PID {holder.pid}" in message and "not rebuilt" in message and "\n" not in message
    assert (store.file_identity(path), path.read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["served.duckdb"]


def test_a_rebuild_replaces_the_file_atomically_and_drops_the_old_wal(tmp_path):
    path = store.create_empty_store(tmp_path / "s.duckdb")
    # A write the old store never checkpointed: a process that died after committing leaves it in the WAL.
    died = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb, os, sys; c = duckdb.connect(sys.argv[1]);"
            " c.execute('PRAGMA disable_checkpoint_on_shutdown');"
            " c.execute(\"INSERT INTO teams VALUES ('T-OLD', 'Old', 'x')\"); os._exit(0)",
            str(path),
        ],
        check=True,
    )
    assert died.returncode == 0 and path.with_name("s.duckdb.wal").exists()
    old = store.file_identity(path)
    demo.build_demo(path)
    assert store.file_identity(path) != old  # a new file renamed into place, not the old one rewritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.duckdb"]
    con = store.connect(path, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM teams WHERE team_id = 'T-OLD'").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM projects").fetchone()[0] == 64
    finally:
        con.close()


def test_a_rebuild_that_fails_leaves_the_old_store_in_place(tmp_path, monkeypatch):
    path = store.create_empty_store(tmp_path / "s.duckdb")
    before = path.read_bytes()

    def broken(size, seed):
        raise RuntimeError("generator broke")

    monkeypatch.setattr(demo.build, "generate", broken)  # build_demo looks it up in its own module
    with pytest.raises(RuntimeError):
        demo.build_demo(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.duckdb"]


# The rebuild that the damage sentence advises, over each kind of damage, is
# tests/unit/test_cli.py::test_a_damaged_store_is_one_sentence_and_exit_2_not_a_traceback[demo-check-*]: the same
# four demo builds were run here a second time.
