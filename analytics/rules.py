"""Every business rule that more than one place needs, defined once, with the SQL fragments built from them.

Stage sets, EVM thresholds, tolerances and defaults.
Values here are constants of Quarterdeck, never user text, so the SQL fragments may be pasted into a query (the
values a user chooses still go through ``?``).
"""

from __future__ import annotations

from collections.abc import Iterable

#: Every project stage, in pipeline order (schema.sql's CHECK holds the same list).
STAGE_ORDER = ("proposed", "approved", "active", "on_hold", "completed", "cancelled")


#: Projects not yet finished or abandoned: what the portfolio views count as the portfolio.
LIVE_STAGES = ("proposed", "approved", "active", "on_hold")
#: Projects the company has committed money and people to: the plan before any decision is recorded.
COMMITTED_STAGES = ("approved", "active")
#: Projects the optimiser may choose (stopping an active one is a choice too).
CANDIDATE_STAGES = ("proposed", "approved", "active")
#: Work in flight.
ACTIVE_STAGE = "active"
#: A project whose benefits are being earned and whose costs are spent.
DONE_STAGE = "completed"

#: EVM health (DESIGN.md): green when CPI and SPI are both at least GREEN_AT, amber when both at least AMBER_AT.
EVM_GREEN_AT = 0.95
EVM_AMBER_AT = 0.85
HEALTH_ORDER = ("green", "amber", "red")

#: Relative slack within which a selection still fits a budget year or a team-month (solver round-off).
FEASIBILITY_TOLERANCE = 1e-6
#: Relative margin by which a selection must beat the plan's objective to be shown instead of it (round-off).
TIE_TOLERANCE = 1e-9
#: The smallest magnitude a ratio divides by, so an empty limit or a zero bound never divides by zero.
TINY = 1e-9

#: The what-if's default weight of strategy against money in the blended value (0 money only, 1 strategy only).
DEFAULT_ALPHA = 0.3


def sql_list(values: Iterable[str]) -> str:
    """Return ``'a', 'b'`` for an ``IN (...)`` over constants of this module (never over user text)."""
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


LIVE_SQL = sql_list(LIVE_STAGES)
COMMITTED_SQL = sql_list(COMMITTED_STAGES)
CANDIDATE_SQL = sql_list(CANDIDATE_STAGES)


def evm_health_sql(cpi: str = "cpi", spi: str = "spi") -> str:
    """Return the EVM health rule as a SQL ``CASE`` over two column expressions (NULL without a snapshot)."""
    return (
        f"CASE WHEN {cpi} IS NULL OR {spi} IS NULL THEN NULL "
        f"WHEN {cpi} >= {EVM_GREEN_AT} AND {spi} >= {EVM_GREEN_AT} THEN 'green' "
        f"WHEN {cpi} >= {EVM_AMBER_AT} AND {spi} >= {EVM_AMBER_AT} THEN 'amber' "
        "ELSE 'red' END"
    )


EVM_HEALTH_TEXT = f"green when CPI and SPI are both ≥ {EVM_GREEN_AT}, amber when both ≥ {EVM_AMBER_AT}, red otherwise"

#: The first stage, ideas not yet committed to: what the capacity view counts apart as "proposed" demand.
PROPOSED_STAGE = "proposed"
#: Risk statuses whose exposure still counts (a closed risk no longer threatens anything).
OPEN_RISK_STATUSES = ("open", "mitigating")
OPEN_RISK_SQL = sql_list(OPEN_RISK_STATUSES)
#: Projects whose work has begun and was not abandoned: the ones with progress (EVM) snapshots.
STARTED_STAGES = ("active", "on_hold", "completed")


def stage_label(stage: str) -> str:
    """Return a stage as people write it, for titles, legends and tables: ``on_hold`` reads "on hold"."""
    return str(stage).replace("_", " ")
