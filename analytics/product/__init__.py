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
from analytics.product.investment import investment, investment_vs_outcome
from analytics.product.kpis import kpi_series, kpi_sparklines, kpi_summary, kpi_targets, kpi_trends, shipped_features
from analytics.product.retention import retention_curve, retention_matrix
from analytics.product.roadmap import late_features, roadmap
from analytics.product.voice import CSAT_SQL, NPS_SQL, csat, feedback_themes, latest_comments, nps, voice_series
from analytics.product.windows import COMPARISONS, GRAINS, WINDOW_DAYS, WINDOWS, Window, periods, resolve_window

__all__ = [
    "BACKLOG_STATUSES",
    "COMPARISONS",
    "CSAT_SQL",
    "DEFINITIONS",
    "GRAINS",
    "NPS_SQL",
    "SCORES",
    "TILE_METRICS",
    "TREND_METRICS",
    "WINDOWS",
    "WINDOW_DAYS",
    "CapacityPlan",
    "UnknownMetricError",
    "Window",
    "backlog",
    "capacity_plan",
    "csat",
    "feedback_themes",
    "investment",
    "investment_vs_outcome",
    "kpi_series",
    "kpi_sparklines",
    "kpi_summary",
    "kpi_targets",
    "kpi_trends",
    "late_features",
    "latest_comments",
    "metric_definitions",
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
    "voice_series",
    "wsjf",
]
