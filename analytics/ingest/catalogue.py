"""The importable tables, described once from the schema itself (``analytics/schema.sql``).

Column names, types, NOT NULL, defaults, keys, UNIQUE and CHECK constraints are read from DuckDB's catalog of
that schema, so a new CHECK in the schema is enforced (and worded) by the importer without a second list. What
the schema cannot say is said once here: which column refers to which table (``REFERENCES``), which table is a
dependency graph that must stay acyclic (``DEPENDENCY_GRAPHS``), and what each setting must hold
(``SETTING_RULES``, the store layer's parsers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import duckdb

from analytics import store

#: The records the app itself keeps (the import audit, the append-only decision log, role grants): only the app
#: writes them, so they are the contract tables a file cannot be imported into.
RECORD_TABLES = ("import_log", "decisions", "user_roles")
#: Every other contract table.
IMPORTABLE_TABLES = tuple(t for t in store.CONTRACT_TABLES if t not in RECORD_TABLES)

#: Columns that name a row of another table (by that table's one-column key). The schema keeps these out of
#: FOREIGN KEY clauses (see schema.sql), so the importer is where they hold.
REFERENCES: dict[str, dict[str, str]] = {
    "team_capacity": {"team_id": "teams"},
    "projects": {"product_id": "products"},
    "project_cashflows": {"project_id": "projects"},
    "project_alignment": {"project_id": "projects", "objective_id": "objectives"},
    "project_demand": {"project_id": "projects", "team_id": "teams"},
    "project_dependencies": {"project_id": "projects", "depends_on": "projects"},
    "project_progress": {"project_id": "projects"},
    "risks": {"project_id": "projects"},
    "kpi_history": {"product_id": "products", "metric": "kpi_definitions"},
    "kpi_targets": {"product_id": "products", "metric": "kpi_definitions"},
    "features": {"product_id": "products", "project_id": "projects"},
    "feedback": {"product_id": "products"},
    "retention_cohorts": {"product_id": "products"},
    "scenario_projects": {"scenario_id": "scenarios", "project_id": "projects"},
}

#: Tables whose rows are edges (from, to) of a graph that must have no cycle once the import is in.
DEPENDENCY_GRAPHS: dict[str, tuple[str, str]] = {"project_dependencies": ("project_id", "depends_on")}

#: CHECKs of columns that a migration added with ``ALTER TABLE`` (DuckDB cannot add a column with a CHECK), in the
#: schema's own expression syntax so they are worded and enforced like every other CHECK.
#: A start window holds the planned start: the planned start is always one of a project's start options (the
#: plan stays a feasible answer with shifts on), and a window is where it may move, earlier or later.
ADDED_CHECKS: dict[str, tuple[str, ...]] = {
    "projects": (
        "(stop_cost >= 0)",
        "(earliest_start = date_trunc('month', earliest_start))",
        "(latest_start = date_trunc('month', latest_start))",
        "(latest_start >= earliest_start)",
        "(earliest_start <= start_date)",
        "(latest_start >= date_trunc('month', start_date))",
    )
}

#: What each setting must hold (CONTRACT.md): the store's own parsers, so that an import validates a setting
#: exactly as ``store.read_settings`` reads it.
SETTING_RULES = store.SETTING_RULES


@dataclass(frozen=True)
class Column:
    """One column of a table as the schema defines it."""

    name: str
    sql_type: str
    nullable: bool
    default: str | None
    #: The allowed values when a CHECK makes the column an enumeration.
    allowed: tuple[str, ...] | None = None

    @property
    def required(self) -> bool:
        """Whether a file must give a value: NOT NULL and no default to fall back on."""
        return not self.nullable and self.default is None


@dataclass(frozen=True)
class Rule:
    """A CHECK of the schema: ``sql`` must hold for every row where its columns have values."""

    columns: tuple[str, ...]
    sql: str
    message: str


@dataclass(frozen=True)
class Table:
    """An importable table: its columns in schema order, key, CHECK rules, UNIQUE columns and references."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rules: tuple[Rule, ...]
    unique: tuple[tuple[str, ...], ...]
    references: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in schema order."""
        return tuple(c.name for c in self.columns)


_ENUM = re.compile(r"^\((\w+) IN \((.+)\)\)$")
_BETWEEN = re.compile(r"^\((\w+) BETWEEN (-?[\d.]+) AND (-?[\d.]+)\)$")
_COMPARE = re.compile(r"^\((\w+) (>=|>|<=|<|<>|!=) (-?[\d.]+|\w+)\)$")
_MONTH_START = re.compile(r"^\((\w+) = date_trunc\('month', \1\)\)$")
_MONTH_OF = re.compile(r"^\((\w+) (>=|<=) date_trunc\('month', (\w+)\)\)$")
_WORDS = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than"}


def _rule(expression: str, columns: list[str], types: dict[str, str]) -> tuple[Rule, tuple[str, ...] | None]:
    """Word a CHECK expression of the schema for people; return the rule and, for an enumeration, its values."""
    sql, expression = expression, expression.replace('"', "")  # DuckDB quotes identifiers that are keywords
    if m := _ENUM.match(expression):
        values = tuple(re.findall(r"'((?:[^']|'')*)'", m.group(2)))
        return Rule((m.group(1),), sql, "must be one of " + ", ".join(values)), values
    if m := _BETWEEN.match(expression):
        return Rule((m.group(1),), sql, f"must be between {m.group(2)} and {m.group(3)}"), None
    if m := _MONTH_START.match(expression):
        return Rule((m.group(1),), sql, "must be the first day of a month, e.g. 2026-10-01"), None
    if m := _MONTH_OF.match(expression):
        left, op, right = m.groups()
        wording = "on or after" if op == ">=" else "on or before"
        return Rule((left, right), sql, f"must be {wording} the first day of {right}'s month"), None
    if m := _COMPARE.match(expression):
        left, op, right = m.groups()
        if right in types:  # a comparison between two columns of the row
            if op in ("<>", "!="):
                return Rule((left, right), sql, f"must differ from {right}"), None
            dated = types[left] == "DATE"
            wording = {">=": "on or after", "<=": "on or before"} if dated else {">=": "at least", "<=": "at most"}
            return Rule((left, right), sql, f"must be {wording.get(op, _WORDS[op])} {right}"), None
        return Rule((left,), sql, f"must be {_WORDS.get(op, 'not')} {right}"), None
    return Rule(tuple(dict.fromkeys(columns)), sql, f"breaks the rule {expression}"), None


@lru_cache(maxsize=1)
def _schema_catalog() -> dict[str, Table]:
    con = duckdb.connect(":memory:")
    try:
        con.execute(store.SCHEMA_SQL.read_text(encoding="utf-8"))
        column_rows = con.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default FROM duckdb_columns() "
            "WHERE schema_name = 'main' ORDER BY table_name, column_index"
        ).fetchall()
        constraint_rows = con.execute(
            "SELECT table_name, constraint_type, expression, constraint_column_names FROM duckdb_constraints() "
            "WHERE schema_name = 'main' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'CHECK') "
            "ORDER BY table_name, constraint_index"
        ).fetchall()
    finally:
        con.close()
    types: dict[str, dict[str, str]] = {}
    columns: dict[str, list[Column]] = {}
    for table, name, sql_type, nullable, default in column_rows:
        types.setdefault(table, {})[name] = sql_type
        columns.setdefault(table, []).append(Column(name, sql_type, bool(nullable), default))
    keys: dict[str, tuple[str, ...]] = {}
    rules: dict[str, list[Rule]] = {}
    unique: dict[str, list[tuple[str, ...]]] = {}
    allowed: dict[tuple[str, str], tuple[str, ...]] = {}
    for table, kind, expression, names in constraint_rows:
        if kind == "PRIMARY KEY":
            keys[table] = tuple(names)
        elif kind == "UNIQUE":
            unique.setdefault(table, []).append(tuple(names))
        else:
            rule, values = _rule(expression, list(names), types[table])
            rules.setdefault(table, []).append(rule)
            if values is not None:
                allowed[(table, rule.columns[0])] = values
    for table, expressions in ADDED_CHECKS.items():
        for expression in expressions:
            rule, _ = _rule(expression, [], types[table])
            rules.setdefault(table, []).append(rule)
    catalog = {}
    for table in store.CONTRACT_TABLES:
        cols = tuple(
            Column(c.name, c.sql_type, c.nullable, c.default, allowed.get((table, c.name))) for c in columns[table]
        )
        catalog[table] = Table(
            table,
            cols,
            keys[table],
            tuple(rules.get(table, ())),
            tuple(unique.get(table, ())),
            REFERENCES.get(table, {}),
        )
    return catalog


def describe(table: str) -> Table:
    """Return the description of a contract table, read from the schema.

    Parameters
    ----------
    table
        A table of CONTRACT.md.

    Returns
    -------
    Table
        Columns (type, nullability, default, allowed values), key, CHECK rules, UNIQUE columns, references.

    Raises
    ------
    KeyError
        For a name that is not a contract table.
    """
    return _schema_catalog()[table]
