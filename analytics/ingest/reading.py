"""Reading a CSV or Excel file into a temporary table of text, ``_raw``, with the file's line of every row.

A CSV is read by DuckDB (``read_csv``) with its delimiter and encoding sniffed here rather than auto-detected, so
the parse is the same for every file; an .xlsx is read with openpyxl, its cells written as the text a CSV would
hold. Lines that cannot be read become problems, never exceptions.

A file is bounded before it is expensive: its size, line count and header width (a CSV), or what its zip
directory says it expands to and how many rows its sheet has (an .xlsx), are checked before DuckDB or openpyxl
parse anything, so a file built to exhaust the server is one sentence in a fraction of a second.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import math
import os
import re
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from typing import BinaryIO

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from analytics.ingest.problems import NO_COLUMN, PROBLEM_CAP, Problem
from analytics.spreadsheets import EXCEL_MAX_ROWS

CSV_DELIMITERS = (",", ";", "\t", "|")
#: The head of a CSV that the delimiter is sniffed from and a preview shows.
SAMPLE_BYTES = 1 << 16
# Files are scanned in pieces of this size, so a 200 MB upload is never in memory at once.
_CHUNK_BYTES = 1 << 22

#: A header wider than this is refused before it is read. The widest table has 19 columns and every other header
#: cell is a problem (listing the table's columns), so 256 leaves room for a sheet with extra columns to be told
#: what to drop, while 5,000 columns no longer take DuckDB 40 s to type and the checker to word 5,000 problems.
MAX_COLUMNS = 256
#: A CSV larger than this is refused unread: the bench store's 10.4M KPI rows are about 400 MB as CSV.
MAX_CSV_BYTES = 1 << 30
#: A CSV with more lines than this is refused after counting its line breaks (no parse): room for the bench
#: store's 10.4M KPI rows, and a bound on what DuckDB stages in memory.
MAX_CSV_LINES = 12_000_000
#: An .xlsx whose parts expand to more than this (from the zip's directory) is refused before it is opened: a
#: sheet of 1,048,576 rows of 20 cells is about 700 MB of XML.
MAX_XLSX_UNCOMPRESSED_BYTES = 1 << 30
#: openpyxl holds every shared string in memory at once (a 1.5 MB "shared strings bomb" reached 3.2 GB), so that
#: part is bounded on its own: 64 MB is a million distinct texts of 60 characters.
MAX_SHARED_STRINGS_BYTES = 64 << 20
# The parts of a workbook read to find a sheet's XML are small; a larger one is not a workbook Excel wrote.
_WORKBOOK_PART_BYTES = 10 << 20
_SAVE_AS_CSV = "save the sheet as CSV UTF-8 and import that"


@dataclass
class Staged:
    """A file read into temp table ``_raw``: ``_line`` and one text column ``c{i}`` per header cell."""

    header: list[str]
    rows: int
    #: The first ``PROBLEM_CAP`` problems found reading, by line.
    problems: list[Problem]
    #: How many more were found and not listed.
    unlisted: int = 0


def _unreadable(shown: str, message: str) -> Staged:
    """Return a file of which nothing could be read, with the one problem saying why."""
    return Staged([], 0, [Problem(1, 0, shown, NO_COLUMN, message)])


_BYTE_ORDER_MARKS = (
    (b"\xff\xfe\x00\x00", "UTF-32 LE"),
    (b"\x00\x00\xfe\xff", "UTF-32 BE"),
    (b"\xff\xfe", "UTF-16 LE"),
    (b"\xfe\xff", "UTF-16 BE"),
)


def _foreign_text(head: bytes) -> str | None:
    """Return why a CSV whose first bytes are ``head`` cannot be read as UTF-8 or Latin-1 text, or None.

    A byte-order mark names UTF-16 or UTF-32; without one, zero bytes in every other position are UTF-16 text of
    mostly ASCII characters (Excel's "Unicode text"); a zip signature is a workbook saved under a CSV name.
    """
    if head.startswith(b"PK\x03\x04"):
        return "is a zip archive (an Excel workbook?), not CSV text: name it .xlsx, or save it as CSV UTF-8"
    found = next((f"{name} (its byte-order mark)" for mark, name in _BYTE_ORDER_MARKS if head.startswith(mark)), None)
    if found is None and b"\x00" in head:
        pairs = len(head) // 2
        zeros_even, zeros_odd = head[0 : pairs * 2 : 2].count(0), head[1 : pairs * 2 : 2].count(0)
        if zeros_odd * 2 > pairs and zeros_even * 10 < pairs:
            found = "UTF-16 LE (every other byte is zero)"
        elif zeros_even * 2 > pairs and zeros_odd * 10 < pairs:
            found = "UTF-16 BE (every other byte is zero)"
        elif (zeros_even + zeros_odd) * 4 > len(head):
            return "is not text (a quarter of its bytes are zero): save it as CSV UTF-8 and import that file"
    if found is None:
        return None
    return f"is encoded as {found}, not UTF-8: save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8) and import that file"


def _count_lines_upto(path: Path, limit: int) -> int:
    """Return the number of line breaks in the file, or ``limit + 1`` as soon as there are more than ``limit``."""
    count = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            count += chunk.count(b"\n")
            if count > limit:
                return limit + 1
    return count


@contextlib.contextmanager
def _exactly(path: Path) -> Iterator[Path]:
    """Yield a path DuckDB reads as exactly this one file: ``read_csv`` expands ``*``, ``?`` and ``[`` as a glob."""
    if not any(c in str(path) for c in "*?[{"):
        yield path
        return
    folder = Path(tempfile.mkdtemp(prefix="quarterdeck-read-"))
    try:
        link = folder / f"file{path.suffix.lower()}"
        try:
            os.symlink(path.resolve(), link)
        except OSError:  # no symlinks here (Windows without the privilege): a copy is exact too
            shutil.copyfile(path, link)
        yield link
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


def xlsx_problem(source: Path | BinaryIO, table: str) -> str | None:
    """Return why an .xlsx is refused before openpyxl opens it, from its zip directory and a count of its rows.

    The zip's directory says how large every part is once expanded (and ``zipfile`` never expands a part past
    what it says), so the whole workbook and its shared strings are bounded without expanding anything; the
    sheet to read is then streamed once through the decompressor to count its rows, stopping at Excel's limit.
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        return None  # openpyxl says why it is not a workbook
    with archive:
        parts = archive.infolist()
        total = sum(p.file_size for p in parts)
        if total > MAX_XLSX_UNCOMPRESSED_BYTES:
            return (
                f"it expands to {_megabytes(total)} unzipped, more than the "
                f"{_megabytes(MAX_XLSX_UNCOMPRESSED_BYTES)} an import reads: {_SAVE_AS_CSV}"
            )
        strings = sum(p.file_size for p in parts if p.filename.lower().endswith("sharedstrings.xml"))
        if strings > MAX_SHARED_STRINGS_BYTES:
            return (
                f"its shared strings expand to {_megabytes(strings)}, more than the "
                f"{_megabytes(MAX_SHARED_STRINGS_BYTES)} an import reads: {_SAVE_AS_CSV}"
            )
        sheets = _sheet_parts(archive)
        if not sheets:
            return None
        name = _sheet_for(list(sheets), table)
        candidates = [sheets[name]] if sheets[name] in archive.NameToInfo else [p for p in sheets.values()]
        for part in candidates:
            if part in archive.NameToInfo and _more_rows_than(archive, part, EXCEL_MAX_ROWS):
                return (
                    f"sheet {name!r} has more than {EXCEL_MAX_ROWS - 1:,} rows under its header, more than an "
                    "Excel sheet holds: split the file or import a CSV"
                )
    return None


_ATTRIBUTE = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')


def _tags(text: str, tag: str) -> Iterator[dict[str, str]]:
    for m in re.finditer(rf"<(?:\w+:)?{tag}\b([^>]*)>", text):
        yield {k.split(":")[-1]: v for k, v in _ATTRIBUTE.findall(m.group(1)) if not k.startswith("xmlns")}


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Return sheet name -> the zip part of its XML, from ``xl/workbook.xml`` and its relationships."""
    try:
        with archive.open("xl/workbook.xml") as part:
            workbook = part.read(_WORKBOOK_PART_BYTES).decode("utf-8", errors="replace")
        with archive.open("xl/_rels/workbook.xml.rels") as part:
            relations = part.read(_WORKBOOK_PART_BYTES).decode("utf-8", errors="replace")
    except KeyError:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in _tags(relations, "Relationship")}
    sheets = {}
    for sheet in _tags(workbook, "sheet"):
        target = targets.get(sheet.get("id"), "")
        sheets[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return sheets


def _more_rows_than(archive: zipfile.ZipFile, part: str, limit: int) -> bool:
    """Whether the sheet's XML has more than ``limit`` rows (or numbers one past it); stops once it knows."""
    row_tag = re.compile(rb"<(?:\w+:)?row[\s>/]")
    row_number = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"")
    rows, tail = 0, b""
    with archive.open(part) as xml:
        while chunk := xml.read(_CHUNK_BYTES):
            window = tail + chunk
            rows += len(row_tag.findall(window)) - len(row_tag.findall(tail))
            if rows > limit or any(int(n) > limit for n in row_number.findall(window)):
                return True
            tail = window[-64:]
    return False


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


