"""The optimiser's view of the store, the only module of the package with SQL: :class:`PortfolioModel`.

Read once per store version by :func:`prepare_model`; every what-if setting is applied to it later without SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import scipy.sparse as sp

from analytics import finance
from analytics.rules import ACTIVE_STAGE, CANDIDATE_SQL, COMMITTED_STAGES, DONE_STAGE, PROPOSED_STAGE
from analytics.store import read_settings

#: The dependency kind that orders projects in time (``project_dependencies.kind``).
FINISH_TO_START = "finish_to_start"
#: Months in a quarter: the price tags hire people a quarter at a time.
QUARTER_MONTHS = 3

_CANDIDATES_SQL = f"""
SELECT project_id, name, stage, mandatory, probability_of_success, coalesce(stop_cost, 'NaN') AS stop_cost,
       start_date, end_date, earliest_start, latest_start
FROM projects WHERE stage IN ({CANDIDATE_SQL}) ORDER BY project_id
"""  # noqa: S608 -- only rules' stage constants are pasted in
_CANDIDATE_IDS_SQL = f"SELECT project_id FROM projects WHERE stage IN ({CANDIDATE_SQL})"  # noqa: S608 -- rules' constants
_FLOWS_SQL = f"""
SELECT project_id, period, cost, benefit FROM project_cashflows
WHERE period >= ? AND project_id IN ({_CANDIDATE_IDS_SQL})
  AND (cost <> 0 OR benefit <> 0)
ORDER BY project_id, period
"""  # noqa: S608 -- only rules' stage constants are pasted in
_CAPACITY_SQL = """
SELECT t.team_id, t.name, c.period, c.fte FROM team_capacity c JOIN teams t USING (team_id)
WHERE c.period >= ? ORDER BY t.team_id, c.period
"""
_DEMAND_SQL = f"""
SELECT d.project_id, d.team_id, d.period, d.fte FROM project_demand d
WHERE d.period >= ? AND d.fte > 0
  AND d.project_id IN ({_CANDIDATE_IDS_SQL})
