from functools import partial

import streamlit as st

from analytics import charts, downloads, formatting, portfolio, text
from ui import data, filters, layout, shell, state

shell.ensure_framed()

present = shell.presentation_mode()
settings = data.settings()
currency = settings.currency
money_text = partial(formatting.money, currency=currency)

layout.header(
    "Portfolio",
    "Is the collection of projects the right one, and is it on track? Filter, then follow a project to its detail.",
)
flt, rate = filters.portfolio_filters()
table = data.query(portfolio.project_table, flt, rate)
if table.empty:
    layout.empty_state("No project matches these filters.", "Clear a filter, or import projects on the Data page.")
    st.stop()

summary = data.query(portfolio.summary, flt, rate)
stages = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in summary["projects_by_stage"].items() if n)
layout.tile_row(
    [
        layout.Tile(
            "Live projects",
            formatting.count(summary["live_projects"]),
            f"Proposed, approved, active and on hold. By stage: {stages}.",
        ),
        layout.Tile(
            "Forward budget",
            formatting.money(summary["forward_budget"], currency),
            portfolio.DEFINITIONS["forward_budget"],
        ),
        layout.Tile(
            "NPV",
            formatting.money(summary["npv"], currency),
            portfolio.DEFINITIONS["npv"],
            delta=f"at {formatting.percent(rate)}",
            delta_color="off",
            delta_arrow="off",
        ),
        layout.Tile("rNPV", formatting.money(summary["rnpv"], currency), portfolio.DEFINITIONS["rnpv"]),
        layout.Tile("Strategic score", f"{summary['strategic_score']:.2f}", portfolio.DEFINITIONS["strategic_score"]),
        layout.Tile(
            "Capacity used",
            formatting.percent(summary["capacity_utilisation"], 0),
            portfolio.DEFINITIONS["capacity_utilisation"],
        ),
        layout.Tile(
            "Projects in red", formatting.count(summary["red_projects"]), portfolio.DEFINITIONS["red_projects"]
        ),
        layout.Tile("Open risk exposure", f"{summary['risk_exposure']:,.1f}", portfolio.DEFINITIONS["risk_exposure"]),
    ]
)

# The money and health table: its columns in order, and the headers that are not the column's own name.
MONEY_COLUMNS = [
    "project_id",
    "name",
    "program",
    "stage",
    "health",
    "budget",
    "eac",
    "cpi",
    "spi",
    "npv",
    "rnpv",
    "irr",
    "roi",
    "payback_months",
    "profitability_index",
    "strategic_score",
]
MONEY_LABELS = {
    "project_id": "Project",
    "eac": "EAC",
    "cpi": "CPI",
    "spi": "SPI",
    "npv": "NPV",
    "rnpv": "rNPV",
    "irr": "IRR",
    "roi": "ROI",
    "payback_months": "Payback (months)",
    "profitability_index": "PI",
    "strategic_score": "Strategic",
}
# Rows a projects × objectives heatmap can show and still be read; nodes a dependency graph can.
HEATMAP_PROJECTS = 60
GRAPH_PROJECTS = 150

value_tab, strategy_tab, capacity_tab, risk_tab, dependency_tab, money_tab = st.tabs(
    ["Value map", "Strategy", "Capacity", "Risk", "Dependencies", "Health and money"]
)

