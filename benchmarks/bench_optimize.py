"""The what-if optimiser at bench scale (1,446 candidates of 2,000 projects, 12 teams × 36 months, 4 fiscal years).

A slider move must answer within ~150 ms server-side: ``apply_what_if`` + ``solve_fast`` is that answer, the
proven optimum (``solve_exact``) follows in the background. Solves cycle through slider settings, so a median
is over different instances, not one instance cached. The plain value/cost greedy and the fast answer are
compared with the proven optimum once, before timing, and their median gaps are written into the case names.
"""

from __future__ import annotations

import itertools
import statistics

from analytics import optimize

#: Every setting lets the optimiser stop active projects and drop planned ones, so it chooses among all candidates.
#: With the plan's projects kept (the page's default since the plan became the baseline), the settings below 100 %
#: are infeasible and answer at once: a benchmark of them measures nothing.
FREE = {"allow_stop": True, "allow_drop": True}
SLIDER_SETTINGS = (
    optimize.WhatIf(**FREE),
    optimize.WhatIf(budget_pct=90, **FREE),
    optimize.WhatIf(budget_pct=80, alpha=0.0, **FREE),
    optimize.WhatIf(alpha=0.7, flex=0.1, **FREE),
    optimize.WhatIf(discount_rate=0.12, cost_overrun=0.1, **FREE),
    optimize.WhatIf(capacity_fte_delta={"T-DATA": 3}, pos_haircut=0.1, **FREE),
    optimize.WhatIf(budget_pct=110, benefit_delay_months=6, **FREE),
)


def cycling(make):
    """Return a callable that runs ``make(settings)`` on the next slider setting at every call."""
    settings = itertools.cycle(SLIDER_SETTINGS)
    return lambda: make(next(settings))


def cases(con):
    model = optimize.prepare_model(con)
    problems = {s: optimize.apply_what_if(model, s) for s in SLIDER_SETTINGS}
    exact = {
        s: optimize.solve_exact(w.problem, start=optimize.solve_fast(w.problem).chosen, time_limit=60)
        for s, w in problems.items()
    }
    unproven = sum(not e.proven for e in exact.values())

    def median_gap(solve) -> float:
        return statistics.median(
            (exact[s].objective - solve(w.problem).objective) / exact[s].objective for s, w in problems.items()
        )

    greedy_gap, fast_gap = median_gap(optimize.solve_greedy), median_gap(optimize.solve_fast)
    base_what_if = problems[SLIDER_SETTINGS[0]]
    base = exact[SLIDER_SETTINGS[0]]
    left_out = [str(p) for p in model.project_ids[~base.chosen & (base_what_if.value > 0)][:5]]
    why_targets = itertools.cycle(left_out)

    def slider_move(settings):
        what_if = optimize.apply_what_if(model, settings)
        fast = optimize.solve_fast(what_if.problem)
        return (
            optimize.selection_summary(what_if, fast.chosen),
            optimize.budget_use(what_if, fast.chosen),
            optimize.capacity_use(what_if, fast.chosen),
        )

    def exact_after_fast(settings):
        problem = problems[settings].problem
        return optimize.solve_exact(problem, start=optimize.solve_fast(problem).chosen, time_limit=60)

    n, teams, months = model.n, len(model.teams), len(model.months)
    return [
        (f"prepare_model ({n:,} candidates, {teams} teams × {months} months)", lambda: optimize.prepare_model(con)),
        ("apply_what_if (one slider move, 7 settings cycled)", cycling(lambda s: optimize.apply_what_if(model, s))),
        (
            f"solve_fast: LP-priced greedy ({fast_gap:.2%} below optimum, median)",
            cycling(lambda s: optimize.solve_fast(problems[s].problem)),
        ),
        (
            f"solve_greedy: plain value/cost baseline ({greedy_gap:.2%} below optimum, median)",
            cycling(lambda s: optimize.solve_greedy(problems[s].problem)),
        ),
        ("slider move server-side: apply + solve_fast + summary, budget and capacity tables", cycling(slider_move)),
        (
            f"solve_exact: HiGHS to 1e-6 gap, warm-started by solve_fast ({7 - unproven} of 7 settings proven)",
            cycling(exact_after_fast),
        ),
        ("ranking_curve (value/cost, cumulative)", lambda: optimize.ranking_curve(base_what_if)),
        ("efficient_frontier, 13 levels, fast", lambda: optimize.efficient_frontier(base_what_if, exact=False)),
        (
            "efficient_frontier, 7 levels (40-160 %), exact, warm-started",
            lambda: optimize.efficient_frontier(base_what_if, range(40, 161, 20), time_limit=60),
        ),
        (
            "why_not: a left-out project forced in (exact re-solve)",
            lambda: optimize.why_not(base_what_if, base, next(why_targets), time_limit=60),
        ),
        (
            "marginal_fte: +1 FTE in T-DATA for a quarter (exact re-solve)",
            lambda: optimize.marginal_fte(base_what_if, base, "T-DATA", model.months[3], 3, 1.0, time_limit=60),
        ),
    ]
