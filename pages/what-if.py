import numpy as np
import streamlit as st

from analytics import charts, formatting, optimize, scenarios, simulate, text
from ui import auth, data, layout, shell, state, whatif

shell.ensure_framed()

present = shell.presentation_mode()
settings = data.settings()
currency = settings.currency
money = formatting.money

layout.header(
    "What-if",
    "Move a lever and the portfolio is re-optimised exactly: the best selection for those settings, what changed "
    "against the current plan, and what each constraint costs.",
)
model = whatif.model()
if model.n == 0:
    layout.empty_state(
        "There are no candidate projects (stage proposed, approved or active) to choose from.",
        "Import projects with their cash flows on the Data page, or rebuild the demo store there.",
    )
    st.stop()
labels = {str(p): f"{p} · {n}" for p, n in zip(model.project_ids, model.names, strict=True)}


def status_line(answer: whatif.Answer) -> None:
    selection = answer.selection
    if selection.status == optimize.STATUS_INFEASIBLE:
        st.error(
            f"No portfolio meets these settings: {optimize.conflict_sentence(selection.conflict)}",
            icon=":material/block:",
        )
    elif answer.proving:
        st.info(
            f"Best found so far, within {selection.gap:.1%} of the optimum; proving the optimum…",
            icon=":material/hourglass_top:",
        )
    elif selection.proven:
        st.success(
            f"Proven optimal: no selection of these {model.n} candidates is worth more under these settings "
            f"(solved in {selection.seconds:.2f} s).",
            icon=":material/verified:",
        )
    else:
        st.warning(
            f"Stopped before proving the optimum ({selection.status.replace('_', ' ')}): at most "
            f"{selection.gap:.1%} from it.",
            icon=":material/warning:",
        )


def headline(summary: dict) -> None:
    changes = f"+{summary['added']} / −{summary['dropped']} vs plan"
    layout.tile_row(
        [
            layout.Tile(
                "Portfolio value",
                f"{summary['value']:.2f}",
                "The objective: Σ over chosen projects of (1 − α) · rNPV / max |rNPV| + α · strategic score.",
                delta=f"{summary['value'] - summary['plan_value']:+.2f} vs plan",
            ),
            layout.Tile(
                "rNPV",
                money(summary["rnpv"], currency),
                "Risk-adjusted NPV of the chosen projects under these settings (PoS × PV benefits − PV costs).",
                delta=f"{money(summary['rnpv'] - summary['plan_rnpv'], currency)} vs plan",
            ),
            layout.Tile(
                "Strategic score",
                f"{summary['strategic_score']:.2f}",
                "Mean strategic score (0–1) of the chosen projects.",
                delta=f"{summary['strategic_score'] - summary['plan_strategic_score']:+.2f} vs plan",
            ),
            layout.Tile(
                "Projects",
                f"{summary['projects']}",
                "Projects chosen, and the changes against the plan.",
                delta=changes,
                delta_color="off",
                delta_arrow="off",
            ),
            layout.Tile(
                "Budget used",
                formatting.percent(summary["budget_use"], 0),
                "Forward spend of the chosen projects (with any overrun) / the budget over all fiscal years.",
                delta=f"{money(summary['spend'], currency)} of {money(summary['budget'], currency)}",
                delta_color="off",
                delta_arrow="off",
            ),
        ],
        per_row=5,
    )


