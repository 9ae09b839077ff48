"""The selection problem in the solver's shape (:class:`Problem`), the answer (:class:`Selection`) and its statuses."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from analytics.optimize.feasibility import Conflict

#: Relative gap under which HiGHS reports a selection as proven optimal (the issue's definition of "optimal").
OPTIMAL_GAP = 1e-6

STATUS_OPTIMAL = "optimal"
STATUS_FEASIBLE = "feasible"
STATUS_TIME_LIMIT = "time_limit"
STATUS_GAP_LIMIT = "gap_limit"
STATUS_CANCELLED = "cancelled"
STATUS_INFEASIBLE = "infeasible"
STATUS_NO_SOLUTION = "no_solution"
STATUS_ERROR = "error"

#: Why a candidate is in or out because the user forced it (``Problem.why_in`` / ``Problem.why_out``).
FORCED_IN = "is forced in"
FORCED_OUT = "is forced out"

#: How a row's amounts read: plain numbers (a problem from arrays), money (a budget year), people (a team-month).
UNIT_NUMBER = "number"
UNIT_MONEY = "money"
UNIT_FTE = "fte"


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
        ``CancelToken`` with this feasible selection;
        ``"infeasible"`` no selection satisfies the constraints; ``"no_solution"`` stopped before finding one;
        ``"error"`` the solver failed.
    gap
        ``(bound − objective) / max(|bound|, TINY)``: how far the selection may be from the optimum at worst;
        0 when optimal, NaN when unknown.
    bound
        The best proven upper bound on the optimum (the LP relaxation's value for a heuristic answer).
    conflict
        For ``"infeasible"``: the constraint that cannot be met, as facts
        (:class:`~analytics.optimize.feasibility.Conflict`; ``optimize.conflict_sentence`` words it).
        Otherwise None.
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
    conflict: Conflict | None = None
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
        ``(n,)`` how each candidate is named in sentences.
    row_label
        Row index → what the row is (``"the FY2026 budget"``, ``"Data Engineering in Mar 2026"``).
    out_reason
        ``(n,)`` object or None: why an excluded candidate is out (``"is forced out"``, ``"needs P-0007, which is
        on hold"``); None means "is excluded".
    budget_rows
        How many leading rows are budget periods (the rest are capacity cells).
    currency
        None for a problem from bare arrays (its amounts are plain numbers); else budget rows are money in this
        currency and capacity rows FTE.
    money_scale
        What one unit of a budget row costs in money (the what-if's ``1 + cost_overrun``: budget rows are solved
        in planned money).
    in_reason
        ``(n,)`` object or None: why a forced-in candidate is in (``"is mandatory"``, ``"is forced in"``, ``"is
        in flight"``); None means "is mandatory".
    stop_reserve
        The stop costs (planned money) moved out of the first budget row's limit and into its active columns
        (``optimize.whatif.budget_limits``): added back to that row's use and limit when they are shown.
    preferred
        ``(n,)`` bool or None: the selection that wins a tie (the plan): every solver returns it unless a
        feasible selection is strictly better (by more than round-off), so the plan's own settings show the plan.
    """

    value: np.ndarray
    usage: sp.csc_matrix
    limit: np.ndarray
    requires: np.ndarray
    forced_in: np.ndarray
    forced_out: np.ndarray
    names: np.ndarray
    row_label: Callable[[int], str] = field(repr=False)
    out_reason: np.ndarray | None = field(default=None, repr=False)
    budget_rows: int = 0
    currency: str | None = None
    money_scale: float = 1.0
    in_reason: np.ndarray | None = field(default=None, repr=False)
    preferred: np.ndarray | None = field(default=None, repr=False)
    stop_reserve: float = 0.0

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

    def why_in(self, i: int) -> str:
        """Return why forced-in candidate ``i`` is in, as a verb phrase."""
        reason = None if self.in_reason is None else self.in_reason[i]
        return reason or "is mandatory"

    def row_unit(self, r: int) -> str:
        """Return the unit of row ``r``'s amounts: ``UNIT_NUMBER``, ``UNIT_MONEY`` or ``UNIT_FTE``."""
        if self.currency is None:
            return UNIT_NUMBER
        return UNIT_MONEY if r < self.budget_rows else UNIT_FTE

    def row_amount(self, r: int, amount: float) -> float:
        """Return a solver amount of row ``r`` in the row's real unit (money with the overrun for a budget row)."""
        return float(amount) * (self.money_scale if r < self.budget_rows else 1.0)

    def row_total(self, r: int, amount: float) -> float:
        """Return a row's total use or limit in its real unit, with the first budget row's stop costs added back."""
        return self.row_amount(r, float(amount) + (self.stop_reserve if r == 0 and self.budget_rows else 0.0))


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
    """Check the arguments of ``select_portfolio`` and return them as a :class:`Problem`.

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

    return Problem(value, usage, limit, pairs, forced_in, forced_out, names, row_label, None, n_budget)
