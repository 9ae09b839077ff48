"""Every page at bench scale in headless Chromium, as the room sees it (issue 15, item 6).

For each page of the app, on a copy of the bench store (2,000 projects, 10M KPI rows):

- cold: a server just started, the page opened: from the request to the script settled
  (``[data-testid='stApp'][data-test-script-state='notRunning']`` with the app's frame drawn); beside it the floor,
  the same on a page that draws one slider, which is what a server start and Streamlit's own first run cost;
- first draw: the page opened in a new browser session on a server that has drawn it before (its caches warm);
- key press: one key on the page's own lever (the discount rate on /portfolio, the budget on /what-if; elsewhere the
  presentation-mode switch, which every page has) until the page has settled again with the new state on screen.

Each Chromium first draw and key press is also split: its server-side share is read from the websocket's frames
(Chrome DevTools Protocol, ``Network.webSocketFrameSent`` / ``Received``): from each rerun request the browser sends to
the server's script-finished message, summed over the case's runs; the browser's own drawing is left out. The
server process's CPU-seconds over the case stand beside it: on a shared machine the server may wait for a core,
and its CPU time is what the page costs it.

Beside them, server-side only, in process (``streamlit.testing.v1.AppTest`` on its own copy of the store, its caches
warmed by opening each page once): each page's first draw in a new session (a fresh AppTest: the overview's first
run, or for another page the run that opens it after the overview, as ``tests.apptest.open_page`` does), and the
rerun after the slider moves on /portfolio and /what-if. Each discount rate and budget a key press asks for is a new
one, as on a slider moved along (nothing served from a previous move's cache).

No case sleeps: each waits for the state it measures. The machine is shared; results.md notes its load.
``BENCH_PAGES=/,/portfolio python -m benchmarks --only pages`` times those pages only (the others keep their
recorded results); ``BENCH_COLD=0`` leaves out the cold cases (a server start and a 200 MB copy per run) and the floor,
and drops them from the record.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import itertools
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks import Measured

WARMUP = False
REPEAT = 3

ONE_SLIDER_PAGE = """
import streamlit as st

st.slider("Budget, % of plan", 40, 160, 100, 5, key="budget_pct")
"""

#: Each page's lever: (label of its slider, or None for the presentation-mode switch).
SLIDERS = {"/portfolio": "Discount rate", "/what-if": "Budget, % of plan"}

_cleanup = contextlib.ExitStack()
atexit.register(_cleanup.close)

# The text of every metric tile and the URL: what a key press changes once the page has answered it.
PAGE_STATE_JS = """
() => location.search + '|' + [...document.querySelectorAll("[data-testid='stMetricValue']")]
    .map(e => e.innerText).join('|')
