"""Figures written the Chinese way: amounts in 万元 / 亿元 (millions of yuan in English),
grouped digits, score bands — for pages (the ``portal_format`` template filters), exports and
the API alike."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import get_language


def wan(value: object, places: int = 2) -> str:
    """An amount in 万元 (the platform's unit for money): 400.00 万元, from 10,000 万元 on
    1.23 亿元; in English, millions of yuan (CNY 4.00 m)."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value))
    if (get_language() or "").startswith("en"):
        return f"CNY {amount / 100:,.2f} m"
    if abs(amount) >= 10000:
        return f"{amount / 10000:,.2f} 亿元"
    return f"{amount:,.{places}f} 万元"


def group(value: object) -> str:
    """A count with grouped digits (1,234,567)."""
    if value is None or value == "":
        return "—"
    return f"{int(str(value)):,}"


def score_band(total: object, width: int = 10) -> str:
    """The band a score falls in (e.g. 70–80): what institutions see on a list."""
    if total is None:
        return "—"
    low = int(float(str(total)) // width) * width
    return f"{low}–{low + width}"


def fixed(value: object, places: int = 2) -> str:
    """A number with a fixed count of decimals (the cheap floatformat for long tables)."""
    if value is None or value == "":
        return ""
    return f"{float(str(value)) if not isinstance(value, float) else value:.{int(places)}f}"
