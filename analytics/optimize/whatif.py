"""What-if settings (:class:`WhatIf`) applied to a prepared model: the :class:`Problem` to solve, vectorised, no SQL."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from analytics import finance
from analytics.optimize.model import PortfolioModel
from analytics.optimize.problem import FORCED_IN, FORCED_OUT, Problem
from analytics.optimize.schedule import ScheduleProblem
from analytics.optimize.start_options import (
    StartOptions,
    cached_on_model,
    schedule_options,
)
from analytics.rules import DEFAULT_ALPHA, stage_label

#: Why a plan project is in although nobody forced it (``Problem.why_in``): the levers that would free it.
KEPT_ACTIVE = "is in flight (active) and “Allow stopping active projects” is off"
KEPT_NOT_STARTED = "is in the plan, not started, and “Allow dropping planned projects” is off"


def _frozen_mapping(values) -> tuple[tuple[str, float], ...]:
    items = values.items() if hasattr(values, "items") else (values or ())
    return tuple(sorted((str(k), float(v)) for k, v in items))


@dataclass(frozen=True)
class WhatIf:
    """The what-if settings; they change inputs, never the store. Hashable, so it can key a cache.

    Attributes
    ----------
    budget_pct
        Every fiscal year's budget as a percentage of the plan's forward spend (``PortfolioModel.plan_budget``);
        100 = exactly the plan's money in each fiscal year.
    run_rate_floor
        The labelled budget option: 100 % is the plan's spend with a run-rate floor
        (``PortfolioModel.run_rate_budget``), so years where current work winds down keep the plan's run rate.
    budget_by_year
        Optional explicit budgets in money, one per ``PortfolioModel.fiscal_years``; overrides ``budget_pct``.
    discount_rate
        Annual rate for rNPV; None means ``settings.discount_rate``.
    alpha
        Money ↔ strategy: ``value_i = (1 − α) · rNPV_i / max_j |rNPV_j| + α · strategic_score_i`` (default
        ``rules.DEFAULT_ALPHA``).
    objective_weights
        ``{objective_id: weight}`` replacing stored weights (objectives not named keep theirs).
    capacity_fte_delta, capacity_pct_delta
        ``{team_id: ±FTE}`` added to every month of the horizon, ``{team_id: ±fraction}`` scaling it
        (0.1 = +10 %); the fraction applies first.
    flex
        Capacity may be exceeded by this fraction: ``Σ demand ≤ capacity · (1 + flex)``.
    pos_haircut
        Probabilities of success are multiplied by ``1 − pos_haircut``.
    cost_overrun
        Every forward cost is multiplied by ``1 + cost_overrun`` (in rNPV and against the budget).
    benefit_delay_months
        Every forward benefit arrives this many months later (and is discounted accordingly).
    force_in, force_out
        Project ids that must be / must not be chosen (beside the store's mandatory flags).
    allow_stop
        False (the default): every active project the plan keeps stays in (work in flight is kept). True: the
        optimiser may stop one, which forgoes its forward rNPV and pays its stop cost in the first fiscal year.
    allow_drop
        False (the default): every plan project not yet started (approved, or chosen by the latest decision) stays
        in. True: the optimiser may drop one; it has not started, so dropping it costs nothing but its rNPV.
        With both False the plan's own settings reproduce the plan (DESIGN.md).
    shift
        Months a project may start away from its planned start (the lever "Allow start shifts up to N months"). 0
        (the default) is today's selection exactly, by the same code path: ``WhatIfProblem.schedule`` is None.
        N > 0: each proposed or approved candidate that has not started may start in any month of its window
        ``[earliest_start, latest_start]`` that is at most N months from its planned start, earlier or later (a
        window reaching before the planned start allows earlier starts; never before the first forward month);
        the planned start is always one option. Active candidates never move. See :func:`schedule_options`.
    """

    budget_pct: float = 100.0
    budget_by_year: tuple[float, ...] | None = None
    discount_rate: float | None = None
    alpha: float = DEFAULT_ALPHA
    objective_weights: tuple[tuple[str, float], ...] = ()
    capacity_fte_delta: tuple[tuple[str, float], ...] = ()
    capacity_pct_delta: tuple[tuple[str, float], ...] = ()
    flex: float = 0.0
    pos_haircut: float = 0.0
    cost_overrun: float = 0.0
    benefit_delay_months: int = 0
    force_in: tuple[str, ...] = ()
    force_out: tuple[str, ...] = ()
    run_rate_floor: bool = False
    allow_stop: bool = False
    allow_drop: bool = False
    shift: int = 0

    def __post_init__(self):
        # Accept dicts and lists from callers but keep the object hashable and its equality order-free.
        for name in ("objective_weights", "capacity_fte_delta", "capacity_pct_delta"):
            object.__setattr__(self, name, _frozen_mapping(getattr(self, name)))
        for name in ("force_in", "force_out"):
            object.__setattr__(self, name, tuple(sorted({str(p) for p in getattr(self, name)})))
        if self.budget_by_year is not None:
            object.__setattr__(self, "budget_by_year", tuple(float(b) for b in self.budget_by_year))
        object.__setattr__(self, "benefit_delay_months", int(self.benefit_delay_months))
        object.__setattr__(self, "run_rate_floor", bool(self.run_rate_floor))
        object.__setattr__(self, "allow_stop", bool(self.allow_stop))
        object.__setattr__(self, "allow_drop", bool(self.allow_drop))
        if int(self.shift) != self.shift or self.shift < 0:
            raise ValueError("shift must be a whole number of months, 0 or more")
        object.__setattr__(self, "shift", int(self.shift))
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError("alpha must be between 0 and 1")
        if not 0.0 <= self.pos_haircut <= 1.0:
            raise ValueError("pos_haircut must be between 0 and 1")
        if self.budget_pct < 0 or self.flex < 0 or self.cost_overrun <= -1:
            raise ValueError("budget_pct and flex must be ≥ 0 and cost_overrun > -1")

    def to_dict(self) -> dict:
        """Return the settings as plain JSON-ready values (a scenario's ``params``)."""
        return {
            "budget_pct": self.budget_pct,
            "budget_by_year": list(self.budget_by_year) if self.budget_by_year is not None else None,
            "discount_rate": self.discount_rate,
            "alpha": self.alpha,
            "objective_weights": dict(self.objective_weights),
            "capacity_fte_delta": dict(self.capacity_fte_delta),
            "capacity_pct_delta": dict(self.capacity_pct_delta),
            "flex": self.flex,
            "pos_haircut": self.pos_haircut,
            "cost_overrun": self.cost_overrun,
            "benefit_delay_months": self.benefit_delay_months,
            "force_in": list(self.force_in),
            "force_out": list(self.force_out),
            "run_rate_floor": self.run_rate_floor,
            "allow_stop": self.allow_stop,
            "allow_drop": self.allow_drop,
            "shift": self.shift,
        }

    @classmethod
    def from_dict(cls, values: dict) -> WhatIf:
        """Return the settings saved by :meth:`to_dict`; unknown keys are ignored, missing ones default."""
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True, eq=False)
class WhatIfProblem:
    """A model with what-if settings applied: the solver's :class:`Problem` and the numbers behind it.

    Attributes
    ----------
    model, params
        What it was built from.
    problem
        The selection problem: budget rows (one per fiscal year) then capacity rows (team-major, ``t·M + m``).
    value
        ``(n,)`` the objective of DESIGN.md.
    rnpv, pv_benefit, pv_cost, probability_of_success, strategic_score
        ``(n,)`` the money and strategy behind it after haircut, overrun, delay and rate.
    rnpv_scale
        ``max_j |rNPV_j|`` over the candidates (1 when all are 0): value units back to money.
    cost_by_year
        ``(n, Y)`` forward cost per fiscal year with the overrun.
    budget
        ``(Y,)`` the budget of each fiscal year.
    capacity_fte
        ``(T, M)`` capacity after the team deltas, before flex; the limit is ``capacity_fte · (1 + flex)`` plus
        the plan's own over-booking (``PortfolioModel.plan_overbooked_fte``).
    stop_cost
        ``(n,)`` what stopping each candidate costs in money (0 for one not active); see ``stop_value``.
    stop_value
        ``(n,)`` the same in objective units, ``(1 − α) · stop_cost / rnpv_scale``. The problem's ``value`` of an
        active candidate includes it (keeping it saves its stop cost); ``selection_totals`` takes it back out for
        the ones stopped, so totals are the real objective.
    options
        None at ``shift`` 0. With start shifts (``params.shift > 0``): the start options (:class:`StartOptions`),
        whose ``schedule`` is the problem ``select_schedule``'s solvers take.
    """

    model: PortfolioModel
    params: WhatIf
    problem: Problem
    value: np.ndarray
    rnpv: np.ndarray
    pv_benefit: np.ndarray
    pv_cost: np.ndarray
    probability_of_success: np.ndarray
    strategic_score: np.ndarray
    rnpv_scale: float
    cost_by_year: np.ndarray
    budget: np.ndarray
    capacity_fte: np.ndarray
    stop_cost: np.ndarray
    stop_value: np.ndarray
    options: StartOptions | None = None

    @property
    def schedule(self) -> ScheduleProblem | None:
        """Return the schedule problem of the start shifts, or None at ``shift`` 0 (then solve ``problem``)."""
        return None if self.options is None else self.options.schedule

    @property
    def plan(self) -> np.ndarray:
        """Return ``(n,)`` the plan these settings are compared against (``PortfolioModel.in_plan``)."""
        return self.model.in_plan

    def stopped(self, chosen: np.ndarray) -> np.ndarray:
        """Return ``(n,)`` bool: active candidates that ``chosen`` stops."""
        return self.model.active & ~np.asarray(chosen, dtype=bool)

    def spend_by_year(self, chosen: np.ndarray) -> np.ndarray:
        """Return ``(Y,)`` what ``chosen`` spends in each fiscal year.

        Forward costs (with the overrun), plus the stop costs of the active projects it stops, in the first year.
        """
        spend = self.cost_by_year[np.asarray(chosen, dtype=bool)].sum(axis=0)
        if len(spend):
            spend[0] += self.stop_cost[self.stopped(chosen)].sum()
        return spend


def base_budget(model: PortfolioModel, params: WhatIf) -> np.ndarray:
    """Return the budget at 100 %: the explicit per-year budgets, else the plan's spend (or its run-rate floor).

    Raises
    ------
    ValueError
        When ``budget_by_year`` does not have one amount per fiscal year.
    """
    if params.budget_by_year is not None:
        if len(params.budget_by_year) != len(model.fiscal_years):
            raise ValueError(f"budget_by_year needs {len(model.fiscal_years)} amounts, one per fiscal year")
        return np.asarray(params.budget_by_year, dtype=float)
    return model.run_rate_budget if params.run_rate_floor else model.plan_budget


def budget_limits(what_if: WhatIfProblem, budget: np.ndarray) -> np.ndarray:
    """Return the problem's budget rows for ``budget`` (money per fiscal year), in planned money.

    Costs are solved in planned money (the overrun divides the budget). Every active candidate's stop cost is
    moved out of the first year's limit and into its column with a minus sign (kept, it gives the money back),
    so ``usage · x ≤ limit`` is ``Σ chosen cost + Σ stopped stop cost ≤ budget``.
    """
    return _budget_rows(budget, what_if.stop_cost, 1.0 + what_if.params.cost_overrun)


def _budget_rows(budget: np.ndarray, stop_cost: np.ndarray, overrun: float) -> np.ndarray:
    limit = np.asarray(budget, dtype=float) / overrun
    if len(limit):
        limit[0] -= stop_cost.sum() / overrun
    return limit


def _usage_matrix(model: PortfolioModel, overrun: float) -> sp.csc_matrix:
    """Return the ``(Y + T·M, n)`` resource matrix: forward cost per fiscal year, then FTE per cell.

    An active candidate's first-year entry is its cost there minus its stop cost (in planned money, so divided by
    ``overrun``); see ``budget_limits``.
    """
    cost = model.cost_by_year.copy()
    if cost.shape[1]:
        cost[:, 0] -= model.stop_costs / overrun
    return sp.vstack([sp.csc_matrix(cost.T), sp.csc_matrix(model.demand_fte.T)], format="csc").astype(float)


def forward_value_parts(
    model: PortfolioModel, rate: float, benefit_delay_months: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return each candidate's forward PV of benefits (delayed by whole months) and PV of costs at ``rate``.

    Discounting is ``analytics.finance.discount_factors`` (Excel XNPV from ``as_of``), evaluated once per
    distinct month and gathered, so a slider move costs a few hundred microseconds.
    """
    months, month_of_flow = cached_on_model(model, "months", lambda: np.unique(model.flow_month, return_inverse=True))
    cost_factor = finance.discount_factors(months.astype("datetime64[D]"), model.as_of, rate)
    delayed = (months + benefit_delay_months).astype("datetime64[D]")
    benefit_factor = finance.discount_factors(delayed, model.as_of, rate)
    pv_benefit = np.bincount(model.flow_project, model.flow_benefit * benefit_factor[month_of_flow], model.n)
    pv_cost = np.bincount(model.flow_project, model.flow_cost * cost_factor[month_of_flow], model.n)
    return pv_benefit, pv_cost


def objective_weights(model: PortfolioModel, params: WhatIf) -> np.ndarray:
    """Return ``(O,)`` the weight of each of ``model.objective_ids`` under ``params`` (the store's, unless named)."""
    changed = dict(params.objective_weights)
    return np.asarray(
        [
            changed.get(objective_id, weight)
            for objective_id, weight in zip(model.objective_ids, model.objective_weights, strict=True)
        ],
        dtype=float,
    )


def apply_what_if(model: PortfolioModel, params: WhatIf | None = None) -> WhatIfProblem:
    """Apply what-if settings to a prepared model: values, budgets and capacities, no SQL.

    ``rNPV_i = PoS_i · (1 − haircut) · PV(benefits_i, delayed) − (1 + overrun) · PV(costs_i)``; the strategic
    score is ``analytics.finance.strategic_scores_from_alignment`` with the (changed) weights;
    ``value_i = (1 − α) · rNPV_i / max_j |rNPV_j| + α · score_i`` (DESIGN.md). Mandatory and ``force_in``
    candidates are in; ``force_out`` and blocked ones (``PortfolioModel.blocked``) are out.

    Parameters
    ----------
    model
        From :func:`prepare_model`.
    params
        The settings; None means the plan's (``WhatIf()``).

    Returns
    -------
    WhatIfProblem
        The problem to solve and the numbers behind it.
    """
    params = WhatIf() if params is None else params
    rate = model.discount_rate if params.discount_rate is None else float(params.discount_rate)
    pv_benefit, pv_cost = forward_value_parts(model, rate, params.benefit_delay_months)
    overrun = 1.0 + params.cost_overrun
    pv_cost = pv_cost * overrun
    pos = model.probability_of_success * (1.0 - params.pos_haircut)
    rnpv = pos * pv_benefit - pv_cost
    strategic = finance.strategic_scores_from_alignment(model.alignment, objective_weights(model, params))
    scale = float(np.abs(rnpv).max()) if model.n and np.abs(rnpv).max() > 0 else 1.0
    stop_cost = model.stop_costs
    stop_value = (1.0 - params.alpha) * stop_cost / scale
    value = (1.0 - params.alpha) * rnpv / scale + params.alpha * strategic + stop_value

    budget = base_budget(model, params) * params.budget_pct / 100.0
    capacity = model.capacity_fte.copy()
    for team_id, fraction in params.capacity_pct_delta:
        capacity[model.teams == team_id] *= 1.0 + fraction
    for team_id, fte in params.capacity_fte_delta:
        capacity[model.teams == team_id] += fte
    capacity = np.maximum(capacity, 0.0)

    forced_in = model.mandatory.copy()
    in_reason = np.full(model.n, None, dtype=object)
    # A plan project the user forces out is stopped or dropped on purpose: the keep rule yields to it.
    user_out = np.zeros(model.n, dtype=bool)
    user_out[model.index_of(params.force_out)] = True
    for allowed, stage_mask, reason in (
        (params.allow_stop, model.active, KEPT_ACTIVE),
        (params.allow_drop, ~model.active, KEPT_NOT_STARTED),
    ):
        if not allowed:
            kept = stage_mask & model.in_plan & ~model.mandatory & ~user_out
            forced_in |= kept
            in_reason[kept] = reason
    user_in = model.index_of(params.force_in)
    forced_in[user_in] = True
    in_reason[user_in] = FORCED_IN
    out_reason = np.full(model.n, None, dtype=object)
    blocked = model.blocked
    for i in np.flatnonzero(blocked):
        stage = stage_label(model.unmet_stage[i])
        out_reason[i] = f"needs {model.unmet_dependency[i]}, which is {stage}"
    forced_out = blocked.copy()
    forced = model.index_of(params.force_out)
    forced_out[forced] = True
    out_reason[forced] = FORCED_OUT

    n_years, n_months = len(model.fiscal_years), len(model.months)
    labels = cached_on_model(
        model, "labels", lambda: np.asarray([model.label(i) for i in range(model.n)], dtype=object)
    )

    def row_label(r: int) -> str:
        if r < n_years:
            return f"the FY{model.fiscal_years[r]} budget"
        t, m = divmod(r - n_years, n_months)
        return f"{model.team_names[t]} in {_month_name(model.months[m])}"

    # A team-month the plan already over-books keeps the plan's excess as an allowance, so the plan stays feasible
    # and nothing can be added to that cell (DESIGN.md: the plan is one answer at the defaults).
    capacity_limit = capacity * (1.0 + params.flex) + model.plan_overbooked_fte
    budget_rows = _budget_rows(budget, stop_cost, overrun)
    problem = Problem(
        value=value,
        usage=cached_on_model(model, ("usage", overrun), lambda: _usage_matrix(model, overrun)),
        limit=np.r_[budget_rows, capacity_limit.ravel()],
        requires=model.requires,
        forced_in=forced_in,
        forced_out=forced_out,
        names=labels,
        row_label=row_label,
        out_reason=out_reason,
        budget_rows=n_years,
        currency=model.currency,
        # Budget rows are solved in planned money (the overrun divides the budget); amounts read as real money.
        money_scale=overrun,
        in_reason=in_reason,
        preferred=model.in_plan,
        stop_reserve=float(stop_cost.sum() / overrun) if n_years else 0.0,
    )
    options = None
    if params.shift > 0:
        options = schedule_options(
            model, params, problem, value, pos, overrun, rate, scale, strategic + 0.0, stop_value
        )
    return WhatIfProblem(
        model=model,
        params=params,
        problem=problem,
        value=value,
        rnpv=rnpv,
        pv_benefit=pv_benefit,
        pv_cost=pv_cost,
        probability_of_success=pos,
        strategic_score=strategic,
        rnpv_scale=scale,
        cost_by_year=model.cost_by_year * overrun,
        budget=budget,
        capacity_fte=capacity,
        stop_cost=stop_cost,
        stop_value=stop_value,
        options=options,
    )


def _month_name(month: np.datetime64) -> str:
    """Return ``"Mar 2027"``."""
    return np.datetime64(month, "D").astype(object).strftime("%b %Y")


def selection_totals(what_if: WhatIfProblem, chosen: np.ndarray, feasible: bool = True) -> dict:
    """Return ``value``, ``rnpv``, ``strategic_score`` (mean), ``spend``, ``projects``, ``stopped``, ``stop_cost``.

    ``rnpv`` is the chosen projects' forward rNPV minus the stop cost of every active project the selection stops
    (sunk cost never counts); ``value`` the blended objective likewise; ``spend`` their forward cost with the
    overrun plus those stop costs. NaN (and 0 projects) for an infeasible answer, whose ``chosen`` is empty by
    convention, not a selection.
    """
    if not feasible:
        nan = float("nan")
        return {
            "value": nan,
            "rnpv": nan,
            "strategic_score": nan,
            "spend": nan,
            "projects": 0,
            "stopped": 0,
            "stop_cost": nan,
        }
    chosen = np.asarray(chosen, dtype=bool)
    stopped = what_if.stopped(chosen)
    stop_cost = float(what_if.stop_cost[stopped].sum())
    return {
        "value": float(what_if.value[chosen].sum() - what_if.stop_value[what_if.model.active].sum()),
        "rnpv": float(what_if.rnpv[chosen].sum()) - stop_cost,
        "strategic_score": float(what_if.strategic_score[chosen].mean()) if chosen.any() else 0.0,
        "spend": float(what_if.cost_by_year[chosen].sum()) + stop_cost,
        "projects": int(chosen.sum()),
        "stopped": int(stopped.sum()),
        "stop_cost": stop_cost,
    }


def _schedule_columns(what_if: WhatIfProblem, option: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(chosen, columns)`` of a schedule: ``(n,)`` bool, and ``(C,)`` bool (None at shift 0)."""
    option = np.asarray(option, dtype=np.int64)
    chosen = option >= 0
    if what_if.options is None:
        return chosen, None
    return chosen, what_if.options.columns(option)


def schedule_totals(what_if: WhatIfProblem, option: np.ndarray, feasible: bool = True) -> dict:
    """Return :func:`selection_totals` of a schedule: ``value``, ``rnpv`` and ``spend`` at the chosen starts.

    ``option`` is a :class:`~analytics.optimize.schedule.Schedule`'s (``-1`` = not chosen). At shift 0 it is
    ``selection_totals`` of ``option >= 0``.
    """
    chosen, columns = _schedule_columns(what_if, option)
    totals = selection_totals(what_if, chosen, feasible)
    if columns is None or not feasible:
        return totals
    options = what_if.options
    stop_cost = totals["stop_cost"]
    totals["value"] = float(options.schedule.value[columns].sum() - what_if.stop_value[what_if.model.active].sum())
    totals["rnpv"] = float(options.rnpv[columns].sum()) - stop_cost
    totals["spend"] = float(options.cost_by_year[columns].sum()) + stop_cost
    return totals


def schedule_starts(what_if: WhatIfProblem, option: np.ndarray) -> dict:
    """Return ``{project_id: start date}`` of the chosen projects that a schedule moves (``save_scenario``'s starts).

    Projects that start as planned are left out: a saved scenario's null start is the planned start.
    """
    chosen, columns = _schedule_columns(what_if, option)
    if columns is None:
        return {}
    options = what_if.options
    moved = columns & (options.offset != 0)
    owners = options.schedule.owner[moved]
    months = options.start_month[moved].astype("datetime64[D]")
    return {str(what_if.model.project_ids[i]): month.astype(object) for i, month in zip(owners, months, strict=True)}


def option_of_starts(what_if: WhatIfProblem, chosen: np.ndarray, starts: dict) -> np.ndarray:
    """Return the schedule (one option or -1 per candidate) of a selection and its saved starts.

    ``starts`` is ``{project_id: date}`` as a scenario saved with shifts reads back; a chosen project without one,
    or whose start is no longer one of its options, starts as planned. At shift 0 every chosen project does.
    """
    chosen = np.asarray(chosen, dtype=bool)
    if what_if.options is None:
        return np.where(chosen, 0, -1).astype(np.int64)
    options = what_if.options
    option = options.planned(chosen)
    schedule = options.schedule
    for project_id, start in starts.items():
        found = what_if.model.index_of([project_id])
        if not len(found) or not chosen[found[0]]:
            continue
        i = int(found[0])
        mine = np.arange(schedule.first[i], schedule.first[i + 1])
        match = mine[options.start_month[mine] == np.datetime64(start, "M")]
        if len(match):
            option[i] = schedule.slot[match[0]]
    return option
