"""Stored text is text in a real browser too (issue 16, case 3): a tracking pixel in a scenario note, a name or a
comment is shown as typed, and no page that shows it makes a request to the tracker (or for ``<img src=x>``)."""

from __future__ import annotations

import pytest

from tests.chromium import chromium_page, open_and_wait, require_chromium, served_app
from tests.hostile import TRACKING_HOST, hostile_store

PAGES = ["/", "/scenarios", "/portfolio?project=P-010", "/product?section=Customer+voice", "/what-if"]


@pytest.fixture(scope="module")
def hostile_app(demo_store_path, tmp_path_factory):
    require_chromium()
    folder = tmp_path_factory.mktemp("hostile-browser")
    path = hostile_store(demo_store_path, folder / "store.duckdb")
    with served_app(path, folder / "streamlit.log") as url:
        yield url


def test_no_page_fetches_what_stored_text_links_to(hostile_app):
    fetched = []
    with chromium_page() as page:
        page.on("request", lambda request: fetched.append(request.url))
        for path in PAGES:
            open_and_wait(page, hostile_app + path)
            # Plotly draws after the script has finished: wait for the figures, whose hovers and labels hold names.
            page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
        # The note of the scenario on show holds the pixel: it reads as typed, as text.
        open_and_wait(page, hostile_app + "/scenarios")
        page.get_by_text(f"![p](http://{TRACKING_HOST}/x)").first.wait_for(timeout=30_000)
    assert [url for url in fetched if TRACKING_HOST in url or url.endswith("/x")] == []
