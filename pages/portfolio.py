from functools import partial

import streamlit as st

from analytics import charts, downloads, formatting, headlines, portfolio, text
from ui import data, filters, layout, nav, shell, state

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
headline = partial(layout.portfolio_tile, figures=summary, currency=currency)
live_tile = headline("live_projects")
layout.tile_row(
    [
        # The same tiles, from the same function, as the overview's (labels and definitions: portfolio.LABELS).
        layout.Tile(live_tile.label, live_tile.value, f"{live_tile.help} By stage: {stages}."),
        headline("forward_budget"),
        headline("npv", rate=rate),
        headline("rnpv", rate=rate),
        headline("strategic_score"),
        headline("capacity_utilisation"),
        headline("red_projects"),
        headline("risk_exposure"),
    ],
    compact=True,
)

# The money and health table: its columns in order, their headers and hovers. NPV, IRR, ROI and payback stand side
# by side here, so all of them are forward (flows on or after the valuation date); lifetime figures are in the
# download and the project's detail, said so.
MONEY_COLUMNS = {
    "project_id": ("Project", None),
    "name": ("name", None),
    "program": ("program", None),
    "stage": ("stage", None),
    "health": ("health", portfolio.DEFINITIONS["health"]),
    "budget": ("budget", None),
    "eac": ("EAC", "Estimate at completion = budget / CPI."),
    "cpi": ("CPI", "EV / AC from the latest progress snapshot."),
    "spi": ("SPI", "EV / PV from the latest progress snapshot."),
    "npv": ("NPV, forward", portfolio.DEFINITIONS["npv"]),
    "rnpv": ("rNPV, forward", portfolio.DEFINITIONS["rnpv"]),
    "irr_forward": ("IRR, forward", portfolio.DEFINITIONS["irr_forward"]),
    "roi_forward": ("ROI, forward", portfolio.DEFINITIONS["roi_forward"]),
    "payback_months_forward": ("Payback, forward (months)", portfolio.DEFINITIONS["payback_months_forward"]),
    "profitability_index": ("PI, forward", portfolio.DEFINITIONS["profitability_index"]),
    "strategic_score": ("Strategic score", portfolio.DEFINITIONS["strategic_score"]),
}
# Rows a projects × objectives heatmap can show and still be read: at a desk, and on a projector at room type.
HEATMAP_PROJECTS = 60
HEATMAP_PROJECTS_PRESENT = 12  # rows of 30 px: the heatmap fits the first 1080 px under the tiles (ROOM_CHART_PX)
# Nodes a dependency graph can draw before it is a hairball.
GRAPH_PROJECTS = 150
# The tabs, bound to the URL as ?tab=<label>, so a link (the overview's tiles) opens the one it names.
value_tab, strategy_tab, capacity_tab, risk_tab, dependency_tab, money_tab = st.tabs(
    list(nav.PORTFOLIO_TABS), key="tab", bind="query-params"
)


def _forget_project() -> None:
    st.session_state["project"] = None
    st.query_params.pop("project", None)


@st.dialog("Project detail", width="large", on_dismiss=_forget_project)
def project_dialog(project_id: str) -> None:
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
    # Said as the quadrant and the table say it: where it comes from, and the EVM band a stored health overrides.
    health_basis = headlines.health_basis(project["health"], project["health_source"], project["evm_health"])

    def months(value) -> str:
        return "never" if formatting.is_missing(value) else f"{value:.0f} months"

    layout.tile_row(
        [
            layout.Tile("NPV, forward", money_text(project["npv"]), portfolio.DEFINITIONS["npv"]),
            layout.Tile("rNPV, forward", money_text(project["rnpv"]), portfolio.DEFINITIONS["rnpv"]),
            layout.Tile(
                "IRR, forward", formatting.rate_of_return(project["irr_forward"]), portfolio.DEFINITIONS["irr_forward"]
            ),
            layout.Tile(
                "ROI, forward", formatting.percent(project["roi_forward"]), portfolio.DEFINITIONS["roi_forward"]
            ),
            layout.Tile(
                "Payback, forward",
                months(project["payback_months_forward"]),
                portfolio.DEFINITIONS["payback_months_forward"],
            ),
            layout.Tile(
                "Health",
                health_label,
                portfolio.DEFINITIONS["health"],
                delta=(health_basis or None)
                if formatting.is_missing(project["cpi"])
                else f"{health_basis} · CPI {project['cpi']:.2f} · SPI {project['spi']:.2f}",
                delta_color="off",
                delta_arrow="off",
            ),
        ],
        per_row=6,
    )
    st.caption(
        f"Over its lifetime, sunk flows included: IRR {formatting.rate_of_return(project['irr'])}, ROI "
        f"{formatting.percent(project['roi'])}, payback {months(project['payback_months'])}."
    )
    left, right = st.columns(2)
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
        layout.table(detail["alignment"])
    with b:
        st.markdown("**Depends on**")
        layout.table(detail["upstream"][["project_id", "name", "stage", "distance"]])
    with c:
        st.markdown("**Depended on by** (hit if this slips)")
        layout.table(detail["downstream"][["project_id", "name", "stage", "distance"]])
    st.markdown("**Risks**")
    layout.table(
        detail["risks"][["risk_id", "title", "probability", "impact", "exposure", "status", "owner", "mitigation"]]
    )


