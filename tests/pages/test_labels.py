"""One definition per label (issue 15, item 4): a tile title shown on two pages shows the same number on both.

Every page of the app opens on the demo store (AppTest) and each of its metric tiles is collected; a label that
appears on two pages must read the same value there. Tiles that share a name but not a meaning (one product's
revenue against all products') are named apart instead.
"""

from __future__ import annotations

import pytest

from tests.apptest import open_page, problems
from ui import nav

PAGES = [spec.file for spec in nav.available()]


@pytest.fixture(scope="module")
def tiles_by_page(app_store_path):
    monkeypatch = pytest.MonkeyPatch()
    shown = {}
    try:
        for page in PAGES:
            at = open_page(monkeypatch, app_store_path, None if page == "pages/overview.py" else page)
            assert problems(at) == [], (page, problems(at))
            labels = [m.label for m in at.metric]
            # Within a page too, one label is one figure.
            assert len(labels) == len(set(labels)), (page, labels)
            shown[page] = {m.label: m.value for m in at.metric}
    finally:
        monkeypatch.undo()
    return shown


def test_a_label_on_two_pages_shows_the_same_number(tiles_by_page):
    pages_of: dict[str, dict[str, str]] = {}
    for page, tiles in tiles_by_page.items():
        for label, value in tiles.items():
            pages_of.setdefault(label, {})[page] = value
    shared = {label: where for label, where in pages_of.items() if len(where) > 1}
    # The overview repeats the portfolio page's headlines: the walk must see them, or it proves nothing.
    assert {"Forward budget", "Projects in red", "Open risk exposure"} <= set(shared), sorted(pages_of)
    differing = {label: where for label, where in shared.items() if len(set(where.values())) > 1}
    assert not differing, differing
