"""The portfolio sheet (analytics.portfolio_sheet): other tools' exports imported figure by figure, every kind of
bad sheet rejected at its FILE:ROW:COLUMN with the store unchanged, updates that touch only the sheet's projects,
export -> import -> export identical, the template, and the spreading rules as a property."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analytics import store
from analytics.ingest import reading
from analytics.portfolio_sheet import (
    aliases,
    derive,
    import_sheet,
    import_sheet_file,
    portfolio_frame,
    portfolio_xlsx,
    read_sheet,
    template_xlsx,
    values,
)
from analytics.portfolio_sheet.graph import find_cycles
from tests.properties import examples


def write_csv(folder: Path, text: str, name: str = "sheet.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def write_xlsx(folder: Path, rows: list[list[object]], name: str = "sheet.xlsx") -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    path = folder / name
    book.save(path)
    return path


def contents(con, but=("import_log",)) -> dict[str, list[tuple]]:
    tables = [t for t in store.CONTRACT_TABLES if t not in but]
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}


def one(con, sql, params=()):
    return con.execute(sql, list(params)).fetchall()[0]


def cents(con, column: str, project_id: str) -> Decimal:
    """The project's cash flows in ``column`` summed exactly (each stored amount is a whole number of cents)."""
    rows = con.execute(f"SELECT {column} FROM project_cashflows WHERE project_id = ?", [project_id]).fetchall()
    # Each amount is the double nearest a whole number of cents: exact at any size (an absolute tolerance on v * 100
    # failed for $166,666,666.65, whose double is 2e-6 cents off, as every double of that size is).
    assert all(round(v * 100) / 100 == v for (v,) in rows)
    return sum((Decimal(round(v * 100)) for (v,) in rows), Decimal(0)) / 100


# ---- The alias table ------------------------------------------------------------------------------------------


def test_no_header_means_two_fields():
    fields: dict[str, set[str]] = {}
    for alias in aliases.ALIASES:
        fields.setdefault(aliases.normalise(alias.header), set()).add(alias.field)
    for field in aliases.FIELDS:
        fields.setdefault(aliases.normalise(field), set()).add(field)
    assert {k: v for k, v in fields.items() if len(v) > 1} == {}


def test_every_status_word_is_one_stage_per_tool():
    seen: dict[tuple[str, str], str] = {}
    for row in aliases.STAGE_VALUES:
        assert row.stage in aliases.STAGES
        key = (row.tool, aliases.normalise(row.value))
        assert seen.setdefault(key, row.stage) == row.stage, key
    # The tools sharing the Status column never disagree on a word either.
    shared = aliases.match_header("Status").tools
    words: dict[str, str] = {}
    for row in aliases.STAGE_VALUES:
        if row.tool in shared:
            assert words.setdefault(aliases.normalise(row.value), row.stage) == row.stage, row


@pytest.mark.parametrize(
    ("header", "field", "tool"),
    [
        ("PLANNED START DATE", "start", aliases.SERVICENOW),
        ("planned_end_date", "end", aliases.SERVICENOW),
        ("Short description", "name", aliases.SERVICENOW),
        ("Unique ID", "project_id", aliases.MS_PROJECT),
        ("% Complete", aliases.NOT_IMPORTED, aliases.MS_PROJECT),
        ("Task Name", "name", aliases.SMARTSHEET),
        ("Finish date", "end", aliases.OPENPROJECT),
        ("Issue key", "project_id", aliases.JIRA),
        ("Original Estimate", aliases.NOT_IMPORTED, aliases.JIRA),
        ("Probability of success", "probability_of_success", aliases.QUARTERDECK),
    ],
)
def test_headers_match_ignoring_case_spaces_and_punctuation(header, field, tool):
    match = aliases.match_header(header)
    assert match.field == field and tool in match.tools


def test_prefixed_headers_keep_the_id_as_written_and_unknown_headers_match_nothing():
    assert aliases.match_header("fte_T-DATA").key == "T-DATA"
    assert aliases.match_header("FTE T-Web").key == "T-Web"
    assert aliases.match_header("fit_GROWTH").field == "fit"
    assert aliases.match_header("Sprint") is None
    assert aliases.match_header("Feature") is None


@pytest.mark.parametrize(
    ("word", "header", "stage"),
    [
        ("Work in Progress", "State", "active"),
        ("Closed Complete", "State", "completed"),
        ("won't do", "Status", "cancelled"),
        ("Not Started", "Status", "approved"),
        ("New", "Status", "proposed"),
        ("On hold", "stage", "on_hold"),
        ("Open", "State", "approved"),
        ("Open", "Status", "proposed"),
    ],
)
def test_status_words_become_stages_by_the_columns_tool(word, header, stage):
    assert aliases.stage_of(word, aliases.match_header(header).tools) == stage


# ---- Cell values ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "day_first", "expected"),
    [
        ("2026-03-01", False, date(2026, 3, 1)),
        ("2026-03-01T00:00:00", False, date(2026, 3, 1)),
        ("2026-03-01 08:00:00", False, date(2026, 3, 1)),
        ("11/May/24 03:26 PM", False, date(2024, 5, 11)),
        ("11/May/24", False, date(2024, 5, 11)),
        (46082, False, date(2026, 3, 1)),
        ("46082", False, date(2026, 3, 1)),
        (46082.75, False, date(2026, 3, 1)),
        ("3/1/2026", False, date(2026, 3, 1)),
        ("03/01/26", False, date(2026, 3, 1)),
        ("Mon 3/2/26 8:00 AM", False, date(2026, 3, 2)),
        ("1/3/2026", True, date(2026, 3, 1)),
        ("March 1, 2026", False, date(2026, 3, 1)),
        (datetime(2026, 3, 1, 8, 0), False, date(2026, 3, 1)),
    ],
)
def test_dates_as_the_tools_write_them(cell, day_first, expected):
    assert values.parse_date(cell, day_first=day_first) == expected


