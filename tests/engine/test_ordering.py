"""engine/ordering.py: an ascending order of floats (numpy's or polars' sort, by CPU), as
np.argsort reads; both sorts are checked whichever this CPU uses."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from innopoints.engine.normalise import count_below, sort_reference
from innopoints.engine.ordering import ascending_order, by_numpy, by_polars

SORTS = pytest.mark.parametrize("ascending_order", [by_numpy, by_polars, ascending_order])


@SORTS
def test_a_small_column_in_ascending_order_with_nan_last(ascending_order: Callable) -> None:
    values = np.array([3.0, -1.0, np.nan, 0.0, 3.0, 2.5])
    order = ascending_order(values)
    assert order.dtype == np.int64
    assert order[:2].tolist() == [1, 3]
    assert sorted(order[3:5].tolist()) == [0, 4]  # either order of the tie
    assert order[2] == 5 and order[5] == 2


@SORTS
def test_an_empty_column(ascending_order: Callable) -> None:
    assert ascending_order(np.zeros(0)).tolist() == []


@given(
    arrays(
        np.float64,
        st.integers(0, 300),
        elements=st.sampled_from([-2.0, -0.5, 0.0, 1.0, 7.25, 1e300, np.nan]),
    )
)
def test_the_order_gives_numpys_sorted_values(values: np.ndarray) -> None:
    for sort in (by_numpy, by_polars):
        order = sort(values)
        assert order.dtype == np.int64
        assert sorted(order.tolist()) == list(range(values.shape[0]))
        np.testing.assert_array_equal(values[order], np.sort(values))


@given(arrays(np.float64, st.integers(1, 300), elements=st.integers(-3, 3).map(float)))
def test_counts_below_follow_from_the_order_whatever_order_ties_take(values: np.ndarray) -> None:
    (reference,) = sort_reference(values, np.zeros(values.shape[0], dtype=np.int8), 1)
    assert reference.positions is not None
    below = np.empty(values.shape[0], dtype=np.int64)
    below[reference.positions] = count_below(reference)
    expected = (values[None, :] < values[:, None]).sum(axis=1)
    np.testing.assert_array_equal(below, expected)
