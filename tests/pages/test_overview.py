"""The overview page in AppTest: it opens on the store's numbers and its widgets change them."""

from __future__ import annotations

from analytics import overview
from tests.apptest import metric_values, open_page, problems


def test_overview_page_shows_the_stores_numbers(monkeypatch, app_store_path):
    at = open_page(monkeypatch, app_store_path)
    assert problems(at) == []
    tiles = metric_values(at)
    assert set(tiles) >= {
        "Revenue",
        "Active users",
        "NPS",
        "CSAT",
        "Forward budget",
        "Projects in red",
        "Capacity used, next 12 months",
        "Open risk exposure",
    }
    assert tiles["Revenue"].startswith("$") and tiles["Revenue"].endswith("M")
    assert tiles["NPS"].startswith(("+", "-"))
    assert "Halyard Software" in at.title[0].value
    # Each tile says what it means.
    assert all(m.help for m in at.metric)


def test_overview_numbers_match_analytics(monkeypatch, app_store_path, demo_con):
    from analytics.formatting import money, score

    # The app's store is a copy of the demo store, which the app holds open read-write: read the original.
    kpis = overview.company_kpis(demo_con).set_index("measure")
    at = open_page(monkeypatch, app_store_path)
    tiles = metric_values(at)
    assert tiles["Revenue"] == money(kpis.at["revenue", "current"])
    assert tiles["NPS"] == score(kpis.at["nps", "current"])


def test_presentation_mode_from_the_url(monkeypatch, app_store_path):
    at = open_page(monkeypatch, app_store_path, query={"present": "1"})
    assert problems(at) == []
    assert at.toggle(key="present").value is True
