"""ECharts options composed on the server: a page passes one of these dicts to ``{% chart %}``
(site/templatetags/ui.py) and site/static/site/charts.js draws it. Plain data only (no
functions: the Content-Security-Policy allows no eval), labels already in the page's language,
numbers as plain floats or ints (JSON), units in the axis names and tooltips."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

Number = int | float | Decimal

GRID = {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True}


def _num(value: Number | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def bar(
    categories: Sequence[str],
    values: Sequence[Number | None],
    *,
    name: str,
    unit: str = "",
    horizontal: bool = False,
    rotate: int = 0,
) -> dict[str, Any]:
    """One series of bars: ``name`` (and its ``unit``) in the legend and axis."""
    category_axis: dict[str, Any] = {"type": "category", "data": list(categories)}
    if rotate:
        category_axis["axisLabel"] = {"rotate": rotate, "interval": 0}
    value_axis: dict[str, Any] = {"type": "value", "name": unit, "minInterval": 1}
    return {
        "tooltip": {"trigger": "axis"},
        "grid": GRID,
        "xAxis": value_axis if horizontal else category_axis,
        "yAxis": category_axis if horizontal else value_axis,
        "series": [{"type": "bar", "name": name, "data": [_num(v) for v in values]}],
    }


def stacked_bar(
    categories: Sequence[str], series: Mapping[str, Sequence[Number]], *, unit: str = ""
) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": GRID,
        "xAxis": {"type": "category", "data": list(categories)},
        "yAxis": {"type": "value", "name": unit, "minInterval": 1},
        "series": [
            {"type": "bar", "stack": "all", "name": label, "data": [_num(v) for v in values]}
            for label, values in series.items()
        ],
    }


def pie(items: Sequence[tuple[str, Number]], *, name: str, donut: bool = True) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [
            {
                "type": "pie",
                "name": name,
                "radius": ["40%", "68%"] if donut else "68%",
                "center": ["50%", "45%"],
                "label": {"formatter": "{b}\n{d}%"},
                "data": [{"name": label, "value": _num(value)} for label, value in items],
            }
        ],
    }


def line(
    categories: Sequence[str], series: Mapping[str, Sequence[Number | None]], *, unit: str = ""
) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": GRID,
        "xAxis": {"type": "category", "data": list(categories), "boundaryGap": False},
        "yAxis": {"type": "value", "name": unit, "scale": True},
        "series": [
            {"type": "line", "name": label, "smooth": True, "data": [_num(v) for v in values]}
            for label, values in series.items()
        ],
    }


def funnel(stages: Sequence[tuple[str, Number]], *, name: str) -> dict[str, Any]:
    """Stages in their own order (not re-sorted): e.g. pushed → applied → approved → lent."""
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c}"},
        "series": [
            {
                "type": "funnel",
                "name": name,
                "sort": "none",
                "left": "10%",
                "width": "80%",
                "minSize": "10%",
                "label": {"position": "inside", "formatter": "{b}\n{c}"},
                "data": [{"name": label, "value": _num(value)} for label, value in stages],
            }
        ],
    }


def gauge(value: Number, *, maximum: Number = 100, name: str, unit: str = "") -> dict[str, Any]:
    return {
        "series": [
            {
                "type": "gauge",
                "name": name,
                "min": 0,
                "max": _num(maximum),
                "progress": {"show": True, "width": 14},
                "axisLine": {"lineStyle": {"width": 14}},
                "pointer": {"show": False},
                "axisTick": {"show": False},
                "splitLine": {"length": 8},
                "axisLabel": {"distance": 18},
                "title": {"offsetCenter": [0, "70%"]},
                "detail": {
                    "valueAnimation": True,
                    "offsetCenter": [0, "10%"],
                    "fontSize": 28,
                    "formatter": "{value}" + (f" {unit}" if unit else ""),
                },
                "data": [{"value": _num(value), "name": name}],
            }
        ],
    }


def radar(
    indicators: Sequence[tuple[str, Number]], series: Mapping[str, Sequence[Number | None]]
) -> dict[str, Any]:
    """``indicators``: (name, maximum) pairs; ``series``: a name → values in that order."""
    return {
        "tooltip": {},
        "legend": {"bottom": 0},
        "radar": {
            "indicator": [{"name": label, "max": _num(top)} for label, top in indicators],
            "radius": "62%",
            "axisName": {"color": "#55606e"},
        },
        "series": [
            {
                "type": "radar",
                "data": [
                    {"name": label, "value": [_num(v) for v in values]}
                    for label, values in series.items()
                ],
            }
        ],
    }


def sichuan_map(
    values: Mapping[str, Number], *, name: str, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A choropleth of Sichuan's 21 divisions: ``values`` keyed by the division's Chinese name
    as in site/static/site/geo/sichuan.json (e.g. 成都市); ``names`` maps those to the names
    drawn (the page's language)."""
    numbers = [float(v) for v in values.values()] or [0.0]
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c}"},
        "visualMap": {
            "min": 0,
            "max": max(numbers) or 1,
            "left": 0,
            "bottom": 0,
            "calculable": True,
            "inRange": {"color": ["#e8f0fa", "#0b4f9c"]},
            "text": [name, ""],
        },
        "series": [
            {
                "type": "map",
                "map": "sichuan",
                "name": name,
                "roam": False,
                "nameMap": dict(names or {}),
                "label": {"show": False},
                "emphasis": {"label": {"show": True}},
                "data": [
                    {"name": (names or {}).get(key, key), "value": _num(v)}
                    for key, v in values.items()
                ],
            }
        ],
    }
