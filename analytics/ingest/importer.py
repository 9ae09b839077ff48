"""The import: check a file against its table's rules and write it only if it has no problem, all rows or none.

A file without problems is upserted by the table's key in one transaction together with its line in
``import_log``; a rejected file changes nothing but its own line in ``import_log``.

The file is read and checked in a DuckDB connection of the import's own, in memory: the store's connections have
no file access, a rejected file leaves nothing behind in the store's file, and the store's write lock
(``store.transaction``) is taken only for the final write, so other sessions' saves never wait for a big file to
be checked. What the checks need from the store (the keys a file may refer to, the rows a UNIQUE value or a
dependency cycle involves) is copied in first, and compared again under the lock: if another write changed it
meanwhile, the file is checked again before anything is written.
"""

from __future__ import annotations

import getpass
import time
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa

from analytics import store
from analytics.ingest.catalogue import DEPENDENCY_GRAPHS, IMPORTABLE_TABLES, Table, describe
from analytics.ingest.problems import NO_COLUMN, ImportResult, Problem, Progress
from analytics.ingest.reading import scratch_connection, stage
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
        A read-write connection (or cursor) to the store; it needs no file access.
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
    staging = scratch_connection()
    try:
        report(0.05, f"reading {shown}")
        staged = stage(staging, path, shown, table)
        result.rows = staged.rows
        report(0.35, f"read {staged.rows:,} rows; checking them")
        facts = _store_facts(con, spec)
        _hand_over(staging, facts)
        result.problems, result.problem_count = validate(staging, spec, staged, shown, report)
        if not result.problem_count:
            report(0.9, f"writing {staged.rows:,} rows")
            columns = list(check_header(spec, staged.header, shown)[0])
            typed = staging.sql("SELECT * FROM _typed").to_arrow_table()  # taken before the lock, as the checks
            with store.transaction(con):
                now = _store_facts(con, spec)
                if any(not now[t].equals(facts[t]) for t in facts):  # another write changed what was checked
                    _hand_over(staging, now)
                    result.problems, result.problem_count = validate(staging, spec, staged, shown, _no_progress)
                    if result.problem_count:
                        raise _Rejected
                    typed = staging.sql("SELECT * FROM _typed").to_arrow_table()
                con.register("_typed", typed)
                try:
                    result.inserted, result.updated = _upsert(con, spec, columns)
                finally:
                    con.unregister("_typed")
                _log_row(con, result, imported_by, started)
    except _Rejected:
        pass
    finally:
        staging.close()
    if not result.accepted:
        _log(con, result, imported_by, started)
    report(1.0, "done")
    return result


def _store_facts(con: duckdb.DuckDBPyConnection, table: Table) -> dict[str, pa.Table]:
    """Return what checking a file for ``table`` reads from the store: each table involved, only its columns needed.

    These are the tables a file refers to (their keys), and the table itself where a UNIQUE value or a dependency
    cycle is checked against its stored rows: small tables, never the file's own big ones (KPI history, say).
    """
    needed: dict[str, list[str]] = {}
    for target in table.references.values():
        needed.setdefault(target, []).append(describe(target).key[0])
    for columns in table.unique:
        needed.setdefault(table.name, []).extend([*table.key, *columns])
    needed.setdefault(table.name, []).extend(DEPENDENCY_GRAPHS.get(table.name, ()))
    facts = {}
    for name, columns in needed.items():
        if not columns:
            continue
        wanted = ", ".join(dict.fromkeys(columns))
        # Names come from the schema's description, never from the file.
        facts[name] = con.sql(f"SELECT {wanted} FROM {name} ORDER BY ALL").to_arrow_table()  # noqa: S608
    return facts


def _hand_over(staging: duckdb.DuckDBPyConnection, facts: dict[str, pa.Table]) -> None:
    for name, rows in facts.items():
        staging.register(name, rows)


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


def log_import(
    con: duckdb.DuckDBPyConnection,
    *,
    table: str,
    file_name: str,
    rows: int,
    accepted: bool,
    message: str,
    imported_by: str | None,
) -> str:
    """Add one ``import_log`` row (inside the caller's transaction, if any); return its ``import_id``.

    The one writer of ``import_log``: table imports and the one-sheet portfolio import both log through it.
    """
    import_id = str(uuid.uuid4())
    con.execute(
        "INSERT INTO import_log (import_id, table_name, file_name, rows, imported_at, imported_by, status, message) "
        "VALUES (?, ?, ?, ?, current_timestamp, ?, ?, ?)",
        [
            import_id,
            table,
            file_name,
            rows,
            imported_by or _default_user(),
            "accepted" if accepted else "rejected",
            message,
        ],
    )
    return import_id


def _log_row(con: duckdb.DuckDBPyConnection, result: ImportResult, imported_by: str | None, started: float) -> None:
    result.seconds = time.perf_counter() - started
    result.import_id = log_import(
        con,
        table=result.table,
        file_name=result.file_name,
        rows=result.rows,
        accepted=result.accepted,
        message=result.summary(),
        imported_by=imported_by,
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
