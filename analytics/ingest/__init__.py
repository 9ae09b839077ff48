"""Data in and out: import a CSV or Excel file into one table, all rows or none; templates; export.

Every rule an import checks comes from one description of the tables, the schema itself (``catalogue``). An
import reads the file into a temporary table of text (``reading``), checks every rule with set-based SQL over all
rows at once (``validation``), and writes only a file without problems (``importer``). Every problem is reported
as ``FILE:ROW:COLUMN: message`` where ROW is the line of the file (1 = the header). ``templates`` gives a file to
start from for each table, ``export`` takes every table back out. Managing stores (listing, creating, the
overview of a store) belongs to ``analytics.store``.

This package re-exports the public API, so callers write ``analytics.ingest.import_file`` and the like.
"""

from analytics.ingest.catalogue import (
    DEPENDENCY_GRAPHS,
    IMPORTABLE_TABLES,
    RECORD_TABLES,
    REFERENCES,
    SETTING_RULES,
    Column,
    Rule,
    Table,
    describe,
)
from analytics.ingest.export import EXPORT_FORMATS, ExportError, export_bytes, export_store, export_tables
from analytics.ingest.importer import import_file, import_into
from analytics.ingest.problems import NO_COLUMN, PROBLEM_CAP, ImportResult, Problem, Progress, counted
from analytics.ingest.reading import CSV_DELIMITERS, preview
from analytics.ingest.templates import EXAMPLE_ROWS, template_csv, template_frame, template_xlsx

__all__ = [
    "CSV_DELIMITERS",
    "DEPENDENCY_GRAPHS",
    "EXAMPLE_ROWS",
    "EXPORT_FORMATS",
    "IMPORTABLE_TABLES",
    "NO_COLUMN",
    "PROBLEM_CAP",
    "RECORD_TABLES",
    "REFERENCES",
    "SETTING_RULES",
    "Column",
    "ExportError",
    "ImportResult",
    "Problem",
    "Progress",
    "Rule",
    "Table",
    "counted",
    "describe",
    "export_bytes",
    "export_store",
    "export_tables",
    "import_file",
    "import_into",
    "preview",
    "template_csv",
    "template_frame",
    "template_xlsx",
]
