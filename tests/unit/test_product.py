"""The product view's numbers on a store small enough to check by hand, and property tests for the formulas."""

from __future__ import annotations

import math
import random
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import formatting, product
from tests.properties import examples
from tests.voice_store import insert_five_answer_week

SCHEMA = Path(__file__).resolve().parents[2] / "analytics" / "schema.sql"


@pytest.fixture
def small_con(empty_con):
    """Product A, valued on Tuesday 31 March 2026; every expected number below is worked out in its test."""
    con = empty_con
    con.execute("""
        INSERT INTO settings VALUES ('as_of', '2026-03-31'), ('currency', 'USD'), ('company', 'Tiny Co');
        INSERT INTO products VALUES ('A', 'Alpha', 'SMB', 'Ann', 'growth', '2025-06-01'),
                                    ('B', 'Beta', NULL, NULL, 'decline', NULL);
        INSERT INTO kpi_definitions VALUES
            ('active_users', 'Active users', 'users', 'higher_is_better', 'last'),
            ('signups', 'Signups', 'users', 'higher_is_better', 'sum'),
            ('revenue', 'Revenue', 'USD', 'higher_is_better', 'sum'),
            ('churn_rate', 'Churn rate', '%', 'lower_is_better', 'mean'),
            ('csat', 'CSAT', '%', 'higher_is_better', 'mean');
        INSERT INTO kpi_history VALUES
            ('A', 'revenue', '2026-01-15', 7), ('A', 'revenue', '2026-02-27', 5),
            ('A', 'revenue', '2026-03-29', 10), ('A', 'revenue', '2026-03-30', 20), ('A', 'revenue', '2026-03-31', 30),
            ('B', 'revenue', '2026-03-30', 1000),
            ('A', 'active_users', '2026-03-28', 100), ('A', 'active_users', '2026-03-30', 110),
            ('A', 'churn_rate', '2026-03-29', 4.0), ('A', 'churn_rate', '2026-03-30', 2.0),
            ('A', 'churn_rate', '2026-03-31', 3.0);
        INSERT INTO kpi_targets VALUES
            ('A', 'revenue', '2026-02-01', 560), ('A', 'revenue', '2026-03-01', 310),
            ('A', 'active_users', '2026-01-01', 90), ('A', 'csat', '2026-03-01', 80);
        INSERT INTO feedback VALUES
            ('F1', 'A', '2026-03-30', 'email', 10, NULL, 'pricing', 'Great value'),
            ('F2', 'A', '2026-03-31', 'in-app', 9, 5, 'pricing', NULL),
            ('F3', 'A', '2026-03-31', 'email', 5, 2, 'support', '<b>Slow</b> replies'),
            ('F4', 'A', '2026-03-30', 'email', NULL, 4, NULL, '  '),
            ('F5', 'A', '2026-03-20', 'sales', 7, 3, 'support', 'Fine');
        INSERT INTO retention_cohorts VALUES
            ('A', '2025-12-01', 0, 300, 300), ('A', '2025-12-01', 1, 300, 210), ('A', '2025-12-01', 2, 300, 150),
            ('A', '2026-01-01', 0, 100, 100), ('A', '2026-01-01', 1, 100, 50), ('A', '2026-01-01', 2, 100, 40),
            ('A', '2026-02-01', 0, 50, 50), ('A', '2026-02-01', 1, 50, 20);
        INSERT INTO features VALUES
            ('A1', 'A', 'Shipped late', 'Core', 'shipped', 1000, 2, 0.5, 2, 5, 3, 2, 5,
             '2026-01-01', '2026-02-10', '2026-02-15', 'P1'),
            ('A2', 'A', 'Overdue', 'Core', 'in_progress', 400, 1, 1, 2, 3, 3, 3, 3,
             '2026-02-01', '2026-03-20', NULL, 'P1'),
            ('A3', 'A', 'Small and urgent', NULL, 'planned', 150, 1, 1, 1, 8, 8, 4, 2,
             '2026-04-01', '2026-05-01', NULL, NULL),
            ('A4', 'A', 'Big idea', 'Growth', 'idea', 600, 3, 0.5, 3, 1, 1, 1, 3,
             '2026-05-01', '2026-08-01', NULL, NULL),
            ('A5', 'A', 'Dropped', 'Growth', 'dropped', 1, 1, 1, 1, 1, 1, 1, 1,
             '2026-01-01', '2026-02-01', NULL, NULL);
        INSERT INTO projects (project_id, name, product_id, program, sponsor, manager, stage, start_date,
            end_date, budget, probability_of_success, health, mandatory, description) VALUES
            ('P1', 'One', 'A', 'G', NULL, NULL, 'active', '2026-01-01', '2026-06-30', 350, 0.9, NULL, false, NULL),
            ('P2', 'Two', 'A', 'G', NULL, NULL, 'cancelled', '2026-01-01', '2026-06-30', 100, 0.5, NULL, false, NULL),
            ('P3', 'Three', 'B', 'G', NULL, NULL, 'active', '2026-01-01', '2026-06-30', 900, 0.5, NULL, false, NULL);
        INSERT INTO project_cashflows VALUES
            ('P1', '2026-02-01', 50, 0), ('P1', '2026-03-01', 100, 0), ('P1', '2026-04-01', 200, 0),
            ('P2', '2026-01-01', 30, 0), ('P2', '2026-05-01', 70, 0), ('P3', '2026-03-01', 900, 0);
        INSERT INTO project_progress VALUES ('P1', '2026-03-01', 40, 140, 120, 160);
    """)
    return con


# ---- Windows -------------------------------------------------------------------------------------------------


def test_windows_end_on_the_stores_as_of_not_the_wall_clock():
    as_of = date(2026, 10, 15)
    window = product.resolve_window(as_of, "90d", "previous")
    assert (window.start, window.end) == (date(2026, 7, 18), as_of)
    assert window.days == 90
    assert (window.compare_start, window.compare_end) == (date(2026, 4, 19), date(2026, 7, 17))
    year_ago = product.resolve_window(as_of, "30d", "last_year")
    assert (year_ago.compare_start, year_ago.compare_end) == (date(2025, 9, 16), date(2025, 10, 15))
    assert year_ago.comparison_label() == "vs same period last year"


def test_year_to_date_follows_the_fiscal_year_and_leap_days_map_to_28_february():
    assert product.resolve_window(date(2026, 3, 31), "ytd").start == date(2026, 1, 1)
    assert product.resolve_window(date(2026, 3, 31), "ytd", fiscal_year_start_month=4).start == date(2025, 4, 1)
    leap = product.resolve_window(date(2028, 2, 29), "30d", "last_year")
    assert leap.compare_end == date(2027, 2, 28)


