"""Import a portfolio sheet into the store in one transaction, or say what it would do (the dry-run).

The write, all rows or none, through ``analytics.store.transaction``:

- ``projects`` upserted by ``project_id``: a new project gets every column (defaults where the sheet is
  blank); a project already in the store gets the columns the sheet gives, and keeps the others;
- for the sheet's projects only, the derived rows of each table the sheet feeds are replaced: cash flows when
  it has a money column (``cost``, ``benefit``, ``annual_benefit``), demand when it has ``fte_`` columns,
  alignment when it has ``fit_`` or ``strategic_fit``, dependencies when it has ``depends_on``; a table the
  sheet does not feed keeps its rows;
- the teams and objectives its columns name are created when missing (name = id; objectives weigh 1);
- nothing else is touched. With any problem nothing is written, and ``import_log`` records the rejection.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from analytics import store
from analytics.ingest.importer import log_import
from analytics.portfolio_sheet import aliases
from analytics.portfolio_sheet.mapping import MAPPED, REFERENCE
from analytics.portfolio_sheet.plan import PROJECT_COLUMNS, SheetPlan, plan_sheet
from analytics.portfolio_sheet.problems import NO_COLUMN, PROBLEM_CAP, Problem, capped_lines
from analytics.portfolio_sheet.reading import SheetReadError, read_sheet

#: ``import_log.table_name`` of a portfolio-sheet import.
LOG_TABLE = store.PORTFOLIO_SHEET_LOG
PREVIEW_ROWS = 10


@dataclass
class SheetResult:
    """What an import (or a dry-run) of a portfolio sheet did or would do."""

    file_name: str
    dry_run: bool
    rows: int = 0
    #: File column → field, alias matched, tools, status (mapped, reference, ignored, not imported, unknown).
    mapping: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The first projects as the store will hold them.
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Table → rows written (for a dry-run: that would be written); ``projects`` counts new and updated.
    counts: dict[str, int] = field(default_factory=dict)
    #: Table → stored rows of the sheet's projects that the import replaces.
    replaced: dict[str, int] = field(default_factory=dict)
    new_projects: int = 0
    updated_projects: int = 0
    new_teams: list[str] = field(default_factory=list)
    new_objectives: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    import_id: str | None = None
    seconds: float = 0.0

    @property
    def accepted(self) -> bool:
        """Whether the sheet has no problem (and, unless a dry-run, was written)."""
        return not self.problems

    def problem_lines(self) -> list[str]:
        """Every problem as ``FILE:ROW:COLUMN: message``, at most ``PROBLEM_CAP``, then a count of the rest."""
        return capped_lines(self.problems, self.file_name, PROBLEM_CAP)

    def warning_lines(self) -> list[str]:
        """Every warning as ``FILE:ROW:COLUMN: message``, capped like the problems."""
        return capped_lines(self.warnings, self.file_name, PROBLEM_CAP)

    def summary(self) -> str:
        """One line for people and for ``import_log.message``."""
        if self.accepted:
            derived = ", ".join(f"{t}: {n:,}" for t, n in self.counts.items() if t != "projects")
            verb = "would write" if self.dry_run else "wrote"
            projects = "1 project" if self.rows == 1 else f"{self.rows:,} projects"
            return (
                f"{projects} ({self.new_projects:,} new, {self.updated_projects:,} updated); "
                f"{verb} {derived or 'no other rows'}"
            )
        plural = "problem" if len(self.problems) == 1 else "problems"
        return f"{len(self.problems):,} {plural}; first: {self.problem_lines()[0]}"[:1000]

    def report_lines(self, *, with_problems: bool = True) -> list[str]:
        """Return the dry-run's text: mapping, counts, missing data, warnings, problems (what the CLI prints)."""
        lines = [f"{self.file_name}: {self.summary()}", "columns:"]
        for m in self.mapping.itertuples(index=False):
            target = m.field if m.status in (MAPPED, REFERENCE) else m.status
            canonical = m.alias in (
                m.field,
                aliases.TEAM_PREFIX + "<TEAM_ID>",
                aliases.OBJECTIVE_PREFIX + "<OBJECTIVE_ID>",
            )
            via = f" (alias {m.alias!r} from {m.tools})" if m.alias and not canonical else ""
            lines.append(f"  {m.column} -> {target}{via}" + (f": {m.note}" if m.note else ""))
        lines.append("rows:")
        lines += [f"  {table}: {count:,}" for table, count in self.counts.items()]
        lines += [f"  replaces {count:,} stored {table} rows" for table, count in self.replaced.items() if count]
        lines += [f"  creates teams {', '.join(self.new_teams)}"] if self.new_teams else []
        lines += [f"  creates objectives {', '.join(self.new_objectives)}"] if self.new_objectives else []
        if not self.preview.empty:
            lines.append("first rows as stored:")
            lines += ["  " + line for line in self.preview.to_string(index=False).splitlines()]
        lines += [f"missing: {m}" for m in self.missing]
        lines += [f"warning: {w}" for w in self.warning_lines()]
        return lines + (self.problem_lines() if with_problems else [])


