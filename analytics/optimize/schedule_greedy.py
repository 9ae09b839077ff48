"""Greedy placements of start options: the fast answer's (:func:`greedy_schedule`) and Microsoft Project's.

:func:`greedy_schedule` places columns of a :class:`~analytics.optimize.schedule_problem.ScheduleProblem` in a
given order (the LP-priced order of ``solve_schedule_fast``); :func:`solve_schedule_by_priority` is the baseline
the optimiser must beat: priority order, delay, else drop.
"""

from __future__ import annotations

import time

import numpy as np

from analytics.optimize.feasibility import allowance, closure
from analytics.optimize.problem import STATUS_FEASIBLE, STATUS_NO_SOLUTION
from analytics.optimize.schedule_problem import Schedule, ScheduleProblem, needs_of, no_schedule

#: How many levels of requirements the greedy brings in with a project (deeper chains wait for their turn).
BUNDLE_DEPTH = 3


def greedy_schedule(schedule: ScheduleProblem, order: np.ndarray, start: np.ndarray | None = None) -> np.ndarray | None:
    """Return a feasible schedule: the forced-in candidates first, then columns in ``order`` while they fit.

    The forced-in candidates and everything they need (transitively) are placed first, each at the first column
    in ``order`` that fits. Then a column comes in when its candidate has no option yet, is not forced out, is
    worth more than 0, every resource row still holds and every project it needs is in and (for a dependency in
    time) finishes by its start. A column that waits only for a requirement is tried again after the pass that
    brought requirements in, until nothing more comes in. Returns None when the forced-in candidates cannot all
    be placed this way (the caller then asks the exact solver).
    """
    n = schedule.n
    option = np.full(n, -1, dtype=np.int64)
    finish = np.zeros(n, dtype=np.int64)
    slack = schedule.limit + allowance(schedule.limit)  # what each row still holds
    indptr, indices, data = schedule.usage.indptr, schedule.usage.indices, schedule.usage.data
    owner, begins = schedule.owner, schedule.start
    needs = needs_of(schedule)
    order = np.asarray(order, dtype=np.int64)

    def ready(c: int) -> bool:
        return all(option[j] >= 0 and (not timed or finish[j] <= begins[c]) for j, timed in needs[owner[c]])

    def room(c: int) -> bool:
        return bool((data[indptr[c] : indptr[c + 1]] <= slack[indices[indptr[c] : indptr[c + 1]]]).all())

    def take(c: int) -> None:
        i = owner[c]
        option[i] = schedule.slot[c]
        finish[i] = schedule.finish[c]
        slack[indices[indptr[c] : indptr[c + 1]]] -= data[indptr[c] : indptr[c + 1]]

    def give_back(columns: list[int]) -> None:
        for c in columns:
            option[owner[c]] = -1
            slack[indices[indptr[c] : indptr[c + 1]]] += data[indptr[c] : indptr[c + 1]]

    cannot: set = set()  # (project, latest allowed finish) that found no room since the last take

    def with_needs(c: int, depth: int) -> list[int] | None:
        """Take column c and, first, a column of each project it needs that is not in yet; None if it cannot."""
        taken: list[int] = []
        for j, timed in needs[owner[c]]:
            if option[j] >= 0:
                if timed and finish[j] > begins[c]:
                    give_back(taken)
                    return None
                continue
            latest = int(begins[c]) if timed else None
            if forced_out[j] or depth == 0 or (j, latest) in cannot:
                give_back(taken)
                return None
            for t in by_rank[j]:
                if latest is not None and schedule.finish[t] > latest:
                    continue
                placed = with_needs(t, depth - 1)
                if placed is not None:
                    taken += placed
                    break
            else:
                cannot.add((j, latest))
                give_back(taken)
                return None
        if room(c):
            take(c)
            return [*taken, c]
        give_back(taken)
        return None

    if start is not None:
        for c in np.flatnonzero(schedule.column_of(start)):
            take(int(c))
        if (slack < 0).any():
            return None
    edges = schedule.requires
    pending = closure(schedule.forced_in, edges[:, 0], edges[:, 1], n) & (option < 0)
    forced_out = schedule.forced_out
    if (pending & forced_out).any():
        return None
    rank = np.empty(schedule.columns, dtype=np.int64)
    rank[order] = np.arange(len(order))
    ranked = np.lexsort((rank, schedule.owner))  # columns grouped by candidate, best rank first
    by_rank = [ranked[schedule.first[i] : schedule.first[i + 1]].tolist() for i in range(n)]
    while pending.any():
        placed = False
        for i in np.flatnonzero(pending):
            for c in by_rank[i]:
                if ready(c) and room(c):
                    take(c)
                    pending[i] = False
                    placed = True
                    break
        if not placed:
            return None
    waiting = order[~schedule.forced_out[owner[order]] & (schedule.value[order] > 0)].tolist()
    while waiting:
        later, added = [], False
        for c in waiting:
            if option[owner[c]] >= 0:
                continue
            if ready(c):
                if room(c):
                    take(c)
                    cannot.clear()
                    added = True
                continue
            # Bring in what it needs with it (as ``greedy_fill``'s bundles) when the whole is worth having.
            placed = with_needs(c, BUNDLE_DEPTH)
            if placed is None:
                later.append(c)
            elif schedule.value[placed].sum() <= 0:
                give_back(placed)
                later.append(c)
            else:
                cannot.clear()
                added = True
        if not added:
            return option
        waiting = later
    return option


