"""Agreement between methods (docs/METHOD.md §8), checked against a direct computation."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from innopoints.engine import agreement, score
from innopoints.engine.agreement import spearman, top_overlap
from tests.engine.helpers import table, two_indicator_scheme


def average_ranks(values: list[float]) -> list[float]:
    ranks = []
    for v in values:
        below = sum(1 for w in values if w < v)
        equal = sum(1 for w in values if w == v)
        ranks.append(below + (equal + 1) / 2)
    return ranks


def pearson(a: list[float], b: list[float]) -> float:
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    num = sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True))
    den = math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))
    return num / den


def test_spearman_with_ties() -> None:
    a = [1.0, 2.0, 2.0, 3.0, 5.0]
    b = [2.0, 1.0, 4.0, 4.0, 9.0]
    expected = pearson(average_ranks(a), average_ranks(b))
    assert spearman(np.array(a), np.array(b)) == pytest.approx(expected, rel=1e-14)
    assert spearman(np.array([1.0]), np.array([2.0])) is None
    assert spearman(np.array([1.0, 1.0]), np.array([2.0, 3.0])) is None


def test_spearman_is_summed_exactly() -> None:
    # twice the centred average ranks: a → [-4, -1, -1, 2, 4], b → [-2, -4, 1, 1, 4];
    # Σab = 29, Σa² = Σb² = 38, so ρ = 29 / 38 to the last bit
    a = np.array([1.0, 2.0, 2.0, 3.0, 5.0])
    b = np.array([2.0, 1.0, 4.0, 4.0, 9.0])
    assert spearman(a, b) == 29 / 38
    assert spearman(b, a) == 29 / 38


@given(
    a=arrays(np.float64, 40, elements=st.integers(-5, 5).map(float)),
    b=arrays(np.float64, 40, elements=st.integers(-5, 5).map(float)),
)
def test_spearman_in_blocks_equals_one_sum(a: np.ndarray, b: np.ndarray) -> None:
    # a national run's sums are added in blocks that keep int64 from overflowing; blocks of
    # one to three rows here must give the same exact sums, and the float formula's ρ
    whole = spearman(a, b)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(agreement, "PRODUCT_SUM_LIMIT", 40 * 40 * 3)
        assert spearman(a, b) == whole
    expected = None
    ranks_a, ranks_b = average_ranks(a.tolist()), average_ranks(b.tolist())
    if len(set(ranks_a)) > 1 and len(set(ranks_b)) > 1:
        expected = pearson(ranks_a, ranks_b)
    assert whole == (pytest.approx(expected, rel=1e-12) if expected is not None else None)


def test_top_overlap_uses_shared_ranks() -> None:
    primary = np.array([10.0, 9.0, 9.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    other = np.array([1.0, 9.0, 0.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    # n = 11: ceil(1.1) = 2; primary top = ranks ≤ 2 = {0, 1, 2}; other top = {3, 1}
    assert top_overlap(primary, other, 0.1) == pytest.approx(1 / 3)


def test_run_agreement_report() -> None:
    scheme = two_indicator_scheme()
    values = [(1, 5), (10, 15), (100, 20), (1000, 50), (5, 45), (50, 30), (2, 10), (3000, 35)]
    rows = [{"established": "2015-01-01", "tech_contract": a, "st_ratio": b} for a, b in values]
    rows.append({"established": "2015-01-01", "tech_contract": 9999, "veto_safety": "是"})
    result = score(scheme, table(rows, scheme), "2025")
    assert result.agreement is not None
    primary = [float(t) for t in result.total[:8]]

    def alternative(kind: str) -> list[float]:
        totals = []
        a_all = [a for a, _ in values] + [9999]
        b_all = [b for _, b in values]
        for a, b in values:
            if kind == "rank":
                xa = sum(1 for v in a_all if v < a) / (len(a_all) - 1)
                xb = sum(1 for v in b_all if v < b) / (len(b_all) - 1)
            else:
                sa, sb = sorted(a_all), sorted(b_all)
                la = sa[0] + 0.08 * (sa[1] - sa[0])
                ua = sa[7] + 0.92 * (sa[8] - sa[7])
                lb = sb[0] + 0.07 * (sb[1] - sb[0])
                ub = sb[6] + 0.93 * (sb[7] - sb[6])
                xa = (min(max(a, la), ua) - la) / (ua - la)
                xb = (min(max(b, lb), ub) - lb) / (ub - lb)
            totals.append(100 * (0.4 * xa + 0.6 * xb))  # mature stage: 0.4 / 0.6
        return totals

    report = result.report()
    for kind in ("minmax", "rank"):
        expected = pearson(average_ranks(primary), average_ranks(alternative(kind)))
        got = report["agreement"][kind]["spearman"]
        assert got == pytest.approx(expected, rel=1e-12), kind
    assert report["n_scored"] == 8 and report["n_vetoed"] == 1
    smallest = min(report["agreement"][k]["spearman"] for k in ("minmax", "rank"))
    assert report["low_agreement"] == (smallest < 0.9)
