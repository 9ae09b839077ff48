from datetime import date

import streamlit as st

from analytics import charts, downloads, formatting, product, text
from ui import data, layout, nav, shell, state

shell.ensure_framed()

present = shell.presentation_mode()
settings = data.settings()
currency = settings.currency
as_of = settings.as_of
GRAINS = {"week": "Week", "month": "Month", "quarter": "Quarter"}
# The tables' columns: headers, and dates and numbers shown in their units (the cells keep their values).
COMMENT_COLUMNS = {
    "received_on": st.column_config.DateColumn("Received", format="D MMM YYYY"),
    "channel": "Channel",
    "theme": "Theme",
    "nps_score": st.column_config.NumberColumn("NPS score", format="%d"),
    "csat_score": st.column_config.NumberColumn("CSAT score", format="%d"),
    "comment": st.column_config.TextColumn("Comment", width="large"),
}
LATE_COLUMNS = {
    "feature_id": "Feature",
    "title": "Title",
    "theme": "Theme",
    "target_date": st.column_config.DateColumn("Target", format="D MMM YYYY"),
    "shipped_on": st.column_config.DateColumn("Shipped", format="D MMM YYYY"),
    "days_late": st.column_config.NumberColumn("Days late", format="%d"),
    "state": "State",
}
PROJECT_COLUMNS = {
    "project_id": "Project",
    "name": "Name",
    "program": "Program",
    "stage": "Stage",
    "health": "Health",
    "start_date": st.column_config.DateColumn("Start", format="MMM YYYY"),
    "end_date": st.column_config.DateColumn("End", format="MMM YYYY"),
    "budget": st.column_config.NumberColumn("Budget", format="compact"),
    "spent_to_date": st.column_config.NumberColumn("Spent to date", format="compact", help=product.SPENT_TO_DATE),
    "spent_basis": st.column_config.TextColumn(
        "Spent is", help="actual: the latest progress snapshot's actual cost; planned: no snapshot, so the plan to date"
    ),
    "snapshot_on": st.column_config.DateColumn("Snapshot", format="D MMM YYYY"),
    "planned_to_date": st.column_config.NumberColumn("Planned to date", format="compact"),
    "planned_forward": st.column_config.NumberColumn("Planned from now on", format="compact"),
    "features": st.column_config.NumberColumn("Features", format="%d"),
}
#: Rows of a ranking shown on a projector, at room size.
ROOM_ROWS = 5
#: A missing number in a table, as everywhere else (analytics.formatting): never Streamlit's "None".
MISSING = "–"
#: The key suffix of a KPI tile standing on too few answers to read (its number is drawn greyed).
TOO_FEW_SUFFIX = "_too_few"


def shown(metric: str, value: float | None) -> str:
    return product.metric_text(metric, value, currency)


# ---- Controls --------------------------------------------------------------------------------------------------
catalogue = data.query(product.products)
if catalogue.empty:
    layout.header("Product", "How is one product doing, and what should it build next?")
    layout.empty_state(
        "This store has no products yet.",
        "Import a products table (and its kpi_history, feedback and features) on the Data page, "
        "or build the demo store with `python -m analytics demo`.",
    )
    st.stop()

names = dict(zip(catalogue["product_id"], catalogue["name"], strict=True))
# The title names the chosen product, so it is drawn into this slot once the controls below have run.
heading = st.container()
# On a projector the view is set before the meeting: the controls fold away.
controls = st.expander("Change the view", icon=":material/tune:") if present else st.container(border=True)
with controls:
    pick, when, grain_col, compare_col = st.columns([2.2, 3.6, 1.9, 2.3], vertical_alignment="bottom")
    with pick:
        product_id = state.selectbox_with_url(
            "Product", list(names), "product", lambda p: names.get(p, p), default=catalogue["product_id"].iloc[0]
        )
    with when:
        window_code = state.choice_with_url("Window", product.WINDOWS, "window", "90d")
    with grain_col:
        grain = state.choice_with_url("Grain", GRAINS, "grain", "week")
    with compare_col:
        comparison = state.choice_with_url("Compare with", product.COMPARISONS, "compare", "previous")
    custom_start = custom_end = None
    if window_code == "custom":
        first_col, last_col, _ = st.columns([1, 1, 3])
        bounds = {"min_value": product.earliest_window_start(as_of), "max_value": as_of}
        with first_col:
            custom_start = state.date_with_url("From", "start", date(as_of.year, 1, 1), **bounds)
        with last_col:
            custom_end = state.date_with_url("To", "end", as_of, **bounds)
        if custom_start > custom_end:
            st.caption("The link's From date is after its To date: the window runs the other way round.")
