"""Wall mode: ``?kiosk=SECONDS`` on any page rotates the pages in presentation mode, for a screen nobody touches.

``?pages=/,/portfolio`` limits the rotation to those paths, in that order (default: every page). The wall shows
no sidebar and no control: a screen on a wall cannot pick, type or click, so every widget is hidden and the
pages show what they show by default (or what the rest of the URL says). The rotation is Streamlit's own: a
fragment that reruns every SECONDS (``st.fragment(run_every=...)``) and moves on with ``st.switch_page``, which
carries the kiosk parameters into the next page's URL. Each turn is an ordinary page run of the same session, so
a wall left for days holds one session's state, not a growing pile (benchmarks/bench_kiosk.py measures it).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import streamlit as st

from analytics import text
from ui import nav

KIOSK_KEY = "kiosk"
PAGES_KEY = "pages"
#: The shortest and longest time a page stays up: shorter cannot be read from the back of a room, and a page
#: shown for more than an hour is a page, not a rotation.
MIN_SECONDS, MAX_SECONDS = 10, 3600
#: Lowers the shortest interval for a server that rotates faster than a room can read: the browser test and the
#: soak benchmark, which turn pages hundreds of times in minutes. Never below one second.
MIN_SECONDS_ENV = "QUARTERDECK_KIOSK_MIN_SECONDS"
#: A turn is due once this share of the interval has passed since the page came up: the fragment's timer starts
#: when the browser has drawn it, a little after the run that drew it, so a whole interval would wait one more.
DUE_SHARE = 0.8
# Which page of the rotation is up, and since when (time.monotonic(); None until the page's first run).
_INDEX = "kiosk_index"
_SINCE = "kiosk_since"

# The sidebar, its open button, Streamlit's header and every input are hidden; tables and charts keep their
# content but lose their toolbars. An input sits inside its element container, at some depth (a slider has a
# wrapper between them), and an element container holds one element, so the whole container goes. Static CSS;
# no stored text goes in here.
WIDGETS = (
    "stButton",
    "stButtonGroup",
    "stCheckbox",
    "stColorPicker",
    "stDateInput",
    "stDownloadButton",
    "stFileUploader",
    "stLinkButton",
    "stMultiSelect",
    "stNumberInput",
    "stPageLink",
    "stPopover",
    "stRadio",
    "stSelectbox",
    "stSlider",
    "stTextArea",
    "stTextInput",
    "stTimeInput",
)
KIOSK_CSS = (
    "<style>\n"
    '[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"],\n'
    '[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stForm"],\n'
    '[data-testid="stElementToolbar"], .modebar-container { display: none !important; }\n'
    + ",\n".join(f'[data-testid="stElementContainer"]:has([data-testid="{w}"])' for w in WIDGETS)
    + " { display: none !important; }\n"
    '[data-testid="stMainBlockContainer"] { padding-top: 1.2rem !important; }\n'
    "</style>"
)


@dataclass(frozen=True)
class Kiosk:
    """What a kiosk URL asks for: the seconds each page stays up and the pages to rotate, in order."""

    seconds: int
    pages: tuple[nav.PageSpec, ...]

    def query(self) -> dict[str, str]:
        """Return the query string that keeps the wall a wall on the next page."""
        paths = ",".join("/" + spec.url_path for spec in self.pages)
        return {KIOSK_KEY: str(self.seconds), PAGES_KEY: paths, "present": "1"}


class KioskError(ValueError):
    """The kiosk parameters of a URL cannot be used; the message says why in a sentence."""


def shortest_seconds() -> int:
    """Return the shortest interval a kiosk URL may ask for: :data:`MIN_SECONDS`, or ``$MIN_SECONDS_ENV``."""
    try:
        return max(1, int(os.environ.get(MIN_SECONDS_ENV, MIN_SECONDS)))
    except ValueError:
        return MIN_SECONDS


def parse(seconds: str | None, pages: str | None, available: list[nav.PageSpec]) -> Kiosk | None:
    """Return the wall mode a URL's ``kiosk`` and ``pages`` ask for, None without ``kiosk``.

    Raises
    ------
    KioskError
        ``kiosk`` is not a whole number of seconds in [:func:`shortest_seconds`, MAX_SECONDS], or ``pages`` names
        a path that is not a page of this app.
    """
    if seconds is None:
        return None
    try:
        interval = int(seconds.strip())
    except ValueError:
        interval = None
    shortest = shortest_seconds()
    if interval is None or not shortest <= interval <= MAX_SECONDS:
        raise KioskError(
            f"Wall mode needs ?kiosk= to be a whole number of seconds from {shortest} to {MAX_SECONDS}, "
            f"not “{seconds[:40]}”: the pages do not rotate."
        )
    by_path = {"/" + spec.url_path: spec for spec in available}
    if pages is None or not pages.strip():
        return Kiosk(interval, tuple(available))
    wanted = [p.strip() for p in pages.split(",") if p.strip()]
    wanted = ["/" + p.strip("/") for p in wanted]
    unknown = [p for p in wanted if p not in by_path]
    if unknown:
        raise KioskError(
            f"Wall mode cannot show {', '.join(unknown[:3])} (?pages=): the pages are {', '.join(by_path)}. "
            "The pages do not rotate."
        )
    return Kiosk(interval, tuple(by_path[p] for p in dict.fromkeys(wanted)))


def _from_url() -> Kiosk | None:
    return parse(st.query_params.get(KIOSK_KEY), st.query_params.get(PAGES_KEY), nav.available())


def enter(present_key: str) -> None:
    """Turn presentation mode on for a kiosk URL (call before presentation mode is read)."""
    if KIOSK_KEY in st.query_params:
        st.session_state[present_key] = True


def _current_index(kiosk: Kiosk) -> int:
    """Where the rotation stands: kept by the session; on a wall's first run, the page the URL opened."""
    if _INDEX not in st.session_state:
        opened = "/" + urlsplit(st.context.url or "").path.strip("/")
        paths = ["/" + spec.url_path for spec in kiosk.pages]
        # A page outside the rotation comes before its first page.
        st.session_state[_INDEX] = paths.index(opened) if opened in paths else -1
    return st.session_state[_INDEX] % len(kiosk.pages)


def run() -> None:
    """In wall mode, hide the sidebar and the controls and schedule the next page; else do nothing.

    A bad ``kiosk`` or ``pages`` value is said in a sentence at the top of the page, which then stays as it is.
    """
    if KIOSK_KEY not in st.query_params:
        return
    try:
        kiosk = _from_url()
    except KioskError as exc:
        st.error(text.markdown(str(exc)), icon=":material/tv:")
        return
    st.html(KIOSK_CSS)
    index = _current_index(kiosk)
    if st.session_state.get(_SINCE) is None:
        st.session_state[_SINCE] = time.monotonic()
    upcoming = kiosk.pages[(index + 1) % len(kiosk.pages)]

    @st.fragment(run_every=kiosk.seconds)
    def turn() -> None:
        since = st.session_state.get(_SINCE)
        # None: the page has just been turned and the next one has not started yet (its timer fired meanwhile).
        if since is not None and time.monotonic() - since >= kiosk.seconds * DUE_SHARE:
            st.session_state[_INDEX] = index + 1
            st.session_state[_SINCE] = None
            st.switch_page(upcoming.file, query_params=kiosk.query())
        st.caption(f"Wall mode · next: {upcoming.title}, every {kiosk.seconds} s", width="content")

    turn()
