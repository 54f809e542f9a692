"""Agreement between scoring methods, 吻合度 (docs/METHOD.md §8; seed 004 附件1 注).

The same data are scored again with only the normalisation step changed; the report gives, over
the non-vetoed enterprises, Spearman's ρ between the primary total and each alternative's total
and the share of the primary top group that stays in the alternative's top group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from innopoints.engine.columns import BoolArray, FloatArray, IntArray
from innopoints.engine.ordering import ascending_with_values
from innopoints.engine.rank import average_ranks


@dataclass(frozen=True)
class MethodAgreement:
    method: str
    spearman: float | None
    """None when undefined: fewer than two enterprises, or a constant total."""
    top_overlap: float | None


@dataclass(frozen=True)
class AgreementReport:
    methods: tuple[MethodAgreement, ...]
    min_spearman: float
    top_share: float
    n: int

    @property
    def smallest_spearman(self) -> float | None:
        values = [m.spearman for m in self.methods if m.spearman is not None]
        return min(values) if values else None

    @property
    def low_agreement(self) -> bool:
        smallest = self.smallest_spearman
        return smallest is not None and smallest < self.min_spearman

    def to_dict(self) -> dict[str, object]:
        return {
            m.method: {"spearman": m.spearman, "top10_overlap": m.top_overlap} for m in self.methods
        }


def spearman(
    a: FloatArray,
    b: FloatArray,
    ranks_a: FloatArray | None = None,
    ranks_b: FloatArray | None = None,
) -> float | None:
    """Spearman's ρ with average ranks for ties: Pearson's r of the ranks, summed exactly.

    Average ranks are whole or halves and their mean is (n + 1) / 2, so twice a centred rank is
    a whole number and the three sums of products are exact integers: ρ is the same figure on
    every host and for any number of threads (a BLAS dot product's rounding depends on both,
    and OpenBLAS's threads spin after it, taking a core from the engine's own)."""
    n = a.shape[0]
    if n < 2:
        return None
    ra = average_ranks(a) if ranks_a is None else ranks_a
    rb = average_ranks(b) if ranks_b is None else ranks_b
    da, db = _twice_centred(ra), _twice_centred(rb)
    saa, sbb = _sum_of_products(da, da), _sum_of_products(db, db)
    if saa == 0 or sbb == 0:
        return None
    return _sum_of_products(da, db) / math.sqrt(saa * sbb)


def _twice_centred(ranks: FloatArray) -> IntArray:
    """2 · (rank − (n + 1) / 2), exact: average ranks are multiples of ½ below 2**52."""
    twice = ranks * 2.0
    twice -= ranks.shape[0] + 1
    return twice.astype(np.int64)


PRODUCT_SUM_LIMIT = 2**62
"""A block's sum of products stays below this, so int64 never overflows."""


def _sum_of_products(x: IntArray, y: IntArray) -> int:
    """Σ x·y as an exact integer, for |x|, |y| < n: blocks small enough that no int64 sum
    overflows (the whole array up to about two million rows), added as Python integers."""
    n = x.shape[0]
    block = max(1, PRODUCT_SUM_LIMIT // max(1, n * n))
    return sum(int(np.dot(x[i : i + block], y[i : i + block])) for i in range(0, n, block))


def top_count(share: float, n: int) -> int:
    """ceil(share × n) computed exactly (0.1 × 30 is 3, not 3.0000000000000004 → 4)."""
    return math.ceil(Fraction(str(share)) * n)


def in_top(values: FloatArray, cut: int, ascending: IntArray | None = None) -> BoolArray:
    """Rank ≤ cut with shared ranks ⇔ the value reaches the cut-th largest value, read off
    ``ascending`` (an ascending order of values) when at hand, else selected."""
    at = values.shape[0] - cut
    threshold = values[ascending[at]] if ascending is not None else np.partition(values, at)[at]
    out: BoolArray = values >= threshold
    return out


def top_overlap(primary: FloatArray, alternative: FloatArray, share: float) -> float | None:
    n = primary.shape[0]
    if n == 0:
        return None
    cut = top_count(share, n)
    in_primary = in_top(primary, cut)
    in_alternative = in_top(alternative, cut)
    return float((in_primary & in_alternative).sum() / in_primary.sum())


def compare(
    primary_total: FloatArray,
    alternatives: dict[str, FloatArray],
    ranked: BoolArray,
    min_spearman: float,
    share: float,
) -> AgreementReport:
    primary = primary_total[ranked]
    reading = PrimaryReading(primary, share)
    methods = tuple(reading.against(name, total[ranked]) for name, total in alternatives.items())
    return AgreementReport(methods, min_spearman, share, int(primary.shape[0]))


class PrimaryReading:
    """What every alternative is compared with: the primary totals of the ranked enterprises,
    their average ranks and top group, worked out once (from the ranking's sort when given)."""

    def __init__(
        self,
        primary: FloatArray,
        share: float,
        ascending: IntArray | None = None,
        ordered: FloatArray | None = None,
    ):
        self.primary = primary
        self.share = share
        n = primary.shape[0]
        if ascending is None and n:
            ascending, ordered = ascending_with_values(primary)
        self.ranks = average_ranks(primary, ascending, ordered) if n >= 2 else None
        self.cut = top_count(share, n) if n else 0
        self.top = in_top(primary, self.cut, ascending) if n else None

    def against(self, name: str, other: FloatArray) -> MethodAgreement:
        """One alternative's ρ and top overlap, from one sort of its totals."""
        if self.top is None:
            return MethodAgreement(name, spearman(self.primary, other), None)
        ascending, ordered = ascending_with_values(other)
        other_ranks = average_ranks(other, ascending, ordered) if other.shape[0] >= 2 else None
        rho = spearman(self.primary, other, self.ranks, other_ranks)
        in_other = in_top(other, self.cut, ascending)
        overlap = float((self.top & in_other).sum() / self.top.sum())
        return MethodAgreement(name, rho, overlap)
