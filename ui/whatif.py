"""The what-if page's Streamlit glue: the prepared model, the levers bound to the URL, and answers at once.

A slider move must answer before anyone notices a wait, and the exact optimum can take seconds at 2,000
candidates. So every settings change shows the dual-priced greedy (``optimize.solve_fast``, a feasible answer
with a bound on how far from the optimum it can be) at once, while ``optimize.BackgroundSolver`` proves the
optimum on a worker thread. The frontier (a sweep of exact solves) is computed the same way by a second solver,
so a new budget level never waits for it. Both solvers serve every session: work is keyed by what it computes
(store version + settings), shared by sessions asking the same question and never cancelled by another's
request. Only while this session waits for one of them (``waiting``) does the page draw a small polling
fragment, which redraws the page once the answer arrives (or was lost: then the redraw asks again); an idle
page schedules no rerun at all. Everything keys on the store version, so an import or a rebuilt store starts
afresh.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from threading import Lock

import streamlit as st

from analytics import finance, optimize, scenarios, text
from analytics.rules import DEFAULT_ALPHA
from ui import auth, data, state
from ui import weights as strategy

#: Seconds a settings change waits for the exact optimum before showing the fast answer (most small stores
#: are proven well within it; at 2,000 candidates the fast answer shows and the proof follows).
EXACT_WAIT_S = 0.05
#: Candidates up to which a settings change waits ``EXACT_WAIT_S`` for the proof.
SMALL_MODEL = 500
#: Seconds between checks for a proof that is still running.
POLL_EVERY_S = 0.5
#: Per budget level of the frontier sweep.
FRONTIER_LEVEL_LIMIT_S = 5.0
EXACT_LIMIT_S = 60.0
#: With start shifts, a schedule within this gap of the optimum is shown as soon as HiGHS reaches it (about a second
#: at bench scale), while the proof, started from it, goes on: a bench schedule is rarely proven within a minute.
SHOWN_GAP = 0.005
#: The start-shift lever's longest shift: a year either way is as far as a portfolio board plans a move.
MAX_SHIFT_MONTHS = 12

PENDING_KEY = "_whatif_pending"
FRONTIER_PENDING_KEY = "_whatif_frontier_pending"


@dataclass(frozen=True)
class Answer:
    """The selection on screen and how sure it is."""

    selection: optimize.Selection
    proving: bool  # an exact solve is still running for these settings


class _Memo:
    """A small thread-safe LRU of derived results (fast solves, what-if problems) for the whole server."""

    def __init__(self, size: int = 64):
        self._items: OrderedDict = OrderedDict()
        self._lock = Lock()
        self._size = size

    def get(self, key, build: Callable[[], object]):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


@st.cache_resource(show_spinner=False, max_entries=4)
def _model(path: str, version: int) -> optimize.PortfolioModel:
    return data.write(optimize.prepare_model)


@st.cache_resource(show_spinner=False, max_entries=4)
def _workers(path: str, version: int) -> dict:
    # Bounded whatever the crowd: two proofs at once, one frontier sweep at once, a few dozen answers remembered.
    return {
        "exact": optimize.BackgroundSolver(keep=64, threads=2),
        "frontier": optimize.BackgroundSolver(keep=16, threads=1),
        "memo": _Memo(),
    }


def model() -> optimize.PortfolioModel:
    """The candidates and their arrays, prepared once per store version."""
    return _model(data.store_path(), data.store_version())


def _here() -> tuple[str, int]:
    return data.store_path(), data.store_version()


def problem(params: optimize.WhatIf) -> optimize.WhatIfProblem:
    """The model with ``params`` applied (memoised: the same settings never rebuild their arrays)."""
    workers = _workers(*_here())
    return workers["memo"].get(("problem", params), lambda: optimize.apply_what_if(model(), params))


def best_selection(what_if: optimize.WhatIfProblem) -> Answer:
    """The proven optimum when known (or arriving within ``EXACT_WAIT_S``), else the fast answer while proving."""
    workers = _workers(*_here())
    # With start shifts the question is a schedule (which projects and when): the same flow, other solvers.
    schedule = what_if.schedule
    key = ("exact" if schedule is None else "schedule", what_if.params)
    exact = workers["exact"].result(key)
    if isinstance(exact, optimize.Selection):
        return Answer(exact, proving=False)
    if schedule is None:
        fast = workers["memo"].get(("fast", what_if.params), lambda: optimize.solve_fast(what_if.problem))
    else:
        fast = workers["memo"].get(("fast", what_if.params), lambda: optimize.solve_schedule_fast(schedule))
    if isinstance(exact, Exception):  # the proof failed: the fast answer is final, and says it is not proven
        return Answer(fast, proving=False)
    if fast.status == optimize.STATUS_INFEASIBLE:
        return Answer(fast, proving=False)
    if fast.status == optimize.STATUS_OPTIMAL:
        return Answer(fast, proving=False)
    if schedule is None:
        start = fast.chosen if fast.feasible else None
        workers["exact"].submit_exact(key, what_if.problem, start=start, time_limit=EXACT_LIMIT_S)
    else:
        shown = _schedule_within_shown_gap(workers, what_if, fast)
        if shown is None:
            return Answer(fast, proving=True)
        fast = shown  # the best known so far: the answer on screen, and where the proof starts
        workers["exact"].submit_schedule(key, schedule, start=fast.option, time_limit=EXACT_LIMIT_S)
    # A small store is proven within the wait, so it never flashes a provisional answer; a large one answers at once.
    exact = workers["exact"].wait(key, EXACT_WAIT_S if what_if.model.n <= SMALL_MODEL else 0.0)
    if isinstance(exact, optimize.Selection):
        return Answer(exact, proving=False)
    st.session_state[PENDING_KEY] = key
    return Answer(fast, proving=True)


def _schedule_within_shown_gap(workers: dict, what_if: optimize.WhatIfProblem, fast) -> optimize.Schedule | None:
    """The schedule within ``SHOWN_GAP`` of the optimum for these settings: the fast answer when it already is, the
    background solver's once it has arrived; else None, with that solve asked for and waited for by this session.
    A failed solve gives the fast answer (the proof then starts from it)."""
    if not fast.feasible or fast.gap <= SHOWN_GAP:
        return fast
    key = ("schedule-shown", what_if.params)
    shown = workers["exact"].result(key)
    if shown is None:
        workers["exact"].submit(
            key,
            lambda token: optimize.solve_schedule_exact(
                what_if.schedule, start=fast.option, mip_rel_gap=SHOWN_GAP, time_limit=EXACT_LIMIT_S, token=token
            ),
        )
        shown = workers["exact"].wait(key, EXACT_WAIT_S if what_if.model.n <= SMALL_MODEL else 0.0)
    if isinstance(shown, optimize.Selection) and shown.feasible and shown.objective >= fast.objective:
        return shown
    if shown is None:
        st.session_state[PENDING_KEY] = key
        return None
    return fast


def frontier(what_if: optimize.WhatIfProblem):
    """The efficient frontier for these settings (any budget level), or the latest one while it is computed.

    Returns ``(frame or None, current: bool)``.
    """
    workers = _workers(*_here())
    settings_key = replace(what_if.params, budget_pct=100.0, budget_by_year=None)
    key = ("frontier", settings_key)
    found = workers["frontier"].result(key)
    if found is not None and not isinstance(found, Exception):
        st.session_state["_whatif_frontier"] = found
        return found, True
    if isinstance(found, Exception):  # the sweep failed: nothing to wait for
        return st.session_state.get("_whatif_frontier"), False
    base = problem(settings_key)
    workers["frontier"].submit(
        key, lambda token: optimize.efficient_frontier(base, time_limit=FRONTIER_LEVEL_LIMIT_S, token=token)
    )
    found = workers["frontier"].wait(key, EXACT_WAIT_S if what_if.model.n <= SMALL_MODEL else 0.0)
    if found is not None and not isinstance(found, Exception):
        st.session_state["_whatif_frontier"] = found
        return found, True
    st.session_state[FRONTIER_PENDING_KEY] = key
    return st.session_state.get("_whatif_frontier"), False


def waiting() -> bool:
    """Whether this session is waiting for a proof or a frontier computed in the background."""
    return any(st.session_state.get(key) is not None for key in (PENDING_KEY, FRONTIER_PENDING_KEY))


def arrived() -> bool:
    """Whether a proof or a frontier this session waits for has arrived, or was lost, since the page was drawn.

    A lost one (dropped by the solver while nobody asked, or pushed out of its bounded results) counts as arrived:
    redrawing the page asks for it again, so every page reaches its final answer.
    """
    workers = _workers(*_here())
    for state_key, worker in ((PENDING_KEY, "exact"), (FRONTIER_PENDING_KEY, "frontier")):
        key = st.session_state.get(state_key)
        if key is None:
            continue
        solver = workers[worker]
        if solver.result(key) is not None or not solver.busy(key):
            st.session_state.pop(state_key, None)
            return True
    return False


def clear_waiting() -> None:
    """Forget what the previous settings waited for (new settings wait for their own)."""
    for key in (PENDING_KEY, FRONTIER_PENDING_KEY):
        st.session_state.pop(key, None)


def memo(key, build: Callable[[], object]):
    """Memoise an expensive derived result (why-not, marginal values) for the whole server and store version."""
    return _workers(*_here())["memo"].get(key, build)


def _percent_slider(label: str, key: str, high: float, step: float, default: float, help_text: str) -> float:
    return float(
        st.slider(label, 0.0, high, default, step, key=key, bind="query-params", format="percent", help=help_text)
    )


def controls(portfolio_model: optimize.PortfolioModel, discount_rate: float) -> optimize.WhatIf:
    """Draw the levers (every one kept in the URL, so a link replays the scenario) and return the settings."""
    budget_pct = st.slider(
        "Budget, % of plan",
        40,
        160,
        100,
        5,
        key="budget_pct",
        bind="query-params",
        format="%d%%",
        help="Every fiscal year's budget as a share of what the plan spends in that year: 100 % is exactly the "
        "plan's money (its forward cost, plus the stop cost of any project it stops).",
    )
    keep_active = not st.toggle(
        "Allow stopping active projects",
        False,
        key="allow_stop",
        bind="query-params",
        help="Off: work in flight stays in. On: the optimiser may stop an active project; that forgoes its "
        f"remaining rNPV and costs its stop cost ({finance.STOP_COST_RULE}) in the first fiscal year.",
    )
    keep_planned = not st.toggle(
        "Allow dropping planned projects",
        False,
        key="allow_drop",
        bind="query-params",
        help="Off: the plan's projects that have not started (approved, or chosen by the latest decision) stay in. "
        "On: the optimiser may drop one; it has not started, so only its rNPV is lost.",
    )
    shift = int(
        st.slider(
            "Allow start shifts up to N months",
            0,
            MAX_SHIFT_MONTHS,
            0,
            1,
            key="shift",
            bind="query-params",
            format="%d months",
            help="0: every project starts as planned. N: the optimiser also chooses when each proposed or approved "
            "project starts, up to N months from its planned start and inside its start window (earliest to latest "
            "start); active projects never move. A later start moves its cost, benefit and team demand with it, so "
            "its rNPV at the valuation date falls.",
        )
    )
    alpha = st.slider(
        "Money ↔ strategy (α)",
        0.0,
        1.0,
        DEFAULT_ALPHA,
        0.05,
        key="alpha",
        bind="query-params",
        help="0 ranks projects by risk-adjusted NPV only, 1 by strategic score only: value = "
        "(1 − α) · rNPV / max |rNPV| + α · strategic score.",
    )
    rate = _percent_slider(
        "Discount rate",
        "rate",
        0.25,
        0.005,
        float(discount_rate),
        "Annual rate for rNPV (Excel XNPV); the store's by default.",
    )
    with st.expander("Risk and timing"):
        haircut = _percent_slider(
            "Probability-of-success haircut",
            "haircut",
            0.5,
            0.05,
            0.0,
            "Every project's probability of success × (1 − haircut).",
        )
        overrun = _percent_slider(
            "Cost overrun",
            "overrun",
            0.5,
            0.05,
            0.0,
            "Every forward cost × (1 + overrun), in rNPV and against the budget.",
        )
        delay = int(
            st.slider(
                "Benefit delay (months)",
                0,
                12,
                0,
                1,
                key="delay",
                bind="query-params",
                help="Every forward benefit arrives this many months later.",
            )
        )
        flex = _percent_slider(
            "Capacity flex",
            "flex",
            0.3,
            0.05,
            0.0,
            "Teams may take on this much more than their FTE (overtime, contractors).",
        )
        run_rate = st.toggle(
            "Budget floor at the plan's run rate",
            False,
            key="run_rate",
            bind="query-params",
            help="Off: 100 % is exactly what the plan spends each fiscal year. On: each year gets at least the plan's "
            "run rate (its largest whole-year spend, pro rata), so money freed as current work ends funds new work.",
        )
    with st.expander("Strategy weights"):
        weights = strategy.strategy_weights(portfolio_model)
    with st.expander("Team capacity (± FTE)"):
        fte = {
            team: float(
                st.slider(
                    text.markdown(name), -5.0, 5.0, 0.0, 0.5, key=f"fte_{team}", bind="query-params", format="%+.1f FTE"
                )
            )
            for team, name in zip(portfolio_model.teams, portfolio_model.team_names, strict=True)
        }
    forced = bool(st.query_params.get("force_in") or st.query_params.get("force_out"))
    # Drawn only while open: two pickers of every candidate would cost each slider move ~2,000 options.
    force_panel = st.expander("Force projects in or out", expanded=forced, key="force_panel", on_change="rerun")
    ids = [str(p) for p in portfolio_model.project_ids]
    if force_panel.open:
        labels = dict(zip(ids, (f"{p} · {n}" for p, n in zip(ids, portfolio_model.names, strict=True)), strict=True))
        with force_panel:
            # No "Select all": one click would force every candidate in (or out).
            pick = {"placeholder": "No project", "select_all": False}
            force_in = state.multiselect_with_url("Must be in", ids, "force_in", labels.get, **pick)
            force_out = state.multiselect_with_url("Must be out", ids, "force_out", labels.get, **pick)
    else:
        force_in, force_out = state.ids_in_url("force_in", ids), state.ids_in_url("force_out", ids)
    return optimize.WhatIf(
        budget_pct=float(budget_pct),
        discount_rate=rate,
        alpha=float(alpha),
        objective_weights={k: v for k, v in weights.items()},
        capacity_fte_delta={k: v for k, v in fte.items() if v},
        flex=flex,
        pos_haircut=haircut,
        cost_overrun=overrun,
        benefit_delay_months=delay,
        force_in=force_in,
        force_out=force_out,
        run_rate_floor=run_rate,
        allow_stop=not keep_active,
        allow_drop=not keep_planned,
        shift=shift,
    )


def _is_lever(key) -> bool:
    return key in LEVER_KEYS or str(key).startswith(LEVER_PREFIXES)


def lever_defaults(portfolio_model: optimize.PortfolioModel, discount_rate: float) -> dict:
    """Every lever widget's default value, by key: the plan's settings."""
    defaults = {
        "budget_pct": 100,
        "alpha": DEFAULT_ALPHA,
        "rate": float(discount_rate),
        "haircut": 0.0,
        "overrun": 0.0,
        "delay": 0,
        "flex": 0.0,
        "run_rate": False,
        "allow_stop": False,
        "allow_drop": False,
        "shift": 0,
        "force_in": [],
        "force_out": [],
    }
    for objective, weight in zip(portfolio_model.objective_ids, portfolio_model.objective_weights, strict=True):
        defaults[f"w_{objective}"] = float(weight)
    for team in portfolio_model.teams:
        defaults[f"fte_{team}"] = 0.0
    defaults.update(strategy.pairwise_defaults(portfolio_model))
    return defaults


def reset(defaults: dict) -> None:
    """Put every lever back to its default and take every lever out of the URL (a button callback).

    A widget bound to the URL owns its parameter (Streamlit refuses to delete it), so it is set to its default,
    which drops the parameter; the force lists and the pairwise judgements are kept in the URL by hand and are
    removed by hand.
    """
    for key, value in defaults.items():
        st.session_state[key] = value
    for key in ("force_in", "force_out", strategy.AHP_PARAM):
        st.query_params.pop(key, None)


#: The URL parameters (and widget keys) of the levers: "Back to the plan" clears every one of them.
LEVER_KEYS = (
    "budget_pct",
    "alpha",
    "rate",
    "haircut",
    "overrun",
    "delay",
    "flex",
    "run_rate",
    "allow_stop",
    "allow_drop",
    "shift",
    "force_in",
    "force_out",
    strategy.AHP_PARAM,
)
LEVER_PREFIXES = ("w_", "fte_")


def query_of(params: optimize.WhatIf) -> dict[str, str]:
    """The URL query string that opens the what-if page on ``params`` (what "open a scenario" links to).

    Only levers away from their defaults are written, in the form each bound widget reads back.
    """
    query = {}
    if params.budget_pct != 100.0:
        query["budget_pct"] = str(int(round(params.budget_pct)))
    if params.discount_rate is not None:
        query["rate"] = f"{params.discount_rate:g}"
    for key, value, default in (
        ("alpha", params.alpha, DEFAULT_ALPHA),
        ("haircut", params.pos_haircut, 0.0),
        ("overrun", params.cost_overrun, 0.0),
        ("flex", params.flex, 0.0),
    ):
        if value != default:
            query[key] = f"{value:g}"
    if params.benefit_delay_months:
        query["delay"] = str(params.benefit_delay_months)
    if params.shift:
        query["shift"] = str(params.shift)
    for objective, weight in params.objective_weights:
        query[f"w_{objective}"] = f"{weight:g}"
    for team, fte in params.capacity_fte_delta:
        if fte:
            query[f"fte_{team}"] = f"{fte:g}"
    for key in ("force_in", "force_out"):
        if getattr(params, key):
            query[key] = ",".join(getattr(params, key))
    switches = (
        ("run_rate", params.run_rate_floor),
        ("allow_stop", params.allow_stop),
        ("allow_drop", params.allow_drop),
    )
    for key, on in switches:
        if on:
            query[key] = "true"
    return query


def save_scenario(name: str, params: optimize.WhatIf, project_ids, note: str | None, *, starts=None) -> str:
    """Save these settings and this selection as a scenario by the signed-in editor; return its id.

    ``starts`` (with start shifts): ``{project_id: start month}`` of the chosen projects that do not start as
    planned (``scenarios.save_scenario``'s).

    Raises ``auth.Refused`` for a viewer or a person without access, ``scenarios.ScenarioError`` for a bad name,
    and the store's sentences (through ``data.write``, which confirms the save only if the file is still the one
    written).
    """
    identity = auth.require("editor", "Saving a scenario")
    return data.write(
        scenarios.save_scenario,
        name,
        params.to_dict(),
        list(project_ids),
        created_by=identity.name,
        note=note or None,
        starts=starts or None,
    )


def delete_scenario(scenario_id: str) -> None:
    """Delete a saved scenario as the signed-in editor; ``auth.Refused`` for anyone else."""
    auth.require("editor", "Deleting a scenario")
    data.write(scenarios.delete_scenario, scenario_id)
