from pathlib import Path

import streamlit as st

from analytics import formatting
from analytics import text as store_text
from ui import admin, auth, data, layout, portfolio_sheet, shell

shell.ensure_framed()

present = shell.presentation_mode()
open_path = Path(data.store_path())
# Imports, store actions and roles are the admin's; the server checks again in every one of them (ui.auth.require).
is_admin = auth.may("admin")
upload_limit_mb = st.get_option("server.maxUploadSize")  # set in .streamlit/config.toml

# The page's tables go through layout.table: sortable grids at a desk, room-size tables in presentation mode.
PROBLEM_LABELS = {"row": "line"}
OVERVIEW_LABELS = {"last_import": "last import", "imported_by": "by"}
RECENT_IMPORT_LABELS = {"imported_at": "when", "imported_by": "by"}
RECENT_IMPORT_FORMATS = {"imported_at": lambda when: f"{when:%d %b %Y, %H:%M}", "rows": formatting.count}

layout.header(
    "Data",
    "Load your organisation's portfolio from CSV or Excel, checked before anything is written, and take every "
    "table back out.",
)

overview = admin.store_overview()
filled = overview[overview["rows"] > 0]
latest = overview.dropna(subset=["last_import"]).sort_values("last_import").tail(1)
layout.tile_row(
    [
        layout.Tile(
            "Open store",
            open_path.name,
            f"The DuckDB file the app serves: {open_path if is_admin else open_path.name}",
        ),
        layout.Tile("Rows", f"{overview['rows'].sum():,}", "Rows in every table of the store, import log included."),
        layout.Tile("Tables with data", f"{len(filled)} of {len(overview)}", "Tables that hold at least one row."),
        layout.Tile(
            "Last import",
            "none yet" if latest.empty else f"{latest['last_import'].iloc[0]:%d %b %H:%M}",
            "The latest import of any table, accepted or rejected, from import_log.",
            delta=None if latest.empty else f"{latest['table'].iloc[0]} · {latest['status'].iloc[0]}",
            delta_color="off",
            delta_arrow="off",
        ),
    ]
)

# ------------------------------------------------------------------------------------------------ import
st.subheader("Import a file", anchor=False)
pick_col, upload_col, template_col = st.columns([2, 3, 2], gap="medium")
with pick_col:
    table = st.selectbox(
        "Into table",
        admin.IMPORTABLE_TABLES,
        index=admin.IMPORTABLE_TABLES.index("projects"),
        key="table",
        bind="query-params",
        help="Import a table after the ones it refers to: products before projects, projects before their cash flows.",
    )
    spec = admin.describe(table)
    required = [c.name for c in spec.columns if c.required]
    st.caption(
        f"Key: {', '.join(spec.key)}. Required columns: {', '.join(required)}. A file may leave out the others. "
        "Rows whose key is already in the store are updated, the rest added."
    )
with upload_col:
    upload = st.file_uploader(
        f"CSV or Excel file, up to {upload_limit_mb} MB",
        type=["csv", "txt", "tsv", "xlsx"],
        key="upload",
        disabled=not is_admin,
        help="CSV separated by , ; tab or |, in UTF-8 or Latin-1; or .xlsx (the sheet named after the table, "
        "else the first). The first row names the columns.",
    )
    st.caption(
        f"Uploads are limited to {upload_limit_mb} MB (server.maxUploadSize in .streamlit/config.toml). "
        "Nothing is written unless every row passes every check."
        if is_admin
        else "Importing needs the admin role; templates and exports are open to everyone."
    )
with template_col:
    st.markdown(f"**Template for {table}**")
    st.download_button(
        "Template (CSV)",
        admin.template_csv(table),
        f"{table}-template.csv",
        "text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="template_csv",
    )
    st.download_button(
        "Template (Excel)",
        admin.template_xlsx(table),
        f"{table}-template.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
        key="template_xlsx",
        help="With drop-down lists for columns that take one of a few values.",
    )


def request_import(file_id: str, into: str) -> None:
    # A callback, so the request survives any rerun before the script reaches the button again.
    st.session_state["_import_pending"] = (file_id, into)


outcome = st.session_state.get("_import_outcome")
if upload is None:
    if outcome is None:
        layout.empty_state(
            "No file chosen yet.",
            f"Pick the table, then drop a CSV or Excel file above; start from a template for {table} if you like.",
        )