class _Rejected(Exception):
    """Raised inside the transaction so that it rolls back."""


def _mapping_frame(plan: SheetPlan) -> pd.DataFrame:
    rows = [
        {
            "column": c.header or f"(column {c.index + 1} has no header)",
            "field": (f"{c.field}_{c.key}" if c.key else c.field) if c.status in (MAPPED, REFERENCE) else None,
            "alias": c.alias,
            "tools": ", ".join(c.tools),
            "status": c.status,
            "note": c.note,
        }
        for c in plan.mapping.columns
    ]
    return pd.DataFrame(rows, columns=["column", "field", "alias", "tools", "status", "note"])


def _replaced_counts(con: duckdb.DuckDBPyConnection, plan: SheetPlan) -> dict[str, int]:
    if not plan.existing:
        return {}
    ids = pd.DataFrame({"project_id": plan.existing})
    con.register("_sheet_existing", ids)
    try:
        # Table names come from the plan's fixed set of derived tables, never from the file.
        return {
            table: con.execute(
                f"SELECT count(*) FROM {table} WHERE project_id IN (SELECT project_id FROM _sheet_existing)"  # noqa: S608
            ).fetchall()[0][0]
            for table in plan.derived
        }
    finally:
        con.unregister("_sheet_existing")


def _result(con: duckdb.DuckDBPyConnection, plan: SheetPlan, dry_run: bool) -> SheetResult:
    result = SheetResult(plan.file_name, dry_run, rows=plan.rows, problems=list(plan.problems))
    result.warnings, result.missing = list(plan.warnings), list(plan.missing)
    result.mapping = _mapping_frame(plan)
    if plan.problems:
        return result
    ordered = [c for c in PROJECT_COLUMNS if c in plan.projects.columns]
    result.preview = plan.projects[ordered].head(PREVIEW_ROWS)
    result.updated_projects = len(plan.existing)
    result.new_projects = len(plan.projects) - result.updated_projects
    result.counts = {"projects": len(plan.projects), **{t: len(f) for t, f in plan.derived.items()}}
    if plan.new_teams:
        result.counts["teams"] = len(plan.new_teams)
    if plan.new_objectives:
        result.counts["objectives"] = len(plan.new_objectives)
    result.new_teams, result.new_objectives = list(plan.new_teams), list(plan.new_objectives)
    result.replaced = _replaced_counts(con, plan)
    return result


def _write(con: duckdb.DuckDBPyConnection, plan: SheetPlan) -> None:
    frames = {"_sheet_projects": plan.projects, **{f"_sheet_{t}": f for t, f in plan.derived.items()}}
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        columns = ", ".join(plan.projects.columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in plan.update_columns)
        action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        # Column names come from PROJECT_COLUMNS and table names from the plan's fixed set, not from the file.
        con.execute(
            f"INSERT INTO projects ({columns}) SELECT {columns} FROM _sheet_projects "  # noqa: S608
            f"ON CONFLICT (project_id) {action}"
        )
        for table, frame in plan.derived.items():
            con.execute(
                f"DELETE FROM {table} WHERE project_id IN (SELECT project_id FROM _sheet_projects)"  # noqa: S608
            )
            names = ", ".join(frame.columns)
            con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _sheet_{table}")  # noqa: S608
        if plan.new_teams:
            con.executemany("INSERT INTO teams (team_id, name) VALUES (?, ?)", [[t, t] for t in plan.new_teams])
        if plan.new_objectives:
            con.executemany(
                "INSERT INTO objectives (objective_id, name, weight) VALUES (?, ?, 1)",
                [[o, o] for o in plan.new_objectives],
            )
    finally:
        for name in frames:
            con.unregister(name)