@pytest.mark.parametrize(
    ("cell", "day_first", "says"),
    [
        ("0000-03-01", False, "out of range"),
        ("2300-01-01", False, "out of range"),
        ("13/1/2026", False, "--day-first"),
        ("31/2/2026", True, "not a date in the calendar"),
        ("soon", False, "not a date"),
        (12, False, "out of range"),
    ],
)
def test_bad_dates_say_what_was_expected(cell, day_first, says):
    with pytest.raises(ValueError, match=says):
        values.parse_date(cell, day_first=day_first)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1200", "1200"),
        ("$1,200,000.50", "1200000.50"),
        ("USD 1200", "1200"),
        ("1.200,50", "1200.50"),
        ("1,5", "1.5"),
        ("(300)", "-300"),
        ("80%", "0.8"),
        (2.5, "2.5"),
    ],
)
def test_numbers_as_exports_write_them(cell, expected):
    assert values.parse_number(cell) == Decimal(expected)


def test_predecessors_reduce_to_the_task_they_name():
    assert values.split_dependencies("P-1;P-2") == ["P-1", "P-2"]
    assert values.split_dependencies("P-1, P-2") == ["P-1", "P-2"]
    assert [values.link_target(e) for e in values.split_dependencies("3FS+2d,5SS")] == ["3", "5"]
    assert values.link_target("2FS +1d") == "2"
    assert values.link_target("P-7 FF-1w") == "P-7"
    assert values.split_dependencies(4.0) == ["4"]


# ---- Spreading ------------------------------------------------------------------------------------------------


def test_cost_spreads_evenly_with_the_remainder_in_the_last_month():
    spread = derive.cost_by_month(100_000, date(2026, 1, 15), date(2026, 3, 10))  # 1,000.00 over Jan-Mar
    assert spread == [(date(2026, 1, 1), 33_333), (date(2026, 2, 1), 33_333), (date(2026, 3, 1), 33_334)]


def test_benefit_starts_the_month_after_the_end_month():
    total = derive.benefit_by_month(date(2026, 6, 30), total_cents=3_600_00, years=3)
    assert total[0][0] == date(2026, 7, 1) and total[-1][0] == date(2029, 6, 1) and len(total) == 36
    annual = derive.benefit_by_month(date(2026, 6, 30), annual_cents=1_000_00, years=2)
    assert len(annual) == 24
    assert sum(c for _, c in annual[:12]) == 1_000_00 and sum(c for _, c in annual[12:]) == 1_000_00


@settings(max_examples=examples(300), deadline=None)
@given(
    total=st.integers(min_value=0, max_value=10**13),
    months=st.integers(min_value=1, max_value=600),
    first=st.dates(min_value=date(1900, 1, 1), max_value=date(2150, 12, 31)),
)
def test_spreading_adds_up_to_the_cent(total, months, first):
    spread = derive.spread_cents(total, first, months)
    amounts = [c for _, c in spread]
    assert sum(amounts) == total
    assert len(spread) == months and len(set(amounts[:-1])) <= 1
    assert 0 <= amounts[-1] - amounts[0] < months
    assert [p for p, _ in spread] == [values.add_months(first.replace(day=1), i) for i in range(months)]


# ---- Each tool's export, imported and checked figure by figure -------------------------------------------------

SERVICENOW_CSV = (
    "Number,Short description,State,Planned start date,Planned end date,Planned cost,Planned benefit,"
    "Project manager,Portfolio,Program\n"
    'PRJ0010001,Data platform,Work in Progress,2026-01-05 08:00:00,2026-06-30 17:00:00,"$120,000.00",'
    '"$360,000.00",Ann Lee,IT,Core\n'
    'PRJ0010002,Mobile app,Pending,2026-04-01 08:00:00,2027-03-31 17:00:00,"$100,000.01",,Bo Chen,IT,Growth\n'
)


def test_a_servicenow_export_imports_figure_by_figure(empty_con, tmp_path):
    result = import_sheet(empty_con, write_csv(tmp_path, SERVICENOW_CSV), imported_by="test")
    assert result.accepted, result.problem_lines()
    assert one(empty_con, "SELECT stage, manager, program FROM projects WHERE project_id = 'PRJ0010001'") == (
        "active",
        "Ann Lee",
        "Core",
    )
    assert one(empty_con, "SELECT stage, budget FROM projects WHERE project_id = 'PRJ0010002'") == (
        "proposed",
        100_000.01,
    )
    assert cents(empty_con, "cost", "PRJ0010001") == Decimal("120000.00")
    assert cents(empty_con, "benefit", "PRJ0010001") == Decimal("360000.00")
    assert cents(empty_con, "cost", "PRJ0010002") == Decimal("100000.01")  # 12 months: 8,333.33 x 11 + 8,333.38
    last = one(empty_con, "SELECT cost FROM project_cashflows WHERE project_id = 'PRJ0010002' ORDER BY period DESC")
    assert last == (8333.38,)
    # Benefit 360,000 over 36 months from July 2026: 10,000 a month.
    assert one(
        empty_con,
        "SELECT min(period), max(period), count(*), min(benefit), max(benefit) FROM project_cashflows "
        "WHERE project_id = 'PRJ0010001' AND benefit > 0",
    ) == (date(2026, 7, 1), date(2029, 6, 1), 36, 10_000.0, 10_000.0)
    portfolio = result.mapping.set_index("column")
    assert portfolio.loc["Planned start date", "field"] == "start"
    assert portfolio.loc["Planned start date", "tools"] == aliases.SERVICENOW
    assert portfolio.loc["Portfolio", "status"] == "not imported"
    assert one(empty_con, "SELECT status, table_name FROM import_log") == ("accepted", "portfolio")


