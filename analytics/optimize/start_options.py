"""Start options of a what-if with start shifts (``WhatIf.shift > 0``): :class:`StartOptions`, built vectorised.

Every allowed start month of a candidate is one column of a :class:`~analytics.optimize.schedule.ScheduleProblem`
with its flows moved by whole months and valued with the finance module's NPV; ``apply_what_if`` calls
:func:`schedule_options`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from analytics import finance
from analytics.optimize.model import PortfolioModel, fiscal_year_of
from analytics.optimize.problem import Problem
from analytics.optimize.schedule import ScheduleProblem
from analytics.optimize.schedule_problem import csc_lists, needs_lists

if TYPE_CHECKING:
    from analytics.optimize.whatif import WhatIf


def cached_on_model(model: PortfolioModel, key, build: Callable[[], object]):
    """Return ``build()`` memoised on the model: derived arrays computed once per prepared model."""
    if key not in model._cache:
        model._cache[key] = build()
    return model._cache[key]


@dataclass(frozen=True, eq=False)
class StartOptions:
    """The start options of every candidate under a what-if with start shifts, column by column.

    Column ``c`` of ``schedule`` is candidate ``schedule.owner[c]`` started ``offset[c]`` months after its
    planned start (negative: earlier); ``schedule.slot[c] = offset[c] + shift``, so option ``s`` of any candidate
    is the offset ``s − shift`` and the planned start is option ``shift``. Month indices (``schedule.start``,
    ``schedule.finish``) count from the first forward month (0).

    Attributes
    ----------
    schedule
        The problem for ``optimize.solve_schedule_fast`` / ``solve_schedule_exact`` (``BackgroundSolver.
        submit_schedule``); its ``preferred`` is the plan at its planned starts.
    shift
        ``WhatIf.shift``.
    offset
        ``(C,)`` int months from the planned start.
    rnpv, pv_benefit, pv_cost
        ``(C,)`` each column's rNPV and its parts in money (with haircut, overrun, delay and rate), by the same
        discounting as the planned start's (``analytics.finance.discount_factors``): a later start is worth less.
    cost_by_year
        ``(C, Y)`` each column's forward cost in each fiscal year of ``PortfolioModel.fiscal_years``, with the
        overrun. Cost shifted after the last fiscal year of the horizon has no budget row: it is not constrained.
    start_month
        ``(C,)`` ``datetime64[M]``: the month each column starts.
    """

    schedule: ScheduleProblem
    shift: int
    offset: np.ndarray
    rnpv: np.ndarray
    pv_benefit: np.ndarray
    pv_cost: np.ndarray
    cost_by_year: np.ndarray
    start_month: np.ndarray

    def columns(self, option: np.ndarray) -> np.ndarray:
        """Return ``(C,)`` bool: the columns of a schedule (one option or -1 per candidate)."""
        return self.schedule.column_of(option)

    def planned(self, chosen: np.ndarray) -> np.ndarray:
        """Return ``(n,)`` the schedule that starts every ``chosen`` candidate as planned (option ``shift``)."""
        return np.where(np.asarray(chosen, dtype=bool), self.shift, -1).astype(np.int64)


def first_forward_month(model: PortfolioModel) -> np.datetime64:
    """Return the first month whose flows count as forward: ``as_of``'s month if it is its first day, else the next."""
    return np.datetime64(model.as_of, "M") + (0 if model.as_of.day == 1 else 1)


def allowed_offsets(model: PortfolioModel, shift: int) -> np.ndarray:
    """Return ``(n, 2·shift + 1)`` bool: whether candidate i may start ``s − shift`` months from its planned start.

    Yes for the planned start (``s = shift``) always. Otherwise the candidate must be proposed or approved, not
    yet started (its planned start on or after the first forward month, so no sunk flow would move into the
    future), and the start must lie in its window ``[earliest_start, latest_start]``, at most ``shift`` months
    from the planned start, and not before the first forward month.
    """
    offsets = np.arange(-shift, shift + 1)
    allowed = np.zeros((model.n, len(offsets)), dtype=bool)
    allowed[:, shift] = True
    if model.planned_start is None or not model.n:
        return allowed
    first = first_forward_month(model)
    planned = model.planned_start
    movable = ~model.active & (planned >= first)
    lowest = np.maximum((model.earliest_start - planned).astype(np.int64), (first - planned).astype(np.int64))
    highest = (model.latest_start - planned).astype(np.int64)
    inside = (offsets >= lowest[:, None]) & (offsets <= highest[:, None])
    return allowed | (movable[:, None] & inside)