with value_tab:
    labels = dict(zip(table["project_id"], table["project_id"] + " · " + table["name"], strict=True))
    colour_by = st.segmented_control(
        "Colour by", ["stage", "health"], default="stage", key="colour", bind="query-params"
    )
    selected = st.session_state.get("project")
    event = layout.chart(
        charts.value_map(table, currency=currency, present=present, colour_by=colour_by or "stage", selected=selected),
        key="value_map",
        on_select="rerun",
        selection_mode="points",
    )
    points = event.selection.points if event else []
    clicked = points[0]["customdata"][0] if points else None
    # A bubble picked on the chart drives the project picker, once per new pick, so the picker still works after.
    if clicked and clicked != st.session_state.get("_last_clicked"):
        st.session_state["_last_clicked"] = clicked
        st.session_state["project"] = clicked
    project_id = state.selectbox_with_url(
        "Project detail", list(labels), "project", labels.get, placeholder="Select a bubble, or pick a project"
    )
    if project_id:
        detail = data.query(portfolio.project_detail, project_id, rate)
        project = detail["project"]
        st.subheader(text.markdown(f"{project_id} · {project['name']}"), anchor=False)
        st.caption(
            text.markdown(
                f"{project['program']} · {project['stage'].replace('_', ' ')} · sponsor {project['sponsor']} · "
                f"manager {project['manager']} · {project['start_date']:%b %Y} to {project['end_date']:%b %Y}"
            )
        )
        health_label = "Not tracked" if formatting.is_missing(project["health"]) else project["health"].title()
        layout.tile_row(
            [
                layout.Tile("NPV", formatting.money(project["npv"], currency), portfolio.DEFINITIONS["npv"]),
                layout.Tile("rNPV", formatting.money(project["rnpv"], currency), portfolio.DEFINITIONS["rnpv"]),
                layout.Tile("IRR", formatting.percent(project["irr"]), portfolio.DEFINITIONS["irr"]),
                layout.Tile(
                    "Payback",
                    "never"
                    if formatting.is_missing(project["payback_months"])
                    else f"{project['payback_months']:.0f} months",
                    portfolio.DEFINITIONS["payback_months"],
                ),
                layout.Tile(
                    "Health",
                    health_label,
                    portfolio.DEFINITIONS["health"],
                    delta=None
                    if formatting.is_missing(project["cpi"])
                    else f"CPI {project['cpi']:.2f} · SPI {project['spi']:.2f}",
                    delta_color="off",
                    delta_arrow="off",
                ),
            ]
        )
        left, right = layout.side_by_side([1, 1], present)
        with left:
            if detail["cashflows"].empty:
                layout.empty_state(
                    "No cash flows planned for this project yet.",
                    "Import its monthly cost and benefit (project_cashflows) on the Data page.",
                )
            else:
                layout.chart(
                    charts.project_cashflow(
                        detail["cashflows"],
                        currency=currency,
                        present=present,
                        as_of=settings.as_of,
                        title="Planned cash flow and cumulative net",
                    ),
                    key="detail_cashflow",
                )
        with right:
            if detail["evm"].empty:
                layout.empty_state("No progress snapshots yet.", "They start when the project does.")
            else:
                evm_figure = charts.evm_s_curve(
                    detail["evm"], currency=currency, present=present, title="Earned value against plan and cost"
                )
                layout.chart(evm_figure, key="detail_evm")
        a, b, c = st.columns(3)
        with a:
            st.markdown("**Alignment**")
            st.dataframe(
                detail["alignment"],
                hide_index=True,
                width="stretch",
                column_config={
                    "score": st.column_config.ProgressColumn("score", min_value=0, max_value=5, format="%d")
                },
            )
        with b:
            st.markdown("**Depends on**")
            st.dataframe(
                detail["upstream"][["project_id", "name", "stage", "distance"]], hide_index=True, width="stretch"
            )
        with c:
            st.markdown("**Depended on by** (hit if this slips)")
            st.dataframe(
                detail["downstream"][["project_id", "name", "stage", "distance"]], hide_index=True, width="stretch"
            )
        st.markdown("**Risks**")
        st.dataframe(
            detail["risks"][["risk_id", "title", "probability", "impact", "exposure", "status", "owner", "mitigation"]],
            hide_index=True,
            width="stretch",
        )

with strategy_tab:
    left, right = layout.side_by_side([3, 2], present)
    with left:
        matrix = data.query(portfolio.alignment_matrix, flt, HEATMAP_PROJECTS)
        layout.chart(charts.alignment_heatmap(matrix, present=present), key="alignment")
        if summary["live_projects"] > len(matrix):
            st.caption(
                f"The {len(matrix)} live projects with the most forward cost, of {summary['live_projects']}; "
                "filter by program or product to see others."
            )
    with right:
        layout.chart(
            charts.investment_bars(
                data.query(portfolio.investment_by_objective, flt),
                "objective",
                currency=currency,
                present=present,
                title="Forward cost by objective (shared by weight × score)",
            ),
            key="by_objective",
        )
        layout.chart(
            charts.investment_bars(
                data.query(portfolio.investment_by_product, flt),
                "product",
                currency=currency,
                present=present,
                title="Forward cost by product",
            ),
            key="by_product",
        )
        unaligned = data.query(portfolio.unaligned_projects, flt)
        st.markdown(f"**Live projects that serve no objective: {len(unaligned)}**")
        if len(unaligned):
            st.dataframe(unaligned, hide_index=True, width="stretch")

