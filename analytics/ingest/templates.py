"""Templates: for every importable table, a CSV and an Excel file with its columns and one example row.

The example rows refer to each other, so importing every template in table order into an empty store is accepted;
the Excel template also offers each enumeration as a drop-down list and says what every column holds.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from functools import lru_cache

import pandas as pd

from analytics.ingest.catalogue import Column, describe
from analytics.rules import DEFAULT_ALPHA
from analytics.spreadsheets import CSV_ENCODING, EXCEL_MAX_ROWS, neutralise, sheet_name

#: One example row per table, as the text a file would hold. The rows refer to each other (LEDGER, P-001,
#: T-DATA, ...) so importing every template in table order into an empty store is accepted.
EXAMPLE_ROWS: dict[str, dict[str, str]] = {
    "settings": {"key": "currency", "value": "USD"},
    "objectives": {
        "objective_id": "O-GROWTH",
        "name": "Grow recurring revenue",
        "description": "New logos and expansion",
        "weight": "0.3",
    },
    "products": {
        "product_id": "LEDGER",
        "name": "Ledger",
        "segment": "Mid-market",
        "owner": "Priya Raman",
        "lifecycle_stage": "maturity",
        "launched_on": "2018-04-09",
    },
    "teams": {"team_id": "T-DATA", "name": "Data platform", "skill": "data engineering"},
    "team_capacity": {"team_id": "T-DATA", "period": "2026-10-01", "fte": "8"},
    "projects": {
        "project_id": "P-001",
        "name": "Self-serve onboarding",
        "product_id": "LEDGER",
        "program": "Growth",
        "sponsor": "Ana Costa",
        "manager": "Sam Lee",
        "stage": "approved",
        "start_date": "2026-11-01",
        "end_date": "2027-06-30",
        "budget": "850000",
        "probability_of_success": "0.7",
        "health": "green",
        "mandatory": "false",
        "description": "Guided set-up for new accounts",
        "earliest_start": "2026-11-01",
        "latest_start": "2027-02-01",
        "stop_cost": "60000",
    },
    "project_cashflows": {"project_id": "P-001", "period": "2026-11-01", "cost": "120000", "benefit": "0"},
    "project_alignment": {"project_id": "P-001", "objective_id": "O-GROWTH", "score": "4"},
    "project_demand": {"project_id": "P-001", "team_id": "T-DATA", "period": "2026-11-01", "fte": "2.5"},
    "project_dependencies": {"project_id": "P-002", "depends_on": "P-001", "kind": "requires"},
    "project_progress": {
        "project_id": "P-001",
        "as_of": "2026-12-31",
        "percent_complete": "20",
        "planned_value": "180000",
        "earned_value": "170000",
        "actual_cost": "175000",
    },
    "risks": {
        "risk_id": "R-001",
        "project_id": "P-001",
        "title": "Key engineer may leave",
        "category": "people",
        "probability": "0.2",
        "impact": "4",
        "status": "open",
        "owner": "Sam Lee",
        "mitigation": "Pair on the critical parts",
        "raised_on": "2026-11-15",
    },
    "kpi_definitions": {
        "metric": "revenue",
        "label": "Revenue",
        "unit": "USD",
        "direction": "higher_is_better",
        "aggregation": "sum",
    },
    "kpi_history": {"product_id": "LEDGER", "metric": "revenue", "date": "2026-10-14", "value": "65250.5"},
    "kpi_targets": {"product_id": "LEDGER", "metric": "revenue", "period": "2026-10-01", "target": "2000000"},
    "features": {
        "feature_id": "F-001",
        "product_id": "LEDGER",
        "title": "Bulk invoice export",
        "theme": "Reporting",
        "status": "planned",
        "reach": "4000",
        "impact": "2",
        "confidence": "0.8",
        "effort": "3",
        "business_value": "8",
        "time_criticality": "5",
        "risk_reduction": "2",
        "job_size": "5",
        "start_date": "2026-11-01",
        "target_date": "2027-01-31",
        "shipped_on": "",
        "project_id": "P-001",
    },
    "feedback": {
        "feedback_id": "FB-000001",
        "product_id": "LEDGER",
        "received_on": "2026-10-12",
        "channel": "in-app",
        "nps_score": "9",
        "csat_score": "5",
        "theme": "Ease of use",
        "comment": "Set-up took minutes",
    },
    "retention_cohorts": {
        "product_id": "LEDGER",
        "cohort_month": "2026-01-01",
        "month_offset": "3",
        "cohort_size": "1200",
        "retained": "840",
    },
    "scenarios": {
        "scenario_id": "S-001",
        "name": "Budget at 90%",
        "created_at": "2026-10-15 09:30:00",
        "created_by": "Ana Costa",
        "params": json.dumps({"budget_pct": 90, "rate": 0.08, "alpha": DEFAULT_ALPHA}),
        "note": "Board review",
    },
    "scenario_projects": {"scenario_id": "S-001", "project_id": "P-001", "chosen": "true"},
}


def template_frame(table: str) -> pd.DataFrame:
    """Return the template of ``table``: every column as a header, and one example row (as text)."""
    spec = describe(table)
    example = EXAMPLE_ROWS[table]
    return pd.DataFrame([[example.get(c, "") for c in spec.names]], columns=list(spec.names))


@lru_cache(maxsize=64)
def template_csv(table: str) -> bytes:
    """Return the CSV template of ``table`` (UTF-8 with a BOM so Excel reads accents right)."""
    return template_frame(table).map(neutralise).to_csv(index=False).encode(CSV_ENCODING)


@lru_cache(maxsize=64)
def template_xlsx(table: str) -> bytes:
    """Return the Excel template of ``table``: headers, one example row and drop-down lists.

    Columns with an enumeration (and true/false columns) get a data-validation list over the whole column, so
    Excel offers the allowed values and refuses others. A second sheet, ``columns``, says what each column holds.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    spec = describe(table)
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name(table)
    sheet.append(list(spec.names))
    sheet.append([_example_cell(column, EXAMPLE_ROWS[table].get(column.name, "")) for column in spec.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(spec.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, len(column.name) + 4)
        allowed = column.allowed or (("true", "false") if column.sql_type == "BOOLEAN" else None)
        if allowed:
            validation = DataValidation(
                type="list", formula1='"' + ",".join(allowed) + '"', allow_blank=column.nullable
            )
            validation.error = f"{column.name} must be one of {', '.join(allowed)}"
            validation.errorTitle = "Not an allowed value"
            validation.add(f"{letter}2:{letter}{EXCEL_MAX_ROWS}")
            sheet.add_data_validation(validation)
    about = book.create_sheet("columns")
    about.append(["column", "type", "required", "allowed values or rule", "refers to"])
    for cell in about[1]:
        cell.font = Font(bold=True)
    for column in spec.columns:
        rules = "; ".join(r.message for r in spec.rules if r.columns[0] == column.name and not column.allowed)
        about.append(
            [
                column.name,
                column.sql_type.lower(),
                "yes" if column.required else "no",
                ", ".join(column.allowed) if column.allowed else rules,
                spec.references.get(column.name, ""),
            ]
        )
    for letter, width in zip("ABCDE", (22, 10, 10, 60, 18), strict=True):
        about.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _example_cell(column: Column, text: str) -> object:
    """Return an example value typed as Excel would hold it, so the template's cells are numbers and dates."""
    if text == "":
        return None
    if column.sql_type == "DOUBLE":
        return float(text)
    if column.sql_type in ("INTEGER", "BIGINT"):
        return int(text)
    if column.sql_type == "DATE":
        return date.fromisoformat(text)
    if column.sql_type == "TIMESTAMP":
        return datetime.fromisoformat(text)
    if column.sql_type == "BOOLEAN":
        return text == "true"
    return text
