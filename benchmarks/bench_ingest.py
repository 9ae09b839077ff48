"""Importing a big file (the issue's bar: 1,000,000 kpi_history rows in seconds), accepted and rejected, and
exporting the demo store. Each run imports into a fresh copy of the demo store, so every run does the same work."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import ingest
from analytics.demo import METRICS, PRODUCTS, build_demo

# Imports write: no warm-up needed, three timed runs each.
WARMUP = False
REPEAT = 3
ROWS = 1_000_000


def kpi_history_file(path: Path, rows: int, bad_every: int | None = None) -> Path:
    """`rows` daily values for the demo's products and metrics, one product-metric pair after another."""
    products = np.array([p[0] for p in PRODUCTS])
    metrics = METRICS["metric"].to_numpy()
    index = np.arange(rows)
    pairs = len(products) * len(metrics)
    frame = pd.DataFrame(
        {
            "product_id": products[index % len(products)],
            "metric": metrics[(index // len(products)) % len(metrics)],
            "date": np.datetime64("1950-01-01") + index // pairs,
            "value": np.round(np.random.default_rng(7).gamma(2.0, 500.0, rows), 2),
        }
    )
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    if bad_every:
        frame["value"] = frame["value"].astype(str)
        frame.loc[::bad_every, "value"] = "n/a"
    frame.to_csv(path, index=False)
    return path


def cases():
    folder = Path(tempfile.mkdtemp(prefix="quarterdeck-bench-ingest-"))
    demo = folder / "demo.duckdb"
    build_demo(demo, scale="demo", seed=7)
    good = kpi_history_file(folder / "kpi_history.csv", ROWS)
    bad = kpi_history_file(folder / "kpi_history_bad.csv", ROWS, bad_every=1_000)

    def import_into_copy(source: Path, accepted: bool):
        def run():
            target = folder / "target.duckdb"
            shutil.copyfile(demo, target)
            result = ingest.import_file(target, "kpi_history", source)
            assert result.accepted == accepted, result.problems_as_lines()[:3]
            target.unlink()

        return run

    def export_demo():
        ingest.export_store(demo, folder / "export", "csv")

    return [
        (
            f"import {ROWS:,} kpi_history rows from CSV ({good.stat().st_size / 1e6:.0f} MB), accepted",
            import_into_copy(good, True),
        ),
        (
            f"import {ROWS:,} kpi_history rows, 1,000 bad values: rejected with every problem counted",
            import_into_copy(bad, False),
        ),
        ("export the demo store to CSV (21 tables)", export_demo),
    ]
