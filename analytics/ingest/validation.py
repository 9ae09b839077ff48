"""Validation: every rule of a table as one set-based query over the staged rows, so a million rows take seconds.

The file's text (temp table ``_raw``) is typed into ``_typed``, NULL where a cell is empty or not a value of its
column's type; then required values, types, the schema's CHECKs, the settings' rules, keys and UNIQUE values,
references and dependency cycles are each checked over all rows at once, every problem going to ``_problems``.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from analytics import scenarios, store
from analytics.ingest.catalogue import DEPENDENCY_GRAPHS, Column, Table, describe
from analytics.ingest.problems import PROBLEM_CAP, Problem, Progress
from analytics.ingest.reading import Staged
from analytics.spreadsheets import CONTROL_CHARACTERS, FORMULA_STARTS_SQL, printable_sql

#: A value quoted in a message is cut to this many characters.
SHOWN_VALUE_CHARS = 40
#: Dates outside this range are refused. Every date in a store is a plan, a KPI's day, a survey answer or a
#: record's time: 1900 is before any company's records and 2200 beyond any plan, Excel holds dates from 1900 on,
#: and Python's dates (year 1 to 9999) hold the range, where DuckDB's year 0 (1 BC) broke the pages that read it.
EARLIEST_DATE, LATEST_DATE = "1900-01-01", "2200-12-31"
_DATE_RANGE = f"from {EARLIEST_DATE} to {LATEST_DATE}"


def _typed_expression(column: Column, raw: str) -> tuple[str, str, str]:
    """Return SQL for the typed value, SQL testing the text is a valid value, and what a value looks like."""
    kind = column.sql_type
    if kind in ("INTEGER", "BIGINT"):
        number = f"TRY_CAST({raw} AS DOUBLE)"
        limit = 2**31 if kind == "INTEGER" else 2**53
        valid = f"({number} = trunc({number}) AND abs({number}) < {limit})"
        return f"CASE WHEN {valid} THEN CAST({number} AS {kind}) END", valid, "a whole number"
    if kind == "DOUBLE":
        number = f"TRY_CAST({raw} AS DOUBLE)"
        return f"CASE WHEN isfinite({number}) THEN {number} END", f"isfinite({number})", "a number such as 1250.5"
    if kind == "DATE":
        # A spreadsheet may add a midnight time to a date; any other time, or another order of day and month, is
        # refused rather than guessed.
        shape = rf"regexp_full_match({raw}, '\d{{4}}-\d{{1,2}}-\d{{1,2}}([ T]00:00(:00(\.0+)?)?)?')"
        day = f"TRY_CAST({raw} AS DATE)"
        valid = f"({shape} AND {day} BETWEEN DATE '{EARLIEST_DATE}' AND DATE '{LATEST_DATE}')"
        return f"CASE WHEN {valid} THEN {day} END", valid, f"a date as YYYY-MM-DD {_DATE_RANGE}"
    if kind == "TIMESTAMP":
        moment = f"TRY_CAST({raw} AS TIMESTAMP)"
        valid = f"({moment} >= TIMESTAMP '{EARLIEST_DATE}' AND {moment} < DATE '{LATEST_DATE}' + INTERVAL 1 DAY)"
        return f"CASE WHEN {valid} THEN {moment} END", valid, f"a date and time as YYYY-MM-DD HH:MM:SS {_DATE_RANGE}"
    if kind == "BOOLEAN":
        valid = f"(lower({raw}) IN ('true', 'false', 'yes', 'no', '1', '0', 't', 'f', 'y', 'n'))"
        return f"CASE WHEN {valid} THEN TRY_CAST(lower({raw}) AS BOOLEAN) END", valid, "true or false"
    if kind == "JSON":
        valid = f"(json_valid({raw}) AND TRY_CAST({raw} AS JSON) IS NOT NULL)"
        return f"CASE WHEN {valid} THEN CAST({raw} AS JSON) END", valid, 'valid JSON such as {"budget_pct": 90}'
    # Text: undo the export's neutralising apostrophe so that export -> import gives back the same text.
    text = (
        f"CASE WHEN {raw}[1] = '''' AND {raw}[2] IN ({FORMULA_STARTS_SQL}) AND TRY_CAST({raw}[2:] AS DOUBLE) IS NULL "
        f"THEN {raw}[2:] ELSE {raw} END"
    )
    return text, "true", "text"


def _show(sql_text: str) -> str:
    """Return SQL that quotes a value for a message as typed, cut to a readable length.

    Control characters show as U+FFFD: a message is written to import_log and shown on pages.
    """
    text = printable_sql(sql_text)
    return (
        f"'\"' || CASE WHEN length({text}) > {SHOWN_VALUE_CHARS} "
        f"THEN left({text}, {SHOWN_VALUE_CHARS}) || '…' ELSE {text} END || '\"'"
    )


_CONTROL_MESSAGE = (
    "'holds the control character U+' || lpad(upper(to_hex(ord(regexp_extract({raw}, ?)))), 4, '0') || "
    "', which no spreadsheet or page can show: remove it'"
)


class _Checker:
    """Collects the problems of the staged file in temp table ``_problems``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: Table, shown: str, present: dict[str, int]):
        self.con, self.table, self.shown, self.present = con, table, shown, present
        self.unlisted = 0
        # Checks wait here and run as one statement: a file of 20 columns has some 60 checks, and each statement
        # costs DuckDB a few milliseconds whatever it reads, which was most of an import's time.
        self.pending: list[tuple[str, list]] = []
        con.execute("CREATE OR REPLACE TEMP TABLE _problems (line BIGINT, position INTEGER, col TEXT, message TEXT)")

    def add(self, column: str, message_sql: str, source: str, where: str, params: Iterable = ()) -> None:
        """Record a problem for every row of ``source`` where ``where`` holds (SQL built from the schema only).

        The check runs at the next :meth:`flush`: call it before ``source`` changes.
        """
        position = self.present.get(column, 0) + 1
        select = f"SELECT _line, ?::INTEGER, ?, {message_sql} FROM {source} WHERE {where}"  # noqa: S608
        self.pending.append((select, [position, column, *params]))

    def flush(self) -> None:
        """Run the waiting checks, all in one statement."""
        if self.pending:
            selects = " UNION ALL ".join(f"({select})" for select, _ in self.pending)
            self.con.execute(f"INSERT INTO _problems {selects}", [p for _, ps in self.pending for p in ps])  # noqa: S608
            self.pending = []

    def add_list(self, problems: Iterable[Problem], more: int = 0) -> None:
        """Record ``problems``, and count ``more`` that come after them (by line) without listing them."""
        rows = [(p.row, p.position, p.column, p.message) for p in problems]
        if rows:
            self.con.executemany("INSERT INTO _problems VALUES (?, ?, ?, ?)", rows)
        self.unlisted += more

    def collect(self) -> tuple[list[Problem], int]:
        self.flush()
        total = self.con.execute("SELECT count(*) FROM _problems").fetchall()[0][0] + self.unlisted
        rows = self.con.execute(
            "SELECT line, position, col, message FROM _problems ORDER BY line, position, message LIMIT ?",
            [PROBLEM_CAP],
        ).fetchall()
        return [Problem(int(r[0]), int(r[1]), self.shown, r[2], r[3]) for r in rows], int(total)


