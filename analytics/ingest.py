"""Data in and out: import a CSV or Excel file into one table, all rows or none; templates; export.

Every rule an import checks comes from one description of the tables, the schema itself
(``analytics/schema.sql``): column names, types, NOT NULL, defaults, keys, UNIQUE and CHECK constraints are read
from DuckDB's catalog of that schema, so a new CHECK in the schema is enforced (and worded) here without a second
list. What the schema cannot say is said once below: which column refers to which table (``REFERENCES``), which
table is a dependency graph that must stay acyclic (``DEPENDENCY_GRAPHS``), and what each setting must hold
(``SETTING_RULES``).

An import reads the file into a temporary table of text with DuckDB (``read_csv``, or openpyxl for ``.xlsx``),
then checks every rule with set-based SQL over all rows at once, so a million rows are checked in seconds. Every
problem is reported as ``FILE:ROW:COLUMN: message`` where ROW is the line of the file (1 = the header). Only a
file without problems is written: upserted by the table's key in one transaction together with its line in
``import_log``; a rejected file changes nothing but its own line in ``import_log``.
"""

from __future__ import annotations

import codecs
import csv
import getpass
import io
import math
import re
import shutil
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock
from functools import lru_cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from analytics import downloads, store

#: Every contract table can be imported except the audit log itself, which only imports write.
# The records the app itself keeps (the import audit, the append-only decision log, role grants) are not imported.
RECORD_TABLES = ("import_log", "decisions", "user_roles")
IMPORTABLE_TABLES = tuple(t for t in store.CONTRACT_TABLES if t not in RECORD_TABLES)
EXPORT_FORMATS = ("csv", "xlsx", "parquet")

#: Columns that name a row of another table (by that table's one-column key). The schema keeps these out of
#: FOREIGN KEY clauses (see schema.sql), so the importer is where they hold.
REFERENCES: dict[str, dict[str, str]] = {
    "team_capacity": {"team_id": "teams"},
    "projects": {"product_id": "products"},
    "project_cashflows": {"project_id": "projects"},
    "project_alignment": {"project_id": "projects", "objective_id": "objectives"},
    "project_demand": {"project_id": "projects", "team_id": "teams"},
    "project_dependencies": {"project_id": "projects", "depends_on": "projects"},
    "project_progress": {"project_id": "projects"},
    "risks": {"project_id": "projects"},
    "kpi_history": {"product_id": "products", "metric": "kpi_definitions"},
    "kpi_targets": {"product_id": "products", "metric": "kpi_definitions"},
    "features": {"product_id": "products", "project_id": "projects"},
    "feedback": {"product_id": "products"},
    "retention_cohorts": {"product_id": "products"},
    "scenario_projects": {"scenario_id": "scenarios", "project_id": "projects"},
}

#: Tables whose rows are edges (from, to) of a graph that must have no cycle once the import is in.
DEPENDENCY_GRAPHS: dict[str, tuple[str, str]] = {"project_dependencies": ("project_id", "depends_on")}

#: What each setting must hold (CONTRACT.md): a SQL test of the text ``value`` and what is expected.
SETTING_RULES: dict[str, tuple[str, str]] = {
    "as_of": ("TRY_CAST(value AS DATE) IS NOT NULL", "an ISO date such as 2026-10-15"),
    "currency": ("regexp_full_match(value, '[A-Z]{3}')", "a three-letter ISO currency code such as USD"),
    "discount_rate": ("TRY_CAST(value AS DOUBLE) BETWEEN 0 AND 1", "an annual rate between 0 and 1, e.g. 0.08"),
    "fiscal_year_start_month": ("TRY_CAST(value AS INTEGER) BETWEEN 1 AND 12", "a month number from 1 to 12"),
    "company": ("length(value) > 0", "the company's name"),
}

#: At most this many problems are listed; the rest are counted.
PROBLEM_CAP = 100
#: An Excel sheet holds this many rows, the header included.
EXCEL_MAX_ROWS = 1_048_576
CSV_DELIMITERS = (",", ";", "\t", "|")
SHOWN_VALUE_CHARS = 40
NO_COLUMN = "-"
# The characters that make a spreadsheet run a cell (analytics.downloads), as a SQL list.
_FORMULA_STARTS_SQL = ", ".join("'" + start.replace("'", "''") + "'" for start in downloads.FORMULA_STARTS)

Progress = Callable[[float, str], None]


# --------------------------------------------------------------------------------------------------------------
# The tables, described once from the schema


@dataclass(frozen=True)
class Column:
    """One column of a table as the schema defines it."""

    name: str
    sql_type: str
    nullable: bool
    default: str | None
    #: The allowed values when a CHECK makes the column an enumeration.
    allowed: tuple[str, ...] | None = None

    @property
    def required(self) -> bool:
        """Whether a file must give a value: NOT NULL and no default to fall back on."""
        return not self.nullable and self.default is None


@dataclass(frozen=True)
class Rule:
    """A CHECK of the schema: ``sql`` must hold for every row where its columns have values."""

    columns: tuple[str, ...]
    sql: str
    message: str


@dataclass(frozen=True)
class Table:
    """An importable table: its columns in schema order, key, CHECK rules, UNIQUE columns and references."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rules: tuple[Rule, ...]
    unique: tuple[tuple[str, ...], ...]
    references: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in schema order."""
        return tuple(c.name for c in self.columns)


_ENUM = re.compile(r"^\((\w+) IN \((.+)\)\)$")
_BETWEEN = re.compile(r"^\((\w+) BETWEEN (-?[\d.]+) AND (-?[\d.]+)\)$")
_COMPARE = re.compile(r"^\((\w+) (>=|>|<=|<|<>|!=) (-?[\d.]+|\w+)\)$")
_MONTH_START = re.compile(r"^\((\w+) = date_trunc\('month', \1\)\)$")
_WORDS = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than"}


def _rule(expression: str, columns: list[str], types: dict[str, str]) -> tuple[Rule, tuple[str, ...] | None]:
    """Word a CHECK expression of the schema for people; return the rule and, for an enumeration, its values."""
    sql, expression = expression, expression.replace('"', "")  # DuckDB quotes identifiers that are keywords
    if m := _ENUM.match(expression):
        values = tuple(re.findall(r"'((?:[^']|'')*)'", m.group(2)))
        return Rule((m.group(1),), sql, "must be one of " + ", ".join(values)), values
    if m := _BETWEEN.match(expression):
        return Rule((m.group(1),), sql, f"must be between {m.group(2)} and {m.group(3)}"), None
    if m := _MONTH_START.match(expression):
        return Rule((m.group(1),), sql, "must be the first day of a month, e.g. 2026-10-01"), None
    if m := _COMPARE.match(expression):
        left, op, right = m.groups()
        if right in types:  # a comparison between two columns of the row
            if op in ("<>", "!="):
                return Rule((left, right), sql, f"must differ from {right}"), None
            dated = types[left] == "DATE"
            wording = {">=": "on or after", "<=": "on or before"} if dated else {">=": "at least", "<=": "at most"}
            return Rule((left, right), sql, f"must be {wording.get(op, _WORDS[op])} {right}"), None
        return Rule((left,), sql, f"must be {_WORDS.get(op, 'not')} {right}"), None
    return Rule(tuple(dict.fromkeys(columns)), sql, f"breaks the rule {expression}"), None