def changes_against_plan(what_if, chosen) -> None:
    table = optimize.selection_table(what_if, chosen)
    changed = table[table["change"] != ""].sort_values(["change", "rnpv"], ascending=[True, False])
    added, dropped = int((changed["change"] == "added").sum()), int((changed["change"] == "dropped").sum())
    st.markdown(f"**What changes against the plan**: {added} in, {dropped} out")
    if changed.empty:
        st.caption("Nothing: the plan is already the best selection for these settings.")
        return
    # One plain table, not a line per project (a move can change hundreds at 2,000 candidates) and no Styler
    # (formatting every cell in Python cost a slider move ~50 ms there).
    shown = changed.assign(change=changed["change"].map({"added": "in", "dropped": "out"}))
    st.dataframe(
        shown[["change", "project_id", "name", "rnpv"]],
        hide_index=True,
        width="stretch",
        height=400 if not present else 480,
        column_config={
            "change": st.column_config.TextColumn("", width="small"),
            "project_id": "Project",
            "name": "",
            "rnpv": st.column_config.NumberColumn(f"rNPV ({currency})", format="compact"),
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
        if answer.binding:
            st.dataframe(optimize.binding_rows(what_if, answer), hide_index=True, width="stretch")
        moved = [("comes in", p) for p in answer.entering] + [("goes out", p) for p in answer.leaving]
        if moved:
            st.dataframe(
                [{"change": c, "project": labels.get(p, p)} for c, p in moved], hide_index=True, width="stretch"
            )


def price_tags(what_if, base) -> None:
    team_names = dict(zip(model.teams, model.team_names, strict=True))
    quarters = list(model.quarter_starts())
    left, right = st.columns(2)
    with left, st.form("price_fte", border=True):
        st.markdown("**What is one more person worth?**")
        team = st.selectbox("Team", list(team_names), format_func=team_names.get)
        first = st.selectbox("Quarter starting", quarters, format_func=lambda m: f"{np.datetime64(m, 'M')}")
        people = st.number_input("FTE", 0.5, 10.0, 1.0, 0.5)
        if st.form_submit_button("Price it", icon=":material/sell:"):
            with st.spinner("Re-optimising with the extra people…"):
                extra = whatif.memo(
                    ("fte", what_if.params, team, str(first), people),
                    lambda: optimize.marginal_fte(what_if, base, team, first, 3, people),
                )
            st.metric(
                f"{people:g} FTE in {team_names[team]} for the quarter",
                f"{extra.value_change:+.3f} value",
                delta=f"{money(extra.rnpv_change, currency)} rNPV",
                delta_arrow="off",
            )
            if extra.entering:
                st.caption("Brings in " + ", ".join(labels.get(p, p) for p in extra.entering))
    with right, st.form("price_budget", border=True):
        st.markdown("**What is more budget worth?**")
        amount = st.number_input(f"Extra budget ({currency})", 0.0, 1e10, 1_000_000.0, 100_000.0, format="%.0f")
        years = ["every year", *[int(y) for y in model.fiscal_years]]
        year = st.selectbox("In", years, format_func=lambda y: y if isinstance(y, str) else f"FY{y}")
        if st.form_submit_button("Price it", icon=":material/sell:"):
            fiscal_year = None if isinstance(year, str) else year
            with st.spinner("Re-optimising with the extra budget…"):
                extra = whatif.memo(
                    ("budget", what_if.params, amount, fiscal_year),
                    lambda: optimize.marginal_budget(what_if, base, amount, fiscal_year),
                )
            st.metric(
                f"{money(amount, currency)} more, {year if isinstance(year, str) else f'FY{year}'}",
                f"{extra.value_change:+.3f} value",
                delta=f"{money(extra.rnpv_change, currency)} rNPV",
                delta_arrow="off",
            )
            if extra.entering:
                st.caption("Brings in " + ", ".join(labels.get(p, p) for p in extra.entering))


def uncertainty(what_if, chosen) -> None:
    result = whatif.memo(
        ("mc", what_if.params, chosen.tobytes()),
        lambda: simulate.simulate_selection(what_if, chosen, trials=10_000, seed=7),
    )
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


def save_form(params, chosen) -> None:
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
                whatif.save_scenario(name, params, model.project_ids[chosen], note)
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


@st.fragment
def what_if_answer() -> None:
    whatif.clear_waiting()
    levers, answer_column = st.columns([1, 3.2], gap="large")
    with levers:
        params = whatif.controls(model, settings.discount_rate)
        st.button(
            "Back to the plan",
            icon=":material/restart_alt:",
            on_click=whatif.reset,
            key="whatif_reset",
            help="Every lever back to its default: the current plan's budget and the store's settings.",
        )
    what_if = whatif.problem(params)
    answer = whatif.best_selection(what_if)
    selection = answer.selection
    chosen = selection.chosen
    with answer_column:
        status_line(answer)
        if not selection.feasible:
            return
        summary = optimize.selection_summary(what_if, chosen)
        headline(summary)
        frontier, current = whatif.frontier(what_if)
        chart_column, change_column = st.columns([1.8, 1.2], gap="medium")
        with chart_column:
            figure = charts.efficient_frontier(
                frontier, {"budget": summary["budget"], "value": summary["value"]}, currency=currency, present=present
            )
            layout.chart(figure, key="whatif_frontier")
            if not current:
                st.caption("Computing the frontier for these settings…")
        with change_column:
            changes_against_plan(what_if, chosen)
    # Only the open tab is computed: a slider move pays for what is on screen, not for a Monte Carlo out of sight.
    budget_tab, capacity_tab, why_tab, price_tab, risk_tab, save_tab = st.tabs(
        ["Budget", "Capacity", "Why not?", "Price tags", "Uncertainty", "Save as scenario"],
        key="tab",
        on_change="rerun",
        bind="query-params",
    )
    if budget_tab.open:
        with budget_tab:
            layout.chart(
                charts.budget_by_year(optimize.budget_use(what_if, chosen), currency=currency, present=present),
                key="whatif_budget",
            )
    if capacity_tab.open:
        with capacity_tab:
            layout.chart(
                charts.selection_capacity(optimize.capacity_use(what_if, chosen), present=present),
                key="whatif_capacity",
            )
    if why_tab.open:
        with why_tab:
            why_not_panel(what_if, selection)
    if price_tab.open:
        with price_tab:
            price_tags(what_if, selection)
    if risk_tab.open:
        with risk_tab:
            uncertainty(what_if, chosen)
    if save_tab.open:
        with save_tab:
            save_form(params, chosen)
    if whatif.waiting():
        await_proof()


@st.fragment(run_every=whatif.POLL_EVERY_S)
def await_proof() -> None:
    # Drawn inside the answer, and only while this session waits for a proof or a frontier: an idle page has no
    # timer, so it never reruns by itself, and a timer never outlives what it waits for (the next redraw of the
    # answer, or any full run, drops it). When the answer arrives the page redraws once, as a whole.
    if whatif.arrived():
        st.rerun()


what_if_answer()
