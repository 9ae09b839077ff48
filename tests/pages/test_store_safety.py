"""The app on a store that is misconfigured, replaced, removed, foreign or damaged (issue 16, cases 1, 2, 5, 9),
in-process with AppTest: a sentence saying what happened and what to do, never a traceback, never a save confirmed
that is not in the file on disk."""

from __future__ import annotations

import logging
import os
import shutil
import time

import duckdb
import pytest

from analytics import store, text
from tests.apptest import metric_values, problems
from tests.apptest import open_page as open_bare
from tests.damaged import DAMAGE, damaged_copy
from ui import shell

DATA = "pages/data.py"
WHAT_IF = "pages/what-if.py"
PAGES = [None, "pages/product.py", "pages/portfolio.py", WHAT_IF, "pages/scenarios.py", DATA]
GENERIC = "This view could not be drawn"


@pytest.fixture
def store_copy(demo_store_path, tmp_path):
    path = tmp_path / "app.duckdb"
    shutil.copyfile(demo_store_path, path)
    return path


def open_page(monkeypatch, store_path, page=None, query=None):
    """Open a page as a browser's first request does: framed by app.py (sidebar, sentences for errors).

    AppTest starts every session in Streamlit's pages/ folder mode, where only the process's first deep link is
    routed through app.py (``shell.ensure_framed``); this makes each page view here such a first one, as every
    view of a served app is framed.
    """
    monkeypatch.setattr(shell, "_ROUTED_TO_APP", False)
    return open_bare(monkeypatch, store_path, page, query)


def on_disk(path, sql: str) -> list[tuple]:
    """What the file at ``path`` (and its WAL) holds now: read from a copy, since this process's DuckDB may still
    hold the path's previous file open under the same name."""
    copy = path.with_name("on-disk-" + path.name)
    shutil.copyfile(path, copy)
    wal = path.with_name(path.name + ".wal")  # committed writes the app has not checkpointed yet
    if wal.exists():
        shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
    con = duckdb.connect(str(copy))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
        copy.unlink()
        copy.with_name(copy.name + ".wal").unlink(missing_ok=True)


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def sidebar_errors(at) -> list[str]:
    return [e.value for e in at.sidebar.error]


# ------------------------------------------------------------------------------------------------ case 1


def write_bad_setting(path, key: str, value: str) -> None:
    con = store.connect(path)
    con.execute("UPDATE settings SET value = ? WHERE key = ?", [value, key])
    con.close()


def test_a_bad_stored_setting_leaves_the_data_page_working_and_its_import_fixes_it(monkeypatch, store_copy):
    write_bad_setting(store_copy, "fiscal_year_start_month", "1.5")
    # Shown as text: the sentence carries a stored value, escaped for Markdown.
    sentence = text.markdown(str(store.SettingsError("fiscal_year_start_month", "1.5")))
    at = open_page(monkeypatch, store_copy, DATA)
    assert not at.exception
    assert sidebar_errors(at) == [sentence]
    assert not [e for e in errors(at) if GENERIC in e]
    assert metric_values(at)["Open store"] == "app.duckdb"
    # The import that fixes it is right there.
    at.selectbox(key="table").set_value("settings")
    at.run()
    at.file_uploader(key="upload").set_value(("settings.csv", b"key,value\nfiscal_year_start_month,1\n", "text/csv"))
    at.run()
    at.button(key="import").click()
    at.run()
    assert not at.exception
    assert any("Imported 1 row" in s.value for s in at.success)
    # Every session, this one's next page included, reads the settings again.
    fixed = open_page(monkeypatch, store_copy)
    assert not problems(fixed) and sidebar_errors(fixed) == []
    assert "**Halyard Software**" in [m.value for m in fixed.sidebar.markdown]


@pytest.mark.parametrize("page", [p for p in PAGES if p != DATA])
def test_the_other_pages_say_the_bad_setting_instead_of_failing(monkeypatch, store_copy, page):
    write_bad_setting(store_copy, "as_of", "2026-10-15 13:00:00")
    sentence = text.markdown(str(store.SettingsError("as_of", "2026-10-15 13:00:00")))
    at = open_page(monkeypatch, store_copy, page)
    assert not at.exception
    assert sidebar_errors(at) == [sentence]
    assert set(errors(at)) <= {sentence}, errors(at)


# ------------------------------------------------------------------------------------------------ case 2