@lru_cache(maxsize=1)
def _schema_catalog() -> dict[str, Table]:
    con = duckdb.connect(":memory:")
    try:
        con.execute(store.SCHEMA_SQL.read_text(encoding="utf-8"))
        column_rows = con.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default FROM duckdb_columns() "
            "WHERE schema_name = 'main' ORDER BY table_name, column_index"
        ).fetchall()
        constraint_rows = con.execute(
            "SELECT table_name, constraint_type, expression, constraint_column_names FROM duckdb_constraints() "
            "WHERE schema_name = 'main' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'CHECK') "
            "ORDER BY table_name, constraint_index"
        ).fetchall()
    finally:
        con.close()
    types: dict[str, dict[str, str]] = {}
    columns: dict[str, list[Column]] = {}
    for table, name, sql_type, nullable, default in column_rows:
        types.setdefault(table, {})[name] = sql_type
        columns.setdefault(table, []).append(Column(name, sql_type, bool(nullable), default))
    keys: dict[str, tuple[str, ...]] = {}
    rules: dict[str, list[Rule]] = {}
    unique: dict[str, list[tuple[str, ...]]] = {}
    allowed: dict[tuple[str, str], tuple[str, ...]] = {}
    for table, kind, expression, names in constraint_rows:
        if kind == "PRIMARY KEY":
            keys[table] = tuple(names)
        elif kind == "UNIQUE":
            unique.setdefault(table, []).append(tuple(names))
        else:
            rule, values = _rule(expression, list(names), types[table])
            rules.setdefault(table, []).append(rule)
            if values is not None:
                allowed[(table, rule.columns[0])] = values
    catalog = {}
    for table in store.CONTRACT_TABLES:
        cols = tuple(
            Column(c.name, c.sql_type, c.nullable, c.default, allowed.get((table, c.name))) for c in columns[table]
        )
        catalog[table] = Table(
            table,
            cols,
            keys[table],
            tuple(rules.get(table, ())),
            tuple(unique.get(table, ())),
            REFERENCES.get(table, {}),
        )
    return catalog


def describe(table: str) -> Table:
    """Return the description of a contract table, read from the schema.

    Parameters
    ----------
    table
        A table of CONTRACT.md.

    Returns
    -------
    Table
        Columns (type, nullability, default, allowed values), key, CHECK rules, UNIQUE columns, references.

    Raises
    ------
    KeyError
        For a name that is not a contract table.
    """
    return _schema_catalog()[table]


# --------------------------------------------------------------------------------------------------------------
# Problems and results


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a file: where (ROW is the line in the file, 1 = header) and what."""

    row: int
    position: int
    file: str
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.column}: {self.message}"


@dataclass
class ImportResult:
    """What an import did: rows read, rows new and updated, or the problems that stopped it."""

    table: str
    file_name: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: Every problem found; ``problems`` lists at most PROBLEM_CAP of them.
    problem_count: int = 0
    import_id: str | None = None
    seconds: float = 0.0

    @property
    def accepted(self) -> bool:
        """Whether the file was written to the store."""
        return not self.problem_count

    def problems_as_lines(self) -> list[str]:
        """Every listed problem as ``FILE:ROW:COLUMN: message``, then how many more were not listed."""
        lines = [str(p) for p in self.problems]
        rest = self.problem_count - len(self.problems)
        if rest > 0:
            lines.append(f"{self.file_name}: and {rest:,} more problems not listed ({self.problem_count:,} in all)")
        return lines

    def problems_frame(self) -> pd.DataFrame:
        """Return the listed problems as a table: row, column, message."""
        return pd.DataFrame(
            {
                "row": [p.row for p in self.problems],
                "column": [p.column for p in self.problems],
                "problem": [p.message for p in self.problems],
            }
        )

    def summary(self) -> str:
        """One line for people and for ``import_log.message``."""
        if self.accepted:
            rows = "1 row" if self.rows == 1 else f"{self.rows:,} rows"
            return f"{rows}: {self.inserted:,} new, {self.updated:,} updated"
        first = str(self.problems[0]) if self.problems else ""
        plural = "problem" if self.problem_count == 1 else "problems"
        return f"{self.problem_count:,} {plural}; first: {first}"[:1000]


class _Rejected(Exception):
    """Raised inside the import transaction so that it rolls back."""


# --------------------------------------------------------------------------------------------------------------
# Reading a file into a temporary table of text


@dataclass
class _Staged:
    """A file read into temp table ``_raw``: ``_line`` and one text column ``c{i}`` per header cell."""

    header: list[str]
    rows: int
    problems: list[Problem]
    sheet: str | None = None


def _sniff_encoding(path: Path) -> str:
    """UTF-8 (with or without a BOM) when every byte decodes as such, else Latin-1 (which decodes anything)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        try:
            while chunk := handle.read(1 << 22):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"


def _sample(path: Path, encoding: str, size: int = 1 << 16) -> str:
    with open(path, "rb") as handle:
        head = handle.read(size)
    text = head.decode(encoding, errors="replace").removeprefix("\ufeff")
    if len(head) == size and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # whole lines only
    return text


