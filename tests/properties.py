"""How many examples a property test tries, as a share of its budget set by the Hypothesis profile (tests/conftest.py).

A test states its budget as it did before profiles, ``@settings(max_examples=examples(60))``; the default profile
(``make test-fast``, ``make test``, CI) runs a quarter of it, ``HYPOTHESIS_PROFILE=thorough`` four times as many.
"""

from __future__ import annotations

from hypothesis import settings

#: Hypothesis's own default ``max_examples``: a profile's value over this is the share of every budget it runs.
HYPOTHESIS_DEFAULT_EXAMPLES = 100
#: However small the share, a property runs at least this many examples (or its whole budget, if smaller).
FEWEST = 10


def examples(budget: int) -> int:
    """``budget`` scaled by the loaded profile (25 % by default, 400 % under ``thorough``), never under ``FEWEST``."""
    share = settings.default.max_examples / HYPOTHESIS_DEFAULT_EXAMPLES
    return max(min(budget, FEWEST), round(budget * share))
