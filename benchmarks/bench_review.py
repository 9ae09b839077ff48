"""The review pack (issue 12): a 10-slide deck in under 15 s on two cores with a warm renderer, and the data
fingerprint of the bench store (10M KPI rows), which the sidebar computes once per store version.

The deck is the default pack of the demo store (built once into a temporary folder): every number computed (the
exact selection, the frontier sweep, 10,000 Monte Carlo trials) and every chart drawn by Kaleido, the renderer
started before timing, as it is in a served app after its first pack.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from analytics import store
from analytics.fingerprint import data_fingerprint
from analytics.review import DEFAULT_SCENARIO, make_pack, render


@cache
def _demo_store() -> Path:
    from analytics.demo import build_demo

    path = Path(tempfile.mkdtemp(prefix="bench-review-")) / "demo.duckdb"
    build_demo(path, scale="demo", seed=7)
    return path


def _deck(extension: str):
    def run():
        with store.connect(_demo_store(), read_only=True) as con:
            made = make_pack(con, extension, [DEFAULT_SCENARIO])
        assert len(made) > 100_000

    return run


def cases(con):
    render.warm_up()
    return [
        ("review pack: 10-slide deck (.pptx) of the demo store, warm renderer", _deck(".pptx")),
        ("review pack: the same 10 pages as a PDF", _deck(".pdf")),
        ("data fingerprint of the bench store (10M KPI rows)", lambda: data_fingerprint(con)),
    ]
