"""Read a portfolio sheet (.csv or .xlsx) into its header, its rows and the line each row stands on.

This is the one place that touches the file. Before it parses anything it asks the ingest package's reader
whether the file is refused unread (``csv_problem``, ``xlsx_problem``: size, UTF-16 and other foreign encodings,
line count, header width, what a workbook expands to, its shared strings, its rows), so a sheet is bounded exactly
like a per-table import; its own parse then keeps each row's line (a CSV record's first line) and the workbook's
typed cells (dates, numbers) for the sheet's value parsers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from analytics.ingest.reading import MAX_COLUMNS, csv_problem, xlsx_problem
from analytics.spreadsheets import EXCEL_MAX_ROWS

CSV_DELIMITERS = (",", ";", "\t", "|")
#: The sheet of a workbook the importer reads when there are several: this name, else the first sheet.
SHEET_NAME = "portfolio"
# What the bound checks' messages say a too-wide header should keep the columns of.
_WHAT = "the portfolio sheet (see the template)"


class SheetReadError(ValueError):
    """A file that cannot be read as a sheet at all; the message is one sentence for people."""


@dataclass
class RawSheet:
    """A sheet as read: header cells, data rows (cells as read, ``None`` when empty) and each row's line.

    ``lines[i]`` is the line in the file of ``rows[i]`` (the header is line 1): for a CSV, the line its record
    starts on (a quoted cell may span lines); for a workbook, the sheet row.
    """

    header: list[str]
    rows: list[list[object]]
    lines: list[int]
    sheet: str | None = None


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _delimiter(first_line: str) -> str:
    """Return the delimiter the header line uses most (outside quotes), comma when none appears."""
    unquoted = "".join(part for i, part in enumerate(first_line.split('"')) if i % 2 == 0)
    counts = {d: unquoted.count(d) for d in CSV_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(path: Path) -> RawSheet:
    text = _decode(path.read_bytes())
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    header: list[str] | None = None
    rows: list[list[object]] = []
    lines: list[int] = []
    start = 1
    for record in reader:
        if header is None:
            header = [cell.strip() for cell in record]
        elif any(cell.strip() for cell in record):
            rows.append([cell if cell.strip() else None for cell in record])
            lines.append(start)
        start = reader.line_num + 1
    if header is None:
        raise SheetReadError(f"{path.name} is empty: the first line must name the columns")
    return RawSheet(header, rows, lines)


def _read_xlsx(path: Path) -> RawSheet:
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of types for a file that is not a workbook
        raise SheetReadError(f"{path.name} is not an Excel workbook (.xlsx) openpyxl can read: {exc}") from None
    try:
        names = book.sheetnames
        chosen = next((n for n in names if n.strip().casefold() == SHEET_NAME), names[0])
        header: list[str] | None = None
        rows: list[list[object]] = []
        lines: list[int] = []
        sheet = book[chosen]
        sheet.reset_dimensions()  # some exporters record a wrong sheet size; read what is there instead
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > EXCEL_MAX_ROWS:  # counted from the XML before; a sheet that lies about its rows ends here
                raise SheetReadError(f"sheet {chosen!r} has more rows than an Excel sheet holds")
            if header is None and len(values) > MAX_COLUMNS and any(v is not None for v in values[MAX_COLUMNS:]):
                raise SheetReadError(
                    f"has {len(values):,} columns, more than the {MAX_COLUMNS} an import reads: "
                    f"keep only the columns of {_WHAT}"
                )
            cells = [None if isinstance(v, str) and not v.strip() else v for v in values]
            if header is None:
                if any(c is not None for c in cells):
                    header = ["" if c is None else str(c).strip() for c in cells]
                    header_line = number
                continue
            if any(c is not None for c in cells):
                rows.append(cells)
                lines.append(number)
    finally:
        book.close()
    if header is None:
        raise SheetReadError(f"{path.name}: the sheet {chosen!r} is empty; its first row must name the columns")
    while header and not header[-1]:
        header.pop()
    if header_line != 1:
        raise SheetReadError(f"{path.name}: the sheet {chosen!r} must name its columns in row 1, not {header_line}")
    return RawSheet(header, rows, lines, chosen)


def read_sheet(path: str | Path) -> RawSheet:
    """Read a .csv or .xlsx portfolio sheet.

    Parameters
    ----------
    path
        A CSV (UTF-8 with or without BOM, else Windows-1252; delimiter , ; tab or |, whichever the header line
        uses most) or an .xlsx workbook (the sheet named ``portfolio``, else the first sheet; header in row 1).

    Returns
    -------
    RawSheet
        Header, rows and line numbers; blank rows are skipped (their lines are not counted as rows).

    Raises
    ------
    SheetReadError
        For a file that is empty, of another kind, not readable, or refused unread by the ingest package's bound
        checks (then the one sentence the per-table importer gives, which reads after ``FILE:1:-:``).
    """
    file = Path(path)
    suffix = file.suffix.casefold()
    if suffix == ".csv" or suffix == ".txt":
        refused = csv_problem(file, _WHAT)
        if refused:
            raise SheetReadError(refused)
        return _read_csv(file)
    if suffix in (".xlsx", ".xlsm"):
        refused = xlsx_problem(file, SHEET_NAME)
        if refused:
            raise SheetReadError(refused)
        return _read_xlsx(file)
    raise SheetReadError(f"{file.name}: a portfolio sheet is a .csv or .xlsx file, not {suffix or 'a file without'}")
