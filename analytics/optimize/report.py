"""What the pages show about an answer: the headline numbers and tables of a selection, and every sentence.

The solver modules return facts (amounts, ids, kinds); this module alone turns them into words and money, with
``analytics.formatting``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from analytics.formatting import counted, money
from analytics.optimize.explain import BINDING_DEPENDENCY, FIXED_MANDATORY, WhyNot
from analytics.optimize.feasibility import (
    CONFLICT_FORCED_BOTH,
    CONFLICT_NEEDS_EXCLUDED,
    CONFLICT_OVERRUN,
    Conflict,
    forced_sets,
)
from analytics.optimize.fragility import ALPHA, Fragility, Side
from analytics.optimize.model import PLAN_DECISION
from analytics.optimize.problem import FORCED_IN, FORCED_OUT, STATUS_INFEASIBLE, UNIT_FTE, UNIT_MONEY, Selection
from analytics.optimize.whatif import WhatIfProblem, schedule_totals, selection_totals
from analytics.rules import stage_label

#: How many names a sentence lists before it says "and N more".
NAMES_SHOWN = 4
#: How many binding constraints the why-not sentence names (the table lists them all).
BINDING_SHOWN = 4
UNEXPLAINED_SENTENCE = (
    "No selection meets every budget, capacity and dependency constraint with the mandatory projects."
)


def _list_names(names: Iterable[str], limit: int = NAMES_SHOWN) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def amount_text(amount: float, unit: str, currency: str | None) -> str:
    """Return a row's amount as it reads: ``"$1.2M"`` (money), ``"3.5 FTE"`` (people) or ``"1,234.50"``."""
    if unit == UNIT_MONEY:
        return money(amount, currency)
    if unit == UNIT_FTE:
        return f"{amount:.1f} FTE"
    return f"{amount:,.2f}"


def conflict_sentence(conflict: Conflict | None) -> str | None:
    """Return one sentence naming the constraint of an infeasible answer (None for None)."""
    if conflict is None:
        return None
    why_in = conflict.why_in or "is mandatory"
    if conflict.kind == CONFLICT_FORCED_BOTH:
        if why_in == FORCED_IN and conflict.why_out == FORCED_OUT:
            return (
                f"{conflict.project} is in both “Must be in” and “Must be out”: neither list wins, so take it out "
                "of one of them."
            )
        return f"{conflict.project} {why_in} but {conflict.why_out}."
    if conflict.kind == CONFLICT_NEEDS_EXCLUDED:
        through = f" (through {' → '.join(conflict.through)})" if conflict.through else ""
        return f"{conflict.project} {why_in} but needs {conflict.needed}, which {conflict.why_out}{through}."
    if conflict.kind != CONFLICT_OVERRUN:
        return UNEXPLAINED_SENTENCE
    one = len(conflict.mandatory) == 1
    if conflict.mandatory:
        names = _list_names(conflict.mandatory)
        if conflict.all_mandatory:
            who = f"Mandatory {'project' if one else 'projects'} {names}"
        else:
            who = f"{'Project' if one else 'Projects'} {names}, which must be in,"
    else:
        who, one = "The projects that must be in", False
    if conflict.pulled_in:
        joint = "," if conflict.all_mandatory and conflict.mandatory else ""
        needs = "it needs" if one else "they need"
        who += f"{joint} with {_list_names(conflict.pulled_in)} which {needs},"
    need = amount_text(conflict.need, conflict.unit, conflict.currency)
    limit = amount_text(conflict.limit, conflict.unit, conflict.currency)
    return f"{who} {'needs' if one else 'need'} {need} of {conflict.row_label}, which holds only {limit}."


def _effect(value_change: float, base_objective: float, rnpv_change: float, currency: str) -> str:
    """Return ``"changes rNPV by −$2.3M (blended objective −0.035, −0.02 %)"``: money first, the objective after."""
    share = value_change / abs(base_objective) if base_objective else float("nan")
    share_text = f", {share:+.2%}" if np.isfinite(share) else ""
    return (
        f"changes rNPV by {'+' if rnpv_change >= 0 else ''}{money(rnpv_change, currency)} "
        f"(blended objective {value_change:+.3f}{share_text})"
    )


