"""Which projects, and when: the time-phased selection (:func:`select_schedule`) over start options.

Each candidate has up to ``S`` start options, each with its own value, spend per budget period and use of each
capacity cell (its profiles shifted), a start month and a finish month. The exact model has one binary
``y_is`` per allowed (candidate, option):

- at most one option per candidate: ``Σ_s y_is ≤ 1`` (``= 1`` for a forced-in candidate, ``= 0`` forced out);
- budget per period and capacity per cell summed over options: ``Σ_is y_is · use_isr ≤ limit_r``;
- a dependency in choice (i needs j): ``Σ_s y_is ≤ Σ_t y_jt``;
- a dependency in time (i needs j, and j must finish first), the tight disaggregated form rather than big-M:
  ``y_is ≤ Σ_{t: finish_jt ≤ start_is} y_jt`` for every option s of i; its LP relaxation is as strong as a
  precedence can be written with these variables, which keeps the LP bound (and so the fast answer's gap) honest.

Solved by HiGHS (``highs.solve_milp``). :func:`solve_schedule_fast` is the fast answer: the LP relaxation prices
every row, a greedy places options in that order, and the LP optimum bounds the gap. :func:`solve_schedule_exact`
is the proof (``BackgroundSolver.submit_schedule`` runs it on the worker thread). Statuses and the gap are
``select_portfolio``'s (:mod:`analytics.optimize.problem`). With one option per candidate the model is exactly
the selection problem, and :func:`select_schedule` hands it to ``solve_exact``: one answer, not two.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from analytics.optimize.feasibility import CONFLICT_UNEXPLAINED, Conflict, allowance, closure, find_conflict
from analytics.optimize.heuristics import solve_fast
from analytics.optimize.highs import relative_gap, solve_exact, solve_milp
from analytics.optimize.problem import (
    FORCED_OUT,
    OPTIMAL_GAP,
    STATUS_FEASIBLE,
    STATUS_INFEASIBLE,
    STATUS_NO_SOLUTION,
    STATUS_OPTIMAL,
    Problem,
    Selection,
    make_problem,
)
from analytics.rules import TIE_TOLERANCE

if TYPE_CHECKING:
    from analytics.optimize.background import CancelToken

#: An LP value this close to 1 is taken as whole (simplex round-off).
WHOLE_AT = 1.0 - 1e-7
#: A dual price below this is no price: the option uses only rows with slack.
PRICED_AT = 1e-12
#: Gap to the LP bound above which the fast answer tries a second greedy order (as ``solve_fast``).
SECOND_PASS_GAP = 0.005
#: How many levels of requirements the greedy brings in with a project (deeper chains wait for their turn).
BUNDLE_DEPTH = 3
#: Up to this many candidates the second order is tried too: each project is a big step there, and one more
#: greedy pass costs little; at bench scale it would double the answer's time for hundredths of a percent.
SECOND_PASS_CANDIDATES = 300
#: Seconds the fast answer may spend on an exact solve when its greedy cannot place the forced-in candidates.
FALLBACK_SECONDS = 1.0


@dataclass(frozen=True, eq=False)
class Schedule(Selection):
    """The answer of :func:`select_schedule`: a :class:`Selection` plus each candidate's chosen start option.

    Attributes
    ----------
    option
        ``(n,)`` int: the chosen option of each candidate, or -1 when it is not chosen (all -1 without a feasible
        schedule). ``chosen`` is ``option >= 0``; ``objective``, ``status``, ``gap``, ``bound`` and ``conflict``
        read as for ``select_portfolio``.
    """

    option: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass(frozen=True, eq=False)
class ScheduleProblem:
    """A schedule problem in the solver's shape: the allowed options as columns, flat.

    Column ``c`` is candidate ``owner[c]`` started with its option ``slot[c]``; columns are grouped by candidate
    (``first[i]:first[i + 1]``), options in increasing ``slot`` order.

    Attributes
    ----------
    n, options
        Candidates and the most options one may have (``S``).
    owner, slot
        ``(C,)`` int: each column's candidate and option.
    first
        ``(n + 1,)`` int: where each candidate's columns begin.
    value
        ``(C,)`` objective value of each column.
    usage, limit
        ``(m, C)`` sparse CSC use of each resource row (budget periods first, then capacity cells) and ``(m,)``
        the limits, as ``Problem``'s.
    start, finish
        ``(C,)`` int: the month index at which the option starts and the one after its last month.
    requires
        ``(d, 2)`` pairs ``(i, j)``: i needs j.
    timed
        ``(d,)`` bool: the pair also needs ``finish[j] ≤ start[i]``.
    forced_in, forced_out
        ``(n,)`` bool.
    preferred
        ``(n,)`` int or None: the schedule that wins a tie (the plan at its planned starts; -1 = not chosen).
    base
        The selection problem at the planned starts, when there is one (the what-if's): its words name the
        conflict of an infeasible schedule.
    budget_rows
        How many leading rows are budget periods.
    """

    n: int
    options: int
    owner: np.ndarray
    slot: np.ndarray
    first: np.ndarray
    value: np.ndarray
    usage: sp.csc_matrix
    limit: np.ndarray
    start: np.ndarray
    finish: np.ndarray
    requires: np.ndarray
    timed: np.ndarray
    forced_in: np.ndarray
    forced_out: np.ndarray
    preferred: np.ndarray | None = None
    base: Problem | None = field(default=None, repr=False)
    budget_rows: int = 0

    @property
    def columns(self) -> int:
        """Return the number of allowed (candidate, option) pairs."""
        return len(self.owner)

    @property
    def m(self) -> int:
        """Return the number of resource rows."""
        return len(self.limit)

    def column_of(self, option: np.ndarray) -> np.ndarray:
        """Return ``(C,)`` bool: the columns of a schedule given as one option (or -1) per candidate."""
        option = np.asarray(option, dtype=np.int64)
        return option[self.owner] == self.slot

    def options_of(self, columns: np.ndarray) -> np.ndarray:
        """Return ``(n,)`` the option of each candidate (or -1) from a ``(C,)`` 0/1 column vector."""
        option = np.full(self.n, -1, dtype=np.int64)
        taken = np.asarray(columns) > 0.5
        option[self.owner[taken]] = self.slot[taken]
        return option

    def is_feasible(self, option: np.ndarray) -> bool:
        """Return True when the schedule meets every row, option, dependency and forced constraint."""
        option = np.asarray(option, dtype=np.int64)
        chosen = option >= 0
        if (chosen & self.forced_out).any() or (self.forced_in & ~chosen).any():
            return False
        columns = self.column_of(option)
        if columns.sum() != chosen.sum():
            return False  # an option that is not allowed
        used = self.usage @ columns.astype(float)
        if (used > self.limit + allowance(self.limit)).any():
            return False
        start, finish = self._times(option)
        for (i, j), timed in zip(self.requires, self.timed, strict=True):
            if chosen[i] and (not chosen[j] or (timed and finish[j] > start[i])):
                return False
        return True

    def objective_of(self, option: np.ndarray) -> float:
        """Return ``Σ value`` of a schedule's columns."""
        return float(self.value[self.column_of(option)].sum())

    def _times(self, option: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        start = np.zeros(self.n, dtype=np.int64)
        finish = np.zeros(self.n, dtype=np.int64)
        columns = self.column_of(option)
        start[self.owner[columns]] = self.start[columns]
        finish[self.owner[columns]] = self.finish[columns]
        return start, finish

    def milp(self) -> tuple[np.ndarray, sp.csc_matrix, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return the model of the module docstring: objective, matrix, row bounds and column bounds.

        Rows: the resource rows, one row per candidate with columns (at most one option), then the dependencies.
        """
        cached = self._model.get("milp")
        if cached is not None:
            return cached
        c, n = self.columns, self.n
        rows, cols, vals = [], [], []
        row = 0
        # One option per candidate.
        has = np.diff(self.first) > 0
        group_row = np.full(n, -1, dtype=np.int64)
        group_row[has] = np.arange(has.sum())
        rows.append(group_row[self.owner])
        cols.append(np.arange(c))
        vals.append(np.ones(c))
        row = int(has.sum())
        group_lower = np.where(self.forced_in[has], 1.0, 0.0)
        count = np.diff(self.first)
        i, j = self.requires[:, 0], self.requires[:, 1]
        # In choice: Σ_s y_is − Σ_t y_jt ≤ 0, one row per pair (a pair whose i has no option needs no row).
        choice = ~self.timed & (count[i] > 0)
        pair_row = row + np.arange(choice.sum())
        row += int(choice.sum())
        for side, sign in ((i[choice], 1.0), (j[choice], -1.0)):
            pair, column = _columns_of(self.first, side)
            rows.append(pair_row[pair])
            cols.append(column)
            vals.append(np.full(len(column), sign))
        # In time: y_is − Σ_{t: finish_jt ≤ start_is} y_jt ≤ 0, one row per option s of i.
        timed = self.timed
        pair, mine = _columns_of(self.first, i[timed])
        option_row = row + np.arange(len(mine))
        row += len(mine)
        rows.append(option_row)
        cols.append(mine)
        vals.append(np.ones(len(mine)))
        needed = j[timed][pair]
        which, theirs = _columns_of(self.first, needed)
        before = self.finish[theirs] <= self.start[mine[which]]
        rows.append(option_row[which[before]])
        cols.append(theirs[before])
        vals.append(-np.ones(int(before.sum())))
        dep_upper = np.zeros(row - int(has.sum()))
        logic = sp.csc_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(row, c), dtype=float
        )
        matrix = sp.vstack([self.usage, logic], format="csc")
        n_groups = int(has.sum())
        row_lower = np.r_[np.full(self.m, -np.inf), group_lower, np.full(len(dep_upper), -np.inf)]
        row_upper = np.r_[self.limit, np.ones(n_groups), np.asarray(dep_upper, dtype=float)]
        col_lower = np.zeros(c)
        col_upper = (~self.forced_out[self.owner]).astype(float)
        model = (self.value, matrix, row_lower, row_upper, col_lower, col_upper)
        self._model["milp"] = model
        return model

    _model: dict = field(default_factory=dict, repr=False, compare=False)


def _columns_of(first: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(k, column)`` for every column of each ``candidates[k]``, in order (``first`` groups columns)."""
    counts = first[np.asarray(candidates, dtype=np.int64) + 1] - first[candidates]
    k = np.repeat(np.arange(len(candidates)), counts)
    offsets = np.arange(len(k)) - np.repeat(np.cumsum(counts) - counts, counts)
    return k, first[candidates][k] + offsets


def make_schedule(
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
    timed: Sequence[bool] | None = None,
) -> ScheduleProblem:
    """Check the arguments of :func:`select_schedule` and return them as a :class:`ScheduleProblem`.

    Raises
    ------
    ValueError
        When shapes disagree, an index is out of range, a cost or limit is not a number, or ``start`` and
        ``finish`` are not given together.
    """
    value = np.asarray(value, dtype=float)
    if value.ndim != 2:
        raise ValueError(f"value must have shape (n, S), not {value.shape}")
    n, options = value.shape
    budget = np.asarray(budget, dtype=float).reshape(-1)
    cost = np.asarray(cost, dtype=float).reshape(n, options, len(budget))
    if (demand is None) != (capacity is None):
        raise ValueError("demand and capacity go together: give both or neither")
    if (start is None) != (finish is None):
        raise ValueError("start and finish go together: give both or neither")
    allowed = ~np.isnan(value)
    if np.isinf(value[allowed]).any():
        raise ValueError("value must be finite where an option is allowed (NaN marks one that is not)")
    owner, slot = np.nonzero(allowed)  # row-major: grouped by candidate, options in order
    first = np.searchsorted(owner, np.arange(n + 1))
    blocks, limits = [cost[owner, slot].T], [budget]
    if demand is not None:
        capacity = np.asarray(capacity, dtype=float).reshape(-1)
        demand = np.asarray(demand, dtype=float).reshape(n, options, len(capacity))
        blocks.append(demand[owner, slot].T)
        limits.append(capacity)
    usage = sp.csc_matrix(np.vstack(blocks)) if len(owner) else sp.csc_matrix((sum(map(len, limits)), 0))
    limit = np.concatenate(limits)
    if not np.isfinite(usage.data).all() or np.isnan(limit).any():
        raise ValueError("cost, demand, budget and capacity must be numbers (budget may be +inf)")
    if start is None:
        start_c = np.zeros(len(owner), dtype=np.int64)
        finish_c = np.zeros(len(owner), dtype=np.int64)
    else:
        start_c = np.asarray(start, dtype=np.int64).reshape(n, options)[owner, slot]
        finish_c = np.asarray(finish, dtype=np.int64).reshape(n, options)[owner, slot]
    pairs = np.asarray(list(requires), dtype=np.int64).reshape(-1, 2)
    if pairs.size and (pairs.min() < 0 or pairs.max() >= n):
        raise ValueError(f"requires holds an index outside 0..{n - 1}")
    if timed is None:
        timed_pairs = np.full(len(pairs), start is not None)
    else:
        timed_pairs = np.asarray(list(timed), dtype=bool).reshape(-1)
        if len(timed_pairs) != len(pairs):
            raise ValueError(f"timed needs one flag per requires pair ({len(pairs)}), not {len(timed_pairs)}")
        if timed_pairs.any() and start is None:
            raise ValueError("a dependency in time needs start and finish")
    probe = make_problem(np.zeros(n), np.zeros((n, 0)), [], include=include, exclude=exclude)
    return ScheduleProblem(
        n=n,
        options=options,
        owner=owner.astype(np.int64),
        slot=slot.astype(np.int64),
        first=first.astype(np.int64),
        value=value[owner, slot],
        usage=usage,
        limit=limit,
        start=start_c,
        finish=finish_c,
        requires=pairs,
        timed=timed_pairs,
        forced_in=probe.forced_in,
        forced_out=probe.forced_out,
        budget_rows=len(budget),
    )


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


def _nothing(schedule: ScheduleProblem, status: str, started: float, method: str, **extra) -> Schedule:
    return Schedule(
        chosen=np.zeros(schedule.n, dtype=bool),
        objective=float("nan"),
        status=status,
        seconds=time.perf_counter() - started,
        method=method,
        option=np.full(schedule.n, -1, dtype=np.int64),
        **extra,
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
    a feasible ``schedule.preferred`` (the plan) is the start when it is at least as good, and wins a tie.
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
        return _nothing(schedule, STATUS_INFEASIBLE, started, "milp", conflict=_conflict(schedule))
    if _schedule_lp(schedule)[0] == STATUS_INFEASIBLE:
        # HiGHS's branch and bound takes seconds to prove what the LP says at once: no fractional schedule.
        return _nothing(schedule, STATUS_INFEASIBLE, started, "milp", conflict=_conflict(schedule))
    objective, matrix, row_lower, row_upper, col_lower, col_upper = schedule.milp()
    first = None
    for candidate in (schedule.preferred, start):
        if candidate is not None and schedule.is_feasible(candidate):
            if first is None or schedule.objective_of(candidate) > schedule.objective_of(first):
                first = np.asarray(candidate, dtype=np.int64)
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
        return _nothing(schedule, STATUS_INFEASIBLE, started, "milp", conflict=_conflict(schedule))
    if x is None:
        return _nothing(schedule, status, started, "milp", bound=bound)
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


def _needs(schedule: ScheduleProblem) -> list[list[tuple[int, bool]]]:
    """Return, per candidate, what it needs: ``(j, timed)`` pairs (cached on the problem)."""
    cached = schedule._model.get("needs")
    if cached is None:
        cached = [[] for _ in range(schedule.n)]
        for (i, j), timed in zip(schedule.requires.tolist(), schedule.timed.tolist(), strict=True):
            cached[i].append((j, timed))
        schedule._model["needs"] = cached
    return cached


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
    needs = _needs(schedule)
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


def solve_schedule_fast(schedule: ScheduleProblem) -> Schedule:
    """Return a good feasible schedule at once, with its gap to the LP bound: the LP-priced greedy.

    As ``solve_fast``: the LP relaxation prices every budget period and capacity cell; columns the LP takes
    whole come first, then the rest by LP value and by ``value / Σ_r price_r · use_r``; a plain value-first
    order and the plan (``schedule.preferred``) filled from there are tried too, and the best is kept, the plan
    winning a tie. Deterministic. Status ``"feasible"`` (``"optimal"`` when it meets the LP bound), ``bound`` the
    LP optimum. When the greedy cannot place the forced-in candidates, a time-limited exact solve answers instead.
    """
    started = time.perf_counter()
    single = _single_option_problem(schedule)
    if single is not None:
        return _as_schedule(solve_fast(single), schedule)
    if _forced_impossible(schedule):
        return _nothing(schedule, STATUS_INFEASIBLE, started, "dual_greedy", conflict=_conflict(schedule))
    status, bound, x, duals = _schedule_lp(schedule)
    if status == STATUS_INFEASIBLE:
        # No fractional schedule exists, so no schedule does.
        return _nothing(schedule, STATUS_INFEASIBLE, started, "dual_greedy", conflict=_conflict(schedule))
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
    best = _prefer_plan(schedule, best)
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
    needs = _needs(schedule)

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
            return _nothing(schedule, STATUS_NO_SOLUTION, started, "priority")
        pending = left
    for i in rank:
        if option[i] < 0 and not schedule.forced_out[i]:
            place(int(i))
    objective = schedule.objective_of(option)
    return Schedule(
        option >= 0, objective, STATUS_FEASIBLE, seconds=time.perf_counter() - started, method="priority", option=option
    )
