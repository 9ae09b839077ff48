"""Every page opens directly from its URL in headless Chromium, as a shared link would."""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import pytest

from tests.chromium import FRAMED_AND_READY, READY, chromium_page, open_and_wait, require_chromium, served_app
from ui import nav

PATHS = ["/" + spec.url_path for spec in nav.available()]


@pytest.fixture(scope="module")
def app_url(demo_store_path, tmp_path_factory):
    require_chromium()
    folder = tmp_path_factory.mktemp("served")
    # The app opens its store read-write, so it gets a copy: other tests keep reading the shared one.
    store_copy = folder / "store.duckdb"
    shutil.copyfile(demo_store_path, store_copy)
    with served_app(store_copy, folder / "streamlit.log") as url:
        yield url


@pytest.mark.parametrize("path", PATHS)
def test_page_opens_from_a_deep_link(app_url, path):
    with chromium_page() as page:
        open_and_wait(page, app_url + path)
        body = page.inner_text("body")
        assert "Page not found" not in body
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.locator("[data-testid='stAlertContentError']").count() == 0, body[:2000]
        assert page.console_errors == []
        # The page stays where the link pointed; a page may write its view state into the query string.
        assert urlsplit(page.url).path.rstrip("/") == path.rstrip("/")


def test_presentation_mode_follows_the_url_and_the_toggle(app_url):
    with chromium_page() as page:
        open_and_wait(page, app_url + "/?present=1")
        assert page.get_by_role("switch", name="Presentation mode").is_checked()
        # The sidebar starts collapsed in front of a room; open it and switch presentation mode off.
        page.get_by_test_id("stExpandSidebarButton").click()
        page.get_by_text("Presentation mode").click()
        page.wait_for_url(lambda url: "present=1" not in url)
        page.wait_for_selector(READY)
        assert not page.get_by_role("switch", name="Presentation mode").is_checked()
        page.get_by_text("Presentation mode").click()
        page.wait_for_url(lambda url: "present=1" in url)
        assert page.console_errors == []


@pytest.mark.parametrize(
    ("link", "url_has", "tab"),
    [("Risk", "tab=Risk", "Risk"), ("Customer voice", "section=Customer", "Customer voice")],
)
def test_an_overview_link_opens_the_tab_it_names(app_url, link, url_has, tab):
    with chromium_page() as page:
        open_and_wait(page, app_url + "/")
        page.locator("[data-testid='stPageLink']").get_by_text(link, exact=True).first.click(timeout=60_000)
        page.wait_for_url(lambda url: url_has in url, timeout=60_000)
        page.wait_for_function(FRAMED_AND_READY, timeout=90_000)
        selected = page.locator("[data-testid='stTab'][aria-selected='true']")
        assert selected.inner_text().strip() == tab
        assert page.console_errors == []


#: Tile text Streamlit cuts off with an ellipsis in a narrow column: any label, value or note wider than its box.
CUT_OFF_TILE_TEXT = """() => [...document.querySelectorAll(
    '[data-testid=stMetricLabel] *, [data-testid=stMetricValue], [data-testid=stMetricValue] *, '
    + '[data-testid=stMetricDelta] *'
  )].filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""


def test_no_tile_label_value_or_note_is_cut_off_at_a_desk_or_in_a_room(app_url):
    # The portfolio's eight tiles and the what-if's five beside its levers are the narrowest on any page; at 1440 px
    # "Capacity used, 12 months" read "Capaci…" and the values "$2…" (ui/shell.py's TILE_CSS, ui/layout's rows).
    # 1440 is the narrower of the two widths tiles must read at (1920 lays out the same rows wider).
    with chromium_page(width=1440, height=900) as page:
        for path in ("/portfolio", "/portfolio?present=1", "/what-if", "/what-if?present=1"):
            open_and_wait(page, app_url + path)
            assert page.evaluate(CUT_OFF_TILE_TEXT) == [], path
