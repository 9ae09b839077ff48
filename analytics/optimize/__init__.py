"""Choose the portfolio: the exact 0/1 selection of DESIGN.md ("Selecting the portfolio"), fast and explained.

The problem
-----------
Choose ``x_i ∈ {0, 1}`` to maximise ``Σ x_i · value_i`` subject to a budget per fiscal year, a capacity per
team-month (times ``1 + flex``), dependencies (``x_i ≤ x_j`` when i needs j), mandatory projects in and
excluded projects out, with ``value_i = (1 − α) · rNPV_i / max_j |rNPV_j| + α · strategic_score_i``.
:func:`select_portfolio` (the contract's function) solves it exactly with HiGHS from plain arrays; the rest of
the package builds the same problem from the store and answers a slider move without SQL.

Definitions
-----------
- **Candidates**: projects in stage proposed, approved or active (``rules.CANDIDATE_STAGES``), sorted by id;
  index ``i`` is the same project in every array. Money is forward (flows dated on or after ``settings.as_of``,
  as for NPV).
- **Current plan** (``PortfolioModel.in_plan``): candidates already committed (approved or active) plus every
  mandatory one. It is what "what changed" compares against, and its spend sets the budget at 100 %.
- **Budget at 100 %** (``PortfolioModel.plan_budget``): per fiscal year (named by the calendar year it ends in),
  what the plan spends that year, but at least the plan's run rate (its largest whole-year spend; pro rata for
  a part year), since a budget does not fall as today's projects finish.
- **Capacity grid**: every team × every month of ``team_capacity`` from ``as_of`` on (12 × 36 on the bench
  store); a team-month without a row has 0 FTE. Demand outside the grid (later months, or a team with no
  capacity row at all) is not constrained: a store without capacity data still optimises on money.
- **Dependencies** between candidates are constraints; one on a completed project is met; one on an on-hold,
  cancelled or unknown project blocks a *proposed* candidate (it cannot be chosen) and is only flagged on an
  approved or active one (``PortfolioModel.unmet_dependency``).

The modules
-----------
``problem`` (:class:`Problem`, :class:`Selection`, statuses, :func:`make_problem`); ``feasibility`` (forced
sets, :func:`is_feasible`, the facts of a :class:`Conflict`); ``highs`` (the only module importing ``highspy``:
:func:`solve_exact`, :func:`lp_relaxation`, :func:`select_portfolio`); ``heuristics`` (:func:`solve_fast`,
:func:`solve_greedy`); ``model`` (the only module with SQL: :func:`prepare_model`); ``whatif`` (:class:`WhatIf`,
:func:`apply_what_if`); ``frontier`` (:func:`efficient_frontier`, :func:`ranking_curve`); ``explain``
(:func:`why_not`, :func:`marginal_fte`, :func:`marginal_budget`); ``report`` (the page's numbers and every
sentence: the only module that formats money); ``background`` (:class:`BackgroundSolver`, :class:`CancelToken`);
``fragility`` (:func:`fragility`: how far α and each weight can move before the chosen set changes, by exact
parametric re-solves);
``schedule`` (which projects *and when*: :func:`select_schedule`, :func:`solve_schedule_fast`,
:func:`solve_schedule_exact`); ``schedule_problem`` (:class:`ScheduleProblem`, its MILP, :class:`Schedule`);
``schedule_greedy`` (:func:`greedy_schedule`, :func:`improve_schedule`, :func:`solve_schedule_by_priority`);
``start_options`` (:class:`StartOptions`: a what-if's start months as columns, built by ``apply_what_if``).
The solvers and explanations return facts (amounts, ids, kinds); ``report`` words them.

For the what-if page (``ui/whatif.py``)
---------------------------------------
::

    model = optimize.prepare_model(cursor)               # once per store version: st.cache_resource
    proofs = optimize.BackgroundSolver()                 # once per store version, and one more for the frontier
    what_if = optimize.apply_what_if(model, settings)    # settings: optimize.WhatIf(...) from the URL; ~1 ms
    fast = optimize.solve_fast(what_if.problem)          # feasible at once, ~15-90 ms at bench scale
    key = ("exact", settings)
    proofs.submit_exact(key, what_if.problem, start=fast.chosen)   # the proof, 0.2-2 s, on the worker thread
    shown = proofs.wait(key, 0.05) or fast               # then poll proofs.result(key) from a fragment
    if shown.status == optimize.STATUS_INFEASIBLE: st.error(optimize.conflict_sentence(shown.conflict))
    elif not shown.proven: say "best found so far, within {shown.gap:.1%} of the optimum"
    optimize.selection_summary(what_if, shown.chosen)    # tiles: value, rnpv, strategic score, spend, budget_use
    optimize.selection_table(what_if, shown.chosen)      # in/out against the plan ("change" column)
    optimize.budget_use(what_if, shown.chosen)           # per fiscal year
    optimize.capacity_use(what_if, shown.chosen)         # per team-month: the heatmap
    frontiers.submit(("frontier", settings_at_100_pct),  # any budget level shares one sweep
                     lambda token: optimize.efficient_frontier(what_if_at_100_pct, token=token))
    why = optimize.why_not(what_if, shown, "P-0042")     # value lost by flipping it, what binds (~0.5 s)
    optimize.why_not_sentence(what_if, why)              # its sentence; optimize.binding_rows(what_if, why)
    model.quarter_starts()                               # the fiscal quarters a price tag can start in
    optimize.marginal_fte(what_if, shown, "T-DATA", "2027-01-01", months=3, fte=2)   # the price of hiring
    optimize.marginal_budget(what_if, shown, 1e6, fiscal_year=2027)

With start shifts (``WhatIf(shift=N)``, N > 0; at 0 ``what_if.schedule`` is None and all of the above is unchanged)::

    schedule = what_if.schedule                          # optimize.ScheduleProblem: one column per allowed start
    fast = optimize.solve_schedule_fast(schedule)        # a Schedule (a Selection plus .option), gap to the LP bound
    proofs.submit_schedule(("schedule", settings), schedule, start=fast.option)   # the proof, keyed by settings
    shown = proofs.wait(("schedule", settings), 0.05) or fast
    shown.option                                         # (n,) the chosen option per candidate, -1 = not chosen;
                                                         # option s starts s - N months from the planned start
    shown.chosen                                         # (n,) bool, as for a Selection: every function above
                                                         # that takes ``chosen`` still takes it (planned starts)
    optimize.moved_projects(what_if, shown.option)       # project_id, name, planned_start, start, months,
                                                         # rnpv_planned, rnpv, rnpv_change, value_change
    optimize.schedule_capacity_use(what_if, shown.option)    # as capacity_use, demand at the chosen starts, and
                                                         # planned_demand_fte: the same projects at planned starts
    optimize.schedule_budget_use(what_if, shown.option)  # as budget_use, spend at the chosen starts
    optimize.schedule_totals(what_if, shown.option)      # as selection_totals, rNPV at the chosen starts
    optimize.schedule_summary(what_if, shown.option)     # as selection_summary (the tiles), at the chosen starts
    optimize.schedule_starts(what_if, shown.option)      # {project_id: start date} of the moved chosen projects,
                                                         # for scenarios.save_scenario(..., starts=...)
    optimize.option_of_starts(what_if, chosen, scenario.starts)   # a saved scenario's schedule back
    optimize.capacity_before_after(what_if, shown.option)    # (the plan's use, the schedule's use): the heatmaps
    optimize.answer_status(what_if, shown, proving)      # (kind, sentence): how sure the answer is, either kind

    optimize.efficient_frontier(what_if, ...)            # with shifts: each level a schedule, plus an option column
    optimize.why_not(what_if, shown, "P-0042")           # with shifts: the flip re-solves the schedule (a Schedule)
    optimize.marginal_fte(...), optimize.marginal_budget(...)   # likewise

``select_schedule`` (CONTRACT.md) solves bare arrays; ``make_schedule`` builds the ``ScheduleProblem`` it solves;
``solve_schedule_by_priority`` is Microsoft Project's resourcing (priority order, delay, else drop), the baseline.
Starts: option ``s`` of a candidate is ``s − shift`` months from its planned start; the planned start is always
an option; an earlier start needs a window reaching before it (``WhatIf.shift``'s docstring); a
``finish_to_start`` dependency the planned dates already break stays one in choice, so the plan stays feasible.

Statuses
--------
``Selection.status`` is ``"optimal"`` (proven: relative gap ≤ 1e-6), ``"feasible"`` (a heuristic answer, not
proven; ``gap`` against the LP bound), ``"time_limit"`` / ``"gap_limit"`` / ``"cancelled"`` (stopped early,
best selection so far and its ``gap``), ``"infeasible"`` (``conflict`` names the constraint: a mandatory project
that breaks a year's budget or a team-month, or that needs an excluded one; :func:`conflict_sentence` words it),
``"no_solution"`` (stopped before any feasible selection) or ``"error"``. ``Selection.feasible`` is True for
the first five.
"""

