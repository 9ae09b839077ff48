"""The product page in-process (AppTest): controls change the numbers to the right values, a URL opens its state."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from analytics import formatting, product, store
from tests.apptest import metric_values, open_page, problems
from tests.voice_store import insert_five_answer_week

PAGE = "pages/product.py"
AS_OF = date(2026, 10, 15)  # the demo store's settings.as_of


def expected_tiles(con, product_id, window_code="90d", comparison="previous", start=None, end=None) -> dict:
    """What the six tiles should read, straight from analytics.product."""
    window = product.resolve_window(AS_OF, window_code, comparison, start, end)
    tiles = product.kpi_summary(con, product_id, window).set_index("metric")["current"]
    return {
        "Revenue": formatting.money(tiles["revenue"], "USD"),
        "Active users": formatting.count(tiles["active_users"]),
        "Signups": formatting.count(tiles["signups"]),
        "NPS": formatting.score(tiles["nps"]),
    }


def shown(at) -> dict:
    values = metric_values(at)
    return {label: values[label] for label in ("Revenue", "Active users", "Signups", "NPS")}


def trend_points(at, key: str) -> int:
    """Number of periods drawn on a trend chart (its main line, the last trace but the release markers)."""
    chart = next(
        c for c in at.get("plotly_chart") if json.loads(c.proto.spec)["layout"]["title"]["text"].startswith(key)
    )
    traces = json.loads(chart.proto.spec)["data"]
    line = next(t for t in traces if t.get("mode") == "lines+markers")
    return len(line["x"])


def test_the_page_opens_on_the_first_product_with_six_defined_tiles(monkeypatch, app_store_path, demo_con):
    at = open_page(monkeypatch, app_store_path, PAGE)
    assert problems(at) == []
    first = product.products(demo_con)["product_id"].iloc[0]
    assert shown(at) == expected_tiles(demo_con, first)
    assert [m.label for m in at.metric][:6] == ["Active users", "Signups", "Revenue", "Churn rate", "NPS", "CSAT"]
    assert all(m.help for m in at.metric[:6])


def test_switching_product_window_and_grain_changes_the_numbers(monkeypatch, app_store_path, demo_con):
    at = open_page(monkeypatch, app_store_path, PAGE, query={"product": "LEDGER", "grain": "month"})
    assert shown(at) == expected_tiles(demo_con, "LEDGER")
    at.selectbox(key="product").set_value("PULSE").run()
    assert problems(at) == [] and shown(at) == expected_tiles(demo_con, "PULSE")
    assert at.title[0].value == "Pulse Analytics"
    at.segmented_control(key="window").set_value("30d").run()
    assert shown(at) == expected_tiles(demo_con, "PULSE", "30d")
    at.segmented_control(key="window").set_value("365d").run()
    assert shown(at) == expected_tiles(demo_con, "PULSE", "365d")
    # 365 days to 15 Oct 2026 touch 13 months (Oct 2025 .. Oct 2026), 53 weeks and 5 quarters.
    assert trend_points(at, "Revenue") == 13
    at.segmented_control(key="grain").set_value("week").run()
    assert trend_points(at, "Revenue") == len(product.periods("week", date(2025, 10, 16), AS_OF)) == 53
    at.segmented_control(key="grain").set_value("quarter").run()
    assert problems(at) == [] and trend_points(at, "Revenue") == 5
    at.segmented_control(key="compare").set_value("last_year").run()
    assert problems(at) == [] and shown(at) == expected_tiles(demo_con, "PULSE", "365d", "last_year")


def test_a_link_opens_its_state(monkeypatch, app_store_path, demo_con):
    query = {
        "product": "BEACON",
        "window": "custom",
        "start": "2026-04-01",
        "end": "2026-06-30",
        "grain": "month",
        "compare": "last_year",
        "section": "Retention",
    }
    at = open_page(monkeypatch, app_store_path, PAGE, query=query)
    assert problems(at) == []
    assert at.selectbox(key="product").value == "BEACON"
    assert at.segmented_control(key="window").value == "custom"
    assert at.date_input(key="start").value == date(2026, 4, 1)
    assert shown(at) == expected_tiles(demo_con, "BEACON", "custom", "last_year", date(2026, 4, 1), date(2026, 6, 30))
    # Beacon launched in February 2026: a year earlier there is nothing to compare with, so no change is shown.
    revenue = next(m for m in at.metric if m.label == "Revenue")
    assert not revenue.delta


@pytest.mark.parametrize("section", ["Trends", "Customer voice", "Retention", "Roadmap", "Backlog", "Investment"])
def test_every_section_draws_without_problems(monkeypatch, app_store_path, section):
    at = open_page(monkeypatch, app_store_path, PAGE, query={"product": "PULSE", "section": section})
    assert problems(at) == []
    assert len(at.get("plotly_chart")) >= 1


def test_the_capacity_slider_chooses_exactly(monkeypatch, app_store_path, demo_con):
    at = open_page(monkeypatch, app_store_path, PAGE, query={"product": "PULSE", "section": "Backlog"})
    at.slider(key="capacity_pm").set_value(9.0).run()
    plan = product.capacity_plan(product.backlog(demo_con, "PULSE"), 9.0, "rice")
    values = metric_values(at)
    assert values["Chosen items"] == f"{int(plan.items['chosen'].sum())} of {len(plan.items)}"
    assert values["Total RICE chosen"] == f"{plan.chosen_value:,.1f}"
    at.segmented_control(key="rank_by").set_value("wsjf").run()
    plan = product.capacity_plan(product.backlog(demo_con, "PULSE"), 9.0, "wsjf")
    assert metric_values(at)["Total WSJF chosen"] == f"{plan.chosen_value:,.1f}"


# Customer text that would change the page if it were ever rendered as Markdown or HTML.
STORED_MARKUP = '<b id="qd-stored">bold</b> **starred** [link](https://example.com)'


def test_customer_comments_are_shown_as_plain_text(monkeypatch, app_store_path, tmp_path):
    path = tmp_path / "markup.duckdb"
    shutil.copyfile(app_store_path, path)
    con = store.connect(path)
    with store.transaction(con):
        con.execute(
            "INSERT INTO feedback VALUES ('F-MARKUP', 'PULSE', ?, 'email', 3, 2, ?, ?)",
            [AS_OF, STORED_MARKUP, STORED_MARKUP],
        )
    con.close()
    at = open_page(monkeypatch, path, PAGE, query={"product": "PULSE", "section": "Customer voice"})
    assert problems(at) == []
    # The comment reaches the page, verbatim, in a data grid (which shows text as text)...
    comments = next(frame.value for frame in at.dataframe if "comment" in frame.value.columns)
    assert STORED_MARKUP in comments["comment"].tolist()
    # ... and no Markdown, caption or HTML element carries any of it.
    rendered = [m.proto.body for m in at.markdown] + [m.proto.body for m in at.caption]
    rendered += [h.proto.body for h in at.get("html")]
    assert not [text for text in rendered if "qd-stored" in text or "starred" in text]


def test_presentation_mode_folds_the_controls_away(monkeypatch, app_store_path):
    at = open_page(monkeypatch, app_store_path, PAGE, query={"product": "ATLAS", "present": "1"})
    assert problems(at) == []
    assert at.expander[0].label == "Change the view"
    assert len(at.metric) == 6


def test_an_empty_store_says_what_is_missing(monkeypatch, tmp_path):
    path = tmp_path / "empty.duckdb"
    store.connect(path).close()
    at = open_page(monkeypatch, path, PAGE)
    assert problems(at) == []
    assert "no products" in at.info[0].value


def test_the_investment_tile_and_chart_title_show_the_same_spent_to_date(monkeypatch, app_store_path, demo_con):
    at = open_page(monkeypatch, app_store_path, PAGE, query={"product": "PULSE", "section": "Investment"})
    assert problems(at) == []
    spent = product.spent_to_date(product.investment(demo_con, "PULSE"))
    # The demo's Pulse projects have progress snapshots whose actual cost is not their plan to date.
    assert spent.actual_projects and spent.actual != pytest.approx(
        product.investment(demo_con, "PULSE").query("spent_basis == 'actual'")["planned_to_date"].sum()
    )
    tile = next(m for m in at.metric if m.label.startswith("Spent to date"))
    assert tile.value == formatting.money(spent.total, "USD")
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert any(t.startswith(f"{tile.label} {tile.value} on ") for t in titles), titles


def test_nps_from_five_answers_says_too_few_to_read(monkeypatch, tmp_path):
    path = tmp_path / "voice.duckdb"
    with store.connect(path) as con:
        insert_five_answer_week(con)
    # The week of 23 March (five answers) against the week of 16 March (thirty).
    query = {"window": "custom", "start": "2026-03-23", "end": "2026-03-29", "section": "Customer voice"}
    at = open_page(monkeypatch, path, PAGE, query=query)
    assert problems(at) == []
    nps = next(m for m in at.metric if m.label == "NPS")
    assert (nps.value, nps.delta) == ("+100", "n = 5 answers: too few to read")
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert "NPS from n = 5 answers: too few to read" in titles
    assert "Lowest-scoring theme" not in " ".join(titles)  # five answers about price are no ranking
    assert any(f"fewer than {product.MIN_ANSWERS} answers" in c.value for c in at.caption)
    # A window with enough answers says how many beside the tile.
    at.date_input(key="start").set_value(date(2026, 3, 16)).run()
    assert any("n = 35 answers" in m.value for m in at.markdown)


def chart_titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def test_the_theme_titles_say_only_what_the_answers_show(monkeypatch, app_store_path, demo_con):
    at = open_page(monkeypatch, app_store_path, PAGE, query={"product": "ATLAS", "section": "Customer voice"})
    assert problems(at) == []
    window = product.resolve_window(AS_OF, "90d", "previous")
    every = product.feedback_themes(demo_con, "ATLAS", window.start, window.end)
    # Atlas has no theme of 30 answers in the last 90 days: its score chart says unranked, not a lowest theme.
    assert not every["nps_readable"].any()
    titles = chart_titles(at)
    assert product.volume_title(every) in titles
    assert product.score_title(product.top_themes(every)) in titles
    assert any(t.startswith("Average score by theme (0–10), unranked") for t in titles)


def test_the_investment_table_writes_stages_as_people_do(monkeypatch, app_store_path):
    at = open_page(monkeypatch, app_store_path, PAGE, query={"product": "ATLAS", "section": "Investment"})
    assert problems(at) == []
    projects = next(frame.value for frame in at.dataframe if "stage" in frame.value.columns)
    assert "on hold" in set(projects["stage"]) and "on_hold" not in set(projects["stage"])
