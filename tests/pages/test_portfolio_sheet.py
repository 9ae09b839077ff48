"""The portfolio sheet on /data in AppTest: from an empty store, a sheet's dry-run shows its mapping and first rows,
Import writes it and the what-if page opens on it; a bad sheet lists its problems, offers no Import, writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import store
from analytics.portfolio_sheet import template_xlsx
from tests.apptest import open_page, problems

PAGE = "pages/data.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = (
    "Number,Short description,State,Planned start date,Planned end date,Planned cost,Planned benefit,fte_T-DATA\n"
    "PRJ1,Data platform,Work in Progress,2026-01-05,2026-06-30,120000,360000,2\n"
    "PRJ2,Mobile app,Pending,2026-04-01,2027-03-31,100000,240000,1\n"
)


@pytest.fixture
def empty_store(tmp_path):
    path = tmp_path / "empty.duckdb"
    store.connect(path).close()
    return path


def count(path, table: str) -> int:
    con = store.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # noqa: S608
    finally:
        con.close()


def frame_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_a_sheet_into_an_empty_store_then_the_what_if_page(monkeypatch, empty_store):
    at = open_page(monkeypatch, empty_store, PAGE)
    assert not problems(at), problems(at)
    at.file_uploader(key="sheet_upload").set_value(("servicenow.csv", SHEET.encode(), "text/csv"))
    at.run()
    assert not problems(at), problems(at)
    mapping = frame_with(at, "status").set_index("column")
    assert mapping.loc["Planned cost", "field"] == "cost" and mapping.loc["Planned cost", "alias"] == "Planned cost"
    assert list(frame_with(at, "stage")["project_id"]) == ["PRJ1", "PRJ2"]
    assert count(empty_store, "projects") == 0
    saved = Path(at.session_state["_sheet_saved"][1])
    assert saved.exists() and saved.parent.name.startswith("quarterdeck-upload-")  # swept by the importer's sweep
    at.button(key="sheet_import").click()
    at.run()
    assert not problems(at), problems(at)
    assert any("Imported:" in s.value for s in at.success)
    assert not saved.parent.exists()  # the upload's copy goes when the import ends
    assert count(empty_store, "projects") == 2 and count(empty_store, "project_demand") == 18
    at.switch_page("pages/what-if.py")
    at.run()
    assert not problems(at), problems(at)


def test_the_template_uploads_clean(monkeypatch, empty_store):
    at = open_page(monkeypatch, empty_store, PAGE)
    at.file_uploader(key="sheet_upload").set_value(("portfolio-template.xlsx", template_xlsx(), XLSX))
    at.run()
    assert not problems(at), problems(at)
    assert at.button(key="sheet_import").label == "Import 1 project"


def test_a_bad_sheet_lists_its_problems_and_offers_no_import(monkeypatch, empty_store):
    at = open_page(monkeypatch, empty_store, PAGE)
    bad = SHEET.replace("2026-06-30", "2025-06-30")
    at.file_uploader(key="sheet_upload").set_value(("bad.csv", bad.encode(), "text/csv"))
    at.run()
    assert not problems(at), problems(at)
    found = frame_with(at, "problem")
    assert found.iloc[0].tolist() == [2, "Planned end date", "end 2025-06-30 is before start 2026-01-05"]
    assert not [b for b in at.button if b.key == "sheet_import"]
    assert count(empty_store, "projects") == 0
