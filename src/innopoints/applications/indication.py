"""预授信参考: the suggested amount and rate of a loan offering for one matched enterprise,
from the offering's terms (``matching.py`` documents them). An indication only — shown as
参考额度 / 参考利率, "仅供参考，不构成授信决定" — never a credit decision.

Pure: terms, the enterprise's tier and revenues, and the reference rates in; Decimal out.

- amount (万元): ``max_amount`` alone when there is no ``amount`` rule; with
  ``amount: {revenue_multiple: k}``: the lesser of ``max_amount`` and k × the average of
  ``revenue`` and ``revenue_prev`` (the years present, 万元; negative taken as 0); no revenue →
  no amount. Rounded half up to 0.01 万元.
- rate (%): ``rate: {fixed: r}`` → r; ``rate: {base: code, spread_bp, tier_spread_bp}`` → the
  reference rate ``code`` plus the tier's spread (else ``spread_bp``) ÷ 100; an unknown base
  → no rate. Rounded half up to 0.001 %.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
RATE_STEP = Decimal("0.001")
AMOUNT_UNIT = "万元"
RATE_UNIT = "%"


@dataclass(frozen=True)
class Indication:
    """参考额度 (万元) and 参考利率 (% a year); None when the terms give no basis for one."""

    amount: Decimal | None
    rate: Decimal | None
    cap: Decimal | None = None
    amount_unit: str = AMOUNT_UNIT
    rate_unit: str = RATE_UNIT

    @property
    def empty(self) -> bool:
        return self.amount is None and self.rate is None


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))  # the number as written, not its binary expansion
    return Decimal(value)


def suggested_amount(
    terms: Mapping[str, Any], revenue: Any = None, revenue_prev: Any = None
) -> Decimal | None:
    cap = terms.get("max_amount")
    if cap is None:
        return None
    cap_d = _decimal(cap)
    rule = terms.get("amount")
    if not rule:
        return cap_d.quantize(CENT, ROUND_HALF_UP)
    years = [_decimal(v) for v in (revenue, revenue_prev) if v is not None]
    if not years:
        return None
    average = sum(years, Decimal(0)) / len(years)
    scaled = max(average * _decimal(rule["revenue_multiple"]), Decimal(0))
    return min(cap_d, scaled).quantize(CENT, ROUND_HALF_UP).min(cap_d)


def suggested_rate(
    terms: Mapping[str, Any], tier: str | None, rates: Mapping[str, Any]
) -> Decimal | None:
    rule = terms.get("rate")
    if not rule:
        return None
    if "fixed" in rule:
        return _decimal(rule["fixed"]).quantize(RATE_STEP, ROUND_HALF_UP)
    base = rates.get(rule["base"])
    if base is None:
        return None
    spreads = rule.get("tier_spread_bp") or {}
    spread = spreads.get(tier, rule.get("spread_bp", 0)) if tier else rule.get("spread_bp", 0)
    return (_decimal(base) + _decimal(spread) / 100).quantize(RATE_STEP, ROUND_HALF_UP)


def indicate(
    terms: Mapping[str, Any],
    *,
    tier: str | None,
    revenue: Any = None,
    revenue_prev: Any = None,
    rates: Mapping[str, Any] | None = None,
) -> Indication:
    """The indication for one enterprise (its tier and revenues, 万元) under ``terms``."""
    cap = terms.get("max_amount")
    return Indication(
        amount=suggested_amount(terms, revenue, revenue_prev),
        rate=suggested_rate(terms, tier, rates or {}),
        cap=_decimal(cap) if cap is not None else None,
    )