def _setting_problems(con: duckdb.DuckDBPyConnection, shown: str, position: int) -> list[Problem]:
    # The store's own parser of each setting (the one read_settings uses), so that what imports also reads.
    # A settings file has a handful of rows: checking them one by one in Python costs nothing.
    rows = con.execute(
        "SELECT _line, key, value FROM _typed WHERE key IS NOT NULL AND value IS NOT NULL ORDER BY _line"
    ).fetchall()
    problems = []
    for line, key, value in rows:
        expected = store.setting_problem(key, value)
        if expected is not None:
            quoted = value if len(value) <= SHOWN_VALUE_CHARS else value[:SHOWN_VALUE_CHARS] + "…"
            problems.append(Problem(int(line), position, shown, "value", f'"{quoted}" is not {expected}'))
    return problems


def check_header(table: Table, header: list[str], shown: str) -> tuple[dict[str, int], list[Problem]]:
    """Map header cells to the table's columns; problems for unknown, repeated and missing columns."""
    present: dict[str, int] = {}
    problems = []
    known = set(table.names)
    for position, cell in enumerate(header):
        name = cell.strip().lower().removeprefix("\ufeff")
        label = cell.strip() or f"column {position + 1}"
        if not name:
            problems.append(
                Problem(1, position + 1, shown, label, f"has no name; name it after a column of {table.name}")
            )
        elif name not in known:
            problems.append(
                Problem(
                    1,
                    position + 1,
                    shown,
                    label,
                    f"is not a column of {table.name}; its columns are {', '.join(table.names)}",
                )
            )
        elif name in present:
            problems.append(Problem(1, position + 1, shown, label, f"appears twice (also column {present[name] + 1})"))
        else:
            present[name] = position
    for column in table.columns:
        if column.required and column.name not in present:
            problems.append(Problem(1, len(header) + 1, shown, column.name, "is missing: every row needs it"))
    return present, problems