if product_id is None:
    with heading:
        layout.header("Product", "How is one product doing, and what should it build next? Pick a product.")
    st.stop()
window = product.resolve_window(
    as_of, window_code, comparison, custom_start, custom_end, settings.fiscal_year_start_month
)
info = data.query(product.product_info, product_id)
launched = f"launched {info['launched_on']:%b %Y}" if info["launched_on"] else "launch date unknown"
with heading:
    layout.header(
        text.markdown(info["name"]),
        f"{text.markdown(info['segment'] or 'No segment')} · {info['lifecycle_stage']} · "
        f"owner {text.markdown(info['owner'] or 'unassigned')} · "
        f"{launched}. {window.start:%d %b %Y} – {window.end:%d %b %Y} ({window.days} days), changes "
        f"{window.comparison_label()} ({window.compare_start:%d %b %Y} – {window.compare_end:%d %b %Y}).",
    )

# ---- KPI tiles ---------------------------------------------------------------------------------------------------
summary = data.query(product.kpi_summary, product_id, window)
# Sparklines by week whatever the grain: enough points to show a shape inside a tile.
sparks = {} if present else data.query(product.kpi_sparklines, product_id, "week", window)
# Six tiles in one row, on a projector too: there they drop the sparkline, so the tiles stay one short row and each
# tab's key chart still fits the first 1080 pixels.
tile_columns = st.columns(len(summary))
for column, row in zip(tile_columns, summary.itertuples(index=False), strict=False):
    change = product.change_text(row.metric, row.change, row.relative_change, row.answers, row.previous_answers)
    # NPS and CSAT say how many answers they stand on; from too few, that is what the tile says instead of a change.
    sample = product.sample_text(row.metric, row.answers)
    too_few = sample is not None and not product.readable(row.answers)
    # Keyed so that a tile whose answers are too few greys its number (ui/shell.py's TILE_CSS): "+23" in full ink
    # beside "too few to read" still read as a score.
    with column, st.container(border=True, key=f"kpi_tile_{row.metric}{TOO_FEW_SUFFIX if too_few else ''}"):
        st.metric(
            text.markdown(row.label),
            shown(row.metric, row.current),
            delta=sample if too_few else change,
            delta_color="off" if too_few else product.tone(row.better, change),
            delta_arrow="off" if too_few else "auto",
            help=product.DEFINITIONS[row.metric],
            chart_data=None if present else sparks.get(row.metric) or None,
            chart_type="area",
        )
        # A projector tile is narrow at presentation type sizes: the gap alone there, the target value in the help.
        target = product.target_text(
            row.metric, row.current, row.target, row.vs_target, currency, name_target=not present
        )
        gap = product.target_gap_text(row.metric, row.current, row.target, row.vs_target)
        badges = f":{product.tone(row.on_target, gap)}-badge[:material/flag: {target}]"
        if sample and not too_few:
            badges += f" :gray-badge[:material/groups: {sample}]"
        st.markdown(badges)

sections = st.tabs(list(nav.PRODUCT_SECTIONS), key="section", bind="query-params")
# Every figure below is cached by the store version and the view it was drawn for (ui.data.figure).
view_key = (product_id, window, grain, present)
trends_tab, voice_tab, retention_tab, roadmap_tab, backlog_tab, investment_tab = sections

