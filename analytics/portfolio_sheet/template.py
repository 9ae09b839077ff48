"""The empty portfolio sheet: one sheet, every column, a worked example row and drop-down lists.

Each header carries a comment that says what the column holds; the stage, health and mandatory columns offer
their values as a drop-down list (Excel data validation). The example row imports as it stands.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from analytics.portfolio_sheet import aliases
from analytics.portfolio_sheet.derive import SPREADING_RULES
from analytics.portfolio_sheet.export import sheet_workbook

#: The teams and objectives of the example, as fte_/fit_ columns.
EXAMPLE_TEAMS = ("T-DATA", "T-WEB")
EXAMPLE_OBJECTIVES = ("GROWTH", "EFFICIENCY")
#: The worked example: 120,000 over Jan-Jun 2026 (20,000 a month), 90,000 a year for 3 years from July 2026
#: (7,500 a month), 1.5 FTE of T-DATA and 2 of T-WEB every month from January to June.
EXAMPLE = {
    "project_id": "P-1",
    "name": "Self-service onboarding",
    "program": "Growth",
    "product_id": None,
    "sponsor": "COO",
    "manager": "A. Jones",
    "stage": "approved",
    "start": date(2026, 1, 1),
    "end": date(2026, 6, 30),
    "cost": 120000,
    "budget": 120000,
    "benefit": None,
    "annual_benefit": 90000,
    "benefit_years": 3,
    "probability_of_success": 0.8,
    "mandatory": "no",
    "stop_cost": None,
    "earliest_start": date(2026, 1, 1),
    "latest_start": date(2026, 4, 1),
    "depends_on": None,
    "health": "green",
    "description": "Customers open an account without calling sales",
    "fte_T-DATA": 1.5,
    "fte_T-WEB": 2,
    "fit_GROWTH": 4,
    "fit_EFFICIENCY": 2,
}

COLUMN_HELP = {
    "project_id": "Required. A short unique id, e.g. P-1.",
    "name": "Required. The project's name.",
    "program": "The program it belongs to (optional).",
    "product_id": "The product it builds, as in the products table (optional).",
    "sponsor": "Who sponsors it (optional).",
    "manager": "Who runs it (optional).",
    "stage": "proposed, approved, active, on_hold, completed or cancelled; proposed when blank.",
    "start": "Required. First day of work: 2026-03-01, 3/1/2026 (month first) or an Excel date.",
    "end": "Required. Last day of work, not before start.",
    "cost": "Total cost from start to end, spread evenly by month (the last month takes the cents left over).",
    "budget": "The approved budget; the cost when blank.",
    "benefit": "Total benefit, spread evenly over benefit_years x 12 months from the month after end.",
    "annual_benefit": "Or the benefit per year, for benefit_years years from the month after end (not both).",
    "benefit_years": "How many years the benefit lasts; 3 when blank.",
    "probability_of_success": "0 to 1 (or 80%); 1 when blank.",
    "mandatory": "yes or no: a mandatory project is always selected; no when blank.",
    "stop_cost": "What stopping it while active costs (wind-down, contracts); blank: half its next quarter's cost.",
    "earliest_start": "The earliest month it may start, if it may move (optional).",
    "latest_start": "The latest month it may start, if it may move (optional).",
    "depends_on": "Project ids it needs, separated by ; or , (optional).",
    "health": "green, amber or red (optional).",
    "description": "Free text (optional).",
}
_TEAM_HELP = "FTE needed from team {key} in every month from start to end; the team is created if missing."
_OBJECTIVE_HELP = "0-5 whole-number fit with objective {key}; the objective is created (weight 1) if missing."
LISTS = {"stage": aliases.STAGES, "health": aliases.HEALTHS, "mandatory": ("yes", "no")}
#: Rows of the sheet the drop-down lists cover.
LIST_ROWS = 1000


def template_columns() -> list[str]:
    """Return the template's headers: the sheet's fields, then the example's ``fte_`` and ``fit_`` columns."""
    fixed = [f for f in aliases.FIELDS if f != "strategic_fit"]
    return [
        *fixed,
        *(aliases.TEAM_PREFIX + t for t in EXAMPLE_TEAMS),
        *(aliases.OBJECTIVE_PREFIX + o for o in EXAMPLE_OBJECTIVES),
    ]


def template_xlsx() -> bytes:
    """Return the one-sheet template (.xlsx): headers with help comments, the worked example, drop-down lists.

    Returns
    -------
    bytes
        The workbook. Its sheet ``portfolio`` imports as it is (one project, P-1).
    """
    columns = template_columns()
    book = sheet_workbook(pd.DataFrame([[EXAMPLE.get(c) for c in columns]], columns=columns))
    sheet = book.active
    for index, name in enumerate(columns, start=1):
        if name.startswith(aliases.TEAM_PREFIX):
            text = _TEAM_HELP.format(key=name[len(aliases.TEAM_PREFIX) :])
        elif name.startswith(aliases.OBJECTIVE_PREFIX):
            text = _OBJECTIVE_HELP.format(key=name[len(aliases.OBJECTIVE_PREFIX) :])
        else:
            text = COLUMN_HELP[name]
        height = 160
        if name == "cost":
            text, height = text + "\n\n" + SPREADING_RULES, 520
        sheet.cell(row=1, column=index).comment = Comment(text, "Quarterdeck", width=520, height=height)
    for name, choices in LISTS.items():
        letter = get_column_letter(columns.index(name) + 1)
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(choices) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"Not a {name}",
            error=f"Choose one of: {', '.join(choices)}",
        )
        validation.add(f"{letter}2:{letter}{LIST_ROWS}")
        sheet.add_data_validation(validation)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
