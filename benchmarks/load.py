"""How many people one server holds (issue 11, item 5): N simulated people against one served app.

Two kinds of people (``--client``, both by default, each against a server of its own):

- **protocol** (benchmarks/protocol.py): each person is a websocket client in this process that speaks
  Streamlit's own protocol as its frontend does: the page's HTTP requests and XSRF cookie, ``rerun_script``
  BackMsgs with the query string, page and widget states, fragment reruns for a slider inside a fragment, the
  fragment auto-reruns the server asks for (the what-if page's proof poll) and the follow-up runs they cause; the
  element tree is kept from the deltas, so "settled" reads the same texts and the same star as in Chromium. Nothing
  is drawn, so 20 people cost the clients' core a few per cent and what is timed is the server: the knee and the
  goal (20 people within twice one person's p95) are judged on this client's server turn.
- **chromium**: the shape of Streamlit's own ``e2e_playwright/load_testing`` harness, one browser, one context
  per simulated person (small viewport, reduced motion: the clients' core draws less, the server is asked the
  same). The end-to-end truth, but on two cores its 20 pages saturate the clients' core long before the server
  (measured: 99 % against the server's 11 %), and then every figure, even the wire's, waits for that core.

People, not a stampede: person i opens the overview, the portfolio and /what-if ``STAGGER_S`` x i after the first;
those loads are warm-up. Once every person has loaded /what-if, the measuring window (``--window``) opens, and each
person thinks (exponential, mean ``--think`` s, seeded per person) before each press of an arrow key on the budget
slider, until the window closes. Every person starts from a different budget at or above the plan's money (below
it the plan's own projects would have to be allowed to go first, and the page shows no frontier), so they ask
different questions and some of the same ones.

Two figures per key press. The server's turn: from the rerun request (a BackMsg ``rerun_script``) leaving the
client to the ForwardMsg ``script_finished`` that answers it arriving. The protocol client times both on its own
websocket; Chromium's are the CDP timestamps of its frames (``Network.webSocketFrameSent/Received``). ``--compare``
checks both against the server's own clock (benchmarks/server_clock.py, a wrapper of Streamlit's command line that
logs when the server receives a rerun and queues its script-finished), one Chromium page and one protocol client
pressing in turn: the protocol client's turn is the server's within about 10 ms, Chromium's is late by its page's
own work (about 2x the server's time at one session, measured), and later still once the clients' core saturates.
The page's: from the key press until the page has *settled* (the frontier's star shows the new settings, the script
has finished, nothing is still proving the optimum or computing the frontier), with the star's first move beside
it; in Chromium it adds the browser's own work on the clients' core.

The server is pinned to core 0 and this process (with the protocol clients, or Playwright's Node driver and every
Chromium process, which inherit it) to core 1 (``taskset``), so the clients do not starve the server; the CPU of
both sides is measured (process CPU time over wall time, 100 % = one core) to say which side saturates. Server
memory is its RSS, sampled every 0.25 s. Every step has a timeout: a step that does not finish fails that N with a
sentence naming the step and the session, never a hang.

A soak (``--soak N``) moves one session (of the first ``--client``) through N distinct settings in a row (a walk
over budget x discount rate, each key press a setting not seen before) and records the server's memory every 50:
after warm-up it must stay flat (bounded caches and solver pool).

    python -m benchmarks.load [--stores demo bench] [--client protocol chromium] [--sessions 1 5 10 20]
                              [--window 60] [--think 10] [--soak 500] [--step-timeout 180] [--trace] [--no-pin]
                              [--no-write]
    python -m benchmarks.load --compare 16     # only the clients' clocks against the server's

Results are merged into benchmarks/results.json (area "load", a crowd per store and client) after every figure,
and results.md is written again: a figure this run does not measure (the bench store, say, one client, or the soak
with ``--soak 0``) keeps its recorded value.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import json
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil

from benchmarks import protocol
from benchmarks.__main__ import RESULTS_JSON, RESULTS_MD, bench_store, render
from tests.chromium import CHROMIUM_FLAGS, FRAMED_AND_READY, WHAT_IF_POINT_JS, chromium_path, served_app

BUDGET_LABEL = "Budget, % of plan"
RATE_LABEL = "Discount rate"
SERVER_CORE, CLIENT_CORE = 0, 1
#: Bounded but generous: 20 sessions opening a page at once on one loaded core take tens of seconds.
STEP_TIMEOUT_S = 180.0
#: The goal of the issue: 20 sessions within twice one session's p95, under 20 MB per extra session.
KNEE_FACTOR = 2.0
GOAL_SESSIONS, GOAL_MB_PER_SESSION = 20, 20.0
#: Where each person's budget starts (% of plan): at or above the plan's money, on the slider's 5 % steps.
FIRST_BUDGET_PCT, BUDGET_STEP_PCT, BUDGET_STARTS = 100, 5, 9
#: The soak's walk: the budget slider from 100 % to 160 % (13 settings), the discount rate from 0 in 0.5 %
#: steps (51 settings): 663 distinct settings in all.
SOAK_BUDGET_PRESSES = (160 - FIRST_BUDGET_PCT) // BUDGET_STEP_PCT
SOAK_EVERY = 50
#: What pages/what-if.py shows while the answer on screen is not final yet.
NOT_FINAL = ("proving the optimum", "Computing the frontier")
#: The what-if frontier's trace marking "these settings" (tests/chromium.py's WHAT_IF_POINT_JS reads the same).
STAR_TRACE = "these settings"
#: Who the simulated people are (``--client``): the protocol client first, as the server's latency is judged on it.
CLIENTS = ("protocol", "chromium")
CLIENT_NAMES = {"protocol": "protocol clients", "chromium": "Chromium sessions"}
SAMPLE_EVERY_S = 0.25
#: People, not a stampede: session i opens its first page STAGGER_S * i after the first; once all have loaded (the
#: page loads are warm-up, not measured) each thinks for an exponential time of mean THINK_MEAN_S (seeded per
#: person) before every key press, until the measuring window of WINDOW_S closes.
STAGGER_S, THINK_MEAN_S, WINDOW_S, THINK_SEED = 1.0, 10.0, 60.0, 11
#: Small pages with no transitions: the clients' core draws less, and the server is asked exactly the same.
VIEWPORT = {"width": 1024, "height": 720}
REDUCED_MOTION = "reduce"
PROGRESS_EVERY_S = 15.0

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


def rerun_sent(payload: str, opcode: int) -> bool:
    """Whether a websocket frame the browser sent (CDP's base64 ``payloadData``) is a BackMsg asking for a rerun."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    if opcode != 2:  # Streamlit's frames are binary; text frames are not its messages
        return False
    message = BackMsg()
    try:
        message.ParseFromString(base64.b64decode(payload))
    except Exception:  # noqa: BLE001 - a frame that is not a BackMsg is not a rerun
        return False
    return message.WhichOneof("type") == "rerun_script"


def script_finished(payload: str, opcode: int) -> str | None:
    """The status name of a ForwardMsg ``script_finished`` the browser received, else None."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if opcode != 2:
        return None
    message = ForwardMsg()
    try:
        message.ParseFromString(base64.b64decode(payload))
    except Exception:  # noqa: BLE001 - not a ForwardMsg
        return None
    if message.WhichOneof("type") != "script_finished":
        return None
    return ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)


#: A run ended by a newer rerun answers nothing: the next run's end does.
ANSWERING = frozenset({"FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"})


def server_seconds(frames: list[tuple[float, str]]) -> float | None:
    """Seconds from the first rerun request to the first answering script-finished after it, in ``frames``:
    (network timestamp, "rerun" or a script-finished status), in the order the network saw them. None: no such
    pair (the press asked nothing of the server, or the answer has not arrived)."""
    sent = next((at for at, what in frames if what == "rerun"), None)
    if sent is None:
        return None
    return next((at - sent for at, what in frames if what in ANSWERING and at >= sent), None)


class WireClock:
    """A page's Streamlit websocket frames, timed by Chromium's network stack (CDP ``Network.webSocketFrame*``):
    the time a rerun leaves the browser and its script-finished arrives does not wait for the page's JS thread,
    which a starved client core delays, so their difference is the server's latency (and the loopback's)."""

    def __init__(self):
        self.frames: list[tuple[float, str]] = []

    async def attach(self, context, page) -> None:
        session = await context.new_cdp_session(page)
        session.on("Network.webSocketFrameSent", self._sent)
        session.on("Network.webSocketFrameReceived", self._received)
        await session.send("Network.enable")

    def _sent(self, event: dict) -> None:
        frame = event["response"]
        if rerun_sent(frame.get("payloadData", ""), frame.get("opcode", 0)):
            self.frames.append((event["timestamp"], "rerun"))

    def _received(self, event: dict) -> None:
        frame = event["response"]
        status = script_finished(frame.get("payloadData", ""), frame.get("opcode", 0))
        if status is not None:
            self.frames.append((event["timestamp"], status))


def _slider(page, label: str):
    return page.locator("[data-testid='stSlider']").filter(has_text=label).locator("input[type=range]")


#: ``--trace``: print every step with its duration (to see where a slow run spends its time).
TRACE = False


async def _step(what: str, awaitable, timeout_s: float):
    """Await ``awaitable``; a timeout or a browser error becomes a :class:`StepFailed` naming ``what``."""
    from playwright.async_api import Error as PlaywrightError
    from websockets.exceptions import WebSocketException

    begun = time.perf_counter()
    try:
        # Playwright's own timeout (set on the context) fires first; this one catches a call that has none.
        result = await asyncio.wait_for(awaitable, timeout_s + 5)
        if TRACE:
            print(f"trace | {what}: {time.perf_counter() - begun:.2f} s", flush=True)
        return result
    except TimeoutError:
        raise StepFailed(f"{what} did not finish within {timeout_s:g} s") from None
    except (OSError, LookupError, WebSocketException) as error:  # the protocol client's connection or page
        raise StepFailed(f"{what} failed: {type(error).__name__}: {error}") from None
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


def scheduler_seconds(pid: int) -> dict[int, tuple[int, int]]:
    """Per thread of a process, the nanoseconds it has run on a CPU and waited in the run queue for one (Linux
    ``/proc/PID/task/*/schedstat``): the wait says how far the machine's other work starved it."""
    threads = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "schedstat").read_text().split()
        except OSError:  # the thread ended meanwhile
            continue
        threads[int(task.name)] = (int(fields[0]), int(fields[1]))
    return threads


def scheduled_since(before: dict[int, tuple[int, int]], after: dict[int, tuple[int, int]]) -> tuple[float, float]:
    """Seconds on a CPU and waiting for one between two :func:`scheduler_seconds` readings, summed over the threads
    alive at the second (a thread born between them counts from zero). Summing each reading first and subtracting
    went negative when a session's script thread ended in between: its whole life left the second sum."""
    on_cpu = waiting = 0
    for tid, (ran, waited) in after.items():
        ran_before, waited_before = before.get(tid, (0, 0))
        on_cpu, waiting = on_cpu + ran - ran_before, waiting + waited - waited_before
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
    on_cpu, waiting = scheduled_since(scheduled_before, scheduler_seconds(meters.server.pid))
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
    server_s: list[float] = field(default_factory=list)
    arrived: bool = False  # counted in by its crowd's window (a person who fails before is counted in on the way out)

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


async def _press(
    page, slider, key: str, who: str, what: str, timeout_s: float, wire: WireClock | None = None
) -> tuple[float, float, float | None]:
    """Press ``key`` on ``slider``; seconds until the star moved, until the page settled, and (with ``wire``) from
    the rerun request leaving the browser to its script-finished arriving (None if the frames were not seen)."""
    before = await _step(f"{who}: reading the frontier before {what}", page.evaluate(WHAT_IF_POINT_JS), timeout_s)
    await _step(f"{who}: focusing the slider for {what}", slider.focus(), timeout_s)
    first_frame = len(wire.frames) if wire is not None else 0
    begun = time.perf_counter()
    await _step(f"{who}: {what}", page.keyboard.press(key), timeout_s)
    await _step(
        f"{who}: the frontier answering {what}",
        page.wait_for_function(POINT_MOVED_JS, arg=before, polling=50),
        timeout_s,
    )
    answered = time.perf_counter() - begun
    await _what_if_settled(page, before, who, what, timeout_s)
    settled = time.perf_counter() - begun
    return answered, settled, server_seconds(wire.frames[first_frame:]) if wire is not None else None


def _move_keys(moves: int) -> list[str]:
    """Right, right, left, left, ...: the budget stays within two steps of where it started."""
    return ["ArrowRight" if (move // 2) % 2 == 0 else "ArrowLeft" for move in range(moves)]


def think_times(number: int, mean_s: float, seed: int = THINK_SEED):
    """Person ``number``'s think times before each key press: exponential with mean ``mean_s``, the same every run."""
    rng = random.Random(f"{seed}-{number}")
    while True:
        yield rng.expovariate(1 / mean_s)


@dataclass
class Window:
    """The measuring window a crowd shares: it opens when the last person has loaded /what-if."""

    people: int
    length_s: float
    loaded: int = 0
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    closes_at: float = 0.0

    def arrive(self) -> None:
        self.loaded += 1
        if self.loaded == self.people:
            self.closes_at = time.perf_counter() + self.length_s
            self.opened.set()


async def _think_and_press(person: Person, window: Window | None, moves: int, think_mean_s: float, press) -> None:
    """A person's measured part, whichever the client: without a ``window``, press ``moves`` times at once (the
    warm-up crowd); with one, arrive, wait for it to open, then think and press until it closes. Each press's
    seconds (``press(key, what)`` returns until the star moved, until settled, and the server's turn or None) go
    into ``person``."""
    if window is None:
        keys, thinking = _move_keys(moves), iter(lambda: 0.0, None)
    else:
        window.arrive()
        person.arrived = True
        await window.opened.wait()
        keys, thinking = _move_keys(10_000), think_times(person.number, think_mean_s)
    for move, key in enumerate(keys):
        think = next(thinking)
        if window is not None and time.perf_counter() + think >= window.closes_at:
            break
        await asyncio.sleep(think)
        answered, settled, server = await press(key, f"budget key press {move + 1}")
        person.answer_s.append(answered)
        person.settled_s.append(settled)
        if server is not None:
            person.server_s.append(server)


async def _person(
    browser,
    url: str,
    person: Person,
    window: Window | None,
    moves: int,
    think_mean_s: float,
    timeout_s: float,
    label: str,
) -> None:
    """Open the three pages (warm-up), then: with a ``window``, think and press until it closes (the presses begun
    inside it are measured); without one, press ``moves`` times at once (the warm-up crowd)."""
    who = f"{label}, session {person.number + 1}"
    await asyncio.sleep(STAGGER_S * person.number if window is not None else 0)
    context = await _step(
        f"{who}: opening a browser context",
        browser.new_context(viewport=VIEWPORT, reduced_motion=REDUCED_MOTION),
        timeout_s,
    )
    context.set_default_timeout(timeout_s * 1000)
    try:
        page = await _step(f"{who}: opening a tab", context.new_page(), timeout_s)
        wire = WireClock()
        await _step(f"{who}: listening to the websocket", wire.attach(context, page), timeout_s)
        await _open(page, url, "/", who, timeout_s)
        await _open(page, url, "/portfolio", who, timeout_s)
        await _open(page, url, f"/what-if?budget_pct={person.budget_pct}", who, timeout_s)
        await _what_if_settled(page, None, who, "/what-if's first answer", timeout_s)
        slider = _slider(page, BUDGET_LABEL)
        await _think_and_press(
            person,
            window,
            moves,
            think_mean_s,
            lambda key, what: _press(page, slider, key, who, what, timeout_s, wire),
        )
    finally:
        if window is not None and not person.arrived:
            window.arrive()  # a person who failed does not keep the others waiting (the group is cancelled anyway)
        await context.close()


def _settled_on_wire(before):
    """The protocol client's "settled": the frontier's star moved from ``before`` and nothing says it is not final
    (SETTLED_JS's test, on the page the deltas built)."""

    def settled(page) -> bool:
        star = page.star(STAR_TRACE)
        return star is not None and star != before and not any(page.shows(words) for words in NOT_FINAL)

    return settled


def _framed(page) -> bool:
    """FRAMED_AND_READY's test on the deltas: the app's own sidebar (its presentation-mode toggle) is drawn."""
    return page.shows("Presentation mode")


async def _open_on_wire(http, url: str, path: str, query: str, who: str, timeout_s: float):
    tab = await _step(f"{who}: opening {path}", protocol.Tab.open(http, url, path, query), timeout_s)
    await _step(f"{who}: {path} finishing its first run", tab.until(_framed), timeout_s)
    return tab


async def _press_on_wire(tab, label: str, steps: int, who: str, what: str, timeout_s: float):
    """The protocol client's :func:`_press`: seconds until the star moved, until the page settled, and the server's
    turn (the rerun sent to its first answering script-finished received)."""
    before = tab.page.star(STAR_TRACE)
    begun = time.perf_counter()
    sent = await _step(f"{who}: {what}", tab.press(label, steps), timeout_s)
    moved = await _step(
        f"{who}: the frontier answering {what}",
        tab.first(lambda page: page.star(STAR_TRACE) not in (None, before)),
        timeout_s,
    )
    settled = await _step(f"{who}: {what} settling", tab.until(_settled_on_wire(before), sent), timeout_s)
    return moved - begun, settled - begun, protocol.server_turn(tab.page.wire, sent)


#: An arrow key's move of a slider, in steps.
STEPS_OF_KEY = {"ArrowRight": 1, "ArrowLeft": -1}


async def _protocol_person(
    url: str,
    person: Person,
    window: Window | None,
    moves: int,
    think_mean_s: float,
    timeout_s: float,
    label: str,
) -> None:
    """:func:`_person`'s script, spoken on the websocket (``--client protocol``): the same pages, budgets, think
    times and key presses, each page in a connection of its own as a browser's navigation opens one."""
    import httpx

    who = f"{label}, session {person.number + 1}"
    await asyncio.sleep(STAGGER_S * person.number if window is not None else 0)
    tab = None
    try:
        async with httpx.AsyncClient(timeout=timeout_s) as http:  # one person's cookies, as one browser context
            for path in ("/", "/portfolio"):
                tab = await _open_on_wire(http, url, path, "", who, timeout_s)
                await tab.close()
            tab = await _open_on_wire(http, url, "/what-if", f"budget_pct={person.budget_pct}", who, timeout_s)
            await _step(f"{who}: /what-if's first answer settling", tab.until(_settled_on_wire(None)), timeout_s)
            await _think_and_press(
                person,
                window,
                moves,
                think_mean_s,
                lambda key, what: _press_on_wire(tab, BUDGET_LABEL, STEPS_OF_KEY[key], who, what, timeout_s),
            )
    finally:
        if window is not None and not person.arrived:
            window.arrive()
        if tab is not None:
            await tab.close()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _load_average() -> float:
    return os.getloadavg()[0]


async def _progress(label: str, people: list[Person], window: Window) -> None:
    """Print where a crowd is every PROGRESS_EVERY_S, until cancelled."""
    begun = time.perf_counter()
    while True:
        await asyncio.sleep(PROGRESS_EVERY_S)
        if window.opened.is_set():
            left = max(0.0, window.closes_at - time.perf_counter())
            where = f"measuring, {left:.0f} s of {window.length_s:.0f} left"
        else:
            where = f"warm-up, {window.loaded} of {window.people} sessions loaded"
        presses = sum(len(p.settled_s) for p in people)
        print(f"load | {label} | {time.perf_counter() - begun:.0f} s: {where}, {presses} presses", flush=True)


async def _crowd(
    visit: Callable,
    n: int,
    moves: int,
    timeout_s: float,
    label: str,
    window_s: float | None = None,
    think_mean_s: float = THINK_MEAN_S,
) -> list[Person]:
    """``n`` people, each ``visit(person, window, moves, think_mean_s, timeout_s, label)`` (:func:`_person` in a
    browser, :func:`_protocol_person` on the wire); with ``window_s``, staggered and thinking over a measuring window,
    else ``moves`` presses each at once (the warm-up)."""
    people = [Person(i) for i in range(n)]
    window = Window(n, window_s) if window_s is not None else None
    # A TaskGroup: when one person fails, the others are cancelled (and their contexts closed), not left running.
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(visit(person, window, moves, think_mean_s, timeout_s, label)) for person in people
            ]
            if window is not None:
                progress = asyncio.ensure_future(_progress(label, people, window))
                try:
                    # wait, not gather: a person's failure reaches the group once (gather would raise it again)
                    await asyncio.wait(tasks)
                finally:
                    progress.cancel()
    except* StepFailed as failed:
        raise StepFailed("; ".join(str(e) for e in failed.exceptions)) from None
    return people


@asynccontextmanager
async def _visitors(client: str, url: str, timeout_s: float):
    """What one person's visit is for ``client``: a browser context in this run's Chromium (launched here), or a
    protocol client (nothing to launch)."""
    if client == "protocol":
        yield functools.partial(_protocol_person, url)
        return
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await _step(
            "starting Chromium",
            playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS),
            timeout_s,
        )
        try:
            yield functools.partial(_person, browser, url)
        finally:
            await browser.close()


async def _load(
    url: str,
    server: psutil.Process,
    store_name: str,
    sessions: list[int],
    window_s: float,
    think_mean_s: float,
    timeout_s: float,
    rows: list[dict],
    record: Callable[[], None],
    client: str = "chromium",
) -> None:
    """Append a row to ``rows`` for each crowd in ``sessions`` (and ``record`` it), or one saying why it failed;
    ``client`` says who the people are: Chromium sessions or the protocol client."""
    meters = Meters(server)
    async with _visitors(client, url, timeout_s) as visit:
        print(f"load | {store_name} | {client} | warm-up: one session through every page", flush=True)
        try:
            await _crowd(visit, 1, 2, timeout_s, f"{store_name}, {client} warm-up")
        except StepFailed as failed:
            print(f"load | {store_name} | {client} | warm-up FAILED: {failed}", flush=True)
            rows.append({"sessions": sessions[0], "failed": f"warm-up: {failed}", "load_before": _load_average()})
            record()
            return
        for n in sessions:
            load_before, rss_before = _load_average(), server.memory_info().rss / 2**20
            meters.rss_mb.clear()
            print(
                f"load | {store_name} | {client} | {n} sessions: starting (load average {load_before:.1f})", flush=True
            )
            label = f"{store_name}, {client}, {n} sessions"
            try:
                people, server_cpu, client_cpu, wall, server_wait = await _sampled(
                    meters, _crowd(visit, n, 0, timeout_s, label, window_s, think_mean_s)
                )
            except StepFailed as failed:
                reason = str(failed)
                print(f"load | {store_name} | {client} | {n} sessions FAILED: {reason}", flush=True)
                rows.append({"sessions": n, "failed": reason, "load_before": load_before})
                record()
                break  # a larger crowd would only fail the same way, later
            answers = [s for p in people for s in p.answer_s]
            settled = [s for p in people for s in p.settled_s]
            on_server = [s for p in people for s in p.server_s]
            if not settled or not on_server:
                reason = f"no key press measured in the {window_s:g} s window ({len(settled)} settled)"
                print(f"load | {store_name} | {client} | {n} sessions FAILED: {reason}", flush=True)
                rows.append({"sessions": n, "failed": reason, "load_before": load_before})
                record()
                break
            rows.append(
                {
                    "sessions": n,
                    "client": client,
                    "moves": len(settled),
                    "server_moves": len(on_server),
                    "window_s": window_s,
                    "think_mean_s": think_mean_s,
                    "server_p50_s": statistics.median(on_server),
                    "server_p95_s": _percentile(on_server, 0.95),
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
                f"load | {store_name} | {client} | {n} sessions, {r['moves']} presses: server p50 "
                f"{r['server_p50_s']:.2f} s, p95 {r['server_p95_s']:.2f} s; settled p50 {r['p50_s']:.2f} s, "
                f"p95 {r['p95_s']:.2f} s, "
                f"server RSS peak {r['rss_peak_mb']:.0f} MB, CPU server {server_cpu:.0f} % (waiting for its core "
                f"{server_wait:.0f} % of the time) / clients {client_cpu:.0f} %, {wall:.0f} s, load average "
                f"{load_before:.1f} -> {r['load_after']:.1f}",
                flush=True,
            )
            record()


def _soak_keys(settings: int) -> list[tuple[str, str]]:
    """(slider, key) for ``settings`` presses: the budget sweeps right then left, the rate steps once between
    sweeps, so every press reaches a setting not seen before."""
    keys, sweep = [], 0
    while len(keys) < settings:
        keys += [(BUDGET_LABEL, "ArrowRight" if sweep % 2 == 0 else "ArrowLeft")] * SOAK_BUDGET_PRESSES
        keys.append((RATE_LABEL, "ArrowRight"))
        sweep += 1
    return keys[:settings]


@asynccontextmanager
async def _soak_session(client: str, url: str, timeout_s: float):
    """The soak's one person on /what-if at the walk's start, for ``client``: yields ``press(label, key, what)``,
    which returns the seconds until the page settled."""
    who, query = "soak", f"budget_pct={FIRST_BUDGET_PCT}&rate=0"
    if client == "protocol":
        import httpx

        async with httpx.AsyncClient(timeout=timeout_s) as http:
            tab = await _open_on_wire(http, url, "/what-if", query, who, timeout_s)
            try:
                await _step(f"{who}: /what-if's first answer settling", tab.until(_settled_on_wire(None)), timeout_s)

                async def press(label: str, key: str, what: str) -> float:
                    return (await _press_on_wire(tab, label, STEPS_OF_KEY[key], who, what, timeout_s))[1]

                yield press
            finally:
                await tab.close()
        return
    from playwright.async_api import async_playwright

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
            await _open(page, url, f"/what-if?{query}", who, timeout_s)
            await _what_if_settled(page, None, who, "/what-if's first answer", timeout_s)
            sliders = {label: _slider(page, label) for label in (BUDGET_LABEL, RATE_LABEL)}

            async def press(label: str, key: str, what: str) -> float:
                return (await _press(page, sliders[label], key, who, what, timeout_s))[1]

            yield press
        finally:
            await browser.close()


async def _soak(
    url: str,
    server: psutil.Process,
    settings: int,
    timeout_s: float,
    run: dict,
    record: Callable[[], None],
    client: str = "chromium",
) -> None:
    """One session (of ``client``) through ``settings`` distinct settings; into ``run`` (and ``record``ed), every
    SOAK_EVERY of them: the server's RSS, the settled median so far, the time taken and the load average."""
    memory, settled_s = [], []
    async with _soak_session(client, url, timeout_s) as press:
        load_before, begun = _load_average(), time.perf_counter()
        print(f"soak | {client} | {settings} settings in a row, the server's RSS every {SOAK_EVERY}", flush=True)
        for done, (label, key) in enumerate(_soak_keys(settings), start=1):
            settled_s.append(await press(label, key, f"setting {done} ({label} {key})"))
            if done % SOAK_EVERY == 0:
                memory.append((done, server.memory_info().rss / 2**20))
                run.update(
                    client=client,
                    memory=memory,
                    p50_s=statistics.median(settled_s),
                    wall_s=time.perf_counter() - begun,
                    load_before=load_before,
                    load_after=_load_average(),
                )
                record()
                print(
                    f"soak | {client} | {done} settings, server RSS {memory[-1][1]:.0f} MB, settled p50 of the last "
                    f"{SOAK_EVERY} {statistics.median(settled_s[-SOAK_EVERY:]):.2f} s, load average "
                    f"{run['load_after']:.1f}",
                    flush=True,
                )


async def _compare(url: str, server: psutil.Process, presses: int, wire_log: Path, timeout_s: float) -> dict:
    """One Chromium page and one protocol tab on /what-if against one server, pressing the budget slider in turn
    (never at once, a second apart, who goes first alternating): per client, its own server turn, the server's own
    (benchmarks/server_clock.py's log: the rerun received to the script-finished queued) and the server's
    CPU-seconds per press. The protocol client is trusted if its turn is the server's own."""
    import httpx
    from playwright.async_api import async_playwright

    from benchmarks import server_clock

    windows = {client: [] for client in CLIENTS}
    turns = {client: [] for client in CLIENTS}
    cpu_s = dict.fromkeys(CLIENTS, 0.0)
    async with async_playwright() as playwright, httpx.AsyncClient(timeout=timeout_s) as http:
        browser = await _step(
            "starting Chromium",
            playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS),
            timeout_s,
        )
        try:
            context = await browser.new_context(viewport=VIEWPORT, reduced_motion=REDUCED_MOTION)
            context.set_default_timeout(timeout_s * 1000)
            page = await context.new_page()
            wire = WireClock()
            await wire.attach(context, page)
            # Budgets apart, each walking within two steps of its start: the two ask different questions.
            chromium_start = f"/what-if?budget_pct={FIRST_BUDGET_PCT + 2 * BUDGET_STEP_PCT}"
            await _open(page, url, chromium_start, "chromium", timeout_s)
            await _what_if_settled(page, None, "chromium", "/what-if's first answer", timeout_s)
            slider = _slider(page, BUDGET_LABEL)
            query = f"budget_pct={FIRST_BUDGET_PCT + 6 * BUDGET_STEP_PCT}"
            tab = await _open_on_wire(http, url, "/what-if", query, "protocol", timeout_s)
            await _step("protocol: /what-if's first answer", tab.until(_settled_on_wire(None)), timeout_s)
            for move, key in enumerate(_move_keys(presses)):
                for client in CLIENTS if move % 2 == 0 else CLIENTS[::-1]:
                    await asyncio.sleep(1.0)
                    cpu_before, begun = sum(server.cpu_times()[:2]), time.monotonic()
                    what = f"budget key press {move + 1}"
                    if client == "chromium":
                        _, _, turn = await _press(page, slider, key, client, what, timeout_s, wire)
                    else:
                        _, _, turn = await _press_on_wire(tab, BUDGET_LABEL, STEPS_OF_KEY[key], client, what, timeout_s)
                    await asyncio.sleep(0.5)  # the answer's last messages, in this press's CPU
                    cpu_s[client] += sum(server.cpu_times()[:2]) - cpu_before
                    windows[client].append((begun, time.monotonic()))
                    if turn is not None:
                        turns[client].append(turn)
            await tab.close()
        finally:
            await browser.close()
    log_lines = wire_log.read_text().splitlines()
    result = {}
    for client in CLIENTS:
        own = server_clock.server_turns(log_lines, windows[client])
        result[client] = {
            "presses": len(windows[client]),
            "turn_p50_s": statistics.median(turns[client]),
            "turn_p95_s": _percentile(turns[client], 0.95),
            "server_own_p50_s": statistics.median(own),
            "server_own_p95_s": _percentile(own, 0.95),
            "server_cpu_per_press_s": cpu_s[client] / len(windows[client]),
        }
    return result


def _compare_sentence(run: dict) -> str:
    """The check of the clients' clocks against the server's own, as a paragraph of results.md."""
    figures = "; ".join(
        f"{CLIENT_NAMES[client].removesuffix('s')} ({c['presses']} presses): its server turn p50 "
        f"{c['turn_p50_s'] * 1000:.0f} ms (p95 {c['turn_p95_s'] * 1000:.0f}), the server's own clock p50 "
        f"{c['server_own_p50_s'] * 1000:.0f} ms (p95 {c['server_own_p95_s'] * 1000:.0f}), "
        f"{c['server_cpu_per_press_s']:.2f} server CPU-s per press"
        for client, c in ((client, run[client]) for client in CLIENTS)
    )
    return (
        f"**The clients' clocks checked against the server's** (`--compare`), measured {run['measured_at']}, load "
        f"{run['load_before']:.1f} → {run['load_after']:.1f}: one Chromium page and one protocol client on /what-if "
        "against one server, pressing the budget slider in turn, never at once; the server's own clock is "
        "benchmarks/server_clock.py's (rerun request received → script-finished queued). "
        f"{figures}."
    )


def _store_copy(which: str, folder: Path, bench_path: Path | None) -> Path:
    target = folder / f"{which}.duckdb"
    if which == "bench":
        # A copy: the app opens its store read-write (migrations, scenario saves), never the original.
        shutil.copyfile(bench_path or bench_store(), target)
    else:
        from analytics.demo import build_demo

        build_demo(target, scale="demo", seed=7)
    return target


def _knee(rows: list[dict], figure: str = "server_p95_s") -> tuple[float | None, int | None]:
    """One session's p95 (``figure``: the server's by default) and the smallest N whose p95 passes KNEE_FACTOR
    times it (None: no knee). A failed crowd, or one recorded before the figure was measured, is a knee."""
    done = [r for r in rows if "failed" not in r and figure in r]
    single = next((r[figure] for r in done if r["sessions"] == 1), None)
    if single is None:
        return None, None
    for r in rows:
        if "failed" in r or r.get(figure, float("inf")) > KNEE_FACTOR * single:
            return single, r["sessions"]
    return single, None


def _knee_sentence(rows: list[dict], figure: str, whose: str) -> str:
    single, knee = _knee(rows, figure)
    if single is None:
        return f"{whose}'s p95: no single-session figure to compare with."
    if knee:
        return f"{whose}'s p95 passes {KNEE_FACTOR:g}× one session's ({single * 1000:.0f} ms) at {knee} sessions."
    top = max(r["sessions"] for r in rows)
    return f"{whose}'s p95 stays within {KNEE_FACTOR:g}× one session's ({single * 1000:.0f} ms) up to {top} sessions."


def _where(pinned: bool, client: str = "chromium") -> str:
    clients = "this process, Playwright's driver and Chromium" if client == "chromium" else "this process's clients"
    if pinned:
        return f"server on core {SERVER_CORE}, {clients} on core {CLIENT_CORE}"
    return "server and clients unpinned"


def _markdown(crowds: dict[str, dict], soaks: dict[str, dict], compare: dict | None = None) -> list[str]:
    """The area's text: ``crowds`` and ``soaks`` by store, each with when and how it was measured."""
    lines = [
        "N simulated people against one server (`make bench-load`, `python -m benchmarks.load`), each as one of two "
        "clients (`--client`). **Protocol**: a websocket client in this process that speaks Streamlit's own "
        "protocol as the frontend does (benchmarks/protocol.py: the same rerun requests, widget states, query "
        "string, fragment auto-reruns and follow-up runs, but nothing drawn), so 20 people cost the clients' core "
        "little and what is timed is the server; the knee and the goal are judged on its figures. **Chromium**: "
        "one browser context per person (small viewport, reduced motion), the end-to-end truth, whose 20 pages "
        "saturate one core long before the server does. Either way person i opens the overview, the portfolio and "
        f"/what-if {STAGGER_S:g} s × i after the first (warm-up, not measured); once all have loaded, each presses "
        "an arrow key on the budget slider after an exponential think time (mean given below, seeded per person) "
        "until the measuring window closes. “Server” is, per key press, the rerun request sent to the "
        "script-finished message that answers it received: the protocol client's own clock on the websocket (the "
        "check at the end: within about 10 ms of the server's own clock), or Chromium's CDP timestamps of the "
        "frames, which the same check finds late by the page's own work (about twice the server's time at one "
        "session) and later still once the clients' core saturates. “Settled” is the key press until the page "
        "settled (the frontier's star at the new budget, the script finished, nothing still proving), “answer” "
        "until the star first moved; in Chromium they add the browser's own work (sending the press, drawing "
        "every delta). "
        "CPU is process time over wall time (100 % = one core); “server waits” is the share of the time the server "
        "had work that it waited for its core, summed over its threads: the machine's other work starving it, and "
        "the server's own threads (each session's script run, the background solver) queuing for the one core it "
        "is pinned to, which is why it reads 30-45 % on a quiet machine; "
        "“load” is the machine's 1-minute load average before → after, from other work on the same 2 cores as well "
        "as this. Each figure is replaced only by a run that measures it again.",
        "",
    ]
    for name, crowd in crowds.items():
        rows = crowd["rows"]
        store_name, _, client = name.partition("/")
        client = client or "chromium"
        single, knee = _knee(rows)
        first = next((r for r in rows if r["sessions"] == 1 and "failed" not in r), None)
        window = next((r for r in rows if "window_s" in r), None)
        model = (
            f", {window['window_s']:g} s measuring window, think time mean {window['think_mean_s']:g} s"
            if window is not None
            else ", every session pressing at once (recorded before the think-time model)"
        )
        lines += [
            f"**{store_name} store, {CLIENT_NAMES[client]}**, measured {crowd['measured_at']}, "
            f"{_where(crowd['pinned'], client)}{model}",
            "",
            "| sessions | moves | server p50 | server p95 | answer p50 | settled p50 | settled p95 | server RSS peak "
            "| per extra session | server CPU | server waits | client CPU | load |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in rows:
            if "failed" in r:
                lines.append(f"| {r['sessions']} | failed: {r['failed']} |{' |' * 10} {r['load_before']:.1f} |")
                continue
            on_server = (
                f"{r['server_p50_s'] * 1000:.0f} ms | {r['server_p95_s'] * 1000:.0f} ms"
                if "server_p95_s" in r
                else "— | —"
            )
            extra = (
                f"{(r['rss_peak_mb'] - first['rss_peak_mb']) / (r['sessions'] - 1):.1f} MB"
                if first is not None and r["sessions"] > 1
                else ""
            )
            lines.append(
                f"| {r['sessions']} | {r['moves']} | {on_server} | {r['answer_p50_s'] * 1000:.0f} ms "
                f"| {r['p50_s'] * 1000:.0f} ms "
                f"| {r['p95_s'] * 1000:.0f} ms | {r['rss_peak_mb']:.0f} MB | {extra} | {r['server_cpu_pct']:.0f} % "
                f"| {r['server_wait_pct']:.0f} % | {r['client_cpu_pct']:.0f} % "
                f"| {r['load_before']:.1f} → {r['load_after']:.1f} |"
            )
        lines += [
            "",
            f"{_knee_sentence(rows, 'server_p95_s', 'The server')} {_knee_sentence(rows, 'p95_s', 'Settled')} "
            f"{_saturated(rows, client)} {_cpu_per_session(rows, client)}{_goal(rows, client)}",
            "",
        ]
    for name, run in soaks.items():
        if run.get("memory"):
            trail = ", ".join(f"{done}: {mb:.0f} MB" for done, mb in run["memory"])
            lines += [
                f"**Soak, {name} store, {CLIENT_NAMES[run.get('client', 'chromium')]}**, measured "
                f"{run['measured_at']}, {_where(run['pinned'], run.get('client', 'chromium'))}: one session "
                f"through {run['memory'][-1][0]} distinct settings in a row (budget × discount rate), settled "
                f"p50 {run['p50_s'] * 1000:.0f} ms, {run['wall_s']:.0f} s, load {run['load_before']:.1f} → "
                f"{run['load_after']:.1f}. Server RSS after each {SOAK_EVERY}: {trail}. "
                f"{_growth_after_warm_up(run['memory'])}",
                "",
            ]
        if run.get("failed"):
            lines += [f"**Soak, {name} store, stopped**: {run['failed']}.", ""]
    if compare:
        lines += [_compare_sentence(compare), ""]
    return lines


def _goal(rows: list[dict], client: str) -> str:
    """Whether the issue's goal is met, judged on the protocol client's server turn (Chromium's saturate first)."""
    single = next((r for r in rows if r["sessions"] == 1 and "failed" not in r), None)
    crowd = next((r for r in rows if r["sessions"] == GOAL_SESSIONS), None)
    if client != "protocol" or single is None or crowd is None:
        return ""
    if "failed" in crowd:
        return f" Goal not met: {GOAL_SESSIONS} sessions failed."
    ratio = crowd["server_p95_s"] / single["server_p95_s"]
    per_session = (crowd["rss_peak_mb"] - single["rss_peak_mb"]) / (GOAL_SESSIONS - 1)
    met = ratio <= KNEE_FACTOR and per_session < GOAL_MB_PER_SESSION
    return (
        f" Goal ({GOAL_SESSIONS} sessions, server p95 within {KNEE_FACTOR:g}× one session's, under "
        f"{GOAL_MB_PER_SESSION:g} MB per extra session): {'met' if met else 'not met'}, {ratio:.1f}× and "
        f"{per_session:.1f} MB."
    )


#: A side whose processes use this share of their one core is the one that saturates.
SATURATED_PCT = 90.0
#: A server that waits for its core this share of the time it has work is starved by other work on the machine.
STARVED_PCT = 50.0


#: How the sentences name the clients' side.
CLIENT_SIDES = {"chromium": "the browsers and their driver", "protocol": "the protocol clients"}


def _saturated(rows: list[dict], client: str = "chromium") -> str:
    """Which side ran out of CPU at the largest crowd measured: the server's core or the clients'."""
    done = [r for r in rows if "failed" not in r]
    if not done:
        return ""
    r = max(done, key=lambda row: row["sessions"])
    server, clients = r["server_cpu_pct"], r["client_cpu_pct"]
    sides = f"the server used {server:.0f} % of a core, {CLIENT_SIDES[client]} {clients:.0f} %"
    if r["server_wait_pct"] >= STARVED_PCT:
        return (
            f"At {r['sessions']} sessions {sides}, and the server waited for its core {r['server_wait_pct']:.0f} % of "
            "the time it had work: the machine's other work, not this crowd, set the pace."
        )
    if max(server, clients) < SATURATED_PCT:
        return f"At {r['sessions']} sessions {sides}: neither side saturated."
    side = "the clients' (the clients are the bottleneck)" if clients >= server else "the server's"
    return f"At {r['sessions']} sessions {sides}: the core that saturates first is {side}."


def _cpu_per_session(rows: list[dict], client: str = "chromium") -> str:
    """CPU seconds each side spent per session (three page opens and the key presses), which a busy machine
    stretches far less than it stretches wall time: which core fills first when each side has one to itself."""
    done = [r for r in rows if "failed" not in r]
    if not done:
        return ""
    server, clients = (
        statistics.median(r[share] * r["wall_s"] / 100 / r["sessions"] for r in done)
        for share in ("server_cpu_pct", "client_cpu_pct")
    )
    heavier = "the clients' core fills first" if clients >= server else "the server's core fills first"
    return (
        f"Per session the server spent {server:.1f} CPU-seconds and {CLIENT_SIDES[client]} {clients:.1f} "
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


def crowd_key(store_name: str, client: str) -> str:
    """Where a crowd's figures are kept in results.json: by store, and for the protocol client apart (Chromium's
    keep the store's name alone, as they were recorded before there were two clients)."""
    return store_name if client == "chromium" else f"{store_name}/{client}"


def _write(by_run: dict[str, list[dict]], soak: dict[str, dict], pinned: bool, compare: dict | None = None) -> None:
    """Merge this run's figures into area "load" of results.json and write results.md again (the other benchmarks'
    way). A crowd (store and client) or soak this run did not measure keeps its recorded figure (the bench store is
    measured on its own, the soak can be), with the date and the pinning it was measured with."""
    results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    recorded = results.get("load", {}).get("raw", {})
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    crowds = {k: v for k, v in recorded.get("crowds", {}).items() if not by_run.get(k)}
    crowds |= {k: {"measured_at": now, "pinned": pinned, "rows": rows} for k, rows in by_run.items() if rows}
    # The protocol client's crowds first: the server's latency (the knee, the goal) is judged on them.
    crowds = dict(sorted(crowds.items(), key=lambda item: ("/" not in item[0], item[0])))
    soaks = {k: v for k, v in recorded.get("soaks", {}).items() if not soak.get(k)}
    soaks |= {k: {**run, "measured_at": now, "pinned": pinned} for k, run in soak.items() if run}
    compare = {**compare, "measured_at": now} if compare else recorded.get("compare")
    results["load"] = {
        "measured_at": now,
        "machine": f"{os.uname().machine}, {os.cpu_count()} cores",
        "markdown": _markdown(crowds, soaks, compare),
        "cases": {},
        "raw": {"crowds": crowds, "soaks": soaks} | ({"compare": compare} if compare else {}),
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
    parser.add_argument(
        "--client",
        nargs="+",
        default=list(CLIENTS),
        choices=CLIENTS,
        help="who the people are: protocol clients (the server's latency), Chromium sessions (end to end), or both",
    )
    parser.add_argument("--window", type=float, default=WINDOW_S, help="seconds each crowd is measured")
    parser.add_argument("--think", type=float, default=THINK_MEAN_S, help="mean think time between key presses, s")
    parser.add_argument("--soak", type=int, default=500, help="distinct settings in a row on the demo store (0: none)")
    parser.add_argument("--step-timeout", type=float, default=STEP_TIMEOUT_S, help="seconds any one step may take")
    parser.add_argument(
        "--compare",
        type=int,
        default=0,
        metavar="PRESSES",
        help="only check the clients' clocks: one Chromium page and one protocol client, PRESSES presses each, "
        "against the server's own clock",
    )
    parser.add_argument("--no-pin", action="store_true", help="leave server and browsers on every core")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave results.json as it is")
    parser.add_argument("--trace", action="store_true", help="print every step of every session with its duration")
    args = parser.parse_args()
    global TRACE
    TRACE = args.trace
    signal.signal(signal.SIGTERM, _stopped)  # a run stopped from outside still stops its server and browser
    if "chromium" in args.client and chromium_path() is None:
        raise SystemExit("no Chromium found ($CHROMIUM_PATH, chromium on PATH, /usr/bin/chromium)")
    if args.bench_store is not None and not args.bench_store.is_file():
        raise SystemExit(f"--bench-store {args.bench_store}: no such file")
    pinned = not args.no_pin and (os.cpu_count() or 1) > 1
    if pinned:
        os.sched_setaffinity(0, {CLIENT_CORE})  # this process, Playwright's driver and the browser it starts
    by_run, soak, failed, compare = {}, {}, False, {}

    def record() -> None:  # after every figure: a run stopped half-way keeps what it measured
        if not args.no_write:
            _write(by_run, soak, pinned, compare)

    scratch = Path(tempfile.mkdtemp(prefix="qd-load-"))
    if args.compare:
        wire_log = scratch / "server-clock.log"
        log = scratch / "streamlit.log"
        print(f"load | compare | {args.compare} presses per client, the server's clock in {wire_log}", flush=True)
        with served_app(
            _store_copy("demo", scratch, None),
            log,
            core=SERVER_CORE if pinned else None,
            launcher="benchmarks.server_clock",
            env={"QUARTERDECK_WIRE_LOG": str(wire_log)},
        ) as url:
            load_before = _load_average()
            compare |= asyncio.run(_compare(url, psutil.Process(url.pid), args.compare, wire_log, args.step_timeout))
            compare |= {"load_before": load_before, "load_after": _load_average()}
        print(_compare_sentence({**compare, "measured_at": "now"}), flush=True)
        args.stores = []  # the check alone
    # The soak is one session's memory walk: it runs once, with the first client asked for.
    soak_client = args.client[0]
    for which in args.stores:
        for client in args.client:
            # A server of its own for each client: neither inherits the other's sessions and warm caches.
            folder = scratch / f"{which}-{client}"
            folder.mkdir()
            log = folder / "streamlit.log"
            print(f"load | {which} | {client} | preparing the store and starting the server ({log})", flush=True)
            store_path = _store_copy(which, folder, args.bench_store)
            with served_app(store_path, log, core=SERVER_CORE if pinned else None) as url:
                server = psutil.Process(url.pid)
                rows = by_run[crowd_key(which, client)] = []
                if args.sessions:
                    asyncio.run(
                        _load(
                            url,
                            server,
                            which,
                            args.sessions,
                            args.window,
                            args.think,
                            args.step_timeout,
                            rows,
                            record,
                            client,
                        )
                    )
                failed |= any("failed" in r for r in rows)
                if which == "demo" and args.soak and client == soak_client:
                    run = soak[which] = {}
                    try:
                        asyncio.run(_soak(url, server, args.soak, args.step_timeout, run, record, client))
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
