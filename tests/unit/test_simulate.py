"""Monte Carlo of portfolio value: reproducible per seed, statistically sensible, on arrays and what-ifs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import optimize
from analytics.simulate import BLOCK_TRIALS, simulate_npv, simulate_selection
from tests.properties import examples


def portfolio(k: int = 300, seed: int = 3):
    rng = np.random.default_rng(seed)
    benefit = rng.uniform(1e5, 5e6, k)
    return benefit, benefit * rng.uniform(0.2, 0.9, k), rng.uniform(0.4, 0.95, k)


def test_same_seed_same_numbers_other_seed_other_numbers():
    benefit, cost, pos = portfolio()
    first = simulate_npv(benefit, cost, pos, trials=2_500, seed=42)
    again = simulate_npv(benefit, cost, pos, trials=2_500, seed=42)
    other = simulate_npv(benefit, cost, pos, trials=2_500, seed=43)
    np.testing.assert_array_equal(first.npv, again.npv)
    assert (first.p10, first.p50, first.p90) == (again.p10, again.p50, again.p90)
    assert not np.array_equal(first.npv, other.npv)


def test_more_trials_extend_the_same_draws():
    # Block b always draws from the b-th generator spawned from the seed: 2 blocks are the first 2 of 3.
    benefit, cost, pos = portfolio(k=20)
    short = simulate_npv(benefit, cost, pos, trials=2 * BLOCK_TRIALS, seed=9)
    long = simulate_npv(benefit, cost, pos, trials=3 * BLOCK_TRIALS, seed=9)
    np.testing.assert_array_equal(short.npv, long.npv[: 2 * BLOCK_TRIALS])


def test_certain_projects_without_spread_give_their_npv():
    result = simulate_npv([100.0, 50.0], [30.0, 70.0], [1.0, 1.0], trials=500, cost_sigma=0, benefit_sigma=0)
    np.testing.assert_allclose(result.npv, 50.0, rtol=1e-6)
    assert result.p10 == pytest.approx(50.0) and result.p90 == pytest.approx(50.0)
    assert result.prob_negative == 0.0
    assert result.expected == pytest.approx(50.0)


def test_a_failed_project_still_spends():
    result = simulate_npv([100.0], [30.0], [0.0], trials=500, cost_sigma=0, benefit_sigma=0)
    np.testing.assert_allclose(result.npv, -30.0, rtol=1e-6)
    assert result.prob_negative == 1.0


def test_success_is_a_bernoulli_draw_with_the_projects_probability():
    # One project, no spread: NPV is 70 on success and -30 on failure; P(NPV < 0) = 1 - PoS = 0.7.
    trials = 20_000
    result = simulate_npv([100.0], [30.0], [0.3], trials=trials, seed=1, cost_sigma=0, benefit_sigma=0)
    assert set(np.round(result.npv, 3)) == {70.0, -30.0}
    standard_error = np.sqrt(0.3 * 0.7 / trials)
    assert abs(result.prob_negative - 0.7) < 4 * standard_error


def test_mean_is_the_rnpv_within_sampling_error():
    benefit, cost, pos = portfolio()
    result = simulate_npv(benefit, cost, pos, trials=10_000, seed=5)
    assert result.expected == pytest.approx(float(pos @ benefit - cost.sum()))
    standard_error = result.npv.std() / np.sqrt(result.trials)
    assert abs(result.mean - result.expected) < 4 * standard_error


def test_multipliers_have_mean_one():
    # Certain success: the mean NPV is Σ B − Σ C whatever the sigmas, because each multiplier has mean 1.
    benefit, cost = np.full(50, 10.0), np.full(50, 4.0)
    result = simulate_npv(benefit, cost, np.ones(50), trials=20_000, seed=2, cost_sigma=0.4, benefit_sigma=0.6)
    standard_error = result.npv.std() / np.sqrt(result.trials)
    assert abs(result.mean - 300.0) < 4 * standard_error


def test_correlation_widens_the_spread():
    benefit, cost, pos = portfolio()
    independent = simulate_npv(benefit, cost, pos, trials=4_000, seed=8, correlation=0.0)
    together = simulate_npv(benefit, cost, pos, trials=4_000, seed=8, correlation=0.9)
    assert together.p90 - together.p10 > 1.5 * (independent.p90 - independent.p10)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="one entry per project"):
        simulate_npv([1.0, 2.0], [1.0], [0.5, 0.5])
    with pytest.raises(ValueError, match="trials"):
        simulate_npv([1.0], [1.0], [0.5], trials=0)
    with pytest.raises(ValueError, match="correlation"):
        simulate_npv([1.0], [1.0], [0.5], correlation=1.5)
    with pytest.raises(ValueError, match="probability_of_success"):
        simulate_npv([1.0], [1.0], [1.5])


def test_empty_portfolio_is_worth_nothing():
    result = simulate_npv([], [], [], trials=100)
    assert result.p50 == 0.0 and result.prob_negative == 0.0


@settings(max_examples=examples(25), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 40),
    sigma=st.floats(0.0, 1.0),
    correlation=st.floats(0.0, 1.0),
)
def test_summary_is_consistent(seed, k, sigma, correlation):
    benefit, cost, pos = portfolio(k=k, seed=seed % 1000)
    result = simulate_npv(
        benefit, cost, pos, trials=300, seed=seed, cost_sigma=sigma, benefit_sigma=sigma, correlation=correlation
    )
    assert result.p10 <= result.p50 <= result.p90
    assert 0.0 <= result.prob_negative <= 1.0
    assert result.prob_negative == pytest.approx((result.npv < 0).mean())
    assert np.isfinite(result.npv).all()
    counts, edges = result.histogram(10)
    assert counts.sum() == 300 and len(edges) == 11


def test_selection_uses_the_what_if_numbers(demo_store_path):
    from analytics import store

    con = store.connect(demo_store_path, read_only=True)
    try:
        model = optimize.prepare_model(con)
    finally:
        con.close()
    what_if = optimize.apply_what_if(model, optimize.WhatIf(pos_haircut=0.2, cost_overrun=0.1))
    chosen = optimize.solve_fast(what_if.problem).chosen
    result = simulate_selection(what_if, chosen, trials=2_000, seed=4)
    assert result.expected == pytest.approx(what_if.rnpv[chosen].sum())
    pos = what_if.probability_of_success[chosen]
    direct = simulate_npv(what_if.pv_benefit[chosen], what_if.pv_cost[chosen], pos, trials=2_000, seed=4)
    np.testing.assert_array_equal(result.npv, direct.npv)


def test_docstring_examples_hold():
    import doctest

    from analytics import simulate

    assert doctest.testmod(simulate).failed == 0
