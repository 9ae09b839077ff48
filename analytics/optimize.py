"""Choose the portfolio: the exact 0/1 selection of DESIGN.md ("Selecting the portfolio"), fast and explained.

The problem
-----------
Choose ``x_i ∈ {0, 1}`` to maximise ``Σ x_i · value_i`` subject to a budget per fiscal year, a capacity per
team-month (times ``1 + flex``), dependencies (``x_i ≤ x_j`` when i needs j), mandatory projects in and
excluded projects out, with ``value_i = (1 − α) · rNPV_i / max_j |rNPV_j| + α · strategic_score_i``.
:func:`select_portfolio` (the contract's function) solves it exactly with HiGHS from plain arrays; the rest of
the module builds the same problem from the store and answers a slider move without SQL.

Definitions
-----------
- **Candidates**: projects in stage proposed, approved or active, sorted by id; index ``i`` is the same project
  in every array. Money is forward (flows dated on or after ``settings.as_of``, as for NPV).
- **Current plan** (``PortfolioModel.in_plan``): candidates already committed (approved or active) plus every
  mandatory one. It is what "what changed" compares against, and its spend sets the budget at 100 %.
- **Budget at 100 %** (``PortfolioModel.plan_budget``): per fiscal year (named by the calendar year it ends in),
  what the plan spends that year, but at least the plan's run rate (its largest whole-year spend; pro rata for
  a part year), since a budget does not fall as today's projects finish.
- **Capacity grid**: every team × every month of ``team_capacity`` from ``as_of`` on (12 × 36 on the bench
  store); a team-month without a row has 0 FTE. Demand outside the grid (later months, or a team with no
  capacity row at all) is not constrained: a store without capacity data still optimises on money.
- **Dependencies** between candidates are constraints; one on a completed project is met; one on an on-hold,
  cancelled or unknown project blocks a *proposed* candidate (it cannot be chosen) and is only flagged on an
  approved or active one (``PortfolioModel.unmet_dependency``).

For the what-if page
--------------------
::

    model = optimize.prepare_model(con)                  # once per store version: st.cache_resource
    solver = optimize.BackgroundSolver()                 # once per app: st.cache_resource
    what_if = optimize.apply_what_if(model, settings)    # settings: optimize.WhatIf(...) from the URL; ~1 ms
    fast = optimize.solve_fast(what_if.problem)          # feasible at once, ~15-90 ms at bench scale
    key = (store_version, settings)
    solver.submit_exact(key, what_if.problem, start=fast.chosen)   # the proof, 0.2-2 s, in the background
    shown = solver.result(key) or fast                   # poll from a fragment with run_every until it arrives
    if shown.status == "infeasible": st.error(shown.conflict)
    elif not shown.proven: say "best found so far, within {shown.gap:.1%} of the optimum"
    optimize.selection_summary(what_if, shown.chosen)    # tiles: value, rnpv, strategic score, spend, plan_*
    optimize.selection_table(what_if, shown.chosen)      # in/out against the plan ("change" column)
    optimize.budget_use(what_if, shown.chosen)           # per fiscal year
    optimize.capacity_use(what_if, shown.chosen)         # per team-month: the heatmap
    solver.submit(("frontier", store_version, settings_without_budget),
                  lambda token: optimize.efficient_frontier(what_if, token=token), lane="frontier")
    solver.partial(frontier_key)                         # the points proven so far, as they arrive
    optimize.ranking_curve(what_if)                      # the PPM suites' curve, for comparison
    optimize.why_not(what_if, shown, "P-0042")           # value lost by flipping it, what binds (~0.5 s)
    optimize.marginal_fte(what_if, shown, "T-DATA", "2027-01-01", months=3, fte=2)   # the price of hiring
    optimize.marginal_budget(what_if, shown, 1e6, fiscal_year=2027)

Entry points
------------
From arrays:
    ``select_portfolio(value, cost, budget, demand=None, capacity=None, requires=(), include=(), exclude=(),
    *, names=None, budget_labels=None, capacity_labels=None, time_limit=None, mip_rel_gap=1e-6) -> Selection``;
    ``make_problem(same arguments but time limits) -> Problem``.
Solvers on a :class:`Problem`:
    ``solve_exact(problem, *, time_limit=None, mip_rel_gap=1e-6, start=None, token=None) -> Selection``;
    ``solve_fast(problem) -> Selection`` (LP-priced greedy, with the LP bound and gap);
    ``solve_greedy(problem) -> Selection`` (plain value/cost: the baseline, for tests and benchmarks);
    ``lp_relaxation(problem) -> (bound, x, row duals)``; ``explain_conflict(problem) -> str | None``;
    ``is_feasible(problem, chosen) -> bool``; :class:`BackgroundSolver`, :class:`CancelToken`.
From the store:
    ``prepare_model(con) -> PortfolioModel``; ``apply_what_if(model, WhatIf | None) -> WhatIfProblem``;
    ``efficient_frontier(what_if, budget_pcts=40..160 step 10, *, exact=True, time_limit=20, token=None)
    -> DataFrame``; ``ranking_curve(what_if) -> DataFrame``;
    ``why_not(what_if, base, project_id, *, time_limit=10, token=None) -> WhyNot``;
    ``marginal_fte(what_if, base, team_id, first_month, months=3, fte=1.0, *, time_limit=10, token=None)
    -> Marginal``; ``marginal_budget(what_if, base, amount, fiscal_year=None, *, ...) -> Marginal``;
    ``selection_summary -> dict``, ``selection_table``, ``budget_use``, ``capacity_use -> DataFrame``.

Statuses
--------
``Selection.status`` is ``"optimal"`` (proven: relative gap ≤ 1e-6), ``"feasible"`` (a heuristic answer, not
proven; ``gap`` against the LP bound), ``"time_limit"`` / ``"gap_limit"`` / ``"cancelled"`` (stopped early,
best selection so far and its ``gap``), ``"infeasible"`` (``conflict`` is one sentence naming the constraint:
a mandatory project that breaks a year's budget or a team-month, or that needs an excluded one),
``"no_solution"`` (stopped before any feasible selection) or ``"error"``. ``Selection.feasible`` is True for
the first five.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

from analytics import finance
from analytics.formatting import money
from analytics.store import read_settings

#: Relative gap under which HiGHS reports a selection as proven optimal (the issue's definition of "optimal").
OPTIMAL_GAP = 1e-6
#: Gap to the LP bound above which solve_fast tries two more greedy orders (cheap insurance on small portfolios).
SECOND_PASS_GAP = 0.005
#: Slack allowed when checking a selection against a constraint: HiGHS's own primal feasibility tolerance.
FEASIBILITY_TOLERANCE = 1e-6

STATUS_OPTIMAL = "optimal"
STATUS_FEASIBLE = "feasible"
STATUS_TIME_LIMIT = "time_limit"
STATUS_GAP_LIMIT = "gap_limit"
STATUS_CANCELLED = "cancelled"
STATUS_INFEASIBLE = "infeasible"
STATUS_NO_SOLUTION = "no_solution"
STATUS_ERROR = "error"


@dataclass(frozen=True, eq=False)
class Selection:
    """The answer of an optimiser run.

    Attributes
    ----------
    chosen
        ``(n,)`` bool: which candidates are in. All False when no feasible selection was found.
    objective
        ``Σ value_i`` over the chosen candidates (NaN when none was found).
    status
        ``"optimal"`` proven (relative gap ≤ 1e-6); ``"feasible"`` a heuristic answer that satisfies every
        constraint but is not proven; ``"time_limit"`` the solver stopped early with this feasible selection;
        ``"gap_limit"`` stopped at a looser relative gap than 1e-6 on request; ``"cancelled"`` stopped by a
        :class:`CancelToken` with this feasible selection;
        ``"infeasible"`` no selection satisfies the constraints; ``"no_solution"`` stopped before finding one;
        ``"error"`` the solver failed.
    gap
        ``(bound − objective) / max(|bound|, 1e-9)``: how far the selection may be from the optimum at worst;
        0 when optimal, NaN when unknown.
    bound
        The best proven upper bound on the optimum (the LP relaxation's value for a heuristic answer).
    conflict
        For ``"infeasible"``: one sentence naming the constraint that cannot be met. Otherwise None.
    seconds
        Wall time of the run.
    method
        ``"milp"`` (HiGHS branch and bound), ``"dual_greedy"`` or ``"greedy"``.
    """

    chosen: np.ndarray
    objective: float
    status: str
    gap: float = float("nan")
    bound: float = float("nan")
    conflict: str | None = None
    seconds: float = 0.0
    method: str = "milp"

    @property
    def proven(self) -> bool:
        """Return True when the selection is a proven optimum."""
        return self.status == STATUS_OPTIMAL

    @property
    def feasible(self) -> bool:
        """Return True when the selection satisfies every constraint (optimal, heuristic or stopped early)."""
        return self.status in (STATUS_OPTIMAL, STATUS_FEASIBLE, STATUS_TIME_LIMIT, STATUS_GAP_LIMIT, STATUS_CANCELLED)


@dataclass(frozen=True, eq=False)
class Problem:
    """A 0/1 selection problem in the solver's shape: one sparse matrix of resource rows plus dependency pairs.

    Rows are the budget periods first, then the capacity cells: ``usage[:, r] · x ≤ limit[r]``.

    Attributes
    ----------
    value
        ``(n,)`` objective value of each candidate.
    usage
        ``(m, n)`` sparse CSC matrix: row r's use by each candidate.
    limit
        ``(m,)`` the right-hand sides.
    requires
        ``(d, 2)`` int pairs ``(i, j)``: i may be chosen only if j is chosen.
    forced_in, forced_out
        ``(n,)`` bool masks of mandatory and excluded candidates.
    names
        ``(n,)`` candidate names used in sentences.
    row_label
        Row index → what the row is, for sentences (``"the FY2026 budget"``, ``"Data Engineering in Mar 2026"``).
    row_unit
        Row index → how its amounts read (``"$1.2M"``, ``"3.5 FTE"``).
    budget_rows
        How many leading rows are budget periods (the rest are capacity cells).
    out_reason
        ``(n,)`` object or None: why an excluded candidate is out (``"is forced out"``, ``"needs P-0007, which is
        on hold"``), for sentences; None means "is excluded".
    """

    value: np.ndarray
    usage: sp.csc_matrix
    limit: np.ndarray
    requires: np.ndarray
    forced_in: np.ndarray
    forced_out: np.ndarray
    names: np.ndarray
    row_label: Callable[[int], str] = field(repr=False)
    row_unit: Callable[[int, float], str] = field(repr=False)
    out_reason: np.ndarray | None = field(default=None, repr=False)
    budget_rows: int = 0

    @property
    def n(self) -> int:
        """Return the number of candidates."""
        return len(self.value)

    @property
    def m(self) -> int:
        """Return the number of resource rows (budget periods and capacity cells)."""
        return len(self.limit)

    def why_out(self, i: int) -> str:
        """Return why excluded candidate ``i`` is out, as a verb phrase."""
        reason = None if self.out_reason is None else self.out_reason[i]
        return reason or "is excluded"


def _index_array(indices: Iterable[int], n: int, what: str) -> np.ndarray:
    array = np.asarray(list(indices), dtype=np.int64).reshape(-1)
    if array.size and (array.min() < 0 or array.max() >= n):
        raise ValueError(f"{what} holds an index outside 0..{n - 1}")
    return array


def _matrix(values, n: int, columns: int):
    """Return ``values`` as a float matrix, reading an empty or flat (n,) input as ``(n, columns)`` when it fits."""
    if sp.issparse(values):
        return sp.csc_matrix(values, dtype=float)
    array = np.asarray(values, dtype=float)
    if array.size == n * columns and (array.size == 0 or (array.ndim == 1 and columns == 1)):
        array = array.reshape(n, columns)
    return array


def make_problem(
    value,
    cost,
    budget,
    demand=None,
    capacity=None,
    requires=(),
    include=(),
    exclude=(),
    *,
    names: Sequence[str] | None = None,
    budget_labels: Sequence[str] | None = None,
    capacity_labels: Sequence[str] | None = None,
) -> Problem:
    """Check the arguments of :func:`select_portfolio` and return them as a :class:`Problem`.

    Dense or sparse ``cost`` and ``demand`` are accepted; they are stored sparse.

    Raises
    ------
    ValueError
        When shapes disagree, an index is out of range or a value is not finite.
    """
    value = np.asarray(value, dtype=float).reshape(-1)
    n = len(value)
    if not np.isfinite(value).all():
        raise ValueError("value must be finite")
    budget = np.asarray(budget, dtype=float).reshape(-1)
    cost = _matrix(cost, n, len(budget))
    if cost.shape != (n, len(budget)):
        raise ValueError(f"cost must have shape (n, Y) = ({n}, {len(budget)}), not {cost.shape}")
    blocks, limits = [sp.csc_matrix(cost.T)], [budget]
    if (demand is None) != (capacity is None):
        raise ValueError("demand and capacity go together: give both or neither")
    if demand is not None:
        capacity = np.asarray(capacity, dtype=float).reshape(-1)
        demand = _matrix(demand, n, len(capacity))
        if demand.shape != (n, len(capacity)):
            raise ValueError(f"demand must have shape (n, K) = ({n}, {len(capacity)}), not {demand.shape}")
        blocks.append(sp.csc_matrix(demand.T))
        limits.append(capacity)
    usage = sp.vstack(blocks, format="csc")
    limit = np.concatenate(limits)
    if not np.isfinite(usage.data).all() or np.isnan(limit).any():
        raise ValueError("cost, demand, budget and capacity must be numbers (budget may be +inf)")
    pairs = np.asarray(list(requires), dtype=np.int64).reshape(-1, 2)
    if pairs.size and (pairs.min() < 0 or pairs.max() >= n):
        raise ValueError(f"requires holds an index outside 0..{n - 1}")
    forced_in = np.zeros(n, dtype=bool)
    forced_in[_index_array(include, n, "include")] = True
    forced_out = np.zeros(n, dtype=bool)
    forced_out[_index_array(exclude, n, "exclude")] = True
    names = np.asarray([f"candidate {i}" for i in range(n)] if names is None else list(names), dtype=object)
    n_budget = len(budget)
    if budget_labels is None:
        budget_labels = [f"budget period {y}" for y in range(n_budget)]
    capacity_labels = list(capacity_labels) if capacity_labels is not None else None

    def row_label(r: int) -> str:
        if r < n_budget:
            return str(budget_labels[r])
        k = r - n_budget
        return capacity_labels[k] if capacity_labels is not None else f"capacity cell {k}"

    def row_unit(r: int, amount: float) -> str:
        return f"{amount:,.2f}"

    return Problem(value, usage, limit, pairs, forced_in, forced_out, names, row_label, row_unit, None, n_budget)


def select_portfolio(
    value,
    cost,
    budget,
    demand=None,
    capacity=None,
    requires=(),
    include=(),
    exclude=(),
    *,
    names: Sequence[str] | None = None,
    budget_labels: Sequence[str] | None = None,
    capacity_labels: Sequence[str] | None = None,
    time_limit: float | None = None,
    mip_rel_gap: float = OPTIMAL_GAP,
) -> Selection:
    """Choose the candidates that maximise total value within budget, capacity and dependencies, exactly.

    Maximise ``Σ x_i · value_i`` over ``x ∈ {0, 1}^n`` subject to ``Σ_i x_i · cost[i, y] ≤ budget[y]`` for
    every budget period y, ``Σ_i x_i · demand[i, k] ≤ capacity[k]`` for every capacity cell k, ``x_i ≤ x_j``
    for every pair ``(i, j)`` in ``requires``, ``x_i = 1`` for ``include`` and ``x_i = 0`` for ``exclude``.
    Solved by HiGHS branch and bound on sparse matrices.

    Parameters
    ----------
    value
        ``(n,)`` objective value of each candidate.
    cost
        ``(n, Y)`` spend of each candidate in each budget period (dense or scipy.sparse).
    budget
        ``(Y,)`` the budget of each period; ``inf`` leaves a period unconstrained.
    demand, capacity
        ``(n, K)`` use of each capacity cell (team × month) and ``(K,)`` what each cell holds; both or neither.
    requires
        Pairs ``(i, j)``: i may be chosen only if j is chosen.
    include, exclude
        Indices that must be / must not be chosen.
    names, budget_labels, capacity_labels
        Words for the infeasibility sentence (default ``"candidate 3"``, ``"budget period 0"``, ...).
    time_limit
        Seconds after which HiGHS stops and returns its best selection with status ``"time_limit"``.
    mip_rel_gap
        Relative gap at which the search stops; at the default the answer is reported ``"optimal"``.

    Returns
    -------
    Selection
        ``chosen``, ``objective``, ``status``, ``gap``, ``bound``, and for infeasible inputs ``conflict``.

    Examples
    --------
    >>> s = select_portfolio([3.0, 2.0, 2.0], [[2.0], [1.0], [1.0]], [2.0])
    >>> s.status, s.chosen.tolist(), s.objective
    ('optimal', [False, True, True], 4.0)
    """
    problem = make_problem(
        value,
        cost,
        budget,
        demand,
        capacity,
        requires,
        include,
        exclude,
        names=names,
        budget_labels=budget_labels,
        capacity_labels=capacity_labels,
    )
    return solve_exact(problem, time_limit=time_limit, mip_rel_gap=mip_rel_gap)


# --- Feasibility: the forced sets and the sentence that names a conflict -------------------------------------


def _closure(start: np.ndarray, edges_from: np.ndarray, edges_to: np.ndarray, n: int) -> np.ndarray:
    """Return the mask of nodes reachable from ``start`` (a mask) along edges ``from → to``."""
    reached = start.copy()
    if not len(edges_from):
        return reached
    graph = sp.csr_matrix((np.ones(len(edges_from)), (edges_from, edges_to)), shape=(n, n))
    frontier = reached.copy()
    while frontier.any():
        nxt = (graph.T @ frontier.astype(float)) > 0
        frontier = nxt & ~reached
        reached |= nxt
    return reached


def forced_sets(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Return the masks of candidates that must be in and must be out once dependencies are followed.

    In: the mandatory ones and everything they need, transitively. Out: the excluded ones and everything that
    needs an excluded one, transitively.
    """
    i, j = problem.requires[:, 0], problem.requires[:, 1]
    must_in = _closure(problem.forced_in, i, j, problem.n)
    must_out = _closure(problem.forced_out, j, i, problem.n)
    return must_in, must_out


def _dependency_path(problem: Problem, source: int, target: int) -> list[int]:
    """Return candidates ``source → … → target`` along ``requires`` (breadth first), or ``[]``."""
    previous = {source: source}
    queue = [source]
    for node in queue:
        if node == target:
            path = [node]
            while path[-1] != source:
                path.append(previous[path[-1]])
            return path[::-1]
        for nxt in problem.requires[problem.requires[:, 0] == node, 1]:
            if int(nxt) not in previous:
                previous[int(nxt)] = node
                queue.append(int(nxt))
    return []


def _list_names(names: Iterable[str], limit: int = 4) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def explain_conflict(problem: Problem) -> str | None:
    """Return one sentence naming a constraint the mandatory projects cannot meet, or None when none is found.

    Checked in order: a candidate both mandatory and excluded; a mandatory candidate that needs (perhaps through
    others) an excluded one; a budget period or capacity cell that the mandatory candidates and what they need
    already overrun, even with every other candidate out. Only the last check needs non-negative use; with
    negative use it still holds row by row, counting every negative entry as taken.
    """
    names = problem.names
    both = np.flatnonzero(problem.forced_in & problem.forced_out)
    if both.size:
        return f"{names[both[0]]} is mandatory but {problem.why_out(int(both[0]))}."
    must_in, must_out = forced_sets(problem)
    clash = np.flatnonzero(must_in & must_out)
    if clash.size:
        for source in np.flatnonzero(problem.forced_in):
            for target in np.flatnonzero(problem.forced_out):
                path = _dependency_path(problem, int(source), int(target))
                if path:
                    through = f" (through {' → '.join(str(names[p]) for p in path)})" if len(path) > 2 else ""
                    return (
                        f"{names[source]} is mandatory but needs {names[target]}, which {problem.why_out(int(target))}"
                        f"{through}."
                    )
    if problem.m == 0:
        return None
    # Least possible use of each row: the forced-in candidates plus every negative entry of the free ones.
    free = ~must_in & ~must_out
    forced_use = problem.usage @ must_in.astype(float)
    negative_use = problem.usage.minimum(0) @ free.astype(float)
    excess = forced_use + negative_use - problem.limit
    scale = np.maximum(np.abs(problem.limit), 1.0)
    over = np.flatnonzero(excess > FEASIBILITY_TOLERANCE * scale)
    if not over.size:
        return None
    row = int(over[np.argmax(excess[over] / scale[over])])
    uses_row = problem.usage[[row], :].toarray().ravel() > 0
    mandatory = np.flatnonzero(problem.forced_in & uses_row)
    pulled_in = np.flatnonzero(must_in & ~problem.forced_in & uses_row)
    one = len(mandatory) == 1
    if len(mandatory):
        who = f"Mandatory {'project' if one else 'projects'} {_list_names(str(names[u]) for u in mandatory)}"
    else:
        who, one = "The mandatory projects", False
    if len(pulled_in):
        who += f", with {_list_names(str(names[u]) for u in pulled_in)} which {'it needs' if one else 'they need'},"
    return (
        f"{who} {'needs' if one else 'need'} {problem.row_unit(row, forced_use[row] + negative_use[row])} of "
        f"{problem.row_label(row)}, which holds only {problem.row_unit(row, problem.limit[row])}."
    )


def is_feasible(problem: Problem, chosen: np.ndarray, tolerance: float = FEASIBILITY_TOLERANCE) -> bool:
    """Return True when ``chosen`` meets every row, dependency, mandatory and excluded constraint."""
    chosen = np.asarray(chosen, dtype=bool)
    if (problem.forced_in & ~chosen).any() or (problem.forced_out & chosen).any():
        return False
    if len(problem.requires) and (chosen[problem.requires[:, 0]] & ~chosen[problem.requires[:, 1]]).any():
        return False
    use = problem.usage @ chosen.astype(float)
    return bool((use <= problem.limit + tolerance * np.maximum(np.abs(problem.limit), 1.0)).all())


# --- Exact solve with HiGHS ---------------------------------------------------------------------------------


class CancelToken:
    """Stops a running exact solve from another thread: HiGHS polls for the interrupt between its steps."""

    def __init__(self):
        self._lock = threading.Lock()
        self._highs: highspy.Highs | None = None
        self.cancelled = False

    def publish(self, partial) -> None:
        """Offer a partial result; a :class:`BackgroundSolver` keeps it for ``partial()``, elsewhere it is dropped."""

    def attach(self, h: highspy.Highs) -> bool:
        """Register the HiGHS instance about to run; return False when the token is already cancelled."""
        with self._lock:
            if self.cancelled:
                return False
            h.HandleUserInterrupt = True
            self._highs = h
            return True

    def detach(self) -> None:
        """Forget the instance once its run has returned."""
        with self._lock:
            self._highs = None

    def cancel(self) -> None:
        """Ask the attached run (and every later one with this token) to stop."""
        with self._lock:
            self.cancelled = True
            if self._highs is not None:
                self._highs.cancelSolve()


def _relative_gap(objective: float, bound: float) -> float:
    return max(0.0, bound - objective) / max(abs(bound), 1e-9)


def _highs_model(problem: Problem, integer: bool = True) -> highspy.Highs:
    """Return a silent HiGHS instance holding the problem (maximise; rows = resources, then dependencies)."""
    n, d = problem.n, len(problem.requires)
    rows = [problem.usage]
    if d:
        k = np.arange(d)
        rows.append(
            sp.csc_matrix(
                (np.r_[np.ones(d), -np.ones(d)], (np.r_[k, k], np.r_[problem.requires[:, 0], problem.requires[:, 1]])),
                shape=(d, n),
            )
        )
    matrix = sp.vstack(rows, format="csc") if n else sp.csc_matrix((problem.m + d, 0))
    matrix.sum_duplicates()
    inf = highspy.kHighsInf
    row_upper = np.r_[np.where(np.isposinf(problem.limit), inf, problem.limit), np.zeros(d)]
    lower = problem.forced_in.astype(float)
    upper = (~problem.forced_out).astype(float)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(
        n,
        problem.m + d,
        matrix.nnz,
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMaximize),
        0.0,
        np.ascontiguousarray(problem.value, dtype=np.float64),
        np.ascontiguousarray(lower),
        np.ascontiguousarray(upper),
        np.full(problem.m + d, -inf),
        np.ascontiguousarray(row_upper, dtype=np.float64),
        matrix.indptr.astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data.astype(np.float64),
        np.full(n, int(highspy.HighsVarType.kInteger) if integer else 0, dtype=np.int32),
    )
    return h


def solve_exact(
    problem: Problem,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float = OPTIMAL_GAP,
    start: np.ndarray | None = None,
    token: CancelToken | None = None,
) -> Selection:
    """Solve ``problem`` to proven optimality with HiGHS, or until ``time_limit`` seconds or a cancel.

    Parameters
    ----------
    problem
        The selection problem.
    time_limit
        Seconds; HiGHS checks it between nodes, so a run can overshoot it (the issue measured 0.25 s → 1.3 s).
    mip_rel_gap
        Stop once the relative gap is at most this.
    start
        A feasible selection to start from (e.g. from :func:`solve_fast`): HiGHS then never returns worse.
    token
        Lets another thread stop the run (``token.cancel()``); a stopped run has status ``"cancelled"`` with its
        best selection so far, or ``"no_solution"``.

    Returns
    -------
    Selection
        Status ``"optimal"``, ``"time_limit"``, ``"infeasible"`` (with ``conflict``), ``"no_solution"`` or
        ``"error"``.
    """
    started = time.perf_counter()
    n = problem.n
    conflict = explain_conflict(problem)
    if conflict is not None:
        return Selection(
            np.zeros(n, dtype=bool),
            float("nan"),
            STATUS_INFEASIBLE,
            conflict=conflict,
            seconds=time.perf_counter() - started,
        )
    if n == 0:
        return Selection(np.zeros(0, dtype=bool), 0.0, STATUS_OPTIMAL, 0.0, 0.0, seconds=time.perf_counter() - started)
    h = _highs_model(problem)
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if start is not None and is_feasible(problem, start):
        h.setSolution(n, np.arange(n, dtype=np.int32), np.asarray(start, dtype=np.float64))
    if token is not None:
        if not token.attach(h):
            return Selection(
                np.zeros(n, dtype=bool), float("nan"), STATUS_NO_SOLUTION, seconds=time.perf_counter() - started
            )
        try:
            h.run()
        finally:
            token.detach()
    else:
        h.run()
    model_status = h.getModelStatus()
    info = h.getInfo()
    seconds = time.perf_counter() - started
    status_names = highspy.HighsModelStatus
    if model_status == status_names.kInfeasible:
        sentence = "No selection meets every budget, capacity and dependency constraint with the mandatory projects."
        return Selection(np.zeros(n, dtype=bool), float("nan"), STATUS_INFEASIBLE, conflict=sentence, seconds=seconds)
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if not has_solution:
        status = STATUS_NO_SOLUTION if model_status in _STOPPED else STATUS_ERROR
        return Selection(np.zeros(n, dtype=bool), float("nan"), status, bound=info.mip_dual_bound, seconds=seconds)
    chosen = np.asarray(h.getSolution().col_value) > 0.5
    objective = float(problem.value[chosen].sum())
    bound = float(info.mip_dual_bound) + 0.0  # no -0.0 on screen
    gap = _relative_gap(objective, bound)
    if model_status == status_names.kOptimal:
        # HiGHS stops at mip_rel_gap: proven means asked for the gap (1e-6) or tighter, or got there anyway.
        status = STATUS_OPTIMAL if mip_rel_gap <= OPTIMAL_GAP or gap <= OPTIMAL_GAP else STATUS_GAP_LIMIT
        gap = min(gap, float(mip_rel_gap))
    elif model_status == status_names.kInterrupt:
        status = STATUS_CANCELLED
    elif model_status in _STOPPED:
        status = STATUS_TIME_LIMIT
    else:
        status = STATUS_ERROR
    return Selection(chosen, objective, status, gap, bound, seconds=seconds, method="milp")


_STOPPED = (
    highspy.HighsModelStatus.kTimeLimit,
    highspy.HighsModelStatus.kIterationLimit,
    highspy.HighsModelStatus.kInterrupt,
    highspy.HighsModelStatus.kSolutionLimit,
    highspy.HighsModelStatus.kObjectiveBound,
    highspy.HighsModelStatus.kObjectiveTarget,
)


# --- The model from the store, prepared once per store version -------------------------------------------------

CANDIDATE_STAGES = ("proposed", "approved", "active")
PLAN_STAGES = ("approved", "active")
DONE_STAGE = "completed"

_CANDIDATES_SQL = """
SELECT project_id, name, stage, mandatory, probability_of_success
FROM projects WHERE stage IN ('proposed', 'approved', 'active') ORDER BY project_id
"""
_FLOWS_SQL = """
SELECT project_id, period, cost, benefit FROM project_cashflows
WHERE period >= ? AND project_id IN (SELECT project_id FROM projects WHERE stage IN ('proposed', 'approved', 'active'))
  AND (cost <> 0 OR benefit <> 0)
ORDER BY project_id, period
"""
_CAPACITY_SQL = """
SELECT t.team_id, t.name, c.period, c.fte FROM team_capacity c JOIN teams t USING (team_id)
WHERE c.period >= ? ORDER BY t.team_id, c.period
"""
_DEMAND_SQL = """
SELECT d.project_id, d.team_id, d.period, d.fte FROM project_demand d
WHERE d.period >= ? AND d.fte > 0
  AND d.project_id IN (SELECT project_id FROM projects WHERE stage IN ('proposed', 'approved', 'active'))
"""
_DEPENDENCIES_SQL = """
SELECT d.project_id, d.depends_on, coalesce(q.stage, 'missing') AS depends_on_stage
FROM project_dependencies d LEFT JOIN projects q ON q.project_id = d.depends_on
WHERE d.project_id IN (SELECT project_id FROM projects WHERE stage IN ('proposed', 'approved', 'active'))
ORDER BY d.project_id, d.depends_on
"""
_ALIGNMENT_SQL = """
SELECT a.project_id, a.objective_id, a.score FROM project_alignment a
WHERE a.project_id IN (SELECT project_id FROM projects WHERE stage IN ('proposed', 'approved', 'active'))
"""


@dataclass(frozen=True, eq=False)
class PortfolioModel:
    """Everything the optimiser needs from the store, as numpy arrays: read once per store version.

    Candidates are the projects in stage proposed, approved or active (DESIGN.md), sorted by id; index ``i``
    is the same candidate in every array. "Forward" means dated on or after ``as_of``, as for NPV.

    Attributes
    ----------
    project_ids, names, stages
        ``(n,)`` the candidates.
    mandatory
        ``(n,)`` the store's mandatory flag.
    in_plan
        ``(n,)`` **the current plan**: candidates already committed (stage approved or active) plus every
        mandatory candidate. It is the reference the what-if page compares against, and the 100 % of the budget.
    probability_of_success
        ``(n,)`` from the store.
    flow_project, flow_month, flow_cost, flow_benefit
        The candidates' forward monthly cash flows, flat: candidate index, month (``datetime64[M]``), amounts.
    fiscal_years
        ``(Y,)`` the fiscal years with forward cost, named by the calendar year they end in (FY2027 ends in 2027).
    year_months
        ``(Y,)`` how many months of each fiscal year lie on or after ``as_of`` (the first one may be partial).
    cost_by_year
        ``(n, Y)`` forward cost of each candidate in each fiscal year.
    teams, team_names, months
        ``(T,)``, ``(T,)`` and ``(M,)`` (``datetime64[D]``): the capacity grid, every month in ``team_capacity``
        from ``as_of`` on. Demand outside these months has no capacity to check against and is not constrained.
    capacity_fte
        ``(T, M)`` FTE each team has each month (0 where the store has no row).
    demand_fte
        ``(n, T·M)`` sparse CSR: FTE each candidate asks of cell ``t·M + m``.
    requires
        ``(d, 2)`` index pairs ``(i, j)`` between candidates: i needs j.
    unmet_dependency
        ``(n,)`` object: the id of a project the candidate needs that is neither a candidate nor completed (on
        hold, cancelled or unknown), else None. Dependencies on completed projects are met and dropped; one on a
        project outside the candidates cannot be met by the selection, so a *proposed* candidate with one is
        blocked (see ``blocked``), while an approved or active one is not stopped by it (it is already running
        and the page shows the dependency as a risk).
    unmet_stage
        ``(n,)`` object: that project's stage (``"on_hold"``, ``"cancelled"``, ``"missing"``), else None.
    objective_ids, objective_names, objective_weights
        ``(O,)`` the strategic objectives and their stored weights.
    alignment
        ``(n, O)`` 0–5 alignment score of each candidate against each objective (0 where missing).
    as_of, currency, discount_rate, fiscal_year_start_month
        From ``settings``.
    """

    project_ids: np.ndarray
    names: np.ndarray
    stages: np.ndarray
    mandatory: np.ndarray
    in_plan: np.ndarray
    probability_of_success: np.ndarray
    flow_project: np.ndarray
    flow_month: np.ndarray
    flow_cost: np.ndarray
    flow_benefit: np.ndarray
    fiscal_years: np.ndarray
    year_months: np.ndarray
    cost_by_year: np.ndarray
    teams: np.ndarray
    team_names: np.ndarray
    months: np.ndarray
    capacity_fte: np.ndarray
    demand_fte: sp.csr_matrix
    requires: np.ndarray
    unmet_dependency: np.ndarray
    unmet_stage: np.ndarray
    objective_ids: np.ndarray
    objective_names: np.ndarray
    objective_weights: np.ndarray
    alignment: np.ndarray
    as_of: date
    currency: str
    discount_rate: float
    fiscal_year_start_month: int
    _index: dict = field(repr=False, compare=False, default_factory=dict)
    _cache: dict = field(repr=False, compare=False, default_factory=dict)

    @property
    def n(self) -> int:
        """Return the number of candidates."""
        return len(self.project_ids)

    def index_of(self, project_ids: Iterable[str]) -> np.ndarray:
        """Return the candidate indices of ``project_ids``; ids that are not candidates are skipped."""
        return np.asarray([self._index[p] for p in project_ids if p in self._index], dtype=np.int64)

    def label(self, i: int) -> str:
        """Return ``"P-0042 Billing revamp"``: how a candidate is named in sentences."""
        return f"{self.project_ids[i]} {self.names[i]}"

    @property
    def blocked(self) -> np.ndarray:
        """Return ``(n,)`` bool: proposed candidates that need an on-hold, cancelled or unknown project."""
        return (self.unmet_dependency != None) & (self.stages == "proposed")  # noqa: E711 (object array)

    @property
    def plan_cost_by_year(self) -> np.ndarray:
        """Return ``(Y,)`` the current plan's forward cost in each fiscal year."""
        return self.cost_by_year[self.in_plan].sum(axis=0)

    @property
    def plan_budget(self) -> np.ndarray:
        """Return ``(Y,)`` the budget at 100 %: what the plan spends each year, but never less than its run rate.

        The run rate is the plan's largest spend in a whole fiscal year (or, when it spends nothing in any whole
        year of the horizon, its largest monthly spend in a part year); each year's budget is at least that,
        pro rata for a part year.
        A company's budget does not fall as its current projects finish: what they stop spending funds new work.
        """
        plan = self.plan_cost_by_year
        if not len(plan):
            return plan
        whole = self.year_months == 12
        per_month = plan / np.maximum(self.year_months, 1)
        whole_year_rate = plan[whole].max() / 12 if whole.any() else 0.0
        run_rate = whole_year_rate if whole_year_rate > 0 else per_month.max()
        return np.maximum(plan, run_rate * self.year_months)


def fiscal_year_of(months: np.ndarray, start_month: int) -> np.ndarray:
    """Return the fiscal year (the calendar year it ends in) of each ``datetime64[M]`` month."""
    months = np.asarray(months, dtype="datetime64[M]").astype(np.int64)
    year, month = 1970 + months // 12, months % 12 + 1
    return year + ((month >= start_month) & (start_month != 1)).astype(np.int64)


def prepare_model(con) -> PortfolioModel:
    """Read the candidates, their forward money, demand, capacity, dependencies and alignment from the store.

    Runs a handful of queries and no formula that a what-if slider changes; :func:`apply_what_if` turns the
    result into a :class:`Problem` in milliseconds. Cache it per store version (``st.cache_resource``).

    Parameters
    ----------
    con
        The store (a cursor of the app's connection).

    Returns
    -------
    PortfolioModel
        The arrays; see its attributes.
    """
    settings = read_settings(con)
    as_of = settings.as_of
    projects = con.execute(_CANDIDATES_SQL).fetchnumpy()
    ids = np.asarray(projects["project_id"], dtype=object)
    n = len(ids)
    index = {p: i for i, p in enumerate(ids)}
    mandatory = np.asarray(projects["mandatory"], dtype=bool)
    stages = np.asarray(projects["stage"], dtype=object)

    flows = con.execute(_FLOWS_SQL, [as_of]).fetchnumpy()
    flow_project = np.asarray([index[p] for p in flows["project_id"]], dtype=np.int64)
    flow_month = np.asarray(flows["period"], dtype="datetime64[D]").astype("datetime64[M]")
    flow_cost = np.asarray(flows["cost"], dtype=float)
    flow_benefit = np.asarray(flows["benefit"], dtype=float)

    start_month = settings.fiscal_year_start_month
    flow_year = fiscal_year_of(flow_month, start_month)
    costly = flow_cost > 0
    # Forward months start with as_of's month when as_of is its first day, else with the next month.
    first_month = np.datetime64(as_of, "M") + (0 if as_of.day == 1 else 1)
    first_year = int(fiscal_year_of(np.array([first_month]), start_month)[0])
    last_year = int(flow_year[costly].max()) if costly.any() else first_year - 1
    fiscal_years = np.arange(first_year, last_year + 1, dtype=np.int64)
    next_year_start = np.datetime64(f"{first_year + (start_month == 1):04d}-{start_month:02d}", "M")
    year_months = np.full(len(fiscal_years), 12, dtype=np.int64)
    if len(year_months):
        year_months[0] = (next_year_start - first_month).astype(np.int64)
    cost_by_year = np.zeros((n, len(fiscal_years)))
    if costly.any():
        np.add.at(cost_by_year, (flow_project[costly], flow_year[costly] - fiscal_years[0]), flow_cost[costly])

    capacity = con.execute(_CAPACITY_SQL, [as_of]).fetchnumpy()
    teams_sorted, team_index = np.unique(np.asarray(capacity["team_id"], dtype=object), return_inverse=True)
    team_names = np.asarray(
        [capacity["name"][np.flatnonzero(team_index == t)[0]] for t in range(len(teams_sorted))], dtype=object
    )
    cap_months = np.asarray(capacity["period"], dtype="datetime64[D]").astype("datetime64[M]")
    months, month_index = np.unique(cap_months, return_inverse=True)
    capacity_fte = np.zeros((len(teams_sorted), len(months)))
    capacity_fte[team_index, month_index] = np.asarray(capacity["fte"], dtype=float)

    demand = con.execute(_DEMAND_SQL, [as_of]).fetchnumpy()
    team_position = {team: t for t, team in enumerate(teams_sorted)}
    d_team = np.asarray([team_position.get(team, -1) for team in demand["team_id"]], dtype=np.int64)
    demand_months = np.asarray(demand["period"], dtype="datetime64[D]").astype("datetime64[M]")
    d_month = np.searchsorted(months, demand_months)
    # On the grid: a team with capacity rows, in a month the grid has (demand elsewhere is not constrained).
    on_grid = (d_team >= 0) & (d_month < len(months))
    on_grid[on_grid] = months[d_month[on_grid]] == demand_months[on_grid]
    d_project = np.asarray([index[p] for p in demand["project_id"]], dtype=np.int64)
    cells = len(teams_sorted) * len(months)
    demand_fte = sp.csr_matrix(
        (
            np.asarray(demand["fte"], dtype=float)[on_grid],
            (d_project[on_grid], d_team[on_grid] * len(months) + d_month[on_grid]),
        ),
        shape=(n, cells),
    )

    deps = con.execute(_DEPENDENCIES_SQL).fetchall()
    pairs, unmet = [], {}
    for project_id, depends_on, stage in deps:
        if depends_on in index:
            pairs.append((index[project_id], index[depends_on]))
        elif stage != DONE_STAGE:
            unmet.setdefault(index[project_id], (depends_on, stage))
    requires = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    unmet_dependency = np.full(n, None, dtype=object)
    unmet_stage = np.full(n, None, dtype=object)
    for i, (missing, stage) in unmet.items():
        unmet_dependency[i], unmet_stage[i] = missing, stage

    objectives = con.execute("SELECT objective_id, name, weight FROM objectives ORDER BY objective_id").fetchnumpy()
    objective_ids = np.asarray(objectives["objective_id"], dtype=object)
    alignment = np.zeros((n, len(objective_ids)))
    rows = con.execute(_ALIGNMENT_SQL).fetchnumpy()
    o_index = {o: k for k, o in enumerate(objective_ids)}
    for project_id, objective_id, score in zip(rows["project_id"], rows["objective_id"], rows["score"], strict=True):
        if objective_id in o_index:
            alignment[index[project_id], o_index[objective_id]] = score

    return PortfolioModel(
        project_ids=ids,
        names=np.asarray(projects["name"], dtype=object),
        stages=stages,
        mandatory=mandatory,
        in_plan=np.isin(stages, PLAN_STAGES) | mandatory,
        probability_of_success=np.asarray(projects["probability_of_success"], dtype=float),
        flow_project=flow_project,
        flow_month=flow_month,
        flow_cost=flow_cost,
        flow_benefit=flow_benefit,
        fiscal_years=fiscal_years,
        year_months=year_months,
        cost_by_year=cost_by_year,
        teams=teams_sorted,
        team_names=team_names,
        months=months.astype("datetime64[D]"),
        capacity_fte=capacity_fte,
        demand_fte=demand_fte,
        requires=requires,
        unmet_dependency=unmet_dependency,
        unmet_stage=unmet_stage,
        objective_ids=objective_ids,
        objective_names=np.asarray(objectives["name"], dtype=object),
        objective_weights=np.asarray(objectives["weight"], dtype=float),
        alignment=alignment,
        as_of=as_of,
        currency=settings.currency,
        discount_rate=settings.discount_rate,
        fiscal_year_start_month=settings.fiscal_year_start_month,
        _index=index,
    )


# --- What-if parameters: from the prepared model to a Problem, vectorised --------------------------------------


def _frozen_mapping(values) -> tuple[tuple[str, float], ...]:
    items = values.items() if hasattr(values, "items") else (values or ())
    return tuple(sorted((str(k), float(v)) for k, v in items))


@dataclass(frozen=True)
class WhatIf:
    """The what-if settings; they change inputs, never the store. Hashable, so it can key a cache.

    Attributes
    ----------
    budget_pct
        Every fiscal year's budget as a percentage of the plan's (``PortfolioModel.plan_budget``); 100 = plan.
    budget_by_year
        Optional explicit budgets in money, one per ``PortfolioModel.fiscal_years``; overrides ``budget_pct``.
    discount_rate
        Annual rate for rNPV; None means ``settings.discount_rate``.
    alpha
        Money ↔ strategy: ``value_i = (1 − α) · rNPV_i / max_j |rNPV_j| + α · strategic_score_i`` (default 0.3).
    objective_weights
        ``{objective_id: weight}`` replacing stored weights (objectives not named keep theirs).
    capacity_fte_delta, capacity_pct_delta
        ``{team_id: ±FTE}`` added to every month of the horizon, ``{team_id: ±fraction}`` scaling it
        (0.1 = +10 %); the fraction applies first.
    flex
        Capacity may be exceeded by this fraction: ``Σ demand ≤ capacity · (1 + flex)``.
    pos_haircut
        Probabilities of success are multiplied by ``1 − pos_haircut``.
    cost_overrun
        Every forward cost is multiplied by ``1 + cost_overrun`` (in rNPV and against the budget).
    benefit_delay_months
        Every forward benefit arrives this many months later (and is discounted accordingly).
    force_in, force_out
        Project ids that must be / must not be chosen (beside the store's mandatory flags).
    """

    budget_pct: float = 100.0
    budget_by_year: tuple[float, ...] | None = None
    discount_rate: float | None = None
    alpha: float = 0.3
    objective_weights: tuple[tuple[str, float], ...] = ()
    capacity_fte_delta: tuple[tuple[str, float], ...] = ()
    capacity_pct_delta: tuple[tuple[str, float], ...] = ()
    flex: float = 0.0
    pos_haircut: float = 0.0
    cost_overrun: float = 0.0
    benefit_delay_months: int = 0
    force_in: tuple[str, ...] = ()
    force_out: tuple[str, ...] = ()

    def __post_init__(self):
        # Accept dicts and lists from callers but keep the object hashable and its equality order-free.
        for name in ("objective_weights", "capacity_fte_delta", "capacity_pct_delta"):
            object.__setattr__(self, name, _frozen_mapping(getattr(self, name)))
        for name in ("force_in", "force_out"):
            object.__setattr__(self, name, tuple(sorted({str(p) for p in getattr(self, name)})))
        if self.budget_by_year is not None:
            object.__setattr__(self, "budget_by_year", tuple(float(b) for b in self.budget_by_year))
        object.__setattr__(self, "benefit_delay_months", int(self.benefit_delay_months))
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError("alpha must be between 0 and 1")
        if not 0.0 <= self.pos_haircut <= 1.0:
            raise ValueError("pos_haircut must be between 0 and 1")
        if self.budget_pct < 0 or self.flex < 0 or self.cost_overrun <= -1:
            raise ValueError("budget_pct and flex must be ≥ 0 and cost_overrun > -1")

    def to_dict(self) -> dict:
        """Return the settings as plain JSON-ready values (a scenario's ``params``)."""
        return {
            "budget_pct": self.budget_pct,
            "budget_by_year": list(self.budget_by_year) if self.budget_by_year is not None else None,
            "discount_rate": self.discount_rate,
            "alpha": self.alpha,
            "objective_weights": dict(self.objective_weights),
            "capacity_fte_delta": dict(self.capacity_fte_delta),
            "capacity_pct_delta": dict(self.capacity_pct_delta),
            "flex": self.flex,
            "pos_haircut": self.pos_haircut,
            "cost_overrun": self.cost_overrun,
            "benefit_delay_months": self.benefit_delay_months,
            "force_in": list(self.force_in),
            "force_out": list(self.force_out),
        }

    @classmethod
    def from_dict(cls, values: dict) -> WhatIf:
        """Return the settings saved by :meth:`to_dict`; unknown keys are ignored, missing ones default."""
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True, eq=False)
class WhatIfProblem:
    """A model with what-if settings applied: the solver's :class:`Problem` and the numbers behind it.

    Attributes
    ----------
    model, params
        What it was built from.
    problem
        The selection problem: budget rows (one per fiscal year) then capacity rows (team-major, ``t·M + m``).
    value
        ``(n,)`` the objective of DESIGN.md.
    rnpv, pv_benefit, pv_cost, probability_of_success, strategic_score
        ``(n,)`` the money and strategy behind it after haircut, overrun, delay and rate.
    rnpv_scale
        ``max_j |rNPV_j|`` over the candidates (1 when all are 0): value units back to money.
    cost_by_year
        ``(n, Y)`` forward cost per fiscal year with the overrun.
    budget
        ``(Y,)`` the budget of each fiscal year.
    capacity_fte
        ``(T, M)`` capacity after the team deltas, before flex; the limit is ``capacity_fte · (1 + flex)``.
    """

    model: PortfolioModel
    params: WhatIf
    problem: Problem
    value: np.ndarray
    rnpv: np.ndarray
    pv_benefit: np.ndarray
    pv_cost: np.ndarray
    probability_of_success: np.ndarray
    strategic_score: np.ndarray
    rnpv_scale: float
    cost_by_year: np.ndarray
    budget: np.ndarray
    capacity_fte: np.ndarray