def _sniff_delimiter(sample: str) -> str:
    """Return the delimiter that splits the header into most fields while the first lines agree on the count."""
    best, best_fields = ",", 0
    for delimiter in CSV_DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if r][:50]
        if not rows:
            continue
        fields = len(rows[0])
        agreeing = sum(len(r) == fields for r in rows)
        if fields > best_fields and agreeing * 2 >= len(rows):
            best, best_fields = delimiter, fields
    return best


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, shown: str) -> _Staged:
    if path.stat().st_size == 0:
        return _Staged(
            [], 0, [Problem(1, 0, shown, NO_COLUMN, "the file is empty: the first line must name the columns")]
        )
    encoding = _sniff_encoding(path)
    sample = _sample(path, encoding)
    delimiter = _sniff_delimiter(sample)
    header = next(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), [])
    if not header:
        return _Staged([], 0, [Problem(1, 0, shown, NO_COLUMN, "the first line is empty: it must name the columns")])
    columns = {f"c{i}": "VARCHAR" for i in range(len(header))}
    con.execute("DROP TABLE IF EXISTS _csv")
    # read_csv options are fixed (sniffed above, not auto-detected) so the parse is the same for every file;
    # malformed lines go to DuckDB's reject tables, with their line numbers, instead of failing the read.
    con.execute(
        "CREATE TEMP TABLE _csv AS SELECT * FROM read_csv(?, delim = ?, quote = '\"', escape = '\"', header = true, "
        "auto_detect = false, columns = ?, encoding = ?, store_rejects = true, null_padding = false)",
        [str(path), delimiter, columns, encoding],
    )
    rejects = con.execute(
        "SELECT line, column_name, error_type, error_message FROM reject_errors ORDER BY line"
    ).fetchall()
    # DuckDB reports a short line once per missing field: one problem a line is enough.
    first_per_line = {int(line): (kind, message) for line, _column, kind, message in reversed(rejects)}
    problems = [
        Problem(line, 0, shown, NO_COLUMN, _reject_message(kind, message, len(header)))
        for line, (kind, message) in sorted(first_per_line.items())
    ]
    good = con.execute("SELECT count(*) FROM _csv").fetchall()[0][0]
    lines = _record_lines(path, encoding, delimiter, len(header), good, sorted(first_per_line))
    selects = ", ".join(f"NULLIF(trim(c{i}), '') AS c{i}" for i in range(len(header)))
    # Rows keep the file's order (DuckDB preserves insertion order), and rowid grows along it; inside a
    # transaction rowids start at a large offset, hence the rank rather than the rowid itself.
    index = "row_number() OVER (ORDER BY rowid) - 1"
    if lines is None:
        # Every record is one line: the n-th row read (from 0) is line n + 2, the header being line 1.
        con.execute(f"CREATE OR REPLACE TEMP TABLE _raw AS SELECT {index} + 2 AS _line, {selects} FROM _csv")  # noqa: S608
    else:
        con.register("_lines", pa.table({"_idx": np.arange(len(lines), dtype=np.int64), "_line": lines}))
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _raw AS SELECT l._line, {selects} "  # noqa: S608
            f"FROM (SELECT {index} AS _idx, * FROM _csv) c JOIN _lines l USING (_idx)"
        )
        con.unregister("_lines")
    con.execute("DROP TABLE _csv")
    return _Staged([h.strip() for h in header], good, problems)


def _reject_message(kind: str, message: str, fields: int) -> str:
    if kind == "MISSING COLUMNS" or kind == "TOO MANY COLUMNS":
        found = re.search(r"Found: (\d+)", message)
        count = found.group(1) if found else "a different number of"
        return f"has {count} fields, the header has {fields}"
    if kind == "UNQUOTED VALUE":
        return 'a quote (") that is not closed, or inside a field that is not quoted: quote the field, double the quote'
    return f"cannot be read: {message.splitlines()[0][:200]}"


def _record_lines(
    path: Path, encoding: str, delimiter: str, fields: int, good: int, rejected: list[int]
) -> np.ndarray | None:
    """Return the file line of every row read, or None when row n is simply line n + 2.

    Counting newlines settles the usual case: if the file has exactly one line per record, rows are lines
    (minus the rejected ones). Only a file with quoted line breaks or blank lines is walked record by record.
    """
    with open(path, "rb") as handle:
        newlines, last = 0, b""
        while chunk := handle.read(1 << 22):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    physical = newlines + (0 if last == b"\n" else 1)
    if physical == 1 + good + len(rejected):
        if not rejected:
            return None
        return np.setdiff1d(np.arange(2, physical + 1, dtype=np.int64), np.asarray(rejected, dtype=np.int64))
    starts = []
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        previous_end = 0
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if start == 1 or not record:
                continue
            if len(record) == fields:
                starts.append(start)
    if len(starts) != good:  # the two parsers disagree on some odd record: fall back to record numbers
        return np.arange(2, good + 2, dtype=np.int64)
    return np.asarray(starts, dtype=np.int64)


