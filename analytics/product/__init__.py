"""One product over its lifecycle: adoption, customer voice, money, retention, roadmap and backlog.

Every number on the product page comes from a function of this package; the formulas are DESIGN.md's and each
docstring restates its own. The modules, by the page's sections: ``windows`` (the window a user picks and its
comparison), ``catalogue`` (products, metrics, definitions), ``kpis`` (roll-ups, targets, the tiles), ``tiles``
(how a tile reads and which way is good), ``voice`` (NPS, CSAT, themes, comments), ``retention``, ``roadmap``,
``backlog`` (scores, ranks, the capacity plan) and ``investment``. Callers import from the package.
"""

from analytics.product.backlog import (
    BACKLOG_STATUSES,
    SCORES,
    CapacityPlan,
    backlog,
    capacity_plan,
    capacity_range,
    quadrants,
    rank_desc,
    rice,
    wsjf,
)
from analytics.product.catalogue import (
    DEFINITIONS,
    TILE_METRICS,
    TREND_METRICS,
    UnknownMetricError,
    metric_definitions,
    product_info,
    products,
)
from analytics.product.investment import InvestmentTotals, investment, investment_totals, investment_vs_outcome
from analytics.product.kpis import kpi_series, kpi_sparklines, kpi_summary, kpi_targets, kpi_trends, shipped_features
from analytics.product.retention import retention_curve, retention_matrix
from analytics.product.roadmap import late_features, roadmap
from analytics.product.tiles import (
    BAD,
    GOOD,
    NEUTRAL,
    POINT_METRICS,
    change_text,
    metric_text,
    target_gap_text,
    target_text,
    tone,
)
from analytics.product.voice import (
    CSAT_SQL,
    NPS_SQL,
    csat,
    feedback_themes,
    latest_comments,
    lowest_scoring_theme,
    nps,
    voice_series,
)
from analytics.product.windows import (
    COMPARISONS,
    GRAINS,
    WINDOW_DAYS,
    WINDOWS,
    Window,
    earliest_window_start,
    periods,
    resolve_window,
)

__all__ = [
    "BACKLOG_STATUSES",
    "BAD",
    "COMPARISONS",
    "CSAT_SQL",
    "CapacityPlan",
    "DEFINITIONS",
    "GOOD",
    "GRAINS",
    "InvestmentTotals",
    "NEUTRAL",
    "NPS_SQL",
    "POINT_METRICS",
    "SCORES",
    "TILE_METRICS",
    "TREND_METRICS",
    "UnknownMetricError",
    "WINDOWS",
    "WINDOW_DAYS",
    "Window",
    "backlog",
    "capacity_plan",
    "capacity_range",
    "change_text",
    "csat",
    "earliest_window_start",
    "feedback_themes",
    "investment",
    "investment_totals",
    "investment_vs_outcome",
    "kpi_series",
    "kpi_sparklines",
    "kpi_summary",
    "kpi_targets",
    "kpi_trends",
    "late_features",
    "latest_comments",
    "lowest_scoring_theme",
    "metric_definitions",
    "metric_text",
    "nps",
    "periods",
    "product_info",
    "products",
    "quadrants",
    "rank_desc",
    "resolve_window",
    "retention_curve",
    "retention_matrix",
    "rice",
    "roadmap",
    "shipped_features",
    "target_gap_text",
    "target_text",
    "tone",
    "voice_series",
    "wsjf",
]
