"""The what-if's strategy weights: one slider per objective, or pairwise comparisons (AHP); and how far they can move.

Pairwise comparisons are one slider per pair on Saaty's 1–9 scale; their principal eigenvector
(``finance.ahp_weights``) shares out the store's total weight, so every chart answers to them as to the sliders.
They live in the URL as ``?ahp=3,1,-5,…``: one signed intensity per pair in row order of the objectives
(``(1, 2), (1, 3), …, (2, 3), …``), positive when the first of the pair is the more important, 1 for equal.

How far α and each weight can move before the chosen set changes (``optimize.fragility``) takes a few dozen exact
solves, so it is worked out on its own background solver and only while its panel is open: a slider move never
waits for it, and a closed panel costs nothing.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import streamlit as st

from analytics import finance, optimize, text
from ui import data

#: The URL parameter of the pairwise judgements.
AHP_PARAM = "ahp"
#: The switch between weight sliders and pairwise comparisons (on when the link has ``?ahp=``).
TOGGLE_KEY = "ahp_on"
#: Saaty's intensities, left to right: the first objective extremely more important … equal … the second.
SCALE = (9, 8, 7, 6, 5, 4, 3, 2, 1, -2, -3, -4, -5, -6, -7, -8, -9)
#: Saaty's words for the odd intensities (the even ones lie between their neighbours).
VERBAL = {1: "equal", 3: "moderately", 5: "strongly", 7: "very strongly", 9: "extremely"}
SCALE_HELP = (
    "Saaty's scale: 1 equal, 3 moderately, 5 strongly, 7 very strongly, 9 extremely more important; 2, 4, 6 and 8 "
    "lie between. ◀ the first of the pair is the more important, ▶ the second."
)

FRAGILITY_PENDING_KEY = "_whatif_fragility_pending"
#: Candidates up to which opening the panel waits ``FRAGILITY_WAIT_S`` for the answer (as for the proof).
SMALL_MODEL = 500
FRAGILITY_WAIT_S = 0.05
#: Height of the fragility sentences' own scroll box.
SENTENCES_PX = 260


def pair_keys(objective_ids) -> list[str]:
    """Return the widget key of every pair of objectives, in the URL's order."""
    return [f"ahp_{a}__{b}" for a, b in combinations([str(o) for o in objective_ids], 2)]


def judgement(intensity: int) -> float:
    """Return the matrix cell ``a_ij`` of a signed intensity: ``3`` → 3, ``-3`` → 1/3, ``1`` → 1."""
    return float(intensity) if intensity > 0 else 1.0 / -intensity


def encode(intensities) -> str:
    """Return the URL text of the judgements: ``"3,1,-5"``."""
    return ",".join(str(int(v)) for v in intensities)


def decode(value: str | None, pairs: int) -> list[int] | None:
    """Return the judgements in ``?ahp=`` (one per pair, each on ``SCALE``), or None when absent or not that."""
    if not value:
        return None
    try:
        intensities = [int(v) for v in value.split(",")]
    except ValueError:
        return None
    if len(intensities) != pairs or any(v not in SCALE for v in intensities):
        return None
    return intensities


def _intensity_label(intensity: int) -> str:
    strength = abs(intensity)
    words = VERBAL[strength] if strength in VERBAL else f"{VERBAL[strength - 1]}–{VERBAL[strength + 1]}"
    if intensity == 1:
        return "equal (1)"
    return f"◀ {words} ({strength})" if intensity > 0 else f"{words} ({strength}) ▶"


def _seed_from_url(keys: list[str]) -> None:
    """Give the toggle (once) and every pair slider without a value (again after it was hidden) the link's state."""
    wanted = st.query_params.get(AHP_PARAM)
    intensities = decode(wanted, len(keys))
    if TOGGLE_KEY not in st.session_state:
        if wanted and intensities is None:
            st.toast(
                text.markdown(
                    f"“{wanted}” in the link is not {len(keys)} pairwise judgements on Saaty's scale: the weights "
                    "use their sliders."
                ),
                icon=":material/link:",
            )
        st.session_state[TOGGLE_KEY] = intensities is not None
    for key, intensity in zip(keys, intensities or [1] * len(keys), strict=True):
        if key not in st.session_state:
            st.session_state[key] = intensity


def pairwise_defaults(model: optimize.PortfolioModel) -> dict:
    """The pairwise widgets at the plan's settings: off, every pair equal."""
    return {TOGGLE_KEY: False, **dict.fromkeys(pair_keys(model.objective_ids), 1)}


