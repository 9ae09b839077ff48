"""The overview: company headline numbers on a store small enough to check by hand, and the page itself."""

from __future__ import annotations

import math

import pytest

from analytics import overview, portfolio


@pytest.fixture
def small_con(empty_con):
    con = empty_con
    con.execute("""
        INSERT INTO settings VALUES ('as_of', '2026-03-31'), ('currency', 'USD'), ('company', 'Tiny Co');
        INSERT INTO products VALUES ('A', 'Alpha', NULL, NULL, 'growth', '2020-01-01'),
                                    ('B', 'Beta', NULL, NULL, 'decline', '2020-01-01');
        INSERT INTO kpi_history VALUES
            ('A', 'revenue', '2026-03-28', 10), ('A', 'revenue', '2026-03-29', 10),
            ('A', 'revenue', '2026-03-30', 20), ('A', 'revenue', '2026-03-31', 20),
            ('B', 'revenue', '2026-03-30', 5),
            ('A', 'active_users', '2026-03-29', 100), ('A', 'active_users', '2026-03-30', 110),
            ('B', 'active_users', '2026-03-31', 50),
            ('A', 'churn_rate', '2026-03-30', 2.0), ('A', 'churn_rate', '2026-03-31', 3.0);
        INSERT INTO feedback VALUES
            ('F1', 'A', '2026-03-30', 'email', 10, NULL, NULL, NULL),
            ('F2', 'A', '2026-03-31', 'email', 9, 5, NULL, NULL),
            ('F3', 'B', '2026-03-31', 'email', 5, 2, NULL, NULL),
            ('F4', 'B', '2026-03-30', 'email', NULL, 4, NULL, NULL),
            ('F5', 'A', '2026-03-28', 'email', 7, NULL, NULL, NULL);
        INSERT INTO teams VALUES ('T', 'Team', 'x');
        INSERT INTO team_capacity VALUES ('T', '2026-03-01', 10), ('T', '2026-04-01', 10);
        INSERT INTO projects (project_id, name, product_id, program, sponsor, manager, stage, start_date,
            end_date, budget, probability_of_success, health, mandatory, description) VALUES
            ('P1', 'One', 'A', 'G', NULL, NULL, 'active', '2026-01-01', '2026-06-30', 350, 0.9, NULL, false, NULL),
            ('P2', 'Two', NULL, 'G', NULL, NULL, 'proposed', '2026-05-01', '2026-08-31', 1000, 0.6, NULL, false, NULL),
            ('P3', 'Three', NULL, 'H', NULL, NULL, 'completed', '2025-01-01', '2025-06-30', 80, 1, NULL, false, NULL),
            ('P4', 'Four', NULL, 'H', NULL, NULL, 'active', '2026-01-01', '2026-12-31', 0, 0.8, 'red', false, NULL);
        INSERT INTO project_cashflows VALUES
            ('P1', '2026-02-01', 50, 0), ('P1', '2026-03-01', 100, 0), ('P1', '2026-04-01', 200, 0),
            ('P2', '2026-05-01', 1000, 0), ('P3', '2025-03-01', 80, 0);
        INSERT INTO project_demand VALUES ('P1', 'T', '2026-03-01', 12), ('P1', 'T', '2026-04-01', 5),
                                          ('P2', 'T', '2026-05-01', 7);
        INSERT INTO project_progress VALUES ('P1', '2026-02-01', 20, 50, 50, 50),
                                            ('P1', '2026-03-01', 40, 100, 90, 100);
        INSERT INTO risks VALUES
            ('R1', 'P1', 'a', NULL, 0.5, 4, 'open', NULL, NULL, NULL),
            ('R2', 'P2', 'b', NULL, 0.2, 5, 'mitigating', NULL, NULL, NULL),
            ('R3', 'P1', 'c', NULL, 0.9, 5, 'closed', NULL, NULL, NULL),
            ('R4', 'P3', 'd', NULL, 0.9, 5, 'open', NULL, NULL, NULL);
    """)
    return con


def test_company_kpis_over_a_two_day_window(small_con):
    kpis = overview.company_kpis(small_con, days=2).set_index("measure")
    # Current = 30-31 March, previous = 28-29 March.
    # Revenue: A 20 + 20 + B 5 = 45 against A 10 + 10 = 20.
    assert kpis.at["revenue", "current"] == 45
    assert kpis.at["revenue", "previous"] == 20
    assert kpis.at["revenue", "relative_change"] == pytest.approx(25 / 20)
    # Active users, each product's last day in the window: A 110 (30th) + B 50 (31st); before: A 100 (29th).
    assert kpis.at["active_users", "current"] == 160
    assert kpis.at["active_users", "previous"] == 100
    # NPS now: scores 10, 9, 5 -> (2 promoters - 1 detractor) / 3 answers; the CSAT-only answer does not count.
    assert kpis.at["nps", "current"] == pytest.approx(100 / 3)
    # NPS before: one passive (7) -> 0.
    assert kpis.at["nps", "previous"] == 0
    # CSAT now: scores 5, 2, 4 -> 2 of 3 satisfied; before: no CSAT answers -> missing, not 0.
    assert kpis.at["csat", "current"] == pytest.approx(200 / 3)
    assert math.isnan(kpis.at["csat", "previous"])
    assert math.isnan(kpis.at["csat", "change"])


