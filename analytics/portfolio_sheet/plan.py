"""Check every cell of a portfolio sheet against the store and turn the rows into the rows the store will hold.

``plan_sheet`` reads the store (never writes it) and returns a ``SheetPlan``: the column mapping, every problem
as ``FILE:ROW:COLUMN: message``, the warnings, and the frames to write. The checks:

- required columns (``project_id``, ``name``, ``start``, ``end``) present and every row giving them;
- dates readable (see ``values.parse_date``; year 0 and dates outside 1900-2199 refused), ``end`` not before
  ``start``, ``earliest_start`` not after ``latest_start``;
- money (``cost``, ``budget``, ``benefit``, ``annual_benefit``, ``stop_cost``) a number, not negative; not both
  ``benefit`` and ``annual_benefit``; ``benefit_years`` a whole number 1-50;
- ``probability_of_success`` between 0 and 1 (``80%`` reads as 0.8); ``mandatory`` yes/no; ``stage`` and
  ``health`` words Quarterdeck or the column's tool knows;
- ``fte_<TEAM_ID>`` a number of FTE, not negative; ``fit_<OBJECTIVE_ID>``/``strategic_fit`` a whole number 0-5;
- ``project_id`` unique in the sheet; no control characters in text (a description may hold line breaks);
- every ``depends_on`` entry a project of the sheet or the store, no project needing itself, and no cycle in
  the dependencies the store will hold (the cycle is named).

A ``product_id`` the store does not know is a warning (the product may be imported later), not a problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd

from analytics.portfolio_sheet import aliases, derive, values
from analytics.portfolio_sheet.mapping import ColumnMap, Mapping, map_header
from analytics.portfolio_sheet.problems import NO_COLUMN, Problem
from analytics.portfolio_sheet.reading import RawSheet

#: The columns of ``projects``, in the store's order.
PROJECT_COLUMNS = (
    "project_id",
    "name",
    "product_id",
    "program",
    "sponsor",
    "manager",
    "stage",
    "start_date",
    "end_date",
    "budget",
    "probability_of_success",
    "health",
    "mandatory",
    "description",
    "earliest_start",
    "latest_start",
    "stop_cost",
)
_COLUMN_OF = {"start": "start_date", "end": "end_date"}
#: NOT NULL columns a new project gets a default for when the sheet does not give them.
DEFAULTED = ("stage", "budget", "probability_of_success", "mandatory")
DEFAULT_STAGE = "proposed"
DEFAULT_PROBABILITY = 1.0
MAX_BENEFIT_YEARS = 50
MAX_FIT = 5
_TEXT = ("project_id", "name", "program", "product_id", "sponsor", "manager", "description")
_MONEY = ("cost", "budget", "benefit", "annual_benefit", "stop_cost")
_DATES = ("start", "end", "earliest_start", "latest_start")
#: Derived tables and the fields whose columns make the import restate them for the sheet's projects.
DERIVED_FROM = {
    "project_cashflows": ("cost", "benefit", "annual_benefit"),
    "project_demand": ("fte",),
    "project_alignment": ("fit", "strategic_fit"),
    "project_dependencies": ("depends_on",),
}


@dataclass
class StoreFacts:
    """What the checks need to know of the store: ids that exist and the dependencies it holds."""

    projects: set[str]
    dependencies: dict[tuple[str, str], str]
    teams: dict[str, str]
    objectives: dict[str, str]
    products: set[str]


def store_facts(con: duckdb.DuckDBPyConnection) -> StoreFacts:
    """Read the ids and dependencies the sheet is checked against (teams and objectives keyed case-blind)."""
    deps = con.execute("SELECT project_id, depends_on, kind FROM project_dependencies").fetchall()
    return StoreFacts(
        projects={r[0] for r in con.execute("SELECT project_id FROM projects").fetchall()},
        dependencies={(a, b): kind for a, b, kind in deps},
        teams={r[0].casefold(): r[0] for r in con.execute("SELECT team_id FROM teams").fetchall()},
        objectives={r[0].casefold(): r[0] for r in con.execute("SELECT objective_id FROM objectives").fetchall()},
        products={r[0] for r in con.execute("SELECT product_id FROM products").fetchall()},
    )


@dataclass
class SheetRow:
    """One project row as parsed: its fields (``None`` for blank or unreadable), FTE, fits and dependencies."""

    line: int
    fields: dict[str, object] = field(default_factory=dict)
    fte: dict[str, float] = field(default_factory=dict)
    fit: dict[str, int] = field(default_factory=dict)
    depends: list[tuple[str, ColumnMap]] = field(default_factory=list)
    #: The project ids ``depends`` resolves to (filled by ``graph.check_dependencies``).
    needs: list[str] = field(default_factory=list)
    ok: bool = True


@dataclass
class SheetPlan:
    """What an import of the sheet would do; the frames are built from the rows without problems."""

    file_name: str
    mapping: Mapping
    problems: list[Problem]
    warnings: list[Problem]
    rows: int = 0
    projects: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The project columns the sheet gives: updated for projects already in the store, the others kept.
    update_columns: list[str] = field(default_factory=list)
    #: Derived table → its new rows for the sheet's projects; a table the sheet does not feed is absent.
    derived: dict[str, pd.DataFrame] = field(default_factory=dict)
    new_teams: list[str] = field(default_factory=list)
    new_objectives: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    #: Sentences on the views that will lack data, e.g. for a Jira sheet without money.
    missing: list[str] = field(default_factory=list)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


class _Row:
    """Parse the cells of one row, collecting its problems."""

    def __init__(self, cells: list[object], line: int, plan: SheetPlan, day_first: bool) -> None:
        self.cells, self.plan, self.day_first = cells, plan, day_first
        self.row = SheetRow(line)

    def cell(self, col: ColumnMap) -> object:
        value = self.cells[col.index] if col.index < len(self.cells) else None
        return None if value is None or (isinstance(value, str) and not value.strip()) else value

    def problem(self, col: ColumnMap | None, message: str) -> None:
        self.row.ok = False
        where = (col.index, col.header) if col else (10_000, NO_COLUMN)
        self.plan.problems.append(Problem(self.row.line, where[0], self.plan.file_name, where[1], message))

    def parsed(self, col: ColumnMap, parse: Callable[[object], object]) -> object:
        value = self.cell(col)
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError as exc:
            self.problem(col, str(exc))
            return None

    def number(self, col: ColumnMap, what: str, low: float | None = 0, high: float | None = None) -> Decimal | None:
        number = self.parsed(col, values.parse_number)
        if number is None:
            return None
        if (low is not None and number < low) or (high is not None and number > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            self.problem(col, f"{_text(self.cell(col))!r} is out of range: {what} must be {bound}")
            return None
        return number


def _parse_field(r: _Row, name: str, col: ColumnMap) -> object:
    if name in _TEXT:
        value = r.cell(col)
        if value is None:
            return None
        text = _text(value)
        bad = values.control_character(text, line_breaks=name == "description")
        if bad:
            r.problem(col, f"contains the control character {bad}; remove it (only plain text is kept)")
            return None
        return text
    if name in _DATES:
        return r.parsed(col, lambda v: values.parse_date(v, day_first=r.day_first))
    if name in _MONEY:
        amount = r.number(col, f"{name} (money)")
        return None if amount is None else values.to_cents(amount)
    if name == "benefit_years":
        years = r.number(col, "benefit_years", 1, MAX_BENEFIT_YEARS)
        if years is not None and years != years.to_integral_value():
            r.problem(col, f"{_text(r.cell(col))!r} is not a whole number of years")
            return None
        return None if years is None else int(years)
    if name == "probability_of_success":
        probability = r.number(col, "probability_of_success", 0, 1)
        return None if probability is None else float(probability)
    if name == "mandatory":
        return r.parsed(col, values.parse_bool)
    if name == "stage":
        word = r.cell(col)
        stage = None if word is None else aliases.stage_of(_text(word), col.tools)
        if word is not None and stage is None:
            r.problem(
                col, f"{_text(word)!r} is not a stage; expected one of {', '.join(aliases.stage_words(col.tools))}"
            )
        return stage
    if name == "health":
        word = r.cell(col)
        health = None if word is None else aliases.health_of(_text(word))
        if word is not None and health is None:
            r.problem(col, f"{_text(word)!r} is not a health; expected green, amber or red (or yellow)")
        return health
    if name == "strategic_fit":
        return _fit(r, col)
    return None


def _fit(r: _Row, col: ColumnMap) -> int | None:
    score = r.number(col, "a fit score", 0, MAX_FIT)
    if score is not None and score != score.to_integral_value():
        r.problem(col, f"{_text(r.cell(col))!r} is not a whole number: a fit score is 0, 1, 2, 3, 4 or 5")
        return None
    return None if score is None else int(score)


def _parse_row(r: _Row, mapping: Mapping, facts: StoreFacts) -> SheetRow:
    row = r.row
    for name in aliases.FIELDS:
        col = mapping.of(name)
        if col is not None and name != "depends_on":
            row.fields[name] = _parse_field(r, name, col)
    for name in aliases.REQUIRED_FIELDS:
        col = mapping.of(name)
        if r.cell(col) is None:
            r.problem(col, f"{name} is required and this row leaves it empty")
    for col in mapping.all_of("fte"):
        fte = r.cell(col)
        if fte is None:
            continue
        try:
            number = values.parse_number(fte)
        except ValueError:
            r.problem(col, f"{_text(fte)!r} is not a number: fte_{col.key} is the FTE needed each month, e.g. 1.5")
            continue
        if number < 0:
            r.problem(col, f"{_text(fte)!r} is negative: FTE must be at least 0")
        elif number > 0:
            row.fte[facts.teams.get(col.key.casefold(), col.key)] = float(number)
    for col in mapping.all_of("fit"):
        score = _fit(r, col)
        if score is not None:
            row.fit[facts.objectives.get(col.key.casefold(), col.key)] = score
    if (score := row.fields.get("strategic_fit")) is not None:
        row.fit[facts.objectives.get(aliases.OVERALL_OBJECTIVE, aliases.OVERALL_OBJECTIVE)] = score
    for col in mapping.all_of("depends_on"):
        if (cell := r.cell(col)) is not None:
            row.depends.extend((entry, col) for entry in values.split_dependencies(cell))
    start, end = row.fields.get("start"), row.fields.get("end")
    if start and end and end < start:
        r.problem(mapping.of("end"), f"end {end.isoformat()} is before start {start.isoformat()}")
    first, last = row.fields.get("earliest_start"), row.fields.get("latest_start")
    if first and last and last < first:
        message = f"latest_start {last.isoformat()} is before earliest_start {first.isoformat()}"
        r.problem(mapping.of("latest_start"), message)
    # A start window holds the planned start (always one of the project's start options); months are compared.
    elif start and first and values.month_start(first) > values.month_start(start):
        message = f"earliest_start {first.isoformat()} is after start {start.isoformat()}: a window holds the start"
        r.problem(mapping.of("earliest_start"), message)
    elif start and last and values.month_start(last) < values.month_start(start):
        message = f"latest_start {last.isoformat()} is before start {start.isoformat()}: a window holds the start"
        r.problem(mapping.of("latest_start"), message)
    if row.fields.get("benefit") is not None and row.fields.get("annual_benefit") is not None:
        r.problem(mapping.of("annual_benefit"), "give benefit (a total) or annual_benefit (per year), not both")
    return row


def _check_cells_beyond_header(r: _Row, header: list[str]) -> None:
    extra = [c for c in r.cells[len(header) :] if c is not None and str(c).strip()]
    if extra:
        r.problem(None, f"this row has {len(header) + len(extra)} or more cells but the header names {len(header)}")


def _check_header_keys(mapping: Mapping, plan: SheetPlan) -> None:
    for col in mapping.all_of("fte") + mapping.all_of("fit"):
        bad = values.control_character(col.key)
        if bad:
            plan.problems.append(
                Problem(1, col.index, plan.file_name, col.header, f"contains the control character {bad}")
            )


def plan_sheet(
    con: duckdb.DuckDBPyConnection, sheet: RawSheet, file_name: str, *, day_first: bool = False
) -> SheetPlan:
    """Check a read sheet against the store and build the rows an import would write.

    Parameters
    ----------
    con
        A connection to the store (only read).
    sheet
        The sheet as ``reading.read_sheet`` gave it.
    file_name
        The name problems are reported under (an upload's name, or the file's).
    day_first
        Read numeric dates day first (``1/3/2026`` is 1 March).

    Returns
    -------
    SheetPlan
        Problems and warnings; frames from the rows without problems.
    """
    mapping = map_header(sheet.header, file_name)
    plan = SheetPlan(file_name, mapping, list(mapping.problems), list(mapping.warnings), rows=len(sheet.rows))
    _check_header_keys(mapping, plan)
    if mapping.missing:
        return plan
    if not sheet.rows:
        message = "the sheet has no project rows below its header: one row per project"
        plan.problems.append(Problem(2, 0, file_name, NO_COLUMN, message))
        return plan
    facts = store_facts(con)
    rows: list[SheetRow] = []
    seen: dict[str, int] = {}
    id_col = mapping.of("project_id")
    for cells, line in zip(sheet.rows, sheet.lines, strict=True):
        r = _Row(cells, line, plan, day_first)
        _check_cells_beyond_header(r, sheet.header)
        row = _parse_row(r, mapping, facts)
        project_id = row.fields.get("project_id")
        if project_id is not None:
            if project_id in seen:
                r.problem(id_col, f"duplicate project_id {project_id}: row {seen[project_id]} has it too")
            else:
                seen[project_id] = line
        product = row.fields.get("product_id")
        if product is not None and product not in facts.products:
            message = f"no product {product} in the store yet: the product view shows this project once it has one"
            plan.warnings.append(
                Problem(line, mapping.of("product_id").index, file_name, mapping.of("product_id").header, message)
            )
        rows.append(row)
    if mapping.all_of("depends_on"):
        from analytics.portfolio_sheet.graph import check_dependencies

        check_dependencies(plan, rows, sheet, mapping, facts)
    _build(plan, [row for row in rows if row.ok], mapping, facts)
    return plan


def _build(plan: SheetPlan, rows: list[SheetRow], mapping: Mapping, facts: StoreFacts) -> None:
    given = [f for f in aliases.FIELDS if mapping.of(f) and _COLUMN_OF.get(f, f) in PROJECT_COLUMNS]
    plan.update_columns = [_COLUMN_OF.get(f, f) for f in given if f != "project_id"]
    columns = [c for c in PROJECT_COLUMNS if c in plan.update_columns or c in DEFAULTED or c == "project_id"]
    records = []
    for row in rows:
        f = row.fields
        stored = {_COLUMN_OF.get(k, k): v for k, v in f.items() if _COLUMN_OF.get(k, k) in PROJECT_COLUMNS}
        stored["stage"] = f.get("stage") or DEFAULT_STAGE
        cost = f.get("cost")
        budget = f.get("budget")
        stored["budget"] = (budget if budget is not None else cost or 0) / 100
        probability = f.get("probability_of_success")
        stored["probability_of_success"] = DEFAULT_PROBABILITY if probability is None else probability
        stored["mandatory"] = bool(f.get("mandatory"))
        if f.get("stop_cost") is not None:
            stored["stop_cost"] = f["stop_cost"] / 100
        for name in ("earliest_start", "latest_start"):
            if stored.get(name) is not None:
                stored[name] = values.month_start(stored[name])
        records.append({c: stored.get(c) for c in columns})
    plan.projects = pd.DataFrame.from_records(records, columns=columns)
    plan.existing = [r["project_id"] for r in records if r["project_id"] in facts.projects]
    if mapping.gives(*DERIVED_FROM["project_cashflows"]):
        plan.derived["project_cashflows"] = _cashflows(rows)
    if mapping.all_of("fte"):
        plan.derived["project_demand"] = _demand(rows)
        teams = {facts.teams.get(c.key.casefold(), c.key) for c in mapping.all_of("fte")}
        plan.new_teams = sorted(t for t in teams if t.casefold() not in facts.teams)
    if mapping.all_of("fit") or mapping.of("strategic_fit"):
        plan.derived["project_alignment"] = pd.DataFrame(
            [(r.fields["project_id"], o, s) for r in rows for o, s in r.fit.items()],
            columns=["project_id", "objective_id", "score"],
        )
        keys = [c.key for c in mapping.all_of("fit")] or [aliases.OVERALL_OBJECTIVE]
        objectives = {facts.objectives.get(k.casefold(), k) for k in keys}
        plan.new_objectives = sorted(o for o in objectives if o.casefold() not in facts.objectives)
    if mapping.all_of("depends_on"):
        pairs = [(r.fields["project_id"], d) for r in rows for d in r.needs]
        plan.derived["project_dependencies"] = pd.DataFrame(
            [(a, b, facts.dependencies.get((a, b), "requires")) for a, b in pairs],
            columns=["project_id", "depends_on", "kind"],
        )
    plan.missing = _missing_views(plan, rows, mapping)


def _cashflows(rows: list[SheetRow]) -> pd.DataFrame:
    """Every row's cost and benefit by month (``derive``'s rules), months with neither left out."""
    fields = [row.fields for row in rows]
    ids = np.array([f["project_id"] for f in fields], dtype=object)
    start = np.array([derive.month_index(f["start"]) for f in fields], dtype=np.int64)
    end = np.array([derive.month_index(f["end"]) for f in fields], dtype=np.int64)
    cost = np.array([f.get("cost") or 0 for f in fields], dtype=np.int64)
    years = np.array([f.get("benefit_years") or derive.DEFAULT_BENEFIT_YEARS for f in fields], dtype=np.int64)
    totals = np.array([f.get("benefit") or 0 for f in fields], dtype=np.int64)
    annuals = np.array([f.get("annual_benefit") or 0 for f in fields], dtype=np.int64)
    costed = np.flatnonzero(cost > 0)
    owner, cost_month, cost_cents = derive.spread_many(cost[costed], start[costed], end[costed] - start[costed] + 1)
    project, amount, first, months = derive.benefit_spans(end, totals, annuals, years)
    span, benefit_month, benefit_cents = derive.spread_many(amount, first, months)
    # A benefit starts after the end month, so a month has cost or benefit, never both.
    frame = pd.DataFrame(
        {
            "project_id": np.concatenate([ids[costed[owner]], ids[project[span]]]),
            "period": derive.month_dates(np.concatenate([cost_month, benefit_month])),
            "cost": np.concatenate([cost_cents, np.zeros(len(benefit_cents), dtype=np.int64)]) / 100,
            "benefit": np.concatenate([np.zeros(len(cost_cents), dtype=np.int64), benefit_cents]) / 100,
        }
    )
    return frame[(frame["cost"] > 0) | (frame["benefit"] > 0)].reset_index(drop=True)


def _demand(rows: list[SheetRow]) -> pd.DataFrame:
    """Every row's FTE per team in every month from its start month to its end month."""
    asks = [(row.fields, team, fte) for row in rows for team, fte in row.fte.items()]
    ids = np.array([f["project_id"] for f, _, _ in asks], dtype=object)
    teams = np.array([team for _, team, _ in asks], dtype=object)
    start = np.array([derive.month_index(f["start"]) for f, _, _ in asks], dtype=np.int64)
    months = np.array([derive.month_index(f["end"]) for f, _, _ in asks], dtype=np.int64) - start + 1
    ends = np.cumsum(months)
    offset = np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - months, months)
    return pd.DataFrame(
        {
            "project_id": np.repeat(ids, months),
            "team_id": np.repeat(teams, months),
            "period": derive.month_dates(np.repeat(start, months) + offset),
            "fte": np.repeat(np.array([fte for _, _, fte in asks], dtype=float), months),
        }
    )


def _missing_views(plan: SheetPlan, rows: list[SheetRow], mapping: Mapping) -> list[str]:
    missing = []
    if not any(r.fields.get("cost") for r in rows):
        missing.append("no cost: NPV, ROI, payback, the budget and the what-if's money views will be empty")
    if not any(r.fields.get("benefit") or r.fields.get("annual_benefit") for r in rows):
        missing.append("no benefit or annual_benefit: NPV, IRR, ROI and payback will have no returns to show")
    if not mapping.all_of("fte"):
        missing.append("no fte_<TEAM_ID> column: capacity views will be empty and the what-if checks money only")
    elif plan.new_teams:
        missing.append(
            f"new teams {', '.join(plan.new_teams)} have no capacity yet: import team_capacity to see demand "
            "against capacity"
        )
    if not (mapping.all_of("fit") or mapping.of("strategic_fit")):
        missing.append("no fit_<OBJECTIVE_ID> or strategic_fit column: the strategic fit views will be empty")
    return missing
