"""预授信参考 (applications/indication.py): amounts and rates computed by hand from the terms,
Decimal throughout, the amount never above the cap."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from innopoints.applications.indication import (
    Indication,
    indicate,
    suggested_amount,
    suggested_rate,
)

TERMS = {
    "max_amount": 1000,
    "amount": {"revenue_multiple": 0.3},
    "rate": {"base": "lpr_1y", "spread_bp": 80, "tier_spread_bp": {"A": 50, "B": 65}},
}
RATES = {"lpr_1y": Decimal("3.0")}


def test_amount_is_the_lesser_of_cap_and_multiple_of_average_revenue() -> None:
    # (2000 + 1000) / 2 × 0.3 = 450 万元 < 1000
    assert suggested_amount(TERMS, Decimal("2000"), Decimal("1000")) == Decimal("450.00")
    # (5000 + 4000) / 2 × 0.3 = 1350 → capped at 1000
    assert suggested_amount(TERMS, 5000, 4000) == Decimal("1000.00")
    # one year only: 1234.56 × 0.3 = 370.368 → 370.37
    assert suggested_amount(TERMS, Decimal("1234.56"), None) == Decimal("370.37")
    # negative revenue counts as nothing
    assert suggested_amount(TERMS, -100, None) == Decimal("0.00")
    # no revenue: no basis for an amount
    assert suggested_amount(TERMS, None, None) is None
    # a cap alone is the amount; no cap, no amount
    assert suggested_amount({"max_amount": 300}) == Decimal("300.00")
    assert suggested_amount({}) is None


def test_rate_is_lpr_plus_the_tier_spread() -> None:
    assert suggested_rate(TERMS, "A", RATES) == Decimal("3.500")  # 3.0 + 50bp
    assert suggested_rate(TERMS, "B", RATES) == Decimal("3.650")  # 3.0 + 65bp
    assert suggested_rate(TERMS, "C", RATES) == Decimal("3.800")  # default 80bp
    assert suggested_rate(TERMS, None, RATES) == Decimal("3.800")
    assert suggested_rate(TERMS, "A", {"lpr_1y": Decimal("3.45")}) == Decimal("3.950")
    assert suggested_rate(TERMS, "A", {}) is None  # unknown base: no rate
    assert suggested_rate({"rate": {"fixed": 3.45}}, "A", RATES) == Decimal("3.450")
    assert suggested_rate({}, "A", RATES) is None
    # a float reference rate is taken as written, not as its binary expansion
    assert suggested_rate(TERMS, "B", {"lpr_1y": 3.1}) == Decimal("3.750")


def test_indication_carries_units_and_is_decimal() -> None:
    found = indicate(
        TERMS, tier="A", revenue=Decimal("2000"), revenue_prev=Decimal("1000"), rates=RATES
    )
    assert found == Indication(amount=Decimal("450.00"), rate=Decimal("3.500"), cap=Decimal("1000"))
    assert (found.amount_unit, found.rate_unit) == ("万元", "%")
    assert isinstance(found.amount, Decimal) and isinstance(found.rate, Decimal)
    assert indicate({}, tier="A").empty


@given(
    cap=st.decimals(min_value=0, max_value=100_000, places=2),
    k=st.decimals(min_value=Decimal("0.0001"), max_value=10, places=4),
    revenue=st.none() | st.decimals(min_value=-1_000_000, max_value=10_000_000, places=2),
    revenue_prev=st.none() | st.decimals(min_value=-1_000_000, max_value=10_000_000, places=2),
    tier=st.sampled_from(["A", "B", "C", "D", None]),
)
def test_amount_never_exceeds_the_cap_and_is_decimal(
    cap: Decimal,
    k: Decimal,
    revenue: Decimal | None,
    revenue_prev: Decimal | None,
    tier: str | None,
) -> None:
    terms = {**TERMS, "max_amount": cap, "amount": {"revenue_multiple": k}}
    found = indicate(terms, tier=tier, revenue=revenue, revenue_prev=revenue_prev, rates=RATES)
    if revenue is None and revenue_prev is None:
        assert found.amount is None
    else:
        assert isinstance(found.amount, Decimal)
        assert Decimal(0) <= found.amount <= cap
        assert found.amount == found.amount.quantize(Decimal("0.01"))
    assert isinstance(found.rate, Decimal)
    assert found.rate in {Decimal("3.500"), Decimal("3.650"), Decimal("3.800")}


@pytest.mark.parametrize(
    ("revenue", "expected"),
    [(Decimal("0.05"), Decimal("0.03")), (Decimal("0.03"), Decimal("0.02"))],
)
def test_amount_rounds_half_up_to_the_cent(revenue: Decimal, expected: Decimal) -> None:
    # × 0.5: 0.025 → 0.03 (half up; half-even would give 0.02), 0.015 → 0.02
    terms = {"max_amount": 10, "amount": {"revenue_multiple": 0.5}}
    assert suggested_amount(terms, revenue, None) == expected