def binding_rows(what_if: WhatIfProblem, why: WhyNot) -> list[dict]:
    """Return the why-not's binding constraints as table rows: ``constraint``, ``kind``, ``over by`` (words)."""
    return [{"constraint": b.label, "kind": b.kind, "over by": _over_text(what_if, b)} for b in why.binding]


def _over_text(what_if: WhatIfProblem, binding) -> str:
    if binding.kind == BINDING_DEPENDENCY:
        return "not chosen"
    return amount_text(binding.over, what_if.problem.row_unit(binding.row), what_if.model.currency)


def why_not_sentence(what_if: WhatIfProblem, why: WhyNot) -> str:
    """Return the why-not answer in one sentence for the page."""
    model = what_if.model
    i = model._index[why.project_id]
    label = model.label(i)
    if why.fixed == FIXED_MANDATORY:
        return f"{label} is mandatory: it stays in whatever it costs."
    if why.fixed is not None:
        stage = stage_label(model.unmet_stage[i])
        return f"{label} cannot be added: it needs {model.unmet_dependency[i]}, which is {stage}."
    if why.flipped.status == STATUS_INFEASIBLE:
        conflict = conflict_sentence(why.flipped.conflict)
        return f"{label} cannot be {'left out' if why.chosen else 'added'}: {conflict}"
    effect = _effect(why.value_change, why.base_value, why.rnpv_change, model.currency)
    proven = "" if why.flipped.proven else " (best found so far, not yet proven)"
    if why.chosen:
        displaced = _list_names(why.entering) if why.entering else "nothing"
        # Kept by a rule (in flight, in the plan, forced in), a project is not in on its merits: say which rule,
        # else a board reads "leaving it out raises the objective" beside a project that stays in.
        kept = what_if.problem.in_reason[i] if what_if.problem.in_reason is not None else None
        if kept is not None:
            return f"{label} is in because it {kept}. Left out, {displaced} would come in; that {effect}{proven}."
        return f"{label} displaces {displaced}; leaving it out {effect}{proven}."
    reasons = (
        "; ".join(
            f"{b.label} (over by {_over_text(what_if, b)})" if b.kind != BINDING_DEPENDENCY else f"needs {b.label}"
            for b in why.binding[:BINDING_SHOWN]
        )
        or "nothing binds: its value is too low"
    )
    return f"Forcing {label} in {effect}{proven}. In the way: {reasons}."


def selection_summary(what_if: WhatIfProblem, chosen: np.ndarray) -> dict:
    """Return the headline numbers of a selection and of the current plan for comparison.

    Keys: ``selection_totals`` (``projects``, ``value``, ``rnpv`` net of stop costs, ``strategic_score`` mean
    over the chosen, ``spend`` with the overrun and stop costs, ``stopped``, ``stop_cost``), ``budget`` (sum over
    fiscal years), the same with a ``plan_`` prefix for ``PortfolioModel.in_plan`` valued under the same
    settings; ``budget_use`` (spend / budget, NaN without a budget); ``added``, ``dropped`` (plan projects left
    out, stops included) and ``stops`` (active plan projects left out) count the changes.
    """
    chosen = np.asarray(chosen, dtype=bool)
    plan = what_if.model.in_plan
    mine, theirs = selection_totals(what_if, chosen), selection_totals(what_if, plan)
    budget = float(what_if.budget.sum())
    return {
        **mine,
        "budget": budget,
        "budget_use": mine["spend"] / budget if budget > 0 else float("nan"),
        **{f"plan_{k}": v for k, v in theirs.items()},
        "added": int((chosen & ~plan).sum()),
        "dropped": int((plan & ~chosen).sum()),
        "stops": int((plan & ~chosen & what_if.model.active).sum()),
    }