def _too_wide(header: list[str], table: str) -> str:
    return f"has {len(header):,} columns, more than the {MAX_COLUMNS} an import reads: keep only the columns of {table}"


def csv_problem(path: Path, table: str) -> str | None:
    """Return why a CSV is refused before it is parsed (one sentence for people), or None.

    Its size, its first bytes (UTF-16, UTF-32, a workbook under a CSV name), its count of line breaks and the
    width of its header are checked, in that order, without parsing the file; every reader of CSV files (the
    per-table importer and the portfolio sheet) calls this first.

    Parameters
    ----------
    path
        The file.
    table
        What the file is for, named in the message for a header that is too wide.

    Returns
    -------
    str or None
        The reason, worded to follow the file's name, or None when the file may be parsed.
    """
    size = path.stat().st_size
    if size == 0:
        return "the file is empty: the first line must name the columns"
    if size > MAX_CSV_BYTES:
        return f"is {size:,} bytes, more than the {_megabytes(MAX_CSV_BYTES)} an import reads: split the file"
    with open(path, "rb") as handle:
        foreign = _foreign_text(handle.read(4096))
    if foreign:
        return foreign
    if _count_lines_upto(path, MAX_CSV_LINES) > MAX_CSV_LINES:
        return f"has more than {MAX_CSV_LINES:,} lines, more than an import reads: split the file"
    # Latin-1 decodes any byte; a delimiter is ASCII, which no UTF-8 sequence contains, so the width is exact.
    sample = _sample(path, "latin-1")
    if "\n" not in sample and size > SAMPLE_BYTES:
        return f"its first line is longer than {SAMPLE_BYTES // 1024} KB: it must name the columns"
    header = next(csv.reader(io.StringIO(sample, newline=""), delimiter=_sniff_delimiter(sample)), [])
    if len(header) > MAX_COLUMNS:
        return _too_wide(header, table)
    return None


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, shown: str, table: str) -> Staged:
    refused = csv_problem(path, table)
    if refused:
        return _unreadable(shown, refused)
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
    with _exactly(path) as readable:
        con.execute(
            "CREATE TEMP TABLE _csv AS SELECT * FROM read_csv(?, delim = ?, quote = '\"', escape = '\"', "
            "header = true, auto_detect = false, columns = ?, encoding = ?, store_rejects = true, "
            "null_padding = false)",
            [str(readable), delimiter, columns, encoding],
        )
    rejected = con.execute("SELECT DISTINCT line FROM reject_errors ORDER BY line").fetchnumpy()["line"]
    # Only the lines that can be listed are worded; the others are counted.
    rejects = con.execute(
        "SELECT line, error_type, error_message FROM reject_errors WHERE line IN "
        "(SELECT DISTINCT line FROM reject_errors ORDER BY line LIMIT ?) ORDER BY line",
        [PROBLEM_CAP],
    ).fetchall()
    # DuckDB reports a short line once per missing field: one problem a line is enough.
    first_per_line = {int(line): (kind, message) for line, kind, message in reversed(rejects)}
    problems = [
        Problem(line, 0, shown, NO_COLUMN, _reject_message(kind, message, len(header)))
        for line, (kind, message) in sorted(first_per_line.items())
    ]
    good = con.execute("SELECT count(*) FROM _csv").fetchall()[0][0]
    lines = _record_lines(path, encoding, delimiter, len(header), good, [int(n) for n in rejected])
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
    return Staged([h.strip() for h in header], good, problems, len(rejected) - len(problems))


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
    text = str(value)
    # Excel writes a character XML cannot hold (a control character) as _xHHHH_, which openpyxl leaves as it is.
    return _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _stage_xlsx(con: duckdb.DuckDBPyConnection, path: Path, shown: str, table: str) -> Staged:
    import openpyxl

    refused = xlsx_problem(path, table)
    if refused:
        return _unreadable(shown, refused)
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
        if len(header) > MAX_COLUMNS:
            return _unreadable(shown, _too_wide(header, table))
        problems: list[Problem] = []
        unlisted = 0
        lines: list[int] = []
        values: list[list[str | None]] = [[] for _ in header]
        for number, cells in enumerate(rows, start=2):
            if number > EXCEL_MAX_ROWS:  # counted from the XML before; a sheet that lies about rows ends here
                return _unreadable(shown, f"sheet {sheet_name!r} has more rows than an Excel sheet holds")
            texts = [_cell_text(c) for c in cells]
            if not any(t not in (None, "") for t in texts):
                continue
            if any(t not in (None, "") for t in texts[len(header) :]):
                if len(problems) < PROBLEM_CAP:
                    problems.append(Problem(number, 0, shown, NO_COLUMN, "has a value in a column without a header"))
                else:
                    unlisted += 1
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
    return Staged([h.strip() for h in header], len(lines), problems, unlisted)


