"""The HiGHS adapter, the only module that imports ``highspy``: the exact 0/1 solve and the LP relaxation."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import highspy
import numpy as np
import scipy.sparse as sp

from analytics.optimize.feasibility import (
    CONFLICT_UNEXPLAINED,
    Conflict,
    find_conflict,
    is_feasible,
    preferred_if_tied,
)
from analytics.optimize.problem import (
    OPTIMAL_GAP,
    STATUS_CANCELLED,
    STATUS_ERROR,
    STATUS_GAP_LIMIT,
    STATUS_INFEASIBLE,
    STATUS_NO_SOLUTION,
    STATUS_OPTIMAL,
    STATUS_TIME_LIMIT,
    Problem,
    Selection,
    make_problem,
)
from analytics.rules import TINY

if TYPE_CHECKING:
    from analytics.optimize.background import CancelToken

#: HiGHS's way of saying it stopped before the end with what it had.
_STOPPED = (
    highspy.HighsModelStatus.kTimeLimit,
    highspy.HighsModelStatus.kIterationLimit,
    highspy.HighsModelStatus.kInterrupt,
    highspy.HighsModelStatus.kSolutionLimit,
    highspy.HighsModelStatus.kObjectiveBound,
    highspy.HighsModelStatus.kObjectiveTarget,
)
#: HiGHS's ``primal_solution_status`` of a run that holds a feasible point.
_SOLUTION_FEASIBLE = 2


def relative_gap(objective: float, bound: float) -> float:
    """Return how far ``objective`` may be below the optimum at worst, relative to ``bound`` (never negative)."""
    return max(0.0, bound - objective) / max(abs(bound), TINY)


def _run(h: highspy.Highs, token) -> bool:
    """Run HiGHS, stoppable through ``token`` while it runs; False when the token was cancelled before the start."""
    if token is None:
        h.run()
        return True
    if not token.attach(h):
        return False
    try:
        h.run()
    finally:
        token.detach()
    return True


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
        A feasible selection to start from (e.g. from ``solve_fast``): HiGHS then never returns worse. A feasible
        ``problem.preferred`` (the plan) is the start when it is at least as good, and wins a tie.
    token
        Lets another thread stop the run (``token.cancel()``); a stopped run has status ``"cancelled"`` with its
        best selection so far, or ``"no_solution"``.

    Returns
    -------
    Selection
        Status ``"optimal"``, ``"gap_limit"``, ``"time_limit"``, ``"cancelled"``, ``"infeasible"`` (with
        ``conflict``), ``"no_solution"`` or ``"error"``.
    """
    started = time.perf_counter()
    n = problem.n
    conflict = find_conflict(problem)
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
    preferred = problem.preferred
    if preferred is not None and is_feasible(problem, preferred):
        if (
            start is None
            or not is_feasible(problem, start)
            or problem.value[preferred].sum() >= problem.value[start].sum()
        ):
            start = preferred
    if start is not None and is_feasible(problem, start):
        h.setSolution(n, np.arange(n, dtype=np.int32), np.asarray(start, dtype=np.float64))
    if not _run(h, token):
        return Selection(
            np.zeros(n, dtype=bool), float("nan"), STATUS_NO_SOLUTION, seconds=time.perf_counter() - started
        )
    model_status = h.getModelStatus()
    info = h.getInfo()
    seconds = time.perf_counter() - started
    status_names = highspy.HighsModelStatus
    if model_status == status_names.kInfeasible:
        unexplained = Conflict(CONFLICT_UNEXPLAINED)
        return Selection(
            np.zeros(n, dtype=bool), float("nan"), STATUS_INFEASIBLE, conflict=unexplained, seconds=seconds
        )
    if info.primal_solution_status != _SOLUTION_FEASIBLE:
        status = STATUS_NO_SOLUTION if model_status in _STOPPED else STATUS_ERROR
        return Selection(np.zeros(n, dtype=bool), float("nan"), status, bound=info.mip_dual_bound, seconds=seconds)
    chosen = preferred_if_tied(problem, np.asarray(h.getSolution().col_value) > 0.5)
    objective = float(problem.value[chosen].sum())
    bound = float(info.mip_dual_bound) + 0.0  # no -0.0 on screen
    gap = relative_gap(objective, bound)
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
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return float("nan"), np.zeros(problem.n), np.zeros(problem.m)
    solution = h.getSolution()
    x = np.clip(np.asarray(solution.col_value), 0.0, 1.0)
    duals = np.abs(np.asarray(solution.row_dual)[: problem.m])
    return float(h.getInfo().objective_function_value), x, duals


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
        Words for the conflict (default ``"candidate 3"``, ``"budget period 0"``, ...).
    time_limit
        Seconds after which HiGHS stops and returns its best selection with status ``"time_limit"``.
    mip_rel_gap
        Relative gap at which the search stops; at the default the answer is reported ``"optimal"``.

    Returns
    -------
    Selection
        ``chosen``, ``objective``, ``status``, ``gap``, ``bound``, and for infeasible inputs ``conflict``
        (``optimize.conflict_sentence(selection.conflict)`` words it).

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


