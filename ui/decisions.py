"""Recording decisions from a page, and checking one against the store as it is now.

Who records a decision is the session's identity (``ui.auth``): an editor's signed-in email, or the one local user
with sign-in off; the role is checked on the server before the write.
"""

from __future__ import annotations

from analytics import scenarios
from ui import auth, data, whatif


def current_identity() -> str:
    """Return whom a decision recorded from this session names as ``decided_by``."""
    return auth.current_identity().name


def record(scenario_id: str, rationale: str) -> str:
    """Record the decision on ``scenario_id`` as the signed-in editor (or the local user); return its id.

    ``auth.Refused`` when this session may not record decisions; ``ScenarioError`` with the sentence when the
    decision is refused (no rationale, a scenario that cannot be opened).
    """
    identity = auth.require("editor", "Recording a decision")
    return data.write(scenarios.record_decision, scenario_id, identity.name, rationale)


def against_now(decision_id: str) -> scenarios.DecisionCheck:
    """What has happened since a decision, on the store's prepared model (memoised per store version)."""
    return whatif.memo(
        ("decision_vs_now", decision_id),
        lambda: data.write(scenarios.decision_vs_now, decision_id, whatif.model()),
    )