from analytics.optimize.background import BackgroundSolver, CancelToken
from analytics.optimize.explain import Binding, Marginal, WhyNot, marginal_budget, marginal_fte, why_not
from analytics.optimize.feasibility import Conflict, find_conflict, forced_sets, is_feasible
from analytics.optimize.fragility import MAX_SOLVES_PER_SIDE, RESOLUTION, Fragility, Side, fragility
from analytics.optimize.frontier import (
    DEFAULT_FRONTIER_PCTS,
    efficient_frontier,
    frontier_sentence,
    frontier_trades,
    ranking_curve,
    with_limits,
)
from analytics.optimize.heuristics import greedy_fill, solve_fast, solve_greedy, value_cost_order
from analytics.optimize.highs import lp_relaxation, select_portfolio, solve_exact
from analytics.optimize.model import PortfolioModel, fiscal_year_of, prepare_model
from analytics.optimize.problem import (
    OPTIMAL_GAP,
    STATUS_CANCELLED,
    STATUS_ERROR,
    STATUS_FEASIBLE,
    STATUS_GAP_LIMIT,
    STATUS_INFEASIBLE,
    STATUS_NO_SOLUTION,
    STATUS_OPTIMAL,
    STATUS_TIME_LIMIT,
    Problem,
    Selection,
    make_problem,
)
from analytics.optimize.report import (
    ANSWER_FIXED,
    ANSWER_INFEASIBLE,
    ANSWER_PROVEN,
    ANSWER_PROVING,
    ANSWER_STOPPED,
    amount_text,
    answer_status,
    baseline_sentence,
    binding_rows,
    budget_use,
    capacity_use,
    conflict_sentence,
    fragility_rows,
    fragility_sentence,
    fragility_summary,
    moved_projects,
    moved_rows,
    moved_sentence,
    objective_definition,
    plan_sentence,
    schedule_budget_use,
    schedule_capacity_use,
    schedule_summary,
    selection_summary,
    selection_table,
    why_not_sentence,
)
from analytics.optimize.schedule import (
    Schedule,
    ScheduleProblem,
    greedy_schedule,
    improve_schedule,
    make_schedule,
    schedule_lp,
    select_schedule,
    solve_schedule_by_priority,
    solve_schedule_exact,
    solve_schedule_fast,
)
from analytics.optimize.shifts import capacity_before_after
from analytics.optimize.start_options import StartOptions
from analytics.optimize.whatif import (
    WhatIf,
    WhatIfProblem,
    apply_what_if,
    base_budget,
    budget_limits,
    forward_value_parts,
    option_of_starts,
    schedule_starts,
    schedule_totals,
    selection_totals,
)

