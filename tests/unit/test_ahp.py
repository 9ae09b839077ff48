"""AHP weights from pairwise comparisons (``finance.ahp_weights``): a published example, errors, properties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import finance

# Saaty, T. L. (2008), "Decision making with the analytic hierarchy process", Int. J. Services Sciences 1(1),
# 83-98, Table 2: "Which drink is consumed more in the U.S.?", rows and columns coffee, wine, tea, beer, sodas,
# milk, water. Published eigenvector .177 .019 .042 .116 .190 .129 .327 and consistency ratio .022.
DRINKS = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]
DRINKS_WEIGHTS = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]
DRINKS_CR = 0.022

SAATY_SCALE = [1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9]


def test_saatys_drinks_example_gives_the_published_weights_and_consistency_ratio():
    weights, cr = finance.ahp_weights(DRINKS)
    assert weights.round(3).tolist() == DRINKS_WEIGHTS
    assert round(cr, 3) == DRINKS_CR


def test_a_consistent_three_by_three_matrix_by_hand():
    # Growth twice trust's importance and four times efficiency's, trust twice efficiency's: 4 : 2 : 1.
    weights, cr = finance.ahp_weights(finance.pairwise_matrix([2, 4, 2], 3))
    assert weights == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    assert cr == pytest.approx(0.0, abs=1e-12)


def test_a_cycle_is_flagged_inconsistent():
    # A over B, B over C, and C over A, each "very strongly" (7): no weights can honour all three.
    weights, cr = finance.ahp_weights(finance.pairwise_matrix([7, 1 / 7, 7], 3))
    assert cr > finance.AHP_CONSISTENT_CR
    assert weights == pytest.approx([1 / 3, 1 / 3, 1 / 3])


def test_two_objectives_cannot_be_inconsistent():
    weights, cr = finance.ahp_weights([[1, 3], [1 / 3, 1]])
    assert weights == pytest.approx([0.75, 0.25]) and cr == 0.0
    assert finance.ahp_weights([[1.0]]) == (pytest.approx([1.0]), 0.0)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 2, 3], [0.5, 1, 2]], "must be square"),
        ([1, 2, 3], "must be square"),
        ([[1, 0], [0, 1]], r"matrix\[0, 1\] is 0: every pairwise comparison must be a positive number"),
        ([[1, -2], [-0.5, 1]], r"matrix\[0, 1\] is -2"),
        ([[1, float("nan")], [1, 1]], r"matrix\[0, 1\] is nan"),
        ([[1, 3], [3, 1]], r"matrix\[0, 1\] is 3 but matrix\[1, 0\] is 3: a reciprocal matrix needs 1 / 3"),
        ([[2, 1], [1, 1]], r"matrix\[0, 0\] is 2: an objective compared with itself is 1"),
        (np.ones((16, 16)), "at most 15 objectives, not 16"),
    ],
)
def test_a_matrix_that_is_not_positive_reciprocal_is_refused_naming_the_cell(matrix, message):
    with pytest.raises(ValueError, match=message):
        finance.ahp_weights(matrix)


def test_pairwise_matrix_needs_one_judgement_per_pair():
    with pytest.raises(ValueError, match="4 objectives make 6 pairs, so 6 judgements are needed, not 5"):
        finance.pairwise_matrix([1, 1, 1, 1, 1], 4)
    with pytest.raises(ValueError, match="positive number"):
        finance.pairwise_matrix([1, 0, 1], 3)


@pytest.mark.parametrize(("pair", "factor"), [((1, 3), 6.0), ((0, 1), 1 / 6)])
def test_the_judgement_that_breaks_a_consistent_set_is_the_one_named(pair, factor):
    weights = np.array([0.08, 0.4, 0.25, 0.15, 0.12])
    matrix = weights[:, None] / weights[None, :]
    i, j = pair
    matrix[i, j] *= factor  # one judgement six times too strong, or six times too weak
    matrix[j, i] = 1 / matrix[i, j]
    found_i, found_j, implied = finance.ahp_most_inconsistent_pair(matrix)
    assert (found_i, found_j) == pair
    # What the other judgements imply lies between the true ratio and the misjudged one.
    assert min(weights[i] / weights[j], matrix[i, j]) < implied < max(weights[i] / weights[j], matrix[i, j])


positive_weights = st.lists(st.floats(0.01, 100.0), min_size=1, max_size=15).map(np.array)


@settings(max_examples=60, deadline=None)
@given(positive_weights)
def test_a_consistent_matrix_has_cr_0_and_recovers_its_weights(weights):
    matrix = weights[:, None] / weights[None, :]
    found, cr = finance.ahp_weights(matrix)
    assert found == pytest.approx(weights / weights.sum(), rel=1e-7, abs=1e-12)
    assert cr == pytest.approx(0.0, abs=1e-9)


@st.composite
def saaty_matrices(draw, min_size=3, max_size=9):
    k = draw(st.integers(min_size, max_size))
    judgements = draw(st.lists(st.sampled_from(SAATY_SCALE), min_size=k * (k - 1) // 2, max_size=k * (k - 1) // 2))
    return finance.pairwise_matrix(judgements, k)


@settings(max_examples=60, deadline=None)
@given(saaty_matrices(), st.randoms(use_true_random=False))
def test_renaming_the_objectives_permutes_the_weights_and_keeps_the_ratio(matrix, random):
    order = list(range(len(matrix)))
    random.shuffle(order)
    weights, cr = finance.ahp_weights(matrix)
    permuted, permuted_cr = finance.ahp_weights(matrix[np.ix_(order, order)])
    assert permuted == pytest.approx(weights[order], rel=1e-7, abs=1e-12)
    assert permuted_cr == pytest.approx(cr, rel=1e-7, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(saaty_matrices())
def test_any_judgements_give_the_principal_eigenvector(matrix):
    weights, cr = finance.ahp_weights(matrix)
    k = len(matrix)
    assert (weights > 0).all() and weights.sum() == pytest.approx(1.0)
    lambda_max = float((matrix @ weights / weights).mean())
    assert matrix @ weights == pytest.approx(lambda_max * weights, rel=1e-7)
    assert cr == pytest.approx(max(0.0, (lambda_max - k) / (k - 1) / finance.SAATY_RANDOM_INDEX[k - 1]), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(saaty_matrices(max_size=3))
def test_three_objectives_weigh_as_the_geometric_means_of_the_rows(matrix):
    # For k = 3 the principal eigenvector equals the normalised row geometric means (Crawford & Williams 1985),
    # an independent way to compute it.
    weights, _cr = finance.ahp_weights(matrix)
    means = np.prod(matrix, axis=1) ** (1 / 3)
    assert weights == pytest.approx(means / means.sum(), rel=1e-7)


@settings(max_examples=40, deadline=None)
@given(saaty_matrices(max_size=6), st.floats(0.001, 1000.0), st.randoms(use_true_random=False))
def test_strategic_scores_do_not_depend_on_the_scale_the_weights_are_applied_at(matrix, scale, random):
    # The what-if applies AHP weights times the stored weights' total: the scores must be the same at any total.
    weights, _cr = finance.ahp_weights(matrix)
    alignment = np.array([[random.randint(0, 5) for _ in weights] for _ in range(8)])
    assert finance.strategic_scores_from_alignment(alignment, weights * scale) == pytest.approx(
        finance.strategic_scores_from_alignment(alignment, weights), rel=1e-9, abs=1e-12
    )


def test_every_pair_is_in_row_order():
    matrix = finance.pairwise_matrix([2, 3, 4, 5, 6, 7], 4)
    assert [matrix[i, j] for i, j in itertools.combinations(range(4), 2)] == [2, 3, 4, 5, 6, 7]
    assert np.allclose(matrix * matrix.T, 1.0)