def validate(
    con: duckdb.DuckDBPyConnection, table: Table, staged: Staged, shown: str, progress: Progress
) -> tuple[list[Problem], int]:
    """Check the staged file (temp table ``_raw``) against every rule of ``table``; its typed rows stay in ``_typed``.

    Parameters
    ----------
    con
        The connection the file was staged on, inside the import's transaction.
    table
        The table the file is for.
    staged
        What reading the file gave.
    shown
        The file's name in problems.
    progress
        Told as each group of checks is done.

    Returns
    -------
    tuple of (list of Problem, int)
        The first ``PROBLEM_CAP`` problems by line and column, and the count of all of them.

    """
    present, header_problems = check_header(table, staged.header, shown)
    if not staged.header:  # nothing was read: the file's own problem is the only one
        return staged.problems, len(staged.problems)
    checker = _Checker(con, table, shown, present)
    checker.add_list(staged.problems + header_problems, more=staged.unlisted)

    # Types: one typed copy of the file, NULL where a cell is empty or not a value of its column's type.
    typed_selects = ["_line"]
    for name, position in present.items():
        column = table.column(name)
        raw = f"c{position}"
        typed, valid, expected = _typed_expression(column, raw)
        if column.required:
            checker.add(name, "'is empty; a value is required'", "_raw", f"{raw} IS NULL")
        checker.add(
            name,
            _CONTROL_MESSAGE.format(raw=raw),
            "_raw",
            f"regexp_matches({raw}, ?)",
            [CONTROL_CHARACTERS, CONTROL_CHARACTERS],
        )
        if valid != "true":
            invalid = f"{raw} IS NOT NULL AND NOT coalesce({valid}, false)"
            checker.add(name, f"{_show(raw)} || ' is not ' || ?", "_raw", invalid, [expected])
        if column.default is not None and not column.nullable:
            typed = f"COALESCE({typed}, {column.default})"
        typed_selects.append(f"{typed} AS {name}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _typed AS SELECT {', '.join(typed_selects)} FROM _raw")  # noqa: S608
    checker.flush()
    progress(0.5, "checked types")

    # CHECK constraints of the schema, on the rows whose values are all there.
    # The value is quoted as typed (``-5``, not the ``-5.0`` of the typed copy), from the file's text.
    for rule in table.rules:
        if all(c in present for c in rule.columns):
            first = rule.columns[0]
            shown_value = _show(f"c{present[first]}")
            source = "_typed JOIN _raw USING (_line)"
            checker.add(first, f"{shown_value} || ' ' || ?", source, f"NOT ({rule.sql})", [rule.message])
    if table.name == "settings" and {"key", "value"} <= present.keys():
        checker.add_list(_setting_problems(con, shown, present["value"] + 1))
    if table.name == "scenarios" and "params" in present:
        checker.add_list(_scenario_params_problems(con, shown, present["params"] + 1))
    checker.flush()
    progress(0.6, "checked ranges and allowed values")

    # Keys, and UNIQUE columns, once within the file; a UNIQUE value also against the rows already stored.
    for columns in (table.key, *table.unique):
        if not all(c in present for c in columns):
            continue
        joined = ", ".join(columns)
        not_null = " AND ".join(f"{c} IS NOT NULL" for c in columns)
        label = "key" if columns == table.key else "value of " + joined
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _repeats AS SELECT _line, min(_line) OVER (PARTITION BY {joined}) "  # noqa: S608
            f"AS first_line FROM _typed WHERE {not_null}"
        )
        checker.add(columns[-1], f"'repeats the {label} of line ' || first_line", "_repeats", "_line > first_line")
        checker.flush()  # the next key replaces _repeats
        if columns != table.key:
            # A UNIQUE value held by a stored row of another key, unless the file rewrites that row too.
            key_match = " AND ".join(f"s.{k} = t.{k}" for k in table.key)
            value_match = " AND ".join(f"s.{c} = t.{c}" for c in columns)
            rewritten = " AND ".join(f"o.{k} = s.{k}" for k in table.key)
            taken = f"NOT ({key_match}) AND NOT EXISTS (SELECT 1 FROM _typed o WHERE {rewritten})"  # noqa: S608
            message = (
                f"{_show(f'CAST(t.{columns[-1]} AS VARCHAR)')} || ' is already used by another row of {table.name}'"
            )
            checker.add(columns[-1], message, f"_typed t JOIN {table.name} s ON {value_match}", taken)
    checker.flush()
    progress(0.7, "checked keys")

    # References: a value must name a row already in the store, or (for a table that refers to itself) in the file.
    for name, target in table.references.items():
        if name not in present:
            continue
        target_key = describe(target).key[0]
        in_file = f"SELECT 1 FROM _typed f WHERE f.{target_key} = t.{name}"  # noqa: S608
        in_store = f"SELECT 1 FROM {target} r WHERE r.{target_key} = t.{name}"  # noqa: S608
        missing = f"t.{name} IS NOT NULL AND NOT EXISTS ({in_store})"
        if target == table.name:
            missing += f" AND NOT EXISTS ({in_file})"
        message = f"{_show('t.' + name)} || ' is not a {target_key} in {target}: import {target} first'"
        checker.add(name, message, "_typed t", missing)
    checker.flush()
    progress(0.8, "checked references")

    graph = DEPENDENCY_GRAPHS.get(table.name)
    if graph and all(c in present for c in graph):
        checker.add_list(*_cycle_problems(con, table.name, graph, shown, present))
    checker.flush()
    progress(0.85, "checked dependencies")
    return checker.collect()


