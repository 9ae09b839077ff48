"""Time every benchmark case and record medians in benchmarks/results.md.

Each `benchmarks/bench_<area>.py` exposes `cases()` or `cases(con)` returning `[(name, callable), ...]`;
those that take `con` get a read-only connection to the bench-scale store (built once into
benchmarks/bench.duckdb). A case named "X (pandas)" is the plain-pandas twin of case "X": the report gives the
ratio of their medians. Results are merged into benchmarks/results.json so a partial run (`--only`) keeps the
other areas (an area's own record is replaced, unless its module's ``is_partial()`` says it timed a subset), then
the whole of results.md is written again from it.

    python -m benchmarks [--only AREA ...] [--repeat N]
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from analytics import store
from benchmarks import Measured

HERE = Path(__file__).resolve().parent
BENCH_STORE = HERE / "bench.duckdb"
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "results.md"
SLOW_CASE_SECONDS = 5.0


def bench_store() -> Path:
    """The bench-scale store, built on first use."""
    if not BENCH_STORE.exists():
        from analytics.demo import build_demo

        print(f"building the bench store {BENCH_STORE} ...", flush=True)
        build_demo(BENCH_STORE, scale="bench", seed=7)
    return BENCH_STORE


def time_case(fn, repeat: int, warmup: bool = True, shares: dict[str, list[float]] | None = None) -> list[float]:
    """Seconds per run: one warm-up (unless the area says not to), then `repeat` runs (3 when a run is slow).

    A run that returns a ``Measured`` gives its own seconds, if it says them, and its server-side figures, appended to
    ``shares`` by label ("server-side", "server CPU-seconds").
    """
    runs = repeat
    if warmup:
        start = time.perf_counter()
        fn()
        if time.perf_counter() - start > SLOW_CASE_SECONDS:
            runs = min(repeat, 3)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        wall = time.perf_counter() - start
        measured = result if isinstance(result, Measured) else Measured()
        timings.append(wall if measured.seconds is None else measured.seconds)
        figures = {"server-side": measured.server_side_s, "server CPU-seconds": measured.server_cpu_s}
        if shares is not None:
            for label, seconds in figures.items():
                if seconds is not None:
                    shares.setdefault(label, []).append(seconds)
    return timings


def areas(only: list[str] | None) -> list[str]:
    found = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    return [a for a in found if not only or a in only]


def run(only: list[str] | None, repeat: int) -> dict:
    results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    con = None
    for area in areas(only):
        module = importlib.import_module(f"benchmarks.bench_{area}")
        if inspect.signature(module.cases).parameters:
            if con is None:
                con = store.connect(bench_store(), read_only=True)
                results["bench store"] = {"rows": store.table_counts(con)}
            cases = module.cases(con)
        else:
            cases = module.cases()
        # A run of an area replaces its record: case names carry measured facts (a gap, a count), so a case no longer
        # produced is stale. An area that says it timed a subset of its cases (``is_partial()``) keeps the others.
        partial = getattr(module, "is_partial", lambda: False)()
        area_results = dict(results.get(area, {}).get("cases", {})) if partial else {}
        for name, fn in cases:
            shares: dict[str, list[float]] = {}
            timings = time_case(fn, getattr(module, "REPEAT", repeat), getattr(module, "WARMUP", True), shares)
            for case, seconds in [(name, timings)] + [(f"{name}, {label}", runs) for label, runs in shares.items()]:
                area_results[case] = {
                    "median_ms": statistics.median(seconds) * 1000,
                    "min_ms": min(seconds) * 1000,
                    "runs": len(seconds),
                }
                print(f"{area:>12} | {case:<60} median {area_results[case]['median_ms']:10.1f} ms", flush=True)
        results[area] = {
            "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            # The machine may be shared (others running tests): its load says how far to trust the medians.
            "machine": f"{platform.machine()}, {_cores()} cores, Python {platform.python_version()}, "
            f"load average {os.getloadavg()[0]:.1f} when the area finished",
            "cases": area_results,
        }
    if con is not None:
        con.close()
    RESULTS_JSON.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    RESULTS_MD.write_text(render(results))
    return results


def _cores() -> int:
    return os.cpu_count() or 1


def render(results: dict) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m benchmarks`); medians over repeated runs after one warm-up.",
        "A case named “X (pandas)” is the same computation in plain pandas on frames already in memory;",
        "the ratio is pandas median ÷ Quarterdeck median.",
        "",
    ]
    if "bench store" in results:
        rows = results["bench store"]["rows"]
        lines += [
            f"The bench store (`python -m analytics demo --scale bench`): {rows['projects']:,} projects, "
            f"{rows['teams']:,} teams, {rows['products']:,} products, {rows['kpi_history']:,} kpi_history rows, "
            f"{rows['feedback']:,} feedback answers.",
            "",
        ]
    for area in sorted(a for a in results if a != "bench store"):
        entry = results[area]
        lines += [f"## {area}", "", f"Measured {entry['measured_at']} on {entry['machine']}.", ""]
        if "markdown" in entry:  # an area with its own shape (benchmarks/load.py: sessions, percentiles, memory)
            lines += entry["markdown"]
            continue
        lines += ["| case | median | min | runs | pandas ÷ this |", "|---|---:|---:|---:|---:|"]
        cases = entry["cases"]
        for name, stats in cases.items():
            twin = cases.get(f"{name} (pandas)")
            ratio = f"{twin['median_ms'] / stats['median_ms']:.1f}×" if twin else ""
            lines.append(f"| {name} | {_ms(stats['median_ms'])} | {_ms(stats['min_ms'])} | {stats['runs']} | {ratio} |")
        lines.append("")
    return "\n".join(lines)


def _ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--only", nargs="*", help="areas to run (file names bench_<area>.py)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    run(args.only, args.repeat)
    print(f"wrote {RESULTS_MD}")


if __name__ == "__main__":
    main()