def selection_table(what_if: WhatIfProblem, chosen: np.ndarray) -> pd.DataFrame:
    """Return one row per candidate with its place in the selection and the plan.

    Columns: ``project_id``, ``name``, ``stage``, ``mandatory``, ``in_plan``, ``chosen``, ``change``
    (``"stopped"`` an active plan project left out, ``"dropped"`` another plan project left out, ``"added"``, or
    ``""``), ``value``, ``rnpv``, ``strategic_score``, ``spend``, ``stop_cost`` (what stopping it costs, for an
    active project), ``rnpv_change`` (what the change does to the portfolio's rNPV: its rNPV when added; minus
    its rNPV, and minus its stop cost when stopped, when left out).
    """
    model = what_if.model
    chosen = np.asarray(chosen, dtype=bool)
    dropped = model.in_plan & ~chosen
    change = np.where(
        chosen & ~model.in_plan, "added", np.where(dropped & model.active, "stopped", np.where(dropped, "dropped", ""))
    )
    stop_cost = np.where(model.active, what_if.stop_cost, np.nan)
    rnpv_change = np.where(
        chosen & ~model.in_plan, what_if.rnpv, np.where(dropped, -what_if.rnpv - what_if.stop_cost, 0.0)
    )
    return pd.DataFrame(
        {
            "project_id": model.project_ids.astype(str),
            "name": model.names.astype(str),
            "stage": model.stages.astype(str),
            "mandatory": model.mandatory,
            "in_plan": model.in_plan,
            "chosen": chosen,
            "change": change,
            "value": what_if.value,
            "rnpv": what_if.rnpv,
            "strategic_score": what_if.strategic_score,
            "spend": what_if.cost_by_year.sum(axis=1),
            "stop_cost": stop_cost,
            "rnpv_change": rnpv_change,
        }
    )


def budget_use(what_if: WhatIfProblem, chosen: np.ndarray) -> pd.DataFrame:
    """Return per fiscal year: ``fiscal_year``, ``budget``, ``spend`` (chosen), ``plan_spend``, ``utilisation``.

    Spend is ``WhatIfProblem.spend_by_year``: forward cost with the overrun, stop costs in the first year.
    """
    spend = what_if.spend_by_year(chosen)
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(what_if.budget > 0, spend / what_if.budget, np.nan)
    return pd.DataFrame(
        {
            "fiscal_year": what_if.model.fiscal_years,
            "budget": what_if.budget,
            "spend": spend,
            "plan_spend": what_if.spend_by_year(what_if.model.in_plan),
            "utilisation": utilisation,
        }
    )


def capacity_use(what_if: WhatIfProblem, chosen: np.ndarray) -> pd.DataFrame:
    """Return demand against capacity per team and month for a selection.

    Columns: ``team_id``, ``team``, ``period``, ``capacity_fte`` (after the what-if deltas), ``limit_fte`` (with
    flex, plus the plan's own over-booking, which the plan keeps), ``demand_fte`` (chosen), ``plan_demand_fte``,
    ``utilisation`` = demand / capacity.
    """
    model = what_if.model
    chosen = np.asarray(chosen, dtype=bool)
    n_teams, n_months = model.capacity_fte.shape
    demand = np.asarray(model.demand_fte.T @ chosen.astype(float)).ravel()
    plan_demand = np.asarray(model.demand_fte.T @ model.in_plan.astype(float)).ravel()
    capacity = what_if.capacity_fte.ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(capacity > 0, demand / capacity, np.where(demand > 0, np.inf, np.nan))
    return pd.DataFrame(
        {
            "team_id": np.repeat(model.teams.astype(str), n_months),
            "team": np.repeat(model.team_names.astype(str), n_months),
            "period": np.tile(model.months, n_teams),
            "capacity_fte": capacity,
            "limit_fte": capacity * (1.0 + what_if.params.flex) + model.plan_overbooked_fte.ravel(),
            "demand_fte": demand,
            "plan_demand_fte": plan_demand,
            "utilisation": utilisation,
        }
    )


