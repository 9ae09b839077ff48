import numpy as np
import streamlit as st

from analytics import charts, finance, formatting, optimize, scenarios, text
from ui import auth, data, layout, nav, review, shell, shifts, state, weights, whatif

shell.ensure_framed()

present = shell.presentation_mode()
settings = data.settings()
currency = settings.currency
money = formatting.money

layout.header(
    "What-if",
    "Move a lever and the portfolio is re-optimised exactly: the best selection for those settings, what changed "
    "against the plan, and what each constraint costs. At the plan's own settings the answer is the plan.",
)
#: Height of the lever panel: it scrolls on its own, so the headline stays in view while a lever moves.
LEVER_PANEL_PX = 640 if present else 720
model = whatif.model()
if model.n == 0:
    layout.empty_state(
        "There are no candidate projects (stage proposed, approved or active) to choose from.",
        "Import projects with their cash flows on the Data page, or rebuild the demo store there.",
    )
    st.stop()
labels = {str(p): f"{p} · {n}" for p, n in zip(model.project_ids, model.names, strict=True)}


#: How the page shows each kind of ``optimize.answer_status``: the box and its icon (the words live in report).
STATUS_BOXES = {
    optimize.ANSWER_INFEASIBLE: (st.error, ":material/block:"),
    optimize.ANSWER_PROVING: (st.info, ":material/hourglass_top:"),
    optimize.ANSWER_FIXED: (st.info, ":material/lock:"),
    optimize.ANSWER_PROVEN: (st.success, ":material/verified:"),
    optimize.ANSWER_STOPPED: (st.warning, ":material/warning:"),
}


def status_line(answer: whatif.Answer, what_if) -> None:
    kind, sentence = optimize.answer_status(what_if, answer.selection, answer.proving)
    box, icon = STATUS_BOXES[kind]
    box(sentence, icon=icon)


def headline(summary: dict, what_if) -> None:
    def vs_plan(amount: float) -> str:
        return f"{'+' if amount >= 0 else ''}{money(amount, currency)} vs plan"

    stops = f", {summary['stops']} stopped" if summary["stops"] else ""
    layout.tile_row(
        [
            layout.Tile(
                f"rNPV ({currency})",
                money(summary["rnpv"], currency),
                "Risk-adjusted NPV of the chosen projects under these settings (PoS × PV benefits − PV costs), "
                "minus the stop cost of every active project left out.",
                delta=vs_plan(summary["rnpv"] - summary["plan_rnpv"]),
            ),
            layout.Tile(
                "Strategic score",
                f"{summary['strategic_score']:.2f} of 1",
                "Mean strategic score (0–1) of the chosen projects: Σ weight × alignment / (5 × Σ weight).",
                delta=f"{summary['strategic_score'] - summary['plan_strategic_score']:+.2f} vs plan",
            ),
            layout.Tile(
                "Projects",
                formatting.count(summary["projects"]),
                "Projects chosen, and the changes against the plan.",
                delta=f"+{summary['added']} / −{summary['dropped']} vs plan{stops}",
                delta_color="off",
                delta_arrow="off",
            ),
            layout.Tile(
                f"Spend ({currency})",
                money(summary["spend"], currency),
                "Forward spend of the chosen projects (with any overrun) plus stop costs, over all fiscal years.",
                delta=f"{formatting.percent(summary['budget_use'], 0)} of {money(summary['budget'], currency)}",
                delta_color="off",
                delta_arrow="off",
            ),
            layout.Tile(
                f"Stop costs ({currency})",
                money(summary["stop_cost"], currency),
                f"What stopping the active projects left out costs: {finance.STOP_COST_RULE}. Paid in the first "
                "fiscal year, inside the budget.",
                delta=f"{summary['stopped']} stopped" if summary["stopped"] else "nothing stopped",
                delta_color="off",
                delta_arrow="off",
            ),
        ],
        per_row=5,
        # In a room the compact type: five tiles beside the levers at room type broke "Strategic" in two at 1440 px.
        compact=True,
    )


def objective_panel(summary: dict, what_if) -> None:
    # Beside the levers that set it (α, the weights), not above the answer: in a room the tabs' charts need the
    # height, and the number is never shown without its definition.
    with st.expander("What the optimiser maximises"):
        st.markdown(optimize.objective_definition(what_if))
        st.markdown(
            f"Blended objective of this selection: **{summary['value']:.3f}** (the plan: {summary['plan_value']:.3f})."
        )


