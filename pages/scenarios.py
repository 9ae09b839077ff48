import streamlit as st

from analytics import charts, formatting, scenarios, text
from ui import auth, data, decisions, layout, review, shell, shifts, state, whatif

shell.ensure_framed()

present = shell.presentation_mode()
currency = data.settings().currency
money = formatting.money

layout.header(
    "Scenarios",
    "The what-if settings and selections people kept: open one again, or put two to four side by side.",
)
saved = data.query(scenarios.list_scenarios)
if saved.empty:
    layout.empty_state(
        "No scenario has been saved in this store yet.",
        "On the What-if page, set the levers and use “Save as scenario”.",
    )
    st.page_link("pages/what-if.py", label="Go to What-if", icon=":material/tune:")
    st.stop()

every_name = dict(zip(saved["scenario_id"], saved["name"], strict=True))
# A scenario whose settings do not hold (written by another tool) is named with why, and can still be deleted.
usable = saved[saved["problem"].isna()]
names = dict(zip(usable["scenario_id"], usable["name"], strict=True))
broken = saved[saved["problem"].notna()]
if not broken.empty:
    st.warning(
        f"{len(broken)} saved scenario{'' if len(broken) == 1 else 's'} cannot be opened or compared: "
        + "; ".join(
            f"“{text.markdown(n)}”: {text.markdown(p)}" for n, p in zip(broken["name"], broken["problem"], strict=True)
        )
        + ". Delete them below, or import them again with settings that hold.",
        icon=":material/warning:",
    )
picked = st.multiselect(
    "Scenarios to compare (two to four)",
    list(names),
    format_func=names.get,
    default=list(names)[:2] if len(names) >= 2 else None,
    max_selections=scenarios.COMPARE_AT_MOST,
    key="compare",
    bind="query-params",
)
if len(picked) < 2:
    st.info("Pick at least two scenarios to compare them.", icon=":material/info:")
else:
    comparison = whatif.memo(("compare", tuple(picked)), lambda: data.write(scenarios.compare, whatif.model(), picked))
    summary = comparison["summary"]
    layout.table(
        summary.drop(columns=["scenario_id"]),
        formats={
            "value": "{:.2f}".format,
            "rnpv": lambda v: money(v, currency),
            "strategic_score": "{:.2f}".format,
            "spend": lambda v: money(v, currency),
            "budget": lambda v: money(v, currency),
            "budget_use": formatting.percent,
            "peak_capacity_use": formatting.percent,
        },
        labels={
            "name": "Scenario",
            "value": "Value",
            "rnpv": "rNPV",
            "strategic_score": "Strategic score",
            "projects": "Projects",
            "spend": "Spend",
            "budget": "Budget",
            "budget_use": "Budget used",
            "peak_capacity_use": "Peak team load",
            # Over the limit (capacity with flex): a peak team load above 100 % beside "over: 0" read as a clash.
            "overbooked_cells": "Team-months over the limit",
            "added": "Added vs plan",
            "dropped": "Dropped vs plan",
        },
    )
    st.caption(
        "Each scenario is valued under its own settings on today's store. Value is each one's own objective "
        "(it depends on α and the weights), so compare rNPV and strategic score across scenarios."
    )
    left, right = layout.side_by_side([1, 1], present)
    with left:
        layout.chart(charts.scenario_values(summary, currency=currency, present=present), key="scenario_values")
    with right:
        layout.chart(
            charts.scenario_budgets(comparison["budget"], currency=currency, present=present), key="scenario_budgets"
        )
    review.download(review.saved(picked), key="scenarios_review")
    differing = comparison["projects"][~comparison["projects"]["in_all"]]
    st.markdown(
        f"**Where they differ**: {len(differing)} projects are in some scenarios and not others "
        f"({int(comparison['projects']['in_all'].sum())} are in all of them)."
    )
    layout.grid(
        differing.drop(columns=["in_all"]),
        {
            "project_id": "Project",
            "name": "",
            **{
                scenarios.scenario_column(scenario_id): st.column_config.CheckboxColumn(name)
                for scenario_id, name in zip(summary["scenario_id"], summary["name"], strict=True)
            },
        },
    )
    shifts.compared_starts(comparison["starts"], summary)

st.subheader("Saved scenarios", anchor=False)
st.caption(f"{len(saved)} in this store, newest first.")
layout.table(
    saved[["name", "created_at", "created_by", "chosen", "note"]],
    formats={"created_at": "{:%d %b %Y %H:%M}".format},
    labels={"name": "Scenario", "created_at": "Saved", "created_by": "By", "chosen": "Projects chosen", "note": "Note"},
)

open_column, delete_column = st.columns(2, gap="large")
with open_column, st.container(border=True):
    st.markdown("**Open a scenario on the What-if page**")
    chosen_id = st.selectbox("Scenario", list(names), format_func=names.get, key="open_scenario")
    if chosen_id:
        scenario = data.query(scenarios.load_scenario, chosen_id)
        st.page_link(
            "pages/what-if.py",
            label=f"Open “{text.markdown(scenario.name)}”",
            icon=":material/open_in_new:",
            query_params=whatif.query_of(scenario.what_if),
        )
        if scenario.note:
            st.caption(text.markdown(scenario.note))
