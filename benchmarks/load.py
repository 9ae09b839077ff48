"""How many people one server holds (issue 11, item 5): N real Chromium sessions against one served app.

The shape of Streamlit's own ``e2e_playwright/load_testing`` harness: one browser, one context per simulated
person, all driven at the same moment (asyncio). Each person opens the overview, then the portfolio, then
/what-if, and moves the budget slider ``--moves`` times. What is timed is one key press until the page has
*settled*: the frontier's star shows the new settings, the script has finished, and nothing on the page is still
proving the optimum or computing the frontier (the final answer on screen). The first redraw of the star (the
answer, perhaps provisional) is recorded too. Every person starts from a different budget at or above the plan's
money (below it the plan's own projects would have to be allowed to go first, and the page shows no frontier),
so they ask different questions and some of the same ones.

The server is pinned to core 0 and this process with its browser (Playwright's Node driver and every Chromium
process inherit it) to core 1 (``taskset``), so the clients do not starve the server; on two cores that leaves
one core for 20 browsers, so the CPU of both sides is measured (process CPU time over wall time, 100 % = one
core) to say which side saturates. Server memory is its RSS, sampled every 0.25 s. Every step has a timeout: a
step that does not finish fails that N with a sentence naming the step and the session, never a hang.

A soak (``--soak N``) moves one session through N distinct settings in a row (a walk over budget x discount
rate, each key press a setting not seen before) and records the server's memory every 50: after warm-up it must
stay flat (bounded caches and solver pool).

    python -m benchmarks.load [--stores demo bench] [--sessions 1 5 10 20] [--moves 5] [--soak 500]
                              [--step-timeout 180] [--trace] [--no-pin] [--no-write]

Results are merged into benchmarks/results.json (area "load") after every figure, and results.md is written again:
a figure this run does not measure (the bench store, say, or the soak with ``--soak 0``) keeps its recorded value.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil

from benchmarks.__main__ import RESULTS_JSON, RESULTS_MD, bench_store, render
from tests.chromium import CHROMIUM_FLAGS, FRAMED_AND_READY, WHAT_IF_POINT_JS, chromium_path, served_app

BUDGET_LABEL = "Budget, % of plan"
RATE_LABEL = "Discount rate"
SERVER_CORE, CLIENT_CORE = 0, 1
#: Bounded but generous: 20 sessions opening a page at once on one loaded core take tens of seconds.
STEP_TIMEOUT_S = 180.0
#: The goal of the issue: 20 sessions within twice one session's p95, under 20 MB per extra session.
KNEE_FACTOR = 2.0
#: Where each person's budget starts (% of plan): at or above the plan's money, on the slider's 5 % steps.
FIRST_BUDGET_PCT, BUDGET_STEP_PCT, BUDGET_STARTS = 100, 5, 9
#: The soak's walk: the budget slider from 100 % to 160 % (13 settings), the discount rate from 0 in 0.5 %
#: steps (51 settings): 663 distinct settings in all.
SOAK_BUDGET_PRESSES = (160 - FIRST_BUDGET_PCT) // BUDGET_STEP_PCT
SOAK_EVERY = 50
#: What pages/what-if.py shows while the answer on screen is not final yet.
NOT_FINAL = ("proving the optimum", "Computing the frontier")
SAMPLE_EVERY_S = 0.25

POINT_MOVED_JS = f"""(before) => {{
    const p = ({WHAT_IF_POINT_JS})();
    return p !== null && JSON.stringify(p) !== JSON.stringify(before);
}}"""
# The status line and the captions only, by textContent (innerText of the whole page would lay it out again on
# every poll, in 20 pages at once: the harness's own cost on the clients' core).
SETTLED_JS = f"""(before) => {{
    if (!({FRAMED_AND_READY})() || !({POINT_MOVED_JS})(before)) return false;
    const notes = document.querySelectorAll("[data-testid='stAlert'], [data-testid='stCaptionContainer']");
    const shown = Array.from(notes, note => note.textContent).join(" ");
    return !{json.dumps(list(NOT_FINAL))}.some(words => shown.includes(words));
}}"""


class StepFailed(Exception):
    """A step of a simulated person did not finish in time (or failed): the message names the step."""


def _slider(page, label: str):
    return page.locator("[data-testid='stSlider']").filter(has_text=label).locator("input[type=range]")


#: ``--trace``: print every step with its duration (to see where a slow run spends its time).
TRACE = False


async def _step(what: str, awaitable, timeout_s: float):
    """Await ``awaitable``; a timeout or a browser error becomes a :class:`StepFailed` naming ``what``."""
    from playwright.async_api import Error as PlaywrightError

    begun = time.perf_counter()
    try:
        # Playwright's own timeout (set on the context) fires first; this one catches a call that has none.
        result = await asyncio.wait_for(awaitable, timeout_s + 5)
        if TRACE:
            print(f"trace | {what}: {time.perf_counter() - begun:.2f} s", flush=True)
        return result
    except TimeoutError:
        raise StepFailed(f"{what} did not finish within {timeout_s:g} s") from None
    except PlaywrightError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if "Timeout" in first_line:
            raise StepFailed(f"{what} did not finish within {timeout_s:g} s") from None
        raise StepFailed(f"{what} failed: {first_line}") from None


class CpuMeter:
    """CPU seconds (user + system) of a set of processes, summed; processes that come and go are followed.

    ``roots`` are measured with all their descendants (the browser's renderers appear as contexts open), but
    for ``leave_out`` (the server is this process's child too). A process that exits between two samples loses at
    most one sampling interval of its time.
    """

    def __init__(self, roots: list[psutil.Process], leave_out: frozenset[int] = frozenset()):
        self._roots = roots
        self._leave_out = leave_out
        self._seen: dict[int, tuple[float, float]] = {}  # pid: (create time, CPU s)
        self.total = 0.0

    def sample(self) -> float:
        processes = []
        for root in self._roots:
            try:
                processes += [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        left_out = set(self._leave_out)
        for pid in self._leave_out:
            try:
                left_out |= {child.pid for child in psutil.Process(pid).children(recursive=True)}
            except psutil.NoSuchProcess:
                continue
        first = not self._seen
        for process in processes:
            if process.pid in left_out:
                continue
            try:
                times = process.cpu_times()
                born = process.create_time()
            except psutil.NoSuchProcess:
                continue
            used = times.user + times.system
            known = self._seen.get(process.pid)
            if known is not None and known[0] == born:
                self.total += max(0.0, used - known[1])
            elif not first:
                self.total += used  # born since the last sample (or a recycled pid): all its time is new
            self._seen[process.pid] = (born, used)
        return self.total


def scheduler_seconds(pid: int) -> tuple[float, float]:
    """Seconds a process's threads have run on a CPU and waited in the run queue for one, summed (Linux
    ``/proc/PID/task/*/schedstat``): the wait says how far the machine's other work starved it."""
    on_cpu = waiting = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "schedstat").read_text().split()
        except OSError:  # the thread ended meanwhile
            continue
        on_cpu, waiting = on_cpu + int(fields[0]), waiting + int(fields[1])
    return on_cpu / 1e9, waiting / 1e9


@dataclass
class Meters:
    """Server memory and CPU, and the clients' CPU, sampled while a phase runs."""

    server: psutil.Process
    rss_mb: list[float] = field(default_factory=list)

    def __post_init__(self):
        self.server_cpu = CpuMeter([self.server])
        self.client_cpu = CpuMeter([psutil.Process()], leave_out=frozenset({self.server.pid}))

    def sample(self) -> None:
        self.rss_mb.append(self.server.memory_info().rss / 2**20)
        self.server_cpu.sample()
        self.client_cpu.sample()


async def _sampled(meters: Meters, work):
    """Run ``work`` while sampling ``meters``; return (its result, server CPU %, client CPU %, wall seconds, the
    share of the time the server was runnable that it waited for a CPU, in %)."""
    meters.sample()
    server_before, client_before, begun = meters.server_cpu.total, meters.client_cpu.total, time.perf_counter()
    scheduled_before = scheduler_seconds(meters.server.pid)
    task = asyncio.ensure_future(work)
    try:
        while not task.done():
            await asyncio.wait([task], timeout=SAMPLE_EVERY_S)
            meters.sample()
    finally:
        if not task.done():  # stopped from outside: the crowd is cancelled with it (and closes its contexts)
            task.cancel()
    wall = time.perf_counter() - begun
    result = task.result()
    on_cpu_after, waiting_after = scheduler_seconds(meters.server.pid)
    on_cpu, waiting = on_cpu_after - scheduled_before[0], waiting_after - scheduled_before[1]
    return (
        result,
        100 * (meters.server_cpu.total - server_before) / wall,
        100 * (meters.client_cpu.total - client_before) / wall,
        wall,
        100 * waiting / max(on_cpu + waiting, 1e-9),
    )


@dataclass
class Person:
    """One simulated person: which one, and what they measured."""

    number: int
    answer_s: list[float] = field(default_factory=list)
    settled_s: list[float] = field(default_factory=list)

    @property
    def budget_pct(self) -> int:
        return FIRST_BUDGET_PCT + BUDGET_STEP_PCT * (self.number % BUDGET_STARTS)


async def _open(page, url: str, path: str, who: str, timeout_s: float) -> None:
    await _step(f"{who}: opening {path}", page.goto(url + path, wait_until="commit"), timeout_s)
    await _step(
        f"{who}: {path} finishing its first run",
        page.wait_for_function(FRAMED_AND_READY, polling=100),
        timeout_s,
    )


async def _what_if_settled(page, before, who: str, what: str, timeout_s: float) -> None:
    await _step(f"{who}: {what} settling", page.wait_for_function(SETTLED_JS, arg=before, polling=50), timeout_s)


async def _press(page, slider, key: str, who: str, what: str, timeout_s: float) -> tuple[float, float]:
    """Press ``key`` on ``slider``; seconds until the star moved and until the page settled."""
    before = await _step(f"{who}: reading the frontier before {what}", page.evaluate(WHAT_IF_POINT_JS), timeout_s)
    await _step(f"{who}: focusing the slider for {what}", slider.focus(), timeout_s)
    begun = time.perf_counter()
    await _step(f"{who}: {what}", page.keyboard.press(key), timeout_s)
    await _step(
        f"{who}: the frontier answering {what}",
        page.wait_for_function(POINT_MOVED_JS, arg=before, polling=50),
        timeout_s,
    )
    answered = time.perf_counter() - begun
    await _what_if_settled(page, before, who, what, timeout_s)
    return answered, time.perf_counter() - begun


def _move_keys(moves: int) -> list[str]:
    """Right, right, left, left, ...: the budget stays within two steps of where it started."""
    return ["ArrowRight" if (move // 2) % 2 == 0 else "ArrowLeft" for move in range(moves)]


async def _person(browser, url: str, person: Person, moves: int, timeout_s: float, label: str) -> None:
    who = f"{label}, session {person.number + 1}"
    context = await _step(
        f"{who}: opening a browser context",
        browser.new_context(viewport={"width": 1280, "height": 900}),
        timeout_s,
    )
    context.set_default_timeout(timeout_s * 1000)
    try:
        page = await _step(f"{who}: opening a tab", context.new_page(), timeout_s)
        await _open(page, url, "/", who, timeout_s)
        await _open(page, url, "/portfolio", who, timeout_s)
        await _open(page, url, f"/what-if?budget_pct={person.budget_pct}", who, timeout_s)
        await _what_if_settled(page, None, who, "/what-if's first answer", timeout_s)
        slider = _slider(page, BUDGET_LABEL)
        for move, key in enumerate(_move_keys(moves)):
            answered, settled = await _press(page, slider, key, who, f"budget key press {move + 1}", timeout_s)
            person.answer_s.append(answered)
            person.settled_s.append(settled)
    finally:
        await context.close()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _load_average() -> float:
    return os.getloadavg()[0]


async def _crowd(browser, url: str, n: int, moves: int, timeout_s: float, label: str) -> list[Person]:
    people = [Person(i) for i in range(n)]
    # A TaskGroup: when one person fails, the others are cancelled (and their contexts closed), not left running.
    try:
        async with asyncio.TaskGroup() as group:
            for person in people:
                group.create_task(_person(browser, url, person, moves, timeout_s, label))
    except* StepFailed as failed:
        raise StepFailed("; ".join(str(e) for e in failed.exceptions)) from None
    return people


async def _load(
    url: str,
    server: psutil.Process,
    store_name: str,
    sessions: list[int],
    moves: int,
    timeout_s: float,
    rows: list[dict],
    record: Callable[[], None],
) -> None:
    """Append a row to ``rows`` for each crowd in ``sessions`` (and ``record`` it), or one saying why it failed."""
    from playwright.async_api import async_playwright

    meters = Meters(server)
    async with async_playwright() as playwright:
        browser = await _step(
            "starting Chromium",
            playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS),
            timeout_s,
        )
        try:
            print(f"load | {store_name} | warm-up: one session through every page", flush=True)
            try:
                await _crowd(browser, url, 1, 2, timeout_s, f"{store_name} warm-up")
            except StepFailed as failed:
                print(f"load | {store_name} | warm-up FAILED: {failed}", flush=True)
                rows.append({"sessions": sessions[0], "failed": f"warm-up: {failed}", "load_before": _load_average()})
                record()
                return
            for n in sessions:
                load_before, rss_before = _load_average(), server.memory_info().rss / 2**20
                meters.rss_mb.clear()
                print(f"load | {store_name} | {n} sessions: starting (load average {load_before:.1f})", flush=True)
                label = f"{store_name}, {n} sessions"
                try:
                    people, server_cpu, client_cpu, wall, server_wait = await _sampled(
                        meters, _crowd(browser, url, n, moves, timeout_s, label)
                    )
                except StepFailed as failed:
                    reason = str(failed)
                    print(f"load | {store_name} | {n} sessions FAILED: {reason}", flush=True)
                    rows.append({"sessions": n, "failed": reason, "load_before": load_before})
                    record()
                    break  # a larger crowd would only fail the same way, later
                answers = [s for p in people for s in p.answer_s]
                settled = [s for p in people for s in p.settled_s]
                rows.append(
                    {
                        "sessions": n,
                        "moves": len(settled),
                        "answer_p50_s": statistics.median(answers),
                        "p50_s": statistics.median(settled),
                        "p95_s": _percentile(settled, 0.95),
                        "rss_before_mb": rss_before,
                        "rss_peak_mb": max(meters.rss_mb),
                        "server_cpu_pct": server_cpu,
                        "client_cpu_pct": client_cpu,
                        "server_wait_pct": server_wait,
                        "wall_s": wall,
                        "load_before": load_before,
                        "load_after": _load_average(),
                    }
                )
                r = rows[-1]
                print(
                    f"load | {store_name} | {n} sessions: settled p50 {r['p50_s']:.2f} s, p95 {r['p95_s']:.2f} s, "
                    f"server RSS peak {r['rss_peak_mb']:.0f} MB, CPU server {server_cpu:.0f} % (waiting for its core "
                    f"{server_wait:.0f} % of the time) / clients {client_cpu:.0f} %, {wall:.0f} s, load average "
                    f"{load_before:.1f} -> {r['load_after']:.1f}",
                    flush=True,
                )
                record()
        finally:
            await browser.close()


def _soak_keys(settings: int) -> list[tuple[str, str]]:
    """(slider, key) for ``settings`` presses: the budget sweeps right then left, the rate steps once between
    sweeps, so every press reaches a setting not seen before."""
    keys, sweep = [], 0
    while len(keys) < settings:
        keys += [(BUDGET_LABEL, "ArrowRight" if sweep % 2 == 0 else "ArrowLeft")] * SOAK_BUDGET_PRESSES
        keys.append((RATE_LABEL, "ArrowRight"))
        sweep += 1
    return keys[:settings]


async def _soak(
    url: str, server: psutil.Process, settings: int, timeout_s: float, run: dict, record: Callable[[], None]
) -> None:
    """One session through ``settings`` distinct settings; into ``run`` (and ``record``ed), every SOAK_EVERY of
    them: the server's RSS, the settled median so far, the time taken and the load average."""
    from playwright.async_api import async_playwright

    memory, settled_s, who = [], [], "soak"
    async with async_playwright() as playwright:
        browser = await _step(
            "starting Chromium for the soak",
            playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS),
            timeout_s,
        )
        try:
            context = await _step(
                "soak: opening a browser context", browser.new_context(viewport={"width": 1280, "height": 900}), 60
            )
            context.set_default_timeout(timeout_s * 1000)
            page = await _step("soak: opening a tab", context.new_page(), timeout_s)
            await _open(page, url, f"/what-if?budget_pct={FIRST_BUDGET_PCT}&rate=0", who, timeout_s)
            await _what_if_settled(page, None, who, "/what-if's first answer", timeout_s)
            sliders = {label: _slider(page, label) for label in (BUDGET_LABEL, RATE_LABEL)}
            load_before, begun = _load_average(), time.perf_counter()
            print(f"soak | {settings} settings in a row, the server's RSS every {SOAK_EVERY}", flush=True)
            for done, (label, key) in enumerate(_soak_keys(settings), start=1):
                _, settled = await _press(page, sliders[label], key, who, f"setting {done} ({label} {key})", timeout_s)
                settled_s.append(settled)
                if done % SOAK_EVERY == 0:
                    memory.append((done, server.memory_info().rss / 2**20))
                    run.update(
                        memory=memory,
                        p50_s=statistics.median(settled_s),
                        wall_s=time.perf_counter() - begun,
                        load_before=load_before,
                        load_after=_load_average(),
                    )
                    record()
                    print(
                        f"soak | {done} settings, server RSS {memory[-1][1]:.0f} MB, settled p50 of the last "
                        f"{SOAK_EVERY} {statistics.median(settled_s[-SOAK_EVERY:]):.2f} s, load average "
                        f"{run['load_after']:.1f}",
                        flush=True,
                    )
        finally:
            await browser.close()


def _store_copy(which: str, folder: Path, bench_path: Path | None) -> Path:
    target = folder / f"{which}.duckdb"
    if which == "bench":
        # A copy: the app opens its store read-write (migrations, scenario saves), never the original.
        shutil.copyfile(bench_path or bench_store(), target)
    else:
        from analytics.demo import build_demo

        build_demo(target, scale="demo", seed=7)
    return target


def _knee(rows: list[dict]) -> tuple[float | None, int | None]:
    """One session's p95 and the smallest N whose p95 passes KNEE_FACTOR times it (None: no knee)."""
    done = [r for r in rows if "failed" not in r]
    single = next((r["p95_s"] for r in done if r["sessions"] == 1), None)
    if single is None:
        return None, None
    for r in rows:
        if "failed" in r or r["p95_s"] > KNEE_FACTOR * single:
            return single, r["sessions"]
    return single, None


def _where(pinned: bool) -> str:
    if pinned:
        return f"server on core {SERVER_CORE}, this process, Playwright's driver and Chromium on core {CLIENT_CORE}"
    return "server and browsers unpinned"


def _markdown(crowds: dict[str, dict], soaks: dict[str, dict]) -> list[str]:
    """The area's text: ``crowds`` and ``soaks`` by store, each with when and how it was measured."""
    lines = [
        "N Chromium sessions against one server (`make bench-load`, `python -m benchmarks.load`), one browser "
        "context each: every session opens the overview, the portfolio and /what-if, then presses an arrow key "
        "on the budget slider; timed from the key press until the page settled (the frontier's star at the new "
        "budget, the script finished, nothing still proving), “answer” until the star first moved. "
        "CPU is process time over wall time (100 % = one core); “server waits” is the share of the time the server "
        "had work that it waited for its core (the machine's other work starving it: near 0 on a quiet machine); "
        "“load” is the machine's 1-minute load average before → after, from other work on the same 2 cores as well "
        "as this. Each figure is replaced only by a run that measures it again.",
        "",
    ]
    for name, crowd in crowds.items():
        rows = crowd["rows"]
        single, knee = _knee(rows)
        first = next((r for r in rows if r["sessions"] == 1 and "failed" not in r), None)
        lines += [
            f"**{name} store**, measured {crowd['measured_at']}, {_where(crowd['pinned'])}",
            "",
            "| sessions | moves | answer p50 | settled p50 | settled p95 | server RSS peak | per extra session "
            "| server CPU | server waits | client CPU | load |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in rows:
            if "failed" in r:
                lines.append(f"| {r['sessions']} | failed: {r['failed']} |{' |' * 8} {r['load_before']:.1f} |")
                continue
            extra = (
                f"{(r['rss_peak_mb'] - first['rss_peak_mb']) / (r['sessions'] - 1):.1f} MB"
                if first is not None and r["sessions"] > 1
                else ""
            )
            lines.append(
                f"| {r['sessions']} | {r['moves']} | {r['answer_p50_s'] * 1000:.0f} ms | {r['p50_s'] * 1000:.0f} ms "
                f"| {r['p95_s'] * 1000:.0f} ms | {r['rss_peak_mb']:.0f} MB | {extra} | {r['server_cpu_pct']:.0f} % "
                f"| {r['server_wait_pct']:.0f} % | {r['client_cpu_pct']:.0f} % "
                f"| {r['load_before']:.1f} → {r['load_after']:.1f} |"
            )
        if single is None:
            knee_text = "no single-session figure to compare with"
        elif knee:
            knee_text = f"the knee is at {knee} sessions"
        else:
            knee_text = f"no knee up to {max(r['sessions'] for r in rows)} sessions"
        lines += [
            "",
            f"p95 passes {KNEE_FACTOR:g}× one session's p95: {knee_text}. {_saturated(rows)} {_cpu_per_session(rows)}",
            "",
        ]
    for name, run in soaks.items():
        if run.get("memory"):
            trail = ", ".join(f"{done}: {mb:.0f} MB" for done, mb in run["memory"])
            lines += [
                f"**Soak, {name} store**, measured {run['measured_at']}, {_where(run['pinned'])}: one session "
                f"through {run['memory'][-1][0]} distinct settings in a row (budget × discount rate), settled "
                f"p50 {run['p50_s'] * 1000:.0f} ms, {run['wall_s']:.0f} s, load {run['load_before']:.1f} → "
                f"{run['load_after']:.1f}. Server RSS after each {SOAK_EVERY}: {trail}. "
                f"{_growth_after_warm_up(run['memory'])}",
                "",
            ]
        if run.get("failed"):
            lines += [f"**Soak, {name} store, stopped**: {run['failed']}.", ""]
    return lines


#: A side whose processes use this share of their one core is the one that saturates.
SATURATED_PCT = 90.0
#: A server that waits for its core this share of the time it has work is starved by other work on the machine.
STARVED_PCT = 50.0


def _saturated(rows: list[dict]) -> str:
    """Which side ran out of CPU at the largest crowd measured: the server's core or the browsers'."""
    done = [r for r in rows if "failed" not in r]
    if not done:
        return ""
    r = max(done, key=lambda row: row["sessions"])
    server, clients = r["server_cpu_pct"], r["client_cpu_pct"]
    sides = f"the server used {server:.0f} % of a core, the browsers and their driver {clients:.0f} %"
    if r["server_wait_pct"] >= STARVED_PCT:
        return (
            f"At {r['sessions']} sessions {sides}, and the server waited for its core {r['server_wait_pct']:.0f} % of "
            "the time it had work: the machine's other work, not this crowd, set the pace."
        )
    if max(server, clients) < SATURATED_PCT:
        return f"At {r['sessions']} sessions {sides}: neither side saturated."
    side = "the browsers' (the clients are the bottleneck)" if clients >= server else "the server's"
    return f"At {r['sessions']} sessions {sides}: the core that saturates first is {side}."


def _cpu_per_session(rows: list[dict]) -> str:
    """CPU seconds each side spent per session (three page opens and the key presses), which a busy machine
    stretches far less than it stretches wall time: which core fills first when each side has one to itself."""
    done = [r for r in rows if "failed" not in r]
    if not done:
        return ""
    server, clients = (
        statistics.median(r[share] * r["wall_s"] / 100 / r["sessions"] for r in done)
        for share in ("server_cpu_pct", "client_cpu_pct")
    )
    heavier = "the browsers' core fills first" if clients >= server else "the server's core fills first"
    return (
        f"Per session the server spent {server:.1f} CPU-seconds and the browsers with their driver {clients:.1f} "
        f"(median over the crowds): with a core each, {heavier}."
    )


#: Settings after which every bounded cache and the solvers' results have been filled at least once.
SOAK_WARM_UP = 100


def _growth_after_warm_up(memory: list[tuple[int, float]]) -> str:
    after = [(done, mb) for done, mb in memory if done >= SOAK_WARM_UP]
    if len(after) < 2:
        return ""
    (first, low), (last, high) = after[0], after[-1]
    per_100 = (high - low) / (last - first) * 100
    return f"After warm-up ({first} → {last} settings) it grew {high - low:+.0f} MB ({per_100:+.1f} MB per 100)."


def _write(by_store: dict[str, list[dict]], soak: dict[str, dict], pinned: bool) -> None:
    """Merge this run's figures into area "load" of results.json and write results.md again (the other benchmarks'
    way). A store's crowd or soak this run did not measure keeps its recorded figure (the bench store is measured
    on its own, the soak can be), with the date and the pinning it was measured with."""
    results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    recorded = results.get("load", {}).get("raw", {})
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    crowds = {k: v for k, v in recorded.get("crowds", {}).items() if not by_store.get(k)}
    crowds |= {k: {"measured_at": now, "pinned": pinned, "rows": rows} for k, rows in by_store.items() if rows}
    soaks = {k: v for k, v in recorded.get("soaks", {}).items() if not soak.get(k)}
    soaks |= {k: {**run, "measured_at": now, "pinned": pinned} for k, run in soak.items() if run}
    results["load"] = {
        "measured_at": now,
        "machine": f"{os.uname().machine}, {os.cpu_count()} cores",
        "markdown": _markdown(crowds, soaks),
        "cases": {},
        "raw": {"crowds": crowds, "soaks": soaks},
    }
    RESULTS_JSON.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    RESULTS_MD.write_text(render(results))


def _stopped(signum, frame) -> None:
    raise SystemExit("stopped by SIGTERM")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load")
    # The bench store is not in a default run: 20 sessions opening its pages take longer than the ~10 minutes a
    # whole run is meant to take (`--stores bench --sessions 1 5 10` measures it on its own).
    parser.add_argument("--stores", nargs="*", default=["demo"], choices=["demo", "bench"])
    parser.add_argument(
        "--bench-store", type=Path, help="the bench-scale store to copy (default: benchmarks/bench.duckdb, built)"
    )
    parser.add_argument("--sessions", nargs="*", type=int, default=[1, 5, 10, 20])
    parser.add_argument("--moves", type=int, default=5)
    parser.add_argument("--soak", type=int, default=500, help="distinct settings in a row on the demo store (0: none)")
    parser.add_argument("--step-timeout", type=float, default=STEP_TIMEOUT_S, help="seconds any one step may take")
    parser.add_argument("--no-pin", action="store_true", help="leave server and browsers on every core")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave results.json as it is")
    parser.add_argument("--trace", action="store_true", help="print every step of every session with its duration")
    args = parser.parse_args()
    global TRACE
    TRACE = args.trace
    signal.signal(signal.SIGTERM, _stopped)  # a run stopped from outside still stops its server and browser
    if chromium_path() is None:
        raise SystemExit("no Chromium found ($CHROMIUM_PATH, chromium on PATH, /usr/bin/chromium)")
    if args.bench_store is not None and not args.bench_store.is_file():
        raise SystemExit(f"--bench-store {args.bench_store}: no such file")
    pinned = not args.no_pin and (os.cpu_count() or 1) > 1
    if pinned:
        os.sched_setaffinity(0, {CLIENT_CORE})  # this process, Playwright's driver and the browser it starts
    by_store, soak, failed = {}, {}, False

    def record() -> None:  # after every figure: a run stopped half-way keeps what it measured
        if not args.no_write:
            _write(by_store, soak, pinned)

    scratch = Path(tempfile.mkdtemp(prefix="qd-load-"))
    for which in args.stores:
        folder = scratch / which
        folder.mkdir()
        log = folder / "streamlit.log"
        print(f"load | {which} | preparing the store and starting the server ({log})", flush=True)
        with served_app(_store_copy(which, folder, args.bench_store), log, core=SERVER_CORE if pinned else None) as url:
            server = psutil.Process(url.pid)
            rows = by_store[which] = []
            if args.sessions:
                asyncio.run(_load(url, server, which, args.sessions, args.moves, args.step_timeout, rows, record))
            failed |= any("failed" in r for r in rows)
            if which == "demo" and args.soak:
                run = soak[which] = {}
                try:
                    asyncio.run(_soak(url, server, args.soak, args.step_timeout, run, record))
                except StepFailed as problem:
                    print(f"soak FAILED: {problem}", flush=True)
                    run["failed"] = str(problem)
                    record()
                    failed = True
    if not args.no_write:
        record()  # with `--stores` and no store after it, only this: results.md written again from results.json
        print("\n".join(json.loads(RESULTS_JSON.read_text())["load"]["markdown"]))
    if failed:
        print(f"server logs kept in {scratch}", file=sys.stderr)
        raise SystemExit(1)
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