def _cached(model: PortfolioModel, key: str, build: Callable[[], object]):
    """Return ``build()`` memoised on the model: derived arrays computed once per prepared model."""
    if key not in model._cache:
        model._cache[key] = build()
    return model._cache[key]


def _usage_matrix(model: PortfolioModel) -> sp.csc_matrix:
    """Return the base ``(Y + T·M, n)`` resource matrix: forward cost per fiscal year, then FTE per cell."""
    return sp.vstack([sp.csc_matrix(model.cost_by_year.T), sp.csc_matrix(model.demand_fte.T)], format="csc").astype(
        float
    )


def forward_value_parts(
    model: PortfolioModel, rate: float, benefit_delay_months: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return each candidate's forward PV of benefits (delayed by whole months) and PV of costs at ``rate``.

    Discounting is ``analytics.finance.discount_factors`` (Excel XNPV from ``as_of``), evaluated once per
    distinct month and gathered, so a slider move costs a few hundred microseconds.
    """
    months, month_of_flow = _cached(model, "months", lambda: np.unique(model.flow_month, return_inverse=True))
    cost_factor = finance.discount_factors(months.astype("datetime64[D]"), model.as_of, rate)
    delayed = (months + benefit_delay_months).astype("datetime64[D]")
    benefit_factor = finance.discount_factors(delayed, model.as_of, rate)
    pv_benefit = np.bincount(model.flow_project, model.flow_benefit * benefit_factor[month_of_flow], model.n)
    pv_cost = np.bincount(model.flow_project, model.flow_cost * cost_factor[month_of_flow], model.n)
    return pv_benefit, pv_cost


def apply_what_if(model: PortfolioModel, params: WhatIf | None = None) -> WhatIfProblem:
    """Apply what-if settings to a prepared model: values, budgets and capacities, no SQL.

    ``rNPV_i = PoS_i · (1 − haircut) · PV(benefits_i, delayed) − (1 + overrun) · PV(costs_i)``; the strategic
    score is ``analytics.finance.strategic_scores_from_alignment`` with the (changed) weights;
    ``value_i = (1 − α) · rNPV_i / max_j |rNPV_j| + α · score_i`` (DESIGN.md). Mandatory and ``force_in``
    candidates are in; ``force_out`` and blocked ones (``PortfolioModel.blocked``) are out.

    Parameters
    ----------
    model
        From :func:`prepare_model`.
    params
        The settings; None means the plan's (``WhatIf()``).

    Returns
    -------
    WhatIfProblem
        The problem to solve and the numbers behind it.
    """
    params = WhatIf() if params is None else params
    rate = model.discount_rate if params.discount_rate is None else float(params.discount_rate)
    pv_benefit, pv_cost = forward_value_parts(model, rate, params.benefit_delay_months)
    overrun = 1.0 + params.cost_overrun
    pv_cost = pv_cost * overrun
    pos = model.probability_of_success * (1.0 - params.pos_haircut)
    rnpv = pos * pv_benefit - pv_cost
    weights = model.objective_weights.copy()
    changed = dict(params.objective_weights)
    for k, objective_id in enumerate(model.objective_ids):
        weights[k] = changed.get(objective_id, weights[k])
    strategic = finance.strategic_scores_from_alignment(model.alignment, weights)
    scale = float(np.abs(rnpv).max()) if model.n and np.abs(rnpv).max() > 0 else 1.0
    value = (1.0 - params.alpha) * rnpv / scale + params.alpha * strategic

    if params.budget_by_year is not None:
        if len(params.budget_by_year) != len(model.fiscal_years):
            raise ValueError(f"budget_by_year needs {len(model.fiscal_years)} amounts, one per fiscal year")
        budget = np.asarray(params.budget_by_year, dtype=float)
    else:
        budget = model.plan_budget * params.budget_pct / 100.0
    capacity = model.capacity_fte.copy()
    for team_id, fraction in params.capacity_pct_delta:
        capacity[model.teams == team_id] *= 1.0 + fraction
    for team_id, fte in params.capacity_fte_delta:
        capacity[model.teams == team_id] += fte
    capacity = np.maximum(capacity, 0.0)

    forced_in = model.mandatory.copy()
    forced_in[model.index_of(params.force_in)] = True
    out_reason = np.full(model.n, None, dtype=object)
    blocked = model.blocked
    for i in np.flatnonzero(blocked):
        stage = str(model.unmet_stage[i]).replace("_", " ")
        out_reason[i] = f"needs {model.unmet_dependency[i]}, which is {stage}"
    forced_out = blocked.copy()
    forced = model.index_of(params.force_out)
    forced_out[forced] = True
    out_reason[forced] = "is forced out"

    n_years, n_months = len(model.fiscal_years), len(model.months)
    labels = _cached(model, "labels", lambda: np.asarray([model.label(i) for i in range(model.n)], dtype=object))
    currency = model.currency

    def row_label(r: int) -> str:
        if r < n_years:
            return f"the FY{model.fiscal_years[r]} budget"
        t, m = divmod(r - n_years, n_months)
        return f"{model.team_names[t]} in {_month_name(model.months[m])}"

    def row_unit(r: int, amount: float) -> str:
        # Budget rows are solved in planned money (the overrun divides the budget): show what it really costs.
        return money(amount * overrun, currency) if r < n_years else f"{amount:.1f} FTE"

    problem = Problem(
        value=value,
        usage=_cached(model, "usage", lambda: _usage_matrix(model)),
        limit=np.r_[budget / overrun, (capacity * (1.0 + params.flex)).ravel()],
        requires=model.requires,
        forced_in=forced_in,
        forced_out=forced_out,
        names=labels,
        row_label=row_label,
        row_unit=row_unit,
        out_reason=out_reason,
        budget_rows=n_years,
    )
    return WhatIfProblem(
        model=model,
        params=params,
        problem=problem,
        value=value,
        rnpv=rnpv,
        pv_benefit=pv_benefit,
        pv_cost=pv_cost,
        probability_of_success=pos,
        strategic_score=strategic,
        rnpv_scale=scale,
        cost_by_year=model.cost_by_year * overrun,
        budget=budget,
        capacity_fte=capacity,
    )


def _month_name(month: np.datetime64) -> str:
    """Return ``"Mar 2027"``."""
    return np.datetime64(month, "D").astype(object).strftime("%b %Y")


# --- Fast answers: greedy baselines and the LP-priced greedy ---------------------------------------------------


def _requirement_lists(problem: Problem) -> list[np.ndarray]:
    """Return, per candidate, the candidates it needs directly."""
    if not len(problem.requires):
        return [np.zeros(0, dtype=np.int64)] * problem.n
    order = np.argsort(problem.requires[:, 0], kind="stable")
    source, target = problem.requires[order, 0], problem.requires[order, 1]
    bounds = np.searchsorted(source, np.arange(problem.n + 1))
    return [target[bounds[i] : bounds[i + 1]] for i in range(problem.n)]


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
    limit = problem.limit + FEASIBILITY_TOLERANCE * np.maximum(np.abs(problem.limit), 1.0)
    used = usage @ chosen.astype(float)
    if (used > limit).any():
        return np.zeros(n, dtype=bool)
    needs = _requirement_lists(problem)
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
        bundle = _bundle(int(i), needs, chosen)
        if must_out[bundle].any() or value[bundle].sum() <= 0:
            continue
        rows = np.concatenate([indices[indptr[j] : indptr[j + 1]] for j in bundle])
        amounts = np.concatenate([data[indptr[j] : indptr[j + 1]] for j in bundle])
        added = np.bincount(rows, weights=amounts, minlength=len(used))
        if (used + added <= limit).all():
            used += added
            chosen[bundle] = True
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


def solve_greedy(problem: Problem) -> Selection:
    """Return the plain value/cost greedy selection: the baseline the exact optimiser must beat (tests, benchmarks).

    Status ``"feasible"`` (or ``"infeasible"`` with the conflict); ``bound`` is NaN: greedy proves nothing.
    """
    started = time.perf_counter()
    conflict = explain_conflict(problem)
    if conflict is not None:
        return Selection(
            np.zeros(problem.n, dtype=bool),
            float("nan"),
            STATUS_INFEASIBLE,
            conflict=conflict,
            seconds=time.perf_counter() - started,
            method="greedy",
        )
    chosen = greedy_fill(problem, value_cost_order(problem))
    objective = float(problem.value[chosen].sum())
    return Selection(chosen, objective, STATUS_FEASIBLE, seconds=time.perf_counter() - started, method="greedy")


def lp_relaxation(problem: Problem) -> tuple[float, np.ndarray, np.ndarray]:
    """Solve the LP relaxation (``0 ≤ x ≤ 1``); return its optimum, ``x`` and each resource row's dual price.

    The optimum bounds every selection from above. A row's dual price is the value one more unit of it would
    add at the margin (≥ 0; 0 for a row with slack). Solved from scratch every time (about 15 ms at bench
    scale): a solve warm-started from another slider setting's basis is faster but can land on another of
    several optimal LP vertices, and then the same settings would not always give the same fast answer.
    """
    if problem.n == 0:
        return 0.0, np.zeros(0), np.zeros(problem.m)
    h = _highs_model(problem, integer=False)
    h.run()
    return _lp_answer(h, problem)


def _lp_answer(h: highspy.Highs, problem: Problem) -> tuple[float, np.ndarray, np.ndarray]:
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return float("nan"), np.zeros(problem.n), np.zeros(problem.m)
    solution = h.getSolution()
    x = np.clip(np.asarray(solution.col_value), 0.0, 1.0)
    duals = np.abs(np.asarray(solution.row_dual)[: problem.m])
    return float(h.getInfo().objective_function_value), x, duals


def solve_fast(problem: Problem) -> Selection:
    """Return a good feasible selection at once: a greedy priced by the LP relaxation's dual values.

    The LP relaxation prices every budget year and capacity cell (its duals); candidates the LP takes whole
    come first, then the rest by ``value / Σ_r price_r · use_r`` (value per unit of *scarce* resource), each
    with what it needs. When that is more than ``SECOND_PASS_GAP`` below the LP bound, two plain passes (by the
    dual ratio alone, by value per spend) are tried too and the best is returned. Deterministic: the same
    problem always gives the same answer (a replayed link shows the same
    selection). Status ``"feasible"`` (``"optimal"`` when it meets the LP bound), with ``bound`` = the
    LP optimum and ``gap`` against it: the selection is at most that far from the true optimum.
    """
    started = time.perf_counter()
    conflict = explain_conflict(problem)
    if conflict is not None:
        return Selection(
            np.zeros(problem.n, dtype=bool),
            float("nan"),
            STATUS_INFEASIBLE,
            conflict=conflict,
            seconds=time.perf_counter() - started,
            method="dual_greedy",
        )
    if problem.n == 0:
        return Selection(np.zeros(0, dtype=bool), 0.0, STATUS_OPTIMAL, 0.0, 0.0, method="dual_greedy")
    bound, x, duals = lp_relaxation(problem)
    price = problem.usage.T @ duals
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(price > 1e-12, problem.value / price, np.where(problem.value > 0, np.inf, -np.inf))
    whole = x >= 1.0 - 1e-7
    # What the LP takes whole is a feasible start when it meets every constraint with the forced set (it does
    # when all use is non-negative): adding it in one step leaves the loop only the fractional rest.
    start = whole | forced_sets(problem)[0]
    chosen = greedy_fill(problem, np.lexsort((-ratio, -x, ~whole)), start if is_feasible(problem, start) else None)
    if np.isfinite(bound) and _relative_gap(float(problem.value[chosen].sum()), bound) > SECOND_PASS_GAP:
        # Rounding the LP left much on the table (small portfolios, where each project is a big step): try two
        # more orders, the dual ratio from scratch and plain value per spend, and keep the best.
        for order in (np.argsort(-ratio, kind="stable"), value_cost_order(problem)):
            other = greedy_fill(problem, order)
            if problem.value[other].sum() > problem.value[chosen].sum():
                chosen = other
    objective = float(problem.value[chosen].sum())
    gap = _relative_gap(objective, bound) if np.isfinite(bound) else float("nan")
    status = STATUS_OPTIMAL if gap <= OPTIMAL_GAP else STATUS_FEASIBLE
    return Selection(chosen, objective, status, gap, bound, seconds=time.perf_counter() - started, method="dual_greedy")


# --- Background: the proven optimum arrives after the fast answer -----------------------------------------------


#: Niceness of a background solver thread: proofs and frontier sweeps yield the CPU to the threads drawing pages.
BACKGROUND_NICENESS = 10


def _run_in_the_background() -> None:
    """Lower the calling thread's CPU priority (Linux schedules threads separately, so only this thread yields).

    On a two-core laptop the proof of the last slider move and the frontier sweep would otherwise take both cores
    from the page that is answering the next move. Where thread priorities are not available, nothing changes.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)
    except (AttributeError, OSError):
        return


