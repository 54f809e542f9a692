"""``{% load lending_tags %}{% apply_button offering %}`` on an enterprise's offering or match
page: the one-click apply (with the indicators the institution will see), or the open
application when there is one. Nothing for a policy no institution handles."""

from __future__ import annotations

from typing import Any

from django import template

from innopoints.accounts import scope
from innopoints.lending import workflow
from innopoints.lending.models import Application
from innopoints.site import names

register = template.Library()


@register.inclusion_tag("lending/_apply_button.html", takes_context=True)
def apply_button(context: dict[str, Any], offering: Any) -> dict[str, Any]:
    request = context.get("request")
    enterprise = scope.enterprise_of(request.user) if request is not None else None
    if offering is None or enterprise is None or offering.institution_id is None:
        return {"show": False}
    open_app = (
        Application.objects.filter(
            enterprise=enterprise, offering=offering, status__in=list(workflow.OPEN)
        )
        .order_by("-pk")
        .first()
    )
    return {
        "show": True,
        "offering": offering,
        "open_app": open_app,
        "scope": [names.field_name(c) for c in workflow.requested_scope(offering)],
    }
