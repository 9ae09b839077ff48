"""The portfolio view: filters, summary, EVM health, capacity, risk, dependencies, on a hand-checked store."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics import portfolio, rules
from analytics.portfolio import PortfolioFilter

ALL = PortfolioFilter()


@pytest.fixture
def pf_con(empty_con):
    con = empty_con
    con.execute("""
        INSERT INTO settings VALUES ('as_of', '2026-01-15'), ('discount_rate', '0');
        INSERT INTO objectives VALUES ('O1', 'Grow', NULL, 1);
        INSERT INTO products VALUES ('X', 'Xylo', NULL, NULL, 'growth', '2020-01-01');
        INSERT INTO teams VALUES ('T1', 'Data', 'data'), ('T2', 'Web', 'web');
        INSERT INTO team_capacity VALUES ('T1', '2026-01-01', 2), ('T1', '2026-02-01', 2),
                                         ('T2', '2026-01-01', 4), ('T2', '2026-02-01', 4);
        INSERT INTO projects (project_id, name, product_id, program, sponsor, manager, stage, start_date,
            end_date, budget, probability_of_success, health, mandatory, description) VALUES
          ('A', 'Alpha', 'X', 'Growth', 'CEO', 'm', 'active', '2025-10-01', '2026-06-30', 300, .5, NULL, false, NULL),
          ('B', 'Beta', NULL, 'Platform', 'CTO', 'm', 'approved', '2026-02-01', '2026-06-30', 100, 1, NULL, 0, NULL),
          ('C', 'Gamma', 'X', 'Growth', 'CTO', 'm', 'proposed', '2026-03-01', '2026-09-30', 50, 1, NULL, 0, NULL),
          ('D', 'Delta', NULL, 'Platform', 'CEO', 'm', 'completed', '2024-01-01', '2024-12-31', 10, 1, NULL, 0, NULL),
          ('E', 'Echo', NULL, 'Growth', 'CEO', 'm', 'active', '2025-06-01', '2026-12-31', 10, 1, 'red', false, NULL);
        INSERT INTO project_cashflows VALUES
          ('A', '2026-01-01', 100, 0), ('A', '2026-02-01', 100, 0), ('A', '2026-03-01', 0, 500),
          ('B', '2026-02-01', 100, 0), ('C', '2026-03-01', 50, 0);
        INSERT INTO project_alignment VALUES ('A', 'O1', 5), ('B', 'O1', 0), ('C', 'O1', 1);
        INSERT INTO project_demand VALUES ('A', 'T1', '2026-01-01', 3), ('B', 'T1', '2026-02-01', 1),
                                          ('C', 'T1', '2026-02-01', 5), ('A', 'T2', '2026-01-01', 1);
        INSERT INTO project_dependencies VALUES ('B', 'A', 'requires'), ('C', 'B', 'requires'), ('E', 'A', 'requires');
        INSERT INTO project_progress VALUES ('A', '2025-12-01', 50, 100, 90, 100),
                                            ('A', '2026-01-01', 60, 200, 190, 200);
        INSERT INTO risks VALUES
          ('R1', 'A', 'vendor late', NULL, 0.2, 5, 'open', 'o', NULL, NULL),
          ('R2', 'A', 'key person', NULL, 1.0, 2, 'mitigating', 'o', NULL, NULL),
          ('R3', 'B', 'scope', NULL, 0.19, 1, 'closed', 'o', NULL, NULL),
          ('R4', 'C', 'demand', NULL, 0.79, 3, 'open', 'o', NULL, NULL);
    """)
    return con


def test_filters_select_projects(pf_con):
    assert PortfolioFilter(programs=("Growth",)).project_ids(pf_con) == ["A", "C", "E"]
    assert PortfolioFilter(products=("X",), stages=("active",)).project_ids(pf_con) == ["A"]
    assert PortfolioFilter(sponsors=("CTO",)).project_ids(pf_con) == ["B", "C"]
    # Health is the effective one: E is red by its stored health; A is green by EVM.
    assert PortfolioFilter(health=("red",)).project_ids(pf_con) == ["E"]


def test_evm_health_rule_and_boundaries(pf_con):
    health = portfolio.effective_health(pf_con).set_index("project_id")
    # A's latest snapshot: CPI = 190 / 200, SPI = 190 / 200, both exactly at the green threshold: green.
    assert health.at["A", "cpi"] == pytest.approx(rules.EVM_GREEN_AT)
    assert health.at["A", "spi"] == pytest.approx(rules.EVM_GREEN_AT)
    assert health.at["A", "health"] == "green" and health.at["A", "health_source"] == "evm"
    assert health.at["A", "eac"] == pytest.approx(300 * 200 / 190)
    assert health.at["E", "health"] == "red" and health.at["E", "health_source"] == "stored"
    # B has no snapshot and no stored health: no health at all, rather than some colour.
    assert pd.isna(health.at["B", "health"]) and pd.isna(health.at["B", "health_source"])
    assert pd.isna(health.at["B", "cpi"]) and pd.isna(health.at["B", "spi"])


@pytest.mark.parametrize(
    ("ev", "ac", "pv", "expected"),
    [
        (95, 100, 100, "green"),
        (94, 100, 100, "amber"),
        (85, 100, 100, "amber"),
        (84, 100, 100, "red"),
        (100, 100, 117, "amber"),
        (100, 100, 118, "red"),
        (100, 100, 90, "green"),
    ],
)
def test_health_thresholds(empty_con, ev, ac, pv, expected):
    empty_con.execute(
        "INSERT INTO projects (project_id, name, stage, start_date, end_date, budget, "
        "probability_of_success) VALUES ('P', 'p', 'active', '2026-01-01', '2026-12-31', 100, 1)"
    )
    empty_con.execute("INSERT INTO project_progress VALUES ('P', '2026-03-01', 10, ?, ?, ?)", [pv, ev, ac])
    assert portfolio.effective_health(empty_con).iloc[0]["health"] == expected


def test_summary(pf_con):
    s = portfolio.summary(pf_con, ALL)
    assert s["projects_by_stage"]["active"] == 2 and s["projects_by_stage"]["completed"] == 1
    assert s["live_projects"] == 4
    # Flows on or after 15 January: A 100 (Feb), B 100, C 50; A's January cost is sunk.
    assert s["forward_budget"] == 250
    # Rate 0: A's NPV = -100 + 500 = 400, rNPV = 0.5 * 500 - 100 = 150; B -100; C -50; E 0.
    assert s["npv"] == pytest.approx(400 - 100 - 50)
    assert s["rnpv"] == pytest.approx(150 - 100 - 50)
    # Strategic scores A 1.0, B 0, C 0.2, E 0, weighted by forward cost 100, 100, 50, 0.
    assert s["strategic_score"] == pytest.approx((100 * 1 + 100 * 0 + 50 * 0.2) / 250)
    # Committed demand Jan: A 3 + 1, Feb: B 1 = 5 FTE over capacity 2 + 2 + 4 + 4 = 12 (C is only proposed).
    assert s["capacity_utilisation"] == pytest.approx(5 / 12)
    assert s["red_projects"] == 1
    # Open or mitigating: R1 0.2 × 5 + R2 1.0 × 2 + R4 0.79 × 3.
    assert s["risk_exposure"] == pytest.approx(1 + 2 + 2.37)


def test_summary_follows_the_filter_and_the_rate(pf_con):
    growth = portfolio.summary(pf_con, PortfolioFilter(programs=("Growth",)))
    assert growth["live_projects"] == 3 and growth["forward_budget"] == 150
    discounted = portfolio.summary(pf_con, ALL, rate=0.5)
    assert discounted["npv"] < portfolio.summary(pf_con, ALL, rate=0.0)["npv"]


def test_capacity_and_the_projects_behind_overbooking(pf_con):
    cells = portfolio.capacity_vs_demand(pf_con, ALL, months=2).set_index(["team_id", "period"])
    jan, feb = cells.loc["T1"].iloc[0], cells.loc["T1"].iloc[1]
    assert jan["committed_fte"] == 3 and jan["overbooked"] and jan["utilisation"] == pytest.approx(1.5)
    assert feb["committed_fte"] == 1 and feb["proposed_fte"] == 5 and not feb["overbooked"]
    causes = portfolio.overbooking_causes(pf_con, ALL, months=2)
    assert len(causes) == 1
    assert causes.iloc[0]["excess_fte"] == 1 and causes.iloc[0]["projects"] == "A Alpha 3.0 FTE"


def test_the_busiest_team_has_the_most_loaded_month(pf_con):
    cells = portfolio.capacity_vs_demand(pf_con, ALL, months=2)
    # Data: 3 FTE of 2 in January (150 %); Web: 1 of 4 (25 %).
    assert portfolio.busiest_team(cells) == "Data"
    assert portfolio.busiest_team(cells[cells["team"] == "Web"]) == "Web"
    assert portfolio.busiest_team(cells.iloc[:0]) is None


def test_live_projects_and_open_risks(pf_con):
    table = portfolio.project_table(pf_con, ALL, returns=False)
    assert sorted(portfolio.live(table)["project_id"]) == ["A", "B", "C", "E"]  # D is completed
    risks = portfolio.risk_register(pf_con, ALL)
    assert sorted(portfolio.open_risks(risks)["risk_id"]) == ["R1", "R2", "R4"]  # R3 is closed


def test_risk_matrix_bins_probability_into_fifths(pf_con):
    register = portfolio.risk_register(pf_con, ALL).set_index("risk_id")
    assert register.at["R1", "probability_bin"] == 2  # 0.2 opens the second fifth
    assert register.at["R2", "probability_bin"] == 5  # 1.0 belongs to the last
    assert register.at["R3", "probability_bin"] == 1
    assert register.at["R4", "probability_bin"] == 4
    matrix = portfolio.risk_matrix(pf_con, ALL)
    assert len(matrix) == 25 and matrix["risks"].sum() == 3  # the closed R3 is not in the matrix
    cell = matrix[(matrix["probability_bin"] == 5) & (matrix["impact"] == 2)].iloc[0]
    assert cell["risks"] == 1 and cell["exposure"] == pytest.approx(2.0)


def test_dependency_layers_and_what_a_slip_hits(pf_con):
    nodes, edges = portfolio.dependency_graph(pf_con, ALL)
    layer = nodes.set_index("project_id")["layer"].to_dict()
    assert layer == {"A": 0, "B": 1, "E": 1, "C": 2}
    assert (edges["x0"] < edges["x1"]).all()  # prerequisites to the left of what depends on them
    hit = portfolio.downstream(pf_con, "A").set_index("project_id")
    assert hit["distance"].to_dict() == {"B": 1, "E": 1, "C": 2}
    # Rate 0: B costs 100 and C 50 ahead, neither brings a benefit; E plans nothing.
    assert portfolio.value_at_stake(hit) == pytest.approx(-150)
    assert portfolio.upstream(pf_con, "C")["project_id"].tolist() == ["B", "A"]
    # B's chain: what it needs (A) and what needs it (C); E only shares a prerequisite with it.
    focused, focused_edges = portfolio.dependency_graph(pf_con, ALL, focus="B")
    assert focused.set_index("project_id")["layer"].to_dict() == {"A": 0, "B": 1, "C": 2}
    assert len(focused_edges) == 2


def test_strategy_views(pf_con):
    by_objective = portfolio.investment_by_objective(pf_con, ALL).set_index("objective")
    # A (100) and C (50) serve Grow; B (100) and E (0) serve nothing.
    assert by_objective.at["Grow", "forward_cost"] == 150
    assert by_objective.at["No objective", "forward_cost"] == 100
    assert set(portfolio.unaligned_projects(pf_con, ALL)["project_id"]) == {"B", "E"}
    matrix = portfolio.alignment_matrix(pf_con, ALL)
    assert matrix.loc["A Alpha", "Grow"] == 5 and "D Delta" not in matrix.index
    # The two live projects with the most forward cost: A and B (100 each) before C (50) and E (0).
    largest = portfolio.alignment_matrix(pf_con, ALL, largest=2)
    assert [label.split()[0] for label in largest.index] == ["A", "B"]
    by_product = portfolio.investment_by_product(pf_con, ALL).set_index("product")
    assert by_product.at["Xylo", "forward_cost"] == 150 and by_product.at["No product", "projects"] == 2
    # Past the top products the rest fold into one bar, their sums kept: at bench scale a bar each ran 40,000 px.
    folded = portfolio.investment_by_product(pf_con, ALL, top=0)
    assert folded["product"].tolist() == ["Other (2 products)"]
    assert folded["forward_cost"].sum() == by_product["forward_cost"].sum()
    assert folded["projects"].sum() == by_product["projects"].sum()
    assert portfolio.investment_by_product(pf_con, ALL, top=1)["product"].tolist() == by_product.index.tolist()


def test_money_views(pf_con):
    pipeline = portfolio.pipeline_by_stage(pf_con, ALL)
    assert pipeline["stage"].tolist() == ["proposed", "approved", "active", "completed"]
    flow = portfolio.cumulative_cash_flow(pf_con, ALL)
    assert flow["cumulative_net"].tolist() == [-100, -300, 150]
    detail = portfolio.project_detail(pf_con, "A")
    assert detail["project"]["name"] == "Alpha" and len(detail["evm"]) == 2 and len(detail["risks"]) == 2
    assert detail["downstream"]["project_id"].tolist() == ["B", "E", "C"]
    with pytest.raises(KeyError, match="no project 'Z'"):
        portfolio.project_detail(pf_con, "Z")


def test_an_empty_store_gives_empty_views_not_errors(empty_con):
    s = portfolio.summary(empty_con, ALL)
    assert s["live_projects"] == 0 and math.isnan(s["capacity_utilisation"])
    nodes, edges = portfolio.dependency_graph(empty_con, ALL)
    assert nodes.empty and edges.empty


def test_projects_without_dependencies_give_an_empty_graph(pf_con):
    # A portfolio sheet with no depends_on column: projects, and no edge between them (issue 14, item 4).
    pf_con.execute("DELETE FROM project_dependencies")
    nodes, edges = portfolio.dependency_graph(pf_con, ALL)
    assert nodes.empty and edges.empty


def test_projects_in_red_counts_out_of_the_projects_whose_health_is_known():
    from analytics import headlines

    # 49 live, 22 with a stored health or a progress snapshot, 5 of those red: not "5 of 49 live".
    partly = {"red_projects": 5, "health_tracked": 22, "live_projects": 49}
    shown = headlines.headline("red_projects", partly, "USD")
    assert (shown.value, shown.note) == ("5", "of 22 tracked, 49 live")
    everyone = headlines.headline("red_projects", {**partly, "health_tracked": 49}, "USD")
    assert everyone.note == "of 49 live"
    nobody = headlines.headline("red_projects", {**partly, "health_tracked": 0}, "USD")
    assert (nobody.value, nobody.note) == ("–", "no health tracked")
