"""Feasible answers at once: the plain value/cost greedy (the PPM suites' baseline) and the LP-priced greedy."""

from __future__ import annotations

import time

import numpy as np

from analytics.optimize.feasibility import (
    allowance,
    bundle,
    find_conflict,
    forced_sets,
    is_feasible,
    preferred_if_tied,
    requirement_lists,
)
from analytics.optimize.highs import lp_relaxation, relative_gap
from analytics.optimize.problem import (
    OPTIMAL_GAP,
    STATUS_FEASIBLE,
    STATUS_INFEASIBLE,
    STATUS_OPTIMAL,
    Problem,
    Selection,
)

#: Gap to the LP bound above which solve_fast tries two more greedy orders (cheap insurance on small portfolios).
SECOND_PASS_GAP = 0.005
#: An LP value this close to 1 is taken as whole (simplex round-off).
WHOLE_AT = 1.0 - 1e-7
#: A dual price below this is no price: the candidate uses only rows with slack.
PRICED_AT = 1e-12


def greedy_fill(problem: Problem, order: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Return a feasible selection: start from the forced-in set (or ``start``) and add candidates in ``order``.

    A candidate comes in together with everything it needs that is not in yet (its bundle), when the bundle's
    total value is positive, nothing in it is out, and every budget and capacity row still holds. Returns all
    False when the forced-in set itself breaks a constraint (the caller reports the conflict).
    """
    n = problem.n
    must_in, must_out = forced_sets(problem)
    chosen = must_in.copy() if start is None else (np.asarray(start, dtype=bool) | must_in)
    usage = problem.usage
    limit = problem.limit + allowance(problem.limit)
    used = usage @ chosen.astype(float)
    if (used > limit).any():
        return np.zeros(n, dtype=bool)
    needs = requirement_lists(problem)
    indptr, indices, data, value = usage.indptr, usage.indices, usage.data, problem.value
    for i in np.asarray(order, dtype=np.int64):
        # A candidate worth ≤ 0 never helps: what it needs can come in on its own merits.
        if chosen[i] or must_out[i] or value[i] <= 0:
            continue
        if not len(needs[i]):
            # One column of a CSC matrix holds each row at most once: plain fancy indexing adds correctly.
            rows, amounts = indices[indptr[i] : indptr[i + 1]], data[indptr[i] : indptr[i + 1]]
            if (used[rows] + amounts <= limit[rows]).all():
                used[rows] += amounts
                chosen[i] = True
            continue
        group = bundle(int(i), needs, chosen)
        if must_out[group].any() or value[group].sum() <= 0:
            continue
        rows = np.concatenate([indices[indptr[j] : indptr[j + 1]] for j in group])
        amounts = np.concatenate([data[indptr[j] : indptr[j + 1]] for j in group])
        added = np.bincount(rows, weights=amounts, minlength=len(used))
        if (used + added <= limit).all():
            used += added
            chosen[group] = True
    return chosen


def value_cost_order(problem: Problem) -> np.ndarray:
    """Return candidates by value per unit of total budget use, best first: the PPM suites' ranking.

    Total budget use is the sum of the budget rows; candidates without cost come first when their value is
    positive.
    """
    spend = np.asarray(problem.usage[: problem.budget_rows].sum(axis=0)).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(spend > 0, problem.value / spend, np.where(problem.value > 0, np.inf, -np.inf))
    return np.argsort(-ratio, kind="stable")


def _infeasible(problem: Problem, started: float, method: str) -> Selection | None:
    """Return the infeasible answer when the forced sets already break a constraint, else None."""
    conflict = find_conflict(problem)
    if conflict is None:
        return None
    return Selection(
        np.zeros(problem.n, dtype=bool),
        float("nan"),
        STATUS_INFEASIBLE,
        conflict=conflict,
        seconds=time.perf_counter() - started,
        method=method,
    )


def solve_greedy(problem: Problem) -> Selection:
    """Return the plain value/cost greedy selection: the baseline the exact optimiser must beat (tests, benchmarks).

    Status ``"feasible"`` (or ``"infeasible"`` with the conflict); ``bound`` is NaN: greedy proves nothing.
    """
    started = time.perf_counter()
    infeasible = _infeasible(problem, started, "greedy")
    if infeasible is not None:
        return infeasible
    chosen = greedy_fill(problem, value_cost_order(problem))
    objective = float(problem.value[chosen].sum())
    return Selection(chosen, objective, STATUS_FEASIBLE, seconds=time.perf_counter() - started, method="greedy")


def solve_fast(problem: Problem) -> Selection:
    """Return a good feasible selection at once: a greedy priced by the LP relaxation's dual values.

    The LP relaxation prices every budget year and capacity cell (its duals); candidates the LP takes whole
    come first, then the rest by ``value / Σ_r price_r · use_r`` (value per unit of *scarce* resource), each
    with what it needs. When that is more than ``SECOND_PASS_GAP`` below the LP bound, two plain passes (by the
    dual ratio alone, by value per spend) are tried too and the best is returned. Deterministic: the same
    problem always gives the same answer (a replayed link shows the same selection). With ``problem.preferred``
    (the plan) feasible, it is also filled from the plan, and the plan wins a tie. Status ``"feasible"``
    (``"optimal"`` when it meets the LP bound), with ``bound`` = the LP optimum and ``gap`` against it: the
    selection is at most that far from the true optimum.
    """
    started = time.perf_counter()
    infeasible = _infeasible(problem, started, "dual_greedy")
    if infeasible is not None:
        return infeasible
    if problem.n == 0:
        return Selection(np.zeros(0, dtype=bool), 0.0, STATUS_OPTIMAL, 0.0, 0.0, method="dual_greedy")
    bound, x, duals = lp_relaxation(problem)
    price = problem.usage.T @ duals
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(price > PRICED_AT, problem.value / price, np.where(problem.value > 0, np.inf, -np.inf))
    whole = x >= WHOLE_AT
    # What the LP takes whole is a feasible start when it meets every constraint with the forced set (it does
    # when all use is non-negative): adding it in one step leaves the loop only the fractional rest.
    start = whole | forced_sets(problem)[0]
    chosen = greedy_fill(problem, np.lexsort((-ratio, -x, ~whole)), start if is_feasible(problem, start) else None)
    if np.isfinite(bound) and relative_gap(float(problem.value[chosen].sum()), bound) > SECOND_PASS_GAP:
        # Rounding the LP left much on the table (small portfolios, where each project is a big step): try two
        # more orders, the dual ratio from scratch and plain value per spend, and keep the best.
        for order in (np.argsort(-ratio, kind="stable"), value_cost_order(problem)):
            other = greedy_fill(problem, order)
            if problem.value[other].sum() > problem.value[chosen].sum():
                chosen = other
    if problem.preferred is not None and is_feasible(problem, problem.preferred):
        # From the plan: what fits beside it. Never worse than the plan, so the plan's settings show the plan.
        other = greedy_fill(problem, np.argsort(-ratio, kind="stable"), problem.preferred)
        if problem.value[other].sum() > problem.value[chosen].sum():
            chosen = other
        chosen = preferred_if_tied(problem, chosen)
    objective = float(problem.value[chosen].sum())
    gap = relative_gap(objective, bound) if np.isfinite(bound) else float("nan")
    status = STATUS_OPTIMAL if gap <= OPTIMAL_GAP else STATUS_FEASIBLE
    return Selection(chosen, objective, status, gap, bound, seconds=time.perf_counter() - started, method="dual_greedy")