def test_a_microsoft_project_export_resolves_numeric_predecessors_through_the_id_column(empty_con, tmp_path):
    # Start as Excel date cells, Finish as serial numbers, Predecessors with link types and lags.
    rows = [
        ["ID", "Unique ID", "Name", "Start", "Finish", "Cost", "Work", "% Complete", "Predecessors"],
        [1, 101, "Design", datetime(2026, 1, 1, 8), 46112, 30000, "480 hrs", "100%", None],
        [2, 102, "Build", datetime(2026, 4, 1, 8), 46234, 90000, "1,200 hrs", "20%", "1FS+2d"],
        [3, 103, "Launch", datetime(2026, 8, 3, 8), 46265, 10000.5, "80 hrs", "0%", "1,2SS"],
    ]
    result = import_sheet(empty_con, write_xlsx(tmp_path, rows), imported_by="test")
    assert result.accepted, result.problem_lines()
    assert empty_con.execute(
        "SELECT project_id, depends_on, kind FROM project_dependencies ORDER BY ALL"
    ).fetchall() == [
        ("102", "101", "requires"),
        ("103", "101", "requires"),
        ("103", "102", "requires"),
    ]
    # 46112 is 2026-03-31, 46234 is 2026-07-31: Design covers Jan-Mar, Build Apr-Jul.
    assert one(empty_con, "SELECT start_date, end_date FROM projects WHERE project_id = '101'") == (
        date(2026, 1, 1),
        date(2026, 3, 31),
    )
    assert one(empty_con, "SELECT count(*), sum(cost) FROM project_cashflows WHERE project_id = '102'") == (4, 90000.0)
    assert cents(empty_con, "cost", "103") == Decimal("10000.50")
    status = dict(zip(result.mapping["column"], result.mapping["status"], strict=True))
    assert status["ID"] == "reference" and status["Work"] == "not imported" and status["Unique ID"] == "mapped"


SMARTSHEET_CSV = """\
ID,Task Name,Status,Start Date,End Date,Duration,Predecessors,Assigned To,% Complete,fte_T-DATA
1,Discovery,Complete,01/05/26,02/27/26,40d,,ann@example.com,100%,1
2,Pilot,In Progress,03/02/26,06/30/26,87d,1FS +1d,bo@example.com,40%,2.5
3,Rollout,Not Started,07/01/26,12/31/26,132d,"1, 2",cy@example.com,0%,0.5
"""


def test_a_smartsheet_sheet_imports_with_demand_and_says_what_is_missing(empty_con, tmp_path):
    result = import_sheet(empty_con, write_csv(tmp_path, SMARTSHEET_CSV), imported_by="test")
    assert result.accepted, result.problem_lines()
    stages = dict(empty_con.execute("SELECT project_id, stage FROM projects").fetchall())
    assert stages == {"1": "completed", "2": "active", "3": "approved"}
    assert one(empty_con, "SELECT manager FROM projects WHERE project_id = '2'") == ("bo@example.com",)
    assert empty_con.execute("SELECT project_id, depends_on FROM project_dependencies ORDER BY ALL").fetchall() == [
        ("2", "1"),
        ("3", "1"),
        ("3", "2"),
    ]
    # Demand: FTE x months. Pilot: 2.5 x 4 (Mar-Jun); Rollout 0.5 x 6 (Jul-Dec); Discovery 1 x 2.
    demand = dict(empty_con.execute("SELECT project_id, sum(fte) FROM project_demand GROUP BY 1").fetchall())
    assert demand == {"1": 2.0, "2": 10.0, "3": 3.0}
    assert one(empty_con, "SELECT team_id, name FROM teams") == ("T-DATA", "T-DATA")
    assert one(empty_con, "SELECT count(*) FROM project_cashflows") == (0,)
    assert any(m.startswith("no cost:") for m in result.missing)
    assert any("T-DATA have no capacity" in m for m in result.missing)


OPENPROJECT_CSV = """\
ID;Type;Subject;Status;Priority;Start date;Finish date;Work;Accountable
12;Phase;Migrate CRM;In progress;High;2026-02-01;2026-07-31;320h;Dana
13;Phase;Retire legacy;New;Normal;2026-08-01;2026-09-30;80h;Eli
14;Phase;Old portal;Closed;Low;2025-01-01;2025-06-30;40h;Dana
"""


def test_an_openproject_csv_with_semicolons_imports_and_lists_unknown_columns(empty_con, tmp_path):
    result = import_sheet(empty_con, write_csv(tmp_path, OPENPROJECT_CSV), imported_by="test")
    assert result.accepted, result.problem_lines()
    assert empty_con.execute("SELECT project_id, name, stage, manager FROM projects ORDER BY 1").fetchall() == [
        ("12", "Migrate CRM", "active", "Dana"),
        ("13", "Retire legacy", "proposed", "Eli"),
        ("14", "Old portal", "completed", "Dana"),
    ]
    assert [str(w) for w in result.warnings if "unknown column" in w.message] == [
        "sheet.csv:1:Priority: unknown column, not imported (no Quarterdeck field or alias of a supported tool has "
        "this name)"
    ]


JIRA_CSV = (
    (
        "Issue key,Issue id,Issue Type,Summary,Status,Created,Due date,Original Estimate,Sprint,Sprint,"
        "Inward issue link (Blocks),Inward issue link (Blocks)\n"
    )
    + """\
PORT-1,10001,Epic,Single sign-on,In Progress,11/May/24 03:26 PM,30/Sep/24 12:00 AM,288000,S1,S2,,
PORT-2,10002,Epic,Audit trail,To Do,02/Jun/24 09:00 AM,31/Dec/24 12:00 AM,144000,S2,,PORT-1,
PORT-3,10003,Epic,Reports,Won't Do,03/Jun/24 10:15 AM,31/Mar/25 12:00 AM,,,,PORT-1,PORT-2
"""
)


def test_a_jira_export_without_money_imports_and_names_the_empty_views(empty_con, tmp_path):
    result = import_sheet(empty_con, write_csv(tmp_path, JIRA_CSV), imported_by="test")
    assert result.accepted, result.problem_lines()
    assert empty_con.execute("SELECT project_id, stage, start_date, end_date FROM projects ORDER BY 1").fetchall() == [
        ("PORT-1", "active", date(2024, 5, 11), date(2024, 9, 30)),
        ("PORT-2", "proposed", date(2024, 6, 2), date(2024, 12, 31)),
        ("PORT-3", "cancelled", date(2024, 6, 3), date(2025, 3, 31)),
    ]
    assert empty_con.execute("SELECT project_id, depends_on FROM project_dependencies ORDER BY ALL").fetchall() == [
        ("PORT-2", "PORT-1"),
        ("PORT-3", "PORT-1"),
        ("PORT-3", "PORT-2"),
    ]
    assert "no cost: NPV, ROI, payback, the budget and the what-if's money views will be empty" in result.missing
    assert one(empty_con, "SELECT count(*) FROM project_cashflows") == (0,)
    assert one(empty_con, "SELECT budget FROM projects WHERE project_id = 'PORT-1'") == (0.0,)


