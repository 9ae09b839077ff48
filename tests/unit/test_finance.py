"""project_financials and its primitives: hand-checked cases, Excel conventions (against pyxirr), properties."""

from __future__ import annotations

import math
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest
import pyxirr
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analytics import finance
from tests.properties import examples


@pytest.fixture
def money_con(empty_con):
    con = empty_con
    con.execute("""
        INSERT INTO settings VALUES ('as_of', '2026-01-01'), ('discount_rate', '0.1');
        INSERT INTO objectives VALUES ('O1', 'Grow', NULL, 3), ('O2', 'Trust', NULL, 1);
        INSERT INTO projects (project_id, name, stage, start_date, end_date, budget, probability_of_success) VALUES
            ('A', 'Pays back in a year', 'active', '2026-01-01', '2026-12-31', 1000, 0.5),
            ('B', 'All in the past', 'completed', '2025-06-01', '2025-12-31', 500, 1),
            ('C', 'Only costs', 'proposed', '2026-02-01', '2026-03-31', 200, 0.8),
            ('D', 'Costs nothing', 'approved', '2026-06-01', '2026-06-30', 0, 1),
            ('E', 'No plan yet', 'proposed', '2026-06-01', '2026-06-30', 0, 0.6);
        INSERT INTO project_cashflows VALUES
            ('A', '2026-01-01', 1000, 0), ('A', '2027-01-01', 0, 1100),
            ('B', '2025-06-01', 500, 0), ('B', '2025-12-01', 0, 200),
            ('C', '2026-02-01', 100, 0), ('C', '2026-03-01', 100, 0),
            ('D', '2026-06-01', 0, 50);
        INSERT INTO project_alignment VALUES ('A', 'O1', 5), ('A', 'O2', 1), ('B', 'O1', 0);
    """)
    return con


def by_project(frame):
    return frame.set_index("project_id").to_dict("index")


def test_a_project_that_pays_back_in_exactly_a_year(money_con):
    a = by_project(finance.project_financials(money_con))["A"]
    # -1000 today, +1100 in 365 days at 10 %: 1100 / 1.1 = 1000, so NPV is 0 and IRR is 10 %.
    assert a["npv"] == pytest.approx(0, abs=1e-9)
    assert a["rnpv"] == pytest.approx(0.5 * 1000 - 1000)
    assert a["irr"] == pytest.approx(0.10, abs=1e-9)
    assert a["roi"] == pytest.approx(0.1)
    assert a["payback_months"] == 12
    assert a["profitability_index"] == pytest.approx(1.0)
    # (3 × 5 + 1 × 1) / (5 × (3 + 1))
    assert a["strategic_score"] == pytest.approx(0.8)


def test_a_project_with_no_future_cash_flows(money_con):
    b = by_project(finance.project_financials(money_con))["B"]
    assert b["npv"] == 0 and b["rnpv"] == 0  # everything before as_of is sunk
    assert math.isnan(b["profitability_index"])  # no forward cost
    assert b["roi"] == pytest.approx((200 - 500) / 500)
    assert math.isnan(b["payback_months"])  # -500 then +200: never back to zero
    expected = pyxirr.xirr([date(2025, 6, 1), date(2025, 12, 1)], [-500, 200])
    assert b["irr"] == pytest.approx(expected, rel=1e-9)
    assert b["strategic_score"] == 0


def test_flows_that_never_change_sign_have_no_irr(money_con):
    c = by_project(finance.project_financials(money_con))["C"]
    assert math.isnan(c["irr"])
    assert c["roi"] == -1
    assert math.isnan(c["payback_months"])
    assert c["profitability_index"] == 0
    discount = 1.1 ** (-31 / 365), 1.1 ** (-59 / 365)
    assert c["npv"] == pytest.approx(-100 * sum(discount))


def test_a_zero_cost_project(money_con):
    d = by_project(finance.project_financials(money_con))["D"]
    assert math.isnan(d["roi"]) and math.isnan(d["profitability_index"]) and math.isnan(d["irr"])
    assert math.isnan(d["payback_months"])  # nothing to pay back
    assert d["npv"] == pytest.approx(50 * 1.1 ** (-151 / 365))
    assert d["rnpv"] == pytest.approx(d["npv"])  # PoS 1


def test_a_project_without_any_plan_is_listed_with_zero_value(money_con):
    e = by_project(finance.project_financials(money_con))["E"]
    assert e["npv"] == 0 and e["rnpv"] == 0
    assert all(math.isnan(e[k]) for k in ("irr", "roi", "payback_months", "profitability_index"))


def test_contract_columns_and_one_row_per_project(money_con):
    frame = finance.project_financials(money_con)
    assert list(frame.columns) == [
        "project_id",
        "npv",
        "rnpv",
        "irr",
        "roi",
        "payback_months",
        "profitability_index",
        "strategic_score",
        "irr_forward",
        "roi_forward",
        "payback_months_forward",
    ]
    assert sorted(frame["project_id"]) == ["A", "B", "C", "D", "E"]


