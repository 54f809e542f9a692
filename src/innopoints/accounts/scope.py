"""What each user may see, as querysets and plain checks. Every view, export and API endpoint
goes through these (directly or through the rules in ``rules.py``), never through menus alone."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from innopoints.accounts.models import Profile, Role
from innopoints.registry.models import Enterprise, Institution, Region


def profile_of(user: Any) -> Profile | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.profile  # type: ignore[no-any-return]
    except Profile.DoesNotExist:
        return None


def role_of(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    profile = profile_of(user)
    return profile.role if profile else None


def is_admin(user: Any) -> bool:
    return role_of(user) == Role.ADMIN


def region_of(user: Any) -> Region | None:
    """The government user's division (None for every other role)."""
    profile = profile_of(user)
    if role_of(user) != Role.GOVERNMENT or profile is None:
        return None
    return profile.region


def institution_of(user: Any) -> Institution | None:
    profile = profile_of(user)
    return profile.institution if role_of(user) == Role.INSTITUTION and profile else None


def enterprise_of(user: Any) -> Enterprise | None:
    profile = profile_of(user)
    return profile.enterprise if role_of(user) == Role.ENTERPRISE and profile else None


def region_prefix(user: Any) -> str | None:
    """'' for the whole country (admins), a code prefix for government users, None otherwise."""
    if is_admin(user):
        return ""
    region = region_of(user)
    return region.code_prefix() if region else None


def governs_region(user: Any, region: Region | None) -> bool:
    """The user governs this division (a run scope; None = every enterprise in the system)."""
    prefix = region_prefix(user)
    if prefix is None:
        return False
    if prefix == "":
        return True
    if region is None:
        # a run over every enterprise: governed by a user whose division holds them all
        # (a provincial department in a provincial deployment)
        return not Enterprise.objects.exclude(region__code__startswith=prefix).exists()
    return region.code.startswith(prefix)


def overlaps_region(user: Any, region: Region | None) -> bool:
    """The division and the user's jurisdiction share enterprises (either contains the other):
    a Chengdu user reads a province-wide run, restricted to Chengdu's enterprises."""
    prefix = region_prefix(user)
    if prefix is None:
        return False
    if prefix == "" or region is None:
        return True
    return region.code.startswith(prefix) or prefix.startswith(region.code_prefix())


def governed_enterprises(user: Any) -> QuerySet[Enterprise]:
    prefix = region_prefix(user)
    if prefix is None:
        return Enterprise.objects.none()
    if prefix == "":
        return Enterprise.objects.all()
    return Enterprise.objects.filter(region__code__startswith=prefix)


def enterprise_filter(user: Any, field: str = "enterprise") -> Q:
    """A filter on any model with an enterprise foreign key: the enterprises the government
    user governs (everything for admins, nothing for others)."""
    prefix = region_prefix(user)
    if prefix is None:
        return Q(pk__in=[])
    if prefix == "":
        return Q()
    return Q(**{f"{field}__region__code__startswith": prefix})


def _ancestor_codes(region: Region) -> list[str]:
    codes = []
    current = region.parent
    while current is not None:
        codes.append(current.code)
        current = current.parent
    return codes


def run_filter(user: Any) -> Q:
    """Runs a government user may read: country-wide ones, those of a division above theirs
    (restricted to their enterprises on every page) and those inside their jurisdiction."""
    prefix = region_prefix(user)
    if prefix is None:
        return Q(pk__in=[])
    if prefix == "":
        return Q()
    region = region_of(user)
    assert region is not None
    return (
        Q(region__isnull=True)
        | Q(region__code__startswith=prefix)
        | Q(region_id__in=_ancestor_codes(region))
    )


def narrowing_prefix(user: Any, run_region: Region | None) -> str | None:
    """The region prefix a government user's view of a run must be restricted to, or None
    when the run lies wholly inside the user's jurisdiction."""
    prefix = region_prefix(user)
    if not prefix:
        return None
    if run_region is not None and run_region.code.startswith(prefix):
        return None
    return prefix


def governed_regions(user: Any) -> QuerySet[Region]:
    prefix = region_prefix(user)
    if prefix is None:
        return Region.objects.none()
    return Region.objects.filter(code__startswith=prefix) if prefix else Region.objects.all()
