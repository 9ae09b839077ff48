"""The product page in Chromium: a shared link opens its exact state, and a control change goes back to the URL."""

from __future__ import annotations

import shutil

import pytest

from tests.chromium import READY, chromium_page, open_and_wait, require_chromium, served_app

LINK = "/product?product=ATLAS&window=365d&grain=quarter&compare=last_year&section=Roadmap"


@pytest.fixture(scope="module")
def fresh_app(demo_store_path, tmp_path_factory):
    require_chromium()
    folder = tmp_path_factory.mktemp("product")
    shutil.copyfile(demo_store_path, folder / "store.duckdb")
    with served_app(folder / "store.duckdb", folder / "streamlit.log") as url:
        yield url


def active_choices(page, expected: int = 3) -> list[str]:
    # Segmented controls are radio groups: the chosen option is the checked radio. React may draw them a frame
    # after the script reports it has finished, so wait for them rather than read what is there at that instant.
    checked = page.locator("[role='radio'][aria-checked='true']")
    checked.nth(expected - 1).wait_for(timeout=30_000)
    return checked.all_inner_texts()


def test_a_shared_link_opens_that_product_window_and_section(fresh_app):
    with chromium_page() as page:
        # The module's server has served nothing yet: this is the first request after a start.
        open_and_wait(page, fresh_app + LINK)
        assert page.get_by_role("heading", name="Atlas Suite").count() == 1
        assert active_choices(page) == ["Last 365 days", "Quarter", "Same period last year"]
        assert page.get_by_role("tab", name="Roadmap").get_attribute("aria-selected") == "true"
        # Plotly draws after the script has finished: wait for the timeline's today line label itself.
        page.locator(".js-plotly-plot .annotation-text", has_text="today").first.wait_for(timeout=30_000)
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.console_errors == []


def test_changing_a_control_writes_the_url(fresh_app):
    with chromium_page() as page:
        open_and_wait(page, fresh_app + "/product?product=PULSE&window=90d")
        revenue = page.locator("[data-testid='stMetric']", has_text="Revenue").first
        before = revenue.locator("[data-testid='stMetricValue']").inner_text()
        page.get_by_role("radio", name="Last 30 days").click()
        # Streamlit rewrites the query string with history.replaceState: no navigation to wait for.
        page.wait_for_function("location.search.includes('window=30d')", timeout=30_000)
        page.wait_for_selector(READY)
        after = revenue.locator("[data-testid='stMetricValue']").inner_text()
        assert after != before
        assert "product=PULSE" in page.url
        assert page.console_errors == []


#: Each section's key answer in presentation mode: its chart (by the chart's key) or, for the backlog, its rankings.
KEY_ANSWERS = {
    "Trends": ".st-key-trend_active_users .js-plotly-plot",
    "Customer voice": ".st-key-nps_mix .js-plotly-plot",
    "Retention": ".st-key-retention_heatmap .js-plotly-plot",
    "Roadmap": ".st-key-roadmap .js-plotly-plot",
    "Backlog": "[data-testid='stTable']",
    "Investment": ".st-key-investment .js-plotly-plot",
}


# The bottom edge of the last element matching a selector, once it is drawn (taller than 100 px); null until then.
BOTTOM_OF_JS = """selector => {
  const found = [...document.querySelectorAll(selector)]
    .map(e => e.getBoundingClientRect()).filter(r => r.height > 100);
  return found.length ? found[found.length - 1].bottom : null;
}"""


def test_in_presentation_mode_each_sections_key_answer_fits_one_1920x1080_screen(fresh_app):
    with chromium_page(1920, 1080) as page:
        for section, selector in KEY_ANSWERS.items():
            open_and_wait(page, f"{fresh_app}/product?product=PULSE&present=1&section={section.replace(' ', '+')}")
            # Plotly draws after the script has finished: wait until the figure is drawn, then read where it ends.
            bottom = page.wait_for_function(BOTTOM_OF_JS, arg=selector, timeout=60_000).json_value()
            assert bottom <= 1080, f"{section}: its key answer ends at {bottom:.0f} px, under the first screen"
        assert page.console_errors == []


# The opacity of each product tile's number, by the tile's key: {"kpi_tile_nps_too_few": "0.4", ...}.
TILE_INK = """() => Object.fromEntries([...document.querySelectorAll("[class*='st-key-kpi_tile_']")].map(tile => [
  [...tile.classList].find(c => c.startsWith("st-key-")).slice(7),
  getComputedStyle(tile.querySelector("[data-testid='stMetricValue']")).opacity,
]))"""


def test_a_score_on_too_few_answers_is_greyed_and_the_page_keeps_its_styles(fresh_app):
    # Over 30 days the demo's Atlas Suite has 26 NPS and 24 CSAT answers, fewer than a score is read on: "+31" in
    # full ink beside "too few to read" still read as a score. The tile's own style (the tile CSS, container-type)
    # is checked too: a comment in that CSS holding "<metric>" made st.html's sanitiser drop every style.
    with chromium_page(1920, 1080) as page:
        open_and_wait(page, fresh_app + "/product?product=ATLAS&window=30d")
        page.wait_for_function(
            """() => { const tiles = [...document.querySelectorAll("[class*='st-key-kpi_tile_']")];
                       const drawn = t => t.querySelector("[data-testid='stMetricValue']") !== null;
                       return tiles.length >= 6 && tiles.every(drawn); }""",
            timeout=30_000,
        )
        ink = page.evaluate(TILE_INK)
        assert ink["kpi_tile_nps_too_few"] == "0.4" and ink["kpi_tile_csat_too_few"] == "0.4", ink
        assert ink["kpi_tile_revenue"] == "1", ink
        metric = page.locator("[data-testid='stMetric']").first
        assert metric.evaluate("m => getComputedStyle(m).containerType") == "inline-size"
