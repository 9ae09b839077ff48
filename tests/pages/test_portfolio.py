"""The portfolio page in AppTest: it opens on the store's numbers and its widgets change them."""

from __future__ import annotations

import shutil

from analytics import formatting, portfolio, store
from analytics.ingest import import_file
from analytics.portfolio import PortfolioFilter
from tests.apptest import metric_values, open_page, problems


def expected_tiles(con, flt: PortfolioFilter, rate: float | None = None) -> dict[str, str]:
    """What the portfolio tiles should read, straight from analytics.portfolio (the store's rate by default)."""
    rate = store.read_settings(con).discount_rate if rate is None else rate
    summary = portfolio.summary(con, flt, rate)
    return {
        "Live projects": formatting.count(summary["live_projects"]),
        "Forward budget": formatting.money(summary["forward_budget"], "USD"),
        "NPV, forward": formatting.money(summary["npv"], "USD"),
        "rNPV, forward": formatting.money(summary["rnpv"], "USD"),
    }


def shown(at) -> dict[str, str]:
    values = metric_values(at)
    return {label: values[label] for label in ("Live projects", "Forward budget", "NPV, forward", "rNPV, forward")}


def test_page_shows_the_summary_and_filters_change_it(monkeypatch, app_store_path, demo_con):
    at = open_page(monkeypatch, app_store_path, "pages/portfolio.py")
    assert problems(at) == []
    assert shown(at) == expected_tiles(demo_con, PortfolioFilter())
    assert shown(at)["Live projects"] == "49"
    at.multiselect(key="programs").set_value(["Growth"]).run()
    assert problems(at) == []
    growth = expected_tiles(demo_con, PortfolioFilter(programs=("Growth",)))
    assert shown(at) == growth and int(growth["Live projects"]) < 49


def test_page_rate_changes_npv(monkeypatch, app_store_path, demo_con):
    at_20, at_0 = (expected_tiles(demo_con, PortfolioFilter(), rate)["NPV, forward"] for rate in (0.2, 0.0))
    assert at_20 != at_0
    at = open_page(monkeypatch, app_store_path, "pages/portfolio.py", query={"rate": "0.2"})
    assert shown(at)["NPV, forward"] == at_20
    at.slider(key="rate").set_value(0.0).run()
    assert problems(at) == [] and shown(at)["NPV, forward"] == at_0


def test_the_capacity_tab_opens_on_the_busiest_team(monkeypatch, app_store_path, demo_con):
    # The tabs are bound to the URL (?tab=), and only the open one is drawn.
    at = open_page(monkeypatch, app_store_path, "pages/portfolio.py", query={"tab": "Capacity"})
    busiest = portfolio.busiest_team(portfolio.capacity_vs_demand(demo_con, PortfolioFilter(), 12))
    assert busiest is not None and at.selectbox(key="team").value == busiest


def test_page_shows_a_projects_detail_from_the_url(monkeypatch, app_store_path, demo_con):
    at = open_page(monkeypatch, app_store_path, "pages/portfolio.py", query={"project": "P-010"})
    assert problems(at) == []
    name = demo_con.execute("SELECT name FROM projects WHERE project_id = 'P-010'").fetchone()[0]
    assert any(s.value == f"P-010 · {name}" for s in at.subheader)
    # The detail opens in a dialog over the chart; NPV, IRR, ROI and payback all on the forward basis.
    assert {"NPV, forward", "IRR, forward", "ROI, forward", "Payback, forward", "Health"} <= set(metric_values(at))
    assert any("Over its lifetime" in c.value for c in at.caption)


def test_a_project_without_cash_flows_says_so_instead_of_an_empty_chart(monkeypatch, demo_store_path, tmp_path):
    path = tmp_path / "no-flows.duckdb"
    shutil.copyfile(demo_store_path, path)
    projects = tmp_path / "projects.csv"
    projects.write_text(
        "project_id,name,stage,start_date,end_date,budget,probability_of_success\n"
        "P-900,No flows yet,proposed,2027-01-01,2027-06-30,100000,0.5\n"
    )
    assert not import_file(path, "projects", projects).problems
    at = open_page(monkeypatch, path, "pages/portfolio.py", query={"project": "P-900"})
    assert problems(at) == []
    assert any("No cash flows planned for this project yet." in i.value for i in at.info)


def test_the_value_map_keeps_its_chart_id_from_the_first_run_to_the_next(monkeypatch, app_store_path):
    # A rate no other test asks for, so this first run builds the value map instead of reading it from the cache.
    # Streamlit derives a chart's id from its figure's JSON and drops a selection sent for an id it no longer draws:
    # a first run whose figure differed from the cached copy lost the click on a bubble.
    at = open_page(monkeypatch, app_store_path, "pages/portfolio.py", query={"rate": "0.137"})
    first = [chart.proto.id for chart in at.get("plotly_chart")]
    at.run()
    assert problems(at) == [] and len(first) == 1
    assert [chart.proto.id for chart in at.get("plotly_chart")] == first


def test_a_stored_health_unlike_evm_says_so_in_the_detail_and_the_money_table(monkeypatch, app_store_path):
    # P-046 is stored green but its snapshot (CPI 0.78) is in the red band: the detail and the table both say the
    # health the tiles count, where it comes from and what EVM says, as the health quadrant's diamond does.
    at = open_page(monkeypatch, app_store_path, "pages/portfolio.py", query={"project": "P-046"})
    assert problems(at) == []
    health = next(m for m in at.metric if m.label == "Health")
    assert health.value == "Green" and health.proto.delta.startswith("stored; EVM says red · CPI 0.78")
    at = open_page(monkeypatch, app_store_path, "pages/portfolio.py", query={"tab": "Health and money"})
    assert problems(at) == []
    table = at.dataframe[0].value.set_index("project_id")
    assert (
        table.loc["P-046", "health"] == "green (stored; EVM says red)" and table.loc["P-001", "health"] == "green (EVM)"
    )
    assert any("colour is the health every tile" in c.value for c in at.caption)


def test_in_presentation_mode_a_tables_headers_are_the_desk_views_labels(monkeypatch, app_store_path):
    # A room's static table named its columns "project_id", "forward_cost" and "rnpv": the labels went to a Styler's
    # relabel_index, which st.table does not draw.
    at = open_page(monkeypatch, app_store_path, "pages/portfolio.py", {"tab": "Strategy", "present": "1"})
    assert not problems(at), problems(at)
    headers = [list(table.value.columns) for table in at.table]
    assert ["Project", "name", "program", "stage", "forward cost", "rNPV, forward"] in headers, headers
