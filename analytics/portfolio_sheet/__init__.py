"""The portfolio sheet: one row per project, from Quarterdeck's own template or another tool's export.

``import_sheet`` checks a .csv or .xlsx sheet and writes projects, cash flows, demand, alignment, dependencies
and the teams and objectives it names in one transaction (or, as a dry-run, says what it would write);
``portfolio_xlsx`` exports the sheet of every project in a store; ``template_xlsx`` is the empty sheet with a
worked example. The columns, the aliases of other tools and the spreading rules are in ``aliases`` and
``derive``; CONTRACT.md ("The portfolio sheet") is the promise.
"""

from analytics.portfolio_sheet.derive import SPREADING_RULES
from analytics.portfolio_sheet.export import export_sheet, export_sheet_file, portfolio_frame, portfolio_xlsx
from analytics.portfolio_sheet.problems import PROBLEM_CAP, Problem
from analytics.portfolio_sheet.reading import RawSheet, SheetReadError, read_sheet
from analytics.portfolio_sheet.template import template_xlsx
from analytics.portfolio_sheet.write import LOG_TABLE, SheetResult, import_sheet, import_sheet_file

__all__ = [
    "LOG_TABLE",
    "PROBLEM_CAP",
    "SPREADING_RULES",
    "Problem",
    "RawSheet",
    "SheetReadError",
    "SheetResult",
    "export_sheet",
    "export_sheet_file",
    "import_sheet",
    "import_sheet_file",
    "portfolio_frame",
    "portfolio_xlsx",
    "read_sheet",
    "template_xlsx",
]
