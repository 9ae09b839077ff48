"""Serving the real app and driving it in the system's headless Chromium (Playwright's own download does not
work here). Browser tests skip with a reason when no Chromium is found, and fail instead under REQUIRE_BROWSER=1."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
# On a deep link the frontend first probes <page>/_stcore/health and host-config, gets 404, then uses the root
# (streamlit/streamlit#7074, open): harmless, and the only 404s a browser test may see.
KNOWN_PROBES = ("/_stcore/health", "/_stcore/host-config")
NOT_FOUND = "the server responded with a status of 404"


def chromium_path() -> str | None:
    """The system Chromium: $CHROMIUM_PATH, else `chromium` on PATH, else /usr/bin/chromium."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def require_chromium() -> str:
    """Return Chromium's path, or skip (fail under REQUIRE_BROWSER=1) saying why."""
    path = chromium_path()
    if path is None:
        message = "no Chromium found ($CHROMIUM_PATH, chromium on PATH, /usr/bin/chromium): browser tests skipped"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message.replace("skipped", "required by REQUIRE_BROWSER=1"))
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServedURL(str):
    """The URL of a served app (a plain ``str``), with the server's process id as ``pid``."""

    pid: int


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def served_app(
    store_path: Path,
    log_path: Path,
    script: str | Path = "app.py",
    core: int | None = None,
    launcher: str = "streamlit",
    env: dict[str, str] | None = None,
):
    """Run `streamlit run app.py` (or ``script``) on a free loopback port against ``store_path``; yield its URL
    (a :class:`ServedURL`: ``url.pid`` is the server's process id). ``core`` pins the server to one CPU core
    (``taskset``), for load benchmarks whose browsers run on another; ``launcher`` is the module run with
    ``python -m`` (one that wraps Streamlit's CLI, such as benchmarks/server_clock.py), ``env`` adds to the server's
    environment."""
    port = free_port()
    pinned = ["taskset", "-c", str(core)] if core is not None and shutil.which("taskset") else []
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [
                *pinned,
                sys.executable,
                "-m",
                launcher,
                "run",
                str(script),
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=dict(os.environ, QUARTERDECK_DB=str(store_path), **(env or {})),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = ServedURL(f"http://127.0.0.1:{port}")
        base.pid = server.pid
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"streamlit did not start: {log_path.read_text(errors='replace')}") from None
                    time.sleep(0.25)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()


class ConsoleErrors(list):
    """Console errors and unexpected 404s of a page; the known deep-link probes (and their console lines) excluded."""

    def __init__(self, page):
        super().__init__()
        self.probe_404s = 0
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.append(str(exc)))
        page.on("response", self._response)

    def _response(self, response):
        if response.status == 404:
            if response.url.endswith(KNOWN_PROBES):
                self.probe_404s += 1
            else:
                self.append(f"404 {response.url}")

    def _console(self, message):
        if message.type != "error":
            return
        if NOT_FOUND in message.text and self.probe_404s:
            self.probe_404s -= 1
            return
        self.append(message.text)


#: This process's Playwright and Chromium, started by the first page asked for and shared by every page after it:
#: each page gets a browser context of its own (its own cookies, storage and session, as a new browser would), and
#: a launch (about 1.5 CPU-seconds) is paid once per process instead of once per test.
_shared: dict = {}


def shared_browser():
    """This process's headless system Chromium (launched on first use; relaunched if it has gone away)."""
    browser = _shared.get("browser")
    if browser is not None and browser.is_connected():
        return browser
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    if "playwright" not in _shared:
        _shared["playwright"] = sync_playwright().start()
        atexit.register(close_shared_browser)
    _shared["browser"] = _shared["playwright"].chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
    return _shared["browser"]


def close_shared_browser() -> None:
    """Close this process's Chromium and Playwright, if they were started (the browser tests' session end)."""
    browser, playwright = _shared.pop("browser", None), _shared.pop("playwright", None)
    if browser is not None and browser.is_connected():
        browser.close()
    if playwright is not None:
        playwright.stop()


