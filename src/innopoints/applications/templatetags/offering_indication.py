"""预授信参考 for the enterprise's own match page: ``{% offering_indication match as ind %}``
(a tag, so the portal's view needs no change)."""

from __future__ import annotations

from django import template

from innopoints.applications.indication import Indication
from innopoints.applications.models import Match, Offering

register = template.Library()


@register.simple_tag
def offering_indication(match: Match | None) -> Indication | None:
    """The indication of a loan offering for the matched enterprise; None otherwise."""
    if match is None or match.offering.kind != Offering.Kind.LOAN:
        return None
    from innopoints.applications.offering_views import indications  # noqa: PLC0415

    found = indications(match.run, match.offering, [match.enterprise_id]).get(match.enterprise_id)
    return None if found is None or found.empty else found
