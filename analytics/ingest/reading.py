"""Reading a CSV or Excel file into a temporary table of text, ``_raw``, with the file's line of every row.

A CSV is read by DuckDB (``read_csv``) with its delimiter and encoding sniffed here rather than auto-detected, so
the parse is the same for every file; an .xlsx is read with openpyxl, its cells written as the text a CSV would
hold. Lines that cannot be read become problems, never exceptions.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from analytics.ingest.problems import NO_COLUMN, Problem

CSV_DELIMITERS = (",", ";", "\t", "|")
#: The head of a CSV that the delimiter is sniffed from and a preview shows.
SAMPLE_BYTES = 1 << 16
# Files are scanned in pieces of this size, so a 200 MB upload is never in memory at once.
_CHUNK_BYTES = 1 << 22


@dataclass
class Staged:
    """A file read into temp table ``_raw``: ``_line`` and one text column ``c{i}`` per header cell."""

    header: list[str]
    rows: int
    problems: list[Problem]


def _unreadable(shown: str, message: str) -> Staged:
    """Return a file of which nothing could be read, with the one problem saying why."""
    return Staged([], 0, [Problem(1, 0, shown, NO_COLUMN, message)])


def _sniff_encoding(path: Path, limit: int | None = None) -> str:
    """UTF-8 (with or without a BOM) when the bytes decode as such, else Latin-1 (which decodes anything).

    With ``limit`` only the first ``limit`` bytes are looked at (a preview), and a character cut at the limit is
    still UTF-8; without it the whole file is (an import).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    seen = 0
    with open(path, "rb") as handle:
        try:
            while chunk := handle.read(_CHUNK_BYTES if limit is None else min(_CHUNK_BYTES, limit - seen)):
                decoder.decode(chunk)
                seen += len(chunk)
            if limit is None or seen < limit:
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"


def _sample(path: Path, encoding: str, size: int = SAMPLE_BYTES) -> str:
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


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, shown: str) -> Staged:
    if path.stat().st_size == 0:
        return _unreadable(shown, "the file is empty: the first line must name the columns")
    encoding = _sniff_encoding(path)
    sample = _sample(path, encoding)
    delimiter = _sniff_delimiter(sample)
    header = next(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), [])
    if not header:
        return _unreadable(shown, "the first line is empty: it must name the columns")
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
    return Staged([h.strip() for h in header], good, problems)


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
        while chunk := handle.read(_CHUNK_BYTES):
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


def _stage_xlsx(con: duckdb.DuckDBPyConnection, path: Path, shown: str, table: str) -> Staged:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return _unreadable(shown, f"is not a readable .xlsx workbook ({reason})")
    try:
        sheet_name = _sheet_for(book.sheetnames, table)
        rows = book[sheet_name].iter_rows(values_only=True)
        header_cells = next(rows, None)
        header = [_cell_text(c) or "" for c in (header_cells or ())]
        while header and not header[-1]:
            header.pop()
        if not header:
            return _unreadable(shown, f"the first row of sheet {sheet_name!r} is empty: it must name the columns")
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
    return Staged([h.strip() for h in header], len(lines), problems)


def stage(con: duckdb.DuckDBPyConnection, path: Path, shown: str, table: str) -> Staged:
    """Read a .csv or .xlsx file into temp table ``_raw``.

    Parameters
    ----------
    con
        The connection the import runs on (the temp table lives there).
    path
        The file.
    shown
        The file's name in problems.
    table
        The table the file is for: an .xlsx is read from the sheet named after it, else its first sheet.

    Returns
    -------
    Staged
        The header, the rows read and the problems found reading; no header when nothing could be read.

    """
    suffix = path.suffix.lower()
    if not path.is_file():
        return _unreadable(shown, f"there is no file at {path}")
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _stage_xlsx(con, path, shown, table)
        if suffix in (".csv", ".txt", ".tsv"):
            return _stage_csv(con, path, shown)
    except (duckdb.Error, csv.Error) as exc:
        reason = str(exc).splitlines()[0][:200]
        if "invalid state" in reason:  # DuckDB's word for a carriage return or quote that breaks a line apart
            reason = "a stray carriage return or quote breaks its lines apart; save it again as CSV (UTF-8)"
        return _unreadable(shown, f"cannot be read as CSV: {reason}")
    return _unreadable(shown, f"is a {suffix or 'file without extension'}: Quarterdeck imports .csv and .xlsx files")


def preview(file: str | Path, table: str, rows: int = 20) -> pd.DataFrame:
    """Return the first ``rows`` rows of a file as it will be read for ``table``, as text, with their lines.

    Only the head of the file is read (the first ``SAMPLE_BYTES`` of a CSV, the first rows of the sheet), so a
    preview of a 200 MB upload is instant; the import itself reads everything.
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
        sample = _sample(path, _sniff_encoding(path, limit=SAMPLE_BYTES))
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
