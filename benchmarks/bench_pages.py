"""Every page at bench scale in headless Chromium, as the room sees it (issue 15, item 6).

For each page of the app, on a copy of the bench store (2,000 projects, 10M KPI rows):

- cold: a server just started, the page opened: from the request to the script settled
  (``[data-testid='stApp'][data-test-script-state='notRunning']`` with the app's frame drawn); beside it the floor,
  the same on a page that draws one slider, which is what a server start and Streamlit's own first run cost;
- first draw: the page opened in a new browser session on a server that has drawn it before (its caches warm);
- key press: one key on the page's own lever (the discount rate on /portfolio, the budget on /what-if; elsewhere the
  presentation-mode switch, which every page has) until the page has settled again with the new state on screen.

No case sleeps: each waits for the state it measures. The machine is shared; results.md notes its load.
``BENCH_PAGES=/,/portfolio python -m benchmarks --only pages`` times those pages only (the others keep their
recorded results); ``BENCH_COLD=0`` leaves out the cold cases (a server start and a 200 MB copy per run) and the floor,
and drops them from the record.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import os
import shutil
import tempfile
from pathlib import Path

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


def is_partial() -> bool:
    """Whether this run times some pages only (``BENCH_PAGES``): the others keep their recorded results."""
    return bool(os.environ.get("BENCH_PAGES"))


def cases(con):
    from tests.chromium import FRAMED_AND_READY, READY, chromium_page, chromium_path, open_and_wait, served_app
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
            open_and_wait(page, url + path, timeout_ms=300_000)

        def key_press(path=path):
            if page.url.split("?")[0].rstrip("/") != (url + path).rstrip("/"):
                open_and_wait(page, url + path, timeout_ms=300_000)
            before = page.evaluate(PAGE_STATE_JS)
            label = SLIDERS.get(path)
            if label:
                lever = page.locator("[data-testid='stSlider']").filter(has_text=label).locator("input[type=range]")
                lever.focus()
                page.keyboard.press("ArrowRight")
            else:
                page.get_by_role("switch", name="Presentation mode").focus()
                page.keyboard.press("Space")
            page.wait_for_function(settled, arg=before, timeout=300_000)

        if with_cold:
            found.append((f"{path}: cold, a server just started, to settled", cold(path)))
        found += [
            (f"{path}: first draw in a new session (caches warm)", first_draw),
            (f"{path}: key press to settled ({SLIDERS.get(path, 'Presentation mode switch')})", key_press),
        ]
    if with_cold:
        floor = cold("/", folder / "floor" / "app.py")
        found.append(("the floor: a server just started, a one-slider page, to settled", floor))
    return found