# ---- Trends ------------------------------------------------------------------------------------------------------
if trends_tab.open:
    with trends_tab:
        trends = data.query(product.kpi_trends, product_id, product.TREND_METRICS, grain, window)
        ships = data.query(product.shipped_features, product_id, window.start, window.end)
        definitions = data.query(product.metric_definitions)
        by_metric = summary.set_index("metric")
        grid = [layout.side_by_side([1, 1], present), layout.side_by_side([1, 1], present)]
        for slot, metric in zip([c for row in grid for c in row], product.TREND_METRICS, strict=True):
            rows = trends[trends["metric"] == metric]
            label, unit = definitions.loc[metric, "label"], definitions.loc[metric, "unit"]
            with slot:
                if rows["value"].isna().all():
                    layout.empty_state(
                        f"No {label.lower()} recorded in this window.",
                        "Import kpi_history rows for this product on the Data page.",
                    )
                    continue
                row = by_metric.loc[metric]
                change = product.change_text(metric, row["change"], row["relative_change"])
                title = f"{label}: {shown(metric, row['current'])}"
                if change:
                    title += f", {change} {window.comparison_label()}"
                if not formatting.is_missing(row["target"]):
                    title += f"; target {shown(metric, row['target'])}"
                layout.chart(
                    data.figure(
                        charts.kpi_trend,
                        (*view_key, metric),
                        rows,
                        ships,
                        label=label,
                        unit=unit,
                        currency=currency,
                        present=present,
                        comparison_label=window.comparison_label().removeprefix("vs "),
                        title=title,
                        grain=grain,
                    ),
                    key=f"trend_{metric}",
                )
        st.caption(
            f"Solid: this window by {grain}; dashed: {window.comparison_label().removeprefix('vs ')}, "
            "period by period; dotted: target; ▼ a feature shipped (hover for which). Hollow points are "
            "periods the window cuts."
        )
        st.download_button(
            "Download trends (CSV)",
            downloads.csv_bytes(trends),
            f"{product_id}-trends.csv",
            "text/csv",
            icon=":material/download:",
        )

# ---- Customer voice ----------------------------------------------------------------------------------------------
if voice_tab.open:
    with voice_tab:
        voice = data.query(product.voice_series, product_id, grain, window.start, window.end)
        if voice.empty:
            layout.empty_state(
                "No survey answers about this product in this window, so there is no NPS or CSAT to show.",
                "Widen the window, or import feedback (NPS and CSAT scores) on the Data page.",
            )
        else:
            by_metric = summary.set_index("metric")
            left, right = layout.side_by_side([1, 1], present)
            with left:
                nps_row = by_metric.loc["nps"]
                title = product.survey_title(
                    "nps", nps_row["current"], nps_row["answers"], currency, "who promotes, who detracts"
                )
                layout.chart(
                    data.figure(charts.nps_mix, view_key, voice, present=present, title=title, grain=grain),
                    key="nps_mix",
                )
            with right:
                csat_row = by_metric.loc["csat"]
                title = product.survey_title(
                    "csat", csat_row["current"], csat_row["answers"], currency, "share of answers scoring 4 or 5"
                )
                layout.chart(
                    data.figure(
                        charts.csat_trend,
                        view_key,
                        voice,
                        target=csat_row["target"],
                        present=present,
                        title=title,
                        grain=grain,
                    ),
                    key="csat_trend",
                )
            # Under the charts rather than over them: on a projector the first chart then fits the first screen.
            st.caption(f"By {grain}; every hover says how many answers a point stands on. {product.TOO_FEW_TEXT}")
            every_theme = data.query(product.feedback_themes, product_id, window.start, window.end)
            themes = product.top_themes(every_theme)
            left, right = layout.side_by_side([1, 1], present)
            with left:
                layout.chart(
                    data.figure(
                        charts.theme_ranking,
                        view_key,
                        themes,
                        column="answers",
                        present=present,
                        axis_title="Answers",
                        value_format=",.0f",
                        title=product.volume_title(every_theme),
                    ),
                    key="themes_volume",
                )
            with right:
                layout.chart(
                    data.figure(
                        charts.theme_ranking,
                        view_key,
                        themes,
                        column="mean_nps_score",
                        present=present,
                        axis_title="Average likelihood to recommend (0–10)",
                        value_format=".1f",
                        title=product.score_title(themes),
                    ),
                    key="themes_score",
                )
            comments = data.query(product.latest_comments, product_id, window.start, window.end, 25)
            st.markdown(f"**Latest comments** ({len(comments)} newest in the window, as customers wrote them)")
            # Customer text goes into a data grid, which shows it as plain text: never Markdown or HTML.
            layout.grid(comments, COMMENT_COLUMNS, placeholder=MISSING)

# ---- Retention ---------------------------------------------------------------------------------------------------
if retention_tab.open:
    with retention_tab:
        matrix = data.query(product.retention_matrix, product_id)
        curve = data.query(product.retention_curve, product_id)
        if curve.empty:
            layout.empty_state(
                "No retention cohorts for this product yet.",
                "Import retention_cohorts: cohort month, months since signup, size, retained.",
            )
        else:
            left, right = layout.side_by_side([3, 2], present)
            with left:
                layout.chart(
                    data.figure(charts.retention_heatmap, view_key, matrix, present=present), key="retention_heatmap"
                )
            with right:
                layout.chart(
                    data.figure(charts.retention_curve, view_key, curve, present=present), key="retention_curve"
                )
                st.caption(
                    product.DEFINITIONS["retention"] + " Averaging young cohorts in as zeros would make "
                    "retention look as if it were collapsing."
                )

