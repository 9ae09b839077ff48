"""Cell values of the portfolio sheet as other tools write them: dates, money, numbers, yes/no, predecessors.

Every parser takes what the reader gives (text from a CSV; text, a number, a bool or a datetime from Excel)
and returns a Python value, or raises ``ValueError`` whose message says what was expected; the validator puts
that message after ``FILE:ROW:COLUMN:``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

#: Dates outside these years are refused: no portfolio plans in year 0 or beyond 2199 (a typo, not a plan).
MIN_YEAR, MAX_YEAR = 1900, 2199
# Excel's 1900 date system counts 1900-02-29, which never was; from serial 61 (1900-03-01) on, day n is this
# epoch + n days. Earlier serials are refused (they only ever appear as junk in a portfolio).
_EXCEL_EPOCH = date(1899, 12, 30)
_FIRST_SERIAL = 61
_MONTHS = {m: i for i, m in enumerate(("jan feb mar apr may jun jul aug sep oct nov dec").split(), start=1)}

_ISO = re.compile(
    r"(\d{1,4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?"
)
# Jira: 11/May/24 03:26 PM (day, month abbreviation, two- or four-digit year, optional time).
_DAY_MON_YEAR = re.compile(r"(\d{1,2})[/\- ]([A-Za-z]{3,9})\.?[/\- ,]+(\d{2}|\d{4})(?:\s+\d{1,2}:\d{2}.*)?")
# March 1, 2026 / Mar 1 2026 (Microsoft Project's long format).
_MON_DAY_YEAR = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})(?:\s+\d{1,2}:\d{2}.*)?")
# 3/1/2026, 03/01/26, 1.3.2026, Mon 3/2/26 8:00 AM: month first unless day_first.
_NUMERIC = re.compile(r"(?:[A-Za-z]{2,9}\.?,?\s+)?(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:\s+\d{1,2}:\d{2}.*)?")

DATE_EXAMPLES = "2026-03-01, 3/1/2026 (month first; day first with --day-first), 11/May/24 or an Excel serial"


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # the spreadsheet convention: 00-68 are 2000-2068, 69-99 are 1969-1999
        year += 2000 if year <= 68 else 1900
    return year


def _checked(year: int, month: int, day: int, shown: str) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{shown!r} is out of range: give a date in the years {MIN_YEAR}-{MAX_YEAR}")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{shown!r} is not a date in the calendar (month {month}, day {day})") from None


def _from_serial(serial: float, shown: str) -> date:
    if serial != serial or serial < _FIRST_SERIAL or serial > 200_000:  # NaN, or before 1900-03-01 / past 2447
        raise ValueError(f"{shown!r} is out of range for an Excel date serial; expected e.g. {DATE_EXAMPLES}")
    day = _EXCEL_EPOCH + timedelta(days=int(serial))
    return _checked(day.year, day.month, day.day, shown)


def _month_number(name: str) -> int | None:
    return _MONTHS.get(name[:3].casefold())


def parse_date(value: object, *, day_first: bool = False) -> date:
    """Return the day a cell means, from any of the formats the supported tools export.

    Parameters
    ----------
    value
        A ``datetime``/``date`` (an Excel date cell), a number (an Excel serial, 1900 system), or text:
        ISO ``2026-03-01`` or ``2026-03-01T00:00:00`` (a time or a zone is dropped), Jira's ``11/May/24 03:26 PM``,
        ``March 1, 2026``, or numeric ``3/1/2026``/``03/01/26`` (an optional weekday first, as Microsoft Project
        writes ``Mon 3/2/26``). Two-digit years 00-68 are 2000-2068, 69-99 are 1969-1999.
    day_first
        Read numeric ``1/3/2026`` as 1 March (day first) instead of 3 January (month first, the default).

    Returns
    -------
    datetime.date
        A day in the years ``MIN_YEAR``-``MAX_YEAR``.

    Raises
    ------
    ValueError
        For anything else, year 0 and out-of-range dates included; the message gives the formats expected.
    """
    if isinstance(value, datetime):
        return _checked(value.year, value.month, value.day, value.isoformat())
    if isinstance(value, date):
        return _checked(value.year, value.month, value.day, value.isoformat())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(float(value), str(value))
    text = str(value).strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # the common case, ISO 2026-03-01
        try:
            day = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            return _checked(day.year, day.month, day.day, text)
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return _from_serial(float(text), text)
    if m := _ISO.fullmatch(text):
        if len(m.group(1)) == 4:
            return _checked(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    if m := _DAY_MON_YEAR.fullmatch(text):
        month = _month_number(m.group(2))
        if month:
            return _checked(_year(m.group(3)), month, int(m.group(1)), text)
    if m := _MON_DAY_YEAR.fullmatch(text):
        month = _month_number(m.group(1))
        if month:
            return _checked(int(m.group(3)), month, int(m.group(2)), text)
    if m := _NUMERIC.fullmatch(text):
        first, second = int(m.group(1)), int(m.group(2))
        day, month = (first, second) if day_first else (second, first)
        if month > 12:
            order = "day first" if day_first else "month first (use --day-first for 31/1/2026)"
            raise ValueError(f"{text!r} has no month {month}: numeric dates are read {order}")
        return _checked(_year(m.group(3)), month, day, text)
    raise ValueError(f"{text!r} is not a date; expected e.g. {DATE_EXAMPLES}")


def month_start(day: date) -> date:
    """Return the first day of the month ``day`` falls in (how start and end become months for the spreads)."""
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """Return the first day of the month ``count`` months after the month of ``month``."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """Return how many months run from the month of ``first`` to the month of ``last``, both included."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