def _cell_text(value: object) -> str | None:
    """Return an Excel cell as the text a CSV would hold: ISO dates, whole numbers without '.0', true/false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == clock(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _stage_xlsx(con: duckdb.DuckDBPyConnection, path: Path, shown: str, table: str) -> _Staged:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return _Staged([], 0, [Problem(1, 0, shown, NO_COLUMN, f"is not a readable .xlsx workbook ({reason})")])
    try:
        sheet_name = _sheet_for(book.sheetnames, table)
        rows = book[sheet_name].iter_rows(values_only=True)
        header_cells = next(rows, None)
        header = [_cell_text(c) or "" for c in (header_cells or ())]
        while header and not header[-1]:
            header.pop()
        if not header:
            return _Staged(
                [],
                0,
                [
                    Problem(
                        1,
                        0,
                        shown,
                        NO_COLUMN,
                        f"the first row of sheet {sheet_name!r} is empty: it must name the columns",
                    )
                ],
            )
        problems: list[Problem] = []
        lines: list[int] = []
        values: list[list[str | None]] = [[] for _ in header]
        for number, cells in enumerate(rows, start=2):
            texts = [_cell_text(c) for c in cells]
            if not any(t not in (None, "") for t in texts):
                continue
            if any(t not in (None, "") for t in texts[len(header) :]):
                problems.append(Problem(number, 0, shown, NO_COLUMN, "has a value in a column without a header"))
            texts = (texts + [None] * len(header))[: len(header)]
            lines.append(number)
            for column, text in zip(values, texts, strict=True):
                column.append(text)
    finally:
        book.close()
    arrays = {"_line": pa.array(lines, pa.int64())}
    arrays.update({f"c{i}": pa.array(v, pa.string()) for i, v in enumerate(values)})
    con.register("_sheet", pa.table(arrays))
    selects = ", ".join(f"NULLIF(trim(c{i}), '') AS c{i}" for i in range(len(header)))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _raw AS SELECT _line, {selects} FROM _sheet")  # noqa: S608
    con.unregister("_sheet")
    return _Staged([h.strip() for h in header], len(lines), problems, sheet=sheet_name)


def _stage(con: duckdb.DuckDBPyConnection, path: Path, shown: str, table: str) -> _Staged:
    suffix = path.suffix.lower()
    if not path.is_file():
        return _Staged([], 0, [Problem(1, 0, shown, NO_COLUMN, f"there is no file at {path}")])
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _stage_xlsx(con, path, shown, table)
        if suffix in (".csv", ".txt", ".tsv"):
            return _stage_csv(con, path, shown)
    except (duckdb.Error, csv.Error) as exc:
        reason = str(exc).splitlines()[0][:200]
        if "invalid state" in reason:  # DuckDB's word for a carriage return or quote that breaks a line apart
            reason = "a stray carriage return or quote breaks its lines apart; save it again as CSV (UTF-8)"
        return _Staged([], 0, [Problem(1, 0, shown, NO_COLUMN, f"cannot be read as CSV: {reason}")])
    return _Staged(
        [],
        0,
        [
            Problem(
                1,
                0,
                shown,
                NO_COLUMN,
                f"is a {suffix or 'file without extension'}: Quarterdeck imports .csv and .xlsx files",
            )
        ],
    )


# --------------------------------------------------------------------------------------------------------------
# Validation: every rule as one set-based query over the staged rows


def _typed_expression(column: Column, raw: str) -> tuple[str, str, str]:
    """Return SQL for the typed value, SQL testing the text is a valid value, and what a value looks like."""
    kind = column.sql_type
    if kind in ("INTEGER", "BIGINT"):
        number = f"TRY_CAST({raw} AS DOUBLE)"
        limit = 2**31 if kind == "INTEGER" else 2**53
        valid = f"({number} = trunc({number}) AND abs({number}) < {limit})"
        return f"CASE WHEN {valid} THEN CAST({number} AS {kind}) END", valid, "a whole number"
    if kind == "DOUBLE":
        number = f"TRY_CAST({raw} AS DOUBLE)"
        return f"CASE WHEN isfinite({number}) THEN {number} END", f"isfinite({number})", "a number such as 1250.5"
    if kind == "DATE":
        # A spreadsheet may add a midnight time to a date; any other time, or another order of day and month, is
        # refused rather than guessed.
        shape = rf"regexp_full_match({raw}, '\d{{4}}-\d{{1,2}}-\d{{1,2}}([ T]00:00(:00(\.0+)?)?)?')"
        valid = f"({shape} AND TRY_CAST({raw} AS DATE) IS NOT NULL)"
        return f"CASE WHEN {valid} THEN TRY_CAST({raw} AS DATE) END", valid, "a date as YYYY-MM-DD"
    if kind == "TIMESTAMP":
        valid = f"(TRY_CAST({raw} AS TIMESTAMP) IS NOT NULL)"
        return f"TRY_CAST({raw} AS TIMESTAMP)", valid, "a date and time as YYYY-MM-DD HH:MM:SS"
    if kind == "BOOLEAN":
        valid = f"(lower({raw}) IN ('true', 'false', 'yes', 'no', '1', '0', 't', 'f', 'y', 'n'))"
        return f"CASE WHEN {valid} THEN TRY_CAST(lower({raw}) AS BOOLEAN) END", valid, "true or false"
    if kind == "JSON":
        valid = f"(json_valid({raw}) AND TRY_CAST({raw} AS JSON) IS NOT NULL)"
        return f"CASE WHEN {valid} THEN CAST({raw} AS JSON) END", valid, 'valid JSON such as {"budget_pct": 90}'
    # Text: undo the export's neutralising apostrophe so that export -> import gives back the same text.
    starts = ", ".join("'" + s.replace("'", "''") + "'" for s in downloads.FORMULA_STARTS)
    text = (
        f"CASE WHEN {raw}[1] = '''' AND {raw}[2] IN ({starts}) AND TRY_CAST({raw}[2:] AS DOUBLE) IS NULL "
        f"THEN {raw}[2:] ELSE {raw} END"
    )
    return text, "true", "text"


def _show(sql_text: str) -> str:
    """Return SQL that quotes a value for a message, cut to a readable length."""
    return (
        f"'\"' || CASE WHEN length({sql_text}) > {SHOWN_VALUE_CHARS} "
        f"THEN left({sql_text}, {SHOWN_VALUE_CHARS}) || '…' ELSE {sql_text} END || '\"'"
    )


class _Checker:
    """Collects the problems of the staged file in temp table ``_problems``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: Table, shown: str, present: dict[str, int]):
        self.con, self.table, self.shown, self.present = con, table, shown, present
        con.execute("CREATE OR REPLACE TEMP TABLE _problems (line BIGINT, position INTEGER, col TEXT, message TEXT)")

    def add(self, column: str, message_sql: str, source: str, where: str, params: Iterable = ()) -> None:
        """Record a problem for every row of ``source`` where ``where`` holds (SQL built from the schema only)."""
        position = self.present.get(column, 0) + 1
        self.con.execute(
            f"INSERT INTO _problems SELECT _line, ?, ?, {message_sql} FROM {source} WHERE {where}",  # noqa: S608
            [position, column, *params],
        )

    def add_list(self, problems: Iterable[Problem]) -> None:
        rows = [(p.row, p.position, p.column, p.message) for p in problems]
        if rows:
            self.con.executemany("INSERT INTO _problems VALUES (?, ?, ?, ?)", rows)

    def collect(self) -> tuple[list[Problem], int]:
        total = self.con.execute("SELECT count(*) FROM _problems").fetchall()[0][0]
        rows = self.con.execute(
            "SELECT line, position, col, message FROM _problems ORDER BY line, position, message LIMIT ?",
            [PROBLEM_CAP],
        ).fetchall()
        return [Problem(int(r[0]), int(r[1]), self.shown, r[2], r[3]) for r in rows], int(total)


def _check_header(table: Table, header: list[str], shown: str) -> tuple[dict[str, int], list[Problem]]:
    """Map header cells to the table's columns; problems for unknown, repeated and missing columns."""
    present: dict[str, int] = {}
    problems = []
    known = set(table.names)
    for position, cell in enumerate(header):
        name = cell.strip().lower().removeprefix("\ufeff")
        label = cell.strip() or f"column {position + 1}"
        if not name:
            problems.append(
                Problem(1, position + 1, shown, label, f"has no name; name it after a column of {table.name}")
            )
        elif name not in known:
            problems.append(
                Problem(
                    1,
                    position + 1,
                    shown,
                    label,
                    f"is not a column of {table.name}; its columns are {', '.join(table.names)}",
                )
            )
        elif name in present:
            problems.append(Problem(1, position + 1, shown, label, f"appears twice (also column {present[name] + 1})"))
        else:
            present[name] = position
    for column in table.columns:
        if column.required and column.name not in present:
            problems.append(Problem(1, len(header) + 1, shown, column.name, "is missing: every row needs it"))
    return present, problems