# ---- Roadmap -----------------------------------------------------------------------------------------------------
if roadmap_tab.open:
    with roadmap_tab:
        plan = data.query(product.roadmap, product_id)
        if plan.empty:
            layout.empty_state(
                "No dated features for this product.",
                "Import features with a start and a target date on the Data page.",
            )
        else:
            layout.chart(
                data.figure(
                    charts.roadmap_timeline,
                    view_key,
                    plan,
                    as_of=as_of,
                    late=product.late_text(plan),
                    present=present,
                ),
                key="roadmap",
            )
            late = data.query(product.late_features, product_id)
            st.markdown(f"**Late against target: {len(late)}** (shipped late, or still open past the target date)")
            layout.grid(late.drop(columns=["status"]), LATE_COLUMNS, placeholder=MISSING)


# ---- Backlog -----------------------------------------------------------------------------------------------------
@st.fragment
def backlog_section() -> None:
    items = data.query(product.backlog, product_id)
    if items.empty:
        layout.empty_state(
            "Nothing open in this product's backlog.",
            "Import features with status idea, planned or in_progress on the Data page.",
        )
        return
    most, suggested = product.capacity_range(items)
    slider_col, score_col, _ = st.columns([3, 1.4, 2], vertical_alignment="bottom")
    with score_col:
        score = state.choice_with_url("Rank by", {"rice": "RICE", "wsjf": "WSJF"}, "rank_by", "rice")
    with slider_col:
        capacity = st.slider(
            "Capacity next quarter (person-months)",
            0.0,
            most,
            suggested,
            0.5,
            key="capacity_pm",
            bind="query-params",
            help="Person-months the product's teams can give the backlog next quarter. The items "
            "that fit are chosen exactly (0/1 knapsack, the portfolio optimiser), "
            "not by cutting the ranked list.",
        )
    # A knapsack over a few dozen items solves in milliseconds: no cache, the slider gets a fresh answer.
    plan = product.capacity_plan(items, capacity, score)
    # The backlog's figures follow the slider too: cached by the plan's own parameters.
    plan_key = (product_id, capacity, score, present)
    ranked = product.quadrants(plan.items, score)
    if present:
        # On a projector the answer is one line and the top of both rankings at room size (a plain table, in the
        # page's big type), so that the slider, the answer and the rankings fit one screen.
        st.markdown(
            f"**{plan.chosen_count} of {formatting.counted(len(ranked), 'item')} fit** {plan.chosen_effort:.1f} of "
            f"{plan.capacity:.1f} person-months · **{score.upper()} {plan.chosen_value:,.1f}**, {plan.gain:+,.1f} "
            f"against cutting the ranked list ({formatting.counted(plan.sorted_cut_count, 'item')}). "
            f"The top {ROOM_ROWS} of each ranking:"
        )
    else:
        a, b, c = st.columns(3)
        a.metric(
            "Chosen items",
            f"{plan.chosen_count} of {len(ranked)}",
            help="Items that together give the most total score within the capacity.",
            border=True,
            delta=f"{plan.chosen_effort:.1f} of {plan.capacity:.1f} person-months",
            delta_color="off",
            delta_arrow="off",
        )
        b.metric(
            f"Total {score.upper()} chosen",
            f"{plan.chosen_value:,.1f}",
            border=True,
            help=product.DEFINITIONS[score],
            delta=f"{plan.gain:+,.1f} vs cutting the ranked list",
            delta_color=product.GOOD if plan.gain > 0 else "off",
            delta_arrow="off",
        )
        c.metric(
            "Cutting the ranked list instead",
            formatting.counted(plan.sorted_cut_count, "item"),
            border=True,
            help="Walk the list in rank order and stop at the first item that no longer fits.",
            delta=f"{plan.sorted_cut_value:,.1f} {score.upper()} in {plan.sorted_cut_effort:.1f} person-months",
            delta_color="off",
            delta_arrow="off",
        )
    # The two rankings stay side by side even on a projector: comparing them row by row is the point.
    left, right = st.columns(2, gap="medium")
    table_columns = ["rank", "feature_id", "title", "score", "effort", "chosen"]
    for slot, name in ((left, "rice"), (right, "wsjf")):
        with slot:
            view = ranked.sort_values(f"{name}_rank").rename(columns={f"{name}_rank": "rank", name: "score"})
            if present:
                # The score's column names the ranking: no heading line, so the rankings fit the first screen.
                st.table(product.room_table(view, ROOM_ROWS, name.upper()), border="horizontal", hide_index=True)
                continue
            st.markdown(f"**{name.upper()} ranking** · {product.DEFINITIONS[name]}")
            st.dataframe(
                view[table_columns],
                hide_index=True,
                width="stretch",
                height=390,
                column_config={
                    "rank": st.column_config.NumberColumn("#", format="%d", width="small"),
                    "feature_id": "Feature",
                    "title": "Title",
                    "score": st.column_config.NumberColumn(name.upper(), format="%.1f"),
                    "effort": st.column_config.NumberColumn("Effort (pm)", format="%.1f"),
                    "chosen": st.column_config.CheckboxColumn("Fits", help="Chosen within the capacity"),
                },
            )
    left, right = layout.side_by_side([1, 1], present)
    with left:
        title = product.quadrant_title(ranked, plan.capacity)
        layout.chart(
            data.figure(charts.value_effort_quadrant, plan_key, ranked, score=score, present=present, title=title),
            key="value_effort",
        )
    with right:
        layout.chart(data.figure(charts.rank_slope, plan_key, ranked, present=present), key="rank_slope")
    st.download_button(
        "Download backlog (CSV)",
        downloads.csv_bytes(ranked),
        f"{product_id}-backlog.csv",
        "text/csv",
        icon=":material/download:",
    )