if value_tab.open:
    with value_tab:
        labels = dict(zip(table["project_id"], table["project_id"] + " · " + table["name"], strict=True))
        # In front of a room the chart comes first, its controls under it (a pick opens in a dialog either way).
        if present:
            chart_area, controls = st.container(), st.container()
        else:
            controls, chart_area = st.container(), st.container()
        with controls:
            picker, colour = st.columns([3, 1])
        with colour:
            colour_by = st.segmented_control(
                "Colour by", ["stage", "health"], default="stage", key="colour", bind="query-params"
            )
        selected = st.session_state.get("project")
        with chart_area:
            event = layout.chart(
                # The figure from the table drawn above, cached by what the table was queried with.
                data.figure(
                    charts.value_map,
                    (flt, rate),
                    table,
                    currency=currency,
                    present=present,
                    colour_by=colour_by or "stage",
                    selected=selected,
                ),
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
        with picker:
            project_id = state.selectbox_with_url(
                "Project detail", list(labels), "project", labels.get, placeholder="Select a bubble, or pick a project"
            )
        if project_id:
            # A dialog over the chart: the detail opens where the room is looking, not a screen further down.
            project_dialog(project_id)

if strategy_tab.open:
    with strategy_tab:
        left, right = layout.side_by_side([3, 2], present)
        with left:
            rows = HEATMAP_PROJECTS_PRESENT if present else HEATMAP_PROJECTS
            matrix = data.query(portfolio.alignment_matrix, flt, rows)
            if matrix.empty or matrix.shape[1] == 0:
                layout.empty_state(
                    "No strategic objectives or alignment scores yet, so there is no fit to show.",
                    "Import objectives and each project's 0–5 scores (project_alignment) on the Data page.",
                )
            else:
                layout.chart(charts.alignment_heatmap(matrix, present=present), key="alignment")
                if summary["live_projects"] > len(matrix):
                    st.caption(
                        f"The {len(matrix)} live projects with the most forward cost, of {summary['live_projects']}: "
                        f"{'on a projector ' if present else ''}more rows would be too small to read. Filter by "
                        "program or product to see others."
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
                layout.table(
                    unaligned,
                    formats={"forward_cost": money_text, "rnpv": money_text},
                    labels={"project_id": "Project", "forward_cost": "forward cost", "rnpv": "rNPV, forward"},
                )

if capacity_tab.open:
    with capacity_tab:
        cells = data.query(portfolio.capacity_vs_demand, flt, 12)
        if not summary["capacity_recorded"]:
            layout.empty_state(
                "No team capacity recorded for the next 12 months, so demand has nothing to be measured against.",
                "Import teams and their monthly FTE (team_capacity), and the projects' demand (project_demand), "
                "on the Data page.",
            )
        else:
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
                fte = "{:.1f}".format
                layout.table(
                    causes.drop(columns=["team_id"]),
                    formats={"period": "{:%b %Y}".format, "capacity_fte": fte, "committed_fte": fte, "excess_fte": fte},
                    labels={
                        "period": "month",
                        "capacity_fte": "capacity (FTE)",
                        "committed_fte": "committed (FTE)",
                        "excess_fte": "over by (FTE)",
                    },
                )

if risk_tab.open:
    with risk_tab:
        risks = data.query(portfolio.risk_register, flt)
        if risks.empty:
            layout.empty_state(
                "No risks recorded for these projects, so there is no exposure to show (not zero: unknown).",
                "Import the risk register (risks) on the Data page.",
            )
        else:
            left, right = layout.side_by_side([2, 3], present)
            with left:
                layout.chart(
                    charts.risk_matrix_heatmap(data.query(portfolio.risk_matrix, flt), present=present),
                    key="risk_matrix",
                )
            with right:
                open_risks = portfolio.open_risks(risks)
                st.markdown(f"**Top risks by exposure** ({len(open_risks)} open or mitigating)")
                layout.table(
                    open_risks[
                        ["risk_id", "project", "title", "probability", "impact", "exposure", "status", "owner"]
                    ].head(15),
                    formats={"probability": "{:.0%}".format, "exposure": "{:.2f}".format},
                    labels={"risk_id": "Risk", "exposure": "exposure (points)"},
                )

if dependency_tab.open:
    with dependency_tab:
        nodes, edges = data.query(portfolio.dependency_graph, flt)
        if nodes.empty:
            layout.empty_state("No dependencies among these projects.", "Add rows to project_dependencies to see them.")
        else:
            node_labels = dict(zip(nodes["project_id"], nodes["project_id"] + " · " + nodes["name"], strict=True))
            # In front of a room the graph comes first and its picker under it, as on the value map.
            if present:
                graph_area, controls = st.container(), st.container()
            else:
                controls, graph_area = st.container(), st.container()
            with controls:
                slipping = state.selectbox_with_url(
                    "If this project slipped or were cancelled",
                    list(node_labels),
                    "slip",
                    node_labels.get,
                    placeholder="Pick one to see its reach",
                )
            hit = data.query(portfolio.downstream, slipping, rate) if slipping else None
            highlight = set(hit["project_id"]) | {slipping} if hit is not None else set()
            with graph_area:
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
                            f"{len(nodes):,} projects depend on one another, too many to draw at once. Pick a project "
                            f"{'below' if present else 'above'} to see its chain, or narrow the filters.",
                            icon=":material/account_tree:",
                        )
                else:
                    layout.chart(
                        charts.dependency_network(nodes, edges, present=present, highlight=highlight),
                        key="dependencies",
                    )
            if hit is not None:
                st.markdown(
                    f"**{len(hit)} projects would be hit**, carrying "
                    f"{formatting.money(portfolio.value_at_stake(hit), currency)} of forward rNPV"
                )
                layout.table(
                    hit, formats={"rnpv": money_text}, labels={"project_id": "Project", "rnpv": "rNPV, forward"}
                )

if money_tab.open:
    with money_tab:
        left, right = layout.side_by_side([1, 1], present)
        with left:
            live = portfolio.live(table)
            if live[["cpi", "spi"]].dropna().empty:
                # No snapshot, no point: an empty quadrant titled "0 of 0 tracked projects" claims a measurement.
                layout.empty_state(
                    "No live project has a progress snapshot yet, so there is no earned value (CPI, SPI) to chart.",
                    "Import project_progress (percent complete, PV, EV and AC by date) on the Data page.",
                )
            else:
                layout.chart(charts.cpi_spi_quadrant(live, present=present), key="quadrant")
                st.caption(
                    "Position is EVM from the latest snapshot; colour is the health every tile, filter and table "
                    f"counts: {portfolio.DEFINITIONS['health']} A diamond (◆) is a stored health unlike its EVM "
                    "band."
                )
        with right:
            layout.chart(
                charts.pipeline(data.query(portfolio.pipeline_by_stage, flt, rate), currency=currency, present=present),
                key="pipeline",
            )
        layout.chart(
            charts.portfolio_cash_flow(
                data.query(portfolio.cumulative_cash_flow, flt),
                currency=currency,
                present=present,
                as_of=settings.as_of,
            ),
            key="cash_flow",
        )
        # Health with where it comes from, as the quadrant's hover says it ("green (stored; EVM says red)").
        money = table[list(MONEY_COLUMNS)].assign(
            health=[
                headlines.health_words(*row)
                for row in zip(table["health"], table["health_source"], table["evm_health"], strict=True)
            ]
        )
        st.markdown(
            f"**Projects: money and health** at a {formatting.percent(rate)} discount rate; NPV, IRR, ROI, payback "
            "and PI all forward: flows on or after the valuation date, sunk cost left out"
        )
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
                "irr_forward": formatting.rate_of_return,
                "roi_forward": formatting.percent,
                "payback_months_forward": "{:.0f}".format,
            },
            labels={column: header for column, (header, _) in MONEY_COLUMNS.items()},
            helps={column: hover for column, (_, hover) in MONEY_COLUMNS.items() if hover},
        )
        export = portfolio.money_export(table)
        csv_col, xlsx_col, _ = st.columns([1, 1, 4])
        csv_col.download_button(
            "Download CSV", downloads.csv_bytes(export), "portfolio.csv", "text/csv", icon=":material/download:"
        )
        xlsx_col.download_button(
            "Download Excel",
            downloads.excel_bytes({"projects": export}),
            "portfolio.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:",
        )
