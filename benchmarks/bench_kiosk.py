"""Wall mode left running: hundreds of page turns of ``?kiosk=`` in headless Chromium, the server's memory watched.

A wall screen shows Quarterdeck for days. The soak serves the app on a copy of the demo store (a wall shows a
real portfolio, not the 2,000-project bench), opens one kiosk URL over every page (or ``--pages``) and lets it
turn ``TURNS`` times at three seconds a page (``QUARTERDECK_KIOSK_MIN_SECONDS=3``). A real wall turns every 10 s
or more, which only spreads the same runs out; at one second the pages' runs overlap on a busy machine and
Streamlit's frontend loses cached messages ("Cached ForwardMsg MISS"), which no wall interval comes near.
After every turn it reads the server process's resident memory (psutil). The first ``WARMUP_TURNS`` fill the
caches (the pages, the model, the figures' templates); after them the resident memory must stay flat: the
median of the last ``WINDOW`` turns may exceed the median of the first ``WINDOW`` after warm-up by at most
``ALLOWED_GROWTH_MB``.

    python -m benchmarks.bench_kiosk [--turns N] [--pages /,/portfolio]   # the memory series and the verdict
    python -m benchmarks --only kiosk                                      # the same soak as one timed case
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

WARMUP = False
REPEAT = 1

TURNS = 300
WARMUP_TURNS = 30
WINDOW = 40
SECONDS = 3
ALLOWED_GROWTH_MB = 25.0
TURN_TIMEOUT_MS = 180_000


@dataclass(frozen=True)
class Soak:
    """What a soak measured: resident memory (MB) of the server after each turn, and the turns' paths."""

    rss_mb: list[float]
    paths: list[str]
    seconds: float

    @property
    def settled_mb(self) -> float:
        """Median resident memory over the first window after warm-up."""
        return statistics.median(self.rss_mb[WARMUP_TURNS : WARMUP_TURNS + WINDOW])

    @property
    def final_mb(self) -> float:
        """Median resident memory over the last window."""
        return statistics.median(self.rss_mb[-WINDOW:])

    @property
    def growth_mb(self) -> float:
        """How much the settled memory grew by the end of the soak."""
        return self.final_mb - self.settled_mb


def soak(turns: int = TURNS, pages: str | None = None) -> Soak:
    """Serve the app, open a kiosk URL over ``pages`` (every page) in Chromium; sample the server's memory each turn."""
    import psutil
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from analytics.demo import build_demo
    from tests.chromium import READY, chromium_page, served_app
    from ui import kiosk, nav

    if turns < WARMUP_TURNS + 2 * WINDOW:
        raise ValueError(
            f"A soak needs at least {WARMUP_TURNS + 2 * WINDOW} turns to compare two windows after warm-up."
        )
    folder = Path(tempfile.mkdtemp(prefix="qd-kiosk-soak-"))
    previous = os.environ.get(kiosk.MIN_SECONDS_ENV)
    os.environ[kiosk.MIN_SECONDS_ENV] = str(SECONDS)
    try:
        build_demo(folder / "store.duckdb", scale="demo", seed=7)
        paths = pages or ",".join("/" + spec.url_path for spec in nav.available())
        served = served_app(folder / "store.duckdb", folder / "streamlit.log")
        with served as url, chromium_page(reduced_motion=None) as page:
            server = psutil.Process(url.pid)
            started = time.perf_counter()
            page.goto(f"{url}{paths.split(',')[0]}?kiosk={SECONDS}&pages={paths}")
            page.wait_for_selector(READY, timeout=TURN_TIMEOUT_MS)
            seen, rss = [page.evaluate("location.pathname")], []
            for turn in range(turns):
                try:
                    page.wait_for_function(
                        f"() => location.pathname !== {seen[-1]!r} && document.querySelector({READY!r}) !== null",
                        timeout=TURN_TIMEOUT_MS,
                    )
                except PlaywrightTimeout:
                    shown = page.inner_text("body")[:1500]
                    raise AssertionError(
                        f"the wall stopped turning after {turn} turns, on {seen[-1]}; it shows:\n{shown}"
                    ) from None
                seen.append(page.evaluate("location.pathname"))
                rss.append(server.memory_info().rss / 2**20)
                if (turn + 1) % 25 == 0:
                    print(f"turn {turn + 1}: {seen[-1]}, {rss[-1]:.0f} MB", file=sys.stderr, flush=True)
            return Soak(rss_mb=rss, paths=seen, seconds=time.perf_counter() - started)
    finally:
        if previous is None:
            os.environ.pop(kiosk.MIN_SECONDS_ENV, None)
        else:
            os.environ[kiosk.MIN_SECONDS_ENV] = previous
        shutil.rmtree(folder, ignore_errors=True)


def check(result: Soak) -> None:
    """Raise ``AssertionError`` with the figures when memory grew after warm-up."""
    assert result.growth_mb <= ALLOWED_GROWTH_MB, (
        f"the server's memory grew by {result.growth_mb:.1f} MB over {len(result.rss_mb) - WARMUP_TURNS} turns "
        f"after warm-up ({result.settled_mb:.1f} -> {result.final_mb:.1f} MB); at most {ALLOWED_GROWTH_MB} MB allowed"
    )


def cases():
    """One case: the whole soak, timed once; it fails when the memory does not stay flat."""

    def soak_and_check():
        result = soak()
        report(result)
        check(result)

    return [(f"wall mode: {TURNS} page turns, server memory flat after {WARMUP_TURNS}", soak_and_check)]


def report(result: Soak) -> None:
    """Print the memory series by window and the verdict."""
    every = len(result.rss_mb) // 10 or 1
    series = ", ".join(f"{i + 1}: {mb:.0f}" for i, mb in enumerate(result.rss_mb) if (i + 1) % every == 0)
    print(f"turns {len(result.rss_mb)} in {result.seconds:.0f} s; resident MB after turn {series}", flush=True)
    print(
        f"settled {result.settled_mb:.1f} MB (median of turns {WARMUP_TURNS + 1}-{WARMUP_TURNS + WINDOW}), "
        f"final {result.final_mb:.1f} MB (median of the last {WINDOW}): growth {result.growth_mb:+.1f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=TURNS)
    parser.add_argument("--pages", help="the rotation, as ?pages= takes it (default: every page)")
    arguments = parser.parse_args()
    result = soak(arguments.turns, arguments.pages)
    report(result)
    check(result)


if __name__ == "__main__":
    main()