def test_a_custom_window_takes_its_dates_in_either_order():
    window = product.resolve_window(date(2026, 3, 31), "custom", "previous", date(2026, 3, 10), date(2026, 3, 1))
    assert (window.start, window.end) == (date(2026, 3, 1), date(2026, 3, 10))
    assert (window.compare_start, window.compare_end) == (date(2026, 2, 19), date(2026, 2, 28))


def test_unknown_choices_are_refused():
    with pytest.raises(ValueError, match="window"):
        product.resolve_window(date(2026, 3, 31), "7d")
    with pytest.raises(ValueError, match="grain"):
        product.periods("day", date(2026, 3, 1), date(2026, 3, 31))


# ---- NPS and CSAT --------------------------------------------------------------------------------------------


def test_nps_and_csat_over_a_window(small_con):
    # 30-31 March: NPS scores 10, 9, 5 -> (2 promoters - 1 detractor) / 3; the CSAT-only answer F4 does not count.
    assert product.nps(small_con, "A", date(2026, 3, 30), date(2026, 3, 31)) == pytest.approx(100 / 3)
    # CSAT scores 5, 2, 4 -> 2 of 3 answers score 4 or 5.
    assert product.csat(small_con, "A", date(2026, 3, 30), date(2026, 3, 31)) == pytest.approx(200 / 3)


def test_a_single_answer_and_an_empty_window(small_con):
    # 20 March alone: one passive (7) -> NPS 0; CSAT 3 -> 0 %. Both exist and are 0.
    assert product.nps(small_con, "A", date(2026, 3, 20), date(2026, 3, 20)) == 0
    assert product.csat(small_con, "A", date(2026, 3, 20), date(2026, 3, 20)) == 0
    # No answers: None, never 0 or NaN.
    assert product.nps(small_con, "A", date(2026, 3, 1), date(2026, 3, 10)) is None
    assert product.csat(small_con, "B", date(2026, 1, 1), date(2026, 3, 31)) is None


def test_voice_by_week_counts_promoters_passives_and_detractors(small_con):
    voice = product.voice_series(small_con, "A", "week", date(2026, 3, 1), date(2026, 3, 31))
    # Weeks start on Monday: 20 March (a Friday) is in the week of 16 March; 30-31 March in the week of 30 March.
    assert list(voice["period"]) == [pd.Timestamp("2026-03-16"), pd.Timestamp("2026-03-30")]
    last = voice.iloc[1]
    assert (last["promoters"], last["passives"], last["detractors"], last["nps_answers"]) == (2, 0, 1, 3)
    assert last["csat_answers"] == 3 and last["csat"] == pytest.approx(200 / 3)


def test_themes_rank_by_volume_with_their_scores(small_con):
    themes = product.feedback_themes(small_con, "A", date(2026, 3, 1), date(2026, 3, 31)).set_index("theme")
    assert list(themes.index) == ["pricing", "support", "(no theme)"]  # 2, 2 (by name), 1 answers
    assert themes.at["pricing", "nps"] == 100  # scores 10 and 9
    assert themes.at["support", "mean_nps_score"] == pytest.approx(6.0)  # scores 5 and 7
    assert themes.at["support", "nps"] == pytest.approx(-50)  # one detractor, one passive
    assert themes["share"].sum() == pytest.approx(1)


def test_latest_comments_are_newest_first_and_kept_verbatim(small_con):
    comments = product.latest_comments(small_con, "A", date(2026, 3, 1), date(2026, 3, 31))
    # F2 has no comment and F4 only blanks; the markup in F3 stays as typed (the page shows it as plain text).
    assert list(comments["comment"]) == ["<b>Slow</b> replies", "Great value", "Fine"]


# ---- KPI roll-ups --------------------------------------------------------------------------------------------


def test_weeks_start_on_monday_and_a_cut_week_rolls_up_only_its_days_inside(small_con):
    series = product.kpi_series(small_con, "A", "revenue", "week", date(2026, 3, 29), date(2026, 3, 31))
    # Sunday 29 March belongs to the week of Monday 23 March; 30 and 31 March to the week of 30 March.
    assert list(series["period"]) == [pd.Timestamp("2026-03-23"), pd.Timestamp("2026-03-30")]
    assert list(series["value"]) == [10, 50]


def test_a_month_cut_by_the_window_sums_only_its_days_inside(small_con):
    series = product.kpi_series(small_con, "A", "revenue", "month", date(2026, 2, 27), date(2026, 3, 30))
    assert list(series["value"]) == [5, 30]  # February: 27th; March: 29th + 30th (31st is outside)


def test_a_quarter_cut_in_half(small_con):
    whole = product.kpi_series(small_con, "A", "revenue", "quarter", date(2026, 1, 1), date(2026, 3, 31))
    half = product.kpi_series(small_con, "A", "revenue", "quarter", date(2026, 2, 1), date(2026, 3, 31))
    assert list(whole["value"]) == [72] and list(half["value"]) == [65]  # January's 7 falls outside the second
    assert list(half["period"]) == [pd.Timestamp("2026-01-01")]


def test_last_takes_the_last_day_with_data_and_mean_averages_the_days(small_con):
    users = product.kpi_series(small_con, "A", "active_users", "week", date(2026, 3, 23), date(2026, 3, 31))
    assert list(users["value"]) == [100, 110]  # 28 March in the first week; 30 March (none on 31st) in the second
    churn = product.kpi_series(small_con, "A", "churn_rate", "week", date(2026, 3, 23), date(2026, 3, 31))
    assert list(churn["value"]) == [4.0, 2.5]


def test_periods_without_data_are_left_out_and_unknown_metrics_refused(small_con):
    assert product.kpi_series(small_con, "A", "signups", "month", date(2026, 1, 1), date(2026, 3, 31)).empty
    with pytest.raises(product.UnknownMetricError):
        product.kpi_series(small_con, "A", "made_up", "month", date(2026, 1, 1), date(2026, 3, 31))


