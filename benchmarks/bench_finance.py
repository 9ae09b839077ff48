"""project_financials at bench scale (2,000 projects): the issue's bar is 100 ms median."""

from __future__ import annotations

from analytics.finance import project_financials


def cases(con):
    return [
        (
            "project_financials, 2,000 projects (NPV, rNPV, XIRR, ROI, payback, PI, score)",
            lambda: project_financials(con),
        )
    ]
