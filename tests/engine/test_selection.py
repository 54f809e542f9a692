"""Winsor bounds by selection (np.partition) against the full sort they replace (issue 20)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from innopoints.engine.normalise import (
    quantile_sorted,
    select,
    select_reference,
    sort_reference,
    transform,
    winsor_bounds,
)

# +0.0 for -0.0: with both signs present a sort may place either first, so only the value (not
# the sign of a zero bound) is defined; every other bit must match.
finite = st.floats(-1e12, 1e12, allow_nan=False).map(lambda v: v + 0.0)
# many zeros and repeated small counts, as in the count columns (the zero path of select)
counts = st.sampled_from([0.0, 0.0, 0.0, 1.0, 2.0, 3.0, -1.0])
values = st.lists(st.one_of(finite, counts), min_size=1, max_size=200)
shares = st.floats(0, 1)


def bits(x: float) -> int:
    return int(np.array(x).view(np.int64))


@settings(deadline=None)  # no timing in tests: the machine may be busy
@given(values, st.lists(st.integers(0, 10_000), min_size=1, max_size=6))
def test_select_is_the_sorted_values_at_k(data: list[float], picks: list[int]) -> None:
    array = np.array(data)
    ks = [k % array.shape[0] for k in picks]
    assert list(select(array, ks)) == list(np.sort(array)[ks])


@settings(deadline=None)
@given(values, shares, shares, st.sampled_from(["none", "log1p"]))
def test_selected_winsor_bounds_equal_the_sorted_ones_bit_for_bit(
    data: list[float], p: float, q: float, kind: str
) -> None:
    array = np.array(data)
    winsor = (min(p, q), max(p, q))
    group = np.zeros(array.shape[0], np.int8)
    [sorted_ref] = sort_reference(array, group, 1)
    [selected_ref] = select_reference(array, group, 1)
    assert not selected_ref.ascending
    by_sort = winsor_bounds(sorted_ref, winsor, kind)
    by_selection = winsor_bounds(selected_ref, winsor, kind)
    assert [bits(v) for v in by_selection] == [bits(v) for v in by_sort]
    # and both are numpy's linear quantile of T(values)
    expected = [float(np.quantile(transform(kind, array), w)) for w in winsor]
    assert [bits(v) for v in by_sort] == [bits(v) for v in expected]
    assert by_sort[0] == quantile_sorted(np.sort(array), winsor[0], kind)


def test_select_by_hand() -> None:
    # sorted: -1, 0, 0, 0, 0, 0, 0, 2, 3, 5 (six zeros: the zero path)
    array = np.array([5.0, 0.0, 0.0, 3.0, -1.0, 0.0, 0.0, 0.0, 0.0, 2.0])
    assert list(select(array, [0, 1, 6, 7, 9, 7])) == [-1.0, 0.0, 0.0, 2.0, 5.0, 2.0]
    # no zeros: partitions in ascending k, then the minimum of what is left for k + 1
    assert list(select(np.array([4.0, 1.0, 3.0, 2.0]), [3, 1, 2, 0])) == [4.0, 2.0, 3.0, 1.0]


def test_selected_reference_by_groups() -> None:
    value = np.array([3.0, np.nan, 1.0, 7.0, 2.0, 5.0])
    group = np.array([0, 0, 1, 0, 1, 1], np.int8)
    refs = select_reference(value, group, 2)
    assert [sorted(r.values) for r in refs] == [[3.0, 7.0], [1.0, 2.0, 5.0]]
    # L at 0.5 of [1, 2, 5] is the median 2; U at 1.0 is the largest, 5
    assert winsor_bounds(refs[1], (0.5, 1.0), "none") == (2.0, 5.0)