else:
    st.button(
        f"Import into {table}",
        type="primary",
        icon=":material/upload:",
        key="import",
        on_click=request_import,
        args=(upload.file_id, table),
    )
    pending = st.session_state.pop("_import_pending", None)
    if pending and pending[0] == upload.file_id:
        bar = st.progress(0.0, text=f"Reading {store_text.markdown(upload.name)}")
        result = admin.import_upload(
            pending[1],
            upload,
            progress=lambda done, text: bar.progress(done, text=store_text.markdown(text)),
        )
        st.session_state["_import_outcome"] = (upload.file_id, result)
        # Rerun so that the counts above and every other page show the store as it now is.
        st.rerun()
    preview_col, problems_col = layout.side_by_side([3, 2], present)
    with preview_col:
        st.markdown("**Preview** (the first 20 rows, as in the file)")
        sample = admin.preview_upload(upload, table)
        if sample.empty:
            st.caption("Nothing to preview: the file is empty or not a CSV or .xlsx file.")
        else:
            layout.table(sample, height="content" if len(sample) < 10 else "auto")
    with problems_col:
        result = outcome[1] if outcome and outcome[0] == upload.file_id else None
        if result is None:
            st.markdown("**Problems**")
            st.caption("Press Import: every row is checked first, and the problems are listed here.")
        elif result.accepted:
            st.markdown("**No problems**")
            st.caption("Every row passed every check and is in the store.")
        else:
            st.markdown(f"**{admin.counted(result.problem_count, 'problem')}**: nothing was imported")
            found = result.problems_frame()
            layout.table(found, labels=PROBLEM_LABELS, height="content" if len(found) < 10 else "auto")
            rest = result.problem_count - len(result.problems)
            if rest > 0:
                st.caption(
                    f"The first {len(result.problems)} are listed; {rest:,} more {'is' if rest == 1 else 'are'} not."
                )
if outcome is not None and (upload is None or outcome[0] == upload.file_id):
    result = outcome[1]
    if result.accepted:
        st.success(
            f"Imported {admin.counted(result.rows, 'row')} from {store_text.markdown(result.file_name)} into "
            f"{result.table} "
            f"({result.inserted:,} new, {result.updated:,} updated) in {result.seconds:.1f} s.",
            icon=":material/check_circle:",
        )
    else:
        st.warning(
            f"Not imported: {admin.counted(result.problem_count, 'problem')} in "
            f"{store_text.markdown(result.file_name)}. The store is unchanged; fix the rows listed and import the "
            "file again.",
            icon=":material/block:",
        )

# ------------------------------------------------------------------------------------------------ portfolio sheet
portfolio_sheet.section(present, open_path.stem)

# ------------------------------------------------------------------------------------------------ tables
st.subheader("Tables in this store", anchor=False)
tables_col, export_col = layout.side_by_side([3, 1], present)
with tables_col:
    # Tables never imported into show "–", not "None"; in a room every table is listed, as at a desk.
    shown = overview.assign(last_import=overview["last_import"].dt.strftime("%d %b %Y, %H:%M"))
    layout.table(shown, {"rows": formatting.count}, OVERVIEW_LABELS, room_rows=None, height="content")
with export_col:
    st.markdown("**Export every table**")
    st.caption("Rows in key order. Text a spreadsheet would run as a formula is made harmless in CSV and Excel.")
    too_long_for_excel = int(overview["rows"].max()) >= admin.EXCEL_MAX_ROWS
    stem = open_path.stem

    st.download_button(
        "CSV files (zip)",
        admin.export_download("csv"),
        f"{stem}-csv.zip",
        "application/zip",
        icon=":material/download:",
        on_click="ignore",
        key="export_csv",
        width="stretch",
    )
    st.download_button(
        "Excel workbook",
        admin.export_download("xlsx"),
        f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
        key="export_xlsx",
        width="stretch",
        disabled=too_long_for_excel,
        help="A table is longer than an Excel sheet: export CSV or Parquet."
        if too_long_for_excel
        else "One sheet per table.",
    )
    st.download_button(
        "Parquet files (zip)",
        admin.export_download("parquet"),
        f"{stem}-parquet.zip",
        "application/zip",
        icon=":material/download:",
        on_click="ignore",
        key="export_parquet",
        width="stretch",
    )

recent = admin.recent_imports(10)
st.markdown("**Recent imports**")
if recent.empty:
    st.caption("No imports into this store yet.")
else:
    layout.table(recent, RECENT_IMPORT_FORMATS, RECENT_IMPORT_LABELS, room_rows=None)

# ------------------------------------------------------------------------------------------------ store


