"""The what-if's headline numbers with start shifts, and team capacity before and after them.

A schedule (``Schedule.option``: one start option or -1 per candidate) is summarised with the keys of
:func:`~analytics.optimize.report.selection_summary`, so the page's tiles read the same with or without shifts:
``rnpv``, ``value`` and ``spend`` at the chosen starts (``schedule_totals``), the plan's figures and the counts of
added and dropped projects as for a selection. At shift 0 every function here is its selection counterpart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.optimize.report import schedule_capacity_use, selection_summary
from analytics.optimize.whatif import WhatIfProblem, schedule_totals


def schedule_summary(what_if: WhatIfProblem, option: np.ndarray) -> dict:
    """Return :func:`selection_summary` of a schedule: its own totals at the chosen starts against the plan's.

    ``budget_use`` is the schedule's spend over the budget; ``added``, ``dropped`` and ``stops`` count projects
    against the plan as for a selection (a moved project is neither added nor dropped).
    """
    option = np.asarray(option, dtype=np.int64)
    summary = selection_summary(what_if, option >= 0)
    mine = schedule_totals(what_if, option)
    budget = summary["budget"]
    return {**summary, **mine, "budget_use": mine["spend"] / budget if budget > 0 else float("nan")}


def _utilisation(demand: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(capacity > 0, demand / capacity, np.where(demand > 0, np.inf, np.nan))


def capacity_before_after(what_if: WhatIfProblem, option: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return team × month use before (the plan, at its planned starts) and after (the schedule, at its starts).

    Both frames have the columns of :func:`~analytics.optimize.report.capacity_use`; ``demand_fte`` and
    ``utilisation`` (demand / capacity) are the plan's in the first and the schedule's in the second, against the
    same capacity and limit (these settings').
    """
    after = schedule_capacity_use(what_if, option)
    plan = after["plan_demand_fte"].to_numpy()
    before = after.assign(demand_fte=plan, utilisation=_utilisation(plan, after["capacity_fte"].to_numpy()))
    return before, after


def option_from_starts(what_if: WhatIfProblem, chosen: np.ndarray, starts: dict) -> np.ndarray | None:
    """Return the schedule of a saved selection: ``chosen`` with each named project at its saved start.

    ``starts`` is a scenario's ``{project_id: first day of the start month}``; a chosen project not named starts as
    planned, and so does one whose saved start is no longer one of its options under these settings (its window
    or the shift lever changed since). None without start shifts (``what_if.options`` is None).
    """
    options = what_if.options
    if options is None:
        return None
    option = options.planned(chosen)
    schedule, model = options.schedule, what_if.model
    for project_id, start in starts.items():
        i = model._index.get(str(project_id))
        if i is None or option[i] < 0:
            continue
        wanted = np.datetime64(start, "M")
        columns = np.arange(schedule.first[i], schedule.first[i + 1])
        match = columns[options.start_month[columns] == wanted]
        if len(match):
            option[i] = schedule.slot[match[0]]
    return option
