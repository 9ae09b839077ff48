"""Recording decisions from a page, and checking one against the store as it is now.

Who records a decision is :func:`current_identity`, one function, so that sign-in replaces it in one place.
"""

from __future__ import annotations

from analytics import scenarios
from ui import data, whatif

#: Who is at the keyboard while Quarterdeck has no sign-in: the one local user (DESIGN.md, "Who may do what").
LOCAL_USER = "local user"


def current_identity() -> str:
    """Return who records a decision from this session.

    Sign-in (``st.login``, being built) replaces this with the signed-in person's identity; until then every
    session is the one local user.
    """
    return LOCAL_USER


def record(scenario_id: str, rationale: str) -> str:
    """Record the decision on ``scenario_id`` as :func:`current_identity`; return its id.

    ``ScenarioError`` with the sentence when it is refused (no rationale, a scenario that cannot be opened).
    """
    return data.write(scenarios.record_decision, scenario_id, current_identity(), rationale)


def against_now(decision_id: str) -> scenarios.DecisionCheck:
    """What has happened since a decision, on the store's prepared model (memoised per store version)."""
    return whatif.memo(
        ("decision_vs_now", decision_id),
        lambda: data.write(scenarios.decision_vs_now, decision_id, whatif.model()),
    )
