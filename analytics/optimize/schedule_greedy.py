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
from analytics.optimize.schedule_problem import Schedule, ScheduleProblem, needs_of, no_schedule, usage_lists

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
    # Plain lists: the loop below reads and writes single entries thousands of times, where numpy's per-call
    # cost dominates; Python floats are the same IEEE doubles, so every comparison and sum is unchanged.
    option = [-1] * n
    finish = [0] * n
    slack = (schedule.limit + allowance(schedule.limit)).tolist()  # what each row still holds
    indptr, indices, data = usage_lists(schedule)
    owner, begins = schedule.owner.tolist(), schedule.start.tolist()
    slots, ends = schedule.slot.tolist(), schedule.finish.tolist()
    needs = needs_of(schedule)
    order = np.asarray(order, dtype=np.int64)

    def ready(c: int) -> bool:
        for j, timed in needs[owner[c]]:
            if option[j] < 0 or (timed and finish[j] > begins[c]):
                return False
        return True

    def room(c: int) -> bool:
        for k in range(indptr[c], indptr[c + 1]):
            if data[k] > slack[indices[k]]:
                return False
        return True

    def take(c: int) -> None:
        i = owner[c]
        option[i] = slots[c]
        finish[i] = ends[c]
        for k in range(indptr[c], indptr[c + 1]):
            slack[indices[k]] -= data[k]

    def give_back(columns: list[int]) -> None:
        for c in columns:
            option[owner[c]] = -1
            for k in range(indptr[c], indptr[c + 1]):
                slack[indices[k]] += data[k]

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
                if latest is not None and ends[t] > latest:
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
        if min(slack, default=0.0) < 0:
            return None
    edges = schedule.requires
    pending = closure(schedule.forced_in, edges[:, 0], edges[:, 1], n) & (np.asarray(option) < 0)
    forced_out = schedule.forced_out
    if (pending & forced_out).any():
        return None
    rank = np.empty(schedule.columns, dtype=np.int64)
    rank[order] = np.arange(len(order))
    ranked = np.lexsort((rank, schedule.owner))  # columns grouped by candidate, best rank first
    ranked, first = ranked.tolist(), schedule.first.tolist()
    by_rank = [ranked[first[i] : first[i + 1]] for i in range(n)]
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
    waiting = order[~schedule.forced_out[schedule.owner[order]] & (schedule.value[order] > 0)].tolist()
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
            break
        waiting = later
    return np.asarray(option, dtype=np.int64)


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


#: Rounds of the local search after the greedy. A count, not a time: the same settings always give the same answer.
#: On the bench one round takes the fast answer's median gap from 0.68 % to 0.60 % for about 10 ms; a second
#: reached 0.57 % but cost as much again, the margin the shift move's 150 ms target needs.
IMPROVE_ROUNDS = 1
#: Columns a round tries to swap in (the most valuable first): each try is one vector comparison.
SWAP_TRIES = 200
#: A move must raise the objective by more than this (relative), so round-off never counts as a gain.
GAIN_AT = 1e-12


