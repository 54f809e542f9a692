"""Template filters that show names instead of codes (see ``innopoints.site.names``):
``{{ code|field_name:run.scheme_version }}``, ``{{ r.stage|stage_name:run.scheme_version }}``,
``{{ code|region_name }}``, ``{{ p.method|method_name }}``, ``{{ flag|yes_no }}``."""

from __future__ import annotations

from typing import Any

from django import template

from innopoints.analysis import board_words
from innopoints.registry.english import localised, localised_industry
from innopoints.site import names

register = template.Library()


@register.filter
def region_label(region: Any) -> str:
    """A division (or its stored name) in the page's language: 成都市 / Chengdu City."""
    if region is None or region == "":
        return ""
    return localised(str(getattr(region, "name", region)))


@register.filter
def industry_label(name: Any) -> str:
    """An industry field in the page's language: 电子信息 / Electronic information."""
    return localised_industry(str(getattr(name, "name", name) or ""))


@register.filter
def field_name(code: str, version: Any = None) -> str:
    return names.field_name(str(code), version)


@register.filter
def category_name(code: str, version: Any = None) -> str:
    return names.category_name(str(code), version)


@register.filter
def stage_name(code: str | None, version: Any = None) -> str:
    return names.stage_name(code, version)


@register.filter
def method_name(code: str | None) -> str:
    return names.method_name(code)


@register.filter
def transform_name(code: str | None) -> str:
    return names.transform_name(code)


@register.filter
def left_out_reason(code: str) -> str:
    return names.left_out_reason(str(code))


@register.filter
def veto_reasons(text: str | None, version: Any = None) -> str:
    return names.veto_reasons(text, version)


@register.filter
def region_name(code: str | None) -> str:
    return names.region_name(code)


@register.filter
def yes_no(value: object) -> str:
    return names.yes_no(value)


@register.filter
def board_filter(board: Any) -> str:
    return board_words.describe(board)


@register.filter
def step_name(code: str) -> str:
    return names.step_name(str(code))


@register.filter
def without_codes(text: str | None) -> str:
    return names.without_codes(text)


@register.filter
def percent(share: object, places: int = 1) -> str:
    """A share (0.873) as a percentage for people: 87.3%."""
    return names.percent(share, places)


@register.filter
def analysis_note(note: str) -> str:
    return names.analysis_note(str(note))


@register.filter
def finding_text(finding: object) -> str:
    from innopoints.collection.messages import finding_text as text  # noqa: PLC0415

    return text(finding)


@register.filter
def pool_name(pool: Any) -> str:
    return board_words.pool_name(pool)


@register.filter
def pool_note(pool: Any) -> str:
    return board_words.pool_note(pool)