def frontier_and_changes(what_if, selection, chosen, summary: dict) -> None:
    frontier, current = whatif.frontier(what_if)
    chart_column, change_column = st.columns([1.8, 1.2], gap="medium")
    with chart_column:
        figure = charts.efficient_frontier(
            frontier, {"budget": summary["budget"], "rnpv": summary["rnpv"]}, currency=currency, present=present
        )
        layout.chart(figure, key="whatif_frontier")
        if not current:
            st.caption("Computing the frontier for these settings…")
        elif frontier is not None:
            st.caption(optimize.frontier_sentence(frontier, currency))
    with change_column:
        changes_against_plan(what_if, chosen)
        shifts.what_moved(what_if, selection, chosen, present=present)


#: Rows of the changes against plan shown in a room, beside the frontier (stops first).
CHANGES_ROWS_IN_A_ROOM = 6


def changes_against_plan(what_if, chosen) -> None:
    table = optimize.selection_table(what_if, chosen)
    changed = table[table["change"] != ""]
    # Stops first (they cost money to undo), then plan projects dropped, then additions; biggest money first.
    order = changed["change"].map({"stopped": 0, "dropped": 1, "added": 2})
    changed = changed.assign(order=order, size=-changed["rnpv_change"].abs()).sort_values(["order", "size"])
    counts = changed["change"].value_counts()
    st.markdown(
        f"**What changes against the plan**: {counts.get('stopped', 0)} stopped, {counts.get('dropped', 0)} "
        f"dropped, {counts.get('added', 0)} added"
    )
    if changed.empty:
        st.caption("Nothing: the plan is already the best selection for these settings.")
        return
    # One plain table, not a line per project (a move can change hundreds at 2,000 candidates) and no Styler
    # (formatting every cell in Python cost a slider move ~50 ms there). Stop costs exist only for stopped work.
    shown = changed.assign(
        stop_cost=[
            money(v, currency) if c == "stopped" else "-"
            for c, v in zip(changed["change"], changed["stop_cost"], strict=True)
        ]
    )
    layout.grid(
        shown[["change", "project_id", "name", "rnpv_change", "stop_cost"]],
        # In a room the first few at room type, under the frontier's height; the desk's grid lists them all.
        room_rows=CHANGES_ROWS_IN_A_ROOM,
        # No taller than its rows (and the header): what the schedule moves follows right below.
        height=min(400, 35 * (len(shown) + 1) + 3),
        column_config={
            "change": st.column_config.TextColumn("", width="small"),
            "project_id": "Project",
            "name": "",
            "rnpv_change": st.column_config.NumberColumn(f"rNPV change ({currency})", format="compact"),
            "stop_cost": st.column_config.TextColumn(f"Stop cost ({currency})"),
        },
    )


def why_not_panel(what_if, base) -> None:
    table = optimize.selection_table(what_if, base.chosen)
    status = dict(zip(table["project_id"], np.where(table["chosen"], "in", "out"), strict=True))
    project_id = state.selectbox_with_url(
        "Why is this project in or out?",
        list(labels),
        "why",
        lambda p: f"{labels[p]} ({status.get(p, '')})",
        placeholder="Pick a project",
    )
    if project_id:
        with st.spinner("Re-optimising with it flipped…"):
            answer = whatif.memo(
                ("why", what_if.params, base.chosen.tobytes(), project_id),
                lambda: optimize.why_not(what_if, base, project_id),
            )
        st.markdown(optimize.why_not_sentence(what_if, answer))
        # Tables at room size in a room (layout.table), the answer's rows being few.
        if answer.binding:
            layout.table(optimize.binding_rows(what_if, answer))
        moved = [("comes in", p) for p in answer.entering] + [("goes out", p) for p in answer.leaving]
        if moved:
            layout.table([{"change": c, "project": labels.get(p, p)} for c, p in moved])


