"""Data coverage as pages show it: ``{{ result.coverage|coverage }}`` → "72.5 %" (or "—")."""

from __future__ import annotations

from django import template

from innopoints.scoring.coverage import percent

register = template.Library()


@register.filter(name="coverage")
def coverage(value: float | None) -> str:
    return percent(value)