#: Every BackgroundSolver of the process, shut down at exit.
_SOLVERS: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _shutdown_solvers() -> None:
    for solver in list(_SOLVERS):
        solver.shutdown()


class BackgroundSolver:
    """Runs exact solves (or any job) on worker threads, one per lane; in a lane the newest request wins.

    HiGHS proves most bench instances in 0.5–2 s and some take longer, and its time limit does not bound
    latency; so the page shows :func:`solve_fast` at once, submits the exact solve here, and polls
    :meth:`result` (for example from an ``st.fragment(run_every=...)``) until it arrives. Submitting a new key
    to a lane cancels that lane's running job (through its :class:`CancelToken`) and replaces its queued one: a
    dragged slider never queues a backlog. Lanes keep kinds of work apart, so a long frontier sweep (lane
    ``"frontier"``) never delays the selection's proof (lane ``"exact"``). HiGHS releases the GIL while it
    solves, so the app's other threads keep serving. A job that raises leaves its exception as the result.

    Parameters
    ----------
    keep
        How many finished results to remember (the oldest are dropped first).
    """

    def __init__(self, keep: int = 64):
        self._keep = keep
        self._condition = threading.Condition()
        self._results: dict = {}
        self._partial: dict = {}
        self._pending: dict[str, tuple] = {}
        self._running: dict[str, tuple] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._closed = False
        _SOLVERS.add(self)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Drop queued jobs, cancel running ones and wait for their threads to end.

        At exit a process must not end while HiGHS runs on a daemon thread: that aborts it ("terminate called
        without an active exception").
        """
        with self._condition:
            self._closed = True
            self._pending.clear()
            for _, token in self._running.values():
                token.cancel()
            threads = list(self._threads.values())
            self._condition.notify_all()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def submit(self, key, job: Callable[[CancelToken], object], lane: str = "exact") -> None:
        """Queue ``job(token)`` under ``key`` in ``lane``, unless its result is known or it is queued or running.

        The job may call ``token.publish(partial)`` to offer what it has so far (see :meth:`partial`) and should
        stop early when ``token.cancelled`` (solve_exact and efficient_frontier do both through ``token``).
        """
        with self._condition:
            if key in self._results or self._busy(key):
                return
            running = self._running.get(lane)
            if running is not None:
                running[1].cancel()
            self._pending[lane] = (key, job)
            thread = self._threads.get(lane)
            if thread is None or not thread.is_alive():
                thread = threading.Thread(target=self._work, args=(lane,), name=f"quarterdeck-{lane}", daemon=True)
                self._threads[lane] = thread
                thread.start()
            self._condition.notify_all()

    def submit_exact(self, key, problem: Problem, start: np.ndarray | None = None, time_limit: float = 60.0) -> None:
        """Queue ``solve_exact(problem, start=start, time_limit=time_limit)`` under ``key`` in lane ``"exact"``."""
        self.submit(key, lambda token: solve_exact(problem, start=start, time_limit=time_limit, token=token))

    def result(self, key):
        """Return the job's result, or None while it is queued, running, cancelled or unknown."""
        with self._condition:
            return self._results.get(key)

    def partial(self, key):
        """Return what the job last published (``token.publish``), or its result once finished, or None."""
        with self._condition:
            return self._results.get(key, self._partial.get(key))

    def busy(self, key) -> bool:
        """Return True while the job under ``key`` is queued or running."""
        with self._condition:
            return self._busy(key)

    def wait(self, key, timeout: float):
        """Wait up to ``timeout`` seconds for the job's result; return it or None."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while key not in self._results and self._busy(key):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._condition.wait(remaining)
            return self._results.get(key)

    def _busy(self, key) -> bool:
        slots = [*self._pending.values(), *self._running.values()]
        return any(slot[0] == key for slot in slots)

    def _publish(self, key, token: CancelToken, partial) -> None:
        with self._condition:
            if not token.cancelled:
                self._partial[key] = partial

    def _work(self, lane: str) -> None:
        _run_in_the_background()
        while True:
            with self._condition:
                while lane not in self._pending:
                    if self._closed:
                        self._threads.pop(lane, None)
                        return
                    # An idle lane's thread ends after a while; the next submit starts another.
                    if not self._condition.wait(timeout=30.0):
                        if lane not in self._pending:
                            self._threads.pop(lane, None)
                            return
                key, job = self._pending.pop(lane)
                token = CancelToken()
                token.publish = lambda partial, key=key, token=token: self._publish(key, token, partial)
                self._running[lane] = (key, token)
            try:
                outcome = job(token)
            except Exception as exc:  # noqa: BLE001 - a failed job must not kill the worker; callers see the error
                outcome = exc
            with self._condition:
                self._running.pop(lane, None)
                self._partial.pop(key, None)
                if not token.cancelled:
                    self._results[key] = outcome
                    while len(self._results) > self._keep:
                        self._results.pop(next(iter(self._results)))
                self._condition.notify_all()


# --- Frontier and ranking curve ---------------------------------------------------------------------------------

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
        True: HiGHS per level (``status`` says whether each is proven). False: :func:`solve_fast` per level.
    time_limit
        Seconds per exact level.
    token
        Stops the sweep early (levels not reached are left out); the frame so far is published through it after
        each level, so a :class:`BackgroundSolver` shows the points as they arrive.

    Returns
    -------
    pandas.DataFrame
        One row per level: ``budget_pct``, ``budget`` (total over the fiscal years, money), ``value``,
        ``rnpv``, ``strategic_score`` (mean over the chosen), ``spend``, ``projects``, ``status``, ``gap``,
        ``ranking_value`` (value/cost greedy), ``chosen`` (bool array per level).
    """
    problem, base_budget = what_if.problem, _base_budget(what_if)
    overrun = 1.0 + what_if.params.cost_overrun
    rows, previous = [], None
    for pct in sorted(budget_pcts):
        if token is not None and token.cancelled:
            break
        budget = base_budget * pct / 100.0
        level = with_limits(problem, np.r_[budget / overrun, problem.limit[problem.budget_rows :]])
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
        ranking = solve_greedy(level)
        rows.append(
            {
                "budget_pct": float(pct),
                "budget": float(budget.sum()),
                **_totals(what_if, selection.chosen, selection.feasible),
                "status": selection.status,
                "gap": selection.gap,
                "ranking_value": ranking.objective,
                "chosen": selection.chosen,
            }
        )
        if token is not None:
            token.publish(_frontier_frame(rows))
    return _frontier_frame(rows)


def _frontier_frame(rows: list[dict]) -> pd.DataFrame:
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
            "status",
            "gap",
            "ranking_value",
            "chosen",
        ],
    )


