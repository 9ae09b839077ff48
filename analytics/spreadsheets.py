"""What a spreadsheet does with the cells and sheets Quarterdeck writes, for every module that writes or reads them.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run as a formula in
Excel or Sheets (OWASP "CSV injection"); such cells get a leading apostrophe, unless the text is a number. The
downloads of the pages and the store's export write cells neutralised by this rule, and the importer takes the
apostrophe off again, so an export imports back as the same text.

Control characters (C0 but tab, line feed and carriage return) cannot be held by an .xlsx at all (openpyxl raises
``IllegalCharacterError``): the importer refuses them, and every spreadsheet file Quarterdeck writes (CSV and Excel,
downloads and exports) replaces each one with U+FFFD, the replacement character, so that a store that holds them
still downloads and exports, and shows where they were.
"""

from __future__ import annotations

import re

from analytics.rules import sql_list

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: FORMULA_STARTS for an ``IN (...)`` in the store's SQL.
FORMULA_STARTS_SQL = sql_list(FORMULA_STARTS)
#: An Excel sheet holds this many rows, the header included.
EXCEL_MAX_ROWS = 1_048_576
#: Excel refuses a sheet name longer than this.
EXCEL_SHEET_NAME_CHARS = 31
#: CSV files are UTF-8 with a byte-order mark, without which Excel reads accents wrong.
CSV_ENCODING = "utf-8-sig"
#: The control characters no spreadsheet cell holds (openpyxl's ILLEGAL_CHARACTERS_RE), as a regular expression
#: that Python's ``re`` and DuckDB's RE2 read alike.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
#: What a control character becomes in a file Quarterdeck writes for spreadsheets.
REPLACEMENT_CHARACTER = "\ufffd"
_CONTROL = re.compile(CONTROL_CHARACTERS)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def neutralise(value: object) -> object:
    """Return ``value`` with a leading apostrophe when a spreadsheet would run it as a formula.

    Parameters
    ----------
    value
        A cell: text is checked, anything else is returned as it is.

    Returns
    -------
    object
        ``"'" + value`` for text a spreadsheet would run, else ``value``.

    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def printable(value: object) -> object:
    """Return ``value`` with every control character a spreadsheet cannot hold replaced by U+FFFD; text only.

    Parameters
    ----------
    value
        A cell: text is cleaned, anything else is returned as it is.

    Returns
    -------
    object
        The text with ``REPLACEMENT_CHARACTER`` for each of ``CONTROL_CHARACTERS``, else ``value``.

    """
    if isinstance(value, str) and _CONTROL.search(value):
        return _CONTROL.sub(REPLACEMENT_CHARACTER, value)
    return value


def printable_sql(expression: str) -> str:
    """Return SQL for the text ``expression`` with its control characters replaced, as ``printable`` does."""
    return f"regexp_replace({expression}, '{CONTROL_CHARACTERS}', '{REPLACEMENT_CHARACTER}', 'g')"


def sheet_name(name: str) -> str:
    """Return ``name`` cut to the length Excel allows a sheet's name."""
    return name[:EXCEL_SHEET_NAME_CHARS]
