"""The portfolio page in Chromium: a shared link on a fresh server, and picking a bubble on the value map."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from analytics import formatting, portfolio, store
from tests.chromium import READY, chromium_page, open_and_wait, require_chromium, served_app


@pytest.fixture(scope="module")
def fresh_app(demo_store_path, tmp_path_factory):
    require_chromium()
    folder = tmp_path_factory.mktemp("portfolio")
    shutil.copyfile(demo_store_path, folder / "store.duckdb")
    with served_app(folder / "store.duckdb", folder / "streamlit.log") as url:
        yield url


def test_a_shared_link_is_the_first_request_after_a_start(fresh_app, demo_con):
    project = demo_con.execute("SELECT min(project_id) FROM projects WHERE program = 'Growth'").fetchone()[0]
    # Module-scoped server: this is its very first page load, the case Streamlit's legacy pages/ mode gets wrong
    # (it would run the page bare until ui/shell.ensure_framed hands the run to app.py).
    with chromium_page() as page:
        try:
            open_and_wait(page, fresh_app + f"/portfolio?programs=Growth&project={project}", timeout_ms=45_000)
        except PlaywrightTimeoutError:
            pytest.fail(
                "a fresh server's first deep link never showed app.py's frame (its sidebar): Streamlit's pages/ "
                "folder mode has changed under ui/shell.ensure_framed"
            )
        nav = page.locator("[data-testid='stSidebarNav']").inner_text()
        assert "Overview" in nav and "Portfolio" in nav and "What-if" in nav and "app" not in nav.split()
        assert page.locator("[data-testid='stSidebar']").get_by_text("Presentation mode").count() == 1
        assert page.locator("[data-testid='stAppViewContainer'][data-layout='wide']").count() == 1
        assert page.locator("[data-testid='stMultiSelect']").first.get_by_text("Growth").count() == 1
        assert page.get_by_role("heading", name=project).count() == 1
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.console_errors == []


def test_selecting_a_bubble_opens_that_projects_detail(fresh_app, demo_con):
    with chromium_page() as page:
        open_and_wait(page, fresh_app + "/portfolio")
        assert page.get_by_role("heading", name="P-0").count() == 0
        bubbles = page.locator(".js-plotly-plot .scatterlayer .trace .points path")
        bubbles.first.wait_for()
        # Plotly listens on its drag layer, not on the points: click where the largest bubble is drawn. Unfiltered, the
        # value map is drawn for the first time on this server, so it was just built, not read back from the cache:
        # the case whose chart id used to change on the click's rerun, dropping the selection
        # (ui/data._as_a_hit_returns).
        page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
        boxes = [bubbles.nth(i).bounding_box() for i in range(bubbles.count())]
        box = max((b for b in boxes if b), key=lambda b: b["width"])
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        # Streamlit rewrites the query string with history.replaceState: no navigation to wait for.
        page.wait_for_function("location.search.includes('project=P-')", timeout=30_000)
        page.wait_for_selector(READY)
        chosen = page.url.split("project=")[1].split("&")[0]
        # The detail is that project's, in the dialog over the chart: its name and its own forward money.
        dialog = page.get_by_role("dialog")
        dialog.wait_for()
        name = demo_con.execute("SELECT name FROM projects WHERE project_id = ?", [chosen]).fetchone()[0]
        assert dialog.get_by_role("heading", name=f"{chosen} · {name}").count() == 1
        detail = portfolio.project_detail(demo_con, chosen, store.read_settings(demo_con).discount_rate)["project"]
        shown = {
            tile.locator("[data-testid='stMetricLabel']").inner_text().strip(): tile.locator(
                "[data-testid='stMetricValue']"
            ).inner_text()
            for tile in dialog.locator("[data-testid='stMetric']").all()
        }
        assert shown["NPV, forward"] == formatting.money(detail["npv"], "USD")
        assert shown["rNPV, forward"] == formatting.money(detail["rnpv"], "USD")
        assert page.console_errors == []
