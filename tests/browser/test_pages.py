"""Every page opens directly from its URL in headless Chromium, as a shared link would."""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.chromium import READY, chromium_page, open_and_wait, require_chromium, served_app
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


def test_a_fresh_servers_first_request_may_be_a_deep_link(demo_store_path, tmp_path):
    # A server starts in Streamlit's pages/ folder mode, which would run the linked page bare (no sidebar, no wide
    # layout) until ui/shell.ensure_framed hands the run to app.py: this fails if a Streamlit upgrade breaks that.
    store_copy = tmp_path / "store.duckdb"
    shutil.copyfile(demo_store_path, store_copy)
    with served_app(store_copy, tmp_path / "streamlit.log") as url, chromium_page() as page:
        try:
            open_and_wait(page, url + "/portfolio?colour=health", timeout_ms=45_000)
        except PlaywrightTimeoutError:
            pytest.fail(
                "a fresh server's first deep link never showed app.py's frame (its sidebar): Streamlit's pages/ "
                "folder mode has changed under ui/shell.ensure_framed"
            )
        sidebar = page.get_by_test_id("stSidebar").inner_text()
        assert "Presentation mode" in sidebar and "Store:" in sidebar
        # app.py's page list, titled, not the folder's file names.
        assert page.get_by_test_id("stSidebarNav").get_by_text("What-if").count() == 1
        assert page.locator("[data-testid='stAppViewContainer'][data-layout='wide']").count() == 1
        assert urlsplit(page.url).path == "/portfolio" and "colour=health" in page.url
        assert page.get_by_role("heading", name="Portfolio").count() == 1
        assert page.console_errors == []


@pytest.mark.parametrize("path", PATHS)
def test_page_opens_from_a_deep_link(app_url, path, tmp_path):
    with chromium_page() as page:
        open_and_wait(page, app_url + path)
        page.screenshot(path=str(tmp_path / f"{path.strip('/') or 'overview'}.png"), full_page=True)
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
