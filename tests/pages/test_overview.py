"""The overview page in AppTest: it opens on the store's numbers and its widgets change them."""

from __future__ import annotations

from urllib.parse import parse_qsl

from analytics import overview
from tests.apptest import metric_values, open_page, problems


def test_overview_page_shows_the_stores_numbers(monkeypatch, app_store_path):
    at = open_page(monkeypatch, app_store_path)
    assert problems(at) == []
    tiles = metric_values(at)
    assert set(tiles) >= {
        "Revenue, all products",
        "Active users, all products",
        "NPS, all products",
        "CSAT, all products",
        "Forward budget",
        "Projects in red",
        "Capacity used, 12 months",
        "Open risk exposure",
    }
    assert tiles["Revenue, all products"].startswith("$") and tiles["Revenue, all products"].endswith("M")
    assert tiles["NPS, all products"].startswith(("+", "-"))
    assert "Halyard Software" in at.title[0].value
    # Each tile says what it means.
    assert all(m.help for m in at.metric)


def test_overview_numbers_match_analytics(monkeypatch, app_store_path, demo_con):
    from analytics.formatting import money, score

    # The app's store is a copy of the demo store, which the app holds open read-write: read the original.
    kpis = overview.company_kpis(demo_con).set_index("measure")
    at = open_page(monkeypatch, app_store_path)
    tiles = metric_values(at)
    assert tiles["Revenue, all products"] == money(kpis.at["revenue", "current"])
    assert tiles["NPS, all products"] == score(kpis.at["nps", "current"])


def test_presentation_mode_from_the_url(monkeypatch, app_store_path):
    at = open_page(monkeypatch, app_store_path, query={"present": "1"})
    assert problems(at) == []
    assert at.toggle(key="present").value is True


def test_the_overview_links_open_the_tab_they_name(monkeypatch, app_store_path):
    at = open_page(monkeypatch, app_store_path)
    links = {(link.proto.label, link.proto.page, link.proto.query_string) for link in at.get("page_link")}
    assert {("Customer voice", "product", "section=Customer+voice"), ("Risk", "portfolio", "tab=Risk")} <= links
    for label, page, query in sorted(links):
        params = dict(parse_qsl(query))
        assert len(params) == 1, query
        # A session of its own each, as a shared link (a click is checked in Chromium, tests/browser/test_pages.py).
        opened = open_page(monkeypatch, app_store_path, f"pages/{page}.py", query=params)
        assert problems(opened) == []
        ((key, tab),) = params.items()
        assert tab == label and opened.session_state[key] == tab, (label, page, query)
        if tab == "Risk":  # only the open tab is drawn: its own content is on the page
            assert any("Top risks by exposure" in m.value for m in opened.markdown)


def test_in_presentation_mode_the_product_scorecard_is_a_table_at_room_type(monkeypatch, app_store_path):
    # The scorecard's data grid draws desk-size type on its canvas whatever the page's type: 14 px on a projector.
    at = open_page(monkeypatch, app_store_path, query={"present": "1"})
    assert not problems(at), problems(at)
    assert len(at.dataframe) == 0
    (scorecard,) = [t.value for t in at.table if "Product" in t.value.columns]
    assert list(scorecard.columns) == ["Product", "Revenue", "Δ", "Users", "NPS", "CSAT", "Churn"]
