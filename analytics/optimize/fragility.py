"""How fragile the answer is: how far α and each objective's weight can move before the chosen set changes.

The method
----------
Only the objective depends on α and on the weights; the feasible selections do not. Each lever is written as a
parameter ``p`` in ``[0, 1]`` on which every candidate's value is linear, ``value(p) = v0 + p · (v1 − v0)``:

- **α** is such a parameter already (``value = (1 − α) · (rNPV + stop cost) / scale + α · score``);
- **an objective's weight** ``w_k`` (the others fixed) is, through its *share* ``θ = w_k / (w_k + W')`` of the
  total weight (``W'`` the others' sum): the strategic score is ``(1 − θ) · score without k + θ · score of k
  alone``, so ``θ = 0`` is weight 0 and ``θ → 1`` an unbounded weight.

A selection x is then a line ``L_x(p) = Σ x · v0 + p · Σ x · (v1 − v0)``, and the optimum ``V(p) = max_x L_x(p)``
is convex and piecewise linear: the chosen set is constant on intervals. From the current optimum A at ``p0``, the
first breakpoint towards an end ``p_end`` is found by exact re-solves (Eisner & Severance 1976, the parametric
method for combinatorial problems): solve at ``p_end``; if A is still optimal there it is optimal all the way
(convexity); else the better set B found crosses A's line at ``p'``; solve at ``p'``: if A is optimal there,
``p'`` is the breakpoint exactly and B is the optimum just beyond it, else the new, better set crosses A's line
nearer ``p0`` and the step repeats. Each step finds a new piece of ``V``, so the count is small (1–4 solves a side
on the demo store). Should the crossings creep, a bisection step halves the bracket instead; when the bracket is
narrower than ``RESOLUTION`` or a side has used its solves (``max_solves``, which bounds the bench store's work),
the side is stated as a bound: the set holds at least to ``holds_to`` and has changed by ``changed_by``. Every solve is
HiGHS to the proven optimum (relative gap 1e-6), warm-started from the best selection known at that point.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from analytics.optimize.highs import solve_exact
from analytics.optimize.problem import STATUS_OPTIMAL, Problem, Selection
from analytics.optimize.whatif import WhatIf, WhatIfProblem, apply_what_if, objective_weights

if TYPE_CHECKING:
    from analytics.optimize.background import CancelToken

#: Lever name of α in :class:`Side`; an objective's side is named by its objective id.
ALPHA = "alpha"
#: Below this width of the bracket (in α, or in an objective's share of the total weight) a side is not refined.
RESOLUTION = 0.005
#: Exact re-solves allowed per side of a lever (up, down): enough to be exact on the demo store.
MAX_SOLVES_PER_SIDE = 8
#: Candidates above which a side gets only ``LARGE_MODEL_SOLVES``: at 0.2–2 s a solve (the bench store's 1,446),
#: twelve sides of eight solves would take minutes; with three, the limits they do not settle are stated as ranges.
LARGE_MODEL = 500
LARGE_MODEL_SOLVES = 3
#: Relative margin by which a selection must beat the current one to count as a change (the solves' own gap).
_BETTER_BY = 1e-6


@dataclass(frozen=True)
class Side:
    """How far one lever can move one way before the chosen set changes.

    Attributes
    ----------
    lever
        ``"alpha"`` or an objective id.
    direction
        +1 (up) or −1 (down).
    current
        The lever now (α, or the objective's weight).
    holds
        True when the chosen set stays optimal all the way to the end (α 0 or 1, weight 0 or unbounded).
    holds_to, changed_by
        In lever units: the chosen set stays optimal at least from ``current`` to ``holds_to``, and is no longer
        optimal just past ``changed_by`` (the same value when exact; ``inf`` for an unbounded weight). Both are
        the end of the range when ``holds``.
    exact
        True when ``holds_to == changed_by`` is the breakpoint itself (to the solves' gap); False for a bound.
    entering, leaving
        Project ids that come in and go out: at the breakpoint when exact, else in the better selection found
        past ``changed_by``. Empty when ``holds``, or when a bound found no better selection yet.
    solves
        Exact re-solves spent on this side.
    """

    lever: str
    direction: int
    current: float
    holds: bool
    holds_to: float
    changed_by: float
    exact: bool
    entering: tuple[str, ...] = ()
    leaving: tuple[str, ...] = ()
    solves: int = 0


@dataclass(frozen=True)
class Fragility:
    """How far every lever of the objective can move before the chosen set changes, for one setting.

    Attributes
    ----------
    params
        The settings it answers for.
    base
        The proven optimum at those settings (the chosen set the sides are about).
    sides
        Two per lever (down, then up): α first, then each objective with weight in ``model.objective_ids`` order.
    solves
        Exact solves in all, the base included.
    seconds
        Wall time.
    resolution, max_solves
        What a side stops at (``RESOLUTION``, ``MAX_SOLVES_PER_SIDE`` unless asked otherwise).
    complete
        False when a cancel stopped it before every side was worked out (the sides not reached are left out).
    """

    params: WhatIf
    base: Selection
    sides: tuple[Side, ...]
    solves: int
    seconds: float
    resolution: float
    max_solves: int
    complete: bool

    def side(self, lever: str, direction: int) -> Side | None:
        """Return the side of ``lever`` moving ``direction`` (+1 up, −1 down), or None when not worked out."""
        return next((s for s in self.sides if s.lever == lever and s.direction == direction), None)


@dataclass(frozen=True)
class _Line:
    """Every candidate's value along one lever, ``v0 + p · slope``, and how the parameter maps to the lever."""

    lever: str
    v0: np.ndarray
    slope: np.ndarray
    p0: float
    to_lever: object  # p -> the lever's value


def _alpha_line(what_if: WhatIfProblem) -> _Line:
    model, params = what_if.model, what_if.params
    v0 = apply_what_if(model, replace(params, alpha=0.0)).value
    v1 = apply_what_if(model, replace(params, alpha=1.0)).value
    return _Line(ALPHA, v0, v1 - v0, params.alpha, lambda p: float(p))


def _weight_lines(what_if: WhatIfProblem) -> list[_Line]:
    """One line per objective whose weight matters: the others must weigh something, and α must be above 0."""
    model, params = what_if.model, what_if.params
    weights = objective_weights(model, params)
    ids = [str(o) for o in model.objective_ids]
    lines = []
    for k, objective_id in enumerate(ids):
        others = float(weights.sum() - weights[k])
        if others <= 0 or weights[k] < 0:
            continue  # alone, its weight sets nothing (any positive weight gives the same scores)
        without = apply_what_if(
            model, replace(params, objective_weights={**dict(zip(ids, weights, strict=True)), objective_id: 0})
        )
        alone = apply_what_if(
            model, replace(params, objective_weights={o: (1.0 if o == objective_id else 0.0) for o in ids})
        )
        share = float(weights[k] / (weights[k] + others))

        def to_weight(p: float, others: float = others) -> float:
            return float("inf") if p >= 1.0 else float(p * others / (1.0 - p))

        lines.append(_Line(objective_id, without.value, alone.value - without.value, share, to_weight))
    return lines


def fragility(
    what_if: WhatIfProblem,
    base: Selection | None = None,
    *,
    start: np.ndarray | None = None,
    resolution: float = RESOLUTION,
    max_solves: int | None = None,
    time_limit: float | None = 60.0,
    token: CancelToken | None = None,
) -> Fragility:
    """Return how far α and each objective's weight can move, one at a time, before the chosen set changes.

    Parameters
    ----------
    what_if
        The settings.
    base
        Their proven optimum, when known; else it is solved here (warm-started from ``start``).
    start
        A feasible selection to start the base solve from (the page's fast answer).
    resolution
        Stop refining a side once its bracket is this narrow (in α, or in the objective's share of the weight).
    max_solves
        Exact re-solves per side; a side that needs more is stated as a bound. None: ``MAX_SOLVES_PER_SIDE`` up to
        ``LARGE_MODEL`` candidates, ``LARGE_MODEL_SOLVES`` above.
    time_limit
        Seconds per exact solve.
    token
        Stops the work early (``complete`` is then False), as a ``BackgroundSolver`` does.

    Returns
    -------
    Fragility
        Two sides per lever: α, then each objective with a weight that matters. None of them when the settings
        have no feasible selection (``base`` says why).
    """
    started = time.perf_counter()
    problem = what_if.problem
    if max_solves is None:
        max_solves = MAX_SOLVES_PER_SIDE if problem.n <= LARGE_MODEL else LARGE_MODEL_SOLVES
    solves = 0
    if base is None or base.status != STATUS_OPTIMAL:
        base = solve_exact(problem, start=start, time_limit=time_limit, token=token)
        solves += 1
    if base.status != STATUS_OPTIMAL:
        return Fragility(what_if.params, base, (), solves, time.perf_counter() - started, resolution, max_solves, False)
    ids = [str(p) for p in what_if.model.project_ids]
    sides, complete = [], True
    lines = [_alpha_line(what_if)]
    if what_if.params.alpha > 0:  # at α = 0 the weights do not enter the objective
        lines += _weight_lines(what_if)
    for line, direction in ((line, direction) for line in lines for direction in (-1, 1)):
        found = first_change(
            problem,
            line.v0,
            line.slope,
            line.p0,
            base.chosen,
            direction,
            resolution=resolution,
            max_solves=max_solves,
            time_limit=time_limit,
            token=token,
        )
        if found is None:
            complete = False
            break
        solves += found.solves
        beyond = found.beyond if found.beyond is not None else base.chosen
        sides.append(
            Side(
                lever=line.lever,
                direction=direction,
                current=line.to_lever(line.p0),
                holds=found.holds,
                holds_to=line.to_lever(found.holds_to),
                changed_by=line.to_lever(found.changed_by),
                exact=found.exact,
                entering=tuple(ids[i] for i in np.flatnonzero(beyond & ~base.chosen)),
                leaving=tuple(ids[i] for i in np.flatnonzero(base.chosen & ~beyond)),
                solves=found.solves,
            )
        )
    return Fragility(
        what_if.params, base, tuple(sides), solves, time.perf_counter() - started, resolution, max_solves, complete
    )


@dataclass(frozen=True)
class Breakpoint:
    """Where the optimum of a parametric problem first changes, in the parameter's own units (:func:`first_change`).

    ``holds``: optimal to the end of the range. Else the set is optimal from ``p0`` to ``holds_to`` and not past
    ``changed_by`` (equal when ``exact``); ``beyond`` is the better selection found past it (None when none was
    found, i.e. a bound that did not settle the end). ``solves`` counts the exact solves.
    """

    holds: bool
    holds_to: float
    changed_by: float
    exact: bool
    beyond: np.ndarray | None
    solves: int


def first_change(
    problem: Problem,
    v0: np.ndarray,
    slope: np.ndarray,
    p0: float,
    chosen: np.ndarray,
    direction: int,
    *,
    resolution: float = RESOLUTION,
    max_solves: int = MAX_SOLVES_PER_SIDE,
    time_limit: float | None = 60.0,
    token: CancelToken | None = None,
) -> Breakpoint | None:
    """Return where the optimum of ``problem`` with ``value = v0 + p · slope`` first changes from ``chosen``.

    ``chosen`` must be optimal at ``p0``; the search runs from ``p0`` towards ``p = 1`` (``direction`` +1) or
    ``p = 0`` (−1), as the module describes. None when ``token`` stopped it.
    """
    end = 1.0 if direction > 0 else 0.0
    span = end - p0
    v0, slope = np.asarray(v0, dtype=float), np.asarray(slope, dtype=float)
    free = ~problem.forced_in & ~problem.forced_out
    if span == 0 or not np.any(slope[free]):
        return Breakpoint(True, end, end, True, None, 0)
    a0, a1 = float(v0[chosen].sum()), float(slope[chosen].sum())
    # In t ∈ [0, 1], p = p0 + t · span: the set is optimal at lo, and not past hi, where ``beyond`` crosses it.
    lo, hi, t, last_width, beyond, solves = 0.0, 1.0, 1.0, 1.0, None, 0
    while True:
        if token is not None and token.cancelled:
            return None
        p = p0 + t * span
        value = v0 + p * slope
        start = max([chosen] + ([beyond] if beyond is not None else []), key=lambda x: float(value[x].sum()))
        found = solve_exact(replace(problem, value=value), start=start, time_limit=time_limit, token=token)
        solves += 1
        if token is not None and token.cancelled:
            return None
        mine = a0 + p * a1
        if found.feasible and found.objective > mine + _BETTER_BY * max(abs(mine), 1.0):
            # A better set: its line crosses the current one between lo (where it was no better) and t.
            beyond = found.chosen
            b0, b1 = float(v0[beyond].sum()), float(slope[beyond].sum())
            crossing_t = ((a0 - b0) / (b1 - a1) - p0) / span if b1 != a1 else t
            hi = min(t, max(lo, crossing_t))
        elif found.status == STATUS_OPTIMAL:
            if beyond is None:  # optimal at the end, so all the way: V is convex and this line touches it twice
                return Breakpoint(True, end, end, True, None, solves)
            lo = t
            if lo >= hi:
                return Breakpoint(False, p0 + hi * span, p0 + hi * span, True, beyond, solves)
        else:
            break  # a solve stopped early proves nothing: the bracket stays as it is
        width = hi - lo
        if width * abs(span) <= resolution or solves >= max_solves:
            break
        # The crossing (Eisner-Severance) unless the last crossing shrank the bracket by less than half: bisect.
        t = hi if solves == 1 or width <= last_width / 2 else (lo + hi) / 2
        last_width = width
    return Breakpoint(False, p0 + lo * span, p0 + (hi * span if beyond is not None else span), False, beyond, solves)