def price_tags(what_if, base) -> None:
    team_names = dict(zip(model.teams, model.team_names, strict=True))
    quarters = list(model.quarter_starts())
    left, right = st.columns(2)
    with left, st.form("price_fte", border=True):
        st.markdown("**What is one more person worth?**")
        # The inputs on one line: the price a press brings stays on the first screen of a room, under the headline.
        team_column, quarter_column, people_column = st.columns([2, 1.3, 1])
        team = team_column.selectbox("Team", list(team_names), format_func=team_names.get)
        first = quarter_column.selectbox("Quarter starting", quarters, format_func=lambda m: f"{np.datetime64(m, 'M')}")
        people = people_column.number_input("FTE", 0.5, 10.0, 1.0, 0.5)
        if st.form_submit_button("Price it", icon=":material/sell:"):
            with st.spinner("Re-optimising with the extra people…"):
                extra = whatif.memo(
                    ("fte", what_if.params, team, str(first), people),
                    lambda: optimize.marginal_fte(what_if, base, team, first, 3, people),
                )
            st.metric(
                f"{people:g} FTE in {team_names[team]} for the quarter",
                f"{'+' if extra.rnpv_change >= 0 else ''}{money(extra.rnpv_change, currency)} rNPV",
                delta=f"blended objective {extra.value_change:+.3f}",
                delta_arrow="off",
            )
            if extra.entering:
                st.caption("Brings in " + ", ".join(labels.get(p, p) for p in extra.entering))
    with right, st.form("price_budget", border=True):
        st.markdown("**What is more budget worth?**")
        amount_column, year_column = st.columns([2, 1.3])
        amount = amount_column.number_input(
            f"Extra budget ({currency})", 0.0, 1e10, 1_000_000.0, 100_000.0, format="%.0f"
        )
        years = ["every year", *[int(y) for y in model.fiscal_years]]
        year = year_column.selectbox("In", years, format_func=lambda y: y if isinstance(y, str) else f"FY{y}")
        if st.form_submit_button("Price it", icon=":material/sell:"):
            fiscal_year = None if isinstance(year, str) else year
            with st.spinner("Re-optimising with the extra budget…"):
                extra = whatif.memo(
                    ("budget", what_if.params, amount, fiscal_year),
                    lambda: optimize.marginal_budget(what_if, base, amount, fiscal_year),
                )
            st.metric(
                f"{money(amount, currency)} more, {year if isinstance(year, str) else f'FY{year}'}",
                f"{'+' if extra.rnpv_change >= 0 else ''}{money(extra.rnpv_change, currency)} rNPV",
                delta=f"blended objective {extra.value_change:+.3f}",
                delta_arrow="off",
            )
            if extra.entering:
                st.caption("Brings in " + ", ".join(labels.get(p, p) for p in extra.entering))


def uncertainty(what_if, selection, chosen) -> None:
    result = whatif.memo(
        ("mc", what_if.params, shifts.answer_key(what_if, selection, chosen)),
        lambda: shifts.simulated(what_if, selection, chosen, trials=10_000, seed=7),
    )
    # In a room the chart alone: its title and marked lines state the four numbers, and its height is what the first
    # screen has left under the headline.
    if not present:
        layout.tile_row(
            [
                layout.Tile("P10", money(result.p10, currency), "Nine trials in ten end above this NPV."),
                layout.Tile("P50", money(result.p50, currency), "The median simulated NPV."),
                layout.Tile("P90", money(result.p90, currency), "One trial in ten ends above this NPV."),
                layout.Tile(
                    "Chance of a loss",
                    formatting.percent(result.prob_negative, 0),
                    "Share of the 10,000 trials (seed 7) whose portfolio NPV is below zero: each project succeeds "
                    "with its probability (after the haircut); costs and benefits vary ±15 % and ±30 %.",
                ),
            ]
        )
    layout.chart(charts.npv_distribution(result, currency=currency, present=present), key="whatif_mc")


SAVED_KEY = "_whatif_saved"


def save_form(params, chosen, starts) -> None:
    if not auth.may("editor"):
        st.info(
            "Saving a scenario needs the editor role: every lever and answer here is yours to explore, and a link "
            "to this page keeps these settings.",
            icon=":material/lock:",
        )
        return
    with st.form("save_scenario", border=True):
        st.markdown("**Keep these settings and this selection as a scenario**")
        name = st.text_input("Name", max_chars=scenarios.MAX_NAME_LENGTH, placeholder="e.g. Budget −10 %, hire 2 DEs")
        note = st.text_area("Note", placeholder="Why this scenario matters (optional)", height=80)
        if st.form_submit_button("Save scenario", icon=":material/save:", type="primary"):
            try:
                whatif.save_scenario(name, params, model.project_ids[chosen], note, starts=starts)
            except (scenarios.ScenarioError, data.StoreError) as problem:
                st.error(text.markdown(str(problem)), icon=":material/error:")
            else:
                # Kept with its settings, so a redraw (the proof arriving) does not take the confirmation away.
                st.session_state[SAVED_KEY] = (" ".join(name.split()), params)
        saved = st.session_state.get(SAVED_KEY)
        if saved is not None and saved[1] == params:
            st.success(f"Saved “{text.markdown(saved[0])}”.", icon=":material/check:")
            st.page_link(
                "pages/scenarios.py", label="Compare it on the Scenarios page", icon=":material/arrow_forward:"
            )


def plan_use_caption(conflict: str) -> None:
    st.caption(f"No selection meets these settings ({conflict}) — showing the plan's own use against them.")


def needs_an_answer(conflict: str) -> None:
    st.info(f"This needs a setting with an answer. {conflict}", icon=":material/block:")