def _scenario_params_problems(con: duckdb.DuckDBPyConnection, shown: str, position: int) -> list[Problem]:
    """Return a problem for each row whose params are not what-if settings, worded by ``scenarios.check_params``.

    It is the check a scenario's loading makes, so what imports is what opens.
    """
    rows = con.execute("SELECT _line, CAST(params AS VARCHAR) FROM _typed WHERE params IS NOT NULL ORDER BY 1")
    problems = []
    for line, params in rows.fetchall():
        try:
            scenarios.check_params(params)
        except scenarios.ScenarioError as exc:
            problems.append(Problem(int(line), position, shown, "params", str(exc)))
    return problems


def _cycle_problems(
    con: duckdb.DuckDBPyConnection, table: str, graph: tuple[str, str], shown: str, present: dict[str, int]
) -> tuple[list[Problem], int]:
    """Return a problem for each line whose edge lies on a cycle of the graph the import would leave, and a count.

    Only the first ``PROBLEM_CAP`` (by line) spell out their cycle, a search each; the rest are only counted.
    """
    source, target = graph
    edges = con.execute(
        f"SELECT {source}, {target} FROM {table} UNION SELECT {source}, {target} FROM _typed "  # noqa: S608
        f"WHERE {source} IS NOT NULL AND {target} IS NOT NULL AND {source} <> {target}"
    ).fetchall()
    component = _strongly_connected(edges)
    successors: dict[str, list[str]] = {}
    for a, b in edges:
        successors.setdefault(a, []).append(b)
    problems = []
    file_edges = con.execute(
        f"SELECT _line, {source}, {target} FROM _typed WHERE {source} IS NOT NULL AND {target} IS NOT NULL "  # noqa: S608
        f"AND {source} <> {target} ORDER BY _line"
    ).fetchall()
    more = 0
    for line, a, b in file_edges:
        if component.get(a) is not None and component.get(a) == component.get(b):
            if len(problems) == PROBLEM_CAP:
                more += 1
                continue
            path = _path_within(successors, component, b, a)
            loop = " → ".join([a, *path])
            problems.append(
                Problem(int(line), present[target] + 1, shown, target, f"closes a dependency cycle: {loop}")
            )
    return problems, more


def _strongly_connected(edges: list[tuple[str, str]]) -> dict[str, int]:
    """Tarjan's algorithm without recursion: node -> component number, for components of two or more nodes."""
    successors: dict[str, list[str]] = {}
    for a, b in edges:
        successors.setdefault(a, []).append(b)
        successors.setdefault(b, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: dict[str, int] = {}
    counter = 0
    for root in successors:
        if root in index:
            continue
        work = [(root, iter(successors[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors[child])))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                if len(members) > 1:
                    for member in members:
                        result[member] = index[node]
    return result


def _path_within(successors: dict[str, list[str]], component: dict[str, int], start: str, goal: str) -> list[str]:
    """Return the shortest path start -> goal inside one strongly connected component (breadth first)."""
    came_from: dict[str, str | None] = {start: None}
    queue = [start]
    for node in queue:
        if node == goal:
            break
        for child in successors.get(node, ()):
            if child not in came_from and component.get(child) == component[start]:
                came_from[child] = node
                queue.append(child)
    path, node = [], goal
    while node is not None:
        path.append(node)
        node = came_from.get(node)
    return path[::-1]
