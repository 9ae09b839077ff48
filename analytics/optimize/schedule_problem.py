"""The time-phased selection's problem: :class:`ScheduleProblem` (start options as columns), its MILP, the answer.

Each candidate has up to ``S`` start options, each with its own value, spend per budget period and use of each
capacity cell (its profiles shifted), a start month and a finish month. The exact model has one binary
``y_is`` per allowed (candidate, option):

- at most one option per candidate: ``Σ_s y_is ≤ 1`` (``= 1`` for a forced-in candidate, ``= 0`` forced out);
- budget per period and capacity per cell summed over options: ``Σ_is y_is · use_isr ≤ limit_r``;
- a dependency in choice (i needs j): ``Σ_s y_is ≤ Σ_t y_jt``;
- a dependency in time (i needs j, and j must finish first), the tight disaggregated form rather than big-M:
  ``y_is ≤ Σ_{t: finish_jt ≤ start_is} y_jt`` for every option s of i; its LP relaxation is as strong as a
  precedence can be written with these variables, which keeps the LP bound (and so the fast answer's gap) honest.

The solvers are in :mod:`analytics.optimize.schedule` (exact, and the fast answer) and
:mod:`analytics.optimize.schedule_greedy` (the greedy placements).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from analytics.optimize.feasibility import allowance
from analytics.optimize.problem import Problem, Selection, make_problem


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
        i, j = self.requires[:, 0], self.requires[:, 1]
        broken = chosen[i] & (~chosen[j] | (self.timed & (finish[j] > start[i])))
        return not broken.any()

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


def needs_of(schedule: ScheduleProblem) -> list[list[tuple[int, bool]]]:
    """Return, per candidate, what it needs: ``(j, timed)`` pairs (cached on the problem)."""
    cached = schedule._model.get("needs")
    if cached is None:
        cached = needs_lists(schedule.n, schedule.requires, schedule.timed)
        schedule._model["needs"] = cached
    return cached


def usage_lists(schedule: ScheduleProblem) -> tuple[list[int], list[int], list[float]]:
    """Return the use matrix's CSC ``indptr``, ``indices`` and ``data`` as plain lists (cached on the problem)."""
    cached = schedule._model.get("usage_lists")
    if cached is None:
        cached = csc_lists(schedule.usage)
        schedule._model["usage_lists"] = cached
    return cached


def csc_lists(usage: sp.csc_matrix) -> tuple[list[int], list[int], list[float]]:
    """Return a CSC matrix's ``indptr``, ``indices`` and ``data`` as plain lists."""
    return usage.indptr.tolist(), usage.indices.tolist(), usage.data.tolist()


def needs_lists(n: int, requires: np.ndarray, timed: np.ndarray) -> list[list[tuple[int, bool]]]:
    """Return, for each of ``n`` candidates, the ``(j, timed)`` pairs of ``requires`` it is the first of."""
    needs: list[list[tuple[int, bool]]] = [[] for _ in range(n)]
    for (i, j), in_time in zip(np.asarray(requires).tolist(), np.asarray(timed).tolist(), strict=True):
        needs[i].append((j, in_time))
    return needs


def no_schedule(schedule: ScheduleProblem, status: str, started: float, method: str, **extra) -> Schedule:
    """Return the answer without a schedule: nothing chosen, objective NaN, ``status`` and ``extra`` as given."""
    return Schedule(
        chosen=np.zeros(schedule.n, dtype=bool),
        objective=float("nan"),
        status=status,
        seconds=time.perf_counter() - started,
        method=method,
        option=np.full(schedule.n, -1, dtype=np.int64),
        **extra,
    )
