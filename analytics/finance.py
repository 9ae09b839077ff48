"""Project money, defined once: XNPV, rNPV, XIRR, ROI, payback, profitability index, strategic score.

Conventions are Excel's XNPV and XIRR (a year is 365 days, flows dated on their period's first day). Every
function works on all projects at once: flows are held as flat arrays sorted by project, and per-project sums
are ``np.bincount`` over the project index, so 2,000 projects × 60 months take milliseconds, not a loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analytics.store import read_settings

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class Flows:
    """Every project's planned monthly cash flows as flat arrays, sorted by project then period.

    ``project_ids`` lists every project (also those without flows), ``project`` indexes into it.
    """

    project_ids: np.ndarray
    project: np.ndarray
    period: np.ndarray  # datetime64[D], the first day of the month
    cost: np.ndarray
    benefit: np.ndarray
    probability_of_success: np.ndarray  # per project

    @property
    def n(self) -> int:
        """Return the number of projects."""
        return len(self.project_ids)

    def per_project(self, values: np.ndarray) -> np.ndarray:
        """Sum ``values`` (one per flow) for each project."""
        return np.bincount(self.project, weights=values, minlength=self.n)


def load_flows(con: duckdb.DuckDBPyConnection, project_ids: Sequence[str] | None = None) -> Flows:
    """Read every project (or only those in ``project_ids``) and its cash flows from the store."""
    # An empty list means "no restriction"; the flag keeps the query one statement with bound parameters.
    wanted = [str(i) for i in project_ids] if project_ids is not None else []
    restrict = [project_ids is not None, wanted]
    projects = con.execute(
        "SELECT project_id, probability_of_success FROM projects "
        "WHERE NOT ? OR list_contains(?, project_id) ORDER BY project_id",
        restrict,
    ).fetchnumpy()
    flows = con.execute(
        """
        SELECT p.idx, c.period, c.cost, c.benefit
        FROM project_cashflows c
        JOIN (SELECT project_id, row_number() OVER (ORDER BY project_id) - 1 AS idx FROM projects
              WHERE NOT ? OR list_contains(?, project_id)) p
          USING (project_id)
        ORDER BY p.idx, c.period
        """,
        restrict,
    ).fetchnumpy()
    return Flows(
        project_ids=np.asarray(projects["project_id"], dtype=object),
        project=np.asarray(flows["idx"], dtype=np.int64),
        period=np.asarray(flows["period"], dtype="datetime64[D]"),
        cost=np.asarray(flows["cost"], dtype=float),
        benefit=np.asarray(flows["benefit"], dtype=float),
        probability_of_success=np.asarray(projects["probability_of_success"], dtype=float),
    )


def discount_factors(period: np.ndarray, as_of: date, rate: float) -> np.ndarray:
    """Return ``(1 + rate) ^ -((period − as_of) / 365)`` for each date (Excel XNPV)."""
    years = (period - np.datetime64(as_of, "D")).astype(float) / DAYS_PER_YEAR
    return np.power(1.0 + rate, -years)


def forward_flows(flows: Flows, as_of: date) -> Flows:
    """Return ``flows`` without the flows dated before ``as_of``: what a decision taken on ``as_of`` still moves.

    Every project stays listed (``project_ids``), also one whose flows are all in the past.
    """
    keep = flows.period >= np.datetime64(as_of, "D")
    return Flows(
        project_ids=flows.project_ids,
        project=flows.project[keep],
        period=flows.period[keep],
        cost=flows.cost[keep],
        benefit=flows.benefit[keep],
        probability_of_success=flows.probability_of_success,
    )


def roi(flows: Flows) -> np.ndarray:
    """Return each project's ``(Σ benefit − Σ cost) / Σ cost`` over ``flows``, undiscounted; NaN without cost."""
    total_benefit, total_cost = flows.per_project(flows.benefit), flows.per_project(flows.cost)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total_cost > 0, (total_benefit - total_cost) / total_cost, np.nan)


