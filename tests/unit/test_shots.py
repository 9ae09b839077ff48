"""The screenshot tool's views (tools/shots.py): every page and tab plain and presented, and links as given."""

from __future__ import annotations

from tools import shots
from ui import nav


def test_a_link_keeps_a_repeated_key():
    # A three-way comparison is ?compare=A&compare=B&compare=C: read into a dict, only C was shot.
    [(stem, plain), (_, presented)] = shots.views_of_links(["/scenarios?compare=Plan&compare=Cut&compare=Grow"])
    assert plain == "/scenarios?compare=Plan&compare=Cut&compare=Grow"
    assert presented == plain + "&present=1"
    assert stem == "scenarios-compare-plan-compare-cut-compare-grow"


def test_every_tab_is_shot_plain_and_presented():
    found = dict(shots.views())
    assert found["what_if-frontier-and-changes"] == "/what-if?tab=Frontier+and+changes"
    assert found["portfolio-health-and-money-present"] == "/portfolio?tab=Health+and+money&present=1"
    tabs = sum(len(spec.tabs) or 1 for spec in nav.available())
    assert len(found) == 2 * tabs