def test_rate_and_as_of_override_the_settings(money_con):
    at_zero = by_project(finance.project_financials(money_con, rate=0.0))["A"]
    assert at_zero["npv"] == pytest.approx(100)
    # Valued a month later, A's January cost is sunk: only the benefit remains.
    later = by_project(finance.project_financials(money_con, rate=0.1, as_of=date(2026, 2, 1)))["A"]
    assert later["npv"] == pytest.approx(1100 * 1.1 ** (-334 / 365))


def test_forward_returns_leave_sunk_flows_out(money_con):
    # Valued on 2026-02-01, A's January cost of 1000 is sunk: forward, A is all benefit (no IRR, no ROI, no
    # payback), while over its lifetime it still returns 10 %.
    later = by_project(finance.project_financials(money_con, as_of=date(2026, 2, 1)))
    a = later["A"]
    assert a["irr"] == pytest.approx(0.10, abs=1e-9) and a["roi"] == pytest.approx(0.1)
    assert math.isnan(a["irr_forward"]) and math.isnan(a["roi_forward"]) and math.isnan(a["payback_months_forward"])
    # C spent 100 in February and plans 100 in March: forward, only March counts.
    assert later["C"]["roi_forward"] == -1 and later["C"]["roi"] == -1
    # B lies wholly in the past: nothing forward at all.
    assert all(math.isnan(later["B"][k]) for k in ("irr_forward", "roi_forward", "payback_months_forward"))
    # Valued on its first day, A's forward figures are its lifetime ones.
    today = by_project(finance.project_financials(money_con, as_of=date(2026, 1, 1)))["A"]
    assert today["irr_forward"] == pytest.approx(today["irr"]) and today["roi_forward"] == pytest.approx(0.1)
    assert today["payback_months_forward"] == 12


def test_forward_irr_is_the_rate_at_which_forward_npv_is_zero(demo_con):
    # The same basis: discounting the forward flows at the forward IRR gives a forward NPV of zero (Excel XNPV
    # counts from as_of, XIRR from the first forward flow; the two differ by a factor, not in where they cross 0).
    money = finance.project_financials(demo_con).dropna(subset=["irr_forward"])
    assert len(money) > 10
    for row in money.head(12).itertuples():
        at_irr = finance.project_financials(demo_con, rate=row.irr_forward, project_ids=[row.project_id])
        scale = finance.project_financials(demo_con, rate=0.0, project_ids=[row.project_id])
        assert abs(at_irr["npv"].iloc[0]) <= 1e-6 * max(1.0, abs(scale["npv"].iloc[0]) + 1e6), row.project_id


def test_payback_counts_from_the_first_month_with_cost(empty_con):
    empty_con.execute("""
        INSERT INTO projects (project_id, name, stage, start_date, end_date, budget, probability_of_success)
        VALUES ('P', 'p', 'active', '2026-01-01', '2026-12-31', 300, 1);
        INSERT INTO project_cashflows VALUES ('P', '2026-01-01', 0, 10), ('P', '2026-02-01', 200, 0),
            ('P', '2026-03-01', 100, 0), ('P', '2026-04-01', 0, 150), ('P', '2026-05-01', 0, 150);
    """)
    # Cumulative from the start: 10, -190, -290, -140, +10 -> reaches zero in May, 3 months after February.
    assert finance.project_financials(empty_con, as_of=date(2026, 1, 1))["payback_months"].iloc[0] == 3


def test_demo_irrs_match_pyxirr(demo_con):
    flows = finance.load_flows(demo_con)
    irr = finance.xirr(flows)
    checked = 0
    for i in range(flows.n):
        rows = flows.project == i
        net = flows.benefit[rows] - flows.cost[rows]
        if (net > 0).any() and (net < 0).any():
            keep = net != 0
            expected = pyxirr.xirr(flows.period[rows][keep].astype(object), net[keep])
            assert irr[i] == pytest.approx(expected, rel=1e-6, abs=1e-8), flows.project_ids[i]
            checked += 1
    assert checked >= 40


def flows_of(costs, benefits, start=date(2026, 1, 1)):
    """One project: monthly costs from ``start``, then monthly benefits right after."""
    months = len(costs) + len(benefits)
    period = np.datetime64(start, "M") + np.arange(months)
    return finance.Flows(
        project_ids=np.array(["P"], dtype=object),
        project=np.zeros(months, dtype=np.int64),
        period=period.astype("datetime64[D]"),
        cost=np.array(list(costs) + [0.0] * len(benefits)),
        benefit=np.array([0.0] * len(costs) + list(benefits)),
        probability_of_success=np.array([0.7]),
    )


