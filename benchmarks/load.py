"""How many people one server holds (issue 11, item 5): N real Chromium sessions against one served app.

The shape of Streamlit's own ``e2e_playwright/load_testing`` harness: one browser context per simulated person,
all driven at the same moment. Each person opens the overview, then the portfolio, then /what-if, and moves the
budget slider ``--moves`` times; what is timed is one key press until the frontier chart shows the new point
(the answer on screen, as in ``bench_whatif_page``). Every person starts from a different budget, so they ask
different questions and some of the same ones. The server's memory (RSS) and CPU are sampled with psutil every
0.25 s. The server is pinned to core 0 and this process with its browser to core 1 (``taskset``), so the
clients do not starve the server.

A soak (``--soak N``) moves one session through N distinct settings in a row (budget x alpha) and samples the
server's memory every 50: after warm-up it must stay flat (bounded caches and solver pool).

    python -m benchmarks.load [--stores demo bench] [--sessions 1 5 10 20] [--moves 5] [--soak 500]

Results are merged into benchmarks/results.json (area "load") and results.md is written again.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

from benchmarks.__main__ import RESULTS_JSON, RESULTS_MD, bench_store, render
from tests.chromium import CHROMIUM_FLAGS, FRAMED_AND_READY, WHAT_IF_POINT_JS, chromium_path, served_app

BUDGET_LABEL = "Budget, % of plan"
ALPHA_LABEL = "Money ↔ strategy"
SERVER_CORE, CLIENT_CORE = 0, 1
SETTLE_MS = 300_000
#: The goal of the issue: 20 sessions within twice one session's p95, under 20 MB per extra session.
KNEE_FACTOR = 2.0


def _slider(page, label: str):
    return page.locator("[data-testid='stSlider']").filter(has_text=label).locator("input[type=range]")


async def _sample(process: psutil.Process, into: list[tuple[float, float]], stop: asyncio.Event) -> None:
    """(RSS in MB, CPU % of one core) every 0.25 s until ``stop``."""
    process.cpu_percent(None)
    while not stop.is_set():
        into.append((process.memory_info().rss / 2**20, process.cpu_percent(None)))
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except TimeoutError:
            pass


async def _settled(page) -> None:
    await page.wait_for_function(FRAMED_AND_READY, polling=100, timeout=SETTLE_MS)


async def _point_moved(page, before) -> None:
    await page.wait_for_function(
        f"(b) => {{ const p = ({WHAT_IF_POINT_JS})(); return p !== null && JSON.stringify(p) !== JSON.stringify(b); }}",
        arg=before,
        polling=50,
        timeout=SETTLE_MS,
    )


async def _person(browser, url: str, number: int, moves: int, timings: list[float]) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        for path in ("/", "/portfolio", f"/what-if?budget_pct={60 + 5 * (number % 16)}"):
            await page.goto(url + path, wait_until="commit")
            await _settled(page)
        await page.wait_for_function(WHAT_IF_POINT_JS, polling=100, timeout=SETTLE_MS)
        slider = _slider(page, BUDGET_LABEL)
        for move in range(moves):
            before = await page.evaluate(WHAT_IF_POINT_JS)
            await slider.focus()
            begun = time.perf_counter()
            await page.keyboard.press("ArrowRight" if (move // 2) % 2 == 0 else "ArrowLeft")
            await _point_moved(page, before)
            timings.append(time.perf_counter() - begun)
    finally:
        await context.close()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


async def _load(url: str, process: psutil.Process, sessions: list[int], moves: int) -> list[dict]:
    from playwright.async_api import async_playwright

    rows = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            await _person(browser, url, 0, 2, [])  # warm-up: first compile of every page, caches filled
            for n in sessions:
                timings: list[float] = []
                samples: list[tuple[float, float]] = []
                stop = asyncio.Event()
                sampler = asyncio.create_task(_sample(process, samples, stop))
                rss_before = process.memory_info().rss / 2**20
                begun = time.perf_counter()
                await asyncio.gather(*(_person(browser, url, i, moves, timings) for i in range(n)))
                stop.set()
                await sampler
                rows.append(
                    {
                        "sessions": n,
                        "moves": len(timings),
                        "p50_s": statistics.median(timings),
                        "p95_s": _percentile(timings, 0.95),
                        "rss_before_mb": rss_before,
                        "rss_peak_mb": max(m for m, _ in samples),
                        "cpu_mean_pct": statistics.mean(c for _, c in samples),
                        "wall_s": time.perf_counter() - begun,
                    }
                )
                print(f"load | {n:>3} sessions: {rows[-1]}", flush=True)
        finally:
            await browser.close()
    return rows


async def _soak(url: str, process: psutil.Process, settings: int) -> list[tuple[int, float]]:
    """Move one session through ``settings`` distinct (budget, alpha) pairs; (settings done, RSS MB) every 50."""
    from playwright.async_api import async_playwright

    memory = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(url + "/what-if?budget_pct=40&alpha=0", wait_until="commit")
            await _settled(page)
            await page.wait_for_function(WHAT_IF_POINT_JS, polling=100, timeout=SETTLE_MS)
            budget, alpha = _slider(page, BUDGET_LABEL), _slider(page, ALPHA_LABEL)
            # A boustrophedon over the grid: the budget sweeps right then left, alpha steps once per sweep, so
            # every setting is new.
            steps = itertools.cycle(["ArrowRight"] * 24 + ["alpha"] + ["ArrowLeft"] * 24 + ["alpha"])
            for done in range(1, settings + 1):
                step = next(steps)
                before = await page.evaluate(WHAT_IF_POINT_JS)
                await (alpha if step == "alpha" else budget).focus()
                await page.keyboard.press("ArrowRight" if step == "alpha" else step)
                await _point_moved(page, before)
                if done % 50 == 0:
                    memory.append((done, process.memory_info().rss / 2**20))
                    print(f"soak | {done} settings, server RSS {memory[-1][1]:.0f} MB", flush=True)
        finally:
            await browser.close()
    return memory


def _store_copy(which: str, folder: Path) -> Path:
    target = folder / f"{which}.duckdb"
    if which == "bench":
        shutil.copyfile(bench_store(), target)
    else:
        from analytics.demo import build_demo

        build_demo(target, scale="demo", seed=7)
    return target


def _markdown(
    by_store: dict[str, list[dict]], soak: dict[str, list[tuple[int, float]]], load_average: str
) -> list[str]:
    lines = [
        "N Chromium sessions against one server (`python -m benchmarks.load`): each opens the overview, the "
        "portfolio and /what-if, then moves the budget slider; key press until the frontier shows the new point. "
        f"Server on core {SERVER_CORE}, browsers on core {CLIENT_CORE}. Load average when it started: {load_average}.",
        "",
    ]
    for name, rows in by_store.items():
        single = rows[0]["p95_s"] if rows and rows[0]["sessions"] == 1 else None
        knee = next((r["sessions"] for r in rows if single and r["p95_s"] > KNEE_FACTOR * single), None)
        lines += [
            f"**{name} store**",
            "",
            "| sessions | moves | p50 | p95 | server RSS peak | per extra session | server CPU |",
        ]
        lines += ["|---:|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            extra = (
                f"{(r['rss_peak_mb'] - rows[0]['rss_peak_mb']) / (r['sessions'] - 1):.1f} MB"
                if r["sessions"] > 1 and rows[0]["sessions"] == 1
                else ""
            )
            lines.append(
                f"| {r['sessions']} | {r['moves']} | {r['p50_s'] * 1000:.0f} ms | {r['p95_s'] * 1000:.0f} ms "
                f"| {r['rss_peak_mb']:.0f} MB | {extra} | {r['cpu_mean_pct']:.0f} % |"
            )
        knee_text = f"the knee is at {knee} sessions" if knee else "no knee up to the largest N measured"
        lines += ["", f"p95 passes {KNEE_FACTOR:g}x one session's p95: {knee_text}.", ""]
    for name, memory in soak.items():
        if memory:
            trail = ", ".join(f"{done}: {mb:.0f} MB" for done, mb in memory)
            lines += [f"**Soak, {name} store**: server RSS after each 50 distinct settings: {trail}.", ""]
    return lines


def main() -> None:
    import json

    parser = argparse.ArgumentParser(prog="python -m benchmarks.load")
    parser.add_argument("--stores", nargs="*", default=["demo", "bench"], choices=["demo", "bench"])
    parser.add_argument("--sessions", nargs="*", type=int, default=[1, 5, 10, 20])
    parser.add_argument("--moves", type=int, default=5)
    parser.add_argument("--soak", type=int, default=500, help="distinct settings in a row on the demo store (0: none)")
    parser.add_argument("--no-pin", action="store_true", help="leave server and browsers on every core")
    args = parser.parse_args()
    if chromium_path() is None:
        raise SystemExit("no Chromium found ($CHROMIUM_PATH, chromium on PATH, /usr/bin/chromium)")
    pin = not args.no_pin and (os.cpu_count() or 1) > 1
    if pin:
        os.sched_setaffinity(0, {CLIENT_CORE})  # this process, Playwright's driver and the browser it starts
    load_average = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    by_store, soak = {}, {}
    with tempfile.TemporaryDirectory(prefix="qd-load-") as scratch:
        for which in args.stores:
            folder = Path(scratch) / which
            folder.mkdir()
            server_core = SERVER_CORE if pin else None
            with served_app(_store_copy(which, folder), folder / "streamlit.log", core=server_core) as url:
                process = psutil.Process(url.pid)
                by_store[which] = asyncio.run(_load(url, process, args.sessions, args.moves))
                if which == "demo" and args.soak:
                    soak[which] = asyncio.run(_soak(url, process, args.soak))
    results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    results["load"] = {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.uname().machine}, {os.cpu_count()} cores",
        "markdown": _markdown(by_store, soak, load_average),
        "cases": {},
        "raw": {"load": by_store, "soak": soak},
    }
    RESULTS_JSON.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    RESULTS_MD.write_text(render(results))
    print("\n".join(results["load"]["markdown"]))


if __name__ == "__main__":
    main()