if backlog_tab.open:
    with backlog_tab:
        backlog_section()

# ---- Investment vs outcome ---------------------------------------------------------------------------------------
if investment_tab.open:
    with investment_tab:
        projects = data.query(product.investment, product_id)
        if projects.empty:
            layout.empty_state(
                "No portfolio project is attached to this product, so nothing is invested in it that the store knows.",
                "Set product_id on projects (Data page) to see what is spent on it against what it earns.",
            )
        else:
            flows = data.query(product.investment_vs_outcome, product_id, 23, 12)
            totals = product.investment_totals(projects, flows)
            spent = totals.spent
            # On a projector the chart, whose title states the same spent to date, comes first: it is the answer.
            tile_slot, chart_slot = (st.container(), st.container())
            if present:
                tile_slot, chart_slot = chart_slot, tile_slot
            with tile_slot:
                a, b, c, d = st.columns(4)
                a.metric(
                    spent.label(),
                    formatting.money(spent.total, currency),
                    border=True,
                    help=product.SPENT_TO_DATE,
                    delta=spent.split_text(currency),
                    delta_color="off",
                    delta_arrow="off",
                )
                b.metric(
                    "Planned from now on",
                    formatting.money(totals.planned_forward, currency),
                    border=True,
                    help="Planned cost dated on or after the valuation date, of the projects still live.",
                )
                c.metric(
                    f"Revenue, last {totals.months} months",
                    shown("revenue", totals.revenue),
                    border=True,
                    help="Sum of the product's daily revenue over the same months.",
                )
                d.metric(
                    "Active users now",
                    shown("active_users", totals.active_users),
                    border=True,
                    help="Active users on the last day with data.",
                )
            with chart_slot:
                layout.chart(
                    data.figure(
                        charts.investment_outcome,
                        view_key,
                        flows,
                        currency=currency,
                        present=present,
                        as_of=as_of,
                        title=product.investment_title(totals, currency),
                    ),
                    key="investment",
                )
            st.caption(
                "Bars are planned cost by month: actual cost is known only as each project's running total at its "
                "progress snapshots. " + product.SPENT_TO_DATE
            )
            st.markdown(f"**Projects attached to {text.markdown(info['name'])}**")
            layout.grid(projects, PROJECT_COLUMNS, column_order=list(PROJECT_COLUMNS), placeholder=MISSING)
            st.download_button(
                "Download projects (CSV)",
                downloads.csv_bytes(projects),
                f"{product_id}-projects.csv",
                "text/csv",
                icon=":material/download:",
            )