def create_store(folder: Path) -> None:
    try:
        admin.create_and_open_store(folder, st.session_state.get("new_store_name", ""))
    except admin.StoreError as exc:
        st.session_state["_store_error"] = str(exc)
        return
    st.session_state["new_store_name"] = ""


def open_store(path: Path) -> None:
    try:
        admin.open_store(path)
    except admin.StoreError as exc:
        st.session_state["_store_error"] = str(exc)


def rebuild_demo(demo_path: Path) -> None:
    try:
        admin.rebuild_demo(demo_path)
    except admin.StoreError as exc:
        st.session_state["_store_error"] = str(exc)
        return
    st.session_state["confirm_rebuild"] = False


def grant_role() -> None:
    try:
        admin.grant_role(st.session_state.get("grant_principal", ""), st.session_state.get("grant_role", "viewer"))
    except (admin.StoreError, admin.GrantError) as exc:
        st.session_state["_roles_error"] = str(exc)
        return
    st.session_state["grant_principal"] = ""


def revoke_role(principal: str) -> None:
    try:
        admin.revoke_role(principal)
    except (admin.StoreError, admin.GrantError) as exc:
        st.session_state["_roles_error"] = str(exc)


# Store actions are callbacks: they run before the page is drawn, so the page shows the store they opened. They
# and the roles below are the admin's alone (and every one checks that again on the server).
if not present and is_admin:
    st.subheader("Stores", anchor=False)
    folder = open_path.parent
    st.caption(
        f"The app serves {store_text.markdown(str(open_path))}. "
        f"Stores live beside it, in {store_text.markdown(str(folder))}."
    )
    if error := st.session_state.pop("_store_error", None):
        st.error(error, icon=":material/error:")
    open_col, new_col, demo_col = st.columns(3, gap="medium")
    with open_col:
        st.markdown("**Open another store**")
        others = admin.other_stores(open_path)
        if others:
            chosen = st.selectbox("Store", others, format_func=lambda p: p.name, key="other_store")
            st.button("Open", key="open_store", icon=":material/folder_open:", on_click=open_store, args=(chosen,))
        else:
            st.caption("No other store in this folder yet.")
    with new_col:
        st.markdown("**Start an empty store** for your own data")
        name = st.text_input(
            "Name",
            placeholder="e.g. acme-portfolio",
            key="new_store_name",
            help="Letters, digits, - and _. Created beside the open store, then opened.",
        )
        st.button(
            "Create and open",
            key="create_store",
            icon=":material/add:",
            disabled=not name,
            on_click=create_store,
            args=(folder,),
        )
        st.caption(f"To serve it after a restart: `QUARTERDECK_DB={folder}/<name>.duckdb make run`.")
    with demo_col:
        demo_path = folder / "demo.duckdb"
        st.markdown("**Rebuild the demo store**")
        st.caption(
            f"Builds the demo company, Halyard Software, afresh as {demo_path.name} in this folder and opens it. "
            "Other stores are not touched."
        )
        confirmed = not demo_path.exists() or st.checkbox(
            f"Replace {demo_path.name} and any imports into it", key="confirm_rebuild"
        )
        st.button(
            "Rebuild demo",
            key="rebuild_demo",
            icon=":material/restart_alt:",
            disabled=not confirmed,
            on_click=rebuild_demo,
            args=(demo_path,),
        )

    st.subheader("Who may sign in", anchor=False)
    st.caption(
        "Viewers see every page and move every lever; editors also save and delete scenarios and record decisions; "
        "admins also import, manage stores and grant roles. A person's role is the highest of the grants for "
        "their email and their groups; without one they see no data."
    )
    if error := st.session_state.pop("_roles_error", None):
        st.error(store_text.markdown(error), icon=":material/error:")
    roles_col, grant_col = layout.side_by_side([3, 2], present)
    with roles_col:
        granted = admin.grants()
        if granted.empty:
            st.caption("No grants yet. With sign-in on, nobody gets in until an admin is granted.")
        else:
            layout.table(granted, room_rows=None, key="grants")
            revoked = st.selectbox(
                "Revoke the grant of", granted["principal"], index=None, placeholder="Pick one", key="revoke_principal"
            )
            st.button(
                "Revoke",
                key="revoke",
                icon=":material/person_remove:",
                disabled=revoked is None,
                on_click=revoke_role,
                args=(revoked,),
            )
    with grant_col:
        st.text_input("Email, or group:NAME", key="grant_principal", placeholder="e.g. ana@example.com")
        st.selectbox("Role", admin.ROLES, key="grant_role")
        st.button("Grant", key="grant", icon=":material/person_add:", on_click=grant_role)