def _base_budget(what_if: WhatIfProblem) -> np.ndarray:
    """Return the budget at 100 %: the explicit per-year budgets when given, else the plan's."""
    if what_if.params.budget_by_year is not None:
        return np.asarray(what_if.params.budget_by_year, dtype=float)
    return what_if.model.plan_budget


def _totals(what_if: WhatIfProblem, chosen: np.ndarray, feasible: bool = True) -> dict:
    if not feasible:
        nan = float("nan")
        return {"value": nan, "rnpv": nan, "strategic_score": nan, "spend": nan, "projects": 0}
    return {
        "value": float(what_if.value[chosen].sum()),
        "rnpv": float(what_if.rnpv[chosen].sum()),
        "strategic_score": float(what_if.strategic_score[chosen].mean()) if chosen.any() else 0.0,
        "spend": float(what_if.cost_by_year[chosen].sum()),
        "projects": int(chosen.sum()),
    }


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
    needs = _requirement_lists(problem)
    listed = np.zeros(problem.n, dtype=bool)
    order: list[int] = []
    for i in np.lexsort((-ratio, ~must_in)):
        if listed[i] or must_out[i] or (what_if.value[i] <= 0 and not must_in[i]):
            continue
        bundle = _bundle(int(i), needs, listed)
        if must_out[bundle].any() or (not must_in[i] and what_if.value[bundle].sum() <= 0):
            continue
        order.extend(bundle)
        listed[bundle] = True
    order = np.asarray(order, dtype=np.int64)
    k = len(order)
    demand = problem.usage[problem.budget_rows :][:, order].toarray()
    limits = problem.limit[problem.budget_rows :][:, None]
    tolerance = FEASIBILITY_TOLERANCE * np.maximum(np.abs(limits), 1.0)
    fits = ~(np.cumsum(demand, axis=1) > limits + tolerance).any(axis=0) if k else np.zeros(0, dtype=bool)
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


