"""Monte Carlo of a portfolio's value: how sure is the chosen portfolio's NPV.

Each trial draws, for every chosen project, whether it succeeds (a Bernoulli draw with its probability of
success) and a cost and a benefit multiplier (lognormal with mean 1), and adds up
``NPV = Σ success · m_benefit · PV(benefits) − m_cost · PV(costs)``. The multipliers share a common factor with
weight ``correlation`` (an economy-wide overrun or a slow market moves every project at once), which is what
keeps a large portfolio's spread from vanishing. The expected NPV over trials is the portfolio's rNPV.

Entry points
------------
``simulate_npv(pv_benefit, pv_cost, probability_of_success, *, trials=10_000, seed=0, cost_sigma=0.15,
benefit_sigma=0.30, correlation=0.3) -> Simulation``
    On arrays, one entry per project in the portfolio.
``simulate_selection(what_if, chosen, **same keywords) -> Simulation``
    For an ``analytics.optimize.WhatIfProblem`` and a selection: PVs and probabilities after its haircut,
    overrun, delay and rate.

Trials come in antithetic pairs (the second of a pair mirrors the first's draws: success when the first's
uniform is above ``1 − PoS``, normals negated), which halves the random numbers to draw and narrows the
sampling error of the mean. Everything is vectorised over trials × projects in float32 blocks of
``BLOCK_TRIALS`` trials; block b draws from its own generator spawned from ``numpy.random.SeedSequence(seed)``,
so a seed always gives the same numbers, however many threads draw the blocks.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

#: Trials drawn per block: bounds memory to a few tens of MB at 2,000 projects. Changing it changes the draws.
BLOCK_TRIALS = 1_000
#: Threads drawing blocks at once (each block has its own generator, so the result does not depend on this).
MAX_THREADS = 4


@dataclass(frozen=True, eq=False)
class Simulation:
    """The outcome of a Monte Carlo run.

    Attributes
    ----------
    npv
        ``(trials,)`` the portfolio's NPV in each trial.
    expected
        ``Σ PoS · PV(benefits) − PV(costs)``: the rNPV the trials scatter around.
    p10, p50, p90
        Percentiles of ``npv``.
    mean
        Mean of ``npv``.
    prob_negative
        Share of trials with ``npv < 0``.
    seed, trials
        How it was drawn.
    """

    npv: np.ndarray
    expected: float
    p10: float
    p50: float
    p90: float
    mean: float
    prob_negative: float
    seed: int
    trials: int

    def histogram(self, bins: int = 40) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(counts, edges)`` of the NPV distribution, for a chart."""
        return np.histogram(self.npv, bins=bins)