QUARTERDECK_CSV = """\
project_id,name,stage,start,end,cost,annual_benefit,benefit_years,probability_of_success,mandatory,depends_on,fte_T-DATA,fte_T-WEB,fit_GROWTH,fit_EFFICIENCY
P-1,Onboarding,approved,1/1/2026,30/6/2026,"1000.00",1200,2,0.8,yes,,1.5,2,4,2
P-2,Billing,proposed,1/3/2026,31/8/2026,999.99,,,80%,no,P-1,0.5,,3,
"""


def test_the_quarterdeck_sheet_day_first_with_teams_and_objectives(empty_con, tmp_path):
    empty_con.execute("INSERT INTO teams VALUES ('T-DATA', 'Data', 'data')")
    result = import_sheet(empty_con, write_csv(tmp_path, QUARTERDECK_CSV), day_first=True, imported_by="test")
    assert result.accepted, result.problem_lines()
    assert one(empty_con, "SELECT start_date, end_date, mandatory FROM projects WHERE project_id = 'P-2'") == (
        date(2026, 3, 1),
        date(2026, 8, 31),
        False,
    )
    assert one(empty_con, "SELECT probability_of_success FROM projects WHERE project_id = 'P-2'") == (0.8,)
    assert cents(empty_con, "cost", "P-1") == Decimal("1000.00")
    assert cents(empty_con, "cost", "P-2") == Decimal("999.99")
    assert cents(empty_con, "benefit", "P-1") == Decimal("2400.00")  # 1,200 a year for 2 years
    fte = empty_con.execute(
        "SELECT project_id, team_id, sum(fte), count(*) FROM project_demand GROUP BY ALL ORDER BY ALL"
    )
    assert fte.fetchall() == [("P-1", "T-DATA", 9.0, 6), ("P-1", "T-WEB", 12.0, 6), ("P-2", "T-DATA", 3.0, 6)]
    assert empty_con.execute("SELECT * FROM teams ORDER BY 1").fetchall() == [
        ("T-DATA", "Data", "data"),
        ("T-WEB", "T-WEB", None),
    ]
    assert empty_con.execute("SELECT * FROM objectives ORDER BY 1").fetchall() == [
        ("EFFICIENCY", "EFFICIENCY", None, 1.0),
        ("GROWTH", "GROWTH", None, 1.0),
    ]
    assert empty_con.execute("SELECT * FROM project_alignment ORDER BY ALL").fetchall() == [
        ("P-1", "EFFICIENCY", 2),
        ("P-1", "GROWTH", 4),
        ("P-2", "GROWTH", 3),
    ]


def test_one_strategic_fit_scores_against_the_objective_overall(empty_con, tmp_path):
    sheet = "project_id,name,start,end,strategic_fit\nP-1,One,2026-01-01,2026-02-28,3\n"
    assert import_sheet(empty_con, write_csv(tmp_path, sheet)).accepted
    assert empty_con.execute("SELECT * FROM project_alignment").fetchall() == [("P-1", "overall", 3)]
    assert one(empty_con, "SELECT weight FROM objectives WHERE objective_id = 'overall'") == (1.0,)


# ---- Bad sheets: rejected where the problem is, store unchanged -------------------------------------------------

HEADER = "project_id,name,start,end,cost,benefit,probability_of_success,stage,health,depends_on,fte_T-DATA,fit_GROWTH\n"
GOOD = "P-9,Nine,2026-01-01,2026-06-30,600,,0.5,proposed,green,,1,3\n"

BAD_SHEETS = [
    ("project_id,name,end\nP-9,Nine,2026-06-30\n", "sheet.csv:1:start: required column missing"),
    (HEADER + GOOD + "P-8,,2026-01-01,2026-06-30,,,,,,,,\n", "sheet.csv:3:name: name is required"),
    (
        HEADER + "P-9,Nine,2026-06-01,2026-01-31,600,,,,,,,\n",
        "sheet.csv:2:end: end 2026-01-31 is before start 2026-06-01",
    ),
    (
        HEADER + GOOD + "P-8,Eight,2026-01-01,2026-06-30,,,,,,P-404,,\n",
        "sheet.csv:3:depends_on: unknown dependency 'P-404'",
    ),
    (
        HEADER + "P-9,Nine,2026-01-01,2026-06-30,,,,,,P-8,,\nP-8,Eight,2026-01-01,2026-06-30,,,,,,P-9,,\n",
        "sheet.csv:2:depends_on: dependency cycle P-9 → P-8 → P-9",
    ),
    (
        HEADER + "P-9,Nine,2026-01-01,2026-06-30,,,,,,P-1,,\n",
        "sheet.csv:2:depends_on: dependency cycle P-9 → P-1 → P-9",
    ),
    (HEADER + "P-9,Nine,2026-01-01,2026-06-30,-5,,,,,,,\n", "sheet.csv:2:cost: '-5' is out of range"),
    (HEADER + "P-9,Nine,2026-01-01,2026-06-30,,-1,,,,,,\n", "sheet.csv:2:benefit: '-1' is out of range"),
    (HEADER + "P-9,Nine,2026-01-01,2026-06-30,,,,,,,,6\n", "sheet.csv:2:fit_GROWTH: '6' is out of range"),
    (HEADER + "P-9,Nine,2026-01-01,2026-06-30,,,,,,,,2.5\n", "sheet.csv:2:fit_GROWTH: '2.5' is not a whole number"),
    (HEADER + GOOD + GOOD, "sheet.csv:3:project_id: duplicate project_id P-9: row 2 has it too"),
    (HEADER + "P-9,Nine,2026-01-01,2026-06-30,,,,,,,lots,\n", "sheet.csv:2:fte_T-DATA: 'lots' is not a number"),
    (
        HEADER + "P-9,Nine,2026-01-01,2026-06-30,,,1.5,,,,,\n",
        "sheet.csv:2:probability_of_success: '1.5' is out of range",
    ),
    (HEADER + "P-9,Nine,2026-01-01,2026-06-30,,,,dreaming,,,,\n", "sheet.csv:2:stage: 'dreaming' is not a stage"),
    (HEADER + "P-9,Nine,2026-01-01,2026-06-30,,,,,purple,,,\n", "sheet.csv:2:health: 'purple' is not a health"),
    (
        HEADER + "P-9,Ni\x07ne,2026-01-01,2026-06-30,,,,,,,,\n",
        "sheet.csv:2:name: contains the control character U+0007",
    ),
    (HEADER + "P-9,Nine,0000-01-01,2026-06-30,,,,,,,,\n", "sheet.csv:2:start: '0000-01-01' is out of range"),
    (HEADER + "P-9,Nine,2026-01-01,2026-06-30,,,,,,P-9,,\n", "sheet.csv:2:depends_on: 'P-9' is the project itself"),
    (
        "project_id,name,start,end,benefit,annual_benefit\nP-9,Nine,2026-01-01,2026-06-30,10,10\n",
        "sheet.csv:2:annual_benefit: give benefit (a total) or annual_benefit (per year), not both",
    ),
    ("project_id,name,start,end,mandatory\nP-9,Nine,2026-01-01,2026-06-30,maybe\n", "sheet.csv:2:mandatory: 'maybe'"),
    (HEADER + "P-9,Nine,2026-01-01,2026-06-30,,,,,,,-1,\n", "sheet.csv:2:fte_T-DATA: '-1' is negative"),
    (HEADER, "sheet.csv:2:-: the sheet has no project rows"),
    ("project_id,name,start,end,fte_T-DATA,FTE t-data\n", "sheet.csv:1:FTE t-data: a second column for team t-data"),
    ("project_id,name,start,end,fit_GROWTH,strategic_fit\n", "sheet.csv:1:strategic_fit: strategic_fit is for"),
    (
        "project_id,name,start,end,benefit,benefit_years\nP-9,Nine,2026-01-01,2026-06-30,10,2.5\n",
        "sheet.csv:2:benefit_years: '2.5' is not a whole number of years",
    ),
    (
        "project_id,name,start,end,earliest_start,latest_start\nP-9,Nine,2026-01-01,2026-06-30,2026-03-01,2026-01-01\n",
        "sheet.csv:2:latest_start: latest_start 2026-01-01 is before earliest_start 2026-03-01",
    ),
]


