"""engine/ordering.py: an ascending order of floats (numpy's argsort, polars' sort or numpy's
sort of packed int64 keys, by CPU), as np.argsort reads; every sort is checked whichever this
CPU uses."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from innopoints.engine import ordering
from innopoints.engine.normalise import count_below, sort_reference
from innopoints.engine.ordering import (
    ascending_rows,
    ascending_with_values,
    by_numpy,
    by_packed_keys,
    by_polars,
)


def ascending_order(values: np.ndarray) -> np.ndarray:
    """The order ``ascending_with_values`` gives: this CPU's own sort."""
    return ascending_with_values(values)[0]


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
    for sort in (by_numpy, by_polars, ascending_order):
        order = sort(values)
        assert order.dtype == np.int64
        assert sorted(order.tolist()) == list(range(values.shape[0]))
        np.testing.assert_array_equal(values[order], np.sort(values))


NEAR_ONE = [1.0, np.nextafter(1.0, 2.0), np.nextafter(1.0, 0.0), 1.0 + 1e-12, 1.0 - 1e-12]
KEY_SORTS = pytest.mark.parametrize("key_sort", [ordering.PACKED, ordering.PACKED_POLARS])
"""The packed keys sorted by numpy or by polars, whichever this CPU would choose."""


@KEY_SORTS
@given(
    arrays(
        np.float64,
        st.integers(0, 300),
        elements=st.sampled_from(
            [-np.inf, -2.0, -(1.0 + 1e-12), -1.0, -0.0, 0.0, 5e-324, *NEAR_ONE, 7.25, np.inf]
        ),
    )
)
def test_packed_keys_give_numpys_sorted_values_and_the_rows_that_hold_them(
    key_sort: str, values: np.ndarray
) -> None:
    # values alike in all but their last bits share a key and are put in order by mending
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ordering, "SORT", key_sort)
        order, ordered = by_packed_keys(values)
    assert order.dtype == np.int64
    assert sorted(order.tolist()) == list(range(values.shape[0]))
    np.testing.assert_array_equal(ordered, np.sort(values))
    np.testing.assert_array_equal(values[order], ordered)
    assert np.signbit(values[order]).tolist() == np.signbit(ordered).tolist()