amounts = st.lists(st.floats(min_value=1, max_value=1e6), min_size=1, max_size=24)


def npv_at(flows, rate):
    benefit, cost = finance.forward_present_values(flows, rate, date(2026, 1, 1))
    return benefit[0] - cost[0]


@settings(max_examples=examples(80), deadline=None)
@given(cost=st.floats(1, 1e6), benefits=amounts, low=st.floats(0, 0.5), extra=st.floats(0.01, 0.5))
def test_npv_falls_as_the_rate_rises_for_an_up_front_investment(cost, benefits, low, extra):
    flows = flows_of([cost], benefits)
    assert npv_at(flows, low + extra) <= npv_at(flows, low) + 1e-9 * (cost + sum(benefits))


@settings(max_examples=examples(80), deadline=None)
@given(costs=amounts, benefits=amounts, low=st.floats(0, 0.5), extra=st.floats(0.01, 0.5))
def test_npv_falls_with_the_rate_while_it_is_positive_when_benefits_come_after_costs(costs, benefits, low, extra):
    # d NPV / dr = -Σ t_i PV_i / (1 + r), and with every cost before every benefit Σ t_i PV_i >= T · NPV (T the
    # last cost month): so NPV falls wherever it is still >= 0. Spread-out costs of a losing project can make
    # NPV rise with the rate (later costs weigh less), which is why the property is stated this way.
    flows = flows_of(costs, benefits)
    high = low + extra
    if npv_at(flows, high) >= 0:
        assert npv_at(flows, high) <= npv_at(flows, low) + 1e-9 * (sum(costs) + sum(benefits))


@settings(max_examples=examples(80), deadline=None)
@given(costs=amounts, benefits=amounts, rate=st.floats(0, 0.4), pos=st.floats(0, 1))
def test_rnpv_never_exceeds_npv_when_benefits_are_positive(costs, benefits, rate, pos):
    benefit, cost = finance.forward_present_values(flows_of(costs, benefits), rate, date(2026, 1, 1))
    assert pos * benefit[0] - cost[0] <= benefit[0] - cost[0] + 1e-6


@settings(max_examples=examples(60), deadline=None)
@given(
    costs=st.lists(st.floats(1e3, 1e5), min_size=1, max_size=12),
    benefits=st.lists(st.floats(1e3, 1e5), min_size=6, max_size=36),
)
def test_xirr_agrees_with_pyxirr_on_conventional_projects(costs, benefits):
    # Plausible projects: benefits return at least 30 % of the cost. (Returning a seventh of it a month later
    # has an IRR of -1 + 1e-10, which both libraries can chase but nobody would read.)
    assume(sum(benefits) >= 0.3 * sum(costs))
    flows = flows_of(costs, benefits)
    ours = finance.xirr(flows)[0]
    net = flows.benefit - flows.cost
    expected = pyxirr.xirr(flows.period.astype(object), net)
    if expected is None:
        assert math.isnan(ours)
    else:
        assert ours == pytest.approx(expected, rel=1e-6, abs=1e-8)


@pytest.fixture(scope="module")
def score_con():
    """One in-memory store with one project P for every example of the strategic-score property; each example
    clears the rows it adds."""
    from analytics import store

    con = duckdb.connect()
    con.execute(store.SCHEMA_SQL.read_text(encoding="utf-8"))
    con.execute(
        "INSERT INTO projects (project_id, name, stage, start_date, end_date, budget, "
        "probability_of_success) VALUES ('P', 'p', 'active', '2026-01-01', '2026-02-01', 0, 1)"
    )
    yield con
    con.close()


@settings(max_examples=examples(40), deadline=None)
@given(weights=st.lists(st.floats(0.01, 10), min_size=1, max_size=5), data=st.data())
def test_strategic_score_is_between_zero_and_one(score_con, weights, data):
    con = score_con
    con.execute("DELETE FROM project_alignment")
    con.execute("DELETE FROM objectives")
    for i, weight in enumerate(weights):
        con.execute("INSERT INTO objectives VALUES (?, 'o', NULL, ?)", [f"O{i}", weight])
        score = data.draw(st.integers(0, 5))
        con.execute("INSERT INTO project_alignment VALUES ('P', ?, ?)", [f"O{i}", score])
    value = finance.strategic_scores(con, np.array(["P"], dtype=object))[0]
    assert 0 <= value <= 1


def test_valuing_a_subset_gives_each_project_the_same_figures(demo_con):
    everything = finance.project_financials(demo_con, rate=0.1).set_index("project_id")
    some = ["P-003", "P-010", "P-031"]
    subset = finance.project_financials(demo_con, rate=0.1, project_ids=some).set_index("project_id")
    assert list(subset.index) == some
    pd.testing.assert_frame_equal(subset, everything.loc[some])
    assert finance.project_financials(demo_con, project_ids=[]).empty
