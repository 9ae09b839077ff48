"""The "Review pack" control on /what-if (issue 12): the button makes the pack of the settings on screen and offers
it as a download, for those settings only. Charts are stubbed with a small picture here (drawing them is
tests/unit/test_review.py's work), so this checks the page's wiring at AppTest's cost."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from analytics.review import render
from tests.apptest import open_page, problems

pytestmark = pytest.mark.page


def _tiny_png(*_args, **_kwargs) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 4), "white").save(out, format="PNG")
    return out.getvalue()


def test_the_what_if_page_makes_a_deck_of_the_settings_on_screen(monkeypatch, app_store_path):
    monkeypatch.setattr(render, "picture", _tiny_png)
    at = open_page(monkeypatch, app_store_path, "pages/what-if.py", {"budget_pct": "90", "allow_drop": "true"})
    assert problems(at) == []
    assert not at.get("download_button")
    at.button(key="whatif_review_make").click().run()
    assert problems(at) == []
    (download,) = at.get("download_button")
    assert download.proto.label == "Download the review pack (PowerPoint)"
    # The file behind the button is a deck whose footers name the settings on screen.
    deck = at.session_state["_review_pack_whatif_review"][1]
    with zipfile.ZipFile(io.BytesIO(deck)) as pptx:
        slides = [n for n in pptx.namelist() if n.startswith("ppt/slides/slide") and n.endswith(".xml")]
        assert len(slides) == 10
        assert "budget 90%" in pptx.read("ppt/slides/slide1.xml").decode()
    # Other settings do not get this file: the download goes until the pack is made again.
    at.slider(key="budget_pct").set_value(80).run()
    assert not at.get("download_button")
