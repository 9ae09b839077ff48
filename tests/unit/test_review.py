"""The review pack (issue 12, item 1): `python -m analytics review` writes a 16:9 deck or PDF whose every slide
carries the valuation date and the data fingerprint, with charts as pictures and tables as real tables.

Rendering is the costly part (Chromium draws every chart), so each file is made once per module and read by
several tests: one deck of the default scenario through the command line's ``main`` (in-process, so the renderer
started once serves both files), one PDF comparing two saved scenarios with a product slide.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Emu

from analytics import optimize, scenarios, store
from analytics.__main__ import main
from analytics.fingerprint import data_fingerprint
from analytics.review import render, slides

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "15 Oct 2026"  # the demo store's settings.as_of
DECK_TITLES = [
    "Halyard Software",
    "Halyard Software at a glance",
    "Products: scorecard and revenue",
    "Portfolio: value map and the projects in red",
    "Capacity against demand, next 12 months",
    "Risks",
    "Today's settings: the selection against the plan",
    "Today's settings: the efficient frontier",
    "Today's settings: budget by year",
    "Today's settings: how sure is the value? (Monte Carlo)",
]
# Slides with charts, and how many each has; the others are tables, tiles and text only.
CHARTS_ON = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 7: 1, 8: 1, 9: 1}
TABLES_ON = {2, 3, 4, 5, 6, 8}


def _browser_or_skip() -> None:
    try:
        render.browser_path()
    except render.RendererError as exc:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            raise
        pytest.skip(f"no Chromium to draw the charts: {exc}")


@pytest.fixture(scope="module")
def pack_store(demo_store_path, tmp_path_factory):
    """The demo store with two saved scenarios."""
    path = tmp_path_factory.mktemp("review") / "store.duckdb"
    shutil.copyfile(demo_store_path, path)
    with store.connect(path) as con:
        model = optimize.prepare_model(con)
        for name, params in (
            ("Budget cut", optimize.WhatIf(budget_pct=85, allow_drop=True)),
            ("Strategy first", optimize.WhatIf(alpha=0.8)),
        ):
            chosen = optimize.solve_exact(optimize.apply_what_if(model, params).problem, time_limit=20).chosen
            scenarios.save_scenario(con, name, params.to_dict(), list(model.project_ids[chosen]), note=f"{name} note")
    return path


@pytest.fixture(scope="module")
def fingerprint(pack_store):
    with store.connect(pack_store, read_only=True) as con:
        return data_fingerprint(con)


@pytest.fixture(scope="module")
def deck(pack_store, tmp_path_factory):
    _browser_or_skip()
    out = tmp_path_factory.mktemp("deck") / "review.pptx"
    assert main(["review", "--db", str(pack_store), "--out", str(out)]) == 0
    return Presentation(str(out))


@pytest.fixture(scope="module")
def compared_pdf(pack_store, tmp_path_factory):
    _browser_or_skip()
    if not shutil.which("pdfinfo"):
        pytest.skip("pdfinfo (Debian's poppler-utils) is not installed")
    out = tmp_path_factory.mktemp("pdf") / "compared.pdf"
    args = ["review", "--db", str(pack_store), "--out", str(out), "--product", "LEDGER"]
    assert main([*args, "--scenario", "Budget cut", "--scenario", "Strategy first"]) == 0
    return out


def _shapes(slide, name: str) -> list:
    return [shape for shape in slide.shapes if shape.name == name]


@pytest.mark.render
def test_the_deck_is_16_9_with_the_slides_in_order(deck):
    assert (deck.slide_width, deck.slide_height) == (Emu(int(13.333 * 914400)), Emu(int(7.5 * 914400)))
    titles = [_shapes(slide, "Title")[0].text_frame.text for slide in deck.slides]
    assert titles == DECK_TITLES


@pytest.mark.render
def test_every_footer_carries_the_valuation_date_the_settings_and_the_fingerprint(deck, fingerprint):
    for number, slide in enumerate(deck.slides, start=1):
        (footer,) = _shapes(slide, "Footer")
        text = footer.text_frame.text
        assert f"As of {AS_OF}" in text
        assert f"data fingerprint {fingerprint}" in text
        assert "budget 100%, α 0.30, rate 8.0%" in text
        assert text.endswith(f"{number}/{len(DECK_TITLES)}")


@pytest.mark.render
def test_charts_are_pictures_and_tables_are_real_tables(deck):
    for index, slide in enumerate(deck.slides):
        pictures = [shape for shape in slide.shapes if shape.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
        assert len(pictures) == CHARTS_ON.get(index, 0), DECK_TITLES[index]
        for picture in pictures:
            assert picture.image.content_type == "image/png" and len(picture.image.blob) > 20_000
        tables = [shape for shape in slide.shapes if shape.has_table]
        assert bool(tables) == (index in TABLES_ON), DECK_TITLES[index]
    products = [shape for shape in deck.slides[2].shapes if shape.has_table][0].table
    assert [cell.text for cell in products.rows[0].cells] == [
        "Product",
        "Revenue",
        "Δ",
        "Users",
        "NPS",
        "CSAT",
        "Churn",
    ]
    assert products.rows[1].cells[0].text == "Ledger"  # the demo's largest product by revenue


@pytest.mark.render
def test_the_pdf_has_the_decks_pages_and_draws_them(compared_pdf, tmp_path):
    info = subprocess.run(["pdfinfo", str(compared_pdf)], capture_output=True, text=True, check=True).stdout
    # Title, glance, products, Ledger, value map, capacity, risks, side by side (2), each scenario's selection (2).
    assert "Pages:           11" in info
    assert "959.98 x 540 pts" in info
    subprocess.run(
        ["pdftoppm", "-r", "40", "-f", "8", "-l", "8", "-png", str(compared_pdf), str(tmp_path / "page")], check=True
    )
    from PIL import Image

    (page,) = tmp_path.glob("page*.png")
    image = Image.open(page).convert("L")
    assert image.size == (534, 300)  # 13.333 × 7.5 in at 40 dpi
    # Something is drawn: a page of text and a table has dark ink and white paper.
    low, high = image.getextrema()
    assert low < 80 and high > 240


@pytest.mark.process
def test_the_command_line_refuses_an_unknown_scenario_product_or_extension(pack_store, tmp_path):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "analytics", "review", "--db", str(pack_store), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    unknown = run("--out", str(tmp_path / "a.pptx"), "--scenario", "No such plan")
    assert unknown.returncode == 2 and "no saved scenario named “No such plan”" in unknown.stderr
    product = run("--out", str(tmp_path / "a.pdf"), "--product", "NOPE")
    assert product.returncode == 2 and "no product 'NOPE'" in product.stderr
    extension = run("--out", str(tmp_path / "a.key"))
    assert extension.returncode == 2 and "a.key is neither" in extension.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.render
def test_every_block_of_a_slide_stays_on_the_page(deck):
    for slide in deck.slides:
        for shape in slide.shapes:
            assert 0 <= shape.left and shape.left + shape.width <= deck.slide_width + Emu(1)
            assert 0 <= shape.top and shape.top + shape.height <= deck.slide_height, shape.name
    assert slides.footer_top() + slides.FOOTER_HEIGHT_IN <= slides.HEIGHT_IN


def test_after_a_decision_the_pack_ends_with_that_decision_against_now(pack_store, fingerprint, tmp_path):
    from analytics import review

    path = tmp_path / "decided.duckdb"
    shutil.copyfile(pack_store, path)
    with store.connect(path) as con:
        saved = scenarios.list_scenarios(con)
        budget_cut = str(saved.loc[saved["name"] == "Budget cut", "scenario_id"].iloc[0])
        scenarios.record_decision(con, budget_cut, "board@example.com", "Fund the budget cut")
        decided_in = scenarios.latest_decision(con).chosen[0]
        con.execute("UPDATE projects SET stage = 'cancelled' WHERE project_id = ?", [decided_in])
        built = review.build_slides(con, review.scenario_specs(con, []), fingerprint=fingerprint)
    last = built[-1]
    assert last.title == "Since the last decision: Budget cut"
    assert "board@example.com" in last.subtitle
    said = " ".join(line for block in last.rows[0].blocks if hasattr(block, "lines") for line in block.lines)
    assert "decided in, now cancelled" in said and decided_in in said
    assert [s.title for s in built[:-1]] == DECK_TITLES  # the rest of the pack is as before


def test_the_value_map_slide_counts_red_projects_in_the_tiles_own_words():
    import pandas as pd

    from analytics.review import company_slides

    live = pd.DataFrame({"health": ["red", "green", None, "red", None]})
    red = live[live["health"] == "red"]
    assert company_slides._red_caption(red, live, "USD") == "Projects in red: 2 of 3 tracked, 5 live"
    tracked = live.fillna("amber")
    assert company_slides._red_caption(red, tracked, "USD") == "Projects in red: 2 of 5 live"