def settled(at, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while any("proving the optimum" in i.value for i in at.info) and time.monotonic() < deadline:
        time.sleep(0.2)
        at.run()
    return at


def test_a_save_into_a_store_replaced_meanwhile_is_not_confirmed(monkeypatch, store_copy, demo_store_path):
    at = settled(open_page(monkeypatch, store_copy, WHAT_IF, {"tab": "Save as scenario"}))
    assert not problems(at)
    at.text_input[0].input("Board: budget as planned")
    # Someone rebuilds or restores the store by renaming another file over it while the page is open.
    replacement = store_copy.with_name("replacement.duckdb")
    shutil.copyfile(demo_store_path, replacement)
    os.replace(replacement, store_copy)
    [save] = [b for b in at.button if b.label == "Save scenario"]
    monkeypatch.setattr(shell, "_ROUTED_TO_APP", False)  # this run framed too, as in a served app
    save.click().run()
    assert not at.exception
    assert not any("Saved" in s.value for s in at.success)
    assert [e for e in errors(at) if text.markdown(f"The store {store_copy} was replaced by another file") in e]
    assert on_disk(store_copy, "SELECT count(*) FROM scenarios") == [(0,)]
    # Reloading opens the new file, and a save there is kept.
    at = settled(open_page(monkeypatch, store_copy, WHAT_IF, {"tab": "Save as scenario"}))
    assert not problems(at)
    at.text_input[0].input("Board: budget as planned")
    [save] = [b for b in at.button if b.label == "Save scenario"]
    save.click().run()
    assert any("Saved" in s.value for s in at.success)
    assert on_disk(store_copy, "SELECT name FROM scenarios") == [("Board: budget as planned",)]


@pytest.mark.parametrize("then", ["replaced", "removed"])
def test_a_write_that_lands_in_a_file_replaced_or_removed_meanwhile_is_not_confirmed(
    monkeypatch, store_copy, demo_store_path, then
):
    # The page's check before the write passed; the file changes while the write runs.
    from ui import data

    at = open_page(monkeypatch, store_copy)
    assert not problems(at)
    replacement = store_copy.with_name("replacement.duckdb")
    shutil.copyfile(demo_store_path, replacement)

    def add_team_then_lose_the_file(cursor):
        cursor.execute("INSERT INTO teams VALUES ('T-LOST', 'Lost', 'x')")
        if then == "replaced":
            os.replace(replacement, store_copy)
        else:
            store_copy.unlink()

    error = data.StoreReplacedError if then == "replaced" else data.StoreRemovedError
    with pytest.raises(error, match="this change was not saved"):
        data.write(add_team_then_lose_the_file)
    if then == "replaced":
        assert on_disk(store_copy, "SELECT count(*) FROM teams WHERE team_id = 'T-LOST'") == [(0,)]
    else:
        assert not store_copy.exists()


def test_a_store_removed_while_served_is_said_and_not_recreated(monkeypatch, store_copy):
    at = open_page(monkeypatch, store_copy, DATA)
    assert not problems(at)
    store_copy.unlink()
    for page in PAGES:  # reloading, or any other page
        at = open_page(monkeypatch, store_copy, page)
        assert not at.exception
        [error] = errors(at)
        assert error.startswith(text.markdown(f"The store {store_copy} was removed while the app served it"))
    assert not store_copy.exists()


def test_a_missing_store_from_the_environment_is_created_and_the_sidebar_says_so(monkeypatch, tmp_path, caplog):
    path = tmp_path / "typo.duckdb"
    with caplog.at_level(logging.WARNING, logger="quarterdeck"):
        at = open_page(monkeypatch, path)
    assert not problems(at)
    [warning] = [w.value for w in at.sidebar.warning]
    assert f"There was no store at `{path}`, so a new, empty one was created there" in warning
    assert f"There was no store at {path}: created a new, empty one there." in caplog.messages
    assert path.exists()


def test_a_store_that_exists_says_nothing_about_creating_one(monkeypatch, store_copy):
    at = open_page(monkeypatch, store_copy)
    assert not problems(at) and not at.sidebar.warning


def test_rebuilding_the_demo_on_the_data_page_refuses_a_store_another_process_holds(monkeypatch, store_copy):
    import subprocess
    import sys

    demo_path = store_copy.with_name("demo.duckdb")
    shutil.copyfile(store_copy, demo_path)
    before = demo_path.read_bytes()
    hold = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(demo_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        at = open_page(monkeypatch, store_copy, DATA)
        at.checkbox(key="confirm_rebuild").check()
        at.run()
        at.button(key="rebuild_demo").click()
        at.run()
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert not at.exception
    [error] = errors(at)
    assert f"PID {holder.pid}), so it was not rebuilt" in error
    assert metric_values(at)["Open store"] == "app.duckdb"
    assert demo_path.read_bytes() == before


# ------------------------------------------------------------------------------------------------ case 5


def test_opening_a_duckdb_file_that_is_not_a_store_is_refused_for_every_session(monkeypatch, store_copy):
    foreign = store_copy.with_name("orders.duckdb")
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE orders (order_id INTEGER, total DOUBLE)")
    con.close()
    before = foreign.read_bytes()
    at = open_page(monkeypatch, store_copy, DATA)
    at.selectbox(key="other_store").set_value(foreign)
    at.run()
    at.button(key="open_store").click()
    at.run()
    assert not at.exception
    [error] = errors(at)
    assert error.startswith(f"{foreign} is a DuckDB file but not a Quarterdeck store")
    assert "QUARTERDECK_DB" not in error
    assert metric_values(at)["Open store"] == "app.duckdb"
    assert foreign.read_bytes() == before
    # Another session still serves the store it had.
    other = open_page(monkeypatch, store_copy, DATA)
    assert not problems(other) and metric_values(other)["Open store"] == "app.duckdb"


# ------------------------------------------------------------------------------------------------ case 9


@pytest.mark.parametrize("how", DAMAGE)
@pytest.mark.parametrize("page", PAGES)
def test_a_damaged_store_is_one_sentence_on_every_page(monkeypatch, demo_store_path, tmp_path, how, page):
    path = damaged_copy(demo_store_path, tmp_path / "damaged.duckdb", how)
    monkeypatch.setenv("QUARTERDECK_DB", str(path))
    at = open_page(monkeypatch, path, page)
    assert not at.exception
    assert errors(at) == [
        text.markdown(
            f"The store {path} is damaged: restore a backup, or rebuild it with `python -m analytics demo --db {path}`."
        )
    ]
