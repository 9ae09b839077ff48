"""Every query the portfolio page runs, at bench scale (2,000 projects): the issue's bar is 100 ms median each."""

from __future__ import annotations

from analytics import portfolio
from analytics.rules import CANDIDATE_STAGES
from analytics.store import read_settings


def cases(con):
    everything = portfolio.PortfolioFilter()
    growth = portfolio.PortfolioFilter(programs=("Growth",), stages=CANDIDATE_STAGES)
    rate = read_settings(con).discount_rate + 0.02
    # The project with the most dependants: the detail and the slip analysis at their largest.
    hub = con.execute("SELECT depends_on FROM project_dependencies GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    project_id = hub.fetchone()[0]
    return [
        ("filter_options", lambda: portfolio.filter_options(con)),
        ("project_table, all projects, with IRR/ROI/payback", lambda: portfolio.project_table(con, everything, rate)),
        ("project_table, filtered (program and stages)", lambda: portfolio.project_table(con, growth, rate)),
        ("summary (tiles)", lambda: portfolio.summary(con, everything, rate)),
        ("capacity_vs_demand, 12 months", lambda: portfolio.capacity_vs_demand(con, everything)),
        ("overbooking_causes", lambda: portfolio.overbooking_causes(con, everything)),
        ("risk_register", lambda: portfolio.risk_register(con, everything)),
        ("risk_matrix", lambda: portfolio.risk_matrix(con, everything)),
        ("alignment_matrix, 60 largest (heatmap)", lambda: portfolio.alignment_matrix(con, everything, 60)),
        ("investment_by_objective", lambda: portfolio.investment_by_objective(con, everything)),
        ("investment_by_product", lambda: portfolio.investment_by_product(con, everything)),
        ("unaligned_projects", lambda: portfolio.unaligned_projects(con, everything)),
        ("dependency_graph (layered layout)", lambda: portfolio.dependency_graph(con, everything)),
        ("downstream of the busiest prerequisite", lambda: portfolio.downstream(con, project_id, rate)),
        ("project_detail of the busiest prerequisite", lambda: portfolio.project_detail(con, project_id, rate)),
        ("cumulative_cash_flow", lambda: portfolio.cumulative_cash_flow(con, everything)),
        ("pipeline_by_stage", lambda: portfolio.pipeline_by_stage(con, everything, rate)),
    ]
