"""The /data page in AppTest: a bad upload shows its problems and changes nothing; a good one changes the counts;
new and rebuilt stores; an empty store; presentation mode."""

from __future__ import annotations

import re
import shutil

import pytest

from analytics import ingest, store
from tests.apptest import metric_values, open_page, problems

PAGE = "pages/data.py"
HEADER = "project_id,name,stage,start_date,end_date,budget,probability_of_success\n"


@pytest.fixture
def store_copy(demo_store_path, tmp_path):
    # The page writes (imports, new stores), so each test gets its own store in its own folder.
    path = tmp_path / "app.duckdb"
    shutil.copyfile(demo_store_path, path)
    return path


def table_rows(path, table: str) -> list[tuple]:
    # Read-write like the app in this same process: DuckDB refuses a second configuration of an open file.
    con = store.connect(path)
    try:
        return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()  # noqa: S608
    finally:
        con.close()


def upload_and_import(at, name: str, content: bytes):
    at.file_uploader(key="upload").set_value((name, content, "text/csv"))
    at.run()
    assert not problems(at), problems(at)
    at.button(key="import").click()
    at.run()
    return at


def dataframe_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_the_page_opens_with_counts_the_upload_limit_and_no_file_yet(monkeypatch, store_copy):
    at = open_page(monkeypatch, store_copy, PAGE)
    assert not problems(at)
    tiles = metric_values(at)
    assert tiles["Open store"] == "app.duckdb"
    assert tiles["Tables with data"] == "18 of 23"  # the demo has no scenarios, imports, decisions or role grants yet
    assert tiles["Last import"] == "none yet"
    assert at.selectbox(key="table").value == "projects"
    limit = at.file_uploader(key="upload").label
    assert limit == "CSV or Excel file, up to 200 MB"  # .streamlit/config.toml: server.maxUploadSize = 200
    assert any("No file chosen yet" in i.value for i in at.info)
    overview = dataframe_with(at, "rows").set_index("table")
    assert overview.loc["projects", "rows"] == 64


def test_a_bad_upload_lists_its_problems_beside_the_preview_and_changes_nothing(monkeypatch, store_copy):
    before = {t: table_rows(store_copy, t) for t in store.CONTRACT_TABLES if t != "import_log"}
    at = open_page(monkeypatch, store_copy, PAGE)
    bad = HEADER + "P-900,,proposed,2027-01-01,2026-12-31,5000,0.4\nP-901,Ok,later,2027-01-01,2027-12-31,x,0.5\n"
    upload_and_import(at, "bad.csv", bad.encode())
    found = dataframe_with(at, "problem")
    assert found.to_dict("records") == [
        {"row": 2, "column": "name", "problem": "is empty; a value is required"},
        {"row": 2, "column": "end_date", "problem": '"2026-12-31" must be on or after start_date'},
        {
            "row": 3,
            "column": "stage",
            "problem": '"later" must be one of proposed, approved, active, on_hold, completed, cancelled',
        },
        {"row": 3, "column": "budget", "problem": '"x" is not a number such as 1250.5'},
    ]
    preview = dataframe_with(at, "line")
    assert list(preview["line"]) == [2, 3] and list(preview["project_id"]) == ["P-900", "P-901"]
    assert any("Not imported: 4 problems in bad.csv" in w.value for w in at.warning)
    assert {t: table_rows(store_copy, t) for t in before} == before
    assert [r[6] for r in table_rows(store_copy, "import_log")] == ["rejected"]
    last_import = next(m for m in at.metric if m.label == "Last import")
    assert re.fullmatch(r"\d{2} [A-Z][a-z]{2} \d{2}:\d{2}", last_import.value), last_import.value
    assert last_import.delta == "projects · rejected"


def test_a_good_upload_changes_the_counts(monkeypatch, store_copy):
    at = open_page(monkeypatch, store_copy, PAGE)
    rows_before = int(metric_values(at)["Rows"].replace(",", ""))
    good = (
        HEADER + "P-900,New,proposed,2027-01-01,2027-12-31,5000,0.4\nP-901,Two,proposed,2027-01-01,2027-12-31,1,0.5\n"
    )
    upload_and_import(at, "good.csv", good.encode())
    assert not problems(at)
    assert any("Imported 2 rows from good.csv into projects (2 new, 0 updated)" in s.value for s in at.success)
    # Two projects and one import_log row more, on the rerun right after the import.
    assert int(metric_values(at)["Rows"].replace(",", "")) == rows_before + 3
    overview = dataframe_with(at, "rows").set_index("table")
    assert overview.loc["projects", "rows"] == 66
    assert (overview.loc["projects", "file"], overview.loc["projects", "status"]) == ("good.csv", "accepted")


def test_an_excel_upload_into_another_table(monkeypatch, store_copy, tmp_path):
    at = open_page(monkeypatch, store_copy, PAGE)
    at.selectbox(key="table").set_value("teams")
    at.run()
    template = ingest.template_xlsx("teams")
    at.file_uploader(key="upload").set_value(("teams.xlsx", template, "application/vnd.ms-excel"))
    at.run()
    at.button(key="import").click()
    at.run()
    assert not problems(at)
    assert ("T-DATA", "Data platform", "data engineering") in table_rows(store_copy, "teams")