_SCRATCH: duckdb.DuckDBPyConnection | None = None
_SCRATCH_LOCK = threading.Lock()


def scratch_connection() -> duckdb.DuckDBPyConnection:
    """Return a new in-memory connection of the caller's own (to stage a file, or write an export); close it after.

    Each is a cursor of one in-memory database of the process: its temp tables and registered objects are its own
    and go when it closes, as with a database of its own, but it opens in a millisecond where starting a database
    (DuckDB's catalogue of built-in functions) takes 15 ms of CPU, once per import or export.
    """
    global _SCRATCH
    with _SCRATCH_LOCK:
        if _SCRATCH is not None:
            try:
                cursor = _SCRATCH.cursor()
                cursor.execute("SELECT 1").fetchall()
                return cursor
            except duckdb.Error:  # a fatal error invalidated that database: start another
                pass
        _SCRATCH = duckdb.connect(":memory:")
        return _SCRATCH.cursor()


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
            return _stage_csv(con, path, shown, table)
    except (duckdb.Error, csv.Error) as exc:
        reason = str(exc).splitlines()[0][:200]
        if "invalid state" in reason:  # DuckDB's word for a carriage return or quote that breaks a line apart
            reason = "a stray carriage return or quote breaks its lines apart; save it again as CSV (UTF-8)"
        return _unreadable(shown, f"cannot be read as CSV: {reason}")
    return _unreadable(shown, f"is a {suffix or 'file without extension'}: Quarterdeck imports .csv and .xlsx files")


