"""A real company's store is partial (issue 15, item 5): every page and tab opens on the demo store with one part
emptied in turn (no dependencies, no capacity, no KPI history, no feedback, no risks, no progress snapshots),
on a store holding only projects, and on a new empty store. Nothing raises, no error box is drawn, and no tile
reads "None" or "nan": a missing number reads "–" and a missing part says what to add. Nor does a page claim what
the data does not hold: no chart with empty axes where a part is missing (a sentence instead), no value-map title
naming a project when every rNPV is zero, no risk exposure of 0 for a store that records no risks.

Each store opens only the pages its missing part can touch, so the walk stays a few dozen page runs.
"""

from __future__ import annotations

import json
import shutil

import pytest

from analytics import store
from tests.apptest import metric_values, open_page, problems
from ui import nav

#: Stores without the part a figure draws: each page must say what to add instead of drawing the figure.
NO_REVENUE = {"no KPI history", "projects, money and alignment only", "only projects", "new empty store"}
NO_CASH_FLOWS = {"only projects"}
NO_ALIGNMENT = {"no alignment", "only projects", "new empty store"}
NO_RISKS = {"no risks", "projects, money and alignment only", "only projects", "new empty store"}

PRODUCT_SECTIONS = ["Trends", "Customer voice", "Retention", "Roadmap", "Backlog", "Investment"]
PORTFOLIO_PAGES = [("pages/portfolio.py", None), ("pages/what-if.py", None)]
#: Every tab of the portfolio and what-if pages: a tab computes only when open, so the default tab alone left the
#: what-if's capacity tab drawing empty axes on a store without capacity. Opened on the stores missing the most.
PORTFOLIO_TABS = [
    *[("pages/portfolio.py", {"tab": tab}) for tab in nav.PORTFOLIO_TABS],
    *[("pages/what-if.py", {"tab": tab}) for tab in nav.WHAT_IF_TABS],
]
PRODUCT_PAGES = [("pages/product.py", {"section": s}) for s in PRODUCT_SECTIONS]
EVERY_PAGE = [
    (None, None),
    *PORTFOLIO_PAGES,
    ("pages/scenarios.py", None),
    ("pages/data.py", None),
    *PRODUCT_PAGES,
]

#: name -> (tables emptied in a copy of the demo store, pages that missing part can touch).
PARTIAL = {
    "no dependencies": (["project_dependencies"], [(None, None), *PORTFOLIO_PAGES]),
    "no capacity": (["team_capacity"], [(None, None), *PORTFOLIO_TABS]),
    "no demand": (["project_demand"], [(None, None), *PORTFOLIO_PAGES]),
    "no alignment": (["project_alignment"], [(None, None), *PORTFOLIO_PAGES]),
    "no progress": (
        ["project_progress"],
        [(None, None), *PORTFOLIO_PAGES, ("pages/product.py", {"section": "Investment", "product": "ATLAS"})],
    ),
    "no risks": (["risks"], [(None, None), *PORTFOLIO_PAGES]),
    "no KPI history": (["kpi_history", "kpi_targets"], [(None, None), *PRODUCT_PAGES]),
    "no feedback": (["feedback"], [(None, None), *PRODUCT_PAGES]),
    "no cohorts or features": (["retention_cohorts", "features"], PRODUCT_PAGES),
    "projects, money and alignment only": (
        [
            "project_demand",
            "project_dependencies",
            "project_progress",
            "risks",
            "team_capacity",
            "teams",
            "kpi_history",
            "kpi_targets",
            "features",
            "feedback",
            "retention_cohorts",
            "products",
        ],
        [(None, None), *PORTFOLIO_PAGES],
    ),
    "only projects": (
        [
            "project_cashflows",
            "project_alignment",
            "project_demand",
            "project_dependencies",
            "project_progress",
            "risks",
            "team_capacity",
            "teams",
            "objectives",
            "kpi_history",
            "kpi_targets",
            "features",
            "feedback",
            "retention_cohorts",
            "scenario_projects",
            "scenarios",
            "products",
        ],
        EVERY_PAGE,
    ),
}
CASES = [(name, page, query) for name, (_, pages) in PARTIAL.items() for page, query in pages]
CASES += [("only projects", page, query) for page, query in PORTFOLIO_TABS]
CASES += [("new empty store", page, query) for page, query in EVERY_PAGE]


