"""The efficient frontier (the best value at each budget level) and the PPM suites' ranking curve beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.formatting import money
from analytics.optimize.feasibility import allowance, bundle, forced_sets, requirement_lists
from analytics.optimize.heuristics import solve_fast, solve_greedy
from analytics.optimize.highs import solve_exact
from analytics.optimize.problem import STATUS_INFEASIBLE, Problem
from analytics.optimize.schedule import solve_schedule_exact, solve_schedule_fast
from analytics.optimize.whatif import WhatIfProblem, base_budget, budget_limits, schedule_totals, selection_totals

if TYPE_CHECKING:
    from analytics.optimize.background import CancelToken

DEFAULT_FRONTIER_PCTS = tuple(range(40, 161, 10))
#: The smallest fall in rNPV (money) that :func:`frontier_trades` calls a trade: less is not worth a sentence.
SMALLEST_TRADE = 1.0


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
        One row per level: ``budget_pct``, ``budget`` (total over the fiscal years, money), ``value`` (the
        blended objective maximised), ``rnpv``, ``strategic_score`` (mean over the chosen), ``spend``,
        ``projects``, ``stopped``, ``stop_cost`` (``selection_totals``), ``strategic_total`` (Σ strategic score
        of the chosen: the objective's strategy term before α), ``alpha`` (the settings' α, the same on every
        row), ``status``, ``gap``, ``ranking_value`` and ``ranking_rnpv`` (the value/cost greedy's), ``chosen``
        (bool array per level), and where a level's rNPV falls below a smaller level's (:func:`frontier_trades`)
        ``rnpv_given_up``, ``from_pct`` and ``strategic_gained`` (NaN elsewhere). With start shifts on
        (``what_if.schedule``), each level is the best *schedule* (``solve_schedule_exact``), its totals at the
        chosen starts, plus ``option`` (the chosen start option per candidate); the ranking stays the plain one at
        planned starts.
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
            totals = schedule_totals(what_if, selection.option, selection.feasible)
        else:
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
            totals = selection_totals(what_if, selection.chosen, selection.feasible)
        rows.append(
            {
                "budget_pct": float(pct),
                "budget": float(budget.sum()),
                **totals,
                **_strategy_columns(what_if, selection.chosen, selection.feasible),
                "status": selection.status,
                "gap": selection.gap,
                **_ranking_columns(what_if, level),
                "chosen": selection.chosen,
                # With start shifts, each level's chosen start option per candidate.
                **({"option": selection.option} if what_if.schedule is not None else {}),
            }
        )
    return _trade_columns(_frontier_frame(rows))


def _strategy_columns(what_if: WhatIfProblem, chosen: np.ndarray, feasible: bool) -> dict:
    """Return the level's Σ strategic score (NaN when infeasible) and α: what the objective trades rNPV for."""
    total = float(what_if.strategic_score[np.asarray(chosen, dtype=bool)].sum()) if feasible else float("nan")
    return {"strategic_total": total, "alpha": float(what_if.params.alpha)}


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
            "strategic_total",
            "alpha",
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


def frontier_trades(frontier: pd.DataFrame) -> pd.DataFrame:
    """Return the levels where more budget buys a lower rNPV: the blended objective traded rNPV for strategy.

    The frontier maximises the blended objective, not rNPV, so with α > 0 a higher budget can choose a portfolio
    of lower rNPV and higher Σ strategic score. A level is a trade when its rNPV is below the best rNPV of any
    smaller feasible level by at least ``SMALLEST_TRADE``; it is compared with that level
    (:func:`efficient_frontier` marks them in its ``rnpv_given_up``, ``from_pct`` and ``strategic_gained``).

    Returns
    -------
    pandas.DataFrame
        One row per trade, in budget order: ``budget_pct``, ``from_pct`` (the smaller level of higher rNPV),
        ``rnpv_given_up`` (money, > 0) and ``strategic_gained`` (Σ strategic score, the level's minus that one's).
    """
    trades = frontier[frontier["rnpv_given_up"].notna()]
    return trades[["budget_pct", "from_pct", "rnpv_given_up", "strategic_gained"]].reset_index(drop=True)


def _trade_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` (levels in budget order) with its trades marked (see :func:`frontier_trades`); NaN else."""
    given_up, from_pct, gained = (np.full(len(frame), np.nan) for _ in range(3))
    best = None
    for row, level in enumerate(frame.itertuples()):
        if not np.isfinite(level.rnpv):
            continue
        if best is not None and level.rnpv <= best.rnpv - SMALLEST_TRADE:
            given_up[row] = best.rnpv - level.rnpv
            from_pct[row] = best.budget_pct
            gained[row] = level.strategic_total - best.strategic_total
        if best is None or level.rnpv > best.rnpv:
            best = level
    return frame.assign(rnpv_given_up=given_up, from_pct=from_pct, strategic_gained=gained)


def frontier_sentence(frontier: pd.DataFrame, currency: str) -> str:
    """Return what each frontier point maximises and, where its rNPV dips, what the lower rNPV bought.

    ``frontier`` is :func:`efficient_frontier`'s (its ``alpha`` column says the settings' α).
    """
    if frontier is None or not len(frontier):
        return ""
    alpha = float(frontier["alpha"].iloc[0])
    if alpha <= 0:
        return (
            "Each point is the portfolio of highest rNPV at that budget (α = 0: money only), so more budget never "
            "lowers it."
        )
    opening = (
        f"Each point maximises the blended objective at that budget (α = {alpha:.2f}: {1 - alpha:.0%} rNPV, "
        f"{alpha:.0%} strategic score), not rNPV alone; the lower panel (strategy, Σ) sums the chosen "
        "projects' strategic scores (1 = a project serving every objective fully)."
    )
    trades = frontier_trades(frontier)
    if trades.empty:
        return f"{opening} Here rNPV rises with the budget at every level."
    largest = trades.loc[trades["rnpv_given_up"].idxmax()]
    return (
        f"{opening} Where rNPV dips, the extra money bought strategic fit: at {largest['budget_pct']:.0f}% of plan "
        f"rNPV is {money(largest['rnpv_given_up'], currency)} below {largest['from_pct']:.0f}%'s, for "
        f"{largest['strategic_gained']:+.2f} strategic score. At α = 0 (money only) rNPV never falls with more budget."
    )
