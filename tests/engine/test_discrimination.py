"""AUC, KS and PSI against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from innopoints.engine.discrimination import auc, ks, psi


def test_auc_by_hand() -> None:
    # good: 80, 70, 60; bad: 65, 50. Pairs good>bad: 80>65, 80>50, 70>65, 70>50, 60>50 = 5 of 6
    assert auc([80, 70, 60, 65, 50], [0, 0, 0, 1, 1]) == pytest.approx(5 / 6)
    # a tie counts one half: good 60 vs bad 60
    assert auc([60, 60], [0, 1]) == pytest.approx(0.5)
    assert auc([1, 2], [0, 0]) is None


def test_ks_by_hand() -> None:
    # bad 50, 65; good 60, 70, 80. At t=65: F_bad = 1, F_good = 1/3 → 2/3 (the maximum)
    assert ks([80, 70, 60, 65, 50], [0, 0, 0, 1, 1]) == pytest.approx(2 / 3)
    assert ks([1, 2, 3], [1, 1, 1]) is None


def test_psi_by_hand() -> None:
    expected, actual = [50, 30, 20], [40, 40, 20]
    by_hand = (0.4 - 0.5) * math.log(0.4 / 0.5) + (0.4 - 0.3) * math.log(0.4 / 0.3)
    assert psi(expected, actual) == pytest.approx(by_hand)
    assert psi([1, 2, 3], [2, 4, 6]) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        psi([1, 2], [1, 2, 3])


@given(
    st.lists(st.integers(0, 20), min_size=2, max_size=60),
    st.lists(st.booleans(), min_size=2, max_size=60),
)
def test_auc_matches_counting_pairs(scores: list[int], outcomes: list[bool]) -> None:
    n = min(len(scores), len(outcomes))
    s, b = np.array(scores[:n], dtype=float), np.array(outcomes[:n])
    got = auc(s, b)
    if b.all() or not b.any():
        assert got is None
        return
    good, bad = s[~b], s[b]
    pairs = (good[:, None] > bad[None, :]).sum() + 0.5 * (good[:, None] == bad[None, :]).sum()
    assert got == pytest.approx(pairs / (good.size * bad.size))
