"""How fragile the answer is at bench scale (1,446 candidates): ``bench_fragility.py``'s case on the bench store.

A side gets ``optimize.fragility``'s ``LARGE_MODEL_SOLVES`` exact solves (0.2–2 s each on a quiet machine), as on
the page, so limits it does not settle are stated as ranges. One timed run: a run is minutes on a shared machine.
"""

from __future__ import annotations

from analytics import optimize
from benchmarks.bench_fragility import described

WARMUP = False
REPEAT = 1
#: Below the plan's money, with stopping and dropping allowed, as the demo's case.
BENCH = optimize.WhatIf(budget_pct=90, allow_stop=True, allow_drop=True)


def cases(con):
    return [described(optimize.apply_what_if(optimize.prepare_model(con), BENCH), "bench store at 90 %")]
