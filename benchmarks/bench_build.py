"""How long building the demo company takes: the demo store (what `make run` builds on first start) and the
bench store (2,000 projects, 12 teams, 10M+ KPI rows; the issue's bar is 90 s on a 2-core machine)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from analytics.demo import build_demo

# Builds are slow and not cache-sensitive: no warm-up, three timed runs each.
WARMUP = False
REPEAT = 3


def cases():
    folder = Path(tempfile.mkdtemp(prefix="quarterdeck-bench-build-"))

    def build(name: str, scale: str):
        def run():
            path = folder / f"{name}.duckdb"
            build_demo(path, scale=scale, seed=7)
            path.unlink()  # a bench store is a gigabyte: do not leave one per run in /tmp

        return run

    demo_store, bench_store = build("demo", "demo"), build("bench", "bench")

    return [
        ("demo store build (6 products, 64 projects)", demo_store),
        ("bench store build (2,000 projects, 10M+ KPI rows)", bench_store),
    ]
