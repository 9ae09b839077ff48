"""Imports that try to break the store or the app for everyone else (issue 16): files too wide, too long or
built to explode, control characters, out-of-range dates, glob characters in a path, foreign encodings, a store
that grows with every rejection, a write lock held while a big file is checked, and the store's file access."""

from __future__ import annotations

import threading
import time
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from analytics import ingest, scenarios, store
from analytics.__main__ import main
from analytics.ingest import reading
from analytics.spreadsheets import EXCEL_MAX_ROWS
from tests.ingest_files import load, write

PROJECTS = "project_id,name,stage,start_date,end_date,budget,probability_of_success"
GOOD_PROJECT = "P-9,Nine,active,2026-01-01,2026-06-30,100,0.5"


@pytest.fixture(scope="module")
def small_store_file(tmp_path_factory) -> Path:
    """One product, one project P-1 and nothing else: enough for references and scenario saves. Built once."""
    path = tmp_path_factory.mktemp("small") / "small.duckdb"
    con = store.connect(path)
    con.execute("INSERT INTO products VALUES ('LEDGER', 'Ledger', NULL, NULL, 'maturity', NULL)")
    con.execute(
        "INSERT INTO projects (project_id, name, stage, start_date, end_date, budget, probability_of_success) "
        "VALUES ('P-1', 'One', 'active', '2026-01-01', '2026-12-31', 100, 0.5)"
    )
    con.close()
    return path


def project_rows(store_path: Path) -> list[tuple]:
    con = store.connect(store_path, read_only=True)
    try:
        return con.execute("SELECT * FROM projects ORDER BY ALL").fetchall()
    finally:
        con.close()


def refuse_openpyxl(monkeypatch) -> None:
    """Make any parse of a workbook fail the test: a bomb must be rejected from the zip's directory alone."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("openpyxl was asked to parse the bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def xlsx_with(path: Path, sheet_xml_chunks, shared_strings: str | None = None) -> Path:
    """A minimal .xlsx whose one sheet is the given XML, written in chunks so a bomb is never in memory whole."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        + (
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            if shared_strings is not None
            else ""
        )
        + "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="projects" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/>'
        + (
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'sharedStrings" Target="sharedStrings.xml"/>'
            if shared_strings is not None
            else ""
        )
        + "</Relationships>"
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for chunk in sheet_xml_chunks:
                sheet.write(chunk.encode())
        if shared_strings is not None:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
                strings.write(shared_strings.encode())
    return path


SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = "</sheetData></worksheet>"


# ------------------------------------------------------------------------------------------------ case 4: bounds


def test_a_header_thousands_of_columns_wide_is_rejected_at_once_with_a_sentence(small_store, tmp_path):
    header = ",".join(f"col{i}" for i in range(5000))
    path = write(tmp_path, header + "\n" + ",".join("1" for _ in range(5000)) + "\n")
    started = time.perf_counter()
    result = load(small_store, "projects", path)
    seconds = time.perf_counter() - started
    assert result.problems_as_lines() == [
        f"f.csv:1:-: has 5,000 columns, more than the {reading.MAX_COLUMNS} an import reads: "
        "keep only the columns of projects"
    ]
    assert seconds < 10  # it took 40 s to list 5,000 unknown columns before (issue 16)


def test_a_wide_excel_header_is_rejected_the_same_way(small_store, tmp_path):
    cells = "".join(f'<c t="inlineStr"><is><t>col{i}</t></is></c>' for i in range(reading.MAX_COLUMNS + 1))
    path = xlsx_with(tmp_path / "wide.xlsx", [SHEET_HEAD, f'<row r="1">{cells}</row>', SHEET_TAIL])
    assert load(small_store, "projects", path).problems_as_lines() == [
        f"wide.xlsx:1:-: has {reading.MAX_COLUMNS + 1} columns, more than the {reading.MAX_COLUMNS} an import "
        "reads: keep only the columns of projects"
    ]


def test_an_xlsx_row_bomb_is_rejected_before_openpyxl_reads_a_row(small_store, tmp_path, monkeypatch):
    rows = 1_200_000  # more than the 1,048,576 an Excel sheet can hold, in about a megabyte of zip

    def chunks():
        yield SHEET_HEAD
        yield '<row r="1"><c t="inlineStr"><is><t>project_id</t></is></c></row>'
        for start in range(2, rows + 2, 100_000):
            yield "".join(f'<row r="{n}"><c><v>1</v></c></row>' for n in range(start, min(start + 100_000, rows + 2)))
        yield SHEET_TAIL

    path = xlsx_with(tmp_path / "rows.xlsx", chunks())
    assert path.stat().st_size < 3_000_000
    refuse_openpyxl(monkeypatch)
    before = project_rows(small_store)
    assert load(small_store, "projects", path).problems_as_lines() == [
        f"rows.xlsx:1:-: sheet 'projects' has more than {EXCEL_MAX_ROWS - 1:,} rows under its header, more than "
        "an Excel sheet holds: split the file or import a CSV"
    ]
    assert project_rows(small_store) == before
    assert ingest.preview(path, "projects").empty