def test_sum_targets_are_prorated_by_day_and_others_hold_from_their_month_on(small_con):
    # Revenue: February's 560 over 28 days = 20 a day, March's 310 over 31 days = 10 a day.
    # 27 Feb - 2 Mar: 2 × 20 + 2 × 10 = 60.
    whole = product.kpi_targets(small_con, "A", ["revenue", "active_users"], None, date(2026, 2, 27), date(2026, 3, 2))
    targets = dict(zip(whole["metric"], whole["target"], strict=True))
    assert targets["revenue"] == pytest.approx(60)
    # Active users' only target is January's 90, which still holds in March.
    assert targets["active_users"] == 90
    monthly = product.kpi_targets(small_con, "A", ["revenue"], "month", date(2026, 2, 27), date(2026, 3, 30))
    assert list(monthly["target"]) == pytest.approx([40, 300])
    # Before the first target month there is no target at all.
    assert product.kpi_targets(small_con, "A", ["revenue"], None, date(2025, 12, 1), date(2025, 12, 31)).empty


def test_summary_tiles_against_the_previous_window_and_the_target(small_con):
    window = product.resolve_window(date(2026, 3, 31), "custom", "previous", date(2026, 3, 30), date(2026, 3, 31))
    tiles = product.kpi_summary(small_con, "A", window).set_index("metric")
    assert list(tiles.index) == list(product.TILE_METRICS)
    # Revenue 20 + 30 against 28-29 March's 10; target 2 days × 10 = 20.
    assert tiles.at["revenue", "current"] == 50 and tiles.at["revenue", "previous"] == 10
    assert tiles.at["revenue", "relative_change"] == pytest.approx(4.0)
    assert tiles.at["revenue", "vs_target"] == pytest.approx(1.5)
    assert tiles.at["revenue", "better"] is True and tiles.at["revenue", "on_target"] is True
    # Churn fell from 4.0 (29th) to mean(2, 3) = 2.5: lower is better, so that is good; no target is set.
    assert tiles.at["churn_rate", "change"] == pytest.approx(-1.5)
    assert tiles.at["churn_rate", "better"] is True and tiles.at["churn_rate", "on_target"] is None
    # Active users on the window's last day with data (30th) against 28 March; January's target 90 still holds.
    assert (tiles.at["active_users", "current"], tiles.at["active_users", "previous"]) == (110, 100)
    assert tiles.at["active_users", "target"] == 90
    # NPS had no answers on 28-29 March: no change rather than a change from zero.
    assert tiles.at["nps", "current"] == pytest.approx(100 / 3) and math.isnan(tiles.at["nps", "previous"])
    assert tiles.at["nps", "better"] is None
    # CSAT 66.7 % under its target of 80: off target.
    assert tiles.at["csat", "target"] == 80 and tiles.at["csat", "on_target"] is False
    # No signups anywhere: missing, not zero.
    assert math.isnan(tiles.at["signups", "current"])


def test_trends_align_the_comparison_period_by_period_and_flag_cut_periods(small_con):
    window = product.resolve_window(date(2026, 3, 31), "custom", "previous", date(2026, 3, 23), date(2026, 3, 31))
    trends = product.kpi_trends(small_con, "A", ["revenue"], "week", window)
    # Window 23-31 March: weeks of 23 and 30 March; comparison 14-22 March: weeks of 9 and 16 March.
    assert list(trends["period"]) == [pd.Timestamp("2026-03-23"), pd.Timestamp("2026-03-30")]
    assert list(trends["comparison_period"]) == [pd.Timestamp("2026-03-09"), pd.Timestamp("2026-03-16")]
    assert list(trends["value"]) == [10, 50]
    assert trends["comparison"].isna().all()  # no revenue in 14-22 March
    assert list(trends["partial"]) == [False, True]  # the week of 30 March runs past the window's end
    assert list(trends["target"]) == pytest.approx([70, 20])  # 7 days and 2 days of March's 10 a day


def test_sparklines_leave_out_cut_periods_when_whole_ones_remain(small_con):
    window = product.resolve_window(date(2026, 3, 31), "custom", "previous", date(2026, 3, 20), date(2026, 3, 31))
    lines = product.kpi_sparklines(small_con, "A", "week", window)
    # Revenue weeks: 16 March (cut, no data), 23 March (whole: 10), 30 March (cut: 50): only one whole period,
    # so every period with data stays.
    assert lines["revenue"] == [10, 50]
    # March's four NPS answers are too few to draw a point from.
    assert lines["nps"] == []


def test_shipped_features_mark_releases_in_the_window(small_con):
    ships = product.shipped_features(small_con, "A", date(2026, 2, 1), date(2026, 2, 28))
    assert list(ships["feature_id"]) == ["A1"]
    assert product.shipped_features(small_con, "A", date(2026, 3, 1), date(2026, 3, 31)).empty


# ---- Retention -----------------------------------------------------------------------------------------------


def test_retention_curve_ignores_cells_a_cohort_has_not_reached(small_con):
    curve = product.retention_curve(small_con, "A").set_index("month_offset")["retention"]
    # As of March 2026 the February cohort has reached only month 0, the January cohort months 0-1.
    # Month 1: (210 + 50) / (300 + 100) = 0.65 -- not (210 + 50 + 20) / 450, which counts February's March.
    # Month 2: 150 / 300 = 0.5 -- January's 40 % for March is not known yet.
    assert curve.to_dict() == pytest.approx({0: 1.0, 1: 0.65, 2: 0.5})


def test_retention_matrix_marks_immature_cells(small_con):
    matrix = product.retention_matrix(small_con, "A")
    immature = matrix[~matrix["mature"]]
    assert set(zip(immature["cohort_month"].dt.strftime("%Y-%m"), immature["month_offset"], strict=True)) == {
        ("2026-01", 2),
        ("2026-02", 1),
    }
    assert matrix["retention"].iloc[1] == pytest.approx(0.7)


def test_a_product_without_cohorts_has_an_empty_curve(small_con):
    assert product.retention_curve(small_con, "B").empty


# ---- Roadmap and backlog --------------------------------------------------------------------------------------


def test_roadmap_and_what_is_late(small_con):
    plan = product.roadmap(small_con, "A").set_index("feature_id")
    assert "A5" not in plan.index  # dropped
    assert plan.at["A1", "days_late"] == 5  # target 10 Feb, shipped 15 Feb
    # The overdue item's bar runs to today (as_of), 11 days past its target of 20 March.
    assert plan.at["A2", "finish"] == pd.Timestamp("2026-03-31") and plan.at["A2", "days_late"] == 11
    assert plan.at["A3", "theme"] == "(no theme)" and math.isnan(plan.at["A3", "days_late"])
    late = product.late_features(small_con, "A")
    assert list(late["feature_id"]) == ["A2", "A1"]
    assert list(late["state"]) == ["open, past target", "shipped late"]