with delete_column, st.container(border=True):
    st.markdown("**Delete a scenario**")
    if not auth.may("editor"):
        st.caption("Deleting a scenario needs the editor role.")
    doomed = st.selectbox(
        "Scenario",
        list(every_name),
        format_func=every_name.get,
        key="delete_scenario",
        disabled=not auth.may("editor"),
        index=None,
        placeholder="Pick one to delete",
    )
    if doomed and st.button(
        f"Delete “{text.markdown(every_name[doomed])}”", icon=":material/delete:", key="confirm_delete"
    ):
        try:
            whatif.delete_scenario(doomed)
        except scenarios.ScenarioError as exc:
            st.error(text.markdown(str(exc)), icon=":material/gavel:")
        else:
            st.rerun()

st.subheader("Decisions", anchor=False)
st.caption(
    "What the room decided: the latest decision is the plan the What-if page compares against. "
    "Decisions are never edited or deleted; a new decision replaces the plan."
)

if not auth.may("editor"):
    st.caption("Recording a decision needs the editor role.")
else:
    with st.form("record_decision", border=True, clear_on_submit=True):
        st.markdown("**Mark a scenario as decided**")
        decided_id = st.selectbox("Scenario decided", list(names), format_func=names.get, key="decided_scenario")
        rationale = st.text_area(
            "Rationale",
            max_chars=scenarios.MAX_RATIONALE_LENGTH,
            placeholder="Why the room chose it, as the minutes will say.",
            key="decision_rationale",
        )
        st.caption(f"Recorded as {text.markdown(decisions.current_identity())}, with today's date and time.")
        if st.form_submit_button("Record the decision", icon=":material/gavel:") and decided_id:
            try:
                decisions.record(decided_id, rationale)
            except scenarios.ScenarioError as exc:
                st.error(text.markdown(str(exc)), icon=":material/gavel:")
            else:
                st.toast(f"Recorded: “{text.markdown(names[decided_id])}” is the plan.", icon=":material/gavel:")

log = data.query(scenarios.decision_log)
if log.empty:
    layout.empty_state(
        "No decision has been recorded yet, so the plan is the approved and active projects, the mandatory ones "
        "and what they need.",
        "Mark the scenario the room chooses as decided above.",
    )
    st.stop()
layout.table(
    log[["decided_at", "name", "decided_by", "rationale"]],
    formats={"decided_at": "{:%d %b %Y %H:%M}".format},
    labels={"decided_at": "Decided", "name": "Scenario", "decided_by": "By", "rationale": "Rationale"},
)

st.subheader("Decision against now", anchor=False)
decision_names = {
    d: f"{n or s} · {t:%d %b %Y %H:%M}"
    for d, n, s, t in zip(log["decision_id"], log["name"], log["scenario_id"], log["decided_at"], strict=True)
}
checked_id = state.selectbox_with_url(
    "Decision", list(decision_names), key="decision", format_func=decision_names.get, default=log["decision_id"].iloc[0]
)
if checked_id:
    try:
        check = decisions.against_now(checked_id)
    except scenarios.ScenarioError as exc:
        st.error(text.markdown(str(exc)), icon=":material/gavel:")
        st.stop()
    layout.tile_row(
        [
            layout.Tile(
                "Forward spend now",
                money(check.now_spend, currency),
                delta=None
                if check.expected_spend is None
                else f"{money(check.now_spend - check.expected_spend, currency)} vs decided",
                delta_color="inverse",
                help="The decided selection's forward cost, under the decided settings, on today's store.",
            ),
            layout.Tile(
                "rNPV now",
                money(check.now_rnpv, currency),
                delta=None
                if check.expected_rnpv is None
                else f"{money(check.now_rnpv - check.expected_rnpv, currency)} vs decided",
                help="The decided selection's risk-adjusted NPV (PoS × PV(benefits) − PV(costs)) on today's store.",
            ),
            layout.Tile(
                "Projects off course",
                formatting.count(check.projects["project_id"].nunique()),
                help="Decided in and now cancelled, on hold, red or starting in another month than decided; or decided "
                "out and started.",
            ),
            layout.Tile(
                "New team-months over",
                formatting.count(len(check.new_overbookings)),
                help="Team-months the decided selection over-books now that it did not at the decision.",
            ),
        ]
    )
    decided = check.decision
    st.markdown(
        f"**{text.markdown(decided.name or decided.scenario_id)}**, decided {decided.decided_at:%d %b %Y} by "
        f"{text.markdown(decided.decided_by)}"
        + (f": “{text.markdown(decided.rationale)}”" if decided.rationale else ".")
    )
    st.markdown("\n".join(f"- {text.markdown(sentence)}" for sentence in scenarios.decision_sentences(check, currency)))
    if not check.projects.empty:
        # The start months only where a start finding needs them; start_then words the sentence, not the table.
        shown = check.projects.drop(
            columns=["start_then"] if check.start_moved else ["start_then", "start_decided", "start_now"]
        )
        layout.table(
            shown,
            labels={
                "finding": "What happened",
                "project_id": "Project",
                "name": "Name",
                "stage_then": "Stage when decided",
                "stage_now": "Stage now",
                "health_now": "Health now",
                "start_decided": "Start decided",
                "start_now": "Start now",
            },
        )
    if not check.new_overbookings.empty:
        layout.table(
            check.new_overbookings[["team", "period", "demand_fte", "limit_fte"]],
            formats={"period": "{:%b %Y}".format, "demand_fte": "{:.1f}".format, "limit_fte": "{:.1f}".format},
            labels={"team": "Team", "period": "Month", "demand_fte": "Demand (FTE)", "limit_fte": "Capacity (FTE)"},
        )
