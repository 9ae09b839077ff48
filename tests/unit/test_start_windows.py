"""Start windows in the data (issue 13, item 1): projects' earliest_start and latest_start through import and export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analytics import store
from analytics.ingest import export
from analytics.portfolio_sheet import import_sheet
from tests.ingest_files import load, write

PROJECTS = "project_id,name,stage,start_date,end_date,budget,probability_of_success,earliest_start,latest_start"


@pytest.fixture
def empty_store(tmp_path) -> Path:
    path = tmp_path / "store.duckdb"
    store.connect(path).close()
    return path


def windows(path: Path) -> list[tuple]:
    con = store.connect(path, read_only=True)
    try:
        return con.execute("SELECT project_id, earliest_start, latest_start FROM projects ORDER BY 1").fetchall()
    finally:
        con.close()


def test_windows_import_and_export_round_trip(empty_store, tmp_path):
    text = (
        f"{PROJECTS}\n"
        "P-1,One,proposed,2027-03-01,2027-08-31,100,0.5,2027-01-01,2027-06-01\n"
        "P-2,Two,approved,2027-03-15,2027-08-31,100,0.5,,2027-03-01\n"  # mid-month start: its month is in the window
        "P-3,Three,active,2026-01-01,2026-08-31,100,0.5,,\n"
    )
    result = load(empty_store, "projects", write(tmp_path, text))
    assert result.accepted, result.problems_as_lines()
    expected = [
        ("P-1", date(2027, 1, 1), date(2027, 6, 1)),
        ("P-2", None, date(2027, 3, 1)),
        ("P-3", None, None),
    ]
    assert windows(empty_store) == expected
    out = tmp_path / "out"
    export.export_store(empty_store, out, "csv", tables=["projects"])
    again = tmp_path / "again.duckdb"
    store.connect(again).close()
    assert load(again, "projects", out / "projects.csv").accepted
    assert windows(again) == expected


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            "P-1,One,proposed,2027-03-01,2027-08-31,100,0.5,2027-01-15,",
            'f.csv:2:earliest_start: "2027-01-15" must be the first day of a month, e.g. 2026-10-01',
        ),
        (
            "P-1,One,proposed,2027-03-01,2027-08-31,100,0.5,,2027-05-02",
            'f.csv:2:latest_start: "2027-05-02" must be the first day of a month, e.g. 2026-10-01',
        ),
        (
            "P-1,One,proposed,2027-03-01,2027-08-31,100,0.5,2027-03-01,2027-02-01",
            'f.csv:2:latest_start: "2027-02-01" must be on or after earliest_start',
        ),
        (
            "P-1,One,proposed,2027-03-01,2027-08-31,100,0.5,2027-04-01,2027-06-01",
            'f.csv:2:earliest_start: "2027-04-01" must be on or before start_date',
        ),
        (
            "P-1,One,proposed,2027-03-01,2027-08-31,100,0.5,,2027-02-01",
            'f.csv:2:latest_start: "2027-02-01" must be on or after the first day of start_date\'s month',
        ),
    ],
)
def test_a_window_that_is_not_months_or_does_not_hold_the_start_is_rejected(empty_store, tmp_path, row, problem):
    result = load(empty_store, "projects", write(tmp_path, f"{PROJECTS}\n{row}\n"))
    assert problem in result.problems_as_lines()
    assert not result.accepted and windows(empty_store) == []


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ("2026-04-01,2026-06-01", "sheet.csv:2:earliest_start: earliest_start 2026-04-01 is after start 2026-03-01"),
        ("2026-01-01,2026-02-01", "sheet.csv:2:latest_start: latest_start 2026-02-01 is before start 2026-03-01"),
    ],
)
def test_the_portfolio_sheet_wants_the_start_inside_its_window(empty_store, tmp_path, cells, problem):
    con = store.connect(empty_store)
    try:
        path = write(
            tmp_path,
            f"project_id,name,start,end,earliest_start,latest_start\nP-9,Nine,2026-03-01,2026-06-30,{cells}\n",
            "sheet.csv",
        )
        result = import_sheet(con, path)
        assert not result.accepted
        assert any(line.startswith(problem) for line in result.problem_lines()), result.problem_lines()
        # The same window around the start imports, each end as its month.
        ok = write(
            tmp_path,
            "project_id,name,start,end,earliest_start,latest_start\nP-9,Nine,2026-03-01,2026-06-30,2026-02-10,2026-05-20\n",
            "ok.csv",
        )
        assert import_sheet(con, ok).accepted
        assert con.execute("SELECT earliest_start, latest_start FROM projects").fetchall() == [
            (date(2026, 2, 1), date(2026, 5, 1))
        ]
    finally:
        con.close()
