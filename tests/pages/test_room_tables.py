"""In a room every table is read at room size (issue 15, item 7): presentation mode draws no data grid (Streamlit's
grid paints desk-size type on a canvas, whatever the page's type), only static tables in the room's type. Every page
and tab is opened with ``present=1`` on a copy of the demo store that holds two saved scenarios (one with moved
starts), so the Scenarios comparison and its starts table are drawn too; at a desk the same tables stay grids."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from analytics import optimize, scenarios, store
from tests.apptest import open_page, problems
from ui import layout, nav

#: What-if settings with changes against the plan and moved starts, so that their tables are drawn; and the why-not
#: asked about an active project.
WHAT_IF_CHANGES = {"budget_pct": "110", "shift": "3"}
#: (page file, query) of every page and tab.
VIEWS = [
    (
        spec.file,
        {
            spec.tab_key: tab,
            **(WHAT_IF_CHANGES if spec.url_path == "what-if" else {}),
            **({"why": "P-018"} if tab == "Why not?" else {}),
        }
        if tab
        else {},
    )
    for spec in nav.available()
    for tab in (spec.tabs or (None,))
]


@pytest.fixture(scope="module")
def scenario_store(demo_store_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("room") / "store.duckdb"
    shutil.copyfile(demo_store_path, path)
    with store.connect(path) as con:
        model = optimize.prepare_model(con)
        plan = sorted(model.project_ids[model.in_plan])
        later = {plan[0]: dt.date(2027, 6, 1)}
        scenarios.save_scenario(con, "Plan", optimize.WhatIf().to_dict(), plan)
        scenarios.save_scenario(con, "Cut", optimize.WhatIf(budget_pct=80).to_dict(), plan[:-3], starts=later)
    return path


def in_a_room(at) -> bool:
    """Whether the run drew the room's styles (ui/layout.header adds them in presentation mode only)."""
    return any(layout.ROOM_CSS[:80] in str(h.proto.body) for h in at.get("html"))


def grids_and_tables(at) -> tuple[int, int]:
    return len(at.dataframe), len(at.table)


@pytest.mark.parametrize(("page", "query"), VIEWS, ids=[f"{p}-{'&'.join(q.values())}" for p, q in VIEWS])
def test_a_room_sees_no_desk_size_grid(monkeypatch, scenario_store, page, query):
    at = open_page(
        monkeypatch, scenario_store, None if page == "pages/overview.py" else page, {**query, "present": "1"}
    )
    assert problems(at) == []
    assert in_a_room(at), f"{page} {query} was not drawn in presentation mode"
    grids = [d.proto.id or "(no key)" for d in at.dataframe]
    assert grids == [], f"data grids drawn in a room on {page} {query}: {grids}"
    # Nor a frame's index beside a table: a filtered frame's (the risk register's 2, 3, … 11, 13) was drawn.
    assert [t.proto.hide_index for t in at.table] == [True] * len(at.table)


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("pages/data.py", {}),
        ("pages/scenarios.py", {}),
        ("pages/product.py", {"section": "Customer voice"}),
        ("pages/what-if.py", {"tab": "Why not?", "why": "P-018"}),
        ("pages/what-if.py", {"tab": "Frontier and changes", **WHAT_IF_CHANGES}),
        ("pages/portfolio.py", {"tab": "Health and money"}),
    ],
)
def test_the_same_tables_are_grids_at_a_desk_and_room_tables_in_a_room(monkeypatch, scenario_store, page, query):
    desk = open_page(monkeypatch, scenario_store, page, query)
    room = open_page(monkeypatch, scenario_store, page, {**query, "present": "1"})
    assert problems(desk) == [] and problems(room) == []
    assert not in_a_room(desk) and in_a_room(room)
    desk_grids, desk_tables = grids_and_tables(desk)
    room_grids, room_tables = grids_and_tables(room)
    assert desk_grids > 0 and room_grids == 0
    # A missing number reads "–" at a desk too: a grid's own default is a grey "None" (EAC, CPI, IRR of a project
    # with no snapshot or no return), which a Styler's na_rep does not reach.
    assert [d.proto.placeholder for d in desk.dataframe] == ["–"] * desk_grids
    assert room_tables >= desk_grids + desk_tables - 1  # the room may fold one away (none does today)
