"""The review pack's slides about the room's choices: scenarios and the latest decision.

One scenario (selection, frontier, budget, Monte Carlo), several side by side, and the latest decision against
the store as it is now.
"""

from __future__ import annotations

import pandas as pd

from analytics import charts, formatting, optimize, scenarios, simulate
from analytics.review.pack import (
    FRONTIER_LEVEL_LIMIT_S,
    MC_SEED,
    MC_TRIALS,
    TABLE_ROWS,
    Pack,
    ScenarioView,
    cut,
    money,
    settings_rows,
    table_of,
)
from analytics.review.slides import Chart, Row, Slide, Table, Text, Tile, Tiles
from analytics.rules import stage_label


def _status_sentence(view: ScenarioView) -> str:
    selection = view.selection
    if selection.status == optimize.STATUS_INFEASIBLE:
        return "No portfolio meets these settings: " + (optimize.conflict_sentence(selection.conflict) or "")
    if selection.proven:
        return f"Proven optimal: no selection of the {view.what_if.model.n} candidates is worth more at these settings."
    return f"Best found within {selection.gap:.1%} of the optimum ({selection.status.replace('_', ' ')})."


# --- One scenario -------------------------------------------------------------------------------------------


def _scenario_title(view: ScenarioView, what: str) -> str:
    return f"{view.spec.name}: {what}"


