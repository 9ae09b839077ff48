"""What a selection must include or leave out, whether it is feasible, and the facts of a conflict when none is.

Dependencies close over the forced sets (a mandatory project brings what it needs; an excluded one takes out
what needs it). :func:`find_conflict` names the first constraint the mandatory projects cannot meet, as a
:class:`Conflict` of names and amounts; ``optimize.report.conflict_sentence`` words it for the page.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from analytics.optimize.problem import UNIT_NUMBER, Problem
from analytics.rules import FEASIBILITY_TOLERANCE, TIE_TOLERANCE

CONFLICT_FORCED_BOTH = "forced_both"
CONFLICT_NEEDS_EXCLUDED = "needs_excluded"
CONFLICT_OVERRUN = "overrun"
CONFLICT_UNEXPLAINED = "unexplained"


@dataclass(frozen=True)
class Conflict:
    """Why no selection exists: the constraint the mandatory projects break, in names and amounts.

    Attributes
    ----------
    kind
        ``"forced_both"`` a candidate both mandatory and excluded; ``"needs_excluded"`` a mandatory candidate needs
        (perhaps through others) an excluded one; ``"overrun"`` the mandatory candidates and what they need
        overrun a budget period or capacity cell on their own; ``"unexplained"`` the solver proved infeasibility
        that none of these checks explains.
    project
        The candidate that must be in (first two kinds).
    why_in
        Why it must be in, as a verb phrase (``"is mandatory"``, ``"is forced in"``, ``"is in flight ..."``).
    needed, why_out
        The excluded candidate it needs (``"needs_excluded"``) and why that one is out, as a verb phrase
        (``"is excluded"``, ``"is forced out"``); for ``"forced_both"`` only ``why_out``.
    through
        The dependency path from ``project`` to ``needed`` (both included) when it passes through others.
    mandatory, pulled_in
        ``"overrun"``: the candidates that must be in and use the row, and the candidates they need that use it.
    all_mandatory
        ``"overrun"``: whether every one of ``mandatory`` is in because it is mandatory (not forced or kept).
    row, row_label, unit, currency
        ``"overrun"``: the row, what it is, the unit of its amounts (``problem.row_unit``) and the problem's
        currency.
    need, limit
        ``"overrun"``: the least use the forced set makes of the row and what it holds, in the row's real unit.
    """

    kind: str
    project: str | None = None
    why_in: str | None = None
    needed: str | None = None
    why_out: str | None = None
    through: tuple[str, ...] = ()
    mandatory: tuple[str, ...] = ()
    pulled_in: tuple[str, ...] = ()
    all_mandatory: bool = True
    row: int | None = None
    row_label: str | None = None
    unit: str = UNIT_NUMBER
    currency: str | None = None
    need: float = float("nan")
    limit: float = float("nan")


def allowance(limit: np.ndarray) -> np.ndarray:
    """Return how far each row may exceed ``limit`` and still count as met (solver round-off, relative)."""
    return FEASIBILITY_TOLERANCE * np.maximum(np.abs(limit), 1.0)


def closure(start: np.ndarray, edges_from: np.ndarray, edges_to: np.ndarray, n: int) -> np.ndarray:
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
    must_in = closure(problem.forced_in, i, j, problem.n)
    must_out = closure(problem.forced_out, j, i, problem.n)
    return must_in, must_out


def requirement_lists(problem: Problem) -> list[np.ndarray]:
    """Return, per candidate, the candidates it needs directly."""
    if not len(problem.requires):
        return [np.zeros(0, dtype=np.int64)] * problem.n
    order = np.argsort(problem.requires[:, 0], kind="stable")
    source, target = problem.requires[order, 0], problem.requires[order, 1]
    bounds = np.searchsorted(source, np.arange(problem.n + 1))
    return [target[bounds[i] : bounds[i + 1]] for i in range(problem.n)]


def bundle(i: int, needs: list[np.ndarray], taken: np.ndarray) -> list[int]:
    """Return ``i`` and everything it needs, transitively, that is not ``taken``: requirements first."""
    found: list[int] = []
    seen = {i}
    stack = [(i, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            found.append(node)
            continue
        stack.append((node, True))
        for j in needs[node]:
            j = int(j)
            if j not in seen and not taken[j]:
                seen.add(j)
                stack.append((j, False))
    return found


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


def find_conflict(problem: Problem) -> Conflict | None:
    """Return a constraint the mandatory projects cannot meet, or None when none is found.

    Checked in order: a candidate both mandatory and excluded; a mandatory candidate that needs (perhaps through
    others) an excluded one; a budget period or capacity cell that the mandatory candidates and what they need
    already overrun, even with every other candidate out. Only the last check needs non-negative use; with
    negative use it still holds row by row, counting every negative entry as taken.
    """
    names = problem.names
    both = np.flatnonzero(problem.forced_in & problem.forced_out)
    if both.size:
        first = int(both[0])
        return Conflict(
            CONFLICT_FORCED_BOTH,
            project=str(names[first]),
            why_in=problem.why_in(first),
            why_out=problem.why_out(first),
        )
    must_in, must_out = forced_sets(problem)
    if (must_in & must_out).any():
        for source in np.flatnonzero(problem.forced_in):
            for target in np.flatnonzero(problem.forced_out):
                path = _dependency_path(problem, int(source), int(target))
                if path:
                    return Conflict(
                        CONFLICT_NEEDS_EXCLUDED,
                        project=str(names[source]),
                        why_in=problem.why_in(int(source)),
                        needed=str(names[target]),
                        why_out=problem.why_out(int(target)),
                        through=tuple(str(names[p]) for p in path) if len(path) > 2 else (),
                    )
    if problem.m == 0:
        return None
    # Least possible use of each row: the forced-in candidates plus every negative entry of the free ones.
    free = ~must_in & ~must_out
    forced_use = problem.usage @ must_in.astype(float)
    negative_use = problem.usage.minimum(0) @ free.astype(float)
    excess = forced_use + negative_use - problem.limit
    scale = np.maximum(np.abs(problem.limit), 1.0)
    over = np.flatnonzero(excess > allowance(problem.limit))
    if not over.size:
        return None
    row = int(over[np.argmax(excess[over] / scale[over])])
    uses_row = problem.usage[[row], :].toarray().ravel() > 0
    forced_users = np.flatnonzero(problem.forced_in & uses_row)
    return Conflict(
        CONFLICT_OVERRUN,
        mandatory=tuple(str(names[u]) for u in forced_users),
        all_mandatory=all(problem.why_in(int(u)) == "is mandatory" for u in forced_users),
        pulled_in=tuple(str(names[u]) for u in np.flatnonzero(must_in & ~problem.forced_in & uses_row)),
        row=row,
        row_label=problem.row_label(row),
        unit=problem.row_unit(row),
        currency=problem.currency,
        need=problem.row_total(row, forced_use[row] + negative_use[row]),
        limit=problem.row_total(row, problem.limit[row]),
    )


def is_feasible(problem: Problem, chosen: np.ndarray) -> bool:
    """Return True when ``chosen`` meets every row, dependency, mandatory and excluded constraint."""
    chosen = np.asarray(chosen, dtype=bool)
    if (problem.forced_in & ~chosen).any() or (problem.forced_out & chosen).any():
        return False
    if len(problem.requires) and (chosen[problem.requires[:, 0]] & ~chosen[problem.requires[:, 1]]).any():
        return False
    use = problem.usage @ chosen.astype(float)
    return bool((use <= problem.limit + allowance(problem.limit)).all())


def preferred_if_tied(problem: Problem, chosen: np.ndarray) -> np.ndarray:
    """Return ``problem.preferred`` (the plan) unless ``chosen`` is strictly better; else ``chosen``.

    Strictly better means by more than ``TIE_TOLERANCE`` relative (sums in another order round differently).
    An infeasible or absent preferred selection never wins.
    """
    preferred = problem.preferred
    if preferred is None or not is_feasible(problem, preferred):
        return chosen
    mine, theirs = float(problem.value[chosen].sum()), float(problem.value[preferred].sum())
    if mine <= theirs + TIE_TOLERANCE * max(1.0, abs(theirs)):
        return np.asarray(preferred, dtype=bool).copy()
    return chosen
