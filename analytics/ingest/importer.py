"""The import: check a file against its table's rules and write it only if it has no problem, all rows or none.

A file without problems is upserted by the table's key in one transaction together with its line in
``import_log``; a rejected file changes nothing but its own line in ``import_log``.
"""

from __future__ import annotations

import getpass
import time
import uuid
from pathlib import Path

import duckdb

from analytics import store
from analytics.ingest.catalogue import IMPORTABLE_TABLES, Table, describe
from analytics.ingest.problems import NO_COLUMN, ImportResult, Problem, Progress
from analytics.ingest.reading import stage
from analytics.ingest.validation import check_header, validate


class _Rejected(Exception):
    """Raised inside the import transaction so that it rolls back."""


def _no_progress(_fraction: float, _text: str) -> None:
    return None


def import_into(
    con: duckdb.DuckDBPyConnection,
    table: str,
    file: str | Path,
    *,
    imported_by: str | None = None,
    file_name: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Check a .csv or .xlsx file against ``table``'s rules and, if it has no problem, upsert it in one transaction.

    Parameters
    ----------
    con
        A read-write connection (or cursor) to the store.
    table
        One of ``IMPORTABLE_TABLES``.
    file
        The file to read; CSV with any of the delimiters , ; tab | in UTF-8 (BOM or not) or Latin-1, or .xlsx
        (the sheet named after the table, else the first sheet).
    imported_by
        Who imports, for ``import_log`` (default: the operating-system user).
    file_name
        The name to report problems under and log (default: the file's own name), e.g. an upload's name.
    progress
        Called with (fraction done, what is happening) as the import goes.

    Returns
    -------
    ImportResult
        Rows read, inserted and updated, or every problem (at most ``PROBLEM_CAP`` listed) when rejected.
        Either way one row is added to ``import_log``.
    """
    started = time.perf_counter()
    report = progress or _no_progress
    path = Path(file)
    shown = file_name or path.name
    result = ImportResult(table=table, file_name=shown)
    if table not in IMPORTABLE_TABLES:
        choices = ", ".join(IMPORTABLE_TABLES)
        message = f"{table!r} is not a table that can be imported; choose one of {choices}"
        result.problems = [Problem(1, 0, shown, NO_COLUMN, message)]
        result.problem_count = 1
        _log(con, result, imported_by, started)
        return result
    spec = describe(table)
    try:
        with store.transaction(con):
            report(0.05, f"reading {shown}")
            staged = stage(con, path, shown, table)
            result.rows = staged.rows
            report(0.35, f"read {staged.rows:,} rows; checking them")
            result.problems, result.problem_count = validate(con, spec, staged, shown, report)
            if result.problem_count:
                raise _Rejected
            report(0.9, f"writing {staged.rows:,} rows")
            result.inserted, result.updated = _upsert(con, spec, list(check_header(spec, staged.header, shown)[0]))
            _log_row(con, result, imported_by, started)
    except _Rejected:
        _log(con, result, imported_by, started)
    finally:
        for temp in ("_raw", "_typed", "_problems", "_repeats"):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
    report(1.0, "done")
    return result


def _upsert(con: duckdb.DuckDBPyConnection, table: Table, columns: list[str]) -> tuple[int, int]:
    """Insert the checked rows, replacing the stored row with the same key; return (inserted, updated)."""
    ordered = [c for c in table.names if c in columns]
    key = ", ".join(table.key)
    key_match = " AND ".join(f"s.{k} = t.{k}" for k in table.key)
    updated = con.execute(
        f"SELECT count(*) FROM _typed t WHERE EXISTS (SELECT 1 FROM {table.name} s WHERE {key_match})"  # noqa: S608
    ).fetchall()[0][0]
    total = con.execute("SELECT count(*) FROM _typed").fetchall()[0][0]
    others = [c for c in ordered if c not in table.key]
    action = "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in others) if others else "DO NOTHING"
    names = ", ".join(ordered)
    con.execute(
        f"INSERT INTO {table.name} ({names}) SELECT {names} FROM _typed ON CONFLICT ({key}) {action}"  # noqa: S608
    )
    return int(total - updated), int(updated)


def _log_row(con: duckdb.DuckDBPyConnection, result: ImportResult, imported_by: str | None, started: float) -> None:
    result.import_id = str(uuid.uuid4())
    result.seconds = time.perf_counter() - started
    con.execute(
        "INSERT INTO import_log (import_id, table_name, file_name, rows, imported_at, imported_by, status, message) "
        "VALUES (?, ?, ?, ?, current_timestamp, ?, ?, ?)",
        [
            result.import_id,
            result.table,
            result.file_name,
            result.rows,
            imported_by or _default_user(),
            "accepted" if result.accepted else "rejected",
            result.summary(),
        ],
    )


def _log(con: duckdb.DuckDBPyConnection, result: ImportResult, imported_by: str | None, started: float) -> None:
    with store.transaction(con):
        _log_row(con, result, imported_by, started)


def _default_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def import_file(
    store_path: str | Path | None,
    table: str,
    file: str | Path,
    *,
    imported_by: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Open the store at ``store_path`` read-write and run :func:`import_into` on it (the command line's import).

    Parameters
    ----------
    store_path
        The store (``None``: ``$QUARTERDECK_DB`` or ``data/demo.duckdb``).
    table, file, imported_by, progress
        As for :func:`import_into`.

    Returns
    -------
    ImportResult
        See :func:`import_into`.
    """
    con = store.connect(store_path)
    try:
        return import_into(con, table, file, imported_by=imported_by, progress=progress)
    finally:
        con.close()
