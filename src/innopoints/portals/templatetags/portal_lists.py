"""Small list helpers for portal pages: ``{{ line.facts|sources }}`` → each source once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

register = template.Library()


@register.filter
def sources(facts: Iterable[Any]) -> list[str]:
    """The sources of an indicator's stored values, each once, in their first order."""
    seen: dict[str, None] = {}
    for fact in facts:
        seen.setdefault(str(fact.source), None)
    return list(seen)
