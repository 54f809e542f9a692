"""Charts of the financing statistics page (portals/financing_figures.html, drawn for the
government and for an institution): ``{% financing_charts f o as c %}`` with the page's
``financing_figures`` and ``outcome_figures``."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from innopoints.portals.bank_figures import outcome_curve, slim
from innopoints.site import charts

register = template.Library()


@register.simple_tag
def financing_charts(f: Any, o: Any) -> dict[str, Any]:
    by = getattr(f, "by", {}) or {}
    out: dict[str, Any] = {}
    places = [r for r in by.get("prefecture", []) if r["disbursed"]]
    if places:
        out["prefecture"] = charts.bar(
            [str(r["prefecture"]) for r in places],
            [round(r["disbursed"], 2) for r in places],
            name=_("放款额"),
            unit=_("万元"),
            rotate=30 if len(places) > 6 else 0,
        )
    products = [r for r in by.get("product", []) if r["n"]]
    if products:
        out["product"] = charts.bar(
            [str(r["product"]).strip() or "—" for r in products],
            [r["n"] for r in products],
            name=_("笔数"),
            unit=_("笔"),
            horizontal=True,
        )
    curve = outcome_curve(getattr(o, "by_band", []) or [])
    if curve["bands"]:
        out["curve"] = charts.stacked_bar(
            curve["bands"],
            {_("正常"): curve["performing"], _("违约"): curve["defaulted"]},
            unit="%",
        )
    tiers = getattr(o, "by_tier", []) or []
    if tiers:
        out["tiers"] = charts.bar(
            [str(r["tier"] or "—") for r in tiers],
            [round(float(r["default_rate"]), 1) for r in tiers],
            name=_("违约率"),
            unit="%",
        )
    return {key: slim(option, 64 if key == "curve" else 40) for key, option in out.items()}
