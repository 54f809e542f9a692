"""Charts of the financing statistics page (portals/financing_figures.html, shared by the
government's and the institution's views): composed from the figures the page already has,
``{% financing_charts f o as charts %}``."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from innopoints.site import charts

register = template.Library()


def _label(row: dict[str, Any]) -> str:
    """A ``by`` row's group (its first item: the division, tier, product or institution)."""
    return str(next(iter(row.values()))) if row else ""


@register.simple_tag
def financing_charts(f: Any, o: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    places = [r for r in (f.by.get("prefecture") or []) if r.get("disbursed")]
    if places:
        places = sorted(places, key=lambda r: (r["disbursed"], _label(r)))  # largest on top
        option = charts.bar(
            [_label(r) for r in places],
            [round(float(r["disbursed"]), 2) for r in places],
            name=_("放款额"),
            unit=_("万元"),
            horizontal=True,
        )
        option["yAxis"]["axisLabel"] = {"interval": 0}
        option["series"][0]["barMaxWidth"] = 28
        found["places"] = option
    products = [r for r in (f.by.get("product") or []) if r.get("disbursed") or r.get("direct")]
    if products:
        found["products"] = charts.pie(
            [(_label(r), round(float(r["disbursed"] + r["direct"]), 2)) for r in products],
            name=_("放款与投资额（万元）"),
        )
    if not o.defaults:  # default rates of nothing but zeros: the tables say it
        return found
    if o.by_tier:
        found["tiers"] = charts.bar(
            [str(r["tier"]) for r in o.by_tier],
            [round(float(r["default_rate"]), 1) for r in o.by_tier],
            name=_("违约率"),
            unit="%",
        )
    if o.by_band:
        found["bands"] = charts.bar(
            [f"{r['band']}–{r['band'] + 10}" for r in o.by_band],
            [round(float(r["default_rate"]), 1) for r in o.by_band],
            name=_("违约率"),
            unit="%",
        )
    return found