@KEY_SORTS
def test_runs_alike_to_the_last_bits_are_mended_in_place(
    key_sort: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 4,096 rows: the key keeps all but the 12 last bits, where the row position goes; three
    # runs of values differing only there come out of the int64 sort in row order, not in order
    rng = np.random.default_rng(3)
    values = rng.normal(size=4096)
    for row, base in ((100, 1.0), (2000, 2.0), (4000, -4.0)):
        values[row : row + 3] = base + np.array([5.0, 1.0, 3.0]) * np.spacing(base)
    monkeypatch.setattr(ordering, "SORT", key_sort)
    for fallback in ("by_numpy", "by_polars"):
        monkeypatch.setattr(ordering, fallback, lambda v: pytest.fail("no fallback expected"))
    order, ordered = by_packed_keys(values)
    np.testing.assert_array_equal(ordered, np.sort(values))
    np.testing.assert_array_equal(values[order], ordered)


@KEY_SORTS
def test_many_runs_are_mended_in_one_sort(key_sort: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # a derived growth rate: hundreds of values each with neighbours a few ulps away (the key
    # keeps all but the last 16 bits of 65,536 rows); all mended at once, none by fallback
    rng = np.random.default_rng(11)
    values = rng.normal(size=65536) * 100
    bases = rng.normal(size=400) * 100
    alike = (bases[:, None] + np.array([4.0, 0.0, 2.0, 1.0]) * np.spacing(bases)[:, None]).ravel()
    values[rng.choice(values.shape[0], alike.shape[0], replace=False)] = alike
    monkeypatch.setattr(ordering, "SORT", key_sort)
    for fallback in ("by_numpy", "by_polars"):
        monkeypatch.setattr(ordering, fallback, lambda v: pytest.fail("no fallback expected"))
    mended = []
    real_mend = ordering._mend
    monkeypatch.setattr(ordering, "_mend", lambda *a: mended.append(1) or real_mend(*a))
    order, ordered = by_packed_keys(values)
    assert mended == [1]
    np.testing.assert_array_equal(ordered, np.sort(values))
    np.testing.assert_array_equal(values[order], ordered)
    assert sorted(order.tolist()) == list(range(values.shape[0]))


@pytest.mark.parametrize(
    ("key_sort", "fallback"),
    [(ordering.PACKED, "by_numpy"), (ordering.PACKED_POLARS, "by_polars")],
)
def test_too_many_out_of_order_falls_back_to_the_full_argsort(
    key_sort: str, fallback: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    monkeypatch.setattr(ordering, "SORT", key_sort)
    monkeypatch.setattr(ordering, fallback, lambda v: calls.append(v) or np.argsort(v))
    values = 1.0 + np.arange(64)[::-1] * 2.0**-52  # all alike but the last bits, descending
    order, ordered = by_packed_keys(values)
    assert len(calls) == 1
    np.testing.assert_array_equal(ordered, np.sort(values))
    assert order.tolist() == list(range(63, -1, -1))


def test_nan_takes_the_argsort_and_goes_last() -> None:
    values = np.array([2.0, np.nan, -1.0])
    order, ordered = ascending_with_values(values)
    assert order.tolist() == [2, 0, 1]
    assert ordered[:2].tolist() == [-1.0, 2.0] and np.isnan(ordered[2])


@given(arrays(np.float64, st.integers(1, 300), elements=st.integers(-3, 3).map(float)))
def test_counts_below_follow_from_the_order_whatever_order_ties_take(values: np.ndarray) -> None:
    (reference,) = sort_reference(values, np.zeros(values.shape[0], dtype=np.int8), 1)
    assert reference.positions is not None
    below = np.empty(values.shape[0], dtype=np.int64)
    below[reference.positions] = count_below(reference)
    expected = (values[None, :] < values[:, None]).sum(axis=1)
    np.testing.assert_array_equal(below, expected)


@pytest.mark.parametrize(
    "sort", [ordering.ARGSORT, ordering.PACKED, ordering.PACKED_POLARS, ordering.POLARS]
)
@given(
    data=arrays(
        np.float64,
        st.integers(0, 200),
        elements=st.sampled_from([-2.0, -0.0, 0.0, 1.0, np.nextafter(1.0, 2.0), 7.25, np.nan]),
    ),
    seed=st.integers(0, 2**16),
)
def test_chosen_rows_come_back_as_positions_in_the_whole_column(
    sort: str, data: np.ndarray, seed: int
) -> None:
    # the rows sorted are the chosen ones (NaN never chosen); positions index the whole column
    chosen = ~np.isnan(data) & (np.random.default_rng(seed).random(data.shape[0]) < 0.7)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ordering, "SORT", sort)
        positions, ordered = ascending_rows(data, chosen)
    assert positions.dtype == np.int64
    assert sorted(positions.tolist()) == np.flatnonzero(chosen).tolist()
    np.testing.assert_array_equal(data[positions], ordered)
    np.testing.assert_array_equal(ordered, np.sort(data[chosen]))


def cpuinfo(vendor: str, family: int) -> str:
    first = f"processor\t: 0\nvendor_id\t: {vendor}\ncpu family\t: {family}\nmodel\t\t: 17\n"
    # a second processor that disagrees must not be read: the first one decides
    return first + "\nprocessor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"


@pytest.mark.parametrize(
    ("vendor", "family", "sort"),
    [
        ("AuthenticAMD", 25, ordering.PACKED_POLARS),  # Zen 4: slow compress-store to memory
        ("AuthenticAMD", 26, ordering.PACKED),  # Zen 5 fixed it: numpy's int64 sort is fastest
        ("AuthenticAMD", 27, ordering.PACKED),  # a later family keeps Zen 5's choice
        ("AuthenticAMD", 23, ordering.ARGSORT),  # Zen 2 (has no AVX-512: never asked)
        ("GenuineIntel", 6, ordering.ARGSORT),
        ("HygonGenuine", 24, ordering.ARGSORT),
    ],
)
def test_the_avx512_sort_is_told_by_the_first_processor(
    vendor: str, family: int, sort: str
) -> None:
    assert ordering.sort_for_avx512(ordering._amd_family(cpuinfo(vendor, family))) == sort


def test_without_a_readable_cpuinfo_numpys_argsort_is_kept() -> None:
    for text in ("", "garbage without colons\n", cpuinfo("AuthenticAMD", 25).replace("25", "x")):
        assert ordering._amd_family(text) is None
        assert ordering.sort_for_avx512(ordering._amd_family(text)) == ordering.ARGSORT