@pytest.fixture
def seeded_con(empty_con):
    """A store with two projects where P-2 needs P-1 and P-1 has a cash flow, demand, a fit, progress and a risk,
    so that "unchanged" has something to keep."""
    empty_con.execute("""
        INSERT INTO teams VALUES ('T-DATA', 'Data', 'data');
        INSERT INTO objectives VALUES ('GROWTH', 'Grow', NULL, 2);
        INSERT INTO projects (project_id, name, sponsor, stage, start_date, end_date, budget, probability_of_success,
                              description)
        VALUES ('P-1', 'One', 'CFO', 'active', '2026-01-01', '2026-12-31', 1200, 0.5, 'kept'),
               ('P-2', 'Two', NULL, 'approved', '2026-03-01', '2026-12-31', 500, 0.9, NULL);
        INSERT INTO project_cashflows VALUES ('P-1', '2026-01-01', 1200, 0), ('P-2', '2026-03-01', 500, 0);
        INSERT INTO project_demand VALUES ('P-1', 'T-DATA', '2026-01-01', 3), ('P-2', 'T-DATA', '2026-03-01', 1);
        INSERT INTO project_alignment VALUES ('P-1', 'GROWTH', 5), ('P-2', 'GROWTH', 1);
        INSERT INTO project_dependencies VALUES ('P-2', 'P-1', 'finish_to_start');
        INSERT INTO project_progress VALUES ('P-1', '2026-06-01', 40, 600, 500, 550);
        INSERT INTO risks VALUES ('R-1', 'P-1', 'Late', NULL, 0.3, 3, 'open', NULL, NULL, NULL);
    """)
    return empty_con


@pytest.mark.parametrize(("sheet", "expected"), BAD_SHEETS, ids=[e.split(": ")[0] for _, e in BAD_SHEETS])
def test_a_bad_sheet_is_rejected_at_its_row_and_column_and_the_store_is_unchanged(
    seeded_con, tmp_path, sheet, expected
):
    # The cycle through the store: P-9 needs P-1, and a sheet row makes P-1 need P-9.
    if "P-9 → P-1" in expected:
        sheet += "P-1,One,2026-01-01,2026-12-31,,,,,,P-9,,\n"
    before = contents(seeded_con)
    logged = one(seeded_con, "SELECT count(*) FROM import_log")[0]
    result = import_sheet(seeded_con, write_csv(tmp_path, sheet), imported_by="test")
    assert not result.accepted
    assert any(line.startswith(expected) for line in result.problem_lines()), result.problem_lines()
    assert contents(seeded_con) == before
    assert one(seeded_con, "SELECT count(*), max(status) FROM import_log") == (logged + 1, "rejected")


def test_problems_are_capped_with_a_count_of_the_rest(empty_con, tmp_path):
    rows = "".join(f"P-{i},N,2026-06-01,2026-01-31\n" for i in range(150))
    result = import_sheet(empty_con, write_csv(tmp_path, "project_id,name,start,end\n" + rows))
    lines = result.problem_lines()
    assert len(lines) == 101 and lines[-1] == "sheet.csv: and 50 more problems not listed (150 in all)"


def test_a_row_is_the_line_it_starts_on_even_after_a_cell_of_several_lines(empty_con, tmp_path):
    sheet = (
        "project_id,name,start,end,description\n"
        'P-1,One,2026-01-01,2026-02-28,"two\nlines"\n'
        "P-2,Two,2026-05-01,2026-01-31,\n"
    )
    result = import_sheet(empty_con, write_csv(tmp_path, sheet))
    assert result.problem_lines() == ["sheet.csv:4:end: end 2026-01-31 is before start 2026-05-01"]


def test_a_dry_run_works_on_a_read_only_store(tmp_path):
    store.connect(tmp_path / "ro.duckdb").close()
    con = store.connect(tmp_path / "ro.duckdb", read_only=True)
    result = import_sheet(con, write_csv(tmp_path, SERVICENOW_CSV), dry_run=True)
    assert result.accepted and result.counts["projects"] == 2
    con.close()