def _flow_ranges(model: PortfolioModel, project: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return where each candidate's entries begin in ``project`` (sorted) and how many it has."""
    begin = np.searchsorted(project, np.arange(model.n))
    end = np.searchsorted(project, np.arange(model.n), side="right")
    return begin, end - begin


def _expand(owner: np.ndarray, begin: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return, for every column's entries, the column and the entry index (each column repeats its owner's range)."""
    per_column = count[owner]
    column = np.repeat(np.arange(len(owner)), per_column)
    column_start = np.cumsum(per_column) - per_column
    entry = begin[owner][column] + np.arange(len(column)) - column_start[column]
    return column, entry


def schedule_options(
    model: PortfolioModel,
    params: WhatIf,
    problem: Problem,
    value: np.ndarray,
    pos: np.ndarray,
    overrun: float,
    rate: float,
    scale: float,
    strategic: np.ndarray,
    stop_value: np.ndarray,
) -> StartOptions:
    """Return the start options of a what-if with ``params.shift > 0`` (see :class:`StartOptions`).

    Each allowed start (``allowed_offsets``) moves the candidate's forward cost, benefit and team demand by whole
    months; its value is the objective of DESIGN.md on the moved flows, discounted by
    ``analytics.finance.discount_factors`` from ``as_of`` like every NPV (benefits also delayed by
    ``benefit_delay_months``), against the same ``rnpv_scale`` as the planned starts. Planned starts keep the
    selection problem's own value and resource column exactly, so the plan is the same answer with or without
    shifts. A dependency ``finish_to_start`` is a dependency in time when the planned dates meet it; one the
    plan itself breaks stays a dependency in choice, so the plan remains feasible.
    """
    shift = params.shift
    layout = cached_on_model(model, ("start_layout", shift), lambda: _start_layout(model, shift))
    owner, column, flow, planned_column = layout.owner, layout.column, layout.flow, layout.planned_column
    at = layout.month_number - layout.low
    grid = np.arange(layout.low, layout.high + max(params.benefit_delay_months, 0) + 1).astype("datetime64[M]")
    factor = finance.discount_factors(grid.astype("datetime64[D]"), model.as_of, rate)
    delayed = finance.discount_factors((grid + params.benefit_delay_months).astype("datetime64[D]"), model.as_of, rate)
    n_columns = len(owner)
    pv_cost = np.bincount(column, model.flow_cost[flow] * factor[at], n_columns) * overrun
    pv_benefit = np.bincount(column, model.flow_benefit[flow] * delayed[at], n_columns)
    rnpv = pos[owner] * pv_benefit - pv_cost
    column_value = (1.0 - params.alpha) * rnpv / scale + params.alpha * strategic[owner] + stop_value[owner]
    column_value[planned_column] = value[owner[planned_column]]
    usage = cached_on_model(
        model, ("start_usage", shift, overrun), lambda: _start_usage(layout, problem.usage, problem.m)
    )
    schedule = ScheduleProblem(
        n=model.n,
        options=2 * shift + 1,
        owner=owner,
        slot=layout.slot,
        first=layout.first,
        value=column_value,
        usage=usage,
        limit=problem.limit,
        start=layout.start,
        finish=layout.finish,
        requires=model.requires,
        timed=layout.timed,
        forced_in=problem.forced_in,
        forced_out=problem.forced_out,
        preferred=layout.preferred,
        base=problem,
        budget_rows=problem.budget_rows,
        # Shared by every move with this shift (and overrun): the greedy's plain-list copies of what does not
        # change with the other settings.
        _model={
            "needs": layout.needs,
            "usage_lists": cached_on_model(model, ("start_usage_lists", shift, overrun), lambda: csc_lists(usage)),
        },
    )
    return StartOptions(
        schedule=schedule,
        shift=shift,
        offset=layout.offset,
        rnpv=rnpv,
        pv_benefit=pv_benefit,
        pv_cost=pv_cost,
        cost_by_year=layout.cost_by_year * overrun,
        start_month=layout.start_month,
    )


@dataclass(frozen=True, eq=False)
class _StartLayout:
    """What a shift of N months lays out before any setting but ``shift`` matters (cached per model and N).

    The columns (``owner``, ``slot``, ``offset``, ``first``), each column's forward flows (``column``, ``flow``,
    their moved ``month_number`` and its range ``low..high``), its cost per fiscal year before the overrun, its
    moved team demand as coordinates, its months, the dependencies in time and what each candidate needs.
    """

    owner: np.ndarray
    slot: np.ndarray
    offset: np.ndarray
    first: np.ndarray
    planned_column: np.ndarray
    column: np.ndarray
    flow: np.ndarray
    month_number: np.ndarray
    low: int
    high: int
    cost_by_year: np.ndarray
    demand_rows: np.ndarray
    demand_cols: np.ndarray
    demand_amounts: np.ndarray
    start: np.ndarray
    finish: np.ndarray
    timed: np.ndarray
    start_month: np.ndarray
    preferred: np.ndarray
    needs: list


def _start_layout(model: PortfolioModel, shift: int) -> _StartLayout:
    allowed = allowed_offsets(model, shift)
    owner, slot = np.nonzero(allowed)
    offset = slot - shift
    n_columns = len(owner)
    first = first_forward_month(model)
    planned_column = offset == 0

    # Money: every forward flow of each column's candidate, moved by the column's offset.
    flow_begin, flow_count = cached_on_model(model, "flow_ranges", lambda: _flow_ranges(model, model.flow_project))
    column, flow = _expand(owner, flow_begin, flow_count)
    month = model.flow_month[flow] + offset[column]
    month_number = month.astype(np.int64)
    low = int(month_number.min()) if len(month_number) else 0
    high = int(month_number.max()) if len(month_number) else 0

    n_years = len(model.fiscal_years)
    year = fiscal_year_of(month, model.fiscal_year_start_month) - (model.fiscal_years[0] if n_years else 0)
    in_horizon = (year >= 0) & (year < n_years) & (model.flow_cost[flow] > 0)
    cost_by_year = np.zeros((n_columns, n_years))
    np.add.at(cost_by_year, (column[in_horizon], year[in_horizon]), model.flow_cost[flow][in_horizon])
    cost_by_year[planned_column] = model.cost_by_year[owner[planned_column]]

    # Team demand, moved the same way; cells outside the capacity grid are not constrained.
    n_months = len(model.months)
    grid_months = model.months.astype("datetime64[M]")
    shifted = ~planned_column
    rows, cols, amounts = [], [], []
    if model.demand_project is not None and n_months:
        order = cached_on_model(model, "demand_order", lambda: np.argsort(model.demand_project, kind="stable"))
        demand_project = model.demand_project[order]
        demand_begin, demand_count = cached_on_model(
            model, "demand_ranges", lambda: _flow_ranges(model, demand_project)
        )
        moved = np.flatnonzero(shifted)
        d_column, d_entry = _expand(owner[moved], demand_begin, demand_count)
        d_entry = order[d_entry]
        target = model.demand_month[d_entry] + offset[moved][d_column]
        m = np.minimum(np.searchsorted(grid_months, target), n_months - 1)
        on_grid = grid_months[m] == target
        rows.append(n_years + model.demand_team[d_entry][on_grid] * n_months + m[on_grid])
        cols.append(moved[d_column][on_grid])
        amounts.append(model.demand_value[d_entry][on_grid])
    moved_cost = cost_by_year[shifted]
    y_index, c_index = np.nonzero(moved_cost.T)
    rows.append(y_index)
    cols.append(np.flatnonzero(shifted)[c_index])
    amounts.append(moved_cost.T[y_index, c_index])

    if model.planned_start is not None:
        start = (model.planned_start[owner] - first).astype(np.int64) + offset
        finish = (model.finish_month[owner] - first).astype(np.int64) + offset
        planned_order = model.finish_month[model.requires[:, 1]] <= model.planned_start[model.requires[:, 0]]
        timed = model.requires_timed & planned_order
        start_month = model.planned_start[owner] + offset
    else:
        start = finish = np.zeros(n_columns, dtype=np.int64)
        timed = np.zeros(len(model.requires), dtype=bool)
        start_month = np.full(n_columns, first)
    return _StartLayout(
        owner=owner.astype(np.int64),
        slot=slot.astype(np.int64),
        offset=offset,
        first=np.searchsorted(owner, np.arange(model.n + 1)).astype(np.int64),
        planned_column=planned_column,
        column=column,
        flow=flow,
        month_number=month_number,
        low=low,
        high=high,
        cost_by_year=cost_by_year,
        demand_rows=np.concatenate(rows),
        demand_cols=np.concatenate(cols),
        demand_amounts=np.concatenate(amounts),
        start=start,
        finish=finish,
        timed=timed,
        start_month=start_month,
        preferred=np.where(model.in_plan, shift, -1).astype(np.int64),
        needs=needs_lists(model.n, model.requires, timed),
    )


def _start_usage(layout: _StartLayout, planned: sp.csc_matrix, m: int) -> sp.csc_matrix:
    """Return the ``(m, C)`` use of every column: the moved ones laid out, planned starts the selection's own."""
    planned_usage = planned[:, layout.owner[layout.planned_column]].tocoo()
    rows = np.concatenate([layout.demand_rows, planned_usage.row])
    cols = np.concatenate([layout.demand_cols, np.flatnonzero(layout.planned_column)[planned_usage.col]])
    amounts = np.concatenate([layout.demand_amounts, planned_usage.data])
    usage = sp.csc_matrix((amounts, (rows, cols)), shape=(m, len(layout.owner)))
    usage.sum_duplicates()
    return usage
