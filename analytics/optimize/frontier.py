"""The efficient frontier (the best value at each budget level) and the PPM suites' ranking curve beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.optimize.feasibility import allowance, bundle, forced_sets, requirement_lists
from analytics.optimize.heuristics import solve_fast, solve_greedy
from analytics.optimize.highs import solve_exact
from analytics.optimize.problem import STATUS_INFEASIBLE, Problem
from analytics.optimize.schedule import solve_schedule_exact, solve_schedule_fast
from analytics.optimize.whatif import WhatIfProblem, base_budget, budget_limits, schedule_totals, selection_totals

if TYPE_CHECKING:
    from analytics.optimize.background import CancelToken

DEFAULT_FRONTIER_PCTS = tuple(range(40, 161, 10))


def with_limits(problem: Problem, limit: np.ndarray) -> Problem:
    """Return ``problem`` with other right-hand sides."""
    return replace(problem, limit=np.asarray(limit, dtype=float))


def efficient_frontier(
    what_if: WhatIfProblem,
    budget_pcts: Sequence[float] = DEFAULT_FRONTIER_PCTS,
    *,
    exact: bool = True,
    time_limit: float | None = 20.0,
    token: CancelToken | None = None,
) -> pd.DataFrame:
    """Return the best value at each budget level, every other setting as in ``what_if``.

    Each level scales the budget of every fiscal year (``budget_pct`` of the plan's, like the slider; explicit
    per-year budgets scale too). Levels are solved from the smallest up; the optimum one level down stays
    feasible with more money. Beside each point: the plain value/cost ranking at the same
    budget and constraints, so the figure shows what exactness buys. Levels are warm-started from the better of
    their fast answer and the optimum below.

    Parameters
    ----------
    what_if
        The settings (their budget level is ignored; see ``budget_pcts``).
    budget_pcts
        Budget levels in percent of the plan's.
    exact
        True: HiGHS per level (``status`` says whether each is proven). False: ``solve_fast`` per level.
    time_limit
        Seconds per exact level.
    token
        Stops the sweep early (levels not reached are left out), as a ``BackgroundSolver`` does when the settings
        change.

    Returns
    -------
    pandas.DataFrame
        One row per level: ``budget_pct``, ``budget`` (total over the fiscal years, money), ``value``,
        ``rnpv``, ``strategic_score`` (mean over the chosen), ``spend``, ``projects``, ``stopped``, ``stop_cost``
        (``selection_totals``), ``status``, ``gap``, ``ranking_value`` and ``ranking_rnpv`` (the value/cost
        greedy's), ``chosen`` (bool array per level). With start shifts on (``what_if.schedule``), each level is
        the best *schedule* (``solve_schedule_exact``), its totals at the chosen starts, plus ``option`` (the
        chosen start option per candidate); the ranking stays the plain one at planned starts.
    """
    problem, at_100 = what_if.problem, base_budget(what_if.model, what_if.params)
    rows, previous = [], None
    for pct in sorted(budget_pcts):
        if token is not None and token.cancelled:
            break
        budget = at_100 * pct / 100.0
        level = with_limits(problem, np.r_[budget_limits(what_if, budget), problem.limit[problem.budget_rows :]])
        if what_if.schedule is not None:
            selection = _schedule_level(what_if, level, exact, time_limit, token, previous)
            if token is not None and token.cancelled:
                break
            if selection.feasible:
                previous = selection.option
            rows.append(
                {
                    "budget_pct": float(pct),
                    "budget": float(budget.sum()),
                    **schedule_totals(what_if, selection.option, selection.feasible),
                    "status": selection.status,
                    "gap": selection.gap,
                    **_ranking_columns(what_if, level),
                    "chosen": selection.chosen,
                    "option": selection.option,
                }
            )
            continue
        fast = solve_fast(level)
        selection = fast
        if exact and fast.status != STATUS_INFEASIBLE:
            # Start from the better of this level's fast answer and the optimum one level down.
            start = fast.chosen
            if previous is not None and level.value[previous].sum() > fast.objective:
                start = previous
            selection = solve_exact(level, time_limit=time_limit, start=start, token=token)
        if token is not None and token.cancelled:
            break
        if selection.feasible:
            previous = selection.chosen
        rows.append(
            {
                "budget_pct": float(pct),
                "budget": float(budget.sum()),
                **selection_totals(what_if, selection.chosen, selection.feasible),
                "status": selection.status,
                "gap": selection.gap,
                **_ranking_columns(what_if, level),
                "chosen": selection.chosen,
            }
        )
    return _frontier_frame(rows)


def _ranking_columns(what_if: WhatIfProblem, level: Problem) -> dict:
    """Return the ranked list's value and rNPV at this level (value ÷ cost, in order): the frontier's baseline."""
    ranking = solve_greedy(level)
    totals = selection_totals(what_if, ranking.chosen, ranking.feasible)
    return {"ranking_value": totals["value"], "ranking_rnpv": totals["rnpv"]}


def _schedule_level(what_if: WhatIfProblem, level: Problem, exact: bool, time_limit, token, previous):
    """Return the best schedule at one frontier level (start shifts on), warm-started like a selection level."""
    schedule = replace(what_if.schedule, limit=level.limit, base=level, _model={})
    fast = solve_schedule_fast(schedule)
    if not exact or fast.status == STATUS_INFEASIBLE:
        return fast
    start = fast.option
    if previous is not None and schedule.is_feasible(previous) and schedule.objective_of(previous) > fast.objective:
        start = previous
    return solve_schedule_exact(schedule, time_limit=time_limit, start=start, token=token)


def _frontier_frame(rows: list[dict]) -> pd.DataFrame:
    starts = ["option"] if rows and "option" in rows[0] else []
    return pd.DataFrame(
        rows,
        columns=[
            "budget_pct",
            "budget",
            "value",
            "rnpv",
            "strategic_score",
            "spend",
            "projects",
            "stopped",
            "stop_cost",
            "status",
            "gap",
            "ranking_value",
            "ranking_rnpv",
            "chosen",
            *starts,
        ],
    )


def ranking_curve(what_if: WhatIfProblem) -> pd.DataFrame:
    """Return the PPM suites' "frontier": candidates by value per unit of spend, accumulated.

    Mandatory candidates (and what they need) come first, then, best ``value / spend`` first (spend = forward
    cost over all fiscal years, with the overrun), every candidate whose bundle (itself and the candidates it
    needs that are not listed yet, listed just before it) has positive value and nothing forced out. Budget is
    the x axis; ``fits`` says whether the list up to that row also respects capacity (with flex), which the
    ranking ignores.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``project_id``, ``name``, ``spend``, ``value``, ``cumulative_spend``, ``cumulative_value``,
        ``fits``.
    """
    model, problem = what_if.model, what_if.problem
    spend = what_if.cost_by_year.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(spend > 0, what_if.value / spend, np.where(what_if.value > 0, np.inf, -np.inf))
    must_in, must_out = forced_sets(problem)
    needs = requirement_lists(problem)
    listed = np.zeros(problem.n, dtype=bool)
    order: list[int] = []
    for i in np.lexsort((-ratio, ~must_in)):
        if listed[i] or must_out[i] or (what_if.value[i] <= 0 and not must_in[i]):
            continue
        group = bundle(int(i), needs, listed)
        if must_out[group].any() or (not must_in[i] and what_if.value[group].sum() <= 0):
            continue
        order.extend(group)
        listed[group] = True
    order = np.asarray(order, dtype=np.int64)
    k = len(order)
    demand = problem.usage[problem.budget_rows :][:, order].toarray()
    limits = problem.limit[problem.budget_rows :][:, None]
    fits = ~(np.cumsum(demand, axis=1) > limits + allowance(limits)).any(axis=0) if k else np.zeros(0, dtype=bool)
    return pd.DataFrame(
        {
            "rank": np.arange(1, k + 1),
            "project_id": model.project_ids[order].astype(str),
            "name": model.names[order].astype(str),
            "spend": spend[order],
            "value": what_if.value[order],
            "cumulative_spend": np.cumsum(spend[order]),
            "cumulative_value": np.cumsum(what_if.value[order]),
            "fits": fits,
        }
    )