def test_the_roadmap_title_counts_what_the_late_table_lists(small_con):
    from analytics import charts

    plan = product.roadmap(small_con, "A")
    # A1 shipped 5 days late, A2 is open 11 days past its target: the table lists both, so does the title.
    assert len(product.late_features(small_con, "A")) == 2
    fig = charts.roadmap_timeline(plan, as_of=date(2026, 3, 31), late=product.late_text(plan), present=False)
    assert fig.layout.title.text == (
        "Roadmap by theme, 2 late against target: 1 shipped late, 1 still open past the target date"
    )
    on_time = plan.assign(days_late=plan["days_late"].clip(upper=0))
    assert product.late_text(on_time) == "nothing late against its target"


def test_backlog_scores_and_ranks(small_con):
    items = product.backlog(small_con, "A").set_index("feature_id")
    assert set(items.index) == {"A2", "A3", "A4"}  # open items only
    # RICE = reach × impact × confidence / effort: A2 400·1·1/2, A3 150·1·1/1, A4 600·3·0.5/3.
    assert items["rice"].to_dict() == pytest.approx({"A2": 200, "A3": 150, "A4": 300})
    # WSJF = (value + criticality + risk reduction) / job size: A2 9/3, A3 20/2, A4 3/3.
    assert items["wsjf"].to_dict() == pytest.approx({"A2": 3, "A3": 10, "A4": 1})
    assert items["rice_rank"].to_dict() == {"A4": 1, "A2": 2, "A3": 3}
    assert items["wsjf_rank"].to_dict() == {"A3": 1, "A2": 2, "A4": 3}


def test_capacity_plan_is_exact_not_a_cut_of_the_ranked_list(small_con):
    items = product.backlog(small_con, "A")
    plan = product.capacity_plan(items, 3, "rice")
    chosen = set(plan.items.loc[plan.items["chosen"], "feature_id"])
    # Three person-months: the ranked list takes A4 (300, effort 3) and stops; A2 + A3 (efforts 2 + 1) give 350.
    assert chosen == {"A2", "A3"} and plan.chosen_value == pytest.approx(350)
    assert set(plan.items.loc[plan.items["in_sorted_cut"], "feature_id"]) == {"A4"}
    assert plan.sorted_cut_value == pytest.approx(300) and plan.status == "optimal"
    assert plan.chosen_effort == pytest.approx(3)
    assert product.capacity_plan(items, 0.5, "wsjf").chosen_value == 0


def test_the_plan_counts_and_gain_and_the_capacity_slider_range(small_con):
    items = product.backlog(small_con, "A")
    plan = product.capacity_plan(items, 3, "rice")
    assert (plan.chosen_count, plan.sorted_cut_count) == (2, 1)
    assert plan.gain == pytest.approx(350 - 300)
    # Efforts 2 + 1 + 3 = 6 person-months: at most 6 (6.5 rounds to even), two suggested (a third).
    assert product.capacity_range(items) == (6.0, 2.0)
    assert product.capacity_range(items.iloc[:1]) == (round(items["effort"].iloc[0] + 0.5), round(2 / 3))


def test_quadrants_split_at_the_medians(small_con):
    items = product.quadrants(product.backlog(small_con, "A"), "rice").set_index("feature_id")
    # Median RICE 200, median effort 2: A4 (300, 3) big bet, A2 (200, 2) big bet, A3 (150, 1) fill-in.
    assert items["quadrant"].to_dict() == {"A4": "Big bet", "A2": "Big bet", "A3": "Fill-in"}


def test_backlog_titles_count_in_the_singular_and_no_top_beyond_the_backlog(small_con):
    from analytics import charts

    items = product.backlog(small_con, "A")
    # By WSJF (median 3, median effort 2) A3 (10, effort 1) is the one quick win; by RICE there is none.
    assert product.quadrant_title(product.quadrants(items, "wsjf"), 3) == (
        "Value against effort: 1 quick win; filled = fits 3 person-months"
    )
    assert product.quadrant_title(product.quadrants(items, "rice"), 3).startswith("Value against effort: 0 quick wins")
    # Three items: both tops hold all three, so the title counts the places they share (A2 second in both).
    assert charts.rank_slope(items, present=False).layout.title.text == (
        "RICE and WSJF rank all 3 items, 1 in the same place; steep lines are where they disagree"
    )
    assert charts.rank_slope(items, present=False, top=2).layout.title.text == (
        "RICE and WSJF agree on 1 of their top 2; steep lines are where they disagree"
    )


# ---- Investment vs outcome -----------------------------------------------------------------------------------


def test_investment_in_the_products_projects(small_con):
    projects = product.investment(small_con, "A").set_index("project_id")
    assert list(projects.index) == ["P1", "P2"]
    # P1: February and March are before 31 March (planned to date 150), April is plan. P2 is cancelled: no plan
    # ahead.
    assert (projects.at["P1", "planned_to_date"], projects.at["P1", "planned_forward"]) == (150, 200)
    assert (projects.at["P2", "planned_to_date"], projects.at["P2", "planned_forward"]) == (30, 0)
    assert projects.at["P1", "actual_cost"] == 160 and projects.at["P1", "features"] == 2
    assert math.isnan(projects.at["P2", "actual_cost"]) and pd.isna(projects.at["P2", "snapshot_on"])


def test_the_investment_table_writes_stages_as_people_do(small_con):
    small_con.execute("UPDATE projects SET stage = 'on_hold' WHERE project_id = 'P1'")
    projects = product.investment(small_con, "A").set_index("project_id")
    assert projects["stage"].to_dict() == {"P1": "on hold", "P2": "cancelled"}
    # Held, it still plans to spend: the stage's words change, not the rule that counts it live.
    assert projects.at["P1", "planned_forward"] == 200


def test_spent_to_date_is_actual_cost_where_a_snapshot_has_it_and_planned_cost_only_without_one(small_con):
    projects = product.investment(small_con, "A").set_index("project_id")
    # P1's snapshot of 1 March says it has cost 160, more than its plan to date of 150: spent is the 160.
    assert (projects.at["P1", "spent_to_date"], projects.at["P1", "spent_basis"]) == (160, "actual")
    assert projects.at["P1", "snapshot_on"] == pd.Timestamp("2026-03-01")
    # P2 has no snapshot: its planned cost to date, 30, counted as planned.
    assert (projects.at["P2", "spent_to_date"], projects.at["P2", "spent_basis"]) == (30, "planned")
    spent = product.spent_to_date(product.investment(small_con, "A"))
    assert (spent.total, spent.actual, spent.planned) == (190, 160, 30)
    assert (spent.actual_projects, spent.planned_projects, spent.label()) == (1, 1, "Spent to date")
    assert spent.split_text("USD") == "actual $160 (1 project) + planned $30 (1 project without a snapshot)"


