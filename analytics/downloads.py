"""Tables as files people open in a spreadsheet: CSV and Excel bytes, safe from formula injection.

Text cells are neutralised by the rule of ``analytics.spreadsheets`` (a leading apostrophe on text a spreadsheet
would run as a formula), and control characters no spreadsheet holds are replaced by U+FFFD.
"""

from __future__ import annotations

import io

import pandas as pd

from analytics.spreadsheets import CSV_ENCODING, neutralise, printable, sheet_name


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells are neutralised and printable (numbers and dates are left alone)."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(lambda v: neutralise(printable(v)))
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return ``frame`` as UTF-8 CSV (with a BOM so Excel reads accents right), formulas neutralised."""
    return safe_frame(frame).to_csv(index=False).encode(CSV_ENCODING)


def excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """Return an .xlsx workbook with one sheet per entry (names cut to what Excel allows)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe_frame(frame).to_excel(writer, sheet_name=sheet_name(name), index=False)
    return buffer.getvalue()