"""


def _bench_copy(con) -> Path:
    source = Path(
        con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    )
    folder = Path(tempfile.mkdtemp(prefix="qd-pages-bench-"))
    _cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
    shutil.copyfile(source, folder / "bench.duckdb")
    return folder


class ServerShare:
    """The server-side share of what a Chromium page does, from its websocket's frames (CDP ``Network`` events).

    ``seconds()`` is the time from each rerun request sent since ``start()`` to the first script-finished message
    after it, summed: what the server spent running the page's script and sending its elements, without the
    browser's drawing. Frame timestamps are the browser's own monotonic clock, taken as the frame crosses its
    network stack.
    """

    def __init__(self, page):
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._back, self._forward = BackMsg, ForwardMsg
        self._events: list[tuple[float, str]] = []
        self._page = page
        session = page.context.new_cdp_session(page)
        session.on("Network.webSocketFrameSent", lambda event: self._frame(event, self._back, "rerun_script"))
        session.on("Network.webSocketFrameReceived", lambda event: self._frame(event, self._forward, "script_finished"))
        session.send("Network.enable")

    def _frame(self, event: dict, message_type, wanted: str) -> None:
        response = event["response"]
        if response.get("opcode") != 2:  # Streamlit's messages are binary protobuf frames
            return
        message = message_type()
        message.ParseFromString(base64.b64decode(response["payloadData"]))
        if message.WhichOneof("type") == wanted:
            self._events.append((event["timestamp"], wanted))

    def start(self) -> None:
        self._events.clear()

    def seconds(self) -> float:
        # The page may settle before the script-finished frame's event reaches Python: round trips to the page let
        # Playwright deliver the events it holds (no sleep; a minute at most).
        deadline = time.monotonic() + 60
        while not (self._events and max(self._events)[1] == "script_finished") and time.monotonic() < deadline:
            self._page.evaluate("0")
        total, asked = 0.0, None
        for timestamp, kind in sorted(self._events):
            if kind == "rerun_script":
                asked = timestamp if asked is None else asked
            elif asked is not None:
                total, asked = total + timestamp - asked, None
        return total


def is_partial() -> bool:
    """Whether this run times some pages only (``BENCH_PAGES``): the others keep their recorded results."""
    return bool(os.environ.get("BENCH_PAGES"))


def cases(con):
    from tests.chromium import (
        FRAMED_AND_READY,
        READY,
        chromium_page,
        chromium_path,
        cpu_seconds,
        open_and_wait,
        served_app,
    )
    from ui import nav

    if chromium_path() is None:
        return []
    folder = _bench_copy(con)
    store_path = folder / "bench.duckdb"
    # DuckDB lets one process open a file read-write: the just-started servers get a copy of their own.
    cold_store = folder / "cold.duckdb"
    shutil.copyfile(store_path, cold_store)
    page = _cleanup.enter_context(chromium_page(reduced_motion=None))
    # At bench scale, under load, a first load may take longer than Playwright's 30 s default.
    page.set_default_navigation_timeout(300_000)
    page.set_default_timeout(300_000)
    (folder / "floor").mkdir()
    (folder / "floor" / "app.py").write_text(ONE_SLIDER_PAGE)
    starts = itertools.count()

    def cold(path: str, script: Path | None = None):
        def run():
            # A server of its own, stopped before the next: its caches hold nothing of this page yet.
            log = folder / f"cold-{next(starts)}.log"
            with served_app(cold_store, log, *([script] if script else [])) as url:
                page.goto(url + path)
                if script:
                    page.wait_for_selector(READY, timeout=300_000)
                else:
                    page.wait_for_function(FRAMED_AND_READY, timeout=300_000)

        return run

    share = ServerShare(page)
    settled = f"(before) => ({PAGE_STATE_JS})() !== before && document.querySelector({json.dumps(READY)}) !== null"
    url = _cleanup.enter_context(served_app(store_path, folder / "streamlit.log"))
    found = []
    wanted = [p for p in os.environ.get("BENCH_PAGES", "").split(",") if p]
    with_cold = os.environ.get("BENCH_COLD", "1") != "0"
    for spec in nav.available():
        path = "/" + spec.url_path
        if wanted and path not in wanted:
            continue

        def first_draw(path=path):
            share.start()
            cpu = cpu_seconds(url.pid)
            open_and_wait(page, url + path, timeout_ms=300_000)
            return Measured(server_side_s=share.seconds(), server_cpu_s=cpu_seconds(url.pid) - cpu)

        def key_press(path=path):
            if page.url.split("?")[0].rstrip("/") != (url + path).rstrip("/"):
                open_and_wait(page, url + path, timeout_ms=300_000)
            before = page.evaluate(PAGE_STATE_JS)
            share.start()
            cpu = cpu_seconds(url.pid)
            label = SLIDERS.get(path)
            if label:
                lever = page.locator("[data-testid='stSlider']").filter(has_text=label).locator("input[type=range]")
                lever.focus()
                page.keyboard.press("ArrowRight")
            else:
                page.get_by_role("switch", name="Presentation mode").focus()
                page.keyboard.press("Space")
            page.wait_for_function(settled, arg=before, timeout=300_000)
            return Measured(server_side_s=share.seconds(), server_cpu_s=cpu_seconds(url.pid) - cpu)

        if with_cold:
            found.append((f"{path}: cold, a server just started, to settled", cold(path)))
        found += [
            (f"{path}: first draw in a new session (caches warm)", first_draw),
            (f"{path}: key press to settled ({SLIDERS.get(path, 'Presentation mode switch')})", key_press),
        ]
    if with_cold:
        floor = cold("/", folder / "floor" / "app.py")
        found.append(("the floor: a server just started, a one-slider page, to settled", floor))
    return found + _apptest_cases(_bench_copy(con), wanted)


def _apptest_cases(folder: Path, wanted: list[str]):
    """Each page's first draw and key press server-side, in process: AppTest on a copy of the bench store.

    Each page is opened once here, untimed, so this process's caches are warm as on a server that has drawn it before.
    AppTest may run a session's later runs without app.py's sidebar (its reads are cached, a few milliseconds): the
    Chromium cases' server-side share is the served app's whole run.
    """
    from streamlit.testing.v1 import AppTest

    from tests.apptest import share_component_discovery
    from ui import filters, nav

    share_component_discovery()
    os.environ["QUARTERDECK_DB"] = str(folder / "bench.duckdb")
    app = str(Path(__file__).resolve().parent.parent / "app.py")

    def opened(spec) -> tuple[AppTest, float]:
        """A new session on ``spec``'s page, and the seconds its page's run took.

        The session lands on the overview, then opens the page, as ``tests.apptest.open_page`` does: AppTest frames a
        page in app.py only once a run has registered the pages (``st.navigation``); a first run asked for another
        page would run its file bare. So for the other pages the second run is the one timed.
        """
        at = AppTest.from_file(app, default_timeout=300)
        start = time.perf_counter()
        at.run()
        if spec.url_path:
            at.switch_page(spec.file)
            start = time.perf_counter()
            at.run()
        seconds = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(f"/{spec.url_path}: {at.exception[0].value}")
        return at, seconds

    # Every discount rate and budget asked for is new: a key press at a rate no earlier press asked for.
    rates = itertools.cycle([0.085 + 0.005 * step for step in range(32)])
    budgets = itertools.cycle([95, 90, 85, 80, 75, 70, 65, 105, 110, 115, 120, 125, 130])
    found = []
    for spec in nav.available():
        path = "/" + spec.url_path
        if wanted and path not in wanted:
            continue
        opened(spec)  # untimed: the page's cached reads and figures warm, as on a server that has drawn it

        def first_draw(spec=spec):
            return Measured(seconds=opened(spec)[1])

        found.append((f"{path}: first draw in a new session (caches warm), server-side (AppTest)", first_draw))
        if path not in SLIDERS:
            continue
        # A session each, opened here untimed. The presentation-mode switch is left to the Chromium cases: it is in
        # app.py's sidebar, which AppTest does not always run on a session's later runs (it may run the page file
        # alone); the sliders are in the page itself.
        sessions = [opened(spec)[0] for _ in range(REPEAT + 1)]

        def key_press(sessions=sessions, path=path):
            if not sessions:
                raise RuntimeError(f"{path}: more key presses than the {REPEAT + 1} sessions opened for them")
            at = sessions.pop()
            if path == "/portfolio":
                at.slider(key=filters.RATE_KEY).set_value(round(next(rates), 3))
            else:
                at.slider(key="budget_pct").set_value(next(budgets))
            at.run()
            if at.exception:
                raise RuntimeError(f"{path}: {at.exception[0].value}")

        found.append((f"{path}: key press ({SLIDERS[path]}), server-side (AppTest)", key_press))
    return found