_CURRENCY = re.compile(r"^(?:[A-Z]{3}\s*)?[$€£¥]?\s*|\s*[$€£¥]?(?:\s*[A-Z]{3})?$")
_CENT = Decimal("0.01")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def parse_number(value: object) -> Decimal:
    """Return the number a cell holds, as written by a spreadsheet or an export.

    Parameters
    ----------
    value
        A number, or text such as ``1200``, ``1,200,000.50``, ``$1,200.00``, ``USD 1200``, ``1.200,50``,
        ``1 200,5``, ``(300)`` (negative) or ``80%`` (0.8). When only commas appear, groups of three digits after
        each comma mean thousands (``1,200``) and anything else a decimal comma (``1,5``); with both commas and
        dots the one written last is the decimal mark.

    Returns
    -------
    decimal.Decimal
        The value, exactly as written.

    Raises
    ------
    ValueError
        For text that is not a number.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        if not number.is_finite():
            raise ValueError(f"{value!r} is not a number")
        return number
    text = str(value).strip().replace("\u00a0", " ")
    if _PLAIN_NUMBER.fullmatch(text):
        return Decimal(text)
    shown = text
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1].strip()
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    text = _CURRENCY.sub("", text).replace(" ", "").replace("'", "")
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in text:
        groups = text.split(",")
        text = "".join(groups) if all(len(g) == 3 for g in groups[1:]) and len(groups[0]) <= 3 else text
        text = text.replace(",", ".") if text.count(",") == 1 else text
    if not re.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", text):
        raise ValueError(f"{shown!r} is not a number")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{shown!r} is not a number") from None
    if percent:
        number /= 100
    return -number if negative else number


def to_cents(amount: Decimal) -> int:
    """Return an amount of money in whole cents, half a cent rounded up (money is kept to the cent)."""
    return int((amount / _CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"no", "n", "false", "0"}


def parse_bool(value: object) -> bool:
    """Return whether a yes/no cell says yes: yes/no, y/n, true/false, 1/0, x (case ignored), or an Excel bool.

    Raises
    ------
    ValueError
        For any other text.
    """
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{str(value)!r} is not yes or no; expected yes, no, true, false, 1 or 0")


_LINK_TYPE = re.compile(r"^(?P<ref>.*?\S)\s*(?:FS|SS|FF|SF)(?:\s*[+-].*)?$", re.IGNORECASE)


def split_dependencies(value: object) -> list[str]:
    """Return the entries of a depends-on cell: ids separated by ``;`` or ``,`` (``P-1;P-2``, ``3FS+2d, 5SS``).

    Parameters
    ----------
    value
        The cell; a number (Excel's ``3``) is one entry.

    Returns
    -------
    list of str
        Each entry stripped, empty ones dropped, in the order written.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return [part.strip() for part in re.split(r"[;,]", str(value)) if part.strip()]


def link_target(entry: str) -> str:
    """Return the task a predecessor entry names, without its link type and lag.

    ``3FS+2d`` → ``3``, ``5SS`` → ``5``, ``2FS +1d`` → ``2``, ``P-1 FF-1w`` → ``P-1``; an entry without a link
    type is returned as it is. (Microsoft Project and Smartsheet write a type, FS/SS/FF/SF, then an optional
    lag; Quarterdeck keeps only that the project needs the other one.)
    """
    m = _LINK_TYPE.match(entry)
    return m.group("ref") if m else entry


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str, *, line_breaks: bool = False) -> str | None:
    """Return the first control character (Unicode category Cc) in ``text`` as ``U+XXXX``, else ``None``.

    Parameters
    ----------
    text
        A text cell.
    line_breaks
        Allow line breaks and tabs (for a description); every other control character still counts.
    """
    found = (_CONTROL_BUT_BREAKS if line_breaks else _CONTROL).search(text)
    return f"U+{ord(found.group()):04X}" if found else None
