"""Team capacity before and after start shifts: the plan's use at its planned starts, a schedule's at its own.

A schedule is ``Schedule.option`` (one start option or -1 per candidate); its headline numbers are
``report.schedule_summary``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.optimize.report import schedule_capacity_use
from analytics.optimize.whatif import WhatIfProblem


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