def preview(file: str | Path | BinaryIO, table: str, rows: int = 20, *, name: str | None = None) -> pd.DataFrame:
    """Return the first ``rows`` rows of a file as it will be read for ``table``, as text, with their lines.

    Only the head of the file is read (the first ``SAMPLE_BYTES`` of a CSV, the first rows of the sheet), so a
    preview of a 200 MB upload is instant; the import itself reads everything. A file the import would refuse
    unread (a foreign encoding, a workbook that expands too far) has nothing to preview.

    Parameters
    ----------
    file
        A path, or an open binary file (an upload held in memory), read from its start.
    table
        The table the file is for (an .xlsx is read from the sheet named after it).
    rows
        How many rows under the header.
    name
        The file's name, for its extension, when ``file`` is not a path.

    Returns
    -------
    pandas.DataFrame
        Column ``line`` and the file's columns as text; empty when there is nothing to show.
    """
    if isinstance(file, (str, Path)):
        path = Path(file)
        if not path.is_file() or not path.stat().st_size:
            return pd.DataFrame()
        with open(path, "rb") as handle:
            return _preview(handle, path.suffix.lower(), table, rows)
    file.seek(0)
    try:
        return _preview(file, Path(name or "").suffix.lower(), table, rows)
    finally:
        file.seek(0)


def _preview(handle: BinaryIO, suffix: str, table: str, rows: int) -> pd.DataFrame:
    lines: list[int] = []
    records: list[list[str]] = []
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        if xlsx_problem(handle, table):
            return pd.DataFrame()
        handle.seek(0)
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception:  # the import reports why; a preview just has nothing to show
            return pd.DataFrame()
        try:
            sheet = book[_sheet_for(book.sheetnames, table)]
            for number, cells in enumerate(sheet.iter_rows(values_only=True, max_row=rows + 1), start=1):
                lines.append(number)
                records.append([_cell_text(c) or "" for c in cells][:MAX_COLUMNS])
        finally:
            book.close()
    else:
        head = handle.read(SAMPLE_BYTES)
        if _foreign_text(head):
            return pd.DataFrame()
        try:
            text = codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SAMPLE_BYTES)
        except UnicodeDecodeError:
            text = head.decode("latin-1")
        text = text.removeprefix("\ufeff")
        if len(head) == SAMPLE_BYTES and "\n" in text:
            text = text[: text.rindex("\n") + 1]  # whole lines only
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
        end = 0
        for record in reader:
            start, end = end + 1, reader.line_num
            if record:
                lines.append(start)
                records.append(record[:MAX_COLUMNS])
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