@st.fragment
def what_if_answer() -> None:
    whatif.clear_waiting()
    weights.clear_waiting()
    levers, answer_column = st.columns([1, 3.2], gap="large")
    # A compact lever panel that scrolls on its own: the headline beside it stays in view while a lever moves. Framed,
    # so that a lever cut by its lower edge reads as more to scroll to, not as a drawing fault.
    with levers, st.container(height=LEVER_PANEL_PX, border=True, key="whatif_levers"):
        params = whatif.controls(model, settings.discount_rate)
        st.button(
            "Back to the plan",
            icon=":material/restart_alt:",
            on_click=whatif.reset,
            args=(whatif.lever_defaults(model, settings.discount_rate),),
            key="whatif_reset",
            help="Every lever back to its default and out of the link: the plan's money, the plan's projects kept, "
            "the store's settings.",
        )
        review.download(review.on_screen(params), key="whatif_review")
    what_if = whatif.problem(params)
    answer = whatif.best_selection(what_if)
    selection = answer.selection
    feasible = selection.feasible
    # Infeasible settings still draw every tab: budget and capacity show the plan against the settings' limits.
    chosen = selection.chosen if feasible else model.in_plan
    conflict = "" if feasible else (optimize.conflict_sentence(selection.conflict) or "")
    answer_key = shifts.answer_key(what_if, selection, chosen)  # with start shifts, the starts tell answers apart
    summary = shifts.summary(what_if, selection, chosen) if feasible else None
    with levers:
        if feasible:
            objective_panel(summary, what_if)
        weights.fragility_panel(what_if, selection)
    with answer_column:
        status_line(answer, what_if)
        st.caption(text.markdown(optimize.plan_sentence(model)) + " · " + optimize.baseline_sentence(what_if))
        if feasible:
            headline(summary, what_if)
        # The tabs under the headline, beside the levers: whichever is open, its answer is on the first screen of a
        # room with the headline above it. Only the open tab is computed: a slider move pays for what is on screen,
        # not for a frontier sweep or a Monte Carlo out of sight.
        frontier_tab, budget_tab, capacity_tab, why_tab, price_tab, risk_tab, save_tab = st.tabs(
            list(nav.WHAT_IF_TABS),
            key="tab",
            on_change="rerun",
            bind="query-params",
        )
    if frontier_tab.open:
        with frontier_tab:
            if not feasible:
                needs_an_answer(conflict)
            else:
                frontier_and_changes(what_if, selection, chosen, summary)
    if budget_tab.open:
        with budget_tab:
            if not feasible:
                plan_use_caption(conflict)
            layout.chart(
                whatif.memo(
                    ("budget_figure", params, answer_key, present),
                    lambda: charts.budget_by_year(
                        shifts.budget_use(what_if, selection, chosen), currency=currency, present=present
                    ),
                ),
                key="whatif_budget",
            )
    if capacity_tab.open:
        with capacity_tab:
            if not feasible:
                plan_use_caption(conflict)
            if not model.capacity_fte.any():
                # Teams without a capacity month (a sheet's fte_ columns with no team_capacity) drew empty axes of
                # −1…6 under "fits every team in all 0 months".
                layout.empty_state(
                    "No team capacity is recorded, so the selection's demand has nothing to be measured against.",
                    "Import teams and their monthly FTE (team_capacity) on the Data page.",
                )
            elif shifts.shifting(what_if):
                shifts.capacity(what_if, selection, chosen, present=present, memo=whatif.memo)
            else:
                layout.chart(
                    whatif.memo(
                        ("capacity_figure", params, chosen.tobytes(), present),
                        lambda: charts.selection_capacity(optimize.capacity_use(what_if, chosen), present=present),
                    ),
                    key="whatif_capacity",
                )
    for tab, draw in ((why_tab, why_not_panel), (price_tab, price_tags), (risk_tab, uncertainty)):
        if tab.open:
            with tab:
                if not feasible:
                    needs_an_answer(conflict)
                elif draw is uncertainty:
                    uncertainty(what_if, selection, chosen)
                else:
                    draw(what_if, selection)
    if save_tab.open:
        with save_tab:
            if not feasible:
                needs_an_answer(conflict)
            else:
                save_form(params, chosen, shifts.starts(what_if, selection, chosen))
    if whatif.waiting() or weights.waiting():
        await_proof()


@st.fragment(run_every=whatif.POLL_EVERY_S)
def await_proof() -> None:
    # Drawn inside the answer, and only while this session waits for a proof or a frontier: an idle page has no
    # timer, so it never reruns by itself, and a timer never outlives what it waits for (the next redraw of the
    # answer, or any full run, drops it). When the answer arrives the page redraws once, as a whole.
    if whatif.arrived() or weights.arrived():
        st.rerun()


what_if_answer()
