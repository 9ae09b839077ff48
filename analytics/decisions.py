"""Recorded decisions: which saved scenario the room chose, who, when and why, and what has happened since.

A decision is one append-only ``decisions`` row and one ``decision_baselines`` row with what it expected (the
settings, selection and starts decided, each candidate's stage and health, the forward spend, rNPV and over-booked
team-months of the selection at the decided starts), written in one transaction by :func:`record_decision`, the
only writer. The latest decision is the plan (``optimize.PortfolioModel.in_plan``); :func:`decision_vs_now` checks
one against the store as it is now. Every name here is also importable from ``analytics.scenarios``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd

from analytics import optimize
from analytics.formatting import money
from analytics.portfolio import effective_health
from analytics.rules import ACTIVE_STAGE, DONE_STAGE, TINY
from analytics.scenarios import ScenarioError, check_params, chosen_mask, load_scenario
from analytics.store import transaction

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
    """Return forward spend, rNPV and over-booked team-months of a selection under its settings on ``model``.

    ``model`` is prepared with the decision as its plan (``optimize.prepare_model(con, decision_id)``), so its
    planned starts are the decided ones and the selection is valued at them.
    """
    what_if = optimize.apply_what_if(model, check_params(params))
    mask = chosen_mask(model, chosen)
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
    """Return every project's name, stage, effective health and start month as they are now.

    Health is the stored one, else EVM (None without); the start month is ``"2027-04"`` from ``start_date``.
    """
    projects = con.execute(
        "SELECT project_id, name, stage, strftime(start_date, '%Y-%m') AS start FROM projects ORDER BY project_id"
    ).df()
    health = effective_health(con)[["project_id", "health"]]
    merged = projects.merge(health, on="project_id", how="left")
    columns = [merged[c] for c in ("project_id", "name", "stage", "health", "start")]
    return {
        p: {"name": n, "stage": s, "health": None if pd.isna(h) else h, "start": None if pd.isna(m) else m}
        for p, n, s, h, m in zip(*columns, strict=True)
    }


def _month(start) -> str | None:
    """Return a start date as its month, ``"2027-04"``; None for none."""
    return None if start is None or pd.isna(start) else f"{pd.Timestamp(start):%Y-%m}"


def record_decision(con: duckdb.DuckDBPyConnection, scenario_id: str, decided_by: str, rationale: str) -> str:
    """Record that a scenario was decided; return the new decision's id (``D-`` and 12 hex digits).

    The decision and what it expects (``decision_baselines``: the settings and selection decided, each
    candidate's stage and health, each chosen one's decided start month (the scenario's saved start, else its
    ``start_date``), the forward spend, rNPV and over-booked team-months of the selection at those starts on the
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
        con.execute(
            "INSERT INTO decisions (decision_id, scenario_id, decided_at, decided_by, rationale) "
            "VALUES (?, ?, current_timestamp, ?, ?)",
            [decision_id, scenario.scenario_id, who, why],
        )
        # Read inside the transaction, so the expectations are those of the store the decision was taken on, with
        # this decision as the plan: its selection at its own starts.
        model = optimize.prepare_model(con, decision_id)
        facts = _selection_facts(model, scenario.params, scenario.chosen)
        states = _project_states(con)
        chosen = set(scenario.chosen)
        projects = [
            {
                "project_id": p,
                "chosen": p in chosen,
                "stage": states.get(p, {}).get("stage"),
                "health": states.get(p, {}).get("health"),
                "start": (_month(scenario.starts.get(p)) or states.get(p, {}).get("start")) if p in chosen else None,
                "start_date": states.get(p, {}).get("start"),
            }
            for p in scenario.candidates
        ]
        overbooked = [
            {"team_id": str(r.team_id), "period": pd.Timestamp(r.period).date().isoformat()}
            for r in facts["overbooked"].itertuples()
        ]
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
    and ``still_running`` (decided out while active, and still active: not stopped as decided), ``start_moved``
    (decided in to start in a month, and its ``start_date`` now says another: re-planned, started earlier or later
    than decided, or a decided shift its own plan still does not carry; the month decided is the scenario's saved
    start, else the ``start_date`` at the decision).
    ``expected_spend`` and
    ``expected_rnpv`` are the decided selection's forward spend and rNPV when decided (None without a kept
    baseline); ``now_spend`` and ``now_rnpv`` the same selection under the same settings on today's store (a
    cancelled project no longer spends or earns). ``new_overbookings``: team-months the decided selection
    over-books now that it did not at the decision (team_id, team, period, demand_fte, limit_fte).
    ``projects``: one row per project finding (finding, project_id, name, stage_then, stage_now, health_now,
    start_decided, start_then (its ``start_date`` at the decision) and start_now: months as ``"2027-04"``, None
    where unknown).
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
    start_moved: tuple[str, ...]
    expected_spend: float | None
    expected_rnpv: float | None
    now_spend: float
    now_rnpv: float
    new_overbookings: pd.DataFrame
    projects: pd.DataFrame

    @property
    def nothing_changed(self) -> bool:
        """Whether no project finding and no new over-booking turned up."""
        lists = (
            self.cancelled,
            self.on_hold,
            self.red,
            self.missing,
            self.started,
            self.still_running,
            self.start_moved,
        )
        return not any(lists) and self.new_overbookings.empty