def test_an_xlsx_shared_strings_bomb_is_rejected_from_the_zip_directory(small_store, tmp_path, monkeypatch):
    size = reading.MAX_SHARED_STRINGS_BYTES + 1_000_000
    filler = "a" * (size - 100)
    strings = f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>{filler}</t></si></sst>'
    path = xlsx_with(tmp_path / "strings.xlsx", [SHEET_HEAD, SHEET_TAIL], shared_strings=strings)
    assert path.stat().st_size < 1_000_000  # a few hundred kilobytes that expand to more than the limit
    refuse_openpyxl(monkeypatch)
    lines = load(small_store, "projects", path).problems_as_lines()
    assert len(lines) == 1
    assert lines[0].startswith("strings.xlsx:1:-: its shared strings expand to ")
    assert lines[0].endswith(
        f"MB, more than the {reading.MAX_SHARED_STRINGS_BYTES // 2**20} MB an import reads: save the sheet as "
        "CSV UTF-8 and import that"
    )
    assert ingest.preview(path, "projects").empty


def test_an_xlsx_larger_than_the_limit_uncompressed_is_rejected_from_the_zip_directory(
    small_store, tmp_path, monkeypatch
):
    monkeypatch.setattr(reading, "MAX_XLSX_UNCOMPRESSED_BYTES", 10_000)
    path = xlsx_with(tmp_path / "big.xlsx", [SHEET_HEAD, "<!--" + "x" * 20_000 + "-->", SHEET_TAIL])
    refuse_openpyxl(monkeypatch)
    assert load(small_store, "projects", path).problems_as_lines() == [
        "big.xlsx:1:-: it expands to 0 MB unzipped, more than the 0 MB an import reads: save the sheet as "
        "CSV UTF-8 and import that"
    ]


