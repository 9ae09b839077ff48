"""The Data page's portfolio sheet: upload one sheet, see what it would write, import it; the template; the export.

The dry-run (mapping, first rows, row counts, missing data, problems) is computed once per file, options and store
version; the Import button shows only when the sheet has no problem. Reads and writes go through ``ui.data``.

The sheet's readers take a file: the upload is written into a ``quarterdeck-upload-*`` folder of its own (the Data
page's importer's, swept by it once a day old), kept while the session previews it, and deleted when the import
ends (accepted or not), when another file replaces it and when the upload is removed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics import formatting, portfolio_sheet, text
from ui import admin, auth, data, layout

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAPPING_COLUMNS = {"column": "file column", "field": "Quarterdeck field", "alias": "alias matched", "tools": "from"}


def dry_run(path: str, file_name: str, day_first: bool) -> portfolio_sheet.SheetResult:
    """What importing the sheet at ``path`` would write, cached by file, options and store version."""
    return data.query(portfolio_sheet.import_sheet, path, day_first=day_first, dry_run=True, file_name=file_name)


def run_import(path: str, file_name: str, day_first: bool) -> portfolio_sheet.SheetResult:
    """Import the sheet into the open store in one transaction (which bumps the store version), as the signed-in
    admin; ``auth.Refused`` for anyone else."""
    identity = auth.require("admin", "Importing a portfolio sheet")
    return data.write(
        portfolio_sheet.import_sheet, path, day_first=day_first, file_name=file_name, imported_by=identity.name
    )


def export_download() -> Callable[[], bytes]:
    """The open store's portfolio sheet, built only when its button is pressed (on another thread: own cursor)."""
    cursor = data.reader()

    def build() -> bytes:
        with cursor() as cur:
            return portfolio_sheet.portfolio_xlsx(cur)

    return build


def _saved(uploaded) -> Path:
    """The upload as a file on disk, written once per upload (again if it was deleted) and replaced by the next."""
    saved = st.session_state.get("_sheet_saved")
    if saved and saved[0] == uploaded.file_id and Path(saved[1]).exists():
        return Path(saved[1])
    _forget_saved()
    admin.sweep_stale_uploads()
    folder = Path(tempfile.mkdtemp(prefix=admin.UPLOAD_PREFIX))
    path = folder / f"sheet{Path(uploaded.name).suffix.lower()}"
    path.write_bytes(uploaded.getbuffer())
    st.session_state["_sheet_saved"] = (uploaded.file_id, str(path))
    return path


def _forget_saved() -> None:
    """Delete the session's saved upload and its folder, if there is one."""
    saved = st.session_state.pop("_sheet_saved", None)
    if saved:
        shutil.rmtree(Path(saved[1]).parent, ignore_errors=True)


def _request_import(file_id: str) -> None:
    # A callback, so the request survives any rerun before the script reaches the button again.
    st.session_state["_sheet_pending"] = file_id


def _problems_frame(problems: list[portfolio_sheet.Problem]) -> pd.DataFrame:
    ordered = sorted(problems)[: portfolio_sheet.PROBLEM_CAP]
    return pd.DataFrame(
        {
            "line": [p.row for p in ordered],
            "column": [p.column for p in ordered],
            "problem": [p.message for p in ordered],
        }
    )


def section(present: bool, store_stem: str) -> None:
    """Draw the portfolio-sheet section of the Data page."""
    st.subheader("Import the whole portfolio from one sheet", anchor=False)
    st.caption(
        "One row per project: Quarterdeck spreads it into cash flows, team demand, strategic fit and dependencies. "
        "Exports of ServiceNow SPM, Microsoft Project, Smartsheet, OpenProject and Jira are read as they are."
    )
    upload_col, side_col = layout.side_by_side([3, 2], present)
    with upload_col:
        upload = st.file_uploader(
            "Portfolio sheet (CSV or Excel)",
            type=["csv", "txt", "xlsx"],
            key="sheet_upload",
            disabled=not auth.may("admin"),
            help="Headers are matched ignoring case, spaces and punctuation, and through other tools' names."
            if auth.may("admin")
            else "Importing needs the admin role.",
        )
        day_first = st.toggle("Numeric dates are day first (1/3/2026 is 1 March)", key="sheet_day_first")
    with side_col:
        st.download_button(
            "Portfolio sheet template (Excel)",
            portfolio_sheet.template_xlsx(),
            "portfolio-template.xlsx",
            XLSX_MIME,
            icon=":material/download:",
            on_click="ignore",
            key="sheet_template",
            width="stretch",
            help="One sheet with drop-down lists and a worked example; each header's comment says what it holds.",
        )
        st.download_button(
            "This store as a portfolio sheet",
            export_download(),
            f"{store_stem}-portfolio.xlsx",
            XLSX_MIME,
            icon=":material/download:",
            on_click="ignore",
            key="sheet_export",
            width="stretch",
            help="Every project with its totals; it imports back as it is.",
        )
        with st.expander("How a row becomes monthly figures"):
            st.text(portfolio_sheet.SPREADING_RULES)
    outcome = st.session_state.get("_sheet_outcome")
    if upload is None:
        _forget_saved()
        if outcome is None:
            st.caption("No sheet chosen yet: start from the template, or drop another tool's export above.")
        return
    path = _saved(upload)
    pending = st.session_state.pop("_sheet_pending", None)
    if pending == upload.file_id:
        try:
            result = run_import(str(path), upload.name, day_first)
        finally:
            _forget_saved()  # a rejected sheet's dry-run is cached; a cache miss writes the file again
        st.session_state["_sheet_outcome"] = (upload.file_id, result.accepted, result.summary())
        st.rerun()
    if outcome is not None and outcome[0] == upload.file_id:
        if outcome[1]:
            # Done: the sheet is in the store; another upload (or the same file again) starts over.
            st.success(f"Imported: {text.markdown(outcome[2])}", icon=":material/check_circle:")
            return
        st.warning("Not imported: the store is unchanged; fix the problems listed.", icon=":material/block:")
    result = dry_run(str(path), upload.name, day_first)
    _show(result, upload.file_id)


def _show(result: portfolio_sheet.SheetResult, file_id: str) -> None:
    """The dry-run: the verdict and the Import button, missing data, mapping, first rows, counts, problems."""
    if result.accepted:
        st.markdown(f"**Ready to import**: {text.markdown(result.summary())}")
        st.button(
            f"Import {result.rows:,} project{'' if result.rows == 1 else 's'}",
            type="primary",
            icon=":material/upload:",
            key="sheet_import",
            on_click=_request_import,
            args=(file_id,),
        )
    else:
        count = len(result.problems)
        st.markdown(f"**{count:,} problem{'' if count == 1 else 's'}**: nothing can be imported until they are fixed")
        layout.table(_problems_frame(result.problems), key="sheet_problems")
    for missing in result.missing:
        st.caption(f"Missing: {text.markdown(missing)}")
    st.markdown("**Columns** (file column → Quarterdeck field)")
    layout.table(result.mapping, labels=MAPPING_COLUMNS, room_rows=None, key="sheet_mapping")
    if not result.preview.empty:
        st.markdown("**First rows as they will be stored**")
        layout.table(result.preview, key="sheet_preview")
        counts = pd.DataFrame({"table": list(result.counts), "rows": list(result.counts.values())})
        layout.table(counts, {"rows": formatting.count}, room_rows=None, key="sheet_counts")
    if result.warnings:
        with st.expander(f"{len(result.warnings):,} warnings (not blocking)"):
            layout.table(_problems_frame(result.warnings), key="sheet_warnings")
