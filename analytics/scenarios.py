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
from analytics.rules import CANDIDATE_STAGES, TINY
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


def starts_to_save(what_if: optimize.WhatIfProblem, chosen: np.ndarray, option: np.ndarray | None = None) -> dict:
    """Return ``{project_id: start date}`` for :func:`save_scenario`: chosen projects not starting at start_date.

    That is the schedule's moves (``optimize.schedule_starts``, with shifts: ``option``), and every chosen project
    the plan's decision started elsewhere and the answer keeps there (``PortfolioModel.planned_start``), so a
    scenario saved on top of a decision with starts keeps them, though they are not moves on the what-if.
    """
    model = what_if.model
    chosen = np.asarray(chosen, dtype=bool)
    starts = {}
    if model.store_start is not None:
        decided = chosen & (model.planned_start != model.store_start)
        for i in np.flatnonzero(decided):
            starts[str(model.project_ids[i])] = model.planned_start[i].astype("datetime64[D]").astype(object)
    if option is not None:
        starts.update(optimize.schedule_starts(what_if, option))
    return starts


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


def chosen_mask(model: optimize.PortfolioModel, chosen: Sequence[str]) -> np.ndarray:
    """Return ``(n,)`` bool: the model's candidates among ``chosen`` (ids no longer candidates are skipped)."""
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
        chosen = chosen_mask(model, scenario.chosen)
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


# Decisions live in analytics.decisions (they record a scenario the room chose); their names stay importable from
# here, where callers and CONTRACT.md have always found them. Imported last: analytics.decisions builds on the
# scenario functions above.
from analytics.decisions import (  # noqa: E402
    FINDINGS,
    MAX_DECIDED_BY_LENGTH,
    MAX_RATIONALE_LENGTH,
    STARTED_STAGES,
    Decision,
    DecisionCheck,
    decision_log,
    decision_sentences,
    decision_vs_now,
    latest_decision,
    load_decision,
    record_decision,
)

__all__ = [
    "COMPARE_AT_MOST",
    "FINDINGS",
    "MAX_DECIDED_BY_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_RATIONALE_LENGTH",
    "PARAM_KINDS",
    "STARTED_STAGES",
    "Decision",
    "DecisionCheck",
    "Scenario",
    "ScenarioError",
    "check_params",
    "chosen_mask",
    "compare",
    "decision_log",
    "decision_sentences",
    "decision_vs_now",
    "delete_scenario",
    "latest_decision",
    "list_scenarios",
    "load_decision",
    "load_scenario",
    "record_decision",
    "save_scenario",
    "scenario_column",
]