def test_a_dry_run_of_a_store_that_does_not_exist_creates_nothing(tmp_path):
    missing = tmp_path / "not-yet.duckdb"
    result = import_sheet_file(missing, write_csv(tmp_path, SERVICENOW_CSV), dry_run=True)
    assert result.accepted and result.counts["projects"] == 2
    assert not missing.exists()


def test_unknown_columns_are_warnings_and_do_not_stop_the_import(empty_con, tmp_path):
    sheet = "project_id,name,start,end,Colour\nP-1,One,2026-01-01,2026-02-28,blue\n"
    result = import_sheet(empty_con, write_csv(tmp_path, sheet))
    assert result.accepted and [w.column for w in result.warnings] == ["Colour"]


def test_a_file_that_is_not_a_sheet_is_one_problem(empty_con, tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(b"%PDF-1.4")
    result = import_sheet(empty_con, path)
    assert result.problem_lines() == ["plan.pdf:1:-: plan.pdf: a portfolio sheet is a .csv or .xlsx file, not .pdf"]


# ---- Updates and dry-runs ---------------------------------------------------------------------------------------


def test_an_update_replaces_the_projects_derived_rows_and_touches_nothing_else(seeded_con, tmp_path):
    before = contents(seeded_con)
    sheet = (
        "project_id,name,start,end,cost,fte_T-DATA,fit_GROWTH,depends_on\n"
        "P-1,One again,2026-01-01,2026-03-31,300,2,4,\n"
    )
    result = import_sheet(seeded_con, write_csv(tmp_path, sheet), imported_by="test")
    assert result.accepted and result.updated_projects == 1 and result.new_projects == 0
    assert result.replaced == {
        "project_cashflows": 1,
        "project_demand": 1,
        "project_alignment": 1,
        "project_dependencies": 0,
    }
    after = contents(seeded_con)
    # P-1's own columns from the sheet; the ones the sheet does not give (sponsor, stage, description, budget) kept.
    assert one(
        seeded_con, "SELECT name, sponsor, stage, description, end_date, budget FROM projects WHERE project_id = 'P-1'"
    ) == (
        "One again",
        "CFO",
        "active",
        "kept",
        date(2026, 3, 31),
        1200.0,
    )
    assert seeded_con.execute(
        "SELECT period, cost FROM project_cashflows WHERE project_id = 'P-1' ORDER BY 1"
    ).fetchall() == [
        (date(2026, 1, 1), 100.0),
        (date(2026, 2, 1), 100.0),
        (date(2026, 3, 1), 100.0),
    ]
    for table in ("project_cashflows", "project_demand", "project_alignment", "project_dependencies"):
        assert [r for r in after[table] if r[0] != "P-1"] == [r for r in before[table] if r[0] != "P-1"], table
    for table in ("project_progress", "risks", "teams", "objectives", "settings", "products", "team_capacity"):
        assert after[table] == before[table], table
    assert [r for r in after["projects"] if r[0] == "P-2"] == [r for r in before["projects"] if r[0] == "P-2"]


def test_a_sheet_without_a_tables_columns_keeps_that_tables_rows(seeded_con, tmp_path):
    before = contents(seeded_con)
    sheet = "project_id,name,start,end,depends_on\nP-2,Two,2026-03-01,2026-12-31,P-1\n"
    assert import_sheet(seeded_con, write_csv(tmp_path, sheet)).accepted
    after = contents(seeded_con)
    for table in ("project_cashflows", "project_demand", "project_alignment"):
        assert after[table] == before[table], table
    # A dependency the store already had keeps its kind.
    assert after["project_dependencies"] == [("P-2", "P-1", "finish_to_start")]


def test_a_dry_run_writes_nothing_and_shows_what_it_would_write(seeded_con, tmp_path):
    before = contents(seeded_con, but=())
    result = import_sheet(seeded_con, write_csv(tmp_path, SERVICENOW_CSV), dry_run=True)
    assert contents(seeded_con, but=()) == before
    assert result.accepted and result.dry_run
    assert result.counts["projects"] == 2 and result.counts["project_cashflows"] == 6 + 36 + 12
    assert list(result.preview["project_id"]) == ["PRJ0010001", "PRJ0010002"]
    assert list(result.preview["stage"]) == ["active", "proposed"]
    text = "\n".join(result.report_lines())
    assert "Planned cost -> cost (alias 'Planned cost' from ServiceNow SPM)" in text
    assert "would write" in text


def test_a_dry_run_of_a_bad_sheet_lists_its_problems(empty_con, tmp_path):
    result = import_sheet(empty_con, write_csv(tmp_path, HEADER + GOOD + GOOD), dry_run=True)
    assert not result.accepted
    assert one(empty_con, "SELECT count(*) FROM import_log") == (0,)


# ---- Export, round trip, template ------------------------------------------------------------------------------


def sheet_cells(path: Path) -> tuple[list[str], list[list[object]]]:
    sheet = read_sheet(path)
    return sheet.header, sheet.rows


def test_export_import_export_is_identical(demo_con, tmp_path):
    first = tmp_path / "first.xlsx"
    first.write_bytes(portfolio_xlsx(demo_con))
    con = store.connect(tmp_path / "again.duckdb")
    result = import_sheet(con, first, imported_by="test")
    assert result.accepted, result.problem_lines()[:5]
    second = tmp_path / "second.xlsx"
    second.write_bytes(portfolio_xlsx(con))
    assert sheet_cells(second) == sheet_cells(first)
    assert portfolio_frame(con).equals(portfolio_frame(demo_con))
    # The totals of the demo survive: every project's cost and benefit, to the cent.
    totals = (
        "SELECT project_id, round(sum(cost), 2), round(sum(benefit), 2) FROM project_cashflows GROUP BY 1 ORDER BY 1"
    )
    assert con.execute(totals).fetchall() == [r for r in demo_con.execute(totals).fetchall() if r[1] or r[2]]
    con.close()


def test_the_template_is_one_sheet_with_drop_downs_and_an_example_that_imports(empty_con, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_xlsx())
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["portfolio"]
    sheet = book["portfolio"]
    header = [c.value for c in sheet[1]]
    validations = sheet.data_validations.dataValidation
    lists = {header[next(iter(dv.sqref.ranges)).min_col - 1]: dv.formula1 for dv in validations}
    assert lists == {
        "stage": '"proposed,approved,active,on_hold,completed,cancelled"',
        "health": '"green,amber,red"',
        "mandatory": '"yes,no"',
    }
    assert "remainder" in sheet.cell(row=1, column=header.index("cost") + 1).comment.text
    result = import_sheet(empty_con, path)
    assert result.accepted, result.problem_lines()
    # The example: 120,000 over Jan-Jun 2026; 90,000 a year for 3 years from July 2026; 1.5 + 2 FTE for 6 months.
    assert cents(empty_con, "cost", "P-1") == Decimal("120000.00")
    assert cents(empty_con, "benefit", "P-1") == Decimal("270000.00")
    assert one(empty_con, "SELECT sum(fte) FROM project_demand") == (21.0,)
    assert one(empty_con, "SELECT earliest_start, latest_start FROM projects") == (date(2026, 1, 1), date(2026, 4, 1))


def test_cycles_are_named_from_the_first_project_of_the_sheet():
    edges = {"A": ["B"], "B": ["C"], "C": ["A"], "D": ["D2"], "D2": ["D"], "E": []}
    assert find_cycles(edges, ["C", "D2", "A"]) == [["C", "A", "B", "C"], ["D2", "D", "D2"]]


@settings(max_examples=examples(25), deadline=None)
@given(
    start=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    months=st.integers(min_value=1, max_value=60),
    cost_cents=st.integers(min_value=0, max_value=10**11),
    benefit_cents=st.integers(min_value=0, max_value=10**11),
    annual=st.booleans(),
    years=st.integers(min_value=1, max_value=10),
    fte_hundredths=st.integers(min_value=0, max_value=2_000),
)
# Found by hypothesis: a one-month project starting on the 29th (the test once built an end before its start).
@example(start=date(2000, 1, 29), months=1, cost_cents=0, benefit_cents=0, annual=False, years=1, fte_hundredths=0)
# Found by hypothesis: $499,999,999.97 over three months, whose monthly amounts the old check held to 1e-6 of a cent.
@example(
    start=date(2000, 1, 1),
    months=3,
    cost_cents=49_999_999_997,
    benefit_cents=0,
    annual=False,
    years=1,
    fte_hundredths=0,
)
def test_an_imported_row_adds_up_to_the_sheet_to_the_cent(
    tmp_path_factory, start, months, cost_cents, benefit_cents, annual, years, fte_hundredths
):
    # The last day of the project's last month: never before start, whatever day of the month start is.
    end = values.add_months(start.replace(day=1), months) - timedelta(days=1)
    folder = tmp_path_factory.mktemp("property")
    money = f"{cost_cents // 100}.{cost_cents % 100:02d}"
    gain = f"{benefit_cents // 100}.{benefit_cents % 100:02d}"
    fte = f"{fte_hundredths / 100:.2f}"
    header = "project_id,name,start,end,cost," + ("annual_benefit" if annual else "benefit") + ",benefit_years,fte_T\n"
    path = write_csv(folder, header + f"P-1,One,{start},{end},{money},{gain},{years},{fte}\n")
    con = store.connect(folder / "property.duckdb")
    try:
        result = import_sheet(con, path)
        assert result.accepted, result.problem_lines()
        assert cents(con, "cost", "P-1") * 100 == cost_cents
        assert cents(con, "benefit", "P-1") * 100 == benefit_cents * (years if annual else 1)
        cost_months = one(con, "SELECT count(*) FROM project_cashflows WHERE cost > 0")[0]
        assert cost_months <= months and (cost_cents == 0 or cost_months >= 1)
        demand = one(con, "SELECT coalesce(sum(fte), 0), count(*) FROM project_demand")
        assert demand[0] == pytest.approx(fte_hundredths / 100 * months)
        assert demand[1] == (months if fte_hundredths else 0)
    finally:
        con.close()


# ---- The command line --------------------------------------------------------------------------------------------


def test_the_cli_dry_runs_imports_and_exports_the_sheet(tmp_path, capsys):
    from analytics.__main__ import main

    db, sheet = str(tmp_path / "cli.duckdb"), str(write_csv(tmp_path, JIRA_CSV))
    assert main(["import", "--db", db, "portfolio", sheet, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Summary -> name (alias 'Summary' from Jira)" in out and "missing: no cost:" in out
    assert not (tmp_path / "cli.duckdb").exists()
    assert main(["import", "--db", db, "--by", "pmo", "portfolio", sheet]) == 2  # no store there: say --create
    assert "add --create" in capsys.readouterr().err
    assert main(["import", "--db", db, "--create", "--by", "pmo", "portfolio", sheet]) == 0
    assert "imported" in capsys.readouterr().out
    assert main(["export", "--db", db, "--out", str(tmp_path / "out"), "--format", "portfolio-xlsx"]) == 0
    exported = read_sheet(tmp_path / "out" / "portfolio.xlsx")
    assert [row[0] for row in exported.rows] == ["PORT-1", "PORT-2", "PORT-3"]


def test_the_cli_rejects_a_bad_sheet_with_exit_2_and_every_problem_on_stderr(tmp_path, capsys):
    from analytics.__main__ import main

    db = tmp_path / "cli.duckdb"
    sheet = write_csv(tmp_path, "project_id,name,start,end\nP-1,One,2026-05-01,2026-01-31\nP-1,Again,2026-01-01,x\n")
    assert main(["import", "--db", str(db), "--create", "portfolio", str(sheet)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[:3] == [
        "sheet.csv:2:end: end 2026-01-31 is before start 2026-05-01",
        "sheet.csv:3:project_id: duplicate project_id P-1: row 2 has it too",
        "sheet.csv:3:end: 'x' is not a date; expected e.g. " + values.DATE_EXAMPLES,
    ]
    assert main(["import", "--db", str(db), "portfolio", str(sheet), "--dry-run"]) == 2
    assert main(["import", "--db", str(db), "projects", str(sheet), "--day-first"]) == 2
    assert "--day-first is for the portfolio sheet" in capsys.readouterr().err
    con = store.connect(db, read_only=True)
    assert one(con, "SELECT count(*) FROM projects") == (0,)
    con.close()


def test_day_first_on_the_cli(tmp_path):
    from analytics.__main__ import main

    db = tmp_path / "cli.duckdb"
    sheet = write_csv(tmp_path, "project_id,name,start,end\nP-1,One,1/3/2026,31/3/2026\n")
    assert main(["import", "--db", str(db), "--create", "portfolio", str(sheet), "--day-first"]) == 0
    con = store.connect(db, read_only=True)
    assert one(con, "SELECT start_date, end_date FROM projects") == (date(2026, 3, 1), date(2026, 3, 31))
    con.close()


def test_the_readme_states_the_spreading_rules_word_for_word():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert derive.SPREADING_RULES.strip() in readme
    for tool in (aliases.SERVICENOW, aliases.MS_PROJECT, aliases.SMARTSHEET, aliases.OPENPROJECT, aliases.JIRA):
        assert tool in readme


# ---- Hostile files: refused by the ingest package's bound checks, like a per-table import (issue 16) ----------

SHEET_HEADER = "project_id,name,start,end,cost"
SHEET_ROW = "P-1,One,2026-01-01,2026-12-31,1200"


def refused_lines(con, path: Path) -> list[str]:
    """Import ``path`` as a sheet; assert it is rejected with nothing but its log row written; return the lines."""
    before = contents(con)
    result = import_sheet(con, path, imported_by="test")
    assert not result.accepted
    assert contents(con) == before
    assert one(con, "SELECT count(*) FROM import_log WHERE status = 'rejected'") == (1,)
    return result.problem_lines()


def test_a_utf16_sheet_is_named_in_one_sentence(empty_con, tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes(f"{SHEET_HEADER}\n{SHEET_ROW}\n".encode("utf-16"))
    assert refused_lines(empty_con, path) == [
        "utf16.csv:1:-: is encoded as UTF-16 LE (its byte-order mark), not UTF-8: save it as CSV UTF-8 (in Excel: "
        "Save As, CSV UTF-8) and import that file"
    ]


def test_a_sheet_header_thousands_of_columns_wide_is_refused_unread(empty_con, tmp_path):
    header = ",".join(f"col{i}" for i in range(5000))
    path = write_csv(tmp_path, header + "\n" + ",".join("1" for _ in range(5000)) + "\n", "wide.csv")
    assert refused_lines(empty_con, path) == [
        f"wide.csv:1:-: has 5,000 columns, more than the {reading.MAX_COLUMNS} an import reads: keep only the "
        "columns of the portfolio sheet (see the template)"
    ]


def test_a_wide_workbook_header_is_refused(empty_con, tmp_path):
    path = write_xlsx(tmp_path, [[f"col{i}" for i in range(reading.MAX_COLUMNS + 1)]], "wide.xlsx")
    assert refused_lines(empty_con, path) == [
        f"wide.xlsx:1:-: has {reading.MAX_COLUMNS + 1} columns, more than the {reading.MAX_COLUMNS} an import "
        "reads: keep only the columns of the portfolio sheet (see the template)"
    ]


def refuse_openpyxl(monkeypatch) -> None:
    """Make any parse of a workbook fail the test: a bomb must be refused from the zip alone."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("openpyxl was asked to parse the bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_a_workbook_with_more_rows_than_excel_holds_is_refused_from_its_xml(empty_con, tmp_path, monkeypatch):
    # The real bomb (1.2 million rows) is in test_ingest_hostile; the sheet goes through the same count, so a
    # lowered limit of 5 rows shows it with a workbook of 7.
    monkeypatch.setattr(reading, "EXCEL_MAX_ROWS", 5)
    path = write_xlsx(tmp_path, [SHEET_HEADER.split(",")] + [SHEET_ROW.split(",")] * 6, "rows.xlsx")
    refuse_openpyxl(monkeypatch)
    assert refused_lines(empty_con, path) == [
        "rows.xlsx:1:-: sheet 'Sheet' has more than 4 rows under its header, more than an Excel sheet holds: "
        "split the file or import a CSV"
    ]


def test_a_shared_strings_bomb_is_refused_from_the_zip_directory(empty_con, tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_SHARED_STRINGS_BYTES", 2**20)  # 1 MB, so a small workbook is a bomb
    path = write_xlsx(tmp_path, [SHEET_HEADER.split(","), SHEET_ROW.split(",")])
    # openpyxl writes no shared strings; the part is added by hand, 3 MB of one text that zips to kilobytes.
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "<sst><si><t>" + "a" * 3 * 2**20 + "</t></si></sst>")
    refuse_openpyxl(monkeypatch)
    (line,) = refused_lines(empty_con, path)
    assert line.startswith("sheet.xlsx:1:-: its shared strings expand to 3 MB, more than the 1 MB an import reads")


def test_a_control_character_in_a_sheet_is_refused_at_its_cell(empty_con, tmp_path):
    path = write_csv(tmp_path, f"{SHEET_HEADER}\nP-1,On\x07e,2026-01-01,2026-12-31,1200\n")
    assert refused_lines(empty_con, path) == [
        "sheet.csv:2:name: contains the control character U+0007; remove it (only plain text is kept)"
    ]


def test_a_sheet_whose_path_has_glob_characters_is_read_exactly(empty_con, tmp_path):
    folder = tmp_path / "plans [2026]*?"
    folder.mkdir()
    write_csv(folder, f"{SHEET_HEADER}\nP-2,Decoy,2026-01-01,2026-12-31,1\n", "sheetX.csv")
    path = write_csv(folder, f"{SHEET_HEADER}\n{SHEET_ROW}\n", "sheet?.csv")
    result = import_sheet(empty_con, path, imported_by="test")
    assert result.accepted, result.problem_lines()
    assert empty_con.execute("SELECT project_id FROM projects").fetchall() == [("P-1",)]


def test_a_sheet_import_is_the_last_import_of_the_tables_it_writes(empty_con, tmp_path):
    import_sheet(empty_con, write_csv(tmp_path, f"{SHEET_HEADER}\n{SHEET_ROW}\n", "plan.csv"), imported_by="test")
    overview = store.store_overview(empty_con).set_index("table")
    assert overview.loc["projects", "file"] == "plan.csv"
    assert overview.loc["projects", "status"] == "accepted"
    assert set(overview.dropna(subset=["last_import"]).index) == set(store.PORTFOLIO_SHEET_TABLES)
