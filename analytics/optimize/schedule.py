"""Which projects, and when: :func:`select_schedule` and its two solvers over start options.

The problem and its MILP are :mod:`analytics.optimize.schedule_problem`'s (:class:`ScheduleProblem`). Solved by
HiGHS (``highs.solve_milp``). :func:`solve_schedule_fast` is the fast answer: the LP relaxation prices every row,
a greedy (:mod:`analytics.optimize.schedule_greedy`) places options in that order, and the LP optimum bounds the
gap. :func:`solve_schedule_exact` is the proof (``BackgroundSolver.submit_schedule`` runs it on the worker
thread). Statuses and the gap are ``select_portfolio``'s (:mod:`analytics.optimize.problem`). With one option per
candidate the model is exactly the selection problem, and :func:`select_schedule` hands it to ``solve_exact``:
one answer, not two.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from analytics.optimize.feasibility import CONFLICT_UNEXPLAINED, Conflict, find_conflict
from analytics.optimize.heuristics import solve_fast
from analytics.optimize.highs import relative_gap, solve_exact, solve_milp
from analytics.optimize.problem import (
    FORCED_OUT,
    OPTIMAL_GAP,
    STATUS_FEASIBLE,
    STATUS_GAP_LIMIT,
    STATUS_INFEASIBLE,
    STATUS_OPTIMAL,
    Problem,
    Selection,
)
from analytics.optimize.schedule_greedy import greedy_schedule, improve_schedule, solve_schedule_by_priority
from analytics.optimize.schedule_problem import Schedule, ScheduleProblem, make_schedule, no_schedule
from analytics.rules import TIE_TOLERANCE

if TYPE_CHECKING:
    from analytics.optimize.background import CancelToken

#: Callers import these from here too (``from analytics.optimize.schedule import ScheduleProblem``).
__all__ = [
    "Schedule",
    "ScheduleProblem",
    "greedy_schedule",
    "improve_schedule",
    "make_schedule",
    "schedule_lp",
    "select_schedule",
    "solve_schedule_by_priority",
    "solve_schedule_exact",
    "solve_schedule_fast",
]

#: An LP value this close to 1 is taken as whole (simplex round-off).
WHOLE_AT = 1.0 - 1e-7
#: A dual price below this is no price: the option uses only rows with slack.
PRICED_AT = 1e-12
#: Gap to the LP bound above which the fast answer tries a second greedy order (as ``solve_fast``).
SECOND_PASS_GAP = 0.005
#: Up to this many candidates the second order is tried too: each project is a big step there, and one more
#: greedy pass costs little; at bench scale it would double the answer's time for hundredths of a percent.
SECOND_PASS_CANDIDATES = 300
#: Seconds the fast answer may spend on an exact solve when its greedy cannot place the forced-in candidates.
FALLBACK_SECONDS = 1.0


def _single_option_problem(schedule: ScheduleProblem) -> Problem | None:
    """Return the selection problem equal to a one-option schedule, or None when some candidate has more.

    A dependency in time between single options either holds (then it is one in choice) or cannot (then the
    dependent candidate is out).
    """
    counts = np.diff(schedule.first)
    if schedule.options > 1 and (counts > 1).any():
        return None
    n = schedule.n
    column = np.full(n, -1, dtype=np.int64)
    column[schedule.owner] = np.arange(schedule.columns)
    value = np.where(column >= 0, schedule.value[np.maximum(column, 0)] if schedule.columns else 0.0, 0.0)
    usage = sp.csc_matrix((schedule.m, n))
    if schedule.columns:
        usage = sp.csc_matrix(
            schedule.usage
            @ sp.csc_matrix(
                (np.ones(schedule.columns), (np.arange(schedule.columns), schedule.owner)), shape=(schedule.columns, n)
            )
        )
    forced_out = schedule.forced_out | (counts == 0)
    keep = []
    for (i, j), timed in zip(schedule.requires, schedule.timed, strict=True):
        if timed and column[i] >= 0 and column[j] >= 0 and schedule.finish[column[j]] > schedule.start[column[i]]:
            forced_out[i] = True
        else:
            keep.append((i, j))
    out_reason = np.full(n, None, dtype=object)
    out_reason[forced_out] = FORCED_OUT
    base = schedule.base
    return Problem(
        value=value,
        usage=usage,
        limit=schedule.limit,
        requires=np.asarray(keep, dtype=np.int64).reshape(-1, 2),
        forced_in=schedule.forced_in,
        forced_out=forced_out,
        names=base.names if base is not None else np.asarray([f"candidate {i}" for i in range(n)], dtype=object),
        row_label=base.row_label if base is not None else (lambda r: f"row {r}"),
        out_reason=base.out_reason if base is not None else out_reason,
        budget_rows=schedule.budget_rows,
        preferred=None if schedule.preferred is None else schedule.preferred >= 0,
    )


def _as_schedule(selection: Selection, schedule: ScheduleProblem) -> Schedule:
    """Return a one-option selection as a :class:`Schedule` (option 0, or the candidate's only slot)."""
    option = np.full(schedule.n, -1, dtype=np.int64)
    only = np.full(schedule.n, -1, dtype=np.int64)
    only[schedule.owner] = schedule.slot
    option[selection.chosen] = only[selection.chosen]
    return Schedule(
        chosen=selection.chosen,
        objective=selection.objective,
        status=selection.status,
        gap=selection.gap,
        bound=selection.bound,
        conflict=selection.conflict,
        seconds=selection.seconds,
        method=selection.method,
        option=option,
    )


def _conflict(schedule: ScheduleProblem) -> Conflict:
    """Return the facts of an infeasible schedule: the planned problem's conflict when it names one."""
    if schedule.base is not None:
        found = find_conflict(schedule.base)
        if found is not None:
            return found
    return Conflict(CONFLICT_UNEXPLAINED)


def _forced_impossible(schedule: ScheduleProblem) -> bool:
    """Return True when a forced-in candidate has no allowed option or is also forced out."""
    counts = np.diff(schedule.first)
    return bool((schedule.forced_in & ((counts == 0) | schedule.forced_out)).any())


def _prefer_plan(schedule: ScheduleProblem, option: np.ndarray) -> np.ndarray:
    """Return ``schedule.preferred`` unless ``option`` is strictly better (as ``preferred_if_tied``)."""
    preferred = schedule.preferred
    if preferred is None or not schedule.is_feasible(preferred):
        return option
    mine, theirs = schedule.objective_of(option), schedule.objective_of(preferred)
    if mine <= theirs + TIE_TOLERANCE * max(1.0, abs(theirs)):
        return np.asarray(preferred, dtype=np.int64).copy()
    return option


def solve_schedule_exact(
    schedule: ScheduleProblem,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float = OPTIMAL_GAP,
    start: np.ndarray | None = None,
    token: CancelToken | None = None,
) -> Schedule:
    """Solve ``schedule`` with HiGHS to proven optimality, or until ``time_limit`` seconds or a cancel.

    ``start`` is a schedule (one option or -1 per candidate) to start from, e.g. the fast answer's ``option``;
    a feasible ``schedule.preferred`` (the plan) is the start when it is at least as good, and wins a tie. A start
    already within ``mip_rel_gap`` of the LP relaxation's bound is the answer at once (method ``"lp_bound"``).
    Statuses as ``solve_exact``'s; one-option schedules are ``solve_exact``'s own answer.
    """
    started = time.perf_counter()
    single = _single_option_problem(schedule)
    if single is not None:
        return _as_schedule(
            solve_exact(single, time_limit=time_limit, mip_rel_gap=mip_rel_gap, start=_chosen(start), token=token),
            schedule,
        )
    if _forced_impossible(schedule):
        return no_schedule(schedule, STATUS_INFEASIBLE, started, "milp", conflict=_conflict(schedule))
    lp_status, lp_bound, _, _ = _schedule_lp(schedule)
    if lp_status == STATUS_INFEASIBLE:
        # HiGHS's branch and bound takes seconds to prove what the LP says at once: no fractional schedule.
        return no_schedule(schedule, STATUS_INFEASIBLE, started, "milp", conflict=_conflict(schedule))
    objective, matrix, row_lower, row_upper, col_lower, col_upper = schedule.milp()
    first = None
    for candidate in (schedule.preferred, start):
        if candidate is not None and schedule.is_feasible(candidate):
            if first is None or schedule.objective_of(candidate) > schedule.objective_of(first):
                first = np.asarray(candidate, dtype=np.int64)
    if first is not None and np.isfinite(lp_bound):
        # The LP bound may already prove the start good enough (a fast answer within a 0.5 % gap): HiGHS would
        # spend seconds on presolve and its root to say the same.
        value = schedule.objective_of(first)
        gap = relative_gap(value, lp_bound)
        if gap <= mip_rel_gap:
            status = STATUS_OPTIMAL if mip_rel_gap <= OPTIMAL_GAP or gap <= OPTIMAL_GAP else STATUS_GAP_LIMIT
            seconds = time.perf_counter() - started
            return Schedule(first >= 0, value, status, gap, lp_bound, seconds=seconds, method="lp_bound", option=first)
    status, x, _, bound, _ = solve_milp(
        objective,
        matrix,
        row_lower,
        row_upper,
        col_lower,
        col_upper,
        time_limit=time_limit,
        mip_rel_gap=mip_rel_gap,
        start=None if first is None else schedule.column_of(first).astype(float),
        token=token,
    )
    seconds = time.perf_counter() - started
    if status == STATUS_INFEASIBLE:
        return no_schedule(schedule, STATUS_INFEASIBLE, started, "milp", conflict=_conflict(schedule))
    if x is None:
        return no_schedule(schedule, status, started, "milp", bound=bound)
    option = _prefer_plan(schedule, schedule.options_of(x))
    value = schedule.objective_of(option)
    gap = relative_gap(value, bound)
    if status == STATUS_OPTIMAL:
        gap = min(gap, float(mip_rel_gap))
    return Schedule(option >= 0, value, status, gap, bound, seconds=seconds, method="milp", option=option)


def _chosen(option: np.ndarray | None) -> np.ndarray | None:
    return None if option is None else np.asarray(option) >= 0


def schedule_lp(schedule: ScheduleProblem) -> tuple[float, np.ndarray, np.ndarray]:
    """Return the LP relaxation's optimum, its ``(C,)`` column values and each resource row's dual price (≥ 0).

    The optimum is NaN (and the rest zeros) when the LP has none.
    """
    return _schedule_lp(schedule)[1:]


def _schedule_lp(schedule: ScheduleProblem) -> tuple[str, float, np.ndarray, np.ndarray]:
    objective, matrix, row_lower, row_upper, col_lower, col_upper = schedule.milp()
    status, x, value, _, duals = solve_milp(
        objective, matrix, row_lower, row_upper, col_lower, col_upper, integer=False
    )
    if status != STATUS_OPTIMAL or x is None:
        return status, float("nan"), np.zeros(schedule.columns), np.zeros(schedule.m)
    return status, value, np.clip(x, 0.0, 1.0), np.abs(duals[: schedule.m])


def solve_schedule_fast(schedule: ScheduleProblem) -> Schedule:
    """Return a good feasible schedule at once, with its gap to the LP bound: the LP-priced greedy.

    As ``solve_fast``: the LP relaxation prices every budget period and capacity cell; columns the LP takes
    whole come first, then the rest by LP value and by ``value / Σ_r price_r · use_r``; a plain value-first
    order and the plan (``schedule.preferred``) filled from there are tried too, and the best is kept; a short
    local search (``improve_schedule``: other starts, additions, one-for-one swaps) improves it, the plan
    winning a tie. Deterministic. Status ``"feasible"`` (``"optimal"`` when it meets the LP bound), ``bound`` the
    LP optimum. When the greedy cannot place the forced-in candidates, a time-limited exact solve answers instead.
    """
    started = time.perf_counter()
    single = _single_option_problem(schedule)
    if single is not None:
        return _as_schedule(solve_fast(single), schedule)
    if _forced_impossible(schedule):
        return no_schedule(schedule, STATUS_INFEASIBLE, started, "dual_greedy", conflict=_conflict(schedule))
    status, bound, x, duals = _schedule_lp(schedule)
    if status == STATUS_INFEASIBLE:
        # No fractional schedule exists, so no schedule does.
        return no_schedule(schedule, STATUS_INFEASIBLE, started, "dual_greedy", conflict=_conflict(schedule))
    if not np.isfinite(bound):
        return solve_schedule_exact(schedule, time_limit=FALLBACK_SECONDS)
    price = schedule.usage.T @ duals
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(price > PRICED_AT, schedule.value / price, np.where(schedule.value > 0, np.inf, -np.inf))
    whole = x >= WHOLE_AT
    priced = np.lexsort((-ratio, -x, ~whole))
    best = greedy_schedule(schedule, priced)
    if best is None or (
        schedule.n <= SECOND_PASS_CANDIDATES and relative_gap(schedule.objective_of(best), bound) > SECOND_PASS_GAP
    ):
        # Rounding the LP left much on the table (small portfolios): try value first too, and keep the best.
        other = greedy_schedule(schedule, np.argsort(-schedule.value, kind="stable"))
        if other is not None and (best is None or schedule.objective_of(other) > schedule.objective_of(best)):
            best = other
    if schedule.preferred is not None and schedule.is_feasible(schedule.preferred):
        # From the plan: what fits beside it. Never worse than the plan, so the plan's settings show the plan.
        other = greedy_schedule(schedule, priced, schedule.preferred)
        if other is not None and (best is None or schedule.objective_of(other) > schedule.objective_of(best)):
            best = other
    if best is None:
        return solve_schedule_exact(schedule, time_limit=FALLBACK_SECONDS)
    best = _prefer_plan(schedule, improve_schedule(schedule, best))
    objective = schedule.objective_of(best)
    gap = relative_gap(objective, bound)
    status = STATUS_OPTIMAL if gap <= OPTIMAL_GAP else STATUS_FEASIBLE
    return Schedule(
        best >= 0,
        objective,
        status,
        gap,
        bound,
        seconds=time.perf_counter() - started,
        method="dual_greedy",
        option=best,
    )


def select_schedule(
    value,
    cost,
    budget,
    demand=None,
    capacity=None,
    start=None,
    finish=None,
    requires=(),
    include=(),
    exclude=(),
    *,
    time_limit: float | None = 10.0,
    timed: Sequence[bool] | None = None,
) -> Schedule:
    """Choose projects and their start options that maximise total value within budget, capacity and order.

    Maximise ``Σ y_is · value[i, s]`` over binary ``y`` with at most one option per candidate, the budget of each
    period and the capacity of each cell summed over the chosen options, every pair ``(i, j)`` of ``requires``
    met in choice (j chosen) and, with ``start`` and ``finish``, in time (``finish[j, t] ≤ start[i, s]``),
    ``include`` chosen with some allowed option and ``exclude`` not chosen. Exact, on HiGHS.

    Parameters
    ----------
    value
        ``(n, S)`` objective value of candidate i started with option s; NaN = the option is not allowed.
    cost
        ``(n, S, Y)`` spend in each budget period under each option.
    budget
        ``(Y,)``; ``inf`` leaves a period unconstrained.
    demand, capacity
        ``(n, S, K)`` use of each capacity cell under each option and ``(K,)`` what each cell holds; both or
        neither.
    start, finish
        ``(n, S)`` int: the month index at which each option starts and the one after its last month; both or
        neither (without them dependencies are in choice only).
    requires, include, exclude
        As for ``select_portfolio``.
    time_limit
        Seconds; None = until proven. Stopped early: the best schedule found, status ``"time_limit"`` and its gap.
    timed
        One flag per ``requires`` pair: whether it is a dependency in time (default: all, when ``start`` is
        given). The what-if passes its ``finish_to_start`` kinds here.

    Returns
    -------
    Schedule
        ``option`` (the chosen option or -1), ``chosen``, ``objective``, ``status``, ``gap``, ``bound``,
        ``conflict``. With ``S = 1`` it is ``select_portfolio``'s answer on the same data.

    Examples
    --------
    >>> s = select_schedule([[3.0, 2.5], [2.0, float("nan")]], [[[2.0, 0.0], [0.0, 2.0]], [[2.0, 0.0], [0, 0]]],
    ...                     [2.0, 2.0])
    >>> s.status, s.option.tolist(), s.objective
    ('optimal', [1, 0], 4.5)
    """
    schedule = make_schedule(
        value, cost, budget, demand, capacity, start, finish, requires, include, exclude, timed=timed
    )
    return solve_schedule_exact(schedule, time_limit=time_limit)
