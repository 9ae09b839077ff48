"""Read a portfolio sheet (.csv or .xlsx) into its header, its rows and the line each row stands on.

This is the one place that touches the file, so that it can give way to the ingest package's reader.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import openpyxl

CSV_DELIMITERS = (",", ";", "\t", "|")
#: The sheet of a workbook the importer reads when there are several: this name, else the first sheet.
SHEET_NAME = "portfolio"


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
        For a file that is empty, of another kind, or not readable.
    """
    file = Path(path)
    suffix = file.suffix.casefold()
    if suffix == ".csv" or suffix == ".txt":
        return _read_csv(file)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(file)
    raise SheetReadError(f"{file.name}: a portfolio sheet is a .csv or .xlsx file, not {suffix or 'a file without'}")