def _validate(
    con: duckdb.DuckDBPyConnection, table: Table, staged: _Staged, shown: str, progress: Progress
) -> tuple[list[Problem], int]:
    present, header_problems = _check_header(table, staged.header, shown)
    if not staged.header:  # nothing was read: the file's own problem is the only one
        return staged.problems, len(staged.problems)
    checker = _Checker(con, table, shown, present)
    checker.add_list(staged.problems + header_problems)

    # Types: one typed copy of the file, NULL where a cell is empty or not a value of its column's type.
    typed_selects = ["_line"]
    for name, position in present.items():
        column = table.column(name)
        raw = f"c{position}"
        typed, valid, expected = _typed_expression(column, raw)
        if column.required:
            checker.add(name, "'is empty; a value is required'", "_raw", f"{raw} IS NULL")
        if valid != "true":
            invalid = f"{raw} IS NOT NULL AND NOT coalesce({valid}, false)"
            checker.add(name, f"{_show(raw)} || ' is not ' || ?", "_raw", invalid, [expected])
        if column.default is not None and not column.nullable:
            typed = f"COALESCE({typed}, {column.default})"
        typed_selects.append(f"{typed} AS {name}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _typed AS SELECT {', '.join(typed_selects)} FROM _raw")  # noqa: S608
    progress(0.5, "checked types")

    # CHECK constraints of the schema, on the rows whose values are all there.
    for rule in table.rules:
        if all(c in present for c in rule.columns):
            first = rule.columns[0]
            shown_value = _show(f"CAST({first} AS VARCHAR)")
            checker.add(first, f"{shown_value} || ' ' || ?", "_typed", f"NOT ({rule.sql})", [rule.message])
    if table.name == "settings" and {"key", "value"} <= present.keys():
        for key, (test, expected) in SETTING_RULES.items():
            checker.add(
                "value",
                f"{_show('value')} || ' is not ' || ?",
                "_typed",
                f"key = ? AND value IS NOT NULL AND NOT coalesce({test}, false)",
                [expected, key],
            )
    progress(0.6, "checked ranges and allowed values")

    # Keys, and UNIQUE columns, once within the file; a UNIQUE value also against the rows already stored.
    for columns in (table.key, *table.unique):
        if not all(c in present for c in columns):
            continue
        joined = ", ".join(columns)
        not_null = " AND ".join(f"{c} IS NOT NULL" for c in columns)
        label = "key" if columns == table.key else "value of " + joined
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _repeats AS SELECT _line, min(_line) OVER (PARTITION BY {joined}) "  # noqa: S608
            f"AS first_line FROM _typed WHERE {not_null}"
        )
        checker.add(columns[-1], f"'repeats the {label} of line ' || first_line", "_repeats", "_line > first_line")
        if columns != table.key:
            # A UNIQUE value held by a stored row of another key, unless the file rewrites that row too.
            key_match = " AND ".join(f"s.{k} = t.{k}" for k in table.key)
            value_match = " AND ".join(f"s.{c} = t.{c}" for c in columns)
            rewritten = " AND ".join(f"o.{k} = s.{k}" for k in table.key)
            taken = f"NOT ({key_match}) AND NOT EXISTS (SELECT 1 FROM _typed o WHERE {rewritten})"  # noqa: S608
            message = (
                f"{_show(f'CAST(t.{columns[-1]} AS VARCHAR)')} || ' is already used by another row of {table.name}'"
            )
            checker.add(columns[-1], message, f"_typed t JOIN {table.name} s ON {value_match}", taken)
    progress(0.7, "checked keys")

    # References: a value must name a row already in the store, or (for a table that refers to itself) in the file.
    for name, target in table.references.items():
        if name not in present:
            continue
        target_key = describe(target).key[0]
        in_file = f"SELECT 1 FROM _typed f WHERE f.{target_key} = t.{name}"  # noqa: S608
        in_store = f"SELECT 1 FROM {target} r WHERE r.{target_key} = t.{name}"  # noqa: S608
        missing = f"t.{name} IS NOT NULL AND NOT EXISTS ({in_store})"
        if target == table.name:
            missing += f" AND NOT EXISTS ({in_file})"
        message = f"{_show('t.' + name)} || ' is not a {target_key} in {target}: import {target} first'"
        checker.add(name, message, "_typed t", missing)
    progress(0.8, "checked references")

    graph = DEPENDENCY_GRAPHS.get(table.name)
    if graph and all(c in present for c in graph):
        checker.add_list(_cycle_problems(con, table.name, graph, shown, present))
    progress(0.85, "checked dependencies")
    return checker.collect()


def _cycle_problems(
    con: duckdb.DuckDBPyConnection, table: str, graph: tuple[str, str], shown: str, present: dict[str, int]
) -> list[Problem]:
    """Return a problem for every line whose edge lies on a cycle of the graph the import would leave."""
    source, target = graph
    edges = con.execute(
        f"SELECT {source}, {target} FROM {table} UNION SELECT {source}, {target} FROM _typed "  # noqa: S608
        f"WHERE {source} IS NOT NULL AND {target} IS NOT NULL AND {source} <> {target}"
    ).fetchall()
    component = _strongly_connected(edges)
    successors: dict[str, list[str]] = {}
    for a, b in edges:
        successors.setdefault(a, []).append(b)
    problems = []
    file_edges = con.execute(
        f"SELECT _line, {source}, {target} FROM _typed WHERE {source} IS NOT NULL AND {target} IS NOT NULL "  # noqa: S608
        f"AND {source} <> {target} ORDER BY _line"
    ).fetchall()
    for line, a, b in file_edges:
        if component.get(a) is not None and component.get(a) == component.get(b):
            path = _path_within(successors, component, b, a)
            loop = " → ".join([a, *path])
            problems.append(
                Problem(int(line), present[target] + 1, shown, target, f"closes a dependency cycle: {loop}")
            )
    return problems