#: The project findings of a :class:`DecisionCheck`, in the order they are told, with how each is named.
FINDINGS = {
    "cancelled": "decided in, now cancelled",
    "on_hold": "decided in, now on hold",
    "red": "decided in, now in red health",
    "missing": "decided in, no longer in the store",
    "started": "decided out, started since",
    "still_running": "decided out while running, still running",
    "start_moved": "decided to start in one month, now starting in another",
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
        The store's prepared model (``optimize.prepare_model(con)``); pass the cached one to avoid reading it
        again. Used only when its plan is this decision (the latest); otherwise, or when None, the store is read
        with this decision as the plan, so its selection is valued at its own decided starts.

    Raises
    ------
    ScenarioError
        No such decision, or its settings no longer hold.
    """
    decision = load_decision(con, decision_id)
    if model is None or model.plan_source.decision_id != decision_id:
        model = optimize.prepare_model(con, decision_id)
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
            "SELECT project_id, chosen, start FROM scenario_projects WHERE scenario_id = ?", [decision.scenario_id]
        ).fetchall()
        then = {
            p: {
                "project_id": p,
                "chosen": c,
                "stage": None,
                "health": None,
                "start": _month(start) if c else None,
                "start_date": None,
            }
            for p, c, start in members
        }
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
            # A baseline kept before decisions recorded starts has none: then only a saved shift is known.
            decided_start = then[project_id].get("start")
            if decided_start is not None and now[project_id]["start"] != decided_start:
                findings["start_moved"].append(project_id)
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
            "start_decided": then[p].get("start"),
            "start_then": then[p].get("start_date"),
            "start_now": now.get(p, {}).get("start"),
        }
        for key, ids in findings.items()
        for p in ids
    ]
    columns = [
        "finding",
        "project_id",
        "name",
        "stage_then",
        "stage_now",
        "health_now",
        "start_decided",
        "start_then",
        "start_now",
    ]
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
        if key == "start_moved":
            sentences.extend(_start_sentences(check))
        elif ids:
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
            "Every project decided in is still going and starts when decided, none decided out has started, "
            "and no new team-month is over capacity.",
        )
    return sentences


#: How many start findings get a sentence each before the rest are counted.
START_SENTENCES = 5


def _start_sentences(check: DecisionCheck) -> list[str]:
    """Return ``"P-023 Billing was decided to start 2027-04; its plan now says 2027-07."`` per start finding.

    "still says" when its ``start_date`` is what it was at the decision (a decided shift its plan does not carry
    yet), "it started" once it is active or completed.
    """
    rows = check.projects[check.projects["project_id"].isin(check.start_moved)].drop_duplicates("project_id")
    said = []
    for row in rows.head(START_SENTENCES).itertuples():
        label = f"{row.project_id} {row.name}" if row.name else row.project_id
        if row.stage_now in STARTED_STAGES:
            now = f"it started {row.start_now}"
        else:
            still = "still" if row.start_then is not None and row.start_then == row.start_now else "now"
            now = f"its plan {still} says {row.start_now or 'no start'}"
        said.append(f"{label} was decided to start {row.start_decided}; {now}.")
    if len(rows) > START_SENTENCES:
        more = len(rows) - START_SENTENCES
        said.append(f"{more} more project{'' if more == 1 else 's'} now start in another month than decided.")
    return said


def _signed_money(amount: float, currency: str) -> str:
    if abs(amount) < 0.5:
        return "no change"
    return ("+" if amount > 0 else "−") + money(abs(amount), currency)
