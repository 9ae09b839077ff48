"""What frames every page: page config, presentation mode, the sidebar, and turning errors into sentences."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from analytics import charts, formatting, text
from analytics.store import StoreError
from ui import auth, data, kiosk, nav, review, state

log = logging.getLogger("quarterdeck")

PRESENT_KEY = "present"
ROOT = Path(__file__).resolve().parent.parent

# Tiles on every page, at a desk and in a room: no label, value or note is ever cut off with an ellipsis (Streamlit's
# default at a narrow column, which hid "Capacity used, 12 months" at 1440 px). Labels and notes wrap; a value's type
# shrinks with its tile's width (cqi: a hundredth of the tile), so one amount ("$24.1M") stays on one line.
TILE_CSS = """
[data-testid="stMetric"] { container-type: inline-size; }
[data-testid="stMetricLabel"] *, [data-testid="stMetricDelta"] *,
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: normal !important; word-break: normal !important;  /* whole words: "Strateg / ic score" read badly */
}
[data-testid="stMetricLabel"] p { line-height: 1.25 !important; }
/* Tiles in one row stand equally tall, their links on one line: a label or note that wraps in one tile ("+3.7
   points vs previous 90 days" at 1440 px) made that tile taller than its neighbours. Each tile's column is
   stretched to the row's height by the row's flex layout; the tile grows into it above its link. */
[data-testid="stColumn"]:has(> [data-testid="stVerticalBlock"] > [data-testid="stElementContainer"]
  > [data-testid="stMetric"]) > [data-testid="stVerticalBlock"] { height: 100%; }
[data-testid="stElementContainer"]:has(> [data-testid="stMetric"]) { flex-grow: 1; }
[data-testid="stElementContainer"] > [data-testid="stMetric"] { height: 100%; }
/* A tile that is a bordered container (a metric and its badges under it: the product page) fills its column the same
   way, and its last line (the badges) sits at the tile's foot, level with its neighbours'. */
[data-testid="stColumn"] > [data-testid="stVerticalBlock"] > [data-testid="stLayoutWrapper"]:has(
  > [data-testid="stVerticalBlock"] > [data-testid="stElementContainer"] > [data-testid="stMetric"]) {
  flex-grow: 1;
}
[data-testid="stLayoutWrapper"] > [data-testid="stVerticalBlock"]:has(
  > [data-testid="stElementContainer"] > [data-testid="stMetric"]) { height: 100%; }
[data-testid="stLayoutWrapper"] > [data-testid="stVerticalBlock"]:has(
  > [data-testid="stElementContainer"] > [data-testid="stMetric"])
  > [data-testid="stElementContainer"]:last-child:not(:has(> [data-testid="stMetric"])) {
  margin-top: auto;
}
/* A product tile on too few answers to read (pages/product.py keys it kpi_tile_ with the metric and _too_few): its
   number is drawn greyed, so "+23" beside "too few to read" is not taken for a score. (Nothing in this CSS may look
   like a tag, an opening angle bracket before a letter: st.html's sanitiser drops the whole style then.) */
[class*="st-key-kpi_tile_"][class*="_too_few"] [data-testid="stMetricValue"] { opacity: 0.4; }
"""
# Presentation mode: bigger type and roomier tiles for a projector. Static CSS; no stored text goes in here.
PRESENT_CSS = (
    "<style>"
    + TILE_CSS
    + """
html, body, [data-testid="stApp"] { font-size: 20px; }
[data-testid="stMetricValue"] { font-size: min(3.1rem, 20cqi) !important; }
[data-testid="stMetricLabel"] p { font-size: 1.25rem !important; }
[data-testid="stMetricDelta"] { font-size: 1.15rem !important; }
h1 { font-size: 2.9rem !important; } h2 { font-size: 2.1rem !important; } h3 { font-size: 1.6rem !important; }
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; max-width: 100%; }
[data-testid="stTab"] p { font-size: 1.2rem !important; }
[data-testid="stWidgetLabel"] p { font-size: 1.05rem !important; }
</style>
"""
)
PLAIN_CSS = (
    "<style>"
    + TILE_CSS
    + """
[data-testid="stMainBlockContainer"] { padding-top: 2.4rem; }
[data-testid="stMetricValue"] { font-size: min(2.1rem, 20cqi); }
/* The overview's product scorecard beside its chart: at a 1440 px window its share of the row was narrower than its
   seven columns and it scrolled sideways, hiding Churn. Its column keeps the table's own width (about 440 px
   with the longest demo and bench names) and the chart beside it gives way. Below 640 px Streamlit stacks columns. */