def selection_slide(pack: Pack, view: ScenarioView) -> list[Slide]:
    """Slide: the scenario's settings, its headline numbers against the plan and what changes."""
    chosen = view.selection.chosen
    settings_table = Table(("Lever", "Setting"), settings_rows(view.spec.params, view, pack.settings), (False, False))
    if view.what_if.model.n == 0:
        # The what-if page's own empty state, in its words.
        nothing = Text(
            (
                "There are no candidate projects (stage proposed, approved or active) to choose from.",
                "Import projects with their cash flows on the Data page.",
            )
        )
        return [Slide(title=_scenario_title(view, "settings and selection"), rows=(Row((settings_table, nothing)),))]
    if not view.selection.feasible:
        return [
            Slide(
                title=_scenario_title(view, "settings and selection"),
                subtitle=_status_sentence(view),
                rows=(Row((settings_table,)),),
            )
        ]
    summary = optimize.selection_summary(view.what_if, chosen)
    tiles = Tiles(
        (
            Tile(
                "rNPV", money(pack, summary["rnpv"]), f"{money(pack, summary['rnpv'] - summary['plan_rnpv'])} vs plan"
            ),
            Tile(
                "Strategic score",
                f"{summary['strategic_score']:.2f}",
                f"{summary['strategic_score'] - summary['plan_strategic_score']:+.2f} vs plan",
            ),
            Tile("Projects", f"{summary['projects']}", f"+{summary['added']} / −{summary['dropped']} vs plan"),
            Tile(
                "Budget used",
                formatting.percent(summary["budget_use"], 0),
                f"{money(pack, summary['spend'])} of {money(pack, summary['budget'])}",
            ),
            Tile(
                "Portfolio value", f"{summary['value']:.2f}", f"{summary['value'] - summary['plan_value']:+.2f} vs plan"
            ),
        )
    )
    table = optimize.selection_table(view.what_if, chosen)
    changed = table[table["change"] != ""].sort_values(["change", "rnpv"], ascending=[True, False])
    changed = changed.assign(change=changed["change"].map({"added": "in", "dropped": "out"}))
    # Both directions shown when the table cannot hold every change: the most valuable ins, then the outs.
    room = TABLE_ROWS - 2
    outs = changed[changed["change"] == "out"].head(room // 2)
    shown = pd.concat([changed[changed["change"] == "in"].head(room - len(outs)), outs])
    changes = table_of(
        shown,
        {
            "change": ("", None),
            "project_id": ("Project", None),
            "name": ("", None),
            "rnpv": ("rNPV", lambda v: money(pack, v)),
        },
        widths=(0.5, 0.95, 2.8, 1.0),
        caption=f"Against the plan: {summary['added']} in, {summary['dropped']} out"
        + (f" ({len(shown)} shown)" if len(changed) > len(shown) else ""),
    )
    if changed.empty:
        changes = Text(("Nothing changes: the plan is already the best selection for these settings.",))
    return [
        Slide(
            title=_scenario_title(view, "the selection against the plan"),
            subtitle=_status_sentence(view),
            rows=(Row((tiles,)), Row((settings_table, changes), widths=(1.0, 1.25))),
        )
    ]


def frontier_slide(pack: Pack, view: ScenarioView) -> list[Slide]:
    """Slide: the efficient frontier at the scenario's settings (every budget level), its own budget marked."""
    if not view.chooses:
        return []
    at_plan = optimize.apply_what_if(
        view.what_if.model,
        optimize.WhatIf.from_dict({**view.spec.params.to_dict(), "budget_pct": 100.0, "budget_by_year": None}),
    )
    frontier = optimize.efficient_frontier(at_plan, time_limit=FRONTIER_LEVEL_LIMIT_S)
    summary = optimize.selection_summary(view.what_if, view.selection.chosen)
    figure = charts.efficient_frontier(
        frontier, {"budget": summary["budget"], "rnpv": summary["rnpv"]}, currency=pack.currency, present=True
    )
    return [
        Slide(
            title=_scenario_title(view, "the efficient frontier"),
            subtitle="The best portfolio (blended objective) at each budget level, its rNPV and strategic score drawn",
            rows=(Row((Chart(figure),)),),
        )
    ]


def budget_slide(pack: Pack, view: ScenarioView) -> list[Slide]:
    """Slide: budget by fiscal year, the chart and its numbers as a table."""
    if not view.chooses:
        return []
    use = optimize.budget_use(view.what_if, view.selection.chosen)
    figure = charts.budget_by_year(use, currency=pack.currency, present=True)
    table = table_of(
        use,
        {
            "fiscal_year": ("Fiscal year", lambda v: f"FY{int(v)}", False),
            "budget": ("Budget", lambda v: money(pack, v)),
            "spend": ("Selection", lambda v: money(pack, v)),
            "plan_spend": ("Plan", lambda v: money(pack, v)),
            "utilisation": ("Used", lambda v: formatting.percent(v, 0)),
        },
        widths=(1.3, 1.0, 1.1, 1.0, 0.8),
        caption="Forward spend by fiscal year, with any cost overrun",
    )
    return [
        Slide(title=_scenario_title(view, "budget by year"), rows=(Row((Chart(figure), table), widths=(1.6, 1.0)),))
    ]


def monte_carlo_slide(pack: Pack, view: ScenarioView) -> list[Slide]:
    """Slide: the Monte Carlo of the selection's NPV: the page's tiles and histogram (10,000 trials, seed 7)."""
    if not view.chooses:
        return []
    result = simulate.simulate_selection(view.what_if, view.selection.chosen, trials=MC_TRIALS, seed=MC_SEED)
    tiles = Tiles(
        (
            Tile("P10", money(pack, result.p10), "nine trials in ten end above"),
            Tile("P50", money(pack, result.p50), "the median simulated NPV"),
            Tile("P90", money(pack, result.p90), "one trial in ten ends above"),
            Tile("Chance of a loss", formatting.percent(result.prob_negative, 0), f"of {MC_TRIALS:,} trials"),
        )
    )
    figure = charts.npv_distribution(result, currency=pack.currency, present=True)
    return [
        Slide(
            title=_scenario_title(view, "how sure is the value? (Monte Carlo)"),
            subtitle="Each project succeeds with its probability; costs and benefits vary ±15 % and ±30 %",
            rows=(Row((tiles,)), Row((Chart(figure),))),
        )
    ]


# --- Several scenarios side by side ---------------------------------------------------------------------------


def comparison_slides(pack: Pack) -> list[Slide]:
    """Slides: two to four saved scenarios side by side (``scenarios.compare``): the table, then values and budgets."""
    ids = [view.spec.scenario_id for view in pack.scenarios]
    comparison = scenarios.compare(pack.con, pack.model, ids)
    summary = comparison["summary"]
    table = table_of(
        summary,
        {
            "name": ("Scenario", None),
            "rnpv": ("rNPV", lambda v: money(pack, v)),
            "strategic_score": ("Strategic", lambda v: f"{v:.2f}"),
            "projects": ("Projects", lambda v: f"{v:.0f}"),
            "spend": ("Spend", lambda v: money(pack, v)),
            "budget_use": ("Budget used", lambda v: formatting.percent(v, 0)),
            "peak_capacity_use": ("Peak team load", lambda v: formatting.percent(v, 0)),
            "added": ("Added", lambda v: f"{v:.0f}"),
            "dropped": ("Dropped", lambda v: f"{v:.0f}"),
        },
        widths=(3.0, 1.1, 1.0, 1.0, 1.1, 1.2, 1.4, 0.9, 0.9),
        caption="Each valued under its own settings on today's store, with the selection it saved",
    )
    settings = Table(
        ("Scenario", "Settings"),
        tuple((cut(view.spec.name), view.short) for view in pack.scenarios),
        (False, False),
        widths=(1.0, 2.6),
    )
    values = charts.scenario_values(summary, currency=pack.currency, present=True)
    budgets = charts.scenario_budgets(comparison["budget"], currency=pack.currency, present=True)
    return [
        Slide(title="Scenarios side by side", rows=(Row((table,)), Row((settings,)))),
        Slide(title="Scenarios side by side: value and budget", rows=(Row((Chart(values), Chart(budgets))),)),
    ]


# --- After the last meeting -----------------------------------------------------------------------------------


def decision_slide(pack: Pack) -> list[Slide]:
    """Slide: the latest decision against the store as it is now (``scenarios.decision_vs_now``); none without one."""
    decision = scenarios.latest_decision(pack.con)
    if decision is None:
        return []
    check = scenarios.decision_vs_now(pack.con, decision.decision_id, pack.model)
    said = scenarios.decision_sentences(check, pack.currency)
    blocks: list = [Text(tuple(said), lead=check.nothing_changed)]
    if len(check.projects):
        columns = {
            "project_id": ("Project", None),
            "name": ("Name", None),
            "finding": ("Since the decision", None),
            "stage_now": ("Stage now", stage_label),
        }
        widths = (0.9, 2.4, 2.6, 1.1)
        shown = check.projects.head(TABLE_ROWS)
        if check.start_moved:
            # The months of a start finding, "2027-04 → 2027-07"; blank for the other findings.
            moved = shown["finding"] == scenarios.FINDINGS["start_moved"]
            start = shown["start_decided"].astype(str) + " → " + shown["start_now"].fillna("none").astype(str)
            shown = shown.assign(start=start.where(moved, ""))
            columns["start"] = ("Start decided → now", None)
            widths = (0.9, 2.0, 2.4, 1.0, 1.5)
        blocks.append(
            table_of(
                shown,
                columns,
                widths=widths,
                caption=f"{len(check.projects)} project finding{'' if len(check.projects) == 1 else 's'}",
            )
        )
    name = decision.name or "a scenario no longer saved"
    return [
        Slide(
            title=f"Since the last decision: {cut(name, 60)}",
            subtitle=f"Decided {decision.decided_at:%d %b %Y} by {cut(decision.decided_by, 60)}",
            rows=(Row(tuple(blocks), widths=(1.2, 1.6) if len(blocks) == 2 else None),),
        )
    ]