def _bundle(i: int, needs: list[np.ndarray], taken: np.ndarray) -> list[int]:
    """Return ``i`` and everything it needs, transitively, that is not ``taken``: requirements first."""
    bundle: list[int] = []
    seen = {i}
    stack = [(i, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            bundle.append(node)
            continue
        stack.append((node, True))
        for j in needs[node]:
            j = int(j)
            if j not in seen and not taken[j]:
                seen.add(j)
                stack.append((j, False))
    return bundle


# --- Why not? and what is one more FTE or dollar worth ---------------------------------------------------------


@dataclass(frozen=True)
class Binding:
    """A constraint that stands in the way: a budget year, a team-month or a dependency.

    Attributes
    ----------
    kind
        ``"budget"``, ``"capacity"`` or ``"dependency"``.
    label
        ``"the FY2027 budget"``, ``"Data Engineering in Mar 2027"``, or the project needed.
    row
        The resource row (None for a dependency).
    over
        How far the candidate would overrun it, in the row's unit text (``"$1.2M"``, ``"0.8 FTE"``).
    """

    kind: str
    label: str
    row: int | None
    over: str


@dataclass(frozen=True)
class WhyNot:
    """Why a candidate is out (or in), and what the opposite would cost.

    Attributes
    ----------
    project_id
        The candidate asked about.
    chosen
        Whether it is in the base selection.
    value_change
        Objective of the best selection with the candidate flipped, minus the base objective (≤ 0 when the base
        is optimal and the flipped run proven); NaN when flipping it is infeasible.
    rnpv_change
        The same in rNPV (money).
    flipped
        The re-optimised selection with the candidate forced in (if out) or out (if in).
    entering, leaving
        Project ids that come in / go out when it is flipped: for a chosen candidate, ``entering`` is what it
        displaces.
    binding
        For a candidate that is out: what adding it to the base selection would overrun, and which candidates it
        needs that are not chosen. Empty for a chosen candidate.
    sentence
        One sentence for the page.
    """

    project_id: str
    chosen: bool
    value_change: float
    rnpv_change: float
    flipped: Selection
    entering: tuple[str, ...]
    leaving: tuple[str, ...]
    binding: tuple[Binding, ...]
    sentence: str


def _resolve(problem: Problem, time_limit: float | None, token: CancelToken | None, start=None) -> Selection:
    """Return the exact optimum of ``problem``, warm-started from the fast answer (or ``start``)."""
    fast = solve_fast(problem)
    if fast.status == STATUS_INFEASIBLE:
        return fast
    if start is None or not is_feasible(problem, start):
        start = fast.chosen
    elif problem.value[fast.chosen].sum() > problem.value[start].sum():
        start = fast.chosen
    exact = solve_exact(problem, time_limit=time_limit, start=start, token=token)
    return exact if exact.feasible else fast


def why_not(
    what_if: WhatIfProblem,
    base: Selection,
    project_id: str,
    *,
    time_limit: float | None = 10.0,
    token: CancelToken | None = None,
) -> WhyNot:
    """Explain a candidate's place in ``base``: for one left out, the value lost by forcing it in and what binds.

    For a candidate that is out: the constraints that adding it to ``base`` would break (each budget year and
    team-month it would overrun, by how much, and the dependencies it would pull in), then the best selection
    with it forced in (exact re-solve, warm-started) and the value that costs. For a candidate that is in:
    the best selection with it forced out, i.e. what it displaces and what it is worth.

    Parameters
    ----------
    what_if
        The settings ``base`` was solved for.
    base
        The current selection (ideally proven optimal).
    project_id
        A candidate's id.
    time_limit, token
        For the re-solve; its ``flipped.status`` says whether it is proven.

    Returns
    -------
    WhyNot
        The numbers and a sentence.

    Raises
    ------
    KeyError
        When ``project_id`` is not a candidate.
    """
    model, problem = what_if.model, what_if.problem
    if project_id not in model._index:
        raise KeyError(f"{project_id} is not a candidate (stage proposed, approved or active)")
    i = model._index[project_id]
    chosen = bool(base.chosen[i])
    label = model.label(i)
    nan = float("nan")
    fixed = _fixed_reason(what_if, i, chosen)
    if fixed is not None:
        sentence = f"{label} {fixed}."
        impossible = Selection(np.zeros(problem.n, dtype=bool), nan, STATUS_INFEASIBLE, conflict=sentence)
        return WhyNot(project_id, chosen, nan, nan, impossible, (), (), (), sentence)
    binding: list[Binding] = []
    # The question overrides the user's own force-in / force-out of this project, not the store's rules.
    if chosen:
        forced_in, forced_out = problem.forced_in.copy(), problem.forced_out.copy()
        forced_in[i], forced_out[i] = False, True
        out_reason = problem.out_reason.copy() if problem.out_reason is not None else np.full(problem.n, None)
        out_reason[i] = "is forced out"
        flipped_problem = replace(problem, forced_in=forced_in, forced_out=forced_out, out_reason=out_reason)
        start = base.chosen & ~_closure(
            np.eye(1, problem.n, i, dtype=bool).ravel(), problem.requires[:, 1], problem.requires[:, 0], problem.n
        )
    else:
        forced_in, forced_out = problem.forced_in.copy(), problem.forced_out.copy()
        forced_in[i], forced_out[i] = True, False
        flipped_problem = replace(problem, forced_in=forced_in, forced_out=forced_out)
        binding = _blocking(flipped_problem, base.chosen, i)
        start = None
    flipped = _resolve(flipped_problem, time_limit, token, start)
    if flipped.status == STATUS_INFEASIBLE:
        sentence = f"{label} cannot be {'left out' if chosen else 'added'}: {flipped.conflict}"
        return WhyNot(project_id, chosen, nan, nan, flipped, (), (), tuple(binding), sentence)
    value_change = flipped.objective - base.objective
    rnpv_change = float(what_if.rnpv[flipped.chosen].sum() - what_if.rnpv[base.chosen].sum())
    entering = tuple(str(p) for p in model.project_ids[flipped.chosen & ~base.chosen])
    leaving = tuple(str(p) for p in model.project_ids[base.chosen & ~flipped.chosen])
    effect = _effect(value_change, base.objective, rnpv_change, model.currency)
    proven = "" if flipped.proven else " (best found so far, not yet proven)"
    if chosen:
        displaced = _list_names(entering) if entering else "nothing"
        sentence = f"{label} displaces {displaced}; leaving it out {effect}{proven}."
    else:
        reasons = (
            "; ".join(
                f"{b.label} (over by {b.over})" if b.kind != "dependency" else f"needs {b.label}" for b in binding[:4]
            )
            or "nothing binds: its value is too low"
        )
        sentence = f"Forcing {label} in {effect}{proven}. In the way: {reasons}."
    return WhyNot(project_id, chosen, value_change, rnpv_change, flipped, entering, leaving, tuple(binding), sentence)


def _fixed_reason(what_if: WhatIfProblem, i: int, chosen: bool) -> str | None:
    """Return why candidate ``i`` cannot change sides whatever the settings (mandatory, blocked), or None."""
    model = what_if.model
    if chosen and model.mandatory[i]:
        return "is mandatory: it stays in whatever it costs"
    if not chosen and model.blocked[i]:
        stage = str(model.unmet_stage[i]).replace("_", " ")
        return f"cannot be added: it needs {model.unmet_dependency[i]}, which is {stage}"
    return None


def _effect(value_change: float, base_objective: float, rnpv_change: float, currency: str) -> str:
    """Return ``"lowers the portfolio's value by 0.035 (0.02 %), rNPV -$2.3M"``."""
    direction = "lowers" if value_change < 0 else "raises"
    share = abs(value_change) / abs(base_objective) if base_objective else float("nan")
    return (
        f"{direction} the portfolio's value by {abs(value_change):.3f} ({share:.2%}), "
        f"rNPV {'+' if rnpv_change >= 0 else ''}{money(rnpv_change, currency)}"
    )


def _blocking(problem: Problem, chosen: np.ndarray, i: int) -> list[Binding]:
    """Return what adding candidate ``i`` (and what it needs) to ``chosen`` would break, biggest overrun first."""
    needs = _requirement_lists(problem)
    bundle = _bundle(i, needs, chosen)
    found = [Binding("dependency", str(problem.names[j]), None, "not chosen") for j in bundle if j != i]
    add = np.zeros(problem.n)
    add[bundle] = 1.0
    after = problem.usage @ (chosen.astype(float) + add)
    tolerance = FEASIBILITY_TOLERANCE * np.maximum(np.abs(problem.limit), 1.0)
    over = after - problem.limit
    rows = np.flatnonzero((over > tolerance) & (problem.usage @ add > 0))
    # Biggest relative overrun first: the constraint that binds hardest.
    rows = rows[np.argsort(-over[rows] / np.maximum(np.abs(problem.limit[rows]), 1e-9))]
    for r in rows:
        kind = "budget" if r < problem.budget_rows else "capacity"
        found.append(Binding(kind, problem.row_label(int(r)), int(r), problem.row_unit(int(r), float(over[r]))))
    return found


@dataclass(frozen=True)
class Marginal:
    """What a little more of a resource is worth: an exact re-solve with the limit raised.

    Attributes
    ----------
    value_change, rnpv_change
        Objective and rNPV (money) of the re-optimised selection minus the base's (≥ 0 up to the base's gap).
    dual_estimate
        The LP relaxation's estimate: Σ over the raised rows of dual price × added amount (value units).
    selection
        The re-optimised selection (its ``status`` says whether it is proven).
    entering, leaving
        Project ids that come in / go out.
    """

    value_change: float
    rnpv_change: float
    dual_estimate: float
    selection: Selection
    entering: tuple[str, ...]
    leaving: tuple[str, ...]


def _marginal(what_if: WhatIfProblem, base: Selection, rows: np.ndarray, amount: float, time_limit, token) -> Marginal:
    problem = what_if.problem
    limit = problem.limit.copy()
    limit[rows] += amount
    raised = with_limits(problem, limit)
    _, _, duals = lp_relaxation(problem)
    selection = _resolve(raised, time_limit, token, base.chosen if base.feasible else None)
    model = what_if.model
    return Marginal(
        value_change=selection.objective - base.objective,
        rnpv_change=float(what_if.rnpv[selection.chosen].sum() - what_if.rnpv[base.chosen].sum()),
        dual_estimate=float(duals[rows].sum() * amount),
        selection=selection,
        entering=tuple(str(p) for p in model.project_ids[selection.chosen & ~base.chosen]),
        leaving=tuple(str(p) for p in model.project_ids[base.chosen & ~selection.chosen]),
    )


def marginal_fte(
    what_if: WhatIfProblem,
    base: Selection,
    team_id: str,
    first_month,
    months: int = 3,
    fte: float = 1.0,
    *,
    time_limit: float | None = 10.0,
    token: CancelToken | None = None,
) -> Marginal:
    """Return what ``fte`` more people in ``team_id`` from ``first_month`` for ``months`` months are worth.

    The capacity limit of those team-months rises by ``fte · (1 + flex)`` and the portfolio is re-optimised
    exactly (warm-started from ``base``): "hire 2 data engineers for Q1" gets a price tag.

    Raises
    ------
    KeyError
        When the team is not in the capacity grid.
    """
    model = what_if.model
    team = np.flatnonzero(model.teams == team_id)
    if not team.size:
        raise KeyError(f"{team_id} has no capacity in the horizon")
    first = np.datetime64(first_month, "M")
    month_numbers = model.months.astype("datetime64[M]")
    cells = np.flatnonzero((month_numbers >= first) & (month_numbers < first + months))
    rows = what_if.problem.budget_rows + team[0] * len(model.months) + cells
    return _marginal(what_if, base, rows, fte * (1.0 + what_if.params.flex), time_limit, token)


def marginal_budget(
    what_if: WhatIfProblem,
    base: Selection,
    amount: float,
    fiscal_year: int | None = None,
    *,
    time_limit: float | None = 10.0,
    token: CancelToken | None = None,
) -> Marginal:
    """Return what ``amount`` more budget is worth, in ``fiscal_year`` or (None) in every fiscal year.

    Raises
    ------
    KeyError
        When ``fiscal_year`` is not in the horizon.
    """
    model = what_if.model
    if fiscal_year is None:
        rows = np.arange(what_if.problem.budget_rows)
    else:
        rows = np.flatnonzero(model.fiscal_years == int(fiscal_year))
        if not rows.size:
            raise KeyError(f"FY{fiscal_year} is not in the horizon")
    # Budget rows are solved in planned money (the overrun divides the budget): scale the extra money alike.
    return _marginal(what_if, base, rows, amount / (1.0 + what_if.params.cost_overrun), time_limit, token)


# --- What the page shows about a selection ---------------------------------------------------------------------


def selection_summary(what_if: WhatIfProblem, chosen: np.ndarray) -> dict:
    """Return the headline numbers of a selection and of the current plan for comparison.

    Keys: ``projects``, ``value``, ``rnpv``, ``strategic_score`` (mean over the chosen), ``spend`` (forward cost
    with the overrun), ``budget`` (sum over fiscal years), and the same with a ``plan_`` prefix for
    ``PortfolioModel.in_plan`` valued under the same settings; ``added`` and ``dropped`` count the changes.
    """
    chosen = np.asarray(chosen, dtype=bool)
    plan = what_if.model.in_plan
    mine, theirs = _totals(what_if, chosen), _totals(what_if, plan)
    return {
        **mine,
        "budget": float(what_if.budget.sum()),
        **{f"plan_{k}": v for k, v in theirs.items()},
        "added": int((chosen & ~plan).sum()),
        "dropped": int((plan & ~chosen).sum()),
    }


def selection_table(what_if: WhatIfProblem, chosen: np.ndarray) -> pd.DataFrame:
    """Return one row per candidate with its place in the selection and the plan.

    Columns: ``project_id``, ``name``, ``stage``, ``mandatory``, ``in_plan``, ``chosen``, ``change``
    (``"added"``, ``"dropped"`` or ``""``), ``value``, ``rnpv``, ``strategic_score``, ``spend``.
    """
    model = what_if.model
    chosen = np.asarray(chosen, dtype=bool)
    change = np.where(chosen & ~model.in_plan, "added", np.where(model.in_plan & ~chosen, "dropped", ""))
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
        }
    )


