"""Monte Carlo of portfolio value: the issue's bar is 10,000 trials over 2,000 projects in under a second."""

from __future__ import annotations

import numpy as np

from analytics.simulate import simulate_npv


def cases():
    # A portfolio shaped like the bench store's: benefits 0.1-10M, costs 30-90 % of them, PoS 0.45-0.95.
    rng = np.random.default_rng(7)
    benefit = rng.uniform(1e5, 1e7, 2_000)
    cost = benefit * rng.uniform(0.3, 0.9, 2_000)
    pos = rng.uniform(0.45, 0.95, 2_000)
    return [
        (
            "simulate_npv: 10,000 trials × 2,000 projects (P10/P50/P90, P(NPV<0))",
            lambda: simulate_npv(benefit, cost, pos, trials=10_000, seed=1),
        )
    ]