def solve_milp(
    objective: np.ndarray,
    matrix: sp.csc_matrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    *,
    integer: bool = True,
    time_limit: float | None = None,
    mip_rel_gap: float = OPTIMAL_GAP,
    start: np.ndarray | None = None,
    token: CancelToken | None = None,
) -> tuple[str, np.ndarray | None, float, float, np.ndarray | None]:
    """Maximise ``objective · x`` over ``row_lower ≤ matrix · x ≤ row_upper``, ``col_lower ≤ x ≤ col_upper``.

    The generic call behind :func:`analytics.optimize.schedule.select_schedule`: binary columns when ``integer``
    (0/1 bounds), else the LP. ``±inf`` bounds are free. ``start`` is a feasible point to start from; ``token``
    lets another thread stop the run.

    Returns
    -------
    tuple
        ``(status, x, objective, bound, row_duals)``: a status of :mod:`analytics.optimize.problem` as for
        :func:`solve_exact` (``"infeasible"`` without a conflict: the caller explains it), ``x`` (None without a
        feasible point), its objective, the proven bound (the LP optimum for an LP), and for an LP the row duals
        (each ``≥ 0`` for a row at its upper limit).
    """
    n, m = len(objective), len(row_upper)
    matrix = sp.csc_matrix(matrix, dtype=float)
    matrix.sum_duplicates()
    inf = highspy.kHighsInf

    def bounded(values: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.clip(np.asarray(values, dtype=np.float64), -inf, inf))

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(
        n,
        m,
        matrix.nnz,
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMaximize),
        0.0,
        np.ascontiguousarray(objective, dtype=np.float64),
        bounded(col_lower),
        bounded(col_upper),
        bounded(row_lower),
        bounded(row_upper),
        matrix.indptr.astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data.astype(np.float64),
        np.full(n, int(highspy.HighsVarType.kInteger) if integer else 0, dtype=np.int32),
    )
    # The schedule's model (one column per start, bench scale) has little for presolve to remove. Without it the
    # LP solves in half the time (the fast answer waits for it), and the MILP reached a 0.5 % gap in 0.5-0.7 s of
    # CPU instead of 0.7-3.4 s over the bench's six shift settings, and tighter gaps at a 25 s limit.
    h.setOptionValue("presolve", "off")
    if integer:
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if start is not None and integer:
        h.setSolution(n, np.arange(n, dtype=np.int32), np.asarray(start, dtype=np.float64))
    if not _run(h, token):
        return STATUS_NO_SOLUTION, None, float("nan"), float("nan"), None
    model_status = h.getModelStatus()
    info = h.getInfo()
    status_names = highspy.HighsModelStatus
    if model_status in (status_names.kInfeasible, status_names.kUnboundedOrInfeasible):
        return STATUS_INFEASIBLE, None, float("nan"), float("nan"), None
    if not integer:
        if model_status != status_names.kOptimal:
            return STATUS_ERROR, None, float("nan"), float("nan"), None
        solution = h.getSolution()
        value = float(info.objective_function_value)
        return STATUS_OPTIMAL, np.asarray(solution.col_value), value, value, np.asarray(solution.row_dual)
    bound = float(info.mip_dual_bound) + 0.0
    if info.primal_solution_status != _SOLUTION_FEASIBLE:
        status = STATUS_NO_SOLUTION if model_status in _STOPPED else STATUS_ERROR
        return status, None, float("nan"), bound, None
    x = np.asarray(h.getSolution().col_value)
    value = float(info.objective_function_value)
    if model_status == status_names.kOptimal:
        gap = relative_gap(value, bound)
        status = STATUS_OPTIMAL if mip_rel_gap <= OPTIMAL_GAP or gap <= OPTIMAL_GAP else STATUS_GAP_LIMIT
    elif model_status == status_names.kInterrupt:
        status = STATUS_CANCELLED
    elif model_status in _STOPPED:
        status = STATUS_TIME_LIMIT
    else:
        status = STATUS_ERROR
    return status, x, value, bound, None
