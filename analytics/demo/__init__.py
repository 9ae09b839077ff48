"""A deterministic, believable demo company: Halyard Software, valued as of 2026-10-15.

Same seed, same store, row for row. Every table draws from its own random stream
(``default_rng([seed, stream])``) so changing one table's generator does not reshuffle the others.
Noise is multiplicative and autocorrelated (a log-AR(1) walk), not uniform; launches of major features
step signups and active users up; money is never negative; no project ends before it starts.

Everything is generated as numpy arrays and bulk-loaded through DuckDB in one transaction: no row-by-row
inserts, so the bench scale (2,000 projects, 10M+ KPI rows) builds in well under a minute and a half.
"""

from analytics.demo.build import build_demo, generate
from analytics.demo.company import (
    AS_OF,
    FTE_MONTH_COST,
    HISTORY_DAYS,
    METRICS,
    OBJECTIVES,
    PRODUCTS,
    SCALES,
    TEAM_POOL,
    Scale,
)

__all__ = [
    "AS_OF",
    "FTE_MONTH_COST",
    "HISTORY_DAYS",
    "METRICS",
    "OBJECTIVES",
    "PRODUCTS",
    "SCALES",
    "TEAM_POOL",
    "Scale",
    "build_demo",
    "generate",
]