#: Test pages ask for reduced motion (the accessibility setting: no transitions), which a test does not look at and
#: which cost Chromium about a quarter of its CPU per page load (7.5 against 10 CPU-s on the demo). Benchmarks pass
#: ``reduced_motion=None``: they time what a room sees by default.
REDUCED_MOTION = "reduce"

#: Where a browser test that fails inside a page leaves that page's screenshot, named after the test. Passing tests
#: take none: a full-page screenshot of a long page costs Chromium seconds of CPU (3-23 s measured, loaded).
FAILURE_SHOTS = Path(tempfile.gettempdir()) / "quarterdeck-browser-failures"


def shoot_on_failure(page, exc: BaseException, suffix: str = "") -> None:
    """Screenshot the whole ``page`` into FAILURE_SHOTS and name the file in ``exc``'s notes (best effort: a page
    that cannot be shot leaves the failure as it was)."""
    test = os.environ.get("PYTEST_CURRENT_TEST", "browser-test").split(" ")[0]
    name = re.sub(r"[^\w.-]+", "_", test)[-150:]
    path = FAILURE_SHOTS / f"{name}{suffix}.png"
    try:
        FAILURE_SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(path), full_page=True, timeout=30_000)
    except Exception:  # noqa: BLE001 - the test's own failure is what matters
        return
    exc.add_note(f"screenshot of the page: {path}")


@contextmanager
def chromium_page(width: int = 1920, height: int = 1080, reduced_motion: str | None = REDUCED_MOTION):
    """A fresh page in a browser context of its own (headless system Chromium); collects console errors on
    ``page.console_errors``."""
    context = shared_browser().new_context(viewport={"width": width, "height": height}, reduced_motion=reduced_motion)
    page = None
    try:
        page = context.new_page()
        page.console_errors = ConsoleErrors(page)
        yield page
    except (Exception, pytest.fail.Exception) as exc:
        if page is not None:
            shoot_on_failure(page, exc)
        raise
    finally:
        context.close()


# The app's own sidebar (drawn by app.py) is on screen: the run is the framed one, not the bare legacy-mode run
# that ``shell.ensure_framed`` stops on a server's first request (between the two, the script briefly reads as
# "notRunning", which READY alone would take for the end).
FRAMED_AND_READY = f"""() => document.querySelector("{READY}") !== null
    && (document.querySelector("[data-testid='stSidebar']")?.innerText || "").includes("Presentation mode")"""


# The star marking "these settings" on the what-if frontier: [budget (x), value (y)] from Plotly's own data.
WHAT_IF_POINT_JS = """
() => {
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const trace = (plot.data || []).find(t => t.name === 'these settings');
    if (trace) return [trace.x[0], trace.y[0]];
  }
  return null;
}
"""


def open_and_wait(page, url: str, timeout_ms: int = 90_000) -> None:
    """Open ``url`` and wait until the framed script has finished running (never a fixed sleep)."""
    page.goto(url)
    page.wait_for_function(FRAMED_AND_READY, timeout=timeout_ms)


@contextmanager
def chromium_pages(count: int, width: int = 1600, height: int = 1000, reduced_motion: str | None = REDUCED_MOTION):
    """``count`` pages in the shared Chromium, each in its own browser context (its own cookies and session, as
    ``count`` people on their own machines); each collects console errors on ``page.console_errors``."""
    browser = shared_browser()
    contexts, pages = [], []
    try:
        for _ in range(count):
            contexts.append(
                browser.new_context(viewport={"width": width, "height": height}, reduced_motion=reduced_motion)
            )
            page = contexts[-1].new_page()
            page.console_errors = ConsoleErrors(page)
            pages.append(page)
        yield pages
    except (Exception, pytest.fail.Exception) as exc:
        for i, page in enumerate(pages):
            shoot_on_failure(page, exc, f"-{i}")
        raise
    finally:
        for context in contexts:
            context.close()
