"""Figure builders: the arithmetic behind how charts are drawn."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import charts, formatting, overview, portfolio
from analytics.charts.portfolio import _zero_aligned_range
from analytics.charts.template import money_axis
from analytics.rules import COMMITTED_STAGES, EVM_AMBER_AT, EVM_GREEN_AT, HEALTH_ORDER, STAGE_ORDER, TINY
from tests.properties import examples

amounts = st.floats(0, 1e9, allow_nan=False, allow_subnormal=False)  # money: never 5e-324


@settings(max_examples=examples(200), deadline=None)
@given(cost=amounts, benefit=amounts, low=amounts, high=amounts)
def test_two_axes_share_their_zero_and_hold_their_data(cost, benefit, low, high):
    left, right = _zero_aligned_range(-cost, benefit, -low, high)
    assert left[0] <= -cost and left[1] >= benefit
    assert right[0] <= -low and right[1] >= high
    # Zero sits at the same height on both axes.
    share = [-r[0] / (r[1] - r[0]) for r in (left, right)]
    assert abs(share[0] - share[1]) < TINY


def test_cash_flow_axes_print_round_money(demo_con):
    frame = portfolio.cumulative_cash_flow(demo_con, portfolio.PortfolioFilter())
    fig = charts.portfolio_cash_flow(frame, currency="USD", present=False, as_of=frame["period"].iloc[10])
    assert fig.layout.yaxis2.tickmode == "auto" and fig.layout.yaxis2.tickprefix == "$"
    low, high = fig.layout.yaxis.range
    low2, high2 = fig.layout.yaxis2.range
    assert abs(low / (high - low) - low2 / (high2 - low2)) < TINY


def test_the_frontier_point_alone_sits_on_the_sweeps_scale():
    fig = charts.efficient_frontier(None, {"budget": 1_000_000.0, "rnpv": 4_200_000.0}, currency="USD", present=False)
    assert list(fig.layout.xaxis.range) == [350_000.0, 1_650_000.0]
    # And ±10 % of its rNPV high: Plotly's own range for one point ticks in millionths ("$4.2000005M").
    assert list(fig.layout.yaxis.range) == [3_780_000.0, 4_620_000.0]
    assert [t.name for t in fig.data] == ["these settings"]


def _frontier(alpha: float, rnpv: list[float], strategic: list[float]) -> pd.DataFrame:
    """Three frontier levels as ``optimize.efficient_frontier`` returns them (its trade columns by hand)."""
    dips = [float("nan"), float("nan"), rnpv[1] - rnpv[2]] if rnpv[2] < rnpv[1] else [float("nan")] * 3
    return pd.DataFrame(
        {
            "budget_pct": [90.0, 100.0, 110.0],
            "budget": [9e6, 1e7, 1.1e7],
            "value": [1.0, 1.2, 1.3],
            "rnpv": rnpv,
            "strategic_total": strategic,
            "alpha": alpha,
            "projects": [5, 6, 7],
            "status": "optimal",
            "ranking_rnpv": [r - 1e5 for r in rnpv],
            "rnpv_given_up": dips,
            "from_pct": [float("nan"), float("nan"), 100.0 if rnpv[2] < rnpv[1] else float("nan")],
            "strategic_gained": [float("nan"), float("nan"), strategic[2] - strategic[1]],
        }
    )


def test_a_blended_frontier_draws_the_strategy_it_buys_under_its_rnpv():
    current = {"budget": 1e7, "rnpv": 3e6}
    # α = 0.3, and the 110 % level gives up $400K of rNPV against 100 % for +1.5 strategic score: the title says
    # so, and a panel under the rNPV draws the strategic score that rose.
    fig = charts.efficient_frontier(
        _frontier(0.3, [2e6, 3e6, 2.6e6], [4.0, 5.0, 6.5]), current, currency="USD", present=False
    )
    assert fig.layout.title.text == "Past 100% of plan, budget buys strategy, not rNPV"
    strategy = [t for t in fig.data if t.yaxis == "y2"]
    assert len(strategy) == 1 and list(strategy[0].y) == [4.0, 5.0, 6.5]
    # rNPV that dips at 110 % and rises past 100 %'s again at 120 %: the title names the level, not "past 100 %".
    frame = _frontier(0.3, [2e6, 3e6, 2.6e6], [4.0, 5.0, 6.5])
    recovered = pd.concat([frame, frame.tail(1).assign(budget_pct=120.0, rnpv=3.2e6, from_pct=float("nan"))])
    recovered["rnpv_given_up"] = [float("nan"), float("nan"), 4e5, float("nan")]
    fig = charts.efficient_frontier(recovered, current, currency="USD", present=False)
    assert fig.layout.title.text == "At 110% of plan, budget buys strategy, not rNPV"
    # Every point's hover carries rNPV, strategic score and the objective together, never the objective alone.
    assert all("rNPV" in t.hovertemplate and "strategic score" in t.hovertemplate for t in [strategy[0], fig.data[1]])
    # Money only: one panel of rNPV, titled by what exactness beats the ranked list by.
    money_only = charts.efficient_frontier(
        _frontier(0.0, [2e6, 3e6, 3.5e6], [4.0, 5.0, 6.5]), current, currency="USD", present=False
    )
    assert {t.yaxis for t in money_only.data} == {None} and money_only.layout.title.text.startswith("Exact choice")


def test_health_quadrant_labels_a_readable_few():
    # A hundred points 0.006 apart in CPI, on the plot (0.6 to 1.2); SPI spread across it in steps of 0.06.
    many = pd.DataFrame(
        {
            "project_id": [f"P-{i:04d}" for i in range(100)],
            "name": "x",
            "cpi": [0.6 + i * 0.006 for i in range(100)],
            "spi": [0.6 + (i % 10) * 0.06 for i in range(100)],
            "health": "amber",
        }
    )

    def labels(frame, present):
        return [t for trace in charts.cpi_spi_quadrant(frame, present=present).data for t in trace.text if t]

    def furthest_twelve(frame):
        return set(frame.assign(behind=frame[["cpi", "spi"]].min(axis=1)).nsmallest(12, "behind")["project_id"])

    # Of the twelve furthest behind plan, those whose ids have room (the furthest always does).
    shown = labels(many, False)
    assert "P-0000" in shown and set(shown) <= furthest_twelve(many) and len(shown) >= 6, shown
    few = many.head(30)
    assert len(labels(few, False)) >= 20  # up to 40 points each may carry its id, where it has room
    # In a room the same thirty get only the twelve furthest behind plan labelled, at room type.
    room = labels(few, True)
    assert "P-0000" in room and set(room) <= furthest_twelve(few), room


def test_health_quadrant_draws_the_rules_bands_and_counts_who_is_behind():
    frame = pd.DataFrame(
        {
            "project_id": ["P-1", "P-2", "P-3", "P-4"],
            "name": ["on plan", "a hair late", "late", "over budget"],
            "cpi": [EVM_GREEN_AT, EVM_GREEN_AT, 1.0, EVM_AMBER_AT - 0.01],
            "spi": [EVM_GREEN_AT, EVM_GREEN_AT - 0.001, EVM_AMBER_AT, 1.0],
            "health": ["green", "amber", "amber", "red"],
        }
    )
    fig = charts.cpi_spi_quadrant(frame, present=False)
    # Exactly at the green threshold is on plan; a thousandth below it is behind.
    assert fig.layout.title.text == "Health: 3 of 4 tracked projects behind plan"
    green_box, red_left, red_bottom = (s for s in fig.layout.shapes if s.type == "rect")
    assert (green_box.x0, green_box.y0) == (EVM_GREEN_AT, EVM_GREEN_AT)
    assert red_left.x1 == EVM_AMBER_AT and red_bottom.y1 == EVM_AMBER_AT


def test_a_stored_health_unlike_its_evm_band_is_a_named_diamond_in_the_colour_the_tiles_count(demo_con):
    # The demo stores P-046 and P-053 as green while their snapshots put them in the red band (CPI 0.78, SPI 0.79):
    # they keep the colour every tile counts (stored overrides) and are marked, named and explained where they sit.
    table = portfolio.live(portfolio.project_table(demo_con, portfolio.PortfolioFilter()))
    fig = charts.cpi_spi_quadrant(table, present=False)
    marked = {
        project: (trace.name, said)
        for trace in fig.data
        if trace.customdata is not None
        for project, symbol, (_, _, said) in zip(trace.text, trace.marker.symbol, trace.customdata, strict=True)
        if symbol == "diamond"
    }
    assert marked == {
        "P-046": ("green", "green (stored; EVM says red)"),
        "P-053": ("green", "green (stored; EVM says red)"),
    }
    assert "stored health ≠ EVM (2)" in [trace.name for trace in fig.data]
    # The value map's hover says the same of them.
    value_map = charts.value_map(table, currency="USD", present=False, colour_by="health")
    hovers = {row[0]: row[3] for trace in value_map.data for row in trace.customdata}
    assert hovers["P-046"] == "green (stored; EVM says red)" and hovers["P-001"] == "green (EVM)"


def test_every_figure_the_app_draws_is_reachable_as_charts_name():
    root = Path(__file__).resolve().parents[2]
    # Pages and ui draw figures, and so do analytics functions that cache one for a page (portfolio, overview).
    sources = [p.read_text() for folder in ("pages", "ui", "analytics") for p in (root / folder).glob("*.py")]
    used = {name for text in sources for name in re.findall(r"\bcharts\.([A-Za-z_]\w*)", text)}
    assert {"value_map", "kpi_trend", "efficient_frontier", "scenario_values", "register_templates"} <= used
    assert sorted(name for name in used if not hasattr(charts, name)) == []


def test_value_map_legend_follows_the_pipeline_and_bubbles_shrink_in_a_crowd(demo_con):
    table = portfolio.project_table(demo_con, portfolio.PortfolioFilter())
    fig = charts.value_map(table, currency="USD", present=False)
    names = [trace.name for trace in fig.data]
    assert names == [s.replace("_", " ") for s in charts.STAGE_COLOURS if s in set(table["stage"])]
    biggest = max(max(trace.marker.size) for trace in fig.data)
    crowd = pd.concat([table] * 30, ignore_index=True)  # ~2,000 bubbles
    crowded = max(max(trace.marker.size) for trace in charts.value_map(crowd, currency="USD", present=False).data)
    assert crowded < biggest / 2


def test_value_map_outlines_the_selected_bubble_and_only_it(demo_con):
    table = portfolio.project_table(demo_con, portfolio.PortfolioFilter())
    chosen = table["project_id"].iloc[3]

    def outlines(fig) -> dict[str, tuple[float, str]]:
        found = {}
        for trace in fig.data:
            # A trace without the selected bubble gives one outline for all (a list per bubble costs a rerun).
            widths = trace.marker.line.width
            colours = trace.marker.line.color
            for i, row in enumerate(trace.customdata):
                width = widths[i] if isinstance(widths, tuple) else widths
                colour = colours[i] if isinstance(colours, tuple) else colours
                found[row[0]] = (width, colour)
        return found

    picked = outlines(charts.value_map(table, currency="USD", present=False, selected=chosen))
    assert picked.pop(chosen) == (3, "#000000")
    assert set(picked.values()) == {(0.5, "#FFFFFF")}
    assert set(outlines(charts.value_map(table, currency="USD", present=False)).values()) == {(0.5, "#FFFFFF")}


def test_value_map_puts_the_lower_of_two_close_labels_under_its_bubble():
    # Two top projects a hair apart (x 0.40, y $2.15M and $1.87M of a $0-8.6M range) would print their ids over
    # each other; a third far away keeps its id above.
    table = pd.DataFrame(
        {
            "project_id": ["P-A", "P-B", "P-C"],
            "name": ["a", "b", "c"],
            "strategic_score": [0.40, 0.40, 0.10],
            "rnpv": [2.15e6, 1.87e6, 8.6e6],
            "forward_cost": [1e6, 1e6, 1e6],
            "stage": ["active", "active", "proposed"],
            "health": ["green", "green", "green"],
        }
    )
    fig = charts.value_map(table, currency="USD", present=False)
    position = {label: place for trace in fig.data for label, place in zip(trace.text, trace.textposition, strict=True)}
    assert position == {"P-A": "top center", "P-B": "bottom center", "P-C": "top center"}
    # The title names the top project by the id its bubble carries, then its name (names repeat at scale).
    assert fig.layout.title.text == "Value against strategy: P-C c carries the most risk-adjusted value"


def test_forward_spend_stacks_committed_money_at_the_base(demo_con):
    frame = overview.forward_budget_by_program(demo_con)
    fig = charts.forward_budget_by_program(frame, currency="USD", present=False)
    assert [trace.name for trace in fig.data] == ["active", "approved", "on hold", "proposed"]
    committed = frame.loc[frame["stage"].isin(COMMITTED_STAGES), "forward_cost"].sum()
    assert fig.layout.title.text.endswith(f"{formatting.money(committed, 'USD')} committed")


def test_a_program_without_a_stage_still_stacks_its_other_stages():
    # Digital has active work and no proposed work: a NaN in the proposed trace stopped Plotly stacking that bar, and
    # its active spend vanished from the chart while the title counted it.
    frame = pd.DataFrame(
        {
            "program": ["Core", "Core", "Digital"],
            "stage": ["active", "proposed", "active"],
            "forward_cost": [100.0, 50.0, 267.0],
            "projects": [1, 1, 1],
        }
    )
    fig = charts.forward_budget_by_program(frame, currency="USD", present=False)
    by_stage = {trace.name: dict(zip(trace.y, trace.x, strict=True)) for trace in fig.data}
    assert by_stage["active"] == {"Digital": 267.0, "Core": 100.0}
    assert by_stage["proposed"] == {"Digital": 0.0, "Core": 50.0}
    assert all(x == x for trace in fig.data for x in trace.x)  # no NaN in any trace


def test_every_stage_and_health_level_has_its_colour():
    assert set(charts.STAGE_COLOURS) == set(STAGE_ORDER)
    assert set(charts.HEALTH_COLOURS) == {*HEALTH_ORDER, "unknown"}


def test_scenario_charts_read_in_money_and_put_each_budget_over_its_own_bar():
    summary = pd.DataFrame({"name": ["Plan", "Cut"], "rnpv": [3.0e7, 2.9e7], "strategic_score": [0.4, 0.45]})
    values = charts.scenario_values(summary, currency="USD", present=True)
    # The rNPV axis is money ("30M" had no $), the score's axis ticks 0, 0.2, … (not 0.149, 0.298, …).
    assert values.layout.yaxis.to_plotly_json() | money_axis("USD") == values.layout.yaxis.to_plotly_json()
    assert (values.layout.yaxis2.tickmode, values.layout.yaxis2.dtick) == ("linear", 0.2)
    budget = pd.DataFrame(
        {
            "scenario": ["Plan", "Plan", "Cut", "Cut"],
            "fiscal_year": [2027, 2028, 2027, 2028],
            "spend": [5.0, 4.0, 4.0, 3.0],
            "budget": [5.0, 4.5, 4.2, 3.5],
        }
    )
    fig = charts.scenario_budgets(budget, currency="USD", present=False)
    assert fig.layout.scattermode == "group"
    bars = {t.name: t.offsetgroup for t in fig.data if t.type == "bar"}
    marks = [t.offsetgroup for t in fig.data if t.type == "scatter"]
    assert sorted(marks) == sorted(bars.values()) and len(set(marks)) == 2
    assert [t.showlegend for t in fig.data if t.type == "scatter"] == [True, False]


def test_a_count_of_one_reads_in_the_singular_on_charts():
    curve = pd.DataFrame({"month_offset": [0, 1], "retention": [1.0, 0.4], "cohorts": [1, 1], "users": [50, 20]})
    assert charts.retention_curve(curve, present=False).layout.title.text == (
        "40% of users are still active after 1 month"
    )
    stages = pd.DataFrame(
        {"stage": ["active", "on_hold"], "forward_cost": [5e6, 1e6], "projects": [1, 2], "rnpv": [1, 2]}
    )
    assert list(charts.pipeline(stages, currency="USD", present=False).data[0].text) == ["1 project", "2 projects"]
