"""Why a candidate is in or out, and what one more FTE or one more dollar is worth: exact re-solves, as facts.

Each answer holds numbers and ids (what the flip costs, what comes in and goes out, what binds);
``optimize.report`` words them for the page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from analytics.optimize.feasibility import allowance, bundle, closure, is_feasible, requirement_lists
from analytics.optimize.frontier import with_limits
from analytics.optimize.heuristics import solve_fast
from analytics.optimize.highs import solve_exact
from analytics.optimize.problem import FORCED_IN, FORCED_OUT, STATUS_INFEASIBLE, Problem, Selection
from analytics.optimize.schedule import Schedule, solve_schedule_exact, solve_schedule_fast
from analytics.optimize.whatif import WhatIfProblem
from analytics.rules import TINY

if TYPE_CHECKING:
    from analytics.optimize.background import CancelToken

#: ``WhyNot.fixed``: the candidate is mandatory, so it stays in whatever the settings.
FIXED_MANDATORY = "mandatory"
#: ``WhyNot.fixed``: the candidate needs a project that is on hold, cancelled or unknown, so it cannot come in.
FIXED_BLOCKED = "blocked"

BINDING_BUDGET = "budget"
BINDING_CAPACITY = "capacity"
BINDING_DEPENDENCY = "dependency"


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
        How far the candidate would overrun it, in the row's real unit (money with the overrun, FTE); None for a
        dependency.
    """

    kind: str
    label: str
    row: int | None
    over: float | None


@dataclass(frozen=True)
class WhyNot:
    """Why a candidate is out (or in), and what the opposite would cost.

    Attributes
    ----------
    project_id
        The candidate asked about.
    chosen
        Whether it is in the base selection.
    fixed
        ``"mandatory"`` or ``"blocked"`` when it cannot change sides whatever the settings (nothing is re-solved),
        else None.
    base_value
        The base selection's objective.
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
    """

    project_id: str
    chosen: bool
    fixed: str | None
    base_value: float
    value_change: float
    rnpv_change: float
    flipped: Selection
    entering: tuple[str, ...]
    leaving: tuple[str, ...]
    binding: tuple[Binding, ...]


def _resolve(
    what_if: WhatIfProblem, problem: Problem, time_limit: float | None, token: CancelToken | None, start=None
) -> Selection:
    """Return the exact optimum of ``problem``, warm-started from the fast answer (or ``start``).

    With start shifts on (``what_if.schedule``), the schedule with ``problem``'s limits and forced sets is solved
    instead, and the answer is a :class:`~analytics.optimize.schedule.Schedule` (its starts chosen too).
    """
    if what_if.schedule is not None:
        schedule = replace(
            what_if.schedule,
            limit=problem.limit,
            forced_in=problem.forced_in,
            forced_out=problem.forced_out,
            base=problem,
            _model={},
        )
        fast = solve_schedule_fast(schedule)
        if fast.status == STATUS_INFEASIBLE:
            return fast
        exact = solve_schedule_exact(schedule, time_limit=time_limit, start=fast.option, token=token)
        return exact if exact.feasible else fast
    fast = solve_fast(problem)
    if fast.status == STATUS_INFEASIBLE:
        return fast
    if start is None or not is_feasible(problem, start):
        start = fast.chosen
    elif problem.value[fast.chosen].sum() > problem.value[start].sum():
        start = fast.chosen
    exact = solve_exact(problem, time_limit=time_limit, start=start, token=token)
    return exact if exact.feasible else fast


