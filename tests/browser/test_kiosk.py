"""Wall mode in headless Chromium: a kiosk URL turns the pages by itself, twice, keeping its parameters, with no
sidebar and no control on screen (the timer is the browser's, which an AppTest cannot run)."""

from __future__ import annotations

import shutil
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.chromium import READY, chromium_page, require_chromium, served_app
from ui import kiosk

SECONDS = 4
WALL_READY = f"""() => document.querySelector("{READY}") !== null
    && document.body.innerText.includes("Wall mode · next: Data")"""
CONTROLS = ", ".join(f"[data-testid='{widget}']" for widget in kiosk.WIDGETS)


@pytest.fixture(scope="module")
def wall_url(demo_store_path, tmp_path_factory):
    require_chromium()
    folder = tmp_path_factory.mktemp("wall")
    store_copy = folder / "store.duckdb"
    shutil.copyfile(demo_store_path, store_copy)
    # A wall turns every 10 s at the quickest; this server allows 4, so two turns take seconds, not half a minute.
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(kiosk.MIN_SECONDS_ENV, str(SECONDS))
        with served_app(store_copy, folder / "streamlit.log") as url:
            yield url


def test_a_wall_turns_its_pages_by_itself_and_shows_no_controls(wall_url):
    with chromium_page() as page:
        page.goto(f"{wall_url}/scenarios?kiosk={SECONDS}&pages=/scenarios,/data")
        # The sidebar is hidden, so the wall's own caption says that the framed run is up.
        page.wait_for_function(WALL_READY, timeout=90_000)
        paths = [urlsplit(page.url).path]
        for _ in range(2):
            # The turn is a switch inside the page (history.pushState), so the wait is on the location itself.
            page.wait_for_function(
                f"""() => location.pathname !== {paths[-1]!r} && document.querySelector("{READY}") !== null""",
                timeout=90_000,
            )
            paths.append(urlsplit(page.url).path)
            query = parse_qs(urlsplit(page.url).query)
            assert query["kiosk"] == [str(SECONDS)] and query["pages"] == ["/scenarios,/data"]
            assert query["present"] == ["1"]
            assert not page.locator("[data-testid='stSidebar']").is_visible()
            assert not page.get_by_test_id("stExpandSidebarButton").is_visible()
            visible = [c for c in page.locator(CONTROLS).all() if c.is_visible()]
            assert visible == []
        assert paths == ["/scenarios", "/data", "/scenarios"]
        assert page.console_errors == []