def forward_present_values(flows: Flows, rate: float, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """Return each project's PV of benefits and PV of costs over flows dated on or after ``as_of``.

    Flows before ``as_of`` are sunk and count for nothing (DESIGN.md, valuation date).
    """
    forward = flows.period >= np.datetime64(as_of, "D")
    factor = np.where(forward, discount_factors(flows.period, as_of, rate), 0.0)
    return flows.per_project(flows.benefit * factor), flows.per_project(flows.cost * factor)


def xirr(flows: Flows, *, tolerance: float = 1e-10, max_iterations: int = 60) -> np.ndarray:
    """Return each project's internal rate of return, Excel XIRR over all its planned flows; NaN where none.

    XIRR solves ``Σ CF_i / (1 + r) ^ ((d_i − d_0) / 365) = 0`` with ``CF = benefit − cost`` and ``d_0`` the
    project's first flow date. A project whose net flows never change sign has no IRR. Newton's method runs on
    every project at once; the few that do not converge from 10 % are solved by bisection on a bracket.
    """
    net = flows.benefit - flows.cost
    nonzero = net != 0
    has_positive = np.bincount(flows.project[nonzero & (net > 0)], minlength=flows.n) > 0
    has_negative = np.bincount(flows.project[nonzero & (net < 0)], minlength=flows.n) > 0
    solvable = has_positive & has_negative
    result = np.full(flows.n, np.nan)
    if not solvable.any():
        return result
    keep = solvable[flows.project] & nonzero
    project, period, amount = flows.project[keep], flows.period[keep], net[keep]
    first = np.full(flows.n, np.iinfo(np.int64).max)
    np.minimum.at(first, project, period.astype(np.int64))
    years = (period.astype(np.int64) - first[project]) / DAYS_PER_YEAR

    # Newton from 10 % on every solvable project at once, each round only over the projects still moving.
    rate = np.full(flows.n, 0.1)
    pending = solvable.copy()
    for _ in range(max_iterations):
        rows = pending[project]
        if not rows.any():
            break
        p, y, a = project[rows], years[rows], amount[rows]
        base = 1.0 + rate[p]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            discounted = a * np.power(base, -y)
            value = np.bincount(p, weights=discounted, minlength=flows.n)
            slope = np.bincount(p, weights=-y * discounted / base, minlength=flows.n)
            new_rate = rate - value / slope
        moved = pending & np.isfinite(new_rate) & (new_rate > -0.999999)
        done = moved & (np.abs(new_rate - rate) < tolerance)
        result[done] = new_rate[done]
        rate = np.where(moved, new_rate, rate)
        pending &= moved & ~done
    stragglers = solvable & np.isnan(result)
    if stragglers.any():
        result[stragglers] = _bisect_irr(project, years, amount, stragglers)[stragglers]
    return result


def _bisect_irr(project: np.ndarray, years: np.ndarray, amount: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Return, for the projects in ``which``, the rate where the discounted net flows cross zero, by bisection."""
    n = len(which)
    result = np.full(n, np.nan)

    def npv(rate: np.ndarray, rows: np.ndarray) -> np.ndarray:
        p, y, a = project[rows], years[rows], amount[rows]
        with np.errstate(over="ignore", invalid="ignore"):
            return np.bincount(p, weights=a * np.power(1.0 + rate[p], -y), minlength=n)

    rows = which[project]
    low, high = np.full(n, -1 + 1e-10), np.full(n, 1.0)
    low_sign = np.sign(npv(low, rows))
    # Widen the bracket upwards until the sign changes (rates of thousands of percent exist for tiny costs).
    for _ in range(40):
        open_bracket = which & (low_sign == np.sign(npv(high, rows)))
        if not open_bracket.any():
            break
        high = np.where(open_bracket, high * 4, high)
        rows = open_bracket[project]
    bracketed = which & (low_sign != np.sign(npv(high, which[project])))
    pending = bracketed.copy()
    # Halve until the bracket is within 1e-10 relative: about 35 rounds from [-1, 1], each over the pending only.
    for _ in range(200):
        if not pending.any():
            break
        middle = (low + high) / 2
        same_as_low = np.sign(npv(middle, pending[project])) == low_sign
        low = np.where(pending & same_as_low, middle, low)
        high = np.where(pending & ~same_as_low, middle, high)
        pending &= (high - low) > 1e-10 * np.maximum(1.0, np.abs(high))
    result[bracketed] = ((low + high) / 2)[bracketed]
    return result


def payback_months(flows: Flows) -> np.ndarray:
    """Return months from each project's first month with cost until cumulative net cash flow first reaches ≥ 0.

    0 when the first month with cost already nets to ≥ 0; NaN when it never does, or when the project plans no
    cost at all (there is nothing to pay back).
    """
    month = flows.period.astype("datetime64[M]").astype(np.int64)
    net = flows.benefit - flows.cost
    position = np.arange(len(net))
    project_start = np.searchsorted(flows.project, np.arange(flows.n))
    # Cumulative net within each project: a running total minus what came before the project's first flow.
    running = np.cumsum(net)
    before = np.concatenate([[0.0], running])[project_start]
    cumulative = running - before[flows.project]
    none = len(net)
    first_cost = np.full(flows.n, none)
    np.minimum.at(first_cost, flows.project[flows.cost > 0], position[flows.cost > 0])
    reached = (position >= first_cost[flows.project]) & (cumulative >= 0)
    first_reached = np.full(flows.n, none)
    np.minimum.at(first_reached, flows.project[reached], position[reached])
    result = np.full(flows.n, np.nan)
    paid = (first_cost < none) & (first_reached < none)
    result[paid] = month[first_reached[paid]] - month[first_cost[paid]]
    return result


#: Stopping an active project without a stored ``stop_cost`` costs this share of its forward cost in the next
#: ``STOP_COST_MONTHS`` months (wind-down, notice periods, contracts already signed): a stated default, not a
#: measurement, so a project that knows its own figure stores it in ``projects.stop_cost``.
DEFAULT_STOP_COST_SHARE = 0.5
#: The months from the valuation date whose cost the default stop cost is a share of (the next quarter).
STOP_COST_MONTHS = 3
STOP_COST_RULE = (
    f"a project's stored stop cost, else {DEFAULT_STOP_COST_SHARE:.0%} of its forward cost in the next "
    f"{STOP_COST_MONTHS} months"
)


def stop_costs(stored: np.ndarray, next_months_cost: np.ndarray) -> np.ndarray:
    """Return what stopping each project costs: its stored ``stop_cost``, else the stated default share.

    ``stop_cost_i = stored_i`` where the store holds one, else ``DEFAULT_STOP_COST_SHARE × next_months_cost_i``,
    the project's forward cost in the ``STOP_COST_MONTHS`` months from the valuation date. Sunk cost never
    counts; the benefit a stopped project forgoes is its forward rNPV, counted by whoever compares selections.

    Parameters
    ----------
    stored
        ``(n,)`` float: ``projects.stop_cost``, NaN where null.
    next_months_cost
        ``(n,)`` float: forward cost in the next ``STOP_COST_MONTHS`` months.

    Examples
    --------
    >>> stop_costs(np.array([np.nan, 5.0]), np.array([100.0, 100.0])).tolist()
    [50.0, 5.0]
    """
    stored = np.asarray(stored, dtype=float)
    return np.where(np.isnan(stored), DEFAULT_STOP_COST_SHARE * np.asarray(next_months_cost, dtype=float), stored)


def strategic_scores_from_alignment(alignment: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return ``Σ_o w_o · s_po / (5 · Σ_o w_o)`` in [0, 1] per row of an ``(n, O)`` matrix of 0–5 scores.

    The strategic score's one definition: ``strategic_scores`` reads the matrix from the store, the what-if page
    passes weights a slider changed. 0 for every project when the weights sum to 0. Clipped because
    ``Σ w·5 / (5·Σ w)`` can round to 1 + 1e-16 (found by hypothesis).
    """
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    if total <= 0:
        return np.zeros(len(alignment))
    return np.clip(np.asarray(alignment, dtype=float) @ weights / (5.0 * total), 0.0, 1.0)


def strategic_scores(con: duckdb.DuckDBPyConnection, project_ids: np.ndarray) -> np.ndarray:
    """Return each project's strategic score (``strategic_scores_from_alignment``); a missing score counts as 0."""
    objectives = con.execute("SELECT objective_id, weight FROM objectives ORDER BY objective_id").fetchnumpy()
    cells = con.execute("SELECT project_id, objective_id, score FROM project_alignment").fetchnumpy()
    row = pd.Index(np.asarray(project_ids, dtype=object)).get_indexer(np.asarray(cells["project_id"], dtype=object))
    column = pd.Index(np.asarray(objectives["objective_id"], dtype=object)).get_indexer(
        np.asarray(cells["objective_id"], dtype=object)
    )
    known = (row >= 0) & (column >= 0)  # alignment to a project or objective not in view counts for nothing
    alignment = np.zeros((len(project_ids), len(objectives["objective_id"])))
    alignment[row[known], column[known]] = np.asarray(cells["score"], dtype=float)[known]
    return strategic_scores_from_alignment(alignment, np.asarray(objectives["weight"], dtype=float))


def forward_values(
    con: duckdb.DuckDBPyConnection, rate: float | None = None, as_of: date | None = None, flows: Flows | None = None
) -> pd.DataFrame:
    """Return one row per project with its forward-looking money: the cheap part of ``project_financials``.

    Columns: ``project_id``; ``npv`` = Σ (benefit − cost) discounted (XNPV) over flows dated on or after
    ``as_of``; ``rnpv`` = PoS × PV(benefits) − PV(costs), forward; ``profitability_index`` = PV(benefits) /
    PV(costs), forward (NaN without forward cost); ``strategic_score`` in [0, 1]. Views that need no IRR, ROI
    or payback (summaries, groupings) use this and skip the root-finding.

    Parameters
    ----------
    con
        The store.
    rate
        Annual discount rate; defaults to ``settings.discount_rate``.
    as_of
        Valuation date; defaults to ``settings.as_of``.
    flows
        The flows if the caller has read them already (``load_flows``).
    """
    settings = read_settings(con)
    rate = settings.discount_rate if rate is None else float(rate)
    as_of = settings.as_of if as_of is None else as_of
    flows = load_flows(con) if flows is None else flows
    pv_benefit, pv_cost = forward_present_values(flows, rate, as_of)
    with np.errstate(divide="ignore", invalid="ignore"):
        index = np.where(pv_cost > 0, pv_benefit / pv_cost, np.nan)
    return pd.DataFrame(
        {
            "project_id": flows.project_ids.astype(str),
            "npv": pv_benefit - pv_cost,
            "rnpv": flows.probability_of_success * pv_benefit - pv_cost,
            "profitability_index": index,
            "strategic_score": strategic_scores(con, flows.project_ids),
        }
    )


def project_financials(
    con: duckdb.DuckDBPyConnection,
    rate: float | None = None,
    as_of: date | None = None,
    *,
    project_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return one row per project with its money and strategy figures (CONTRACT.md).

    Columns: ``project_id``; ``npv``, ``rnpv``, ``profitability_index`` and ``strategic_score`` as
    ``forward_values``; ``irr`` = XIRR over all planned flows (lifetime); ``roi`` = (Σ benefit − Σ cost) / Σ cost
    over the whole plan, undiscounted (lifetime); ``payback_months`` from the plan's first month with cost
    (lifetime). Then the same three on the forward basis of NPV, over the flows dated on or after ``as_of`` only
    (sunk cost left out), so that they can stand beside NPV: ``irr_forward``, ``roi_forward`` and
    ``payback_months_forward`` (from the first forward month with cost). Figures that do not exist are NaN: IRR
    when the flows never change sign, ROI without cost, payback never reached or without cost, the index without
    forward cost. A project without flows has NPV and rNPV 0.

    Parameters
    ----------
    con
        The store.
    rate
        Annual discount rate; defaults to ``settings.discount_rate``.
    as_of
        Valuation date; defaults to ``settings.as_of``.
    project_ids
        Only these projects (a detail view of one project need not solve 2,000 IRRs); all by default.
    """
    flows = load_flows(con, project_ids)
    forward = forward_values(con, rate, as_of, flows)
    ahead = forward_flows(flows, read_settings(con).as_of if as_of is None else as_of)
    return pd.DataFrame(
        {
            "project_id": forward["project_id"],
            "npv": forward["npv"],
            "rnpv": forward["rnpv"],
            "irr": xirr(flows),
            "roi": roi(flows),
            "payback_months": payback_months(flows),
            "profitability_index": forward["profitability_index"],
            "strategic_score": forward["strategic_score"],
            "irr_forward": xirr(ahead),
            "roi_forward": roi(ahead),
            "payback_months_forward": payback_months(ahead),
        }
    )


#: Saaty's random index ``RI_k``: the mean consistency index ``(λ_max − k) / (k − 1)`` of random reciprocal
#: k × k matrices on the 1–9 scale, for k = 1..15 (Saaty, *The Analytic Hierarchy Process*, 1980; the table every
#: AHP tool quotes). No index is published beyond 15 objectives.
SAATY_RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)
#: A consistency ratio above this is inconsistent (Saaty): the judgements contradict each other too much to trust.
AHP_CONSISTENT_CR = 0.1
#: How far ``a_ij · a_ji`` may be from 1 (round-off of a typed 1/3) before a matrix is not reciprocal.
_RECIPROCAL_TOLERANCE = 1e-6


def _pairwise(matrix) -> np.ndarray:
    """Return ``matrix`` as a float array after checking it is square, positive and reciprocal (naming the cell)."""
    array = np.asarray(matrix, dtype=float)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise ValueError(f"a pairwise comparison matrix must be square (k × k), not of shape {array.shape}")
    k = array.shape[0]
    if k == 0:
        raise ValueError("a pairwise comparison matrix needs at least one row")
    if k > len(SAATY_RANDOM_INDEX):
        raise ValueError(f"Saaty's random index is published for at most {len(SAATY_RANDOM_INDEX)} objectives, not {k}")
    bad = ~np.isfinite(array) | (array <= 0)
    if bad.any():
        i, j = (int(x) for x in np.argwhere(bad)[0])
        raise ValueError(f"matrix[{i}, {j}] is {array[i, j]:g}: every pairwise comparison must be a positive number")
    off = np.abs(array * array.T - 1.0) > _RECIPROCAL_TOLERANCE
    if off.any():
        i, j = (int(x) for x in np.argwhere(off)[0])
        if i == j:
            raise ValueError(f"matrix[{i}, {i}] is {array[i, i]:g}: an objective compared with itself is 1")
        raise ValueError(
            f"matrix[{i}, {j}] is {array[i, j]:g} but matrix[{j}, {i}] is {array[j, i]:g}: a reciprocal matrix "
            f"needs 1 / {array[i, j]:g} = {1.0 / array[i, j]:g} there"
        )
    return array


def _principal_eigenpair(array: np.ndarray) -> tuple[float, np.ndarray]:
    """Return ``λ_max`` and its eigenvector normalised to sum 1 (Perron: real, positive for a positive matrix)."""
    values, vectors = np.linalg.eig(array)
    top = int(np.argmax(values.real))
    vector = np.abs(vectors[:, top].real)
    return float(values[top].real), vector / vector.sum()


def ahp_weights(matrix) -> tuple[np.ndarray, float]:
    """Return the AHP weights of a pairwise comparison matrix and its consistency ratio.

    ``matrix[i, j]`` says how much more important objective i is than objective j on Saaty's 1–9 scale (1 equal,
    3 moderately, 5 strongly, 7 very strongly, 9 extremely more; ``1/3`` the other way round), with
    ``matrix[j, i] = 1 / matrix[i, j]``. The weights are the principal eigenvector, normalised to sum 1; the
    consistency ratio is ``CR = ((λ_max − k) / (k − 1)) / RI_k`` with Saaty's random index
    (``SAATY_RANDOM_INDEX``), 0 for k ≤ 2 (two judgements cannot contradict each other). CR above
    ``AHP_CONSISTENT_CR`` (0.1) is inconsistent; :func:`ahp_most_inconsistent_pair` says where.

    Parameters
    ----------
    matrix
        ``(k, k)`` positive reciprocal comparisons, 1 ≤ k ≤ 15.

    Returns
    -------
    tuple of numpy.ndarray and float
        ``(k,)`` weights summing to 1, and the consistency ratio (≥ 0).

    Raises
    ------
    ValueError
        When the matrix is not square, holds a cell that is not a positive number, is not reciprocal (the cell is
        named), or has more objectives than Saaty's random index covers.

    Examples
    --------
    >>> weights, cr = ahp_weights([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    >>> weights.round(4).tolist(), round(cr, 6)
    ([0.5714, 0.2857, 0.1429], 0.0)
    """
    array = _pairwise(matrix)
    k = array.shape[0]
    lambda_max, weights = _principal_eigenpair(array)
    if k <= 2:
        return weights, 0.0
    consistency_index = (lambda_max - k) / (k - 1)
    # λ_max ≥ k for every positive reciprocal matrix; a consistent one can round to k − 1e-15.
    return weights, max(0.0, consistency_index / SAATY_RANDOM_INDEX[k - 1])


def ahp_most_inconsistent_pair(matrix) -> tuple[int, int, float]:
    """Return ``(i, j, implied)``: the judgement that departs most from the weights the whole matrix gives.

    The departure of judgement ``a_ij`` is ``|ln(a_ij · w_j / w_i)|``: how many times too large or too small it
    is against the ratio ``w_i / w_j`` of the AHP weights (:func:`ahp_weights`), which is ``implied``. Revising
    that judgement towards ``implied`` lowers the consistency ratio most directly. ``i < j``; ties go to the
    first pair in row order.

    Raises
    ------
    ValueError
        As :func:`ahp_weights`, and for a matrix with fewer than two objectives (no pair).
    """
    array = _pairwise(matrix)
    k = array.shape[0]
    if k < 2:
        raise ValueError("a pairwise comparison needs at least two objectives")
    _, weights = _principal_eigenpair(array)
    implied = weights[:, None] / weights[None, :]
    departure = np.abs(np.log(array / implied))
    rows, columns = np.triu_indices(k, 1)
    worst = int(np.argmax(departure[rows, columns]))
    i, j = int(rows[worst]), int(columns[worst])
    return i, j, float(implied[i, j])


def pairwise_matrix(judgements, k: int) -> np.ndarray:
    """Return the ``(k, k)`` reciprocal matrix of the judgements of every pair ``i < j``, in row order.

    ``judgements[p]`` is ``a_ij`` for the p-th pair of ``(0, 1), (0, 2), …, (0, k−1), (1, 2), …``; the cell below
    the diagonal is its reciprocal and the diagonal is 1.

    Raises
    ------
    ValueError
        When there is not one judgement per pair, or one is not a positive number.

    Examples
    --------
    >>> pairwise_matrix([3, 1 / 2, 1], 3).round(3).tolist()
    [[1.0, 3.0, 0.5], [0.333, 1.0, 1.0], [2.0, 1.0, 1.0]]
    """
    values = np.asarray(judgements, dtype=float).reshape(-1)
    pairs = k * (k - 1) // 2
    if len(values) != pairs:
        raise ValueError(f"{k} objectives make {pairs} pairs, so {pairs} judgements are needed, not {len(values)}")
    if not (np.isfinite(values) & (values > 0)).all():
        raise ValueError("every pairwise judgement must be a positive number")
    matrix = np.ones((k, k))
    rows, columns = np.triu_indices(k, 1)
    matrix[rows, columns] = values
    matrix[columns, rows] = 1.0 / values
    return matrix