def test_a_csv_longer_than_the_line_limit_is_rejected_before_it_is_parsed(small_store, tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_CSV_LINES", 1_000)
    path = write(tmp_path, PROJECTS + "\n" + (GOOD_PROJECT + "\n") * 5_000)
    scanned = []
    real_read = reading._count_lines_upto

    def counting(*args, **kwargs):
        found = real_read(*args, **kwargs)
        scanned.append(found)
        return found

    monkeypatch.setattr(reading, "_count_lines_upto", counting)
    assert load(small_store, "projects", path).problems_as_lines() == [
        "f.csv:1:-: has more than 1,000 lines, more than an import reads: split the file"
    ]
    assert scanned and max(scanned) <= 1_001  # the count stopped at the limit


def test_a_csv_larger_than_the_size_limit_is_rejected_unread(small_store, tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_CSV_BYTES", 1_000)
    path = write(tmp_path, PROJECTS + "\n" + (GOOD_PROJECT + "\n") * 100)
    assert load(small_store, "projects", path).problems_as_lines() == [
        f"f.csv:1:-: is {path.stat().st_size:,} bytes, more than the 0 MB an import reads: split the file"
    ]


def test_the_problem_list_stops_at_its_cap_without_working_out_every_problem(small_store, tmp_path):
    """A cycle of 10,000 edges: every line closes it, but only the listed ones get their cycle spelt out."""
    edges = 10_000
    lines = "".join(f"P-1{i},P-1{(i + 1) % edges}\n" for i in range(edges))
    started = time.perf_counter()
    result = load(small_store, "project_dependencies", write(tmp_path, f"project_id,depends_on\n{lines}"))
    seconds = time.perf_counter() - started
    # Each line: project_id and depends_on are not projects, and the edge closes the cycle.
    assert result.problem_count == 3 * edges and len(result.problems) == ingest.PROBLEM_CAP
    assert result.problems_as_lines()[-1] == f"f.csv: and {3 * edges - 100:,} more problems not listed (30,000 in all)"
    assert seconds < 30  # spelling out all 10,000 cycles of 10,000 steps took minutes


def test_lines_that_cannot_be_read_are_worded_only_up_to_the_cap_and_counted_after(small_store, tmp_path):
    # Every other line is short: 25,000 lines that cannot be read, 100 of them worded.
    lines = "".join(f"P-{i},N,active,2026-01-01,2026-06-30,1,0.5\nP-8,Eight\n" for i in range(100, 25_100))
    path = write(tmp_path, f"{PROJECTS}\n{lines}")
    with duckdb.connect() as con:
        staged = reading.stage(con, path, "f.csv", "projects")
    assert len(staged.problems) == ingest.PROBLEM_CAP and staged.unlisted == 25_000 - ingest.PROBLEM_CAP
    result = load(small_store, "projects", path)
    assert result.problem_count == 25_000
    assert result.problems_as_lines()[0] == "f.csv:3:-: has 2 fields, the header has 7"


def test_the_write_lock_is_not_held_while_a_file_is_checked(small_store, tmp_path):
    """A scenario saved by another session while a big import is being checked goes in at once, not after it."""
    rows = "".join(f"P-{i},N{i},proposed,2026-01-01,2026-06-30,{i},0.5\n" for i in range(100, 20_100))
    path = write(tmp_path, f"{PROJECTS}\n{rows}")
    con = store.connect(small_store)
    events: list[str] = []
    saver: list[threading.Thread] = []

    def save() -> None:
        with con.cursor() as cur:
            scenarios.save_scenario(cur, "Saved meanwhile", {"budget_pct": 90}, ["P-1"])
        events.append("scenario saved")

    def progress(_done: float, text: str) -> None:
        if text == "checked types" and not saver:
            saver.append(threading.Thread(target=save, daemon=True))
            saver[0].start()
            saver[0].join(timeout=20)  # were the import holding the write lock, this would wait in vain
            events.append("validation went on")
        if text.startswith("writing"):
            events.append("import writes")

    try:
        with con.cursor() as cur:
            result = ingest.import_into(cur, "projects", path, imported_by="test", progress=progress)
        saver[0].join(timeout=60)
        names = [r[0] for r in con.execute("SELECT name FROM scenarios").fetchall()]
    finally:
        con.close()
    assert result.accepted, result.problems_as_lines()[:3]
    assert events == ["scenario saved", "validation went on", "import writes"]
    assert names == ["Saved meanwhile"]


def test_a_file_that_breaks_a_rule_only_with_rows_written_meanwhile_is_checked_again_under_the_lock(
    small_store, tmp_path
):
    """What is checked outside the lock is checked again inside it when the store changed in between."""
    path = write(tmp_path, "project_id,depends_on\nP-1,P-2\n")
    con = store.connect(small_store)
    con.execute(
        "INSERT INTO projects (project_id, name, stage, start_date, end_date, budget, probability_of_success) "
        "VALUES ('P-2', 'Two', 'active', '2026-01-01', '2026-12-31', 100, 0.5)"
    )

    done: list[str] = []

    def add_edge() -> None:
        with con.cursor() as cur, store.transaction(cur):
            cur.execute("INSERT INTO project_dependencies VALUES ('P-2', 'P-1', 'requires')")
        done.append("edge added")

    def progress(_done: float, text: str) -> None:
        if text == "checked references":  # another session makes the file's edge close a cycle
            writer = threading.Thread(target=add_edge, daemon=True)
            writer.start()
            writer.join(timeout=20)

    try:
        with con.cursor() as cur:
            result = ingest.import_into(cur, "project_dependencies", path, imported_by="test", progress=progress)
        edges = con.execute("SELECT project_id, depends_on FROM project_dependencies ORDER BY ALL").fetchall()
    finally:
        con.close()
    assert done == ["edge added"]
    assert result.problems_as_lines() == ["f.csv:2:depends_on: closes a dependency cycle: P-1 → P-2 → P-1"]
    assert edges == [("P-2", "P-1")]


# ------------------------------------------------------------------------------------------------ case 7: control chars


@pytest.mark.parametrize(
    ("cell", "code"), [("Acme\x1b[31m", "U+001B"), ("nul\x00here", "U+0000"), ("bell\x07", "U+0007")]
)
def test_a_control_character_in_any_text_cell_is_rejected_with_file_row_column(small_store, tmp_path, cell, code):
    before = project_rows(small_store)
    path = write(
        tmp_path, f"{PROJECTS},description\n{GOOD_PROJECT},fine\nP-8,{cell},active,2026-01-01,2026-06-30,1,0.5,ok\n"
    )
    assert load(small_store, "projects", path).problems_as_lines() == [
        f"f.csv:3:name: holds the control character {code}, which no spreadsheet or page can show: remove it"
    ]
    assert project_rows(small_store) == before


def test_tabs_and_line_breaks_in_free_text_are_still_fine(small_store, tmp_path):
    path = write(tmp_path, f'{PROJECTS},description\n{GOOD_PROJECT},"a\ttab and\r\na line break"\n')
    assert load(small_store, "projects", path).accepted


def test_a_control_character_in_an_excel_cell_is_rejected_too(small_store, tmp_path):
    path = tmp_path / "ctl.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "projects"
    sheet.append(PROJECTS.split(","))
    sheet.append(["P-8", "Eight", "active", "2026-01-01", "2026-06-30", 1, 0.5])
    book.save(path)
    # openpyxl refuses to write a control character, so it goes in by hand, escaped as Excel writes one.
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    for name in ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"):
        if name in parts:
            parts[name] = parts[name].replace(b">Eight<", b">Ei_x001B_ght<")
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    lines = load(small_store, "projects", path).problems_as_lines()
    assert lines == [
        "ctl.xlsx:2:name: holds the control character U+001B, which no spreadsheet or page can show: remove it"
    ]


@pytest.fixture
def control_store(small_store) -> Path:
    """A store that holds ESC and NUL in text, written with SQL past the importer (an older store, say)."""
    con = store.connect(small_store)
    con.execute("UPDATE projects SET name = 'Ev' || chr(27) || 'il' || chr(0) || 'name', description = chr(7)")
    con.close()
    return small_store


def test_exports_of_a_store_with_control_characters_work_and_replace_them(control_store, tmp_path, capsys):
    assert main(["export", "--db", str(control_store), "--out", str(tmp_path / "x"), "--format", "xlsx"]) == 0
    book = openpyxl.load_workbook(tmp_path / "x" / "quarterdeck.xlsx", read_only=True)
    names = [row[1] for row in book["projects"].iter_rows(min_row=2, values_only=True)]
    book.close()
    assert names == ["Ev\ufffdil\ufffdname"]
    ingest.export_store(control_store, tmp_path / "csv", "csv")
    assert "Ev\ufffdil\ufffdname" in (tmp_path / "csv" / "projects.csv").read_text(encoding="utf-8-sig")
    # The replaced text imports back cleanly.
    copy = tmp_path / "copy.duckdb"
    store.create_empty_store(copy)
    for table in ("products", "projects"):
        assert load(copy, table, tmp_path / "csv" / f"{table}.csv").accepted
    # Parquet is for programs: it keeps the text exactly as stored.
    ingest.export_store(control_store, tmp_path / "pq", "parquet")
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "pq" / "projects.parquet").column("name").to_pylist() == ["Ev\x1bil\x00name"]


def test_page_downloads_replace_control_characters(control_store):
    import pandas as pd

    from analytics import downloads

    frame = pd.DataFrame({"name": ["Ev\x1bil", "fine\ttab"], "n": [1, 2]})
    workbook = downloads.excel_bytes({"projects": frame})
    import io

    book = openpyxl.load_workbook(io.BytesIO(workbook))
    assert [c.value for c in book["projects"]["A"]] == ["name", "Ev\ufffdil", "fine\ttab"]
    assert "Ev\ufffdil" in downloads.csv_bytes(frame).decode("utf-8-sig")


# ------------------------------------------------------------------------------------------------ case 11


@pytest.mark.parametrize("day", ["0000-01-01", "1899-12-31", "2201-01-01", "9999-12-31"])
def test_a_date_outside_1900_to_2200_is_rejected(small_store, tmp_path, day):
    path = write(tmp_path, f"{PROJECTS}\nP-9,Nine,active,{day},2026-06-30,100,0.5\n")
    assert load(small_store, "projects", path).problems_as_lines() == [
        f'f.csv:2:start_date: "{day}" is not a date as YYYY-MM-DD from 1900-01-01 to 2200-12-31'
    ]


def test_dates_at_the_ends_of_the_range_are_fine(small_store, tmp_path):
    path = write(tmp_path, f"{PROJECTS}\nP-9,Nine,active,1900-01-01,2200-12-31,100,0.5\n")
    assert load(small_store, "projects", path).accepted


@pytest.mark.parametrize("name", ["all*.csv", "one?.csv", "set[12].csv"])
def test_a_path_with_glob_characters_is_read_as_exactly_that_file(small_store, tmp_path, name):
    write(tmp_path, f"{PROJECTS}\nP-9,Nine,active,2026-01-01,2026-06-30,100,0.5\n", name)
    # Files the pattern would match: DuckDB would read them too if it globbed the path.
    for other in ("all1.csv", "one1.csv", "set1.csv", "set2.csv"):
        write(tmp_path, f"{PROJECTS}\nP-7,Seven,active,2026-01-01,2026-06-30,100,0.5\n", other)
    result = load(small_store, "projects", tmp_path / name)
    assert result.accepted and result.rows == 1
    assert [r[0] for r in project_rows(small_store)] == ["P-1", "P-9"]


@pytest.mark.parametrize(
    ("encoding", "found"),
    [
        ("utf-16", "UTF-16 LE (its byte-order mark)"),
        ("utf-16-le", "UTF-16 LE (every other byte is zero)"),
        ("utf-16-be", "UTF-16 BE (every other byte is zero)"),
        ("utf-32", "UTF-32 LE (its byte-order mark)"),
    ],
)
def test_a_utf16_file_gets_one_sentence_naming_the_encoding(small_store, tmp_path, encoding, found):
    path = write(tmp_path, f"{PROJECTS}\n{GOOD_PROJECT}\n", encoding=encoding)
    assert load(small_store, "projects", path).problems_as_lines() == [
        f"f.csv:1:-: is encoded as {found}, not UTF-8: save it as CSV UTF-8 (in Excel: Save As, "
        "CSV UTF-8) and import that file"
    ]
    assert ingest.preview(path, "projects").empty


def test_a_workbook_named_csv_is_told_apart(small_store, tmp_path):
    book = openpyxl.Workbook()
    book.save(tmp_path / "book.xlsx")
    path = tmp_path / "f.csv"
    path.write_bytes((tmp_path / "book.xlsx").read_bytes())
    assert load(small_store, "projects", path).problems_as_lines() == [
        "f.csv:1:-: is a zip archive (an Excel workbook?), not CSV text: name it .xlsx, or save it as CSV UTF-8"
    ]


def test_negative_numbers_are_echoed_as_typed(small_store, tmp_path):
    path = write(
        tmp_path,
        f"{PROJECTS}\nP-9,Nine,active,2026-01-01,2026-06-30,-5,0.5\nP-8,E,active,2026-01-01,2026-06-30,-1e3,0.5\n",
    )
    assert load(small_store, "projects", path).problems_as_lines() == [
        'f.csv:2:budget: "-5" must be at least 0',
        'f.csv:3:budget: "-1e3" must be at least 0',
    ]


def test_one_problem_more_is_singular():
    result = ingest.ImportResult("projects", "f.csv", problem_count=ingest.PROBLEM_CAP + 1)
    result.problems = [ingest.Problem(2, 0, "f.csv", "-", "x")] * ingest.PROBLEM_CAP
    assert result.problems_as_lines()[-1] == f"f.csv: and 1 more problem not listed ({ingest.PROBLEM_CAP + 1} in all)"


def test_the_store_does_not_grow_with_rejected_imports(small_store, tmp_path):
    def size_after_checkpoint() -> int:
        con = store.connect(small_store)
        con.execute("CHECKPOINT")
        con.close()
        return small_store.stat().st_size

    rows = "".join(f"P-{i},N{i},proposed,2026-01-01,2026-06-30,{i},0.5\n" for i in range(100, 50_100))
    bad = write(tmp_path, f"{PROJECTS}\n{rows}P-x,Bad,proposed,2026-01-01,2026-06-30,lots,0.5\n")
    load(small_store, "projects", bad)  # the first rejection starts import_log's row group
    before = size_after_checkpoint()
    for _ in range(10):
        assert not load(small_store, "projects", bad).accepted
    # DuckDB allocates in blocks of 256 KB and reuses the ones freed: the size moves by a block or two, not more.
    assert size_after_checkpoint() <= before + (1 << 20)


def test_the_stores_connections_have_no_file_access_and_imports_and_exports_still_work(small_store, tmp_path):
    for read_only in (False, True):
        con = store.connect(small_store, read_only=read_only)
        try:
            assert con.execute("SELECT current_setting('enable_external_access')").fetchone()[0] is False
            with pytest.raises(duckdb.PermissionException):
                con.execute("SELECT * FROM read_csv(?)", [str(tmp_path / "f.csv")])
        finally:
            con.close()
    assert load(small_store, "projects", write(tmp_path, f"{PROJECTS}\n{GOOD_PROJECT}\n")).accepted
    for fmt in ingest.EXPORT_FORMATS:
        assert ingest.export_store(small_store, tmp_path / fmt, fmt)