__all__ = [
    "ANSWER_FIXED",
    "ANSWER_INFEASIBLE",
    "ANSWER_PROVEN",
    "ANSWER_PROVING",
    "ANSWER_STOPPED",
    "answer_status",
    "capacity_before_after",
    "moved_rows",
    "moved_sentence",
    "DEFAULT_FRONTIER_PCTS",
    "MAX_SOLVES_PER_SIDE",
    "RESOLUTION",
    "OPTIMAL_GAP",
    "STATUS_CANCELLED",
    "STATUS_ERROR",
    "STATUS_FEASIBLE",
    "STATUS_GAP_LIMIT",
    "STATUS_INFEASIBLE",
    "STATUS_NO_SOLUTION",
    "STATUS_OPTIMAL",
    "STATUS_TIME_LIMIT",
    "BackgroundSolver",
    "Binding",
    "CancelToken",
    "Conflict",
    "Fragility",
    "Marginal",
    "PortfolioModel",
    "Problem",
    "Schedule",
    "ScheduleProblem",
    "Selection",
    "Side",
    "StartOptions",
    "WhatIf",
    "WhatIfProblem",
    "WhyNot",
    "amount_text",
    "baseline_sentence",
    "objective_definition",
    "plan_sentence",
    "apply_what_if",
    "base_budget",
    "budget_limits",
    "binding_rows",
    "budget_use",
    "capacity_use",
    "conflict_sentence",
    "efficient_frontier",
    "find_conflict",
    "frontier_sentence",
    "frontier_trades",
    "fiscal_year_of",
    "forced_sets",
    "forward_value_parts",
    "fragility",
    "fragility_rows",
    "fragility_sentence",
    "fragility_summary",
    "greedy_schedule",
    "improve_schedule",
    "make_schedule",
    "moved_projects",
    "option_of_starts",
    "schedule_budget_use",
    "schedule_capacity_use",
    "schedule_lp",
    "schedule_starts",
    "schedule_summary",
    "schedule_totals",
    "select_schedule",
    "solve_schedule_by_priority",
    "solve_schedule_exact",
    "solve_schedule_fast",
    "greedy_fill",
    "is_feasible",
    "lp_relaxation",
    "make_problem",
    "marginal_budget",
    "marginal_fte",
    "prepare_model",
    "ranking_curve",
    "select_portfolio",
    "selection_summary",
    "selection_table",
    "selection_totals",
    "solve_exact",
    "solve_fast",
    "solve_greedy",
    "value_cost_order",
    "why_not",
    "why_not_sentence",
    "with_limits",
]