def strategy_weights(model: optimize.PortfolioModel) -> dict[str, float]:
    """Draw the weights (sliders, or pairwise comparisons) and return ``{objective_id: weight}`` for the what-if."""
    ids, names = [str(o) for o in model.objective_ids], [str(n) for n in model.objective_names]
    keys = pair_keys(ids)
    _seed_from_url(keys)
    k = len(ids)
    possible = 2 <= k <= len(finance.SAATY_RANDOM_INDEX)
    pairwise = st.toggle(
        "Compare objectives in pairs (AHP)",
        key=TOGGLE_KEY,
        disabled=not possible,
        help="Instead of a weight each, say for every pair which objective matters more and how much; the weights "
        "are the principal eigenvector of those judgements (Saaty's AHP), sharing out the store's total weight. "
        + ("" if possible else f"Needs 2 to {len(finance.SAATY_RANDOM_INDEX)} objectives; this store has {k}."),
    )
    if not (pairwise and possible):
        st.query_params.pop(AHP_PARAM, None)
        return {
            objective: float(
                st.slider(text.markdown(name), 0.0, 5.0, float(weight), 0.05, key=f"w_{objective}", bind="query-params")
            )
            for objective, name, weight in zip(ids, names, model.objective_weights, strict=True)
        }
    intensities = [
        st.select_slider(
            f"{text.markdown(names[a])} vs {text.markdown(names[b])}",
            SCALE,
            key=key,
            format_func=_intensity_label,
            help=SCALE_HELP,
        )
        for (a, b), key in zip(combinations(range(k), 2), keys, strict=True)
    ]
    st.query_params[AHP_PARAM] = encode(intensities)
    matrix = finance.pairwise_matrix([judgement(v) for v in intensities], k)
    shares, cr = finance.ahp_weights(matrix)
    weights = shares * float(model.objective_weights.sum())
    st.dataframe(
        {"objective": names, "share": shares, "weight": weights},
        hide_index=True,
        width="stretch",
        column_config={
            "objective": st.column_config.TextColumn("Objective", width=150),
            "share": st.column_config.NumberColumn("Share", format="percent", width=70),
            "weight": st.column_config.NumberColumn("Weight", format="%.3f", width=60),
        },
        key="ahp_weights",
    )
    if cr > finance.AHP_CONSISTENT_CR:
        i, j, implied = finance.ahp_most_inconsistent_pair(matrix)
        st.warning(text.markdown(inconsistency_sentence(names, matrix, cr, i, j, implied)), icon=":material/warning:")
    else:
        st.caption(
            f"Consistency ratio {cr:.2f}: at most {finance.AHP_CONSISTENT_CR:.2f}, so the judgements hang together."
        )
    return dict(zip(ids, (float(w) for w in weights), strict=True))


def _ratio_words(names: list[str], i: int, j: int, ratio: float) -> str:
    if ratio >= 1:
        return f"{names[i]} {ratio:.1f}× as important as {names[j]}"
    return f"{names[j]} {1 / ratio:.1f}× as important as {names[i]}"


def inconsistency_sentence(names: list[str], matrix: np.ndarray, cr: float, i: int, j: int, implied: float) -> str:
    """Return the flag for inconsistent judgements, naming the pair most out of line and what the rest imply."""
    return (
        f"Consistency ratio {cr:.2f}, above {finance.AHP_CONSISTENT_CR:.2f}: the judgements contradict each other. "
        f"Most out of line: {names[i]} vs {names[j]}. You said {_ratio_words(names, i, j, float(matrix[i, j]))}; "
        f"the other judgements imply {_ratio_words(names, i, j, implied)}."
    )


@st.cache_resource(show_spinner=False, max_entries=4)
def _solver(path: str, version: int) -> optimize.BackgroundSolver:
    # One sweep at a time for the whole server: it is a few dozen exact solves and must not crowd out the proofs.
    return optimize.BackgroundSolver(keep=16, threads=1)


def _here_solver() -> optimize.BackgroundSolver:
    return _solver(data.store_path(), data.store_version())


def fragility_panel(what_if: optimize.WhatIfProblem, selection: optimize.Selection) -> None:
    """Draw "how far can α and the weights move" for the settings on screen, worked out in the background."""
    panel = st.expander("How far can α and the weights move?", key="fragility", on_change="rerun", bind="query-params")
    if not panel.open:
        return
    with panel:
        if not selection.feasible:
            st.caption("These settings have no feasible selection, so there is nothing to keep.")
            return
        solver = _here_solver()
        key = ("fragility", what_if.params)
        found = solver.result(key)
        if found is None:
            base = selection if selection.proven else None
            start = selection.chosen

            def work(token):
                return optimize.fragility(what_if, base, start=start, token=token)

            solver.submit(key, work)
            found = solver.wait(key, FRAGILITY_WAIT_S if what_if.model.n <= SMALL_MODEL else 0.0)
        if found is None:
            st.session_state[FRAGILITY_PENDING_KEY] = key
            st.caption("Re-solving with each lever moved, one at a time…")
            return
        if isinstance(found, Exception) or not found.sides:
            st.caption("The limits could not be worked out for these settings.")
            return
        st.dataframe(
            optimize.fragility_rows(what_if, found),
            hide_index=True,
            width="stretch",
            column_config={
                "lever": st.column_config.TextColumn("Lever", width=140),
                "now": st.column_config.TextColumn("Now", width=50),
                "same answer": st.column_config.TextColumn(
                    "Same selection", width=110, help="Where the chosen set stays the optimum, from – to."
                ),
            },
            key="fragility_table",
        )
        changes = [optimize.fragility_sentence(what_if, side) for side in found.sides if not side.holds]
        # Scrolls on its own, so a dozen sentences do not push the tabs below the fold.
        with st.container(height=SENTENCES_PX, border=False, key="fragility_sentences"):
            st.markdown("\n".join(f"- {text.markdown(sentence)}" for sentence in changes) or "Nothing changes it.")
            st.caption(optimize.fragility_summary(found))


def waiting() -> bool:
    """Whether this session waits for a fragility worked out in the background."""
    return st.session_state.get(FRAGILITY_PENDING_KEY) is not None


def arrived() -> bool:
    """Whether the fragility this session waits for has arrived, or was lost (a redraw asks again)."""
    key = st.session_state.get(FRAGILITY_PENDING_KEY)
    if key is None:
        return False
    solver = _here_solver()
    if solver.result(key) is not None or not solver.busy(key):
        st.session_state.pop(FRAGILITY_PENDING_KEY, None)
        return True
    return False


def clear_waiting() -> None:
    """Forget what the previous settings waited for."""
    st.session_state.pop(FRAGILITY_PENDING_KEY, None)