"""  # noqa: S608 -- only rules' stage constants are pasted in
_DEPENDENCIES_SQL = f"""
SELECT d.project_id, d.depends_on, coalesce(q.stage, 'missing') AS depends_on_stage, d.kind
FROM project_dependencies d LEFT JOIN projects q ON q.project_id = d.depends_on
WHERE d.project_id IN ({_CANDIDATE_IDS_SQL})
ORDER BY d.project_id, d.depends_on
"""  # noqa: S608 -- only rules' stage constants are pasted in
_ALIGNMENT_SQL = f"""
SELECT a.project_id, a.objective_id, a.score FROM project_alignment a
WHERE a.project_id IN ({_CANDIDATE_IDS_SQL})
"""  # noqa: S608 -- only rules' stage constants are pasted in
_OBJECTIVES_SQL = "SELECT objective_id, name, weight FROM objectives ORDER BY objective_id"
_DECISION_SQL = """
SELECT d.decision_id, d.scenario_id, s.name, d.decided_at, d.decided_by
FROM decisions d LEFT JOIN scenarios s USING (scenario_id)
"""
# The latest decision and its scenario: newest decided_at; rowid (insertion order, which an append-only table never
# reshuffles) breaks a tie, as in ``analytics.decisions.latest_decision``.
_LATEST_DECISION_SQL = _DECISION_SQL + "ORDER BY d.decided_at DESC, d.rowid DESC LIMIT 1"
_GIVEN_DECISION_SQL = _DECISION_SQL + "WHERE d.decision_id = ?"
# What a decision chose, and the start a scenario saved with shifts recorded for each (null: as planned then).
_DECIDED_SQL = "SELECT project_id, start FROM scenario_projects WHERE scenario_id = ? AND chosen"

PLAN_COMMITTED = "committed"
PLAN_DECISION = "decision"


@dataclass(frozen=True)
class PlanSource:
    """Where the plan comes from (DESIGN.md "The plan, the schedule and stopping").

    Attributes
    ----------
    kind
        ``"decision"``: the latest recorded decision's chosen projects that are still candidates, plus every
        mandatory one; ``"committed"`` (no decision yet): the approved and active projects plus every mandatory one.
    scenario_name, decided_at, decided_by
        The decision's scenario, when and by whom (None for ``"committed"``).
    decision_id
        The decision (None for ``"committed"``).
    """

    kind: str = PLAN_COMMITTED
    scenario_name: str | None = None
    decided_at: object = None
    decided_by: str | None = None
    decision_id: str | None = None


@dataclass(frozen=True, eq=False)
class PortfolioModel:
    """Everything the optimiser needs from the store, as numpy arrays: read once per store version.

    Candidates are the projects in stage proposed, approved or active (DESIGN.md), sorted by id; index ``i``
    is the same candidate in every array. "Forward" means dated on or after ``as_of``, as for NPV.

    Attributes
    ----------
    project_ids, names, stages
        ``(n,)`` the candidates.
    mandatory
        ``(n,)`` the store's mandatory flag.
    in_plan
        ``(n,)`` **the current plan** (``plan_source`` says which): the latest decision's chosen candidates, or,
        before any decision, the committed ones (stage approved or active); plus every mandatory candidate; plus
        what those need (the closure over ``requires``: a committed project that needs a proposed one commits to
        it too, else the plan would break its own dependencies and the defaults could not reproduce it). It is
        the reference the what-if page compares against, and its forward spend is the 100 % of the budget.
    probability_of_success
        ``(n,)`` from the store.
    flow_project, flow_month, flow_cost, flow_benefit
        The candidates' forward monthly cash flows, flat: candidate index, month (``datetime64[M]``), amounts.
    fiscal_years
        ``(Y,)`` the fiscal years with forward cost, named by the calendar year they end in (FY2027 ends in 2027).
    year_months
        ``(Y,)`` how many months of each fiscal year lie on or after ``as_of`` (the first one may be partial).
    cost_by_year
        ``(n, Y)`` forward cost of each candidate in each fiscal year.
    teams, team_names, months
        ``(T,)``, ``(T,)`` and ``(M,)`` (``datetime64[D]``): the capacity grid, every month in ``team_capacity``
        from ``as_of`` on. Demand outside these months has no capacity to check against and is not constrained.
    capacity_fte
        ``(T, M)`` FTE each team has each month (0 where the store has no row).
    demand_fte
        ``(n, T·M)`` sparse CSR: FTE each candidate asks of cell ``t·M + m``.
    requires
        ``(d, 2)`` index pairs ``(i, j)`` between candidates: i needs j.
    unmet_dependency
        ``(n,)`` object: the id of a project the candidate needs that is neither a candidate nor completed (on
        hold, cancelled or unknown), else None. Dependencies on completed projects are met and dropped; one on a
        project outside the candidates cannot be met by the selection, so a *proposed* candidate with one is
        blocked (see ``blocked``), while an approved or active one is not stopped by it (it is already running
        and the page shows the dependency as a risk).
    unmet_stage
        ``(n,)`` object: that project's stage (``"on_hold"``, ``"cancelled"``, ``"missing"``), else None.
    objective_ids, objective_names, objective_weights
        ``(O,)`` the strategic objectives and their stored weights.
    alignment
        ``(n, O)`` 0–5 alignment score of each candidate against each objective (0 where missing).
    as_of, currency, discount_rate, fiscal_year_start_month
        From ``settings``.
    stop_cost
        ``(n,)`` what stopping each *active* candidate costs (``analytics.finance.stop_costs``: stored, else the
        stated share of its next quarter's cost); 0 for the others, which have not started. None means all 0.
    stop_cost_stored
        ``(n,)`` bool: the store holds the active candidate's own figure (else it is the default share).
    plan_source
        Where ``in_plan`` comes from.
    planned_start, finish_month
        ``(n,)`` ``datetime64[M]``: the month each candidate starts in the plan, and the month after it finishes
        (a dependency in time: the needed project's ``finish_month`` ≤ the other's start). The plan's start is
        the month of the store's ``start_date``, except for a project the plan's decision chose at a start of its
        own (a scenario saved with shifts, ``scenario_projects.start``): that project starts there, and its flows
        and demand above (``flow_month``, ``cost_by_year``, ``demand_fte``, ``demand_month``) are moved by the
        same whole months, so the plan's money, rNPV and capacity use are at the decided starts and the what-if
        at its defaults reproduces the decision. A start shift (``WhatIf.shift``) moves a project from there: the
        decided start is not a move. A project that has started since (active, or its store start or decided
        start already past) runs on the store's dates: ``analytics.decisions.decision_vs_now`` reports it.
    store_start
        ``(n,)`` ``datetime64[M]``: the month of the store's ``start_date`` (``planned_start`` unless decided away).
    earliest_start, latest_start
        ``(n,)`` ``datetime64[M]``: its start window from the store, the planned start where the store has none.
    requires_timed
        ``(d,)`` bool, one per ``requires`` pair: the dependency is ``finish_to_start`` (the needed project must
        finish before the other starts), not only ``requires`` (both chosen).
    demand_project, demand_team, demand_month, demand_value
        The candidates' forward demand on teams of the capacity grid, flat (month as ``datetime64[M]``, any month,
        on the grid or after it): what a start shift moves. ``demand_fte`` is the same at the planned starts.
    """

    project_ids: np.ndarray
    names: np.ndarray
    stages: np.ndarray
    mandatory: np.ndarray
    in_plan: np.ndarray
    probability_of_success: np.ndarray
    flow_project: np.ndarray
    flow_month: np.ndarray
    flow_cost: np.ndarray
    flow_benefit: np.ndarray
    fiscal_years: np.ndarray
    year_months: np.ndarray
    cost_by_year: np.ndarray
    teams: np.ndarray
    team_names: np.ndarray
    months: np.ndarray
    capacity_fte: np.ndarray
    demand_fte: sp.csr_matrix
    requires: np.ndarray
    unmet_dependency: np.ndarray
    unmet_stage: np.ndarray
    objective_ids: np.ndarray
    objective_names: np.ndarray
    objective_weights: np.ndarray
    alignment: np.ndarray
    as_of: date
    currency: str
    discount_rate: float
    fiscal_year_start_month: int
    stop_cost: np.ndarray | None = None
    stop_cost_stored: np.ndarray | None = None
    plan_source: PlanSource = field(default_factory=PlanSource)
    planned_start: np.ndarray | None = None
    store_start: np.ndarray | None = None
    finish_month: np.ndarray | None = None
    earliest_start: np.ndarray | None = None
    latest_start: np.ndarray | None = None
    requires_timed: np.ndarray | None = None
    demand_project: np.ndarray | None = None
    demand_team: np.ndarray | None = None
    demand_month: np.ndarray | None = None
    demand_value: np.ndarray | None = None
    _index: dict = field(repr=False, compare=False, default_factory=dict)
    _cache: dict = field(repr=False, compare=False, default_factory=dict)

    @property
    def n(self) -> int:
        """Return the number of candidates."""
        return len(self.project_ids)

    def index_of(self, project_ids: Iterable[str]) -> np.ndarray:
        """Return the candidate indices of ``project_ids``; ids that are not candidates are skipped."""
        return np.asarray([self._index[p] for p in project_ids if p in self._index], dtype=np.int64)

    def label(self, i: int) -> str:
        """Return ``"P-0042 Billing revamp"``: how a candidate is named in sentences."""
        return f"{self.project_ids[i]} {self.names[i]}"

    @property
    def blocked(self) -> np.ndarray:
        """Return ``(n,)`` bool: proposed candidates that need an on-hold, cancelled or unknown project."""
        return (self.unmet_dependency != None) & (self.stages == PROPOSED_STAGE)  # noqa: E711 (object array)

    @property
    def active(self) -> np.ndarray:
        """Return ``(n,)`` bool: work in flight (stage active)."""
        return self.stages == ACTIVE_STAGE

    @property
    def stop_costs(self) -> np.ndarray:
        """Return ``(n,)`` what stopping each candidate costs (0 for one not active)."""
        return np.zeros(self.n) if self.stop_cost is None else self.stop_cost

    @property
    def plan_stopped(self) -> np.ndarray:
        """Return ``(n,)`` bool: active candidates the plan does not keep (only a decision can stop one)."""
        return self.active & ~self.in_plan

    @property
    def plan_cost_by_year(self) -> np.ndarray:
        """Return ``(Y,)`` the current plan's forward spend in each fiscal year.

        The forward cost of its projects, plus, in the first fiscal year, the stop cost of every active candidate
        it stops (a decision may have stopped one; the committed plan keeps them all).
        """
        spend = self.cost_by_year[self.in_plan].sum(axis=0)
        if len(spend):
            spend[0] += self.stop_costs[self.plan_stopped].sum()
        return spend

    @property
    def plan_budget(self) -> np.ndarray:
        """Return ``(Y,)`` the budget at 100 %: exactly what the plan spends in each fiscal year (DESIGN.md)."""
        return self.plan_cost_by_year

    @property
    def run_rate_budget(self) -> np.ndarray:
        """Return ``(Y,)`` the plan's spend with a run-rate floor: the what-if's labelled ``run_rate_floor`` lever.

        The run rate is the plan's largest spend in a whole fiscal year (or, when it spends nothing in any whole
        year of the horizon, its largest monthly spend in a part year); each year's budget is at least that,
        pro rata for a part year: a company whose budget does not fall as its current projects finish, so what
        they stop spending funds new work.
        """
        plan = self.plan_cost_by_year
        if not len(plan):
            return plan
        whole = self.year_months == 12
        per_month = plan / np.maximum(self.year_months, 1)
        whole_year_rate = plan[whole].max() / 12 if whole.any() else 0.0
        run_rate = whole_year_rate if whole_year_rate > 0 else per_month.max()
        return np.maximum(plan, run_rate * self.year_months)

    @property
    def plan_demand_fte(self) -> np.ndarray:
        """Return ``(T, M)`` the FTE the plan asks of each team-month."""
        use = np.asarray(self.demand_fte.T @ self.in_plan.astype(float)).ravel()
        return use.reshape(self.capacity_fte.shape)

    @property
    def plan_overbooked_fte(self) -> np.ndarray:
        """Return ``(T, M)`` how far the plan already over-books each team-month of the store's capacity (≥ 0).

        The what-if keeps this excess as an allowance on top of each cell's capacity, so the plan stays one
        feasible answer and the optimiser cannot add work to a cell the plan already over-books.
        """
        return np.maximum(self.plan_demand_fte - self.capacity_fte, 0.0)

    def quarter_starts(self) -> np.ndarray:
        """Return the months of the capacity grid that start a fiscal quarter (the first month when none does).

        Fiscal quarters start every three months from ``fiscal_year_start_month``: January, April, July and
        October for a calendar year or one starting in April; February, May, August and November for February.
        """
        month_of_year = self.months.astype("datetime64[M]").astype(np.int64) % 12 + 1
        starts = (month_of_year - self.fiscal_year_start_month) % QUARTER_MONTHS == 0
        return self.months[starts] if starts.any() else self.months[:1]


def fiscal_year_of(months: np.ndarray, start_month: int) -> np.ndarray:
    """Return the fiscal year (the calendar year it ends in) of each ``datetime64[M]`` month."""
    months = np.asarray(months, dtype="datetime64[M]").astype(np.int64)
    year, month = 1970 + months // 12, months % 12 + 1
    return year + ((month >= start_month) & (start_month != 1)).astype(np.int64)


def prepare_model(con, decision_id: str | None = None) -> PortfolioModel:
    """Read the candidates, their forward money, demand, capacity, dependencies and alignment from the store.

    Runs a handful of queries and no formula that a what-if slider changes; ``apply_what_if`` turns the
    result into a :class:`Problem` in milliseconds. Cache it per store version (``st.cache_resource``).

    Parameters
    ----------
    con
        The store (a cursor of the app's connection).
    decision_id
        Take the plan from this recorded decision (its selection at its starts) instead of the latest one: how a
        past decision is checked against the store as it is now. None: the plan of :class:`PlanSource`.

    Raises
    ------
    ValueError
        ``decision_id`` names no recorded decision.

    Returns
    -------
    PortfolioModel
        The arrays; see its attributes.
    """
    settings = read_settings(con)
    as_of = settings.as_of
    projects = con.execute(_CANDIDATES_SQL).fetchnumpy()
    ids = np.asarray(projects["project_id"], dtype=object)
    n = len(ids)
    index = {p: i for i, p in enumerate(ids)}
    mandatory = np.asarray(projects["mandatory"], dtype=bool)
    stages = np.asarray(projects["stage"], dtype=object)

    flows = con.execute(_FLOWS_SQL, [as_of]).fetchnumpy()
    flow_project = np.asarray([index[p] for p in flows["project_id"]], dtype=np.int64)
    flow_month = np.asarray(flows["period"], dtype="datetime64[D]").astype("datetime64[M]")
    flow_cost = np.asarray(flows["cost"], dtype=float)
    flow_benefit = np.asarray(flows["benefit"], dtype=float)
    demand = con.execute(_DEMAND_SQL, [as_of]).fetchnumpy()
    d_project = np.asarray([index[p] for p in demand["project_id"]], dtype=np.int64)
    demand_months = np.asarray(demand["period"], dtype="datetime64[D]").astype("datetime64[M]")

    # Forward months start with as_of's month when as_of is its first day, else with the next month.
    first_month = np.datetime64(as_of, "M") + (0 if as_of.day == 1 else 1)
    in_plan, plan_source, decided_start = _plan(con, stages, mandatory, index, decision_id)
    store_start = _months(projects["start_date"])
    # The plan's starts: each decided start moves its project's flows and demand by whole months, before anything
    # is summed, so every number of the model (and of the what-if) is at the decided starts.
    offset = _decided_offsets(
        decided_start, store_start, stages, first_month, [flow_project, d_project], [flow_month, demand_months]
    )
    planned_start = store_start + offset.astype("timedelta64[M]")
    if offset.any():
        flow_month = flow_month + offset[flow_project].astype("timedelta64[M]")
        demand_months = demand_months + offset[d_project].astype("timedelta64[M]")

    start_month = settings.fiscal_year_start_month
    flow_year = fiscal_year_of(flow_month, start_month)
    costly = flow_cost > 0
    first_year = int(fiscal_year_of(np.array([first_month]), start_month)[0])
    last_year = int(flow_year[costly].max()) if costly.any() else first_year - 1
    fiscal_years = np.arange(first_year, last_year + 1, dtype=np.int64)
    next_year_start = np.datetime64(f"{first_year + (start_month == 1):04d}-{start_month:02d}", "M")
    year_months = np.full(len(fiscal_years), 12, dtype=np.int64)
    if len(year_months):
        year_months[0] = (next_year_start - first_month).astype(np.int64)
    cost_by_year = np.zeros((n, len(fiscal_years)))
    if costly.any():
        np.add.at(cost_by_year, (flow_project[costly], flow_year[costly] - fiscal_years[0]), flow_cost[costly])

    capacity = con.execute(_CAPACITY_SQL, [as_of]).fetchnumpy()
    teams_sorted, team_index = np.unique(np.asarray(capacity["team_id"], dtype=object), return_inverse=True)
    team_names = np.asarray(
        [capacity["name"][np.flatnonzero(team_index == t)[0]] for t in range(len(teams_sorted))], dtype=object
    )
    cap_months = np.asarray(capacity["period"], dtype="datetime64[D]").astype("datetime64[M]")
    months, month_index = np.unique(cap_months, return_inverse=True)
    capacity_fte = np.zeros((len(teams_sorted), len(months)))
    capacity_fte[team_index, month_index] = np.asarray(capacity["fte"], dtype=float)

    team_position = {team: t for t, team in enumerate(teams_sorted)}
    d_team = np.asarray([team_position.get(team, -1) for team in demand["team_id"]], dtype=np.int64)
    d_month = np.searchsorted(months, demand_months)
    # On the grid: a team with capacity rows, in a month the grid has (demand elsewhere is not constrained).
    on_grid = (d_team >= 0) & (d_month < len(months))
    on_grid[on_grid] = months[d_month[on_grid]] == demand_months[on_grid]
    cells = len(teams_sorted) * len(months)
    demand_fte = sp.csr_matrix(
        (
            np.asarray(demand["fte"], dtype=float)[on_grid],
            (d_project[on_grid], d_team[on_grid] * len(months) + d_month[on_grid]),
        ),
        shape=(n, cells),
    )

    deps = con.execute(_DEPENDENCIES_SQL).fetchall()
    pairs, timed, unmet = [], [], {}
    for project_id, depends_on, stage, kind in deps:
        if depends_on in index:
            pairs.append((index[project_id], index[depends_on]))
            timed.append(kind == FINISH_TO_START)
        elif stage != DONE_STAGE:
            unmet.setdefault(index[project_id], (depends_on, stage))
    requires = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    earliest = _months(projects["earliest_start"])
    latest = _months(projects["latest_start"])
    demand_team_flat = d_team >= 0
    unmet_dependency = np.full(n, None, dtype=object)
    unmet_stage = np.full(n, None, dtype=object)
    for i, (missing, stage) in unmet.items():
        unmet_dependency[i], unmet_stage[i] = missing, stage

    active = stages == ACTIVE_STAGE
    quarter_end = first_month + finance.STOP_COST_MONTHS
    in_quarter = (flow_month >= first_month) & (flow_month < quarter_end)
    next_months_cost = np.bincount(flow_project[in_quarter], flow_cost[in_quarter], n)
    stored_stop = np.asarray(projects["stop_cost"], dtype=float)
    stop_cost = np.where(active, finance.stop_costs(stored_stop, next_months_cost), 0.0)

    in_plan = _with_what_it_needs(in_plan, requires)

    objectives = con.execute(_OBJECTIVES_SQL).fetchnumpy()
    objective_ids = np.asarray(objectives["objective_id"], dtype=object)
    alignment = np.zeros((n, len(objective_ids)))
    rows = con.execute(_ALIGNMENT_SQL).fetchnumpy()
    o_index = {o: k for k, o in enumerate(objective_ids)}
    for project_id, objective_id, score in zip(rows["project_id"], rows["objective_id"], rows["score"], strict=True):
        if objective_id in o_index:
            alignment[index[project_id], o_index[objective_id]] = score

    return PortfolioModel(
        project_ids=ids,
        names=np.asarray(projects["name"], dtype=object),
        stages=stages,
        mandatory=mandatory,
        in_plan=in_plan,
        probability_of_success=np.asarray(projects["probability_of_success"], dtype=float),
        flow_project=flow_project,
        flow_month=flow_month,
        flow_cost=flow_cost,
        flow_benefit=flow_benefit,
        fiscal_years=fiscal_years,
        year_months=year_months,
        cost_by_year=cost_by_year,
        teams=teams_sorted,
        team_names=team_names,
        months=months.astype("datetime64[D]"),
        capacity_fte=capacity_fte,
        demand_fte=demand_fte,
        requires=requires,
        unmet_dependency=unmet_dependency,
        unmet_stage=unmet_stage,
        objective_ids=objective_ids,
        objective_names=np.asarray(objectives["name"], dtype=object),
        objective_weights=np.asarray(objectives["weight"], dtype=float),
        alignment=alignment,
        as_of=as_of,
        currency=settings.currency,
        discount_rate=settings.discount_rate,
        fiscal_year_start_month=settings.fiscal_year_start_month,
        stop_cost=stop_cost,
        stop_cost_stored=active & ~np.isnan(stored_stop),
        plan_source=plan_source,
        planned_start=planned_start,
        store_start=store_start,
        finish_month=_months(projects["end_date"]) + 1 + offset.astype("timedelta64[M]"),
        earliest_start=np.where(np.isnat(earliest), planned_start, earliest),
        latest_start=np.where(np.isnat(latest), planned_start, latest),
        requires_timed=np.asarray(timed, dtype=bool),
        demand_project=d_project[demand_team_flat],
        demand_team=d_team[demand_team_flat],
        demand_month=demand_months[demand_team_flat],
        demand_value=np.asarray(demand["fte"], dtype=float)[demand_team_flat],
        _index=index,
    )


def _months(dates) -> np.ndarray:
    """Return a fetched DATE column as ``datetime64[M]`` (NaT where null)."""
    column = np.ma.filled(dates, np.datetime64("NaT")) if np.ma.isMaskedArray(dates) else dates
    return np.asarray(column, dtype="datetime64[D]").astype("datetime64[M]")


def _with_what_it_needs(chosen: np.ndarray, requires: np.ndarray) -> np.ndarray:
    """``chosen`` plus every candidate it needs, directly or through others (``requires`` pairs (i, j): i needs j)."""
    closed = chosen.copy()
    while len(requires):
        missing = requires[closed[requires[:, 0]] & ~closed[requires[:, 1]], 1]
        if not len(missing):
            return closed
        closed[missing] = True
    return closed


def _plan(
    con, stages: np.ndarray, mandatory: np.ndarray, index: dict, decision_id: str | None = None
) -> tuple[np.ndarray, PlanSource, np.ndarray]:
    """Return the plan's mask, where it comes from, and ``(n,)`` ``datetime64[M]`` decided starts (NaT: none).

    The plan is the latest decision (or ``decision_id``'s), else the committed projects, which decide no start.
    """
    n = len(stages)
    decided_start = np.full(n, np.datetime64("NaT"), dtype="datetime64[M]")
    if decision_id is None:
        decision = con.execute(_LATEST_DECISION_SQL).fetchone()
    else:
        decision = con.execute(_GIVEN_DECISION_SQL, [decision_id]).fetchone()
        if decision is None:
            raise ValueError(f"There is no decision {decision_id!r} in this store.")
    if decision is None:
        return np.isin(stages, COMMITTED_STAGES) | mandatory, PlanSource(), decided_start
    found_id, scenario_id, name, decided_at, decided_by = decision
    in_plan = mandatory.copy()
    for project_id, start in con.execute(_DECIDED_SQL, [scenario_id]).fetchall():
        if project_id in index:  # chosen then, still a candidate now
            in_plan[index[project_id]] = True
            if start is not None:
                decided_start[index[project_id]] = np.datetime64(start, "M")
    return in_plan, PlanSource(PLAN_DECISION, name or scenario_id, decided_at, decided_by, found_id), decided_start


def _decided_offsets(
    decided_start: np.ndarray,
    store_start: np.ndarray,
    stages: np.ndarray,
    first_month: np.datetime64,
    owners: list[np.ndarray],
    months: list[np.ndarray],
) -> np.ndarray:
    """Return ``(n,)`` int: the whole months each candidate's flows move to start where the plan decided.

    0 unless the decision kept a start for it that differs from the store's, and the project has not started:
    not active, and both its store start and its decided start on or after the first forward month. A move that
    would carry any forward flow or demand month (``owners[k]``, ``months[k]``) before the first forward month
    is not made either: the valuation counts only forward months, and a decision cannot move what is past.
    """
    n = len(stages)
    known = ~np.isnat(decided_start) & ~np.isnat(store_start)
    offset = np.zeros(n, dtype=np.int64)
    offset[known] = (decided_start[known] - store_start[known]).astype(np.int64)
    movable = known & (stages != ACTIVE_STAGE) & (store_start >= first_month) & (decided_start >= first_month)
    offset[~movable] = 0
    if not (offset < 0).any():  # only a start brought forward can reach back before the first forward month
        return offset
    for owner, month in zip(owners, months, strict=True):
        if len(owner):
            earliest = np.full(n, np.iinfo(np.int64).max)
            np.minimum.at(earliest, owner, month.astype(np.int64))
            lands_before = (offset < 0) & (earliest + offset < first_month.astype(np.int64))
            offset[lands_before] = 0
    return offset
