"""The what-if page at bench scale, as the room experiences it: a slider moves, the page answers.

Two measures, each beside its floor:

- server side: the page's script rerun after the budget slider moves (Streamlit's AppTest, in process, on a copy
  of the bench store), against a page holding one slider and nothing else, which is what Streamlit itself costs;
- in the browser: from an arrow-key press on the budget slider in headless Chromium to the frontier chart showing
  the new point, against the same key press on the one-slider page until its value is drawn.

Slider positions cycle so that every rerun answers new settings (nothing is served from a cache of a previous
move). The exact optimum is proven in the background meanwhile; what is timed is the answer on screen.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import shutil
import tempfile
from pathlib import Path

WARMUP = True
REPEAT = 15

ONE_SLIDER_PAGE = """
import streamlit as st

value = st.slider("Budget, % of plan", 40, 160, 100, 5, key="budget_pct")
st.write(f"value {value}")
"""


_cleanup = contextlib.ExitStack()
atexit.register(_cleanup.close)


def _bench_copy(con) -> Path:
    """A folder with a copy of the bench store the app may open read-write (the harness holds the original
    read-only; the in-process AppTest and the served app each open their own copy, as DuckDB allows one writer).
    """
    source = Path(
        con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    )
    folder = Path(tempfile.mkdtemp(prefix="qd-whatif-bench-"))
    _cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
    shutil.copyfile(source, folder / "bench.duckdb")
    return folder


def _apptest_cases(folder: Path):
    from streamlit.testing.v1 import AppTest

    from tests.apptest import open_page

    class Env:
        @staticmethod
        def setenv(key, value):
            os.environ[key] = value

    page = open_page(Env, folder / "bench.duckdb", "pages/what-if.py")
    floor_file = folder / "one_slider.py"
    floor_file.write_text(ONE_SLIDER_PAGE)
    floor = AppTest.from_file(str(floor_file)).run()
    positions = itertools.cycle([95, 90, 85, 80, 75, 70, 65, 105, 110, 115, 120, 125, 130])
    floor_positions = itertools.cycle([95, 90, 85, 80])

    def move_page():
        page.slider(key="budget_pct").set_value(next(positions)).run()
        assert not page.exception, page.exception

    def move_floor():
        floor.slider(key="budget_pct").set_value(next(floor_positions)).run()

    return [
        ("page rerun after a budget slider move, 2,000 projects (AppTest)", move_page),
        ("one-slider page rerun, the floor (AppTest)", move_floor),
    ]


def _browser_cases(folder: Path):
    from tests.chromium import READY, WHAT_IF_POINT_JS, chromium_page, chromium_path, open_and_wait, served_app

    if chromium_path() is None:
        return []
    url = _cleanup.enter_context(served_app(folder / "bench.duckdb", folder / "streamlit.log"))
    page = _cleanup.enter_context(chromium_page(reduced_motion=None))
    open_and_wait(page, url + "/what-if?budget_pct=70", timeout_ms=300_000)
    page.wait_for_function(WHAT_IF_POINT_JS, timeout=120_000)
    slider = page.locator("[data-testid='stSlider']").filter(has_text="Budget, % of plan").locator("input[type=range]")
    direction = itertools.cycle(["ArrowRight"] * 6 + ["ArrowLeft"] * 6)

    def key_to_chart():
        before = page.evaluate(WHAT_IF_POINT_JS)[0]
        slider.focus()
        page.keyboard.press(next(direction))
        page.wait_for_function(
            f"() => {{ const p = ({WHAT_IF_POINT_JS})(); return p !== null && p[0] !== {before}; }}", timeout=60_000
        )

    floor_folder = folder / "floor"
    floor_folder.mkdir()
    (floor_folder / "app.py").write_text(ONE_SLIDER_PAGE)
    floor_url = _cleanup.enter_context(
        served_app(folder / "bench.duckdb", floor_folder / "log", floor_folder / "app.py")
    )
    # A second tab of the same browser: Playwright's sync API runs one browser session per thread.
    floor_page = page.context.browser.new_page(viewport={"width": 1920, "height": 1080})
    floor_page.goto(floor_url)  # a bare script: no Quarterdeck sidebar to wait for, only the end of its run
    floor_page.wait_for_selector(READY, timeout=90_000)
    floor_slider = floor_page.locator("input[type=range]")
    floor_direction = itertools.cycle(["ArrowRight"] * 4 + ["ArrowLeft"] * 4)

    def floor_key_to_text():
        before = floor_page.locator("[data-testid='stMarkdown']").inner_text()
        floor_slider.focus()
        floor_page.keyboard.press(next(floor_direction))
        floor_page.wait_for_function(
            "(before) => { const e = document.querySelector(\"[data-testid='stMarkdown']\"); "
            "return e && e.innerText !== before; }",
            arg=before,
            timeout=60_000,
        )

    return [
        ("key press to frontier point moved, 2,000 projects (Chromium)", key_to_chart),
        ("key press to value redrawn on a one-slider page, the floor (Chromium)", floor_key_to_text),
    ]


def cases(con):
    # The browser first: Playwright's sync API refuses to start once AppTest has set up its asyncio loop.
    browser = _browser_cases(_bench_copy(con))
    return browser + _apptest_cases(_bench_copy(con))