def _changes(what_if: WhatIfProblem, base: Selection, other: Selection) -> tuple[float, float, tuple, tuple]:
    """Return the value and rNPV change from ``base`` to ``other`` and the ids entering and leaving."""
    ids = what_if.model.project_ids
    if what_if.options is not None:
        # rNPV at each answer's own starts (a selection without starts starts as planned).
        def rnpv_of(answer: Selection) -> float:
            option = getattr(answer, "option", None)
            option = what_if.options.planned(answer.chosen) if option is None else option
            return float(what_if.options.rnpv[what_if.options.columns(option)].sum())

        rnpv_change = rnpv_of(other) - rnpv_of(base)
    else:
        rnpv_change = float(what_if.rnpv[other.chosen].sum() - what_if.rnpv[base.chosen].sum())
    return (
        other.objective - base.objective,
        rnpv_change,
        tuple(str(p) for p in ids[other.chosen & ~base.chosen]),
        tuple(str(p) for p in ids[base.chosen & ~other.chosen]),
    )


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
    the best selection with it forced out, i.e. what it displaces and what it is worth. With start shifts on
    (``base`` a schedule), what binds is counted with the base's projects at their chosen starts, the candidate
    (and what it needs) at its planned start, and the re-solve chooses starts too.

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
        The facts; ``optimize.why_not_sentence`` words them.

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
    nan = float("nan")
    fixed = FIXED_MANDATORY if chosen and model.mandatory[i] else None
    if not chosen and model.blocked[i]:
        fixed = FIXED_BLOCKED
    if fixed is not None:
        impossible = Selection(np.zeros(problem.n, dtype=bool), nan, STATUS_INFEASIBLE)
        return WhyNot(project_id, chosen, fixed, base.objective, nan, nan, impossible, (), (), ())
    binding: list[Binding] = []
    forced_in, forced_out = problem.forced_in.copy(), problem.forced_out.copy()
    # The question overrides the user's own force-in / force-out of this project, not the store's rules.
    if chosen:
        forced_in[i], forced_out[i] = False, True
        out_reason = problem.out_reason.copy() if problem.out_reason is not None else np.full(problem.n, None)
        out_reason[i] = FORCED_OUT
        flipped_problem = replace(problem, forced_in=forced_in, forced_out=forced_out, out_reason=out_reason)
        alone = np.eye(1, problem.n, i, dtype=bool).ravel()
        start = base.chosen & ~closure(alone, problem.requires[:, 1], problem.requires[:, 0], problem.n)
    else:
        forced_in[i], forced_out[i] = True, False
        in_reason = problem.in_reason.copy() if problem.in_reason is not None else np.full(problem.n, None)
        in_reason[i] = FORCED_IN
        flipped_problem = replace(problem, forced_in=forced_in, forced_out=forced_out, in_reason=in_reason)
        binding = _blocking(flipped_problem, base.chosen, i, _base_use(what_if, base))
        start = None
    flipped = _resolve(what_if, flipped_problem, time_limit, token, start)
    if flipped.status == STATUS_INFEASIBLE:
        return WhyNot(project_id, chosen, None, base.objective, nan, nan, flipped, (), (), tuple(binding))
    value_change, rnpv_change, entering, leaving = _changes(what_if, base, flipped)
    return WhyNot(
        project_id, chosen, None, base.objective, value_change, rnpv_change, flipped, entering, leaving, tuple(binding)
    )


def _base_use(what_if: WhatIfProblem, base: Selection) -> np.ndarray | None:
    """Return what a schedule uses of each budget year and team-month at its chosen starts; None without shifts."""
    if what_if.schedule is None or not isinstance(base, Schedule) or not base.feasible:
        return None
    return what_if.schedule.usage @ what_if.options.columns(base.option).astype(float)


def _blocking(problem: Problem, chosen: np.ndarray, i: int, used: np.ndarray | None = None) -> list[Binding]:
    """Return what adding candidate ``i`` (and what it needs) to ``chosen`` would break, biggest overrun first.

    ``used``: what the base uses of each row, when it is not ``problem.usage @ chosen``: a schedule's, at its
    chosen starts (:func:`_base_use`). The added candidates come at their planned starts.
    """
    group = bundle(i, requirement_lists(problem), chosen)
    found = [Binding(BINDING_DEPENDENCY, str(problem.names[j]), None, None) for j in group if j != i]
    add = np.zeros(problem.n)
    add[group] = 1.0
    after = (problem.usage @ chosen.astype(float) if used is None else used) + problem.usage @ add
    over = after - problem.limit
    rows = np.flatnonzero((over > allowance(problem.limit)) & (problem.usage @ add > 0))
    # Biggest relative overrun first: the constraint that binds hardest.
    rows = rows[np.argsort(-over[rows] / np.maximum(np.abs(problem.limit[rows]), TINY))]
    for r in rows:
        kind = BINDING_BUDGET if r < problem.budget_rows else BINDING_CAPACITY
        found.append(Binding(kind, problem.row_label(int(r)), int(r), problem.row_amount(int(r), over[r])))
    return found


@dataclass(frozen=True)
class Marginal:
    """What a little more of a resource is worth: an exact re-solve with the limit raised.

    Attributes
    ----------
    value_change, rnpv_change
        Objective and rNPV (money) of the re-optimised selection minus the base's (≥ 0 up to the base's gap).
    selection
        The re-optimised selection (its ``status`` says whether it is proven).
    entering, leaving
        Project ids that come in / go out.
    """

    value_change: float
    rnpv_change: float
    selection: Selection
    entering: tuple[str, ...]
    leaving: tuple[str, ...]


def _marginal(what_if: WhatIfProblem, base: Selection, rows: np.ndarray, amount: float, time_limit, token) -> Marginal:
    limit = what_if.problem.limit.copy()
    limit[rows] += amount
    raised = with_limits(what_if.problem, limit)
    selection = _resolve(what_if, raised, time_limit, token, base.chosen if base.feasible else None)
    value_change, rnpv_change, entering, leaving = _changes(what_if, base, selection)
    return Marginal(value_change, rnpv_change, selection, entering, leaving)


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