def solve_schedule_by_priority(schedule: ScheduleProblem, priority: np.ndarray, planned_option: int = 0) -> Schedule:
    """Return Microsoft Project's resourcing of a portfolio: the baseline ``select_schedule`` must beat.

    Its portfolio analysis staffs projects greedily in priority order (its documentation: not optimal): the
    forced-in projects first, then each project by ``priority`` (highest first) at its planned start if it fits,
    else delayed to its first later start that fits (its next allowed option), else dropped; one pass, no look
    back. "Fits" means every budget and capacity row still holds and every project it needs is in (and, for a
    dependency in time, finished by then). ``planned_option`` is the option of the planned start (the what-if's
    ``StartOptions.shift``); earlier options are never tried. Status ``"feasible"`` (``bound`` NaN: it proves
    nothing), or ``"no_solution"`` when the forced-in projects themselves do not fit this way.
    """
    started = time.perf_counter()
    n = schedule.n
    option = np.full(n, -1, dtype=np.int64)
    finish = np.zeros(n, dtype=np.int64)
    limit = schedule.limit + allowance(schedule.limit)
    used = np.zeros(schedule.m)
    indptr, indices, data = schedule.usage.indptr, schedule.usage.indices, schedule.usage.data
    needs = needs_of(schedule)

    def place(i: int) -> bool:
        for c in range(schedule.first[i], schedule.first[i + 1]):
            if schedule.slot[c] < planned_option:
                continue
            if not all(option[j] >= 0 and (not timed or finish[j] <= schedule.start[c]) for j, timed in needs[i]):
                continue
            rows, amounts = indices[indptr[c] : indptr[c + 1]], data[indptr[c] : indptr[c + 1]]
            if (used[rows] + amounts <= limit[rows]).all():
                used[rows] += amounts
                option[i], finish[i] = schedule.slot[c], schedule.finish[c]
                return True
        return False

    edges = schedule.requires
    forced = closure(schedule.forced_in, edges[:, 0], edges[:, 1], n)
    rank = np.argsort(-np.asarray(priority, dtype=float), kind="stable")
    pending = [int(i) for i in rank if forced[i]]
    while pending:
        left = [i for i in pending if not place(i)]
        if len(left) == len(pending):
            return no_schedule(schedule, STATUS_NO_SOLUTION, started, "priority")
        pending = left
    for i in rank:
        if option[i] < 0 and not schedule.forced_out[i]:
            place(int(i))
    objective = schedule.objective_of(option)
    return Schedule(
        option >= 0, objective, STATUS_FEASIBLE, seconds=time.perf_counter() - started, method="priority", option=option
    )
