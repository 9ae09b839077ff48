"""The random streams every table draws from, and the autocorrelated noise they share.

Each table has its own stream (``default_rng([seed, stream])``), so changing one table's generator does not
reshuffle the others.
"""

from __future__ import annotations

import numpy as np


def random_stream(seed: int, stream: int) -> np.random.Generator:
    """Open one table's own stream of ``seed``, independent of every other table's."""
    return np.random.default_rng([seed, stream])


def month_starts(first: np.datetime64, count: int) -> np.ndarray:
    """``count`` consecutive month starts from the month of ``first``."""
    return first.astype("datetime64[M]") + np.arange(count)


def log_ar1(rng: np.random.Generator, shape: tuple[int, ...], sigma: float, phi: float = 0.9) -> np.ndarray:
    """Multiplicative noise with memory along the last axis: exp of an AR(1) walk with stationary sd ``sigma``."""
    shocks = rng.normal(0.0, sigma * np.sqrt(1 - phi**2), size=shape)
    walk = np.empty(shape)
    walk[..., 0] = rng.normal(0.0, sigma, size=shape[:-1])
    for t in range(1, shape[-1]):
        walk[..., t] = phi * walk[..., t - 1] + shocks[..., t]
    return np.exp(walk - sigma**2 / 2)