def _log(con: duckdb.DuckDBPyConnection, result: SheetResult, imported_by: str | None, started: float) -> None:
    result.seconds = time.perf_counter() - started
    result.import_id = log_import(
        con,
        table=LOG_TABLE,
        file_name=result.file_name,
        rows=result.rows,
        accepted=result.accepted,
        message=result.summary(),
        imported_by=imported_by,
    )


def import_sheet(
    con: duckdb.DuckDBPyConnection,
    file: str | Path,
    *,
    day_first: bool = False,
    dry_run: bool = False,
    imported_by: str | None = None,
    file_name: str | None = None,
) -> SheetResult:
    """Check a portfolio sheet and, unless a dry-run or rejected, write it in one transaction.

    Parameters
    ----------
    con
        A connection to the store (read-write unless ``dry_run``).
    file
        The .csv or .xlsx sheet.
    day_first
        Read numeric dates day first (``1/3/2026`` is 1 March).
    dry_run
        Only say what the import would do: the store is not touched, not even ``import_log``.
    imported_by
        Who imports, for ``import_log`` (default: the operating-system user).
    file_name
        The name to report problems under (default: the file's own name), e.g. an upload's name.

    Returns
    -------
    SheetResult
        The mapping, a preview, row counts, missing data, warnings and problems. A rejected import writes only
        its ``import_log`` row; an accepted one writes everything and its log row in one transaction.
    """
    started = time.perf_counter()
    path = Path(file)
    shown = file_name or path.name
    try:
        sheet = read_sheet(path)
    except (SheetReadError, OSError) as exc:
        result = SheetResult(shown, dry_run, problems=[Problem(1, 0, shown, NO_COLUMN, str(exc))])
        if not dry_run:
            with store.transaction(con):
                _log(con, result, imported_by, started)
        return result
    if dry_run:
        result = _result(con, plan_sheet(con, sheet, shown, day_first=day_first), dry_run=True)
        result.seconds = time.perf_counter() - started
        return result
    try:
        with store.transaction(con):
            plan = plan_sheet(con, sheet, shown, day_first=day_first)
            result = _result(con, plan, dry_run=False)
            if not result.accepted:
                raise _Rejected
            _write(con, plan)
            _log(con, result, imported_by, started)
    except _Rejected:
        with store.transaction(con):
            _log(con, result, imported_by, started)
    except duckdb.ConstraintException as exc:
        # The checks above mirror the schema's; should one be missed, the store still refuses the rows.
        message = f"the store refused the rows: {str(exc).splitlines()[0]}"
        result = SheetResult(shown, False, rows=len(sheet.rows), problems=[Problem(1, 0, shown, NO_COLUMN, message)])
        with store.transaction(con):
            _log(con, result, imported_by, started)
    return result


def import_sheet_file(store_path: str | Path | None, file: str | Path, **options: object) -> SheetResult:
    """Open the store at ``store_path`` (read-write) and run :func:`import_sheet` on it (the command line's import).

    Parameters
    ----------
    store_path
        The store (``None``: ``$QUARTERDECK_DB`` or ``data/demo.duckdb``).
    file
        The sheet.
    **options
        ``day_first``, ``dry_run``, ``imported_by``, ``file_name`` as for :func:`import_sheet`.

    Returns
    -------
    SheetResult
        See :func:`import_sheet`. A dry-run opens the store read-only, and checks a store that does not exist
        yet as an empty one (creating nothing).
    """
    path = store.resolve_path(store_path)
    if options.get("dry_run"):
        con = store.connect(path, read_only=True) if path.exists() else duckdb.connect(":memory:")
        if not path.exists():
            store.migrate(con)
    else:
        con = store.connect(path)
    try:
        return import_sheet(con, file, **options)
    finally:
        con.close()
