"""The "Review pack" control on /what-if (issue 12): the button makes the pack of the settings on screen and offers
it as a download, for those settings only. Charts are stubbed with a small picture here (drawing them is
tests/unit/test_review.py's work), so this checks the page's wiring at AppTest's cost."""

from __future__ import annotations

import io
import shutil
import threading
import zipfile

import pytest
from PIL import Image

from analytics import store
from analytics.review import render
from tests.apptest import open_page, problems

pytestmark = pytest.mark.page


def _tiny_png(*_args, **_kwargs) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 4), "white").save(out, format="PNG")
    return out.getvalue()


def test_the_what_if_page_makes_a_deck_of_the_settings_on_screen(monkeypatch, demo_store_path):
    monkeypatch.setattr(render, "picture", _tiny_png)
    at = open_page(monkeypatch, demo_store_path, "pages/what-if.py", {"budget_pct": "90", "allow_drop": "true"})
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


def test_the_sidebar_does_not_wait_for_the_fingerprint_and_shows_it_once_computed(
    monkeypatch, demo_store_path, tmp_path
):
    # The fingerprint reads every row (seconds at bench scale): a first draw must not wait for it.
    from analytics import fingerprint

    store_path = tmp_path / "store.duckdb"  # a path of its own, so no earlier test has its fingerprint cached
    shutil.copyfile(demo_store_path, store_path)
    with store.connect(store_path, read_only=True) as con:  # closed before the app opens it read-write
        expected = fingerprint.data_fingerprint(con)
    release, computed = threading.Event(), threading.Event()
    real = fingerprint.data_fingerprint

    def slow(con):
        release.wait(timeout=30)  # were the sidebar to wait, the first run would take 30 s and show the value
        value = real(con)
        computed.set()
        return value

    monkeypatch.setattr(fingerprint, "data_fingerprint", slow)
    at = open_page(monkeypatch, store_path)
    assert problems(at) == []
    assert "Data fingerprint: being computed…" in [c.value for c in at.sidebar.caption]
    release.set()
    assert computed.wait(timeout=30)
    at = open_page(monkeypatch, store_path)  # the next first draw, as the page's poll reruns once it has arrived
    assert problems(at) == []
    assert f"Data fingerprint `{expected}`" in [c.value for c in at.sidebar.caption]
