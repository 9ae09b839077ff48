"""How fragile the answer is (``optimize.fragility``): α and five weights, down and up, by exact re-solves.

On the demo store (40 free candidates at 80 % of the plan's money, stopping and dropping allowed) every side gets
``optimize.MAX_SOLVES_PER_SIDE`` solves and every limit comes out exact; on the bench store (1,446 candidates) a
side gets ``LARGE_MODEL_SOLVES``, as on the page, so some limits are stated as a range. Each case's name carries
what one run measured: the exact solves in all and how many of the twelve sides are exact (or hold all the way)
rather than a range. A run is seconds of HiGHS, so there is no warm-up and three timed runs; the bench store's
case (minutes on a shared machine) is ``bench_fragility_bench.py``, timed once.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from analytics import optimize, store
from analytics.demo import build_demo

WARMUP = False
REPEAT = 3
TIGHT = optimize.WhatIf(budget_pct=80, allow_stop=True, allow_drop=True)


def described(what_if: optimize.WhatIfProblem, where: str) -> tuple[str, object]:
    """Return the case: its name (what one run measured) and the run."""
    found = optimize.fragility(what_if)
    settled = sum(s.exact or s.holds for s in found.sides)
    name = (
        f"fragility, {where} ({what_if.model.n:,} candidates, ≤ {found.max_solves} solves a side): "
        f"{found.solves} exact solves, {settled} of {len(found.sides)} sides exact"
    )
    return name, lambda: optimize.fragility(what_if)


def cases():
    folder = Path(tempfile.mkdtemp(prefix="bench-fragility-"))
    build_demo(folder / "demo.duckdb", scale="demo", seed=7)
    with store.connect(folder / "demo.duckdb", read_only=True) as demo_con:
        demo_model = optimize.prepare_model(demo_con)
    return [described(optimize.apply_what_if(demo_model, TIGHT), "demo store at 80 %")]
