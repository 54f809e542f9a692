"""Chinese-style figures: amounts in 万元 / 亿元, grouped digits, percentages."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def wan(value: object, places: int = 2) -> str:
    """An amount already in 万元, shown as 万元 (or 亿元 from 10,000 万元 on)."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value))
    if abs(amount) >= 10000:
        return _("%(n)s 亿元") % {"n": number_format(amount / 10000, 2, use_l10n=True, force_grouping=True)}
    return _("%(n)s 万元") % {"n": number_format(amount, places, use_l10n=True, force_grouping=True)}


@register.filter
def yuan_as_wan(value: object) -> str:
    """An amount in 元 (the unit of stored facts), shown in 万元."""
    if value is None or value == "":
        return "—"
    return wan(Decimal(str(value)) / 10000)


@register.filter
def score_band(total: object, width: int = 10) -> str:
    """The band a score falls in (e.g. 70–80): what institutions see on a list."""
    if total is None:
        return "—"
    low = int(float(str(total)) // width) * width
    return f"{low}–{low + width}"


@register.filter
def group(value: object) -> str:
    """A count with grouped digits (12,345)."""
    if value is None or value == "":
        return "—"
    return number_format(value, 0, use_l10n=True, force_grouping=True)  # type: ignore[arg-type]
