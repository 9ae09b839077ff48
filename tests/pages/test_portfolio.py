"""The portfolio page in AppTest: it opens on the store's numbers and its widgets change them."""

from __future__ import annotations

import shutil

from analytics.ingest import import_file
from tests.apptest import metric_values, open_page, problems


def test_page_shows_the_summary_and_filters_change_it(monkeypatch, app_store_path):
    at = open_page(monkeypatch, app_store_path, "pages/portfolio.py")
    assert problems(at) == []
    before = metric_values(at)
    assert before["Live projects"] == "49"
    at.multiselect(key="programs").set_value(["Growth"]).run()
    after = metric_values(at)
    assert problems(at) == [] and int(after["Live projects"]) < 49
    assert after["Forward budget"] != before["Forward budget"]


def test_page_rate_changes_npv(monkeypatch, app_store_path):
    at = open_page(monkeypatch, app_store_path, "pages/portfolio.py", query={"rate": "0.2"})
    high = metric_values(at)["NPV"]
    at.slider(key="rate").set_value(0.0).run()
    assert problems(at) == [] and metric_values(at)["NPV"] != high


def test_page_shows_a_projects_detail_from_the_url(monkeypatch, app_store_path, demo_con):
    at = open_page(monkeypatch, app_store_path, "pages/portfolio.py", query={"project": "P-010"})
    assert problems(at) == []
    name = demo_con.execute("SELECT name FROM projects WHERE project_id = 'P-010'").fetchone()[0]
    assert any(s.value == f"P-010 · {name}" for s in at.subheader)
    assert {"IRR", "Payback", "Health"} <= set(metric_values(at))


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
