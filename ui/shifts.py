"""The what-if page's start shifts: what moved, and team capacity before and after.

With the lever "Allow start shifts up to N months" above 0 the answer is a schedule (``optimize.Schedule``: which
projects and, for each, which start). These pieces show what the schedule moves against the planned starts, with
the facts of ``analytics.optimize`` (``moved_projects``, ``capacity_before_after``) and the page's own heatmap
figure; at 0 they draw nothing, so the page is exactly what it was without the lever.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from analytics import charts, optimize, scenarios, simulate
from ui import layout

#: Rows of the moved-projects table before it scrolls (fewer in a room, where the headline must stay in view).
MOVED_ROWS_SHOWN = 8
MOVED_ROWS_IN_A_ROOM = 5
ROW_PX = 35


def shifting(what_if: optimize.WhatIfProblem) -> bool:
    """Whether these settings let projects move (the answer on screen is then a schedule)."""
    return what_if.schedule is not None


def option_of(what_if: optimize.WhatIfProblem, selection: optimize.Selection, chosen) -> np.ndarray | None:
    """The answer on screen as a schedule (one option or -1 per candidate); None without shifts.

    ``chosen`` is what the page shows: the answer's, or the plan's when no selection meets the settings (then at
    its planned starts).
    """
    if not shifting(what_if):
        return None
    if isinstance(selection, optimize.Schedule) and selection.feasible:
        return selection.option
    return what_if.options.planned(chosen)


def answer_key(what_if: optimize.WhatIfProblem, selection: optimize.Selection, chosen) -> bytes:
    """What tells two answers apart in a memo key: the starts too, with shifts (the same projects may move)."""
    option = option_of(what_if, selection, chosen)
    return np.asarray(chosen).tobytes() if option is None else option.tobytes()


def summary(what_if: optimize.WhatIfProblem, selection: optimize.Selection, chosen) -> dict:
    """The headline numbers: ``selection_summary``, or with shifts the schedule's at its chosen starts."""
    option = option_of(what_if, selection, chosen)
    if option is None:
        return optimize.selection_summary(what_if, chosen)
    return optimize.schedule_summary(what_if, option)


def budget_use(what_if: optimize.WhatIfProblem, selection: optimize.Selection, chosen):
    """Spend per fiscal year: ``budget_use``, or with shifts the schedule's at its chosen starts."""
    option = option_of(what_if, selection, chosen)
    if option is None:
        return optimize.budget_use(what_if, chosen)
    return optimize.schedule_budget_use(what_if, option)


def simulated(what_if: optimize.WhatIfProblem, selection: optimize.Selection, chosen, **options):
    """The Monte Carlo of the answer: ``simulate_selection``, or with shifts the schedule's at its chosen starts."""
    option = option_of(what_if, selection, chosen)
    if option is None:
        return simulate.simulate_selection(what_if, chosen, **options)
    return simulate.simulate_schedule(what_if, option, **options)


def starts(what_if: optimize.WhatIfProblem, selection: optimize.Selection, chosen) -> dict:
    """The start of each chosen project the answer starts away from its ``start_date``, for ``save_scenario``.

    The schedule's moves with shifts, and the starts the plan's decision kept (``scenarios.starts_to_save``).
    """
    return scenarios.starts_to_save(what_if, chosen, option_of(what_if, selection, chosen))


def what_moved(what_if: optimize.WhatIfProblem, selection: optimize.Selection, chosen, *, present: bool) -> None:
    """The projects the schedule starts away from their planned start: from → to, and what each move is worth."""
    option = option_of(what_if, selection, chosen)
    if option is None:
        return
    currency = what_if.model.currency
    moved = optimize.moved_projects(what_if, option)
    st.markdown(optimize.moved_sentence(what_if, moved))
    if moved.empty:
        return
    # In a keyed box, so a browser test (and a person's stylesheet) can find the table of moves. A room gets the
    # first few at room type (the headline must stay in view), a desk a grid that scrolls past eight.
    with st.container(key="whatif_moved"):
        layout.grid(
            optimize.moved_rows(moved),
            room_rows=MOVED_ROWS_IN_A_ROOM,
            height=ROW_PX * (min(len(moved), MOVED_ROWS_SHOWN) + 1) + 3,
            # A room's narrow column drops the months, which "from → to" already says.
            column_order=("project_id", "name", "move", "rnpv_change") if present else None,
            column_config={
                "project_id": "Project",
                "name": "",
                "move": st.column_config.TextColumn("From → to", help="Planned start month → the schedule's start."),
                "months": st.column_config.NumberColumn("Months", format="%+d"),
                "rnpv_change": st.column_config.NumberColumn(
                    f"Value change ({currency})",
                    format="compact",
                    help="rNPV at the new start minus rNPV at the planned start: a later start is worth less at the "
                    "valuation date, and may still make room for more.",
                ),
            },
        )


def capacity(what_if: optimize.WhatIfProblem, selection: optimize.Selection, chosen, *, present: bool, memo) -> None:
    """Team capacity after (this schedule) and before (the plan at its planned starts), one heatmap each."""
    option = option_of(what_if, selection, chosen)
    before, after = memo(
        ("shift_capacity", what_if.params, option.tobytes(), present),
        lambda: charts.capacity_before_after(*optimize.capacity_before_after(what_if, option), present=present),
    )
    # The answer first: this schedule's load is what the room needs on its first screen, the plan's is the reference.
    layout.chart(after, key="whatif_capacity_after")
    layout.chart(before, key="whatif_capacity_before")


def compared_starts(starts, summary) -> None:
    """The Scenarios page's starts that differ from plan: one row per moved project, one column per scenario.

    ``starts`` and ``summary`` are ``scenarios.compare``'s; nothing is drawn when no scenario moves a project.
    """
    if starts.empty:
        return
    # One column per scenario, in the comparison's order (blank: as planned there, or not chosen).
    by_scenario = starts.pivot(index="project_id", columns="scenario_id", values="start")
    order = [s for s in summary["scenario_id"] if s in by_scenario.columns]
    table = by_scenario.reindex(columns=order).apply(pd.to_datetime).reset_index()
    names = dict(zip(summary["scenario_id"], summary["name"], strict=True))
    st.markdown(
        f"**Starts that differ from plan**: {len(table)} project{'' if len(table) == 1 else 's'} start in "
        "another month in some of these scenarios (blank: as planned, or not chosen)."
    )
    layout.grid(
        table,
        {"project_id": "Project", **{s: st.column_config.DateColumn(names[s], format="MMM YYYY") for s in order}},
        key="compared_starts",
    )