def case_id(case) -> str:
    name, page, query = case
    where = (page or "pages/overview.py").removeprefix("pages/").removesuffix(".py")
    return f"{name}: {where}{'?' + '&'.join(f'{k}={v}' for k, v in query.items()) if query else ''}"


@pytest.fixture(scope="module")
def partial_stores(demo_store_path, tmp_path_factory):
    """Every store of ``PARTIAL`` and a new empty one, built once for the module: name -> path."""
    folder = tmp_path_factory.mktemp("partial")
    paths = {}
    for number, (name, (tables, _)) in enumerate(PARTIAL.items()):
        path = folder / f"partial-{number}.duckdb"
        shutil.copyfile(demo_store_path, path)
        with store.connect(path) as con:
            for table in tables:  # a fixed list of the contract's tables, never user input
                con.execute(f"DELETE FROM {table}")  # noqa: S608
        paths[name] = path
    paths["new empty store"] = store.create_empty_store(folder / "empty.duckdb")
    return paths


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_every_page_and_tab_opens_on_a_partial_store(monkeypatch, partial_stores, case):
    name, page, query = case
    at = open_page(monkeypatch, partial_stores[name], page, query=query)
    assert not problems(at), problems(at)
    shown = metric_values(at)
    unreadable = {label: value for label, value in shown.items() if value in ("None", "nan", "NaN", "$nan")}
    assert not unreadable, unreadable
    # No claim about data that is not there, checked on the same run.
    titles = figure_titles(at)
    if page is None and name in NO_REVENUE:
        assert not any(t.startswith("Revenue") for t in titles), titles
        infos = " ".join(i.value for i in at.info)
        assert "No products" in infos or "No revenue recorded" in infos, infos
    if page == "pages/portfolio.py" and name in NO_CASH_FLOWS and (query or {}).get("tab", "Value map") == "Value map":
        value_map = [t for t in titles if t.startswith("Value against strategy")]
        assert value_map == ["Value against strategy: no forward cash flows planned, so every rNPV is 0"], titles
    if name in ("no capacity", "only projects") and page == "pages/what-if.py" and query == {"tab": "Capacity"}:
        assert not [t for t in titles if t.startswith("Capacity")], titles
        assert any("No team capacity is recorded" in i.value for i in at.info), [i.value for i in at.info]
    if name in NO_RISKS and "Open risk exposure" in shown:
        assert shown["Open risk exposure"] == "–", shown
    if name in NO_ALIGNMENT and "Strategic score, live" in shown:
        assert shown["Strategic score, live"] == "–", shown
    section = (query or {}).get("section")
    if page == "pages/product.py" and (name, section) in PRODUCT_CLAIMS:
        assert PRODUCT_CLAIMS[(name, section)](at), (
            f"{name}, {section}: {metric_values(at)} {[i.value for i in at.info]}"
        )


def figure_titles(at) -> list[str]:
    """The title of every Plotly figure on the page."""
    return [json.loads(chart.proto.spec)["layout"].get("title", {}).get("text", "") for chart in at.get("plotly_chart")]


def _says(at, words: str) -> bool:
    shown = [i.value for i in at.info] + [m.label for m in at.metric] + [m.value for m in at.metric]
    shown += figure_titles(at)
    return any(words in text for text in shown)


#: What the product page says about the part a store is missing, instead of a claim about data that is not there.
PRODUCT_CLAIMS = {
    # No answers: the voice tab says so, and the tiles read "no answers", never a score of 0.
    ("no feedback", "Customer voice"): lambda at: (
        _says(at, "no NPS or CSAT to show") and metric_values(at)["NPS"] == "no answers"
    ),
    # No KPIs: the investment tab names no revenue rather than earning $0.
    ("no KPI history", "Investment"): lambda at: (
        _says(at, "no revenue recorded") and metric_values(at)["Active users now"] == "no data"
    ),
    # No progress snapshots: spent to date is all plan, and labelled so.
    ("no progress", "Investment"): lambda at: _says(at, "Spent to date (planned cost)"),
}