def test_spent_to_date_without_any_snapshot_is_labelled_planned(small_con):
    small_con.execute("DELETE FROM project_progress")
    spent = product.spent_to_date(product.investment(small_con, "A"))
    assert (spent.total, spent.actual_projects, spent.label()) == (180, 0, "Spent to date (planned cost)")
    assert spent.split_text("USD") == "planned $180 (2 projects without a snapshot)"


def test_investment_totals_sum_the_projects_and_the_past_months(small_con):
    projects = product.investment(small_con, "A")
    flows = product.investment_vs_outcome(small_con, "A", months_back=2, months_ahead=2)
    totals = product.investment_totals(projects, flows)
    assert (totals.spent, totals.planned_forward) == (product.spent_to_date(projects), 200)
    # January to March are past (April on is plan): revenue 7 + 5 + 60, users on March's last day with data.
    assert (totals.months, totals.revenue, totals.active_users) == (3, 72, 110)
    no_kpis = flows.assign(active_users=float("nan"), revenue=float("nan"))
    # No KPI recorded is no revenue data, not revenue of zero.
    assert product.investment_totals(projects.iloc[:0], no_kpis).active_users is None
    assert product.investment_totals(projects.iloc[:0], no_kpis).revenue is None
    assert product.investment_totals(projects.iloc[:0], no_kpis).spent.total == 0


def test_the_investment_chart_title_states_the_tiles_spent_to_date(small_con):
    from analytics import charts

    projects = product.investment(small_con, "A")
    flows = product.investment_vs_outcome(small_con, "A", months_back=2, months_ahead=2)
    totals = product.investment_totals(projects, flows)
    title = product.investment_title(totals, "USD")
    # Actual 160 for P1 and planned 30 for P2, not the 180 of planned cost the months' bars add up to.
    assert title == "Spent to date $190 on 2 projects; the product earned $72 over the last 3 months"
    fig = charts.investment_outcome(flows, currency="USD", present=False, as_of=date(2026, 3, 31), title=title)
    assert fig.layout.title.text.startswith(title)
    no_kpis = product.investment_totals(projects, flows.assign(revenue=float("nan")))
    assert product.investment_title(no_kpis, "USD").endswith("no revenue recorded over the last 3 months")


def test_investment_against_outcome_by_month(small_con):
    months = product.investment_vs_outcome(small_con, "A", months_back=2, months_ahead=2).set_index("period")
    assert list(months.index.strftime("%Y-%m")) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    assert list(months["project_cost"]) == [30, 50, 100, 200, 0]  # P2's May plan is cancelled
    assert list(months["revenue"].fillna(-1)) == [7, 5, 60, -1, -1]
    assert list(months["forecast"]) == [False, False, False, True, True]
    assert months["partial"].sum() == 1 and months.loc["2026-03-01", "partial"]
    assert months.loc["2026-03-01", "active_users"] == 110


def test_an_empty_store_gives_empty_answers_not_errors(empty_con):
    window = product.resolve_window(date(2026, 3, 31), "90d")
    assert product.products(empty_con).empty
    assert product.kpi_summary(empty_con, "X", window)["current"].isna().all()
    assert product.kpi_trends(empty_con, "X", ["revenue"], "month", window)["value"].isna().all()
    assert product.backlog(empty_con, "X").empty and product.retention_curve(empty_con, "X").empty
    assert product.roadmap(empty_con, "X").empty and product.investment(empty_con, "X").empty


def test_the_demo_store_tiles_match_the_contract_functions(demo_con):
    window = product.resolve_window(date(2026, 10, 15), "90d")
    tiles = product.kpi_summary(demo_con, "PULSE", window).set_index("metric")
    assert tiles.at["nps", "current"] == pytest.approx(product.nps(demo_con, "PULSE", window.start, window.end))
    assert tiles.at["csat", "current"] == pytest.approx(product.csat(demo_con, "PULSE", window.start, window.end))
    revenue = product.kpi_series(demo_con, "PULSE", "revenue", "week", window.start, window.end)
    assert tiles.at["revenue", "current"] == pytest.approx(revenue["value"].sum())


# ---- Properties ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def feedback_con():
    con = duckdb.connect()
    con.execute(SCHEMA.read_text())
    yield con
    con.close()


def _load(con, nps_scores, csat_scores):
    con.execute("DELETE FROM feedback")
    pairs = enumerate(zip(nps_scores, csat_scores, strict=True))
    rows = [(f"F{i}", "A", date(2026, 1, 1), nps, csat) for i, (nps, csat) in pairs]
    if rows:
        # One multi-row insert: executemany runs a statement per row, three times per example.
        values = ", ".join(["(?, ?, ?, ?, ?)"] * len(rows))
        con.execute(
            f"INSERT INTO feedback (feedback_id, product_id, received_on, nps_score, csat_score) VALUES {values}",
            [value for row in rows for value in row],
        )


nps_scores = st.lists(st.one_of(st.none(), st.integers(0, 10)), max_size=40)
WINDOW = (date(2026, 1, 1), date(2026, 1, 1))


@settings(max_examples=examples(60), deadline=None)
@given(scores=nps_scores, seed=st.integers(0, 2**16))
def test_nps_is_bounded_and_does_not_depend_on_row_order(feedback_con, scores, seed):
    csat_scores = [None] * len(scores)
    _load(feedback_con, scores, csat_scores)
    value = product.nps(feedback_con, "A", *WINDOW)
    answered = [s for s in scores if s is not None]
    if not answered:
        assert value is None
        return
    assert -100 <= value <= 100
    expected = 100 * (sum(s >= 9 for s in answered) - sum(s <= 6 for s in answered)) / len(answered)
    assert value == pytest.approx(expected)
    shuffled = scores[:]
    random.Random(seed).shuffle(shuffled)
    _load(feedback_con, shuffled, csat_scores)
    assert product.nps(feedback_con, "A", *WINDOW) == pytest.approx(value)


@settings(max_examples=examples(60), deadline=None)
@given(scores=nps_scores.filter(lambda s: any(v is not None for v in s)), extra=st.integers(0, 10))
def test_one_more_promoter_never_lowers_nps_and_one_more_detractor_never_raises_it(feedback_con, scores, extra):
    _load(feedback_con, scores, [None] * len(scores))
    before = product.nps(feedback_con, "A", *WINDOW)
    _load(feedback_con, [*scores, extra], [None] * (len(scores) + 1))
    after = product.nps(feedback_con, "A", *WINDOW)
    if extra >= 9:
        assert after >= before or after == pytest.approx(before)
    if extra <= 6:
        assert after <= before or after == pytest.approx(before)