def test_start_an_empty_store_then_rebuild_the_demo(monkeypatch, store_copy):
    at = open_page(monkeypatch, store_copy, PAGE)
    at.text_input(key="new_store_name").input("acme")
    at.run()
    at.button(key="create_store").click()
    at.run()
    assert not problems(at)
    tiles = metric_values(at)
    assert tiles["Open store"] == "acme.duckdb" and tiles["Rows"] == "0"
    assert (store_copy.parent / "acme.duckdb").exists()
    # The empty store still renders: the sidebar, the tiles and the (empty) tables; no demo there to replace yet.
    assert at.button(key="rebuild_demo").disabled is False
    at.button(key="rebuild_demo").click()
    at.run()
    assert not problems(at)
    assert metric_values(at)["Open store"] == "demo.duckdb"
    assert metric_values(at)["Tables with data"] == "18 of 23"
    assert len(table_rows(store_copy.parent / "demo.duckdb", "projects")) == 64
    # The store the app started on is untouched and can be opened again.
    at.selectbox(key="other_store").set_value(store_copy)
    at.run()
    at.button(key="open_store").click()
    at.run()
    assert metric_values(at)["Open store"] == "app.duckdb"


def test_rebuilding_an_existing_demo_asks_first_then_replaces_it(monkeypatch, tmp_path, demo_store_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_store_path, path)
    risks_in_demo = len(table_rows(path, "risks"))
    con = store.connect(path)
    con.execute("DELETE FROM risks")  # a change of the user's that the rebuild must undo
    con.close()
    at = open_page(monkeypatch, path, PAGE)
    assert dataframe_with(at, "rows").set_index("table").loc["risks", "rows"] == 0
    assert at.button(key="rebuild_demo").disabled is True
    at.checkbox(key="confirm_rebuild").check()
    at.run()
    at.button(key="rebuild_demo").click()
    at.run()
    assert not problems(at)
    assert metric_values(at)["Open store"] == "demo.duckdb"
    assert at.checkbox(key="confirm_rebuild").value is False
    assert at.button(key="rebuild_demo").disabled is True
    assert dataframe_with(at, "rows").set_index("table").loc["risks", "rows"] == risks_in_demo > 0


def test_a_bad_store_name_is_a_sentence_not_a_traceback(monkeypatch, store_copy):
    at = open_page(monkeypatch, store_copy, PAGE)
    at.text_input(key="new_store_name").input("../etc")
    at.run()
    at.button(key="create_store").click()
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "'../etc' cannot name a store: use letters, digits, - and _ (up to 64), starting with a letter or digit."
    ]


def test_the_page_works_on_an_empty_store(monkeypatch, tmp_path):
    path = store.create_empty_store(tmp_path / "empty.duckdb")
    at = open_page(monkeypatch, path, PAGE)
    assert not problems(at)
    assert metric_values(at)["Tables with data"] == "0 of 23"


def test_presentation_mode_keeps_import_and_export_but_not_store_management(monkeypatch, store_copy):
    at = open_page(monkeypatch, store_copy, PAGE, query={"present": "1"})
    assert not problems(at)
    assert at.file_uploader(key="upload").label == "CSV or Excel file, up to 200 MB"
    assert [s.value for s in at.subheader] == [
        "Import a file",
        "Import the whole portfolio from one sheet",
        "Tables in this store",
    ]
    assert not [b for b in at.button if b.key in ("open_store", "create_store", "rebuild_demo")]


@pytest.fixture
def temp_folder(tmp_path, monkeypatch):
    """The system's temporary folder, for this test alone, so the upload folders in it can be counted."""
    import tempfile

    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def upload_folders(folder) -> list[str]:
    return sorted(p.name for p in folder.glob("quarterdeck-upload-*"))


def test_an_uploaded_copy_is_deleted_when_its_import_ends_accepted_or_not(monkeypatch, store_copy, temp_folder):
    import os
    import time

    stale = temp_folder / "quarterdeck-upload-stale"
    stale.mkdir()
    (stale / "upload.csv").write_text("left by a server that died mid-import")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(stale, (two_days_ago, two_days_ago))
    in_flight = temp_folder / "quarterdeck-upload-busy"  # another session's import, going on now
    in_flight.mkdir()
    at = open_page(monkeypatch, store_copy, PAGE)
    good = HEADER + "P-900,New,proposed,2027-01-01,2027-12-31,5000,0.4\n"
    upload_and_import(at, "good.csv", good.encode())
    assert any("Imported 1 row from good.csv" in s.value for s in at.success)
    assert upload_folders(temp_folder) == ["quarterdeck-upload-busy"]
    bad = HEADER + "P-901,,proposed,2027-01-01,2027-12-31,5000,0.4\n"
    upload_and_import(at, "bad.csv", bad.encode())
    assert any("Not imported: 1 problem in bad.csv" in w.value for w in at.warning)
    assert upload_folders(temp_folder) == ["quarterdeck-upload-busy"]
    # The preview is drawn from the upload in memory: still there, with no file written for it.
    assert list(dataframe_with(at, "line")["project_id"]) == ["P-901"]


def test_one_problem_is_one_problem(monkeypatch, store_copy):
    at = open_page(monkeypatch, store_copy, PAGE)
    upload_and_import(at, "one.csv", (HEADER + "P-901,,proposed,2027-01-01,2027-12-31,5000,0.4\n").encode())
    assert "**1 problem**: nothing was imported" in [m.value for m in at.markdown]
    assert any("Not imported: 1 problem in one.csv" in w.value for w in at.warning)


def test_a_utf16_upload_gets_one_sentence(monkeypatch, store_copy):
    at = open_page(monkeypatch, store_copy, PAGE)
    text = HEADER + "P-900,New,proposed,2027-01-01,2027-12-31,5000,0.4\n"
    upload_and_import(at, "unicode.csv", text.encode("utf-16"))
    assert dataframe_with(at, "problem").to_dict("records") == [
        {
            "row": 1,
            "column": "-",
            "problem": "is encoded as UTF-16 LE (its byte-order mark), not UTF-8: save it as CSV UTF-8 "
            "(in Excel: Save As, CSV UTF-8) and import that file",
        }
    ]
