"""The portfolio sheet of every project in a store (``export --format portfolio-xlsx``), re-importable.

Each project's monthly rows are summed back into the sheet's totals, so that importing the export into an
empty store and exporting again gives the same sheet, cell for cell:

- ``cost`` and ``benefit``: the sums of its cash flows, to the cent (blank when zero);
- ``benefit_years``: whole years from the end month to the last month with a benefit, at least 1 (blank
  without benefit); the benefit is written as a total, never per year;
- ``fte_<TEAM_ID>`` for every team of the store: the FTE it asks of the team over its months, divided by the
  months from start to end, to 0.01 FTE (blank when zero);
- ``fit_<OBJECTIVE_ID>`` for every objective: its score (blank without one);
- ``depends_on``: the projects it needs, sorted, separated by ``;``.

Monthly shapes other than the even spread (a demo store's ramp-ups) are not kept: the sheet holds totals.
"""

from __future__ import annotations

import io
import math
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from analytics import store
from analytics.portfolio_sheet import aliases
from analytics.portfolio_sheet.values import months_between

EXPORT_FILE = "portfolio.xlsx"
SHEET_TITLE = "portfolio"
#: The sheet's fixed columns in the export (``annual_benefit`` and ``strategic_fit`` are import-only forms).
EXPORT_FIELDS = tuple(f for f in aliases.FIELDS if f not in ("annual_benefit", "strategic_fit"))
DATE_FORMAT = "yyyy-mm-dd"
FTE_DECIMALS = 2

_PROJECTS_SQL = """
SELECT p.project_id, p.name, p.program, p.product_id, p.sponsor, p.manager, p.stage,
       p.start_date AS start, p.end_date AS "end", p.budget, p.probability_of_success, p.mandatory,
       p.stop_cost, p.earliest_start, p.latest_start, p.health, p.description,
       c.cost, c.benefit, c.last_benefit, d.depends_on
FROM projects p
LEFT JOIN (
    SELECT project_id, sum(cost) AS cost, sum(benefit) AS benefit,
           max(period) FILTER (WHERE benefit > 0) AS last_benefit
    FROM project_cashflows GROUP BY project_id
) c USING (project_id)
LEFT JOIN (
    SELECT project_id, string_agg(depends_on, '; ' ORDER BY depends_on) AS depends_on
    FROM project_dependencies GROUP BY project_id
) d USING (project_id)
ORDER BY p.project_id
"""


def _money(total: float | None) -> float | None:
    if total is None or pd.isna(total):
        return None
    cents = round(total, 2)
    return cents if cents != 0 else None


def _benefit_years(end: date, last_benefit: date | None) -> int:
    if last_benefit is None:
        return 1
    months = (last_benefit.year - end.year) * 12 + last_benefit.month - end.month
    return max(1, math.ceil(months / 12))


def portfolio_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the portfolio sheet of every project in the store, one row per project in id order.

    Parameters
    ----------
    con
        A connection to the store.

    Returns
    -------
    pandas.DataFrame
        The columns of ``EXPORT_FIELDS``, then ``fte_<TEAM_ID>`` for every team and ``fit_<OBJECTIVE_ID>`` for
        every objective (in id order); dates as ``datetime.date``, blanks as ``None``.
    """
    projects = con.execute(_PROJECTS_SQL).fetchall()
    names = [d[0] for d in con.description]
    teams = [r[0] for r in con.execute("SELECT team_id FROM teams ORDER BY team_id").fetchall()]
    objectives = [r[0] for r in con.execute("SELECT objective_id FROM objectives ORDER BY objective_id").fetchall()]
    demand = con.execute("SELECT project_id, team_id, sum(fte) FROM project_demand GROUP BY ALL").fetchall()
    fte_total = {(p, t): total for p, t, total in demand}
    scores = {(p, o): s for p, o, s in con.execute("SELECT * FROM project_alignment").fetchall()}
    records = []
    for values in projects:
        row = dict(zip(names, values, strict=True))
        cost, benefit = _money(row["cost"]), _money(row["benefit"])
        record = {name: row.get(name) for name in EXPORT_FIELDS}
        record.update(
            cost=cost,
            benefit=benefit,
            benefit_years=_benefit_years(row["end"], row["last_benefit"]) if benefit else None,
            budget=round(row["budget"], 2),
            mandatory="yes" if row["mandatory"] else "no",
            # 0 is a stated figure (stopping is free), unlike a blank (the default share): kept, not blanked.
            stop_cost=None if row["stop_cost"] is None or pd.isna(row["stop_cost"]) else round(row["stop_cost"], 2),
        )
        months = months_between(row["start"], row["end"])
        for team in teams:
            total = fte_total.get((row["project_id"], team))
            fte = round(total / months, FTE_DECIMALS) if total else 0
            record[aliases.TEAM_PREFIX + team] = fte if fte else None
        for objective in objectives:
            record[aliases.OBJECTIVE_PREFIX + objective] = scores.get((row["project_id"], objective))
        records.append(record)
    columns = [
        *EXPORT_FIELDS,
        *(aliases.TEAM_PREFIX + t for t in teams),
        *(aliases.OBJECTIVE_PREFIX + o for o in objectives),
    ]
    # Object columns keep whole numbers whole and blanks as None (a float column would turn 3 into 3.0, None into NaN).
    return pd.DataFrame.from_records(records, columns=columns).astype(object).where(lambda f: f.notna(), None)


def _cell_value(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        # openpyxl refuses control characters in a cell; a sheet cannot carry them (and the importer refuses them).
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if hasattr(value, "item"):  # a numpy scalar from a frame
        return value.item()
    return value


def sheet_workbook(frame: pd.DataFrame, title: str = SHEET_TITLE) -> openpyxl.Workbook:
    """Return a one-sheet workbook of ``frame``: bold header, dates formatted, text kept as text.

    Text cells are written as text, never as formulas, so a name beginning with ``=`` is shown, not run.
    """
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(frame.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in frame.itertuples(index=False):
        sheet.append([_cell_value(v) for v in values])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even when it starts with "=": shown, never run as a formula
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
    for column, name in enumerate(frame.columns, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = max(12, min(40, len(str(name)) + 2))
    sheet.freeze_panes = "C2"
    return book


def portfolio_xlsx(con: duckdb.DuckDBPyConnection) -> bytes:
    """Return the portfolio sheet of every project in the store as .xlsx bytes (see :func:`portfolio_frame`)."""
    buffer = io.BytesIO()
    sheet_workbook(portfolio_frame(con)).save(buffer)
    return buffer.getvalue()


def export_sheet(con: duckdb.DuckDBPyConnection, out_dir: str | Path) -> Path:
    """Write ``portfolio.xlsx`` (the sheet of every project) into ``out_dir`` and return its path.

    Parameters
    ----------
    con
        A connection to the store.
    out_dir
        The folder; created if missing.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / EXPORT_FILE
    target.write_bytes(portfolio_xlsx(con))
    return target


def export_sheet_file(store_path: str | Path | None, out_dir: str | Path) -> Path:
    """Open the store at ``store_path`` read-only and write its ``portfolio.xlsx`` into ``out_dir`` (the CLI's)."""
    con = store.connect(store_path, read_only=True)
    try:
        return export_sheet(con, out_dir)
    finally:
        con.close()