def budget_use(what_if: WhatIfProblem, chosen: np.ndarray) -> pd.DataFrame:
    """Return per fiscal year: ``fiscal_year``, ``budget``, ``spend`` (chosen), ``plan_spend``, ``utilisation``."""
    chosen = np.asarray(chosen, dtype=bool)
    spend = what_if.cost_by_year[chosen].sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(what_if.budget > 0, spend / what_if.budget, np.nan)
    return pd.DataFrame(
        {
            "fiscal_year": what_if.model.fiscal_years,
            "budget": what_if.budget,
            "spend": spend,
            "plan_spend": what_if.cost_by_year[what_if.model.in_plan].sum(axis=0),
            "utilisation": utilisation,
        }
    )


def capacity_use(what_if: WhatIfProblem, chosen: np.ndarray) -> pd.DataFrame:
    """Return demand against capacity per team and month for a selection.

    Columns: ``team_id``, ``team``, ``period``, ``capacity_fte`` (after the what-if deltas), ``limit_fte`` (with
    flex), ``demand_fte`` (chosen), ``plan_demand_fte``, ``utilisation`` = demand / capacity.
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
            "limit_fte": capacity * (1.0 + what_if.params.flex),
            "demand_fte": demand,
            "plan_demand_fte": plan_demand,
            "utilisation": utilisation,
        }
    )