def _columns(what_if: WhatIfProblem, option: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    option = np.asarray(option, dtype=np.int64)
    return option >= 0, (None if what_if.options is None else what_if.options.columns(option))


def moved_projects(what_if: WhatIfProblem, option: np.ndarray) -> pd.DataFrame:
    """Return the chosen projects a schedule starts away from their planned start, the largest value change first.

    Columns: ``project_id``, ``name``, ``planned_start``, ``start`` (first days of months), ``months`` (+ later,
    − earlier), ``rnpv_planned``, ``rnpv`` (money at each start: a later start is worth less at the valuation
    date), ``rnpv_change``, ``value_change`` (in the blended objective's units). Empty at shift 0.
    """
    columns = [
        "project_id",
        "name",
        "planned_start",
        "start",
        "months",
        "rnpv_planned",
        "rnpv",
        "rnpv_change",
        "value_change",
    ]
    _, chosen_columns = _columns(what_if, option)
    if chosen_columns is None:
        return pd.DataFrame(columns=columns)
    options = what_if.options
    moved = np.flatnonzero(chosen_columns & (options.offset != 0))
    owner = options.schedule.owner[moved]
    model = what_if.model
    table = pd.DataFrame(
        {
            "project_id": model.project_ids[owner].astype(str),
            "name": model.names[owner].astype(str),
            "planned_start": (options.start_month[moved] - options.offset[moved]).astype("datetime64[D]"),
            "start": options.start_month[moved].astype("datetime64[D]"),
            "months": options.offset[moved].astype(int),
            "rnpv_planned": what_if.rnpv[owner],
            "rnpv": options.rnpv[moved],
            "rnpv_change": options.rnpv[moved] - what_if.rnpv[owner],
            "value_change": options.schedule.value[moved] - what_if.value[owner],
        },
        columns=columns,
    )
    order = np.lexsort((table["project_id"].to_numpy(), -table["rnpv_change"].abs().to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def schedule_summary(what_if: WhatIfProblem, option: np.ndarray) -> dict:
    """Return :func:`selection_summary` of a schedule: ``value``, ``rnpv``, ``spend`` and ``budget_use`` at its starts.

    The plan's figures (``plan_*``) stay at the planned starts; at shift 0 this is ``selection_summary``.
    """
    option = np.asarray(option, dtype=np.int64)
    summary = selection_summary(what_if, option >= 0)
    totals = schedule_totals(what_if, option)
    summary.update(value=totals["value"], rnpv=totals["rnpv"], spend=totals["spend"])
    budget = summary["budget"]
    summary["budget_use"] = totals["spend"] / budget if budget > 0 else float("nan")
    return summary


def schedule_budget_use(what_if: WhatIfProblem, option: np.ndarray) -> pd.DataFrame:
    """Return :func:`budget_use` of a schedule: ``spend`` at the chosen starts (``plan_spend`` stays the plan's)."""
    chosen, columns = _columns(what_if, option)
    table = budget_use(what_if, chosen)
    if columns is None:
        return table
    spend = what_if.options.cost_by_year[columns].sum(axis=0)
    if len(spend):
        spend[0] += what_if.stop_cost[what_if.stopped(chosen)].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(what_if.budget > 0, spend / what_if.budget, np.nan)
    return table.assign(spend=spend, utilisation=utilisation)


def schedule_capacity_use(what_if: WhatIfProblem, option: np.ndarray) -> pd.DataFrame:
    """Return :func:`capacity_use` of a schedule, before and after the shifts: the heatmap's two states.

    ``demand_fte`` is the chosen projects' demand at their chosen starts, ``planned_demand_fte`` the same projects
    at their planned starts (before), ``plan_demand_fte`` the plan's; ``utilisation`` is ``demand_fte`` over
    capacity.
    """
    chosen, columns = _columns(what_if, option)
    table = capacity_use(what_if, chosen)
    table["planned_demand_fte"] = table["demand_fte"].to_numpy()
    if columns is None:
        return table
    schedule = what_if.options.schedule
    demand = np.asarray(schedule.usage[schedule.budget_rows :] @ columns.astype(float)).ravel()
    capacity = table["capacity_fte"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(capacity > 0, demand / capacity, np.where(demand > 0, np.inf, np.nan))
    return table.assign(demand_fte=demand, utilisation=utilisation)


def plan_sentence(model) -> str:
    """Return what the what-if compares against: ``"vs plan: Board pick, decided 2026-02-01 by Ana Costa"``.

    A decision taken with start shifts says how many of its projects start where it decided (not at their
    ``start_date``), and that a start shift moves them from there (``PortfolioModel.planned_start``).
    """
    source = model.plan_source
    if source.kind == PLAN_DECISION:
        when = source.decided_at.date().isoformat() if hasattr(source.decided_at, "date") else str(source.decided_at)
        said = f"vs plan: {source.scenario_name}, decided {when} by {source.decided_by} (and the mandatory projects)"
        moved = 0 if model.store_start is None else int((model.planned_start != model.store_start).sum())
        if moved:
            one = moved == 1
            said += (
                f", at its decided starts ({moved} project{'' if one else 's'} moved from {'its' if one else 'their'} "
                "start date; start shifts count from the decided start)"
            )
        return said
    return (
        "vs plan: the committed projects (approved and active), the mandatory ones and what they need; "
        "no decision is recorded yet"
    )


def baseline_sentence(what_if: WhatIfProblem) -> str:
    """Return the one line that reconciles live work, the plan and the budget over the horizon, in money.

    Live: the forward cost of every candidate (proposed, approved, active); the plan: its forward spend (the 100 %);
    the budget: what these settings allow, and how it is made (a share of the plan, its run-rate floor, or per year).
    """
    model, params = what_if.model, what_if.params
    currency = model.currency
    live = float(what_if.cost_by_year.sum())
    plan = float(what_if.spend_by_year(model.in_plan).sum())
    budget = float(what_if.budget.sum())
    if params.budget_by_year is not None:
        how = "set per fiscal year"
    else:
        floor = " with the run-rate floor" if params.run_rate_floor else ""
        how = f"{params.budget_pct:.0f} % of the plan's money{floor}"
    return (
        f"Forward cost of all {model.n:,} live candidates {money(live, currency)} · the plan "
        f"({counted(int(model.in_plan.sum()), 'project')}) spends {money(plan, currency)} · "
        f"budget {money(budget, currency)} ({how})."
    )


def objective_definition(what_if: WhatIfProblem) -> str:
    """Return the blended objective's definition with these settings' numbers (it is never shown without it)."""
    alpha, scale = what_if.params.alpha, what_if.rnpv_scale
    return (
        f"The optimiser maximises the blended objective Σ over chosen projects of (1 − α) · rNPV / {money(scale)} "
        f"+ α · strategic score, with α = {alpha:.2f} and {money(scale)} the largest |rNPV| of any candidate; "
        "a stopped project's stop cost counts against it like rNPV. It has no unit: compare it only between "
        "settings with the same α."
    )


def _lever_name(what_if: WhatIfProblem, lever: str) -> str:
    """Return ``"α"`` or ``"the weight of Grow recurring revenue"``."""
    model = what_if.model
    if lever == ALPHA:
        return "α"
    names = dict(zip((str(o) for o in model.objective_ids), model.objective_names, strict=True))
    return f"the weight of {names.get(lever, lever)}"


def _lever_number(value: float, beside: float | None = None) -> str:
    """Return a lever value with two decimals, more when two would read as ``beside``; the ends 0 and 1 bare."""
    if not np.isfinite(value):
        return "no limit"
    if value in (0.0, 1.0):
        return f"{value:g}"
    for digits in (2, 3, 4):
        text = f"{value:.{digits}f}"
        if beside is None or text != f"{beside:.{digits}f}":
            break
    return text


def _change_words(side: Side) -> str:
    """Return ``"P-023 leaves"`` / ``"P-011 comes in and P-023 leaves"``: what the first change does."""
    parts = []
    if side.entering:
        parts.append(f"{_list_names(side.entering)} {'comes' if len(side.entering) == 1 else 'come'} in")
    if side.leaving:
        parts.append(f"{_list_names(side.leaving)} {'leaves' if len(side.leaving) == 1 else 'leave'}")
    return " and ".join(parts)


def fragility_sentence(what_if: WhatIfProblem, side: Side) -> str:
    """Return one side of a lever in words: ``"α can move from 0.30 up to 0.41 before P-023 leaves."``."""
    name = _lever_name(what_if, side.lever)
    lever = name.replace("the", "The", 1) if name.startswith("the") else name
    now = _lever_number(side.current)
    way = "up" if side.direction > 0 else "down"
    if side.holds:
        limit = "any value" if not np.isfinite(side.holds_to) else _lever_number(side.holds_to)
        return f"{lever} can move from {now} {way} to {limit} and the selection stays the same."
    if side.exact:
        limit = _lever_number(side.changed_by, side.current)
        return f"{lever} can move from {now} {way} to {limit} before {_change_words(side)}."
    solves = f"{side.solves} exact solve{'s' if side.solves != 1 else ''}"
    holds_to = _lever_number(side.holds_to, side.current)
    if not (side.entering or side.leaving):
        return f"{lever} can move from {now} {way} to at least {holds_to}; {solves} did not settle what happens beyond."
    changed_by = _lever_number(side.changed_by, side.holds_to)
    narrowed = f"{_change_words(side)}; {solves} did not narrow it further"
    if side.holds_to == side.current:
        return f"Moving {name} {way} from {now} changes the selection by {changed_by} at the latest ({narrowed})."
    return (
        f"{lever} can move from {now} {way} to at least {holds_to}, and changes the selection by {changed_by} at "
        f"the latest ({narrowed})."
    )


def _range_end(side: Side | None) -> str:
    """Return where the chosen set stops holding on one side: the breakpoint, the end, or ``low…high``."""
    if side is None:
        return "?"
    if side.holds:
        return _lever_number(side.holds_to) if np.isfinite(side.holds_to) else "∞"
    if side.exact:
        return _lever_number(side.changed_by, side.current)
    low, high = sorted((side.holds_to, side.changed_by))
    return f"{_lever_number(low)}…{_lever_number(high, low) if np.isfinite(high) else '∞'}"


def fragility_rows(what_if: WhatIfProblem, found: Fragility) -> list[dict]:
    """Return one row per lever: ``lever``, ``now``, ``same answer`` (the range that keeps the chosen set).

    A range end is the exact breakpoint, the lever's end (0, 1, ∞) when the set holds all the way, ``low…high``
    where only a bound is known, or ``?`` when that side was not worked out.
    """
    model = what_if.model
    names = dict(zip((str(o) for o in model.objective_ids), model.objective_names, strict=True))
    rows = []
    for lever in dict.fromkeys(s.lever for s in found.sides):
        down, up = found.side(lever, -1), found.side(lever, 1)
        rows.append(
            {
                "lever": "α (money ↔ strategy)" if lever == ALPHA else str(names.get(lever, lever)),
                "now": _lever_number((down or up).current),
                "same answer": f"{_range_end(down)} to {_range_end(up)}",
            }
        )
    return rows


def fragility_summary(found: Fragility) -> str:
    """Return how the fragility was worked out: solves, seconds, and what exact means here."""
    bounds = sum(not (s.exact or s.holds) for s in found.sides)
    how = "every limit exact" if not bounds else f"{bounds} limit{'s' if bounds != 1 else ''} known only as a range"
    return (
        f"One lever at a time, the others as set: {found.solves} exact solves in {found.seconds:.1f} s, {how} "
        f"(a range is narrowed to {found.resolution:g} of α or of a weight's share of the total weight, with at most "
        f"{found.max_solves} solves a side)."
    )


def moved_sentence(what_if: WhatIfProblem, moved: pd.DataFrame) -> str:
    """Return the line above the moved-projects table (``moved`` from ``moved_projects``): how many, which way, worth.

    ``"**What moves**: 3 projects start away from plan (2 later, 1 earlier); at their new starts their rNPV
    changes by −$0.4M."``
    """
    shift = what_if.params.shift
    if moved.empty:
        return (
            f"**What moves**: nothing; every chosen project starts as planned (shifts of up to {shift} month"
            f"{'' if shift == 1 else 's'} are allowed, and none is worth it)."
        )
    count = len(moved)
    later, earlier = int((moved["months"] > 0).sum()), int((moved["months"] < 0).sum())
    ways = ", ".join(
        part for part in (f"{later} later" if later else "", f"{earlier} earlier" if earlier else "") if part
    )
    change = float(moved["rnpv_change"].sum())
    return (
        f"**What moves**: {count} project{'' if count == 1 else 's'} start{'s' if count == 1 else ''} away from "
        f"plan ({ways}); at the new starts {'its' if count == 1 else 'their'} rNPV changes by "
        f"{'+' if change >= 0 else ''}{money(change, what_if.model.currency)}."
    )


def moved_rows(moved: pd.DataFrame) -> pd.DataFrame:
    """Return the moved-projects table as shown.

    Columns ``project_id``, ``name``, ``move`` (``"Mar 2027 → Jun 2027"``), ``months`` and ``rnpv_change``.
    """

    def month(values) -> list[str]:
        return [pd.Timestamp(v).strftime("%b %Y") for v in values]

    move = [f"{a} → {b}" for a, b in zip(month(moved["planned_start"]), month(moved["start"]), strict=True)]
    return pd.DataFrame(
        {
            "project_id": moved["project_id"].to_numpy(),
            "name": moved["name"].to_numpy(),
            "move": move,
            "months": moved["months"].to_numpy(),
            "rnpv_change": moved["rnpv_change"].to_numpy(),
        }
    )


#: How sure an answer is, as the page shows it (``answer_status``'s first item).
ANSWER_INFEASIBLE = "infeasible"
ANSWER_PROVING = "proving"
ANSWER_FIXED = "fixed"
ANSWER_PROVEN = "proven"
ANSWER_STOPPED = "stopped"


def answer_status(what_if: WhatIfProblem, selection: Selection, proving: bool) -> tuple[str, str]:
    """Return how sure the answer on screen is, and the sentence that says so: ``(kind, sentence)``.

    ``kind`` is ``"infeasible"`` (the conflict, and what would make room), ``"proving"`` (the fast answer and its
    gap while the proof runs), ``"fixed"`` (the settings leave nothing to choose), ``"proven"`` or ``"stopped"``
    (stopped before the proof, with the gap). With start shifts the answer is a schedule, and says so.
    """
    must_in, must_out = forced_sets(what_if.problem)
    free = int((~must_in & ~must_out).sum())
    shift = what_if.params.shift
    what = "selection" if not shift else "schedule"
    if selection.status == STATUS_INFEASIBLE:
        conflict = selection.conflict
        hint = ""
        if conflict is not None and conflict.kind == CONFLICT_OVERRUN and not conflict.all_mandatory:
            hint = (
                " To cut below the plan, turn on “Allow dropping planned projects” or “Allow stopping active "
                "projects”, or raise the budget."
            )
        return ANSWER_INFEASIBLE, f"No portfolio meets these settings: {conflict_sentence(conflict)}{hint}"
    if proving:
        return ANSWER_PROVING, (
            f"Best {what} found so far, within {selection.gap:.1%} of the optimum; proving the optimum…"
        )
    if not free:
        return ANSWER_FIXED, (
            "Nothing is left to choose: every candidate is fixed by these settings (kept from the plan, mandatory, "
            "forced or blocked), so the answer is what they fix."
        )
    if selection.proven:
        when = (
            ""
            if not shift
            else f" (which projects, and when each starts, up to {shift} month{'' if shift == 1 else 's'} from plan)"
        )
        return ANSWER_PROVEN, (
            f"Proven optimal: no {what} of the {free} candidates these settings leave free{when} is worth more "
            f"(solved in {selection.seconds:.2f} s)."
        )
    return ANSWER_STOPPED, (
        f"Stopped before proving the optimum ({selection.status.replace('_', ' ')}): at most {selection.gap:.1%} "
        "from it."
    )
