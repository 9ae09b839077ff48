"""Export: every table of a store as CSV, Parquet or one Excel workbook, in files or as one download.

Rows are ordered by key and columns follow the schema, so exporting the same data twice gives the same files.
The store's connections have no file access (``enable_external_access`` is off), so its rows stream as Arrow
batches into a DuckDB connection of the export's own, in memory, which writes the files.
"""

from __future__ import annotations

import codecs
import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

import duckdb

from analytics import store
from analytics.ingest.catalogue import Table, describe
from analytics.ingest.reading import scratch_connection
from analytics.spreadsheets import EXCEL_MAX_ROWS, FORMULA_STARTS_SQL, neutralise, printable_sql, sheet_name

EXPORT_FORMATS = ("csv", "xlsx", "parquet")


class ExportError(Exception):
    """A store that cannot be written in the asked format; the message says why and what to do instead."""


def _ordered_select(table: Table, spreadsheet: str | None) -> str:
    """SELECT of every column in schema order, rows by key; text made safe for a ``"csv"`` or ``"xlsx"`` file.

    For a spreadsheet, control characters are replaced (``printable_sql``); for CSV, text that starts with a
    formula character is also neutralised here (an Excel export neutralises each cell as it writes it).
    """
    columns = []
    for column in table.columns:
        name = column.name
        if spreadsheet and column.sql_type == "VARCHAR":
            text = printable_sql(name)
            if spreadsheet == "csv":
                text = f"CASE WHEN {name}[1] IN ({FORMULA_STARTS_SQL}) THEN _qd_neutralise({text}) ELSE {text} END"
            columns.append(f"{text} AS {name}")
        else:
            columns.append(name)
    return f"SELECT {', '.join(columns)} FROM {table.name} ORDER BY {', '.join(table.key)}"  # noqa: S608


def _register_neutralise(con: duckdb.DuckDBPyConnection) -> None:
    # The rule lives in analytics.spreadsheets; the SQL around it (_ordered_select) calls it only for text that
    # starts with a formula character, so a 10M-row table costs no Python call per cell. Cursors share their
    # connection's functions, so the second export on a connection finds it registered already.
    try:
        con.create_function("_qd_neutralise", neutralise, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"))
    except duckdb.CatalogException:
        pass


def export_tables(
    con: duckdb.DuckDBPyConnection, out_dir: str | Path, fmt: str = "csv", tables: Iterable[str] | None = None
) -> list[Path]:
    """Write every contract table (or ``tables``) to ``out_dir``: a CSV or Parquet file each, or one workbook.

    Rows are ordered by key and columns follow the schema, so exporting the same data twice gives the same files.
    CSV and Excel text that a spreadsheet would run as a formula is neutralised (``analytics.spreadsheets``).

    Parameters
    ----------
    con
        A connection to the store.
    out_dir
        The folder to write into (created if missing).
    fmt
        ``"csv"`` (UTF-8 with a BOM), ``"xlsx"`` (``quarterdeck.xlsx``, a sheet per table) or ``"parquet"``.
    tables
        The tables to write; default every contract table.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ExportError
        For an unknown format, or a table too long for an Excel sheet.
    """
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"Unknown export format {fmt!r}: choose one of {', '.join(EXPORT_FORMATS)}.")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    names = list(tables) if tables is not None else list(store.CONTRACT_TABLES)
    specs = [describe(t) for t in names]
    if fmt == "xlsx":
        return [_export_workbook(con, specs, folder / "quarterdeck.xlsx")]
    written = []
    # A cursor of its own: DuckDB refuses to register a function on a connection with an unfinished result.
    with con.cursor() as cur, scratch_connection() as writer:
        if fmt == "csv":
            _register_neutralise(cur)
        for spec in specs:
            target = folder / f"{spec.name}.{fmt}"
            rows = cur.sql(_ordered_select(spec, fmt if fmt == "csv" else None)).to_arrow_reader(_BATCH_ROWS)
            writer.register("_export", rows)
            try:
                if fmt == "parquet":
                    writer.execute(f"COPY _export TO '{_quoted_path(target)}' (FORMAT parquet)")
                else:
                    _copy_csv_with_bom(writer, "SELECT * FROM _export", target)
            finally:
                writer.unregister("_export")
            written.append(target)
    return written


# Rows handed from the store to the writing connection at a time.
_BATCH_ROWS = 100_000


def _quoted_path(path: Path) -> str:
    # COPY ... TO takes no parameters; the path is ours (out_dir / a table name) with quotes doubled.
    return str(path).replace("'", "''")


def _copy_csv_with_bom(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    body = target.with_name(target.name + ".part")
    con.execute(f"COPY ({query}) TO '{_quoted_path(body)}' (FORMAT csv, HEADER true, DELIMITER ',')")
    with open(target, "wb") as out, open(body, "rb") as part:
        out.write(codecs.BOM_UTF8)
        shutil.copyfileobj(part, out, 1 << 22)
    body.unlink()


def _export_workbook(con: duckdb.DuckDBPyConnection, specs: list[Table], target: Path) -> Path:
    from openpyxl import Workbook

    counts = {s.name: con.execute(f"SELECT count(*) FROM {s.name}").fetchall()[0][0] for s in specs}  # noqa: S608
    too_long = {t: n for t, n in counts.items() if n >= EXCEL_MAX_ROWS}
    if too_long:
        detail = ", ".join(f"{t} has {n:,} rows" for t, n in too_long.items())
        raise ExportError(
            f"{detail}: more than an Excel sheet holds ({EXCEL_MAX_ROWS - 1:,} rows under the header). "
            "Export as CSV or Parquet instead."
        )
    book = Workbook(write_only=True)
    for spec in specs:
        sheet = book.create_sheet(sheet_name(spec.name))
        sheet.append(list(spec.names))
        cursor = con.execute(_ordered_select(spec, "xlsx"))
        while batch := cursor.fetchmany(10_000):
            for row in batch:
                sheet.append([neutralise(v) for v in row])
    book.save(target)
    return target


def export_store(
    store_path: str | Path | None, out_dir: str | Path, fmt: str = "csv", tables: Iterable[str] | None = None
) -> list[Path]:
    """Open the store read-only and write every table with :func:`export_tables` (the command line's export).

    Parameters
    ----------
    store_path
        The store (``None``: ``$QUARTERDECK_DB`` or ``data/demo.duckdb``).
    out_dir
        The folder to write into.
    fmt
        ``"csv"``, ``"xlsx"`` or ``"parquet"``.
    tables
        The tables to write; default every contract table.

    Returns
    -------
    list of Path
        The files written.
    """
    con = store.connect(store_path, read_only=True)
    try:
        return export_tables(con, out_dir, fmt, tables)
    finally:
        con.close()


def export_bytes(con: duckdb.DuckDBPyConnection, fmt: str) -> bytes:
    """Return the whole store as one download: a zip of CSV or Parquet files, or the Excel workbook.

    Parameters
    ----------
    con
        A connection to the store.
    fmt
        ``"csv"``, ``"xlsx"`` or ``"parquet"``.

    Returns
    -------
    bytes
        The zip (csv, parquet) or .xlsx file.
    """
    with tempfile.TemporaryDirectory(prefix="quarterdeck-export-") as folder:
        written = export_tables(con, folder, fmt)
        if fmt == "xlsx":
            return written[0].read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                archive.write(path, arcname=path.name)
        return buffer.getvalue()