def simulate_npv(
    pv_benefit,
    pv_cost,
    probability_of_success,
    *,
    trials: int = 10_000,
    seed: int = 0,
    cost_sigma: float = 0.15,
    benefit_sigma: float = 0.30,
    correlation: float = 0.3,
) -> Simulation:
    """Simulate a portfolio's NPV: Bernoulli success per project, lognormal cost and benefit multipliers.

    Parameters
    ----------
    pv_benefit, pv_cost
        ``(k,)`` present values of each project's forward benefits and costs.
    probability_of_success
        ``(k,)`` in [0, 1]: a failed project spends its costs and earns nothing.
    trials
        Number of trials.
    seed
        Seed of ``numpy.random.default_rng``: the same seed gives the same result.
    cost_sigma, benefit_sigma
        Standard deviation of the log of the cost and benefit multipliers (each multiplier has mean 1).
    correlation
        Share of the log-variance common to all projects (0 = independent, 1 = all move together).

    Returns
    -------
    Simulation
        The trials and their summary.

    Raises
    ------
    ValueError
        For mismatched shapes or parameters out of range.

    Examples
    --------
    >>> s = simulate_npv([100.0], [50.0], [1.0], trials=1000, cost_sigma=0, benefit_sigma=0)
    >>> s.p50, s.prob_negative
    (50.0, 0.0)
    """
    benefit = np.asarray(pv_benefit, dtype=np.float64).reshape(-1)
    cost = np.asarray(pv_cost, dtype=np.float64).reshape(-1)
    pos = np.asarray(probability_of_success, dtype=np.float64).reshape(-1)
    if not (len(benefit) == len(cost) == len(pos)):
        raise ValueError("pv_benefit, pv_cost and probability_of_success need one entry per project")
    if trials < 1:
        raise ValueError("trials must be at least 1")
    if not (0.0 <= correlation <= 1.0) or cost_sigma < 0 or benefit_sigma < 0:
        raise ValueError("correlation must be in [0, 1] and the sigmas ≥ 0")
    if ((pos < 0) | (pos > 1)).any():
        raise ValueError("probability_of_success must be in [0, 1]")
    k = len(benefit)
    common, own = np.sqrt(correlation), np.sqrt(1.0 - correlation)
    pos32, benefit32, cost32 = pos.astype(np.float32), benefit.astype(np.float32), cost.astype(np.float32)
    starts = range(0, trials, BLOCK_TRIALS)
    # One generator per block, spawned from the seed: the draws do not depend on how many threads run them.
    streams = np.random.SeedSequence(seed).spawn(len(starts))
    npv = np.empty(trials)

    def run_block(block: int) -> None:
        rng = np.random.default_rng(streams[block])
        first = starts[block]
        size = min(BLOCK_TRIALS, trials - first)
        half = (size + 1) // 2
        # Antithetic pairs: trial t + half mirrors trial t (U → 1 − U, Z → −Z). Each trial is still a fair draw;
        # the pairs halve the random numbers to generate and cancel part of the sampling noise.
        uniform = rng.random((half, k), dtype=np.float32)
        success = np.empty((size, k), dtype=bool)
        np.less(uniform, pos32, out=success[:half])
        np.greater(uniform[: size - half], 1 - pos32, out=success[half:])
        earned = _multipliers(rng, size, half, k, benefit_sigma, common, own)
        earned *= success
        spent = _multipliers(rng, size, half, k, cost_sigma, common, own)
        # float32 products are exact to ~1e-7 relative; the sums are taken in float64 across blocks.
        npv[first : first + size] = (earned @ benefit32).astype(np.float64) - (spent @ cost32).astype(np.float64)

    # numpy's generators and BLAS release the GIL, so blocks run in parallel on the cores there are.
    with ThreadPoolExecutor(max_workers=min(len(starts), os.cpu_count() or 1, MAX_THREADS)) as pool:
        list(pool.map(run_block, range(len(starts))))
    p10, p50, p90 = np.percentile(npv, [10, 50, 90])
    return Simulation(
        npv=npv,
        expected=float(pos @ benefit - cost.sum()),
        p10=float(p10),
        p50=float(p50),
        p90=float(p90),
        mean=float(npv.mean()),
        prob_negative=float((npv < 0).mean()),
        seed=seed,
        trials=trials,
    )


def _multipliers(
    rng: np.random.Generator, size: int, half: int, k: int, sigma: float, common: float, own: float
) -> np.ndarray:
    """Return ``(size, k)`` lognormal multipliers with mean 1: ``exp(σ·(c·Z_trial + o·Z_project) − σ²/2)``.

    Rows ``half`` and on mirror the first rows (``Z → −Z``): the antithetic partners.
    """
    shared = rng.standard_normal((half, 1), dtype=np.float32)
    normal = rng.standard_normal((half, k), dtype=np.float32)
    if sigma == 0:
        return np.ones((size, k), dtype=np.float32)
    draws = np.empty((size, k), dtype=np.float32)
    np.multiply(normal, np.float32(sigma * own), out=draws[:half])
    draws[:half] += np.float32(sigma * common) * shared
    np.negative(draws[: size - half], out=draws[half:])
    draws -= np.float32(sigma * sigma / 2)
    return np.exp(draws, out=draws)


def simulate_selection(what_if, chosen, **options) -> Simulation:
    """Simulate the NPV of the chosen projects of an ``analytics.optimize.WhatIfProblem``.

    Uses its present values and probabilities, i.e. after the what-if haircut, cost overrun, benefit delay and
    discount rate. ``options`` are those of :func:`simulate_npv`.
    """
    chosen = np.asarray(chosen, dtype=bool)
    return simulate_npv(
        what_if.pv_benefit[chosen], what_if.pv_cost[chosen], what_if.probability_of_success[chosen], **options
    )


def simulate_schedule(what_if, option, **options) -> Simulation:
    """Simulate the NPV of a schedule of an ``analytics.optimize.WhatIfProblem`` with start shifts.

    As :func:`simulate_selection`, with each chosen project's present values at its chosen start
    (``WhatIfProblem.options``); ``option`` is the ``Schedule``'s (-1 = not chosen). Without shifts it is
    :func:`simulate_selection` of ``option >= 0``.
    """
    option = np.asarray(option, dtype=np.int64)
    starts = what_if.options
    if starts is None:
        return simulate_selection(what_if, option >= 0, **options)
    columns = starts.columns(option)
    owner = starts.schedule.owner[columns]
    return simulate_npv(
        starts.pv_benefit[columns], starts.pv_cost[columns], what_if.probability_of_success[owner], **options
    )
