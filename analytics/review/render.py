"""Charts as pictures: Plotly figures rendered by Kaleido 1.x through the system Chromium, one renderer a process.

Kaleido starts one headless Chromium (``kaleido.start_sync_server``) the first time a picture is asked for and keeps
it for the process: starting it costs seconds, a picture after that a fraction of one. The browser is the system's
(``BROWSER_PATH``, else ``/usr/bin/chromium`` or the first Chromium on the PATH): Kaleido's own download of a
browser (``kaleido.get_chrome``) is never called. MathJax is off, so nothing is fetched from the network.

Kaleido's sync server answers requests from one queue, so two threads (two sessions of the app) asking at once
could receive each other's pictures: requests take turns under a lock.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import plotly.graph_objects as go

#: Pixels per inch of slide at which a chart is laid out: the presentation template's 20 px type then reads as
#: about 13 pt on the slide. Pictures are rendered at twice that (``SCALE``) so they stay sharp on a projector.
PIXELS_PER_INCH = 110
#: A chart whose finding-stating title would not fit its box is laid out at up to this many pixels per inch
#: instead (smaller type, about 10 pt), so the title is read whole rather than cut.
MOST_PIXELS_PER_INCH = 145
#: The presentation template's title is 26 px: about this many pixels a character, with its margins.
TITLE_PX_PER_CHAR = 13.2
SCALE = 2
BROWSER_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

_LOCK = threading.Lock()
_STARTED = False


class RendererError(RuntimeError):
    """Charts cannot be drawn: no browser was found, or it failed; the message says what to do."""


def browser_path() -> str:
    """Return the Chromium that draws the charts: ``BROWSER_PATH``, else the system's."""
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        if not Path(configured).exists():
            raise RendererError(f"BROWSER_PATH names {configured}, which does not exist: point it at a Chromium.")
        return configured
    for candidate in BROWSER_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    raise RendererError(
        "The review pack draws its charts with Chromium, and none was found: install the Debian package "
        "`chromium` (apt-get install chromium) or set BROWSER_PATH to a Chromium."
    )


def _ensure_started() -> None:
    global _STARTED
    if _STARTED:
        return
    import kaleido  # imported here: the app and the CLI pay for it only when a pack is made

    kaleido.start_sync_server(path=browser_path(), mathjax=False, silence_warnings=True)
    _STARTED = True


def warm_up() -> None:
    """Start the renderer now (the benchmark and a page that expects a pack soon), so the first pack is fast."""
    picture(go.Figure(), 1.0, 1.0)


def picture(figure: go.Figure, width_in: float, height_in: float, fmt: str = "png") -> bytes:
    """Return ``figure`` drawn for a box of ``width_in`` × ``height_in`` inches, as PNG (or ``fmt``) bytes.

    The figure is copied first (``to_dict``): a builder's figure (possibly cached by the app) is never changed.
    """
    import kaleido

    sized = figure.to_dict()  # a deep copy, passed to Kaleido as it is: no second validation of every trace
    wanted = (len(_title(figure)) * TITLE_PX_PER_CHAR + 40) / width_in
    ppi = min(max(PIXELS_PER_INCH, wanted), MOST_PIXELS_PER_INCH)
    width, height = round(width_in * ppi), round(height_in * ppi)
    sized["layout"].update(width=width, height=height, paper_bgcolor="white", plot_bgcolor="white")
    options = {"format": fmt, "width": width, "height": height, "scale": SCALE if fmt == "png" else 1}
    with _LOCK:
        _ensure_started()
        try:
            return kaleido.calc_fig_sync(sized, opts=options)
        except Exception as exc:  # Kaleido raises its own and choreographer's errors; one sentence for people
            raise RendererError(f"Chromium could not draw the chart “{_title(figure)}”: {exc}") from exc


def _title(figure: go.Figure) -> str:
    return str(figure.layout.title.text or "untitled")
