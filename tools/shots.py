"""Screenshot every page and every tab of the app, plain and in presentation mode, as a person would see it.

    .venv/bin/python -m tools.shots [--db PATH] [--out DIR] [--size 1920x1080] [--pages /,/portfolio]
    .venv/bin/python -m tools.shots --link "/what-if?budget_pct=80&allow_drop=true" [--link ...]

The store is copied first (the app opens its store read-write; the one given is never written). Each page, and each
of its tabs (``nav.PageSpec.tabs``, opened by its query-string key: ``/portfolio?tab=Strategy``), is opened by URL,
plain and with ``present=1`` added to the same query string, in a browser session of its own. It is shot once the
script has finished (``[data-testid='stApp'][data-test-script-state='notRunning']`` with the app's frame drawn), no
placeholder is left, every Plotly chart the page holds is drawn and the script has not run again for two seconds
(a what-if still polling for its proof or frontier has not settled): no fixed sleep. Two files per view:
``DIR/<view>.png`` is the first screen (what the room sees), ``DIR/<view>-full.png`` the whole page, scrolled.
``make shots`` shoots the demo store into /tmp/quarterdeck-shots. Then open the PNGs and look.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from tests.chromium import READY, chromium_page, open_and_wait, served_app
from ui import nav

#: Nothing left to draw: no placeholder waiting for its element, every Plotly chart Streamlit sent drawn by Plotly
#: (its layout computed and its main SVG in place), and the web fonts loaded (text measured with the final font).
DRAWN_JS = """() => document.querySelector("[data-testid='stSkeleton']") === null
  && [...document.querySelectorAll("[data-testid='stPlotlyChart']")].every(chart => {
       const plot = chart.querySelector('.js-plotly-plot');
       return plot !== null && plot._fullLayout !== undefined && plot.querySelector('.main-svg') !== null;
     })
  && document.fonts.status === 'loaded'"""

#: Resolves once the script has not run again for ``quiet`` ms (or after ``limit`` ms): a page still waiting for a
#: background answer (the what-if's proof and frontier) reruns a polling fragment until the answer is drawn.
SETTLED_JS = """([quiet, limit]) => new Promise(resolve => {
  const app = document.querySelector("[data-testid='stApp']");
  let timer = setTimeout(resolve, quiet);
  setTimeout(resolve, limit);
  new MutationObserver(() => {
    clearTimeout(timer);
    if (app.dataset.testScriptState === 'notRunning') timer = setTimeout(resolve, quiet);
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
})"""
#: How long a page must stay without a rerun to count as settled (the what-if polls faster than this).
QUIET_MS = 2000

#: The height of the page's content: Streamlit scrolls its main area, not the document.
CONTENT_HEIGHT_JS = """() => {
  const main = document.querySelector("[data-testid='stMain']");
  return Math.ceil(Math.max(main ? main.scrollHeight : 0, document.documentElement.scrollHeight));
}"""


def views(paths: list[str] | None = None) -> list[tuple[str, str]]:
    """(file stem, path with query) of every page and tab, plain and presented; ``paths`` keeps those pages only."""
    found = []
    for spec in nav.available():
        path = "/" + spec.url_path
        if paths and path not in paths:
            continue
        stem = spec.url_path.replace("-", "_") or "overview"
        queries = [({spec.tab_key: tab}, f"{stem}-{slug(tab)}") for tab in spec.tabs] or [({}, stem)]
        for query, name in queries:
            found.append((name, url_of(path, query)))
            found.append((f"{name}-present", url_of(path, {**query, "present": "1"})))
    return found


def views_of_links(links: list[str]) -> list[tuple[str, str]]:
    """(file stem, link) of each link as given (a path with its query string), plain and presented."""
    found = []
    for link in links:
        path, _, query = link.partition("?")
        # Pairs, not a dict: a repeated key (?compare=A&compare=B&compare=C) keeps every value.
        pairs = parse_qsl(query, keep_blank_values=True)
        stem = slug(link.lstrip("/") or "overview")
        found.append((stem, url_of(path, pairs)))
        found.append((f"{stem}-present", url_of(path, [*pairs, ("present", "1")])))
    return found


def url_of(path: str, query: dict[str, str] | list[tuple[str, str]]) -> str:
    """The page's path with its query string (a dict, or pairs that may repeat a key), encoded once (a label's
    spaces and question mark included)."""
    return f"{path}?{urlencode(query)}" if query else path


def slug(label: str) -> str:
    """A tab label as a file name: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def shoot(page, url: str, out: Path, name: str, width: int, height: int, timeout_ms: int) -> float:
    """Open ``url``, wait until it is drawn, write its first screen and whole page; return the seconds it took."""
    started = time.monotonic()
    page.set_viewport_size({"width": width, "height": height})
    open_and_wait(page, url, timeout_ms=timeout_ms)
    page.wait_for_function(DRAWN_JS, timeout=timeout_ms)
    page.evaluate(SETTLED_JS, [QUIET_MS, timeout_ms])
    page.wait_for_function(f'() => document.querySelector("{READY}") !== null && ({DRAWN_JS})()', timeout=timeout_ms)
    seconds = time.monotonic() - started
    page.screenshot(path=str(out / f"{name}.png"))
    # A viewport as tall as the content shows all of it at once (the main area scrolls, so full_page alone would
    # not); the layout keeps its width, and the charts are redrawn for the new size before the shot.
    content = page.evaluate(CONTENT_HEIGHT_JS)
    if content > height:
        page.set_viewport_size({"width": width, "height": content})
        page.wait_for_function(DRAWN_JS, timeout=timeout_ms)
        page.wait_for_timeout(300)  # Plotly's own resize handler redraws after a debounce of its own
    page.screenshot(path=str(out / f"{name}-full.png"), full_page=True)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=os.environ.get("QUARTERDECK_DB", "data/demo.duckdb"), help="the store")
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "quarterdeck-shots"), help="folder")
    parser.add_argument("--size", default="1920x1080", help="the browser window, WIDTHxHEIGHT")
    parser.add_argument("--pages", default="", help="only these pages, by path, comma-separated (/,/portfolio)")
    parser.add_argument(
        "--link", action="append", default=[], help="shoot this link instead (a path and its query), repeatable"
    )
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds a page may take to draw")
    args = parser.parse_args(argv)
    width, height = (int(x) for x in args.size.lower().split("x"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pages = [p.strip() for p in args.pages.split(",") if p.strip()] or None
    chosen = views_of_links(args.link) if args.link else views(pages)
    with tempfile.TemporaryDirectory(prefix="quarterdeck-shots-") as folder:
        store_copy = Path(folder) / "store.duckdb"
        shutil.copyfile(args.db, store_copy)
        with served_app(store_copy, Path(folder) / "streamlit.log") as base:
            for name, url in chosen:
                # Each view in a browser session of its own, as a link opened by someone new.
                with chromium_page(width, height, reduced_motion=None) as page:
                    seconds = shoot(page, base + url, out, name, width, height, int(args.timeout * 1000))
                print(f"{out / name}.png  {url}  ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