with capacity_tab:
    cells = data.query(portfolio.capacity_vs_demand, flt, 12)
    layout.chart(charts.capacity_heatmap(cells, present=present), key="capacity")
    teams = list(dict.fromkeys(cells["team"]))
    busiest = portfolio.busiest_team(cells)
    team = st.selectbox(
        "Team", teams, index=teams.index(busiest) if busiest in teams else 0, key="team", bind="query-params"
    )
    if team:
        layout.chart(charts.team_load(cells, team, present=present), key="team_load")
    causes = data.query(portfolio.overbooking_causes, flt, 12)
    st.markdown(f"**Over-booked team-months: {len(causes)}**, with the projects that ask most of the team")
    if len(causes):
        st.dataframe(
            causes.drop(columns=["team_id"]),
            hide_index=True,
            width="stretch",
            column_config={"period": st.column_config.DateColumn("month", format="MMM YYYY")},
        )

with risk_tab:
    left, right = layout.side_by_side([2, 3], present)
    with left:
        layout.chart(
            charts.risk_matrix_heatmap(data.query(portfolio.risk_matrix, flt), present=present), key="risk_matrix"
        )
    with right:
        risks = data.query(portfolio.risk_register, flt)
        open_risks = portfolio.open_risks(risks)
        st.markdown(f"**Top risks by exposure** ({len(open_risks)} open or mitigating)")
        st.dataframe(
            open_risks[["risk_id", "project", "title", "probability", "impact", "exposure", "status", "owner"]].head(
                15
            ),
            hide_index=True,
            width="stretch",
        )

with dependency_tab:
    nodes, edges = data.query(portfolio.dependency_graph, flt)
    if nodes.empty:
        layout.empty_state("No dependencies among these projects.", "Add rows to project_dependencies to see them.")
    else:
        node_labels = dict(zip(nodes["project_id"], nodes["project_id"] + " · " + nodes["name"], strict=True))
        slipping = state.selectbox_with_url(
            "If this project slipped or were cancelled",
            list(node_labels),
            "slip",
            node_labels.get,
            placeholder="Pick one to see its reach",
        )
        hit = data.query(portfolio.downstream, slipping, rate) if slipping else None
        highlight = set(hit["project_id"]) | {slipping} if hit is not None else set()
        if len(nodes) > GRAPH_PROJECTS:
            # Past a hundred or so nodes a drawn graph is a hairball: draw the chosen project's chain instead.
            if slipping:
                chain_nodes, chain_edges = data.query(portfolio.dependency_graph, flt, slipping)
                layout.chart(
                    charts.dependency_network(chain_nodes, chain_edges, present=present, highlight=highlight),
                    key="dependencies",
                )
            else:
                st.info(
                    f"{len(nodes)} projects depend on one another, too many to draw at once. Pick a project "
                    "above to see its chain, or narrow the filters.",
                    icon=":material/account_tree:",
                )
        else:
            layout.chart(
                charts.dependency_network(nodes, edges, present=present, highlight=highlight), key="dependencies"
            )
        if hit is not None:
            st.markdown(
                f"**{len(hit)} projects would be hit**, carrying "
                f"{formatting.money(portfolio.value_at_stake(hit), currency)} of rNPV"
            )
            layout.table(hit, formats={"rnpv": money_text}, labels={"project_id": "Project", "rnpv": "rNPV"})

with money_tab:
    left, right = layout.side_by_side([1, 1], present)
    with left:
        layout.chart(charts.cpi_spi_quadrant(portfolio.live(table), present=present), key="quadrant")
    with right:
        layout.chart(
            charts.pipeline(data.query(portfolio.pipeline_by_stage, flt, rate), currency=currency, present=present),
            key="pipeline",
        )
    layout.chart(
        charts.portfolio_cash_flow(
            data.query(portfolio.cumulative_cash_flow, flt), currency=currency, present=present, as_of=settings.as_of
        ),
        key="cash_flow",
    )
    money = table[MONEY_COLUMNS]
    st.markdown(f"**Projects: money and health** at a {formatting.percent(rate)} discount rate")
    ratio_text = "{:.2f}".format
    layout.table(
        money,
        formats={
            "budget": money_text,
            "eac": money_text,
            "npv": money_text,
            "rnpv": money_text,
            "cpi": ratio_text,
            "spi": ratio_text,
            "profitability_index": ratio_text,
            "strategic_score": ratio_text,
            "irr": formatting.percent,
            "roi": formatting.percent,
            "payback_months": "{:.0f}".format,
        },
        labels=MONEY_LABELS,
    )
    csv_col, xlsx_col, _ = st.columns([1, 1, 4])
    csv_col.download_button(
        "Download CSV", downloads.csv_bytes(money), "portfolio.csv", "text/csv", icon=":material/download:"
    )
    xlsx_col.download_button(
        "Download Excel",
        downloads.excel_bytes({"projects": money}),
        "portfolio.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )
