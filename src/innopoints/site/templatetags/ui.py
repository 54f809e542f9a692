"""The design system's components for templates (``{% load ui %}``):

- ``{% kpi label value unit=… href=… note=… id=… tone=… %}`` a key figure card;
- ``{% chart option id label size=… %}`` an ECharts chart (site/charts.py composes ``option``;
  the page loads ``site/_chart_assets.html`` in its ``extrahead`` block);
- ``{% empty_state text action_url action_label %}`` what a page shows when it has nothing yet;
- ``field|unit_of`` the unit a form field's widget carries (site/forms.py ``with_unit``).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.templatetags.static import static
from django.utils.html import format_html, json_script

register = template.Library()


@register.inclusion_tag("site/components/kpi.html")
def kpi(
    label: object,
    value: object,
    unit: object = "",
    href: str = "",
    note: object = "",
    id: str = "",
    tone: str = "",
) -> dict[str, Any]:
    return {
        "label": label,
        "value": "—" if value is None or value == "" else value,
        "unit": unit,
        "href": href,
        "note": note,
        "id": id,
        "tone": tone,
    }


@register.simple_tag
def chart(option: dict[str, Any], id: str, label: object, size: str = "") -> str:
    data_id = f"{id}-data"
    return format_html(
        '<div class="chart{}" id="{}" role="img" aria-label="{}" data-chart="{}" '
        'data-map-url="{}"></div>{}',
        f" chart-{size}" if size else "",
        id,
        label,
        data_id,
        static("site/geo/sichuan.json"),
        json_script(option, data_id),
    )


@register.inclusion_tag("site/components/empty_state.html")
def empty_state(text: object, action_url: str = "", action_label: object = "") -> dict[str, Any]:
    return {"text": text, "action_url": action_url, "action_label": action_label}


@register.filter
def unit_of(field: BoundField) -> str:
    return str(field.field.widget.attrs.get("data-unit", ""))