def test_product_scorecard(small_con):
    card = overview.product_scorecard(small_con, days=2).set_index("product_id")
    assert list(card.index) == ["A", "B"]  # by revenue, largest first
    assert card.at["A", "revenue"] == 40 and card.at["A", "revenue_previous"] == 20
    assert card.at["A", "revenue_change"] == pytest.approx(1.0)
    assert card.at["A", "active_users"] == 110
    assert card.at["A", "churn_rate"] == pytest.approx(2.5)
    assert card.at["A", "nps"] == 100  # 10 and 9 in the window
    assert card.at["B", "nps"] == -100  # a single 5
    assert math.isnan(card.at["B", "revenue_change"])  # nothing to compare with


def test_portfolio_headlines(small_con):
    h = overview.portfolio_headlines(small_con, months=12)
    # Dated on or after 31 March 2026: P1's April 200 and P2's 1000 (P1's March flow, dated 1 March, is sunk).
    assert h["forward_budget"] == 1200
    assert h["committed_budget"] == 200
    assert h["live_projects"] == 3 and h["active_projects"] == 2
    # Live projects in red. P1: CPI = 90 / 100 = 0.9, SPI = 90 / 100 = 0.9 -> amber; P4 is red by its stored health.
    assert h["red_projects"] == 1
    # Committed demand 12 + 5 over capacity 10 + 10; March is over-booked.
    assert h["capacity_utilisation"] == pytest.approx(17 / 20)
    assert h["overbooked_team_months"] == 1
    # Open and mitigating risks of live projects: 0.5 × 4 + 0.2 × 5; closed R3 and completed P3's R4 excluded.
    assert h["risk_exposure"] == pytest.approx(3.0) and h["risks_recorded"] == 4


def test_the_overview_headlines_are_the_portfolio_summary(small_con):
    # One function behind every label the overview shares with the portfolio page.
    assert overview.portfolio_headlines(small_con) == portfolio.summary(small_con, portfolio.PortfolioFilter())


def test_revenue_keeps_the_top_products_and_sums_the_rest(small_con):
    # March 2026: A 10 + 10 + 20 + 20 = 60, B 5. With one product kept, B becomes the "other" series.
    frame = overview.monthly_revenue_by_product(small_con, months=2, top=1)
    assert frame[["name", "rank", "revenue"]].to_dict("records") == [
        {"name": "Alpha", "rank": 1, "revenue": 60.0},
        {"name": "Other (1 product)", "rank": 2, "revenue": 5.0},
    ]
    assert frame["product_id"].isna().tolist() == [False, True] and frame["partial"].all()
    both = overview.monthly_revenue_by_product(small_con, months=2)
    assert both["name"].tolist() == ["Alpha", "Beta"]
    figure = overview.revenue_chart(small_con, 2, currency="USD", present=False)
    assert [trace.name for trace in figure.data] == ["Alpha", "Beta"]


def test_no_revenue_history_draws_no_revenue_chart(empty_con):
    assert overview.monthly_revenue_by_product(empty_con).empty
    assert overview.revenue_chart(empty_con, currency="USD", present=False) is None


def test_forward_budget_by_program(small_con):
    frame = overview.forward_budget_by_program(small_con)
    assert frame.to_dict("records") == [
        {"program": "G", "stage": "active", "forward_cost": 200.0, "projects": 1},
        {"program": "G", "stage": "proposed", "forward_cost": 1000.0, "projects": 1},
    ]


def test_an_empty_store_gives_missing_numbers_not_zeros(empty_con):
    kpis = overview.company_kpis(empty_con)
    assert kpis["current"].isna().all()
    headlines = overview.portfolio_headlines(empty_con)
    assert math.isnan(headlines["capacity_utilisation"]) and not headlines["capacity_recorded"]
    assert headlines["risks_recorded"] == 0


def test_every_headline_has_a_definition():
    for key in (
        "revenue",
        "active_users",
        "nps",
        "csat",
    ):
        assert len(overview.DEFINITIONS[key]) > 40
    for key in portfolio.LABELS:
        assert len(portfolio.DEFINITIONS[key]) > 40

    # Switching it off again, and the URL following, is checked in Chromium (test_browser_pages.py).