def improve_schedule(schedule: ScheduleProblem, option: np.ndarray, rounds: int = IMPROVE_ROUNDS) -> np.ndarray:
    """Return ``option`` (a feasible schedule) after a short local search; every move keeps it feasible.

    Each round makes, in turn, every improving move of three kinds, each checked against every resource row and
    every dependency in choice and in time: start a chosen project at another of its options worth more; add a
    project at an option that fits; swap one project out (not forced in, nothing chosen needs it) for one worth
    more that fits in its place. Rounds stop when one changes nothing. Deterministic.
    """
    option = np.asarray(option, dtype=np.int64).copy()
    if not schedule.columns or rounds <= 0:
        return option
    n, owner, value = schedule.n, schedule.owner, schedule.value
    begins, ends = schedule.start, schedule.finish
    usage = schedule.usage  # canonical CSC: each row at most once per column, so the scatter below is exact
    dense = np.zeros((schedule.columns, schedule.m))  # (C, m): one row of use per column
    dense[np.repeat(np.arange(schedule.columns), np.diff(usage.indptr)), usage.indices] = usage.data
    limit = schedule.limit + allowance(schedule.limit)
    col = np.full(n, -1, dtype=np.int64)
    taken = schedule.column_of(option)
    col[owner[taken]] = np.flatnonzero(taken)
    used = dense[taken].sum(axis=0)
    needs = needs_of(schedule)
    dependents: list[list[tuple[int, bool]]] = [[] for _ in range(n)]
    for i in range(n):
        for j, timed in needs[i]:
            dependents[j].append((i, timed))
    need_from, need_to = schedule.requires[:, 0], schedule.requires[:, 1]
    movable_out = ~schedule.forced_in
    eps = GAIN_AT * max(1.0, float(np.abs(value[taken]).sum()))

    def fits(c: int, freed: int = -1) -> bool:
        delta = dense[c] - dense[freed] if freed >= 0 else dense[c]
        return bool(((delta <= limit - used) | (delta == 0)).all())

    def fitting(columns: np.ndarray, freed: np.ndarray | None = None) -> np.ndarray:
        """Vector form of ``fits``: which of ``columns`` fit now (in place of ``freed``, one per column)."""
        delta = dense[columns] if freed is None else dense[columns] - dense[freed]
        return ((delta <= limit - used) | (delta == 0)).all(axis=1)

    def timing_ok(i: int, c: int, without: int = -1) -> bool:
        for j, timed in needs[i]:
            if j == without or col[j] < 0 or (timed and ends[col[j]] > begins[c]):
                return False
        return all(not timed or col[k] < 0 or ends[c] <= begins[col[k]] for k, timed in dependents[i])

    def move(i: int, c: int) -> None:
        if col[i] >= 0:
            used[:] -= dense[col[i]]
        col[i] = c
        if c >= 0:
            used[:] += dense[c]

    for _ in range(rounds):
        changed = False
        # Another start for a chosen project, the biggest gain first (the vector test only narrows the list:
        # each move is checked again as it is made).
        current = col[owner]
        gain = np.where(current >= 0, value - value[np.maximum(current, 0)], -np.inf)
        better = np.flatnonzero(gain > eps)
        better = better[fitting(better, current[better])]
        for c in better[np.lexsort((better, -gain[better]))].tolist():
            i = int(owner[c])
            if value[c] - value[col[i]] > eps and timing_ok(i, c) and fits(c, int(col[i])):
                move(i, c)
                changed = True
        # A project added, or swapped in for one worth less, the most valuable first.
        chosen = col >= 0
        unmet = np.bincount(need_from, weights=~chosen[need_to], minlength=n) if len(need_from) else np.zeros(n)
        open_columns = np.flatnonzero(
            ~chosen[owner] & ~schedule.forced_out[owner] & (value > eps) & (unmet[owner] == 0)
        )
        open_columns = open_columns[np.argsort(-value[open_columns], kind="stable")]
        fit_now = fitting(open_columns)
        for c in open_columns[fit_now].tolist():
            i = int(owner[c])
            if col[i] < 0 and timing_ok(i, c) and fits(c):
                move(i, c)
                changed = True
        outs = None  # who may leave, by the value of their column (cheapest first); redone after a swap
        for c in open_columns[~fit_now][:SWAP_TRIES].tolist():
            i = int(owner[c])
            if col[i] >= 0:
                continue
            if outs is None:
                chosen = col >= 0
                needed = np.zeros(n, dtype=bool)
                needed[need_to[chosen[need_from]]] = True
                outs = np.flatnonzero(chosen & movable_out & ~needed)
                outs = outs[np.argsort(value[col[outs]], kind="stable")]
                out_values = value[col[outs]]
            out = outs[: np.searchsorted(out_values, value[c] - eps)]
            if not len(out):
                continue
            # Only the rows c overruns can stop the swap; each survivor is then checked on every row.
            room_left = limit - used
            short = np.flatnonzero(dense[c] > room_left)
            cover = (dense[col[out][:, None], short] >= (dense[c] - room_left)[short]).all(axis=1)
            for k in out[cover].tolist():
                if timing_ok(i, c, without=k) and fits(c, int(col[k])):
                    move(k, -1)
                    move(i, c)
                    changed = True
                    outs = None
                    break
        if not changed:
            break
    option = np.full(n, -1, dtype=np.int64)
    option[col >= 0] = schedule.slot[col[col >= 0]]
    return option
