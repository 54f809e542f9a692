"""What an enterprise's authorisations let others see: the grant in force between an institution
and an enterprise, the indicators it covers, and who may open an enterprise's file (its
government, itself, or an institution it authorised)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from innopoints.accounts import scope
from innopoints.accounts.models import Role
from innopoints.collection.models import Authorisation
from innopoints.registry.models import Enterprise, Institution


def active_authorisation(
    institution: Institution | None, enterprise: Enterprise, day: dt.date | None = None
) -> Authorisation | None:
    """The enterprise's active authorisation to this institution today, or None."""
    if institution is None:
        return None
    day = day or timezone.localdate()
    return (
        Authorisation.objects.active_on(day)
        .filter(enterprise=enterprise, institution=institution)
        .order_by("-created_at")
        .first()
    )


def authorised_scope(user: Any, enterprise: Enterprise) -> set[str] | None:
    """For an institution user: the indicator codes the enterprise lets it see (an empty set
    means all), or None when there is no active authorisation."""
    grant = active_authorisation(scope.institution_of(user), enterprise)
    if grant is None:
        return None
    return set(grant.scope or [])


def can_view_enterprise_file(user: Any, enterprise: Enterprise) -> bool:
    role = scope.role_of(user)
    if role == Role.ADMIN:
        return True
    if role == Role.GOVERNMENT:
        prefix = scope.region_prefix(user)
        return bool(prefix) and (enterprise.region_id or "").startswith(prefix or "\0")
    if role == Role.ENTERPRISE:
        own = scope.enterprise_of(user)
        return own is not None and own.pk == enterprise.pk
    if role == Role.INSTITUTION:
        return authorised_scope(user, enterprise) is not None
    return False


def governs_sources(user: Any) -> bool:
    """The government data sources serve the whole province: their contact and pull settings,
    and their delivery findings (no enterprise), are the platform's and a province's."""
    prefix = scope.region_prefix(user)
    return prefix is not None and len(prefix) <= 2