csat_scores = st.lists(st.one_of(st.none(), st.integers(1, 5)), max_size=40)


@settings(max_examples=examples(60), deadline=None)
@given(scores=csat_scores, extra=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_csat_is_bounded_monotone_and_order_free(feedback_con, scores, extra, seed):
    _load(feedback_con, [None] * len(scores), scores)
    value = product.csat(feedback_con, "A", *WINDOW)
    answered = [s for s in scores if s is not None]
    if not answered:
        assert value is None
    else:
        assert 0 <= value <= 100
        assert value == pytest.approx(100 * sum(s >= 4 for s in answered) / len(answered))
        shuffled = scores[:]
        random.Random(seed).shuffle(shuffled)
        _load(feedback_con, [None] * len(shuffled), shuffled)
        assert product.csat(feedback_con, "A", *WINDOW) == pytest.approx(value)
        _load(feedback_con, [None] * (len(scores) + 1), [*scores, extra])
        after = product.csat(feedback_con, "A", *WINDOW)
        assert (after >= value if extra >= 4 else after <= value) or after == pytest.approx(value)


positive = st.floats(0.01, 1e6, allow_nan=False)
share = st.floats(0, 1, allow_nan=False)


@settings(max_examples=examples(200), deadline=None)
@given(reach=positive, impact=positive, confidence=share, effort=positive, factor=st.floats(1, 100))
def test_rice_is_non_negative_rises_with_reach_impact_confidence_and_falls_with_effort(
    reach, impact, confidence, effort, factor
):
    score = product.rice(reach, impact, confidence, effort)
    assert score >= 0
    assert product.rice(reach * factor, impact, confidence, effort) >= score * (1 - 1e-12)
    assert product.rice(reach, impact * factor, confidence, effort) >= score * (1 - 1e-12)
    assert product.rice(reach, impact, min(1.0, confidence * factor), effort) >= score * (1 - 1e-12)
    assert product.rice(reach, impact, confidence, effort * factor) <= score * (1 + 1e-12)
    assert np.isnan(product.rice(reach, impact, confidence, 0))


@settings(max_examples=examples(200), deadline=None)
@given(value=positive, criticality=positive, risk=positive, size=positive, factor=st.floats(1, 100))
def test_wsjf_is_non_negative_rises_with_cost_of_delay_and_falls_with_job_size(value, criticality, risk, size, factor):
    score = product.wsjf(value, criticality, risk, size)
    assert score >= 0
    assert score == pytest.approx((value + criticality + risk) / size)
    assert product.wsjf(value * factor, criticality, risk, size) >= score * (1 - 1e-12)
    assert product.wsjf(value, criticality, risk, size * factor) <= score * (1 + 1e-12)


@settings(max_examples=examples(100), deadline=None)
@given(
    scores=st.lists(st.one_of(st.just(float("nan")), st.floats(0, 100, allow_nan=False)), min_size=1, max_size=30),
    seed=st.integers(0, 2**16),
)
def test_rankings_do_not_depend_on_row_order(scores, seed):
    ids = [f"F{i:02d}" for i in range(len(scores))]
    ranks = dict(zip(ids, product.rank_desc(scores, ids), strict=True))
    order = list(range(len(scores)))
    random.Random(seed).shuffle(order)
    shuffled = dict(
        zip(
            [ids[i] for i in order], product.rank_desc([scores[i] for i in order], [ids[i] for i in order]), strict=True
        )
    )
    assert shuffled == ranks
    assert sorted(ranks.values()) == list(range(1, len(scores) + 1))
    # A higher score never ranks below a lower one; missing scores come last.
    for a in ids:
        for b in ids:
            sa, sb = scores[ids.index(a)], scores[ids.index(b)]
            if not math.isnan(sa) and (math.isnan(sb) or sa > sb):
                assert ranks[a] < ranks[b]


def test_the_heatmap_leaves_cells_a_cohort_has_not_reached_blank(small_con):
    from analytics import charts

    fig = charts.retention_heatmap(product.retention_matrix(small_con, "A"), present=False)
    z = np.array(fig.data[0].z, dtype=float)
    # Rows Dec, Jan, Feb; columns months 0-2. Jan's month 2 and Feb's months 1-2 are not known yet: blank.
    assert np.isnan(z[1, 2]) and np.isnan(z[2, 1]) and np.isnan(z[2, 2])
    assert z[0, 2] == pytest.approx(50) and z[1, 1] == pytest.approx(50)
    assert fig.data[0].text[2][1] == ""


def test_store_text_in_charts_shows_as_typed_not_as_markup(small_con):
    from analytics import charts

    plan = product.roadmap(small_con, "A")
    plan.loc[0, "title"] = '<a href="https://example.com">click</a>'
    fig = charts.roadmap_timeline(plan, as_of=date(2026, 3, 31), late=product.late_text(plan), present=False)
    labels = [label for trace in fig.data if trace.type == "bar" for label in trace.y[1]]
    assert any(label.endswith('&lt;a href="https://example.com"&gt;click&lt;/a&gt;') for label in labels)
    assert not any("<a" in label for label in labels)


# ---- How a tile reads ----------------------------------------------------------------------------------------


def test_tile_values_read_in_their_metrics_units():
    assert product.metric_text("revenue", 1_234_567, "USD") == formatting.money(1_234_567, "USD")
    assert product.metric_text("churn_rate", 2.345, "USD") == formatting.percent(2.345, 2, points=True)
    assert product.metric_text("nps", 31.5, "USD") == formatting.score(31.5)
    assert product.metric_text("csat", 81.2, "USD") == formatting.percent(81.2, 0, points=True)
    assert product.metric_text("signups", 1200, "USD") == formatting.count(1200)
    assert product.metric_text("nps", None, "USD") == "no answers"
    assert product.metric_text("revenue", float("nan"), "USD") == "no data"


def test_point_metrics_change_by_points_and_the_others_by_a_share():
    assert product.change_text("churn_rate", -0.123, -0.05) == "-0.12 pts"
    assert product.change_text("nps", 2.04, 0.1, 30, 30) == "+2.0 pts"
    assert product.change_text("revenue", 50.0, 0.0412) == "+4.1%"
    assert product.change_text("revenue", 50.0, float("nan")) is None
    assert product.change_text("csat", None, None) is None


def test_the_target_badge_says_how_far_off_and_from_what():
    assert product.target_gap_text("churn_rate", 2.5, 2.0, 0.25) == "+0.50 pts"
    assert product.target_gap_text("revenue", 110.0, 100.0, 0.1) == "+10%"
    assert product.target_text("revenue", 110.0, 100.0, 0.1, "USD") == f"+10% vs target {formatting.money(100, 'USD')}"
    assert product.target_text("revenue", 110.0, 100.0, 0.1, "USD", name_target=False) == "+10% vs target"
    assert product.target_text("revenue", 110.0, None, None, "USD") == "no target set"
    assert product.target_text("nps", None, 30.0, None, "USD") == "target " + formatting.score(30.0)
    assert product.target_gap_text("nps", None, 30.0, None) is None


@pytest.mark.parametrize(
    ("good", "shown", "colour"),
    [
        (True, "+1.2 pts", "blue"),
        (False, "-4.0%", "red"),
        (None, "+1.2 pts", "gray"),
        # A change that rounds to nothing on screen is neither good nor bad.
        (True, "+0.00 pts", "gray"),
        (False, "-0%", "gray"),
        (True, None, "blue"),
    ],
)
def test_a_tiles_colour_follows_the_metrics_good_direction(good, shown, colour):
    assert product.tone(good, shown) == colour


def test_the_lowest_scoring_theme_ignores_themes_without_scores(small_con):
    themes = product.feedback_themes(small_con, "A", date(2026, 3, 1), date(2026, 3, 31))
    # Two answers a theme at most: none is well answered enough to be called the worst.
    assert product.lowest_scoring_theme(themes) is None
    answered = themes.assign(nps_answers=product.MIN_ANSWERS)
    assert product.lowest_scoring_theme(answered)["mean_nps_score"] == themes["mean_nps_score"].min()
    assert product.lowest_scoring_theme(answered.assign(mean_nps_score=float("nan"))) is None


# ---- Sample sizes of NPS and CSAT ------------------------------------------------------------------------------


@pytest.fixture
def five_answer_week(empty_con):
    """Thirty answers in the week of 16 March, five in the week of 23 March (``tests.voice_store``)."""
    insert_five_answer_week(empty_con)
    return empty_con


def test_a_week_of_five_answers_is_flagged_too_few_to_read(five_answer_week):
    voice = product.voice_series(five_answer_week, "A", "week", date(2026, 3, 16), date(2026, 3, 29))
    assert list(voice["nps_answers"]) == [30, 5] and list(voice["nps"]) == pytest.approx([30, 100])
    assert list(voice["nps_readable"]) == [True, False] and list(voice["csat_readable"]) == [True, False]
    assert product.MIN_ANSWERS == 30 and product.readable(30) and not product.readable(5)
    assert not product.readable(None) and not product.readable(float("nan"))


def test_a_tile_from_five_answers_says_so_instead_of_a_swing(five_answer_week):
    # The window is the week of 23 March, its comparison the week of 16 March: +30 to +100 is no change to read.
    window = product.resolve_window(date(2026, 3, 31), "custom", "previous", date(2026, 3, 23), date(2026, 3, 29))
    tiles = product.kpi_summary(five_answer_week, "A", window).set_index("metric")
    assert (tiles.at["nps", "answers"], tiles.at["nps", "previous_answers"]) == (5, 30)
    assert (tiles.at["nps", "current"], tiles.at["nps", "change"]) == (100, 70)
    row = tiles.loc["nps"]
    assert product.change_text("nps", row["change"], None, row["answers"], row["previous_answers"]) is None
    assert product.sample_text("nps", row["answers"]) == "n = 5 answers: too few to read"
    assert product.sample_text("csat", 412) == "n = 412 answers" and product.sample_text("revenue", 412) is None
    assert product.sample_text("nps", 0) is None and product.sample_text("nps", 1) == "n = 1 answer: too few to read"
    # The other way round (30 answers now, 5 before) the tile has a number to read but still no change.
    back = product.resolve_window(date(2026, 3, 31), "custom", "previous", date(2026, 3, 16), date(2026, 3, 22))
    row = product.kpi_summary(five_answer_week, "A", back).set_index("metric").loc["nps"]
    assert product.change_text("nps", 70, None, row["answers"], 5) is None
    assert product.change_text("nps", 70, None, row["answers"], 30) == "+70.0 pts"
    assert product.survey_title("nps", 100, 5, "USD", "x") == "NPS from n = 5 answers: too few to read"
    assert product.survey_title("nps", 30, 30, "USD", "who promotes") == "NPS +30 from 30 answers: who promotes"
    assert product.survey_title("csat", None, 0, "USD", "x") == "No CSAT answers in this window"


def test_the_five_answer_week_is_drawn_hollow_and_grey_off_the_line(five_answer_week):
    from analytics import charts

    voice = product.voice_series(five_answer_week, "A", "week", date(2026, 3, 16), date(2026, 3, 29))
    fig = charts.nps_mix(voice, present=False, title="t", grain="week")
    line = next(t for t in fig.data if t.name == "NPS")
    assert list(line.y[:1]) == pytest.approx([30]) and np.isnan(line.y[1])  # the line joins readable weeks only
    few = next(t for t in fig.data if t.name == "too few answers")
    assert list(few.y) == [100] and list(few.customdata) == [5]
    assert "too few to read" in few.hovertemplate and "%{customdata} answers" in few.hovertemplate
    bars = [t for t in fig.data if t.type == "bar"]
    assert all(list(b.marker.opacity) == [1.0, charts.TOO_FEW_OPACITY] for b in bars)
    csat = charts.csat_trend(voice, None, present=False, title="t", grain="week")
    assert list(next(t for t in csat.data if t.name == "too few answers").y) == [100]


def test_a_theme_of_five_answers_is_never_the_worst_and_is_greyed(five_answer_week):
    from analytics import charts

    themes = product.feedback_themes(five_answer_week, "A", date(2026, 3, 1), date(2026, 3, 31)).set_index("theme")
    # "price" scores 10 from five answers, "speed" a mean of 7.4 from thirty: only speed can be ranked.
    assert themes.at["price", "nps_answers"] == 5 and not themes.at["price", "nps_readable"]
    lowest = product.lowest_scoring_theme(themes.reset_index())
    assert lowest["theme"] == "speed" and lowest["mean_nps_score"] == pytest.approx((15 * 10 + 9 * 8 + 6 * 3) / 30)
    fig = charts.theme_ranking(
        themes.reset_index(), "mean_nps_score", present=False, title="t", axis_title="a", value_format=".1f"
    )
    colours = dict(zip(fig.data[0].y, fig.data[0].marker.color, strict=True))
    assert colours["price"] == charts.TOO_FEW_COLOUR and colours["speed"] != charts.TOO_FEW_COLOUR


def test_survey_sparklines_keep_only_months_with_enough_answers(five_answer_week):
    window = product.resolve_window(date(2026, 3, 31), "custom", "previous", date(2026, 2, 1), date(2026, 3, 31))
    # February has no answers, March 35 (NPS 100 × (20 − 6) / 35 = 40).
    assert product.kpi_sparklines(five_answer_week, "A", "week", window)["nps"] == [pytest.approx(40)]


def test_many_themes_fold_into_the_top_eight_and_other():
    themes = pd.DataFrame(
        {
            "theme": [f"t{i}" for i in range(10)],
            "answers": [100, 90, 80, 70, 60, 50, 40, 30, 20, 10],
            "nps_answers": [100, 90, 80, 70, 60, 50, 40, 30, 20, 10],
            "csat_answers": [0] * 8 + [10, 10],
            "nps": [0.0] * 8 + [50.0, -10.0],
            "csat": [float("nan")] * 8 + [80.0, 60.0],
            "mean_nps_score": [5.0] * 8 + [8.0, 2.0],
            "mean_csat_score": [float("nan")] * 8 + [4.0, 3.0],
        }
    )
    themes["share"] = themes["answers"] / themes["answers"].sum()
    themes["nps_readable"] = themes["nps_answers"] >= product.MIN_ANSWERS
    themes["csat_readable"] = themes["csat_answers"] >= product.MIN_ANSWERS
    folded = product.top_themes(themes)
    assert len(folded) == product.TOP_THEMES + 1 and list(folded["theme"][:8]) == [f"t{i}" for i in range(8)]
    other = folded.iloc[-1]
    # t8 and t9: 30 answers; NPS (20 × 50 + 10 × −10) / 30 = 30, the formula over their answers.
    assert (other["theme"], other["answers"], other["nps_answers"]) == ("Other (2 themes)", 30, 30)
    assert other["nps"] == pytest.approx(30) and other["csat"] == pytest.approx(70)
    assert other["mean_nps_score"] == pytest.approx(6) and other["share"] == pytest.approx(30 / 550)
    assert bool(other["nps_readable"]) and not bool(other["csat_readable"])
    assert product.top_themes(themes.iloc[:8]).equals(themes.iloc[:8])


# ---- What the theme charts' titles claim -----------------------------------------------------------------------


def theme_rows(answers: dict[str, int], nps_answers: int | None = None, scores: dict[str, float] | None = None):
    """A ``feedback_themes`` frame with these answers a theme; each answer has an NPS score unless told otherwise."""
    frame = pd.DataFrame({"theme": list(answers), "answers": list(answers.values())})
    frame["share"] = frame["answers"] / frame["answers"].sum()
    frame["nps_answers"] = frame["answers"] if nps_answers is None else nps_answers
    frame["csat_answers"] = 0
    frame["nps"] = 0.0
    frame["csat"] = float("nan")
    frame["mean_nps_score"] = [float((scores or {}).get(t, 5.0)) for t in answers]
    frame["mean_csat_score"] = float("nan")
    frame["nps_readable"] = frame["nps_answers"] >= product.MIN_ANSWERS
    frame["csat_readable"] = False
    return frame


def test_a_tie_for_the_most_answers_is_said_as_a_tie_and_a_handful_as_a_handful():
    # 3 + 3 + 3 + 2 + 2 + 1 = 14 answers: three themes tie, and 14 is under MIN_ANSWERS.
    tied = theme_rows({"integrations": 3, "pricing": 3, "support": 3, "speed": 2, "docs": 2, "ui": 1})
    assert product.volume_title(tied) == (
        "No single theme leads: integrations, pricing and support have 3 answers each, of only 14 answers"
    )
    four = theme_rows({"a": 1, "b": 1, "c": 1, "d": 1})
    assert product.volume_title(four) == "No single theme leads: 4 themes have 1 answer each, of only 4 answers"
    assert product.volume_title(theme_rows({"pricing": 6, "support": 5, "speed": 3})) == (
        "Most talked about: pricing (6 of only 14 answers)"
    )
    # 40 of 200 answers: enough to give the share.
    assert product.volume_title(theme_rows({"pricing": 40, "support": 30, "speed": 130})) == (
        "Most talked about: speed (65% of 200 answers)"
    )


def test_a_theme_folded_into_other_still_ties_the_leader():
    answers = {f"t{i}": 10 - i for i in range(9)} | {"late": 10}
    assert len(product.top_themes(theme_rows(answers))) == product.TOP_THEMES + 1
    assert product.volume_title(theme_rows(answers)).startswith("No single theme leads: t0 and late have 10 answers")


def test_scores_from_too_few_answers_are_drawn_by_name_not_ranked():
    from analytics import charts

    few = theme_rows({"support": 3, "pricing": 5, "api": 2}, scores={"support": 10.0, "pricing": 4.0, "api": 7.0})
    assert product.score_title(few) == (
        "Average score by theme (0–10), unranked: no theme has 30 answers to rank it on; bars A to Z"
    )
    fig = charts.theme_ranking(few, "mean_nps_score", present=False, title="t", axis_title="a", value_format=".1f")
    assert list(fig.data[0].y) == ["api", "pricing", "support"]
    # With two themes well answered, those two are ranked by score and the one of three answers follows them.
    mixed = few.assign(nps_answers=[30, 40, 3]).pipe(lambda f: f.assign(nps_readable=f["nps_answers"] >= 30))
    fig = charts.theme_ranking(mixed, "mean_nps_score", present=False, title="t", axis_title="a", value_format=".1f")
    assert list(fig.data[0].y) == ["support", "pricing", "api"]
    assert product.score_title(mixed) == "Lowest-scoring theme: pricing (4.0 / 10 from 40 answers)"


def test_answers_are_counted_on_whole_number_ticks():
    from analytics import charts

    fig = charts.theme_ranking(
        theme_rows({"support": 3, "pricing": 1}), "answers", present=False, title="t", axis_title="a", value_format="d"
    )
    assert fig.layout.xaxis.dtick == 1 and fig.layout.xaxis.tickformat == ",d"
    many = theme_rows({"support": 300, "pricing": 100})
    fig = charts.theme_ranking(many, "answers", present=False, title="t", axis_title="a", value_format="d")
    assert fig.layout.xaxis.dtick is None and fig.layout.xaxis.tickformat == ",d"