@media (min-width: 640px) {
  [data-testid="stColumn"]:has(.st-key-product_scorecard) {
    min-width: 28rem; flex-shrink: 0;
  }
}
</style>
"""
)


def presentation_mode() -> bool:
    """Whether the room is watching: the sidebar toggle, seeded from ``?present=1``."""
    state.seed_from_url(PRESENT_KEY, state.flag_from_url)
    return bool(st.session_state[PRESENT_KEY])


def _sync_present_to_url() -> None:
    # The contract spells the flag `present=1`, which a bound toggle ("true"/"false") cannot read, so it is kept
    # in the URL by hand, and re-added after a page switch clears the query string.
    if st.session_state.get(PRESENT_KEY):
        st.query_params[PRESENT_KEY] = "1"
    elif PRESENT_KEY in st.query_params:
        del st.query_params[PRESENT_KEY]


def configure_page() -> bool:
    """Set the page config and styles; return whether presentation mode is on."""
    kiosk.enter(PRESENT_KEY)
    present = presentation_mode()
    st.set_page_config(
        page_title="Quarterdeck",
        page_icon=str(ROOT / "ui" / "assets" / "icon.png"),
        layout="wide",
        initial_sidebar_state="collapsed" if present else "expanded",
    )
    charts.register_templates()
    st.html(PRESENT_CSS if present else PLAIN_CSS)
    kiosk.run()
    return present


def sidebar() -> None:
    """The sidebar shared by every page: which company and store, the valuation date, presentation mode.

    A stored setting that cannot be read is said here as a sentence, and the page still runs: the Data page must
    stay usable to import the settings that fix it. First of all the sign-in guard (``auth.gate``): without a
    role nothing of the store is read or shown, not even here.
    """
    identity = auth.gate()
    for change in data.unseen_changes():
        st.toast(text.markdown(change), icon=":material/sync:", duration="long")
    with st.sidebar:
        try:
            settings = data.settings()
        except data.SettingsError as exc:
            log.warning("%s", exc)
            st.error(text.markdown(str(exc)), icon=":material/settings_alert:")
        else:
            st.markdown(f"**{text.markdown(settings.company)}**")
            st.caption(
                f"Figures as of **{settings.as_of:%d %b %Y}** · {settings.currency} · "
                f"discount rate {formatting.percent(settings.discount_rate)}"
            )
            review.sidebar_line()
        if data.opened_new_store():
            st.warning(
                f"There was no store at `{auth.shown_path(data.store_path())}`, so a new, empty one was created "
                "there. If you meant "
                "another store, set QUARTERDECK_DB to its path and restart; or import your data on the Data page.",
                icon=":material/new_releases:",
            )
        st.toggle(
            "Presentation mode",
            key=PRESENT_KEY,
            on_change=_sync_present_to_url,
            help="Bigger type and thicker lines for a projector. Share it as a link with `?present=1`.",
        )
        _sync_present_to_url()
        st.caption(f"Store: `{Path(data.store_path()).name}`", help=auth.shown_path(data.store_path()))
        auth.show_identity(identity)


@contextmanager
def errors_as_sentences() -> Iterator[None]:
    """Show a failure as a sentence and a next step instead of a traceback (the log keeps the details)."""
    try:
        yield
    except StoreError as exc:
        # The sentence names paths (the server's folders only for an admin) and stored values: text, never Markdown.
        st.error(text.markdown(auth.shown_paths_in(str(exc))), icon=":material/database:")
    except Exception:
        log.exception("page failed")
        st.error(
            "This view could not be drawn because of an unexpected problem. Reload the page; if it comes back, "
            "the server log has the details for whoever maintains this Quarterdeck.",
            icon=":material/error:",
        )


# Whether app.py is running a page in this thread's script run (each session's script runs on its own thread).
_FRAME = threading.local()
# Whether this process has routed a bare page run to app.py; after that the app has left the pages/ folder mode.
_ROUTED_TO_APP = False


@contextmanager
def framed() -> Iterator[None]:
    """App.py runs the chosen page inside this, so that the page's ``ensure_framed`` knows it is framed."""
    _FRAME.active = True
    try:
        yield
    finally:
        _FRAME.active = False


def ensure_framed() -> None:
    """Make sure app.py frames this page; call first thing in every page file.

    With a pages/ folder beside app.py, Streamlit starts each server in its legacy multipage mode, in which it runs
    the page file a URL names instead of app.py, until some run calls ``st.navigation``. So when the very first
    request after a start is a deep link (a shared /portfolio?...), the page would run bare: no wide layout, no
    sidebar, a navigation made of file names. Streamlit 1.67 has no setting to turn that mode off; its own advice
    is not to name the folder pages/, which CONTRACT.md fixes. What it documents is that once any session calls
    ``st.navigation``, the app ignores the pages/ folder in every session: so a bare run declares the app's pages
    (the same call app.py makes) and reruns, and the rerun goes through app.py, which routes the request to the
    same page. tests/browser/test_portfolio.py opens a fresh server on a deep link and fails, saying so, if the
    page comes up bare.
    """
    global _ROUTED_TO_APP
    # Once per process is enough: the app never returns to the folder mode. AppTest, though, starts every run in
    # it, and a rerun on each would swallow every form submission (the trigger is spent on the first run).
    if getattr(_FRAME, "active", False):
        return
    if _ROUTED_TO_APP:
        auth.gate()  # a page run bare all the same still shows nothing to someone without a role
        return
    _ROUTED_TO_APP = True
    # In app.py's order: the page config first, or the browser fetches the page's material icon as the tab's icon.
    configure_page()
    nav.navigation()
    st.rerun()