def _strongly_connected(edges: list[tuple[str, str]]) -> dict[str, int]:
    """Tarjan's algorithm without recursion: node -> component number, for components of two or more nodes."""
    successors: dict[str, list[str]] = {}
    for a, b in edges:
        successors.setdefault(a, []).append(b)
        successors.setdefault(b, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: dict[str, int] = {}
    counter = 0
    for root in successors:
        if root in index:
            continue
        work = [(root, iter(successors[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors[child])))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                if len(members) > 1:
                    for member in members:
                        result[member] = index[node]
    return result


def _path_within(successors: dict[str, list[str]], component: dict[str, int], start: str, goal: str) -> list[str]:
    """Return the shortest path start -> goal inside one strongly connected component (breadth first)."""
    came_from: dict[str, str | None] = {start: None}
    queue = [start]
    for node in queue:
        if node == goal:
            break
        for child in successors.get(node, ()):
            if child not in came_from and component.get(child) == component[start]:
                came_from[child] = node
                queue.append(child)
    path, node = [], goal
    while node is not None:
        path.append(node)
        node = came_from.get(node)
    return path[::-1]


# --------------------------------------------------------------------------------------------------------------
# Import


def _no_progress(_fraction: float, _text: str) -> None:
    return None


def import_into(
    con: duckdb.DuckDBPyConnection,
    table: str,
    file: str | Path,
    *,
    imported_by: str | None = None,
    file_name: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Check a .csv or .xlsx file against ``table``'s rules and, if it has no problem, upsert it in one transaction.

    Parameters
    ----------
    con
        A read-write connection (or cursor) to the store.
    table
        One of ``IMPORTABLE_TABLES``.
    file
        The file to read; CSV with any of the delimiters , ; tab | in UTF-8 (BOM or not) or Latin-1, or .xlsx
        (the sheet named after the table, else the first sheet).
    imported_by
        Who imports, for ``import_log`` (default: the operating-system user).
    file_name
        The name to report problems under and log (default: the file's own name), e.g. an upload's name.
    progress
        Called with (fraction done, what is happening) as the import goes.

    Returns
    -------
    ImportResult
        Rows read, inserted and updated, or every problem (at most ``PROBLEM_CAP`` listed) when rejected.
        Either way one row is added to ``import_log``.
    """
    started = time.perf_counter()
    report = progress or _no_progress
    path = Path(file)
    shown = file_name or path.name
    result = ImportResult(table=table, file_name=shown)
    if table not in IMPORTABLE_TABLES:
        choices = ", ".join(IMPORTABLE_TABLES)
        message = f"{table!r} is not a table that can be imported; choose one of {choices}"
        result.problems = [Problem(1, 0, shown, NO_COLUMN, message)]
        result.problem_count = 1
        _log(con, result, imported_by, started)
        return result
    spec = describe(table)
    try:
        with store.transaction(con):
            report(0.05, f"reading {shown}")
            staged = _stage(con, path, shown, table)
            result.rows = staged.rows
            report(0.35, f"read {staged.rows:,} rows; checking them")
            result.problems, result.problem_count = _validate(con, spec, staged, shown, report)
            if result.problem_count:
                raise _Rejected
            report(0.9, f"writing {staged.rows:,} rows")
            result.inserted, result.updated = _upsert(con, spec, list(_check_header(spec, staged.header, shown)[0]))
            _log_row(con, result, imported_by, started)
    except _Rejected:
        _log(con, result, imported_by, started)
    finally:
        for temp in ("_raw", "_typed", "_problems", "_repeats"):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
    report(1.0, "done")
    return result


def _upsert(con: duckdb.DuckDBPyConnection, table: Table, columns: list[str]) -> tuple[int, int]:
    """Insert the checked rows, replacing the stored row with the same key; return (inserted, updated)."""
    ordered = [c for c in table.names if c in columns]
    key = ", ".join(table.key)
    key_match = " AND ".join(f"s.{k} = t.{k}" for k in table.key)
    updated = con.execute(
        f"SELECT count(*) FROM _typed t WHERE EXISTS (SELECT 1 FROM {table.name} s WHERE {key_match})"  # noqa: S608
    ).fetchall()[0][0]
    total = con.execute("SELECT count(*) FROM _typed").fetchall()[0][0]
    others = [c for c in ordered if c not in table.key]
    action = "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in others) if others else "DO NOTHING"
    names = ", ".join(ordered)
    con.execute(
        f"INSERT INTO {table.name} ({names}) SELECT {names} FROM _typed ON CONFLICT ({key}) {action}"  # noqa: S608
    )
    return int(total - updated), int(updated)


def _log_row(con: duckdb.DuckDBPyConnection, result: ImportResult, imported_by: str | None, started: float) -> None:
    result.import_id = str(uuid.uuid4())
    result.seconds = time.perf_counter() - started
    con.execute(
        "INSERT INTO import_log (import_id, table_name, file_name, rows, imported_at, imported_by, status, message) "
        "VALUES (?, ?, ?, ?, current_timestamp, ?, ?, ?)",
        [
            result.import_id,
            result.table,
            result.file_name,
            result.rows,
            imported_by or _default_user(),
            "accepted" if result.accepted else "rejected",
            result.summary(),
        ],
    )


def _log(con: duckdb.DuckDBPyConnection, result: ImportResult, imported_by: str | None, started: float) -> None:
    with store.transaction(con):
        _log_row(con, result, imported_by, started)


def _default_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def import_file(
    store_path: str | Path | None,
    table: str,
    file: str | Path,
    *,
    imported_by: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Open the store at ``store_path`` read-write and run :func:`import_into` on it (the command line's import).

    Parameters
    ----------
    store_path
        The store (``None``: ``$QUARTERDECK_DB`` or ``data/demo.duckdb``).
    table, file, imported_by, progress
        As for :func:`import_into`.

    Returns
    -------
    ImportResult
        See :func:`import_into`.
    """
    con = store.connect(store_path)
    try:
        return import_into(con, table, file, imported_by=imported_by, progress=progress)
    finally:
        con.close()


def preview(file: str | Path, table: str, rows: int = 20) -> pd.DataFrame:
    """Return the first ``rows`` rows of a file as it will be read for ``table``, as text, with their lines.

    Only the head of the file is read (the first 64 KB of a CSV, the first rows of the sheet), so a preview of a
    200 MB upload is instant; the import itself reads everything.
    """
    path = Path(file)
    lines: list[int] = []
    records: list[list[str]] = []
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception:  # the import reports why; a preview just has nothing to show
            return pd.DataFrame()
        try:
            sheet = book[_sheet_for(book.sheetnames, table)]
            for number, cells in enumerate(sheet.iter_rows(values_only=True, max_row=rows + 1), start=1):
                lines.append(number)
                records.append([_cell_text(c) or "" for c in cells])
        finally:
            book.close()
    elif path.exists() and path.stat().st_size:
        with open(path, "rb") as handle:
            head = handle.read(1 << 16)
        try:
            head.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sample is still UTF-8.
            encoding = "utf-8" if exc.start >= len(head) - 3 else "latin-1"
        sample = _sample(path, encoding)
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=_sniff_delimiter(sample))
        end = 0
        for record in reader:
            start, end = end + 1, reader.line_num
            if record:
                lines.append(start)
                records.append(record)
            if len(records) > rows:
                break
    if not records:
        return pd.DataFrame()
    header = [h.strip() or f"column {i + 1}" for i, h in enumerate(records[0])]
    body = [(r + [""] * len(header))[: len(header)] for r in records[1:]]
    frame = pd.DataFrame(body, columns=_unique_labels(header), dtype="string")
    frame.insert(0, "line", lines[1 : len(body) + 1])
    return frame


def _sheet_for(sheetnames: list[str], table: str) -> str:
    """Return the sheet to read for ``table``: the one named after it (any case), else the first."""
    names = {name.lower(): name for name in sheetnames}
    return names.get(table.lower(), sheetnames[0])


def _unique_labels(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    labels = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        labels.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return labels


# --------------------------------------------------------------------------------------------------------------
# Templates

#: One example row per table, as the text a file would hold. The rows refer to each other (LEDGER, P-001,
#: T-DATA, ...) so importing every template in table order into an empty store is accepted.
EXAMPLE_ROWS: dict[str, dict[str, str]] = {
    "settings": {"key": "currency", "value": "USD"},
    "objectives": {
        "objective_id": "O-GROWTH",
        "name": "Grow recurring revenue",
        "description": "New logos and expansion",
        "weight": "0.3",
    },
    "products": {
        "product_id": "LEDGER",
        "name": "Ledger",
        "segment": "Mid-market",
        "owner": "Priya Raman",
        "lifecycle_stage": "maturity",
        "launched_on": "2018-04-09",
    },
    "teams": {"team_id": "T-DATA", "name": "Data platform", "skill": "data engineering"},
    "team_capacity": {"team_id": "T-DATA", "period": "2026-10-01", "fte": "8"},
    "projects": {
        "project_id": "P-001",
        "name": "Self-serve onboarding",
        "product_id": "LEDGER",
        "program": "Growth",
        "sponsor": "Ana Costa",
        "manager": "Sam Lee",
        "stage": "approved",
        "start_date": "2026-11-01",
        "end_date": "2027-06-30",
        "budget": "850000",
        "probability_of_success": "0.7",
        "health": "green",
        "mandatory": "false",
        "description": "Guided set-up for new accounts",
    },
    "project_cashflows": {"project_id": "P-001", "period": "2026-11-01", "cost": "120000", "benefit": "0"},
    "project_alignment": {"project_id": "P-001", "objective_id": "O-GROWTH", "score": "4"},
    "project_demand": {"project_id": "P-001", "team_id": "T-DATA", "period": "2026-11-01", "fte": "2.5"},
    "project_dependencies": {"project_id": "P-002", "depends_on": "P-001", "kind": "requires"},
    "project_progress": {
        "project_id": "P-001",
        "as_of": "2026-12-31",
        "percent_complete": "20",
        "planned_value": "180000",
        "earned_value": "170000",
        "actual_cost": "175000",
    },
    "risks": {
        "risk_id": "R-001",
        "project_id": "P-001",
        "title": "Key engineer may leave",
        "category": "people",
        "probability": "0.2",
        "impact": "4",
        "status": "open",
        "owner": "Sam Lee",
        "mitigation": "Pair on the critical parts",
        "raised_on": "2026-11-15",
    },
    "kpi_definitions": {
        "metric": "revenue",
        "label": "Revenue",
        "unit": "USD",
        "direction": "higher_is_better",
        "aggregation": "sum",
    },
    "kpi_history": {"product_id": "LEDGER", "metric": "revenue", "date": "2026-10-14", "value": "65250.5"},
    "kpi_targets": {"product_id": "LEDGER", "metric": "revenue", "period": "2026-10-01", "target": "2000000"},
    "features": {
        "feature_id": "F-001",
        "product_id": "LEDGER",
        "title": "Bulk invoice export",
        "theme": "Reporting",
        "status": "planned",
        "reach": "4000",
        "impact": "2",
        "confidence": "0.8",
        "effort": "3",
        "business_value": "8",
        "time_criticality": "5",
        "risk_reduction": "2",
        "job_size": "5",
        "start_date": "2026-11-01",
        "target_date": "2027-01-31",
        "shipped_on": "",
        "project_id": "P-001",
    },
    "feedback": {
        "feedback_id": "FB-000001",
        "product_id": "LEDGER",
        "received_on": "2026-10-12",
        "channel": "in-app",
        "nps_score": "9",
        "csat_score": "5",
        "theme": "Ease of use",
        "comment": "Set-up took minutes",
    },
    "retention_cohorts": {
        "product_id": "LEDGER",
        "cohort_month": "2026-01-01",
        "month_offset": "3",
        "cohort_size": "1200",
        "retained": "840",
    },
    "scenarios": {
        "scenario_id": "S-001",
        "name": "Budget at 90%",
        "created_at": "2026-10-15 09:30:00",
        "created_by": "Ana Costa",
        "params": '{"budget_pct": 90, "rate": 0.08, "alpha": 0.3}',
        "note": "Board review",
    },
    "scenario_projects": {"scenario_id": "S-001", "project_id": "P-001", "chosen": "true"},
}


def template_frame(table: str) -> pd.DataFrame:
    """Return the template of ``table``: every column as a header, and one example row (as text)."""
    spec = describe(table)
    example = EXAMPLE_ROWS[table]
    return pd.DataFrame([[example.get(c, "") for c in spec.names]], columns=list(spec.names))


@lru_cache(maxsize=64)
def template_csv(table: str) -> bytes:
    """Return the CSV template of ``table`` (UTF-8 with a BOM so Excel reads accents right)."""
    return downloads.csv_bytes(template_frame(table))


@lru_cache(maxsize=64)
def template_xlsx(table: str) -> bytes:
    """Return the Excel template of ``table``: headers, one example row and drop-down lists.

    Columns with an enumeration (and true/false columns) get a data-validation list over the whole column, so
    Excel offers the allowed values and refuses others. A second sheet, ``columns``, says what each column holds.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    spec = describe(table)
    book = Workbook()
    sheet = book.active
    sheet.title = table[:31]
    sheet.append(list(spec.names))
    sheet.append([_example_cell(column, EXAMPLE_ROWS[table].get(column.name, "")) for column in spec.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(spec.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, len(column.name) + 4)
        allowed = column.allowed or (("true", "false") if column.sql_type == "BOOLEAN" else None)
        if allowed:
            validation = DataValidation(
                type="list", formula1='"' + ",".join(allowed) + '"', allow_blank=column.nullable
            )
            validation.error = f"{column.name} must be one of {', '.join(allowed)}"
            validation.errorTitle = "Not an allowed value"
            validation.add(f"{letter}2:{letter}{EXCEL_MAX_ROWS}")
            sheet.add_data_validation(validation)
    about = book.create_sheet("columns")
    about.append(["column", "type", "required", "allowed values or rule", "refers to"])
    for cell in about[1]:
        cell.font = Font(bold=True)
    for column in spec.columns:
        rules = "; ".join(r.message for r in spec.rules if r.columns[0] == column.name and not column.allowed)
        about.append(
            [
                column.name,
                column.sql_type.lower(),
                "yes" if column.required else "no",
                ", ".join(column.allowed) if column.allowed else rules,
                spec.references.get(column.name, ""),
            ]
        )
    for letter, width in zip("ABCDE", (22, 10, 10, 60, 18), strict=True):
        about.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _example_cell(column: Column, text: str) -> object:
    """Return an example value typed as Excel would hold it, so the template's cells are numbers and dates."""
    if text == "":
        return None
    if column.sql_type == "DOUBLE":
        return float(text)
    if column.sql_type in ("INTEGER", "BIGINT"):
        return int(text)
    if column.sql_type == "DATE":
        return date.fromisoformat(text)
    if column.sql_type == "TIMESTAMP":
        return datetime.fromisoformat(text)
    if column.sql_type == "BOOLEAN":
        return text == "true"
    return text


# --------------------------------------------------------------------------------------------------------------
# Export


class ExportError(Exception):
    """A store that cannot be written in the asked format; the message says why and what to do instead."""


def _ordered_select(table: Table, neutralised: bool) -> str:
    """SELECT of every column in schema order, rows by key; text neutralised against formula injection if asked."""
    columns = []
    for column in table.columns:
        if neutralised and column.sql_type == "VARCHAR":
            name = column.name
            columns.append(
                f"CASE WHEN {name}[1] IN ({_FORMULA_STARTS_SQL}) THEN _qd_neutralise({name}) ELSE {name} END AS {name}"
            )
        else:
            columns.append(column.name)
    return f"SELECT {', '.join(columns)} FROM {table.name} ORDER BY {', '.join(table.key)}"  # noqa: S608


def _register_neutralise(con: duckdb.DuckDBPyConnection) -> None:
    # The rule lives in analytics.downloads; the SQL around it (_ordered_select) calls it only for text that
    # starts with a formula character, so a 10M-row table costs no Python call per cell. Cursors share their
    # connection's functions, so the second export on a connection finds it registered already.
    try:
        con.create_function(
            "_qd_neutralise", downloads.neutralise, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR")
        )
    except duckdb.CatalogException:
        pass


def export_tables(
    con: duckdb.DuckDBPyConnection, out_dir: str | Path, fmt: str = "csv", tables: Iterable[str] | None = None
) -> list[Path]:
    """Write every contract table (or ``tables``) to ``out_dir``: a CSV or Parquet file each, or one workbook.

    Rows are ordered by key and columns follow the schema, so exporting the same data twice gives the same files.
    CSV and Excel text that a spreadsheet would run as a formula is neutralised (``analytics.downloads``).

    Parameters
    ----------
    con
        A connection to the store.
    out_dir
        The folder to write into (created if missing).
    fmt
        ``"csv"`` (UTF-8 with a BOM), ``"xlsx"`` (``quarterdeck.xlsx``, a sheet per table) or ``"parquet"``.
    tables
        The tables to write; default every contract table.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ExportError
        For an unknown format, or a table too long for an Excel sheet.
    """
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"Unknown export format {fmt!r}: choose one of {', '.join(EXPORT_FORMATS)}.")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    names = list(tables) if tables is not None else list(store.CONTRACT_TABLES)
    specs = [describe(t) for t in names]
    if fmt == "xlsx":
        return [_export_workbook(con, specs, folder / "quarterdeck.xlsx")]
    written = []
    # A cursor of its own: DuckDB refuses to register a function on a connection with an unfinished result.
    with con.cursor() as cur:
        if fmt == "csv":
            _register_neutralise(cur)
        for spec in specs:
            target = folder / f"{spec.name}.{fmt}"
            query = _ordered_select(spec, neutralised=fmt == "csv")
            if fmt == "parquet":
                cur.execute(f"COPY ({query}) TO '{_quoted_path(target)}' (FORMAT parquet)")
            else:
                _copy_csv_with_bom(cur, query, target)
            written.append(target)
    return written


def _quoted_path(path: Path) -> str:
    # COPY ... TO takes no parameters; the path is ours (out_dir / a table name) with quotes doubled.
    return str(path).replace("'", "''")


def _copy_csv_with_bom(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    body = target.with_name(target.name + ".part")
    con.execute(f"COPY ({query}) TO '{_quoted_path(body)}' (FORMAT csv, HEADER true, DELIMITER ',')")
    with open(target, "wb") as out, open(body, "rb") as part:
        out.write(codecs.BOM_UTF8)
        shutil.copyfileobj(part, out, 1 << 22)
    body.unlink()


def _export_workbook(con: duckdb.DuckDBPyConnection, specs: list[Table], target: Path) -> Path:
    from openpyxl import Workbook

    counts = {s.name: con.execute(f"SELECT count(*) FROM {s.name}").fetchall()[0][0] for s in specs}  # noqa: S608
    too_long = {t: n for t, n in counts.items() if n >= EXCEL_MAX_ROWS}
    if too_long:
        detail = ", ".join(f"{t} has {n:,} rows" for t, n in too_long.items())
        raise ExportError(
            f"{detail}: more than an Excel sheet holds ({EXCEL_MAX_ROWS - 1:,} rows under the header). "
            "Export as CSV or Parquet instead."
        )
    book = Workbook(write_only=True)
    for spec in specs:
        sheet = book.create_sheet(spec.name[:31])
        sheet.append(list(spec.names))
        cursor = con.execute(_ordered_select(spec, neutralised=False))
        while batch := cursor.fetchmany(10_000):
            for row in batch:
                sheet.append([downloads.neutralise(v) for v in row])
    book.save(target)
    return target


def export_store(
    store_path: str | Path | None, out_dir: str | Path, fmt: str = "csv", tables: Iterable[str] | None = None
) -> list[Path]:
    """Open the store read-only and write every table with :func:`export_tables` (the command line's export).

    Parameters
    ----------
    store_path
        The store (``None``: ``$QUARTERDECK_DB`` or ``data/demo.duckdb``).
    out_dir
        The folder to write into.
    fmt
        ``"csv"``, ``"xlsx"`` or ``"parquet"``.
    tables
        The tables to write; default every contract table.

    Returns
    -------
    list of Path
        The files written.
    """
    con = store.connect(store_path, read_only=True)
    try:
        return export_tables(con, out_dir, fmt, tables)
    finally:
        con.close()


def export_bytes(con: duckdb.DuckDBPyConnection, fmt: str) -> bytes:
    """Return the whole store as one download: a zip of CSV or Parquet files, or the Excel workbook.

    Parameters
    ----------
    con
        A connection to the store.
    fmt
        ``"csv"``, ``"xlsx"`` or ``"parquet"``.

    Returns
    -------
    bytes
        The zip (csv, parquet) or .xlsx file.
    """
    with tempfile.TemporaryDirectory(prefix="quarterdeck-export-") as folder:
        written = export_tables(con, folder, fmt)
        if fmt == "xlsx":
            return written[0].read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                archive.write(path, arcname=path.name)
        return buffer.getvalue()


# --------------------------------------------------------------------------------------------------------------
# Store management


def store_overview(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every contract table with its row count and its last import (when, file, outcome, by whom).

    Parameters
    ----------
    con
        A connection to the store.

    Returns
    -------
    pandas.DataFrame
        Columns table, rows, last_import, file, status, imported_by, message; one row per contract table,
        in the order a store is best filled.
    """
    counts = store.table_counts(con)
    last = con.execute(
        "SELECT table_name, imported_at, file_name, status, imported_by, message FROM import_log "
        "QUALIFY row_number() OVER (PARTITION BY table_name ORDER BY imported_at DESC, import_id) = 1"
    ).df()
    frame = pd.DataFrame({"table": list(counts), "rows": list(counts.values())})
    last = last.rename(columns={"table_name": "table", "imported_at": "last_import", "file_name": "file"})
    return frame.merge(last, on="table", how="left")


def recent_imports(con: duckdb.DuckDBPyConnection, limit: int = 10) -> pd.DataFrame:
    """Return the latest ``limit`` imports, newest first, from ``import_log``."""
    return con.execute(
        "SELECT imported_at, table_name AS table, file_name AS file, rows, status, imported_by, message "
        "FROM import_log ORDER BY imported_at DESC, import_id LIMIT ?",
        [limit],
    ).df()


STORE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def new_store_path(folder: str | Path, name: str) -> Path:
    """Return the path of a new store called ``name`` in ``folder``.

    Parameters
    ----------
    folder
        Where stores live (the open store's folder).
    name
        Letters, digits, ``-`` and ``_``, up to 64 characters; ``.duckdb`` is added.

    Returns
    -------
    Path
        ``folder / (name + ".duckdb")``.

    Raises
    ------
    store.StoreError
        For a name that is not allowed, or a store that already exists there.
    """
    stem = name.strip().removesuffix(".duckdb")
    if not STORE_NAME.fullmatch(stem):
        raise store.StoreError(
            f"{name!r} cannot name a store: use letters, digits, - and _ (up to 64), starting with a letter or digit."
        )
    path = Path(folder) / f"{stem}.duckdb"
    if path.exists():
        raise store.StoreError(f"There is already a store at {path}: choose another name, or open that one.")
    return path


def create_empty_store(path: str | Path) -> Path:
    """Create a store with every table of the schema and no rows; return its path."""
    store.connect(path).close()
    return Path(path)


def stores_in(folder: str | Path) -> list[Path]:
    """Return the Quarterdeck stores (``*.duckdb``) in ``folder``, by name."""
    return sorted(Path(folder).glob("*.duckdb"))
