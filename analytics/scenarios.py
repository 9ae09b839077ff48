"""Saved what-if scenarios: their settings and the selection they produced, kept in the store.

A scenario is a name, the what-if settings (``optimize.WhatIf.to_dict()``, stored as JSON in ``scenarios.params``)
and one ``scenario_projects`` row per candidate at the time of saving, ``chosen`` true or false, so a comparison
can say what is in and out even after the candidates change. Every write is one transaction (``store.transaction``),
so a failed save leaves nothing behind and a saved one shows everywhere on the next rerun.

Scenario ids are random (``S-`` and 12 hex digits), so two sessions saving at the same moment never collide on the
key; names are unique per store (the schema's UNIQUE), and a clash is reported as a sentence, not a traceback.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd

from analytics import optimize
from analytics.formatting import money
from analytics.portfolio import effective_health
from analytics.rules import ACTIVE_STAGE, CANDIDATE_STAGES, DONE_STAGE, TINY
from analytics.store import transaction

#: Longest scenario name accepted: it has to fit a column header in the comparison.
MAX_NAME_LENGTH = 80
#: How many scenarios a comparison puts side by side (the issue asks for two to four).
COMPARE_AT_MOST = 4


class ScenarioError(ValueError):
    """A scenario cannot be saved, loaded or compared; the message says why in a sentence."""


@dataclass(frozen=True)
class Scenario:
    """A saved scenario, read back: its settings and the ids of the projects it chose."""

    scenario_id: str
    name: str
    created_at: datetime
    created_by: str | None
    note: str | None
    params: dict
    chosen: tuple[str, ...]
    candidates: tuple[str, ...]
    #: The start month of each chosen project the scenario was saved with (saved with start shifts); a chosen
    #: project not named here starts as planned.
    starts: dict[str, date] = field(default_factory=dict)

    @property
    def what_if(self) -> optimize.WhatIf:
        """Return the settings as the optimiser takes them (``load_scenario`` has checked them)."""
        return optimize.WhatIf.from_dict(self.params)


#: What each what-if setting of a scenario's params must be: a number, a number or null, a whole number, a list
#: of numbers or null, an object of id -> number, or a list of project ids. Keys not listed are ignored.
PARAM_KINDS = {
    "budget_pct": "number",
    "budget_by_year": "numbers or null",
    "discount_rate": "number or null",
    "alpha": "number",
    "objective_weights": "id -> number",
    "capacity_fte_delta": "id -> number",
    "capacity_pct_delta": "id -> number",
    "flex": "number",
    "pos_haircut": "number",
    "cost_overrun": "number",
    "benefit_delay_months": "whole number",
    "force_in": "ids",
    "force_out": "ids",
    "run_rate_floor": "true or false",
    "allow_stop": "true or false",
    "allow_drop": "true or false",
    "shift": "whole number",
}
_KIND_WORDS = {
    "number": "a number",
    "numbers or null": "a list of numbers (one per fiscal year) or null",
    "number or null": "a number or null",
    "id -> number": 'an object of ids and numbers, like {"T-DATA": 2}',
    "whole number": "a whole number",
    "ids": 'a list of project ids, like ["P-001"]',
    "true or false": "true or false",
}


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fits(kind: str, value) -> bool:
    if kind == "number":
        return _is_number(value)
    if kind == "number or null":
        return value is None or _is_number(value)
    if kind == "whole number":
        return _is_number(value) and float(value).is_integer()
    if kind == "numbers or null":
        return value is None or (isinstance(value, list) and all(_is_number(v) for v in value))
    if kind == "true or false":
        return isinstance(value, bool)
    if kind == "id -> number":
        return isinstance(value, dict) and all(_is_number(v) for v in value.values())
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def check_params(params) -> optimize.WhatIf:
    """Return the what-if settings a scenario's params hold, or say in a sentence why they cannot be used.

    Used when a scenario is loaded and when a scenarios file is imported, so what imports is what opens.

    Parameters
    ----------
    params
        The params as stored: JSON text, or the object it holds.

    Returns
    -------
    optimize.WhatIf
        The settings; keys that are not settings are ignored, missing ones take their defaults.

    Raises
    ------
    ScenarioError
        The params are not JSON, not an object, hold a setting of the wrong kind (:data:`PARAM_KINDS`), or one
        outside its range (``optimize.WhatIf``'s own checks: α and the haircut in [0, 1], budget and flex ≥ 0...).

    Examples
    --------
    >>> check_params('{"alpha": 0.5}').alpha
    0.5
    >>> check_params('{"alpha": 5}')
    Traceback (most recent call last):
    ...
    analytics.scenarios.ScenarioError: The what-if settings do not hold: alpha must be between 0 and 1.
    """
    if isinstance(params, str | bytes):
        try:
            params = json.loads(params)
        except ValueError as exc:
            raise ScenarioError(f"The what-if settings are not JSON ({exc}).") from exc
    if not isinstance(params, dict):
        raise ScenarioError(
            'The what-if settings must be a JSON object of settings, like {"budget_pct": 90}, '
            f"not {json.dumps(params)[:40]}."
        )
    for key, kind in PARAM_KINDS.items():
        if key in params and not _fits(kind, params[key]):
            raise ScenarioError(
                f"The what-if setting {key} must be {_KIND_WORDS[kind]}, not {json.dumps(params[key])[:40]}."
            )
    try:
        return optimize.WhatIf.from_dict(params)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"The what-if settings do not hold: {exc}.") from exc


def _clean_name(name: str) -> str:
    cleaned = " ".join(str(name or "").split())
    if not cleaned:
        raise ScenarioError("A scenario needs a name.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ScenarioError(
            f"A scenario name can have at most {MAX_NAME_LENGTH} characters; this one has {len(cleaned)}."
        )
    return cleaned


def save_scenario(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: dict,
    chosen: Iterable[str],
    created_by: str | None = None,
    note: str | None = None,
    *,
    starts: Mapping[str, date] | None = None,
) -> str:
    """Save settings and a selection under a name; return the new scenario's id.

    Parameters
    ----------
    con
        A read-write connection (or cursor) to the store.
    name
        Unique per store; surrounding and repeated spaces are dropped.
    params
        The what-if settings, JSON-ready (``optimize.WhatIf.to_dict()``).
    chosen
        Ids of the projects the scenario selects; each must be a project in the store.
    created_by, note
        Who saved it and why, free text.
    starts
        A scenario saved with start shifts: ``{project_id: first day of its start month}`` for chosen projects
        (``scenario_projects.start``); a chosen project left out starts as planned.

    Raises
    ------
    ScenarioError
        The name is empty, too long or taken, a chosen id is not a project, or a start is not the first day of a
        month or names a project the scenario does not choose.
    """
    cleaned = _clean_name(name)
    chosen_ids = sorted({str(p) for p in chosen})
    start_of = _clean_starts(starts, chosen_ids)
    params_json = json.dumps(params, sort_keys=True, allow_nan=False)
    scenario_id = f"S-{secrets.token_hex(6)}"
    try:
        with transaction(con):
            if con.execute("SELECT 1 FROM scenarios WHERE name = ?", [cleaned]).fetchone():
                raise ScenarioError(f"A scenario named “{cleaned}” already exists: choose another name.")
            unknown = con.execute(
                "SELECT unnest(?::TEXT[]) AS id EXCEPT SELECT project_id FROM projects ORDER BY 1", [chosen_ids]
            ).fetchall()
            if unknown:
                ids = ", ".join(r[0] for r in unknown[:5])
                raise ScenarioError(f"The selection names projects that are not in the store: {ids}.")
            con.execute(
                "INSERT INTO scenarios (scenario_id, name, created_at, created_by, params, note) "
                "VALUES (?, ?, current_timestamp, ?, ?, ?)",
                [scenario_id, cleaned, created_by, params_json, note],
            )
            # Every candidate of the moment gets a row, chosen or not, plus any chosen project outside them.
            con.execute(
                """
                INSERT INTO scenario_projects (scenario_id, project_id, chosen)
                SELECT ?, project_id, list_contains(?::TEXT[], project_id) FROM projects
                WHERE stage IN (SELECT unnest(?::TEXT[])) OR list_contains(?::TEXT[], project_id)
                """,
                [scenario_id, chosen_ids, list(CANDIDATE_STAGES), chosen_ids],
            )
            if start_of:
                con.executemany(
                    "UPDATE scenario_projects SET start = ? WHERE scenario_id = ? AND project_id = ?",
                    [[month, scenario_id, project_id] for project_id, month in start_of.items()],
                )
    except duckdb.ConstraintException as exc:
        # Another session saved the same name between our check and our insert.
        raise ScenarioError(f"A scenario named “{cleaned}” already exists: choose another name.") from exc
    return scenario_id


def _clean_starts(starts: Mapping[str, date] | None, chosen_ids: Sequence[str]) -> dict[str, date]:
    """Return the starts as ``{project_id: date}``, checked: month starts of chosen projects only."""
    cleaned: dict[str, date] = {}
    chosen = set(chosen_ids)
    for project_id, start in (starts or {}).items():
        project_id = str(project_id)
        if project_id not in chosen:
            raise ScenarioError(f"The start given for {project_id} belongs to no project the scenario chooses.")
        start = start.date() if isinstance(start, datetime) else start
        if not isinstance(start, date) or start.day != 1:
            raise ScenarioError(f"The start of {project_id} must be the first day of a month, not {start}.")
        cleaned[project_id] = start
    return cleaned


def _problem_of(params) -> str | None:
    try:
        check_params(params)
    except ScenarioError as exc:
        return str(exc)
    return None


def list_scenarios(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the saved scenarios, newest first, each with why it cannot be opened, if it cannot.

    Columns: scenario_id, name, created_at, created_by, note, chosen (a count), and problem: None, or the sentence
    of :func:`check_params`, so a page still lists (and can delete) a scenario whose settings do not hold.
    """
    listed = con.execute(
        """
        SELECT s.scenario_id, s.name, s.created_at, s.created_by, s.note,
               count(*) FILTER (WHERE p.chosen) AS chosen, any_value(CAST(s.params AS VARCHAR)) AS params
        FROM scenarios s LEFT JOIN scenario_projects p USING (scenario_id)
        GROUP BY ALL ORDER BY s.created_at DESC, s.name
        """
    ).df()
    problems = [_problem_of(params) for params in listed.pop("params")]
    return listed.assign(problem=pd.Series(problems, index=listed.index, dtype=object))


def load_scenario(con: duckdb.DuckDBPyConnection, scenario_id: str) -> Scenario:
    """Return a saved scenario; ``ScenarioError`` when there is none with that id or its settings do not hold."""
    row = con.execute(
        "SELECT scenario_id, name, created_at, created_by, note, params FROM scenarios WHERE scenario_id = ?",
        [scenario_id],
    ).fetchone()
    if row is None:
        raise ScenarioError(f"There is no scenario {scenario_id!r} in this store; it may have been deleted.")
    members = con.execute(
        "SELECT project_id, chosen, start FROM scenario_projects WHERE scenario_id = ? ORDER BY project_id",
        [scenario_id],
    ).fetchall()
    try:
        check_params(row[5])
    except ScenarioError as exc:
        raise ScenarioError(f"The scenario “{row[1]}” cannot be opened: {exc}") from exc
    params = row[5] if isinstance(row[5], dict) else json.loads(row[5])
    return Scenario(
        scenario_id=row[0],
        name=row[1],
        created_at=row[2],
        created_by=row[3],
        note=row[4],
        params=params,
        chosen=tuple(p for p, chosen, _ in members if chosen),
        candidates=tuple(p for p, _, _ in members),
        starts={p: start for p, chosen, start in members if chosen and start is not None},
    )


def delete_scenario(con: duckdb.DuckDBPyConnection, scenario_id: str) -> None:
    """Delete a scenario and its selection in one transaction.

    ``ScenarioError`` when there is none, or when a decision was recorded on it: a decision keeps its scenario.
    """
    with transaction(con):
        row = con.execute("SELECT name FROM scenarios WHERE scenario_id = ?", [scenario_id]).fetchone()
        if not row:
            raise ScenarioError(f"There is no scenario {scenario_id!r} in this store; it may have been deleted.")
        decided = con.execute("SELECT count(*) FROM decisions WHERE scenario_id = ?", [scenario_id]).fetchone()[0]
        if decided:
            raise ScenarioError(
                f"The scenario “{row[0]}” cannot be deleted: {decided} recorded decision"
                f"{' was' if decided == 1 else 's were'} taken on it, and a decision keeps its scenario."
            )
        con.execute("DELETE FROM scenario_projects WHERE scenario_id = ?", [scenario_id])
        con.execute("DELETE FROM scenarios WHERE scenario_id = ?", [scenario_id])


def _chosen_mask(model: optimize.PortfolioModel, chosen: Sequence[str]) -> np.ndarray:
    mask = np.zeros(model.n, dtype=bool)
    mask[model.index_of(chosen)] = True
    return mask


def scenario_column(scenario_id: str) -> str:
    """Return the column of ``compare``'s projects table that says which projects the scenario chose.

    The prefix keeps it apart from the table's own columns whatever the scenario's id or name.
    """
    return f"chosen:{scenario_id}"


def compare(con: duckdb.DuckDBPyConnection, model: optimize.PortfolioModel, scenario_ids: Sequence[str]) -> dict:
    """Compare two to four scenarios side by side, each valued under its own settings on today's store.

    Returns a dict with
    ``summary``: one row per scenario (in the order asked) with name, projects, value, rnpv, strategic_score,
    spend, budget, budget_use (spend / budget), peak_capacity_use (highest team-month demand / capacity),
    overbooked_cells (team-months over capacity with flex), added and dropped (against the current plan);
    ``projects``: one row per project chosen by at least one scenario: project_id, name, in_all (chosen by every
    one) and a bool column per scenario keyed :func:`scenario_column` (never its name, which could be
    ``project_id``), sorted with the disagreements first;
    ``budget``: fiscal_year, scenario, spend, budget;
    ``starts``: scenario_id, name, project_id, start: each chosen project a scenario saved with shifts starts away
    from its planned start (money, budget and capacity above are at those starts).
    """
    ids = list(dict.fromkeys(scenario_ids))
    if not 2 <= len(ids) <= COMPARE_AT_MOST:
        raise ScenarioError(f"Pick two to {COMPARE_AT_MOST} scenarios to compare; {len(ids)} picked.")
    rows, membership, budgets, starts = [], {}, [], []
    for scenario_id in ids:
        scenario = load_scenario(con, scenario_id)
        what_if = optimize.apply_what_if(model, scenario.what_if)
        chosen = _chosen_mask(model, scenario.chosen)
        option = optimize.option_of_starts(what_if, chosen, scenario.starts)
        # Saved with shifts: the money and the load at the starts it chose.
        summary = optimize.schedule_summary(what_if, option)
        cells = optimize.schedule_capacity_use(what_if, option)
        limited = cells[cells["capacity_fte"] > 0]
        spend = float(summary["spend"])
        rows.append(
            {
                "scenario_id": scenario.scenario_id,
                "name": scenario.name,
                "projects": int(chosen.sum()),
                "value": float(summary["value"]),
                "rnpv": float(summary["rnpv"]),
                "strategic_score": float(summary["strategic_score"]),
                "spend": spend,
                "budget": float(summary["budget"]),
                "budget_use": float(summary["budget_use"]),
                "peak_capacity_use": float(limited["utilisation"].max()) if len(limited) else float("nan"),
                "overbooked_cells": int((cells["demand_fte"] > cells["limit_fte"] + TINY).sum()),
                "added": int(summary["added"]),
                "dropped": int(summary["dropped"]),
            }
        )
        membership[scenario_column(scenario.scenario_id)] = set(scenario.chosen)
        for project_id, start in sorted(scenario.starts.items()):
            starts.append(
                {"scenario_id": scenario.scenario_id, "name": scenario.name, "project_id": project_id, "start": start}
            )
        use = optimize.schedule_budget_use(what_if, option)
        budgets.append(use.assign(scenario=scenario.name)[["fiscal_year", "scenario", "spend", "budget"]])
    every = sorted(set().union(*membership.values()))
    names = dict(zip(model.project_ids.astype(str), model.names.astype(str), strict=True))
    projects = pd.DataFrame({"project_id": every, "name": [names.get(p, "") for p in every]})
    chosen_by = pd.DataFrame({column: [p in members for p in every] for column, members in membership.items()})
    projects = projects.assign(in_all=chosen_by.all(axis=1).to_numpy()).join(chosen_by)
    projects = projects.sort_values(["in_all", "project_id"], ignore_index=True)
    return {
        "summary": pd.DataFrame(rows),
        "projects": projects,
        "budget": pd.concat(budgets, ignore_index=True),
        "starts": pd.DataFrame(starts, columns=["scenario_id", "name", "project_id", "start"]),
    }


# --- Decisions -------------------------------------------------------------------------------------------------

#: Longest rationale accepted: a paragraph or two of minutes, not a document.
MAX_RATIONALE_LENGTH = 2000
#: Longest identity accepted as who decided (an email address or a display name).
MAX_DECIDED_BY_LENGTH = 200
#: Stages in which a project decided out has started after all.
STARTED_STAGES = (ACTIVE_STAGE, DONE_STAGE)

_DECISION_SQL = """
SELECT d.decision_id, d.scenario_id, s.name, d.decided_at, d.decided_by, d.rationale
FROM decisions d LEFT JOIN scenarios s USING (scenario_id)
"""
# Newest first; rowid (insertion order, which an append-only table never reshuffles) breaks a tie on decided_at.
_NEWEST_FIRST = " ORDER BY d.decided_at DESC, d.rowid DESC"


@dataclass(frozen=True)
class Decision:
    """A recorded decision: which scenario the room chose, who recorded it, when and why, and what it chose.

    ``chosen`` and ``params`` are the selection and settings as they were decided (kept with the decision), so a
    later change to the scenario's rows cannot change what was decided. ``baseline`` is False for a decision
    written before Quarterdeck kept what decisions expected (or by another tool): then ``chosen`` and ``params``
    are the scenario's as they are now, and the expected figures are unknown.
    """

    decision_id: str
    scenario_id: str
    name: str | None
    decided_at: datetime
    decided_by: str
    rationale: str | None
    chosen: tuple[str, ...]
    params: dict
    baseline: bool


def _clean_text(value, what: str, longest: int) -> str:
    cleaned = str(value or "").strip()
    if not cleaned:
        raise ScenarioError(f"A decision needs {what}.")
    if len(cleaned) > longest:
        raise ScenarioError(f"{what.capitalize()} can have at most {longest} characters; this one has {len(cleaned)}.")
    return cleaned


def _selection_facts(model: optimize.PortfolioModel, params: dict, chosen: Sequence[str]) -> dict:
    """Return forward spend, rNPV and over-booked team-months of a selection under its settings on ``model``."""
    what_if = optimize.apply_what_if(model, check_params(params))
    mask = _chosen_mask(model, chosen)
    totals = optimize.selection_totals(what_if, mask)
    cells = optimize.capacity_use(what_if, mask)
    # Over-booked against the teams' capacity (with flex), not against the what-if's limit, which lets the plan keep
    # its own over-booking: a decided selection is the plan, and its over-bookings are what the check looks for.
    over = cells[cells["demand_fte"] > cells["capacity_fte"] * (1.0 + what_if.params.flex) + TINY]
    return {
        "forward_spend": totals["spend"],
        "rnpv": totals["rnpv"],
        "overbooked": over[["team_id", "team", "period", "demand_fte", "limit_fte"]].reset_index(drop=True),
    }


def _project_states(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Return every project's name, stage and effective health (stored, else EVM; None without) as they are now."""
    projects = con.execute("SELECT project_id, name, stage FROM projects ORDER BY project_id").df()
    health = effective_health(con)[["project_id", "health"]]
    merged = projects.merge(health, on="project_id", how="left")
    return {
        p: {"name": n, "stage": s, "health": None if pd.isna(h) else h}
        for p, n, s, h in zip(merged["project_id"], merged["name"], merged["stage"], merged["health"], strict=True)
    }


def record_decision(con: duckdb.DuckDBPyConnection, scenario_id: str, decided_by: str, rationale: str) -> str:
    """Record that a scenario was decided; return the new decision's id (``D-`` and 12 hex digits).

    The decision and what it expects (``decision_baselines``: the settings and selection decided, each
    candidate's stage and health, the forward spend, rNPV and over-booked team-months of the selection on the
    store as it is at this moment) are written in one transaction. This is the only function that writes either
    table, and nothing updates or deletes their rows: DuckDB has no triggers or grants to refuse an UPDATE, so
    the log is append-only because no code path of Quarterdeck writes it otherwise (the imports refuse the
    table, and a decided scenario cannot be deleted).

    Parameters
    ----------
    con
        A read-write connection (or cursor) to the store.
    scenario_id
        A saved scenario whose settings hold (:func:`load_scenario`).
    decided_by
        Who records it: the signed-in identity. Not empty, at most :data:`MAX_DECIDED_BY_LENGTH` characters.
    rationale
        Why the room chose it. Not empty, at most :data:`MAX_RATIONALE_LENGTH` characters.

    Raises
    ------
    ScenarioError
        No such scenario, its settings do not hold, or who or why is empty or too long.
    """
    who = _clean_text(decided_by, "who decided", MAX_DECIDED_BY_LENGTH)
    why = _clean_text(rationale, "a rationale", MAX_RATIONALE_LENGTH)
    decision_id = f"D-{secrets.token_hex(6)}"
    with transaction(con):
        scenario = load_scenario(con, scenario_id)
        # Read inside the transaction, so the expectations are those of the store the decision was taken on.
        model = optimize.prepare_model(con)
        facts = _selection_facts(model, scenario.params, scenario.chosen)
        states = _project_states(con)
        chosen = set(scenario.chosen)
        projects = [
            {
                "project_id": p,
                "chosen": p in chosen,
                "stage": states.get(p, {}).get("stage"),
                "health": states.get(p, {}).get("health"),
            }
            for p in scenario.candidates
        ]
        overbooked = [
            {"team_id": str(r.team_id), "period": pd.Timestamp(r.period).date().isoformat()}
            for r in facts["overbooked"].itertuples()
        ]
        con.execute(
            "INSERT INTO decisions (decision_id, scenario_id, decided_at, decided_by, rationale) "
            "VALUES (?, ?, current_timestamp, ?, ?)",
            [decision_id, scenario.scenario_id, who, why],
        )
        con.execute(
            "INSERT INTO decision_baselines (decision_id, as_of, params, forward_spend, rnpv, projects, overbooked) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                decision_id,
                model.as_of,
                json.dumps(scenario.params, sort_keys=True, allow_nan=False),
                facts["forward_spend"],
                facts["rnpv"],
                json.dumps(projects),
                json.dumps(overbooked),
            ],
        )
    return decision_id


def decision_log(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every recorded decision, newest first.

    Columns: decision_id, scenario_id, name (the scenario's), decided_at, decided_by, rationale.
    """
    return con.execute(_DECISION_SQL + _NEWEST_FIRST).df()


def _decision_from_row(con: duckdb.DuckDBPyConnection, row) -> Decision:
    decision_id, scenario_id, name, decided_at, decided_by, rationale = row
    kept = con.execute(
        "SELECT params, projects FROM decision_baselines WHERE decision_id = ?", [decision_id]
    ).fetchone()
    if kept is not None:
        chosen = tuple(sorted(p["project_id"] for p in json.loads(kept[1]) if p["chosen"]))
        params = json.loads(kept[0])
    else:
        chosen = tuple(
            r[0]
            for r in con.execute(
                "SELECT project_id FROM scenario_projects WHERE scenario_id = ? AND chosen ORDER BY project_id",
                [scenario_id],
            ).fetchall()
        )
        stored = con.execute("SELECT params FROM scenarios WHERE scenario_id = ?", [scenario_id]).fetchone()
        params = json.loads(stored[0]) if stored else {}
    return Decision(
        decision_id=decision_id,
        scenario_id=scenario_id,
        name=name,
        decided_at=decided_at,
        decided_by=decided_by,
        rationale=rationale,
        chosen=chosen,
        params=params,
        baseline=kept is not None,
    )


def load_decision(con: duckdb.DuckDBPyConnection, decision_id: str) -> Decision:
    """Return a recorded decision; ``ScenarioError`` when there is none with that id."""
    row = con.execute(_DECISION_SQL + " WHERE d.decision_id = ?", [decision_id]).fetchone()
    if row is None:
        raise ScenarioError(f"There is no decision {decision_id!r} in this store.")
    return _decision_from_row(con, row)


def latest_decision(con: duckdb.DuckDBPyConnection) -> Decision | None:
    """Return the newest decision (the plan the what-if compares against), or None before any is recorded."""
    row = con.execute(_DECISION_SQL + _NEWEST_FIRST + " LIMIT 1").fetchone()
    return None if row is None else _decision_from_row(con, row)


@dataclass(frozen=True)
class DecisionCheck:
    """What has happened since a decision, from the store as it is now (:func:`decision_vs_now`).

    Project findings are tuples of project ids, sorted: ``cancelled``, ``on_hold`` and ``red`` (decided in and
    now in that stage, or in red health, stored or EVM, and not so at the decision), ``missing`` (decided in, no
    longer in the store), ``started`` (decided out and now active or completed, though not so at the decision)
    and ``still_running`` (decided out while active, and still active: not stopped as decided). ``expected_spend`` and
    ``expected_rnpv`` are the decided selection's forward spend and rNPV when decided (None without a kept
    baseline); ``now_spend`` and ``now_rnpv`` the same selection under the same settings on today's store (a
    cancelled project no longer spends or earns). ``new_overbookings``: team-months the decided selection
    over-books now that it did not at the decision (team_id, team, period, demand_fte, limit_fte).
    ``projects``: one row per project finding (finding, project_id, name, stage_then, stage_now, health_now).
    """

    decision: Decision
    as_of_then: date | None
    as_of_now: date
    cancelled: tuple[str, ...]
    on_hold: tuple[str, ...]
    red: tuple[str, ...]
    missing: tuple[str, ...]
    started: tuple[str, ...]
    still_running: tuple[str, ...]
    expected_spend: float | None
    expected_rnpv: float | None
    now_spend: float
    now_rnpv: float
    new_overbookings: pd.DataFrame
    projects: pd.DataFrame

    @property
    def nothing_changed(self) -> bool:
        """Whether no project finding and no new over-booking turned up."""
        lists = (self.cancelled, self.on_hold, self.red, self.missing, self.started, self.still_running)
        return not any(lists) and self.new_overbookings.empty


#: The project findings of a :class:`DecisionCheck`, in the order they are told, with how each is named.
FINDINGS = {
    "cancelled": "decided in, now cancelled",
    "on_hold": "decided in, now on hold",
    "red": "decided in, now in red health",
    "missing": "decided in, no longer in the store",
    "started": "decided out, started since",
    "still_running": "decided out while running, still running",
}


def decision_vs_now(
    con: duckdb.DuckDBPyConnection, decision_id: str, model: optimize.PortfolioModel | None = None
) -> DecisionCheck:
    """Check a decision against the store as it is now: what changed in what it decided, money and capacity.

    Parameters
    ----------
    con
        A connection (or cursor) to the store.
    decision_id
        A recorded decision.
    model
        The store's prepared model (``optimize.prepare_model(con)``, which is read when None); pass the cached
        one to avoid reading it again.

    Raises
    ------
    ScenarioError
        No such decision, or its settings no longer hold.
    """
    decision = load_decision(con, decision_id)
    model = optimize.prepare_model(con) if model is None else model
    kept = con.execute(
        "SELECT as_of, forward_spend, rnpv, projects, overbooked FROM decision_baselines WHERE decision_id = ?",
        [decision_id],
    ).fetchone()
    then = {}
    overbooked_then: set[tuple[str, str]] = set()
    if kept is not None:
        then = {p["project_id"]: p for p in json.loads(kept[3])}
        overbooked_then = {(c["team_id"], c["period"]) for c in json.loads(kept[4])}
    else:
        members = con.execute(
            "SELECT project_id, chosen FROM scenario_projects WHERE scenario_id = ?", [decision.scenario_id]
        ).fetchall()
        then = {p: {"project_id": p, "chosen": c, "stage": None, "health": None} for p, c in members}
    now = _project_states(con)
    chosen = set(decision.chosen)
    findings: dict[str, list[str]] = {key: [] for key in FINDINGS}
    for project_id in sorted(then):
        stage_then = then[project_id]["stage"]
        if project_id not in now:
            if project_id in chosen:
                findings["missing"].append(project_id)
            continue
        stage, health = now[project_id]["stage"], now[project_id]["health"]
        # Only what changed since counts; a decision without a kept baseline knows no "then", so all of it does.
        if project_id in chosen:
            if stage in ("cancelled", "on_hold") and stage != stage_then:
                findings[stage].append(project_id)
            elif health == "red" and then[project_id]["health"] != "red" and stage not in ("cancelled", "on_hold"):
                findings["red"].append(project_id)
        elif stage in STARTED_STAGES and stage_then not in STARTED_STAGES:
            findings["started"].append(project_id)
        elif stage == ACTIVE_STAGE and stage_then == ACTIVE_STAGE:
            findings["still_running"].append(project_id)
    facts = _selection_facts(model, decision.params, decision.chosen)
    over_now = facts["overbooked"]
    appeared = [
        (str(t), pd.Timestamp(p).date().isoformat()) not in overbooked_then
        for t, p in zip(over_now["team_id"], over_now["period"], strict=True)
    ]
    rows = [
        {
            "finding": FINDINGS[key],
            "project_id": p,
            "name": now.get(p, {}).get("name"),
            "stage_then": then[p]["stage"],
            "stage_now": now.get(p, {}).get("stage"),
            "health_now": now.get(p, {}).get("health"),
        }
        for key, ids in findings.items()
        for p in ids
    ]
    columns = ["finding", "project_id", "name", "stage_then", "stage_now", "health_now"]
    return DecisionCheck(
        decision=decision,
        as_of_then=kept[0] if kept is not None else None,
        as_of_now=model.as_of,
        **{key: tuple(ids) for key, ids in findings.items()},
        expected_spend=float(kept[1]) if kept is not None else None,
        expected_rnpv=float(kept[2]) if kept is not None else None,
        now_spend=facts["forward_spend"],
        now_rnpv=facts["rnpv"],
        new_overbookings=over_now[np.asarray(appeared, dtype=bool)].reset_index(drop=True),
        projects=pd.DataFrame(rows, columns=columns),
    )


def _ids_text(ids: Sequence[str], names: dict[str, str], limit: int = 5) -> str:
    shown = [f"{p} {names[p]}" if names.get(p) else p for p in ids[:limit]]
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return ", ".join(shown) + more


def decision_sentences(check: DecisionCheck, currency: str) -> list[str]:
    """Return what has happened since a decision, one plain sentence per finding (stored names as they are).

    The money sentence compares the decided selection's forward spend and rNPV then and now; a selection valued
    at a later valuation date has less forward spend by itself (months passed), which the sentence says.
    """
    names = dict(zip(check.projects["project_id"], check.projects["name"], strict=True))
    sentences = []
    for key, finding in FINDINGS.items():
        ids = getattr(check, key)
        if ids:
            count = len(ids)
            sentences.append(f"{count} project{'' if count == 1 else 's'} {finding}: {_ids_text(ids, names)}.")
    over = check.new_overbookings
    if len(over):
        teams = ", ".join(dict.fromkeys(over["team"].astype(str)))
        sentences.append(
            f"{len(over)} team-month{'' if len(over) == 1 else 's'} over capacity that were not at the decision "
            f"({teams})."
        )
    if check.expected_spend is None:
        sentences.append(
            "This decision was recorded without the figures it expected, so spend and rNPV cannot be compared; "
            f"today its selection spends {money(check.now_spend, currency)} forward, rNPV "
            f"{money(check.now_rnpv, currency)}."
        )
    else:
        later = (
            f" (valued at {check.as_of_now:%d %b %Y}, not {check.as_of_then:%d %b %Y}: months since then no longer "
            "count as forward)"
            if check.as_of_then != check.as_of_now
            else ""
        )
        sentences.append(
            f"Forward spend {money(check.now_spend, currency)} against {money(check.expected_spend, currency)} "
            f"expected ({_signed_money(check.now_spend - check.expected_spend, currency)}); rNPV "
            f"{money(check.now_rnpv, currency)} against {money(check.expected_rnpv, currency)} "
            f"({_signed_money(check.now_rnpv - check.expected_rnpv, currency)}){later}."
        )
    if check.nothing_changed:
        sentences.insert(
            0,
            "Every project decided in is still going, none decided out has started, "
            "and no new team-month is over capacity.",
        )
    return sentences


def _signed_money(amount: float, currency: str) -> str:
    if abs(amount) < 0.5:
        return "no change"
    return ("+" if amount > 0 else "−") + money(abs(amount), currency)
