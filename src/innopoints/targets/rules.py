"""Permissions of 目标与融资漏斗 (django-rules, loaded by rules' autodiscovery): a provincial
government (or the platform) sets the targets of any division in its jurisdiction, a city or
county only those of its own division; government and institutions read the funnel (an
institution only its own rows, ``funnel.py``). Supervision: the province sets delivery
deadlines; a city or county uploads its own work summary, which a division above it reviews."""

from __future__ import annotations

from typing import Any

import rules

from innopoints.accounts import scope
from innopoints.accounts.rules import governs, is_institution


@rules.predicate
def sets_division_target(user: Any, division: Any) -> bool:
    """``division``: a registry Region (or a Target, by its division)."""
    if division is None:
        return scope.region_prefix(user) is not None
    division = getattr(division, "division", division)
    if scope.is_admin(user):
        return True
    own = scope.region_of(user)
    if own is None:
        return False
    if own.level == 1:
        return division.code.startswith(own.code_prefix())
    return division.code == own.code


rules.add_perm("targets.set_target", governs & sets_division_target)
rules.add_perm("targets.view_funnel", governs | is_institution)


@rules.predicate
def sets_deadline(user: Any, division: Any) -> bool:
    """The province (or the platform) sets delivery deadlines for itself and its divisions;
    ``division``: a Region, a DeliveryDeadline (by its division), or None (any)."""
    if scope.is_admin(user):
        return True
    own = scope.region_of(user)
    if own is None or own.level != 1:
        return False
    if division is None:
        return True
    division = getattr(division, "division", division)
    return bool(division.code.startswith(own.code_prefix()))


@rules.predicate
def uploads_summary(user: Any, division: Any) -> bool:
    """A city or a county uploads its own work summary (``division``: a Region or None)."""
    own = scope.region_of(user)
    if own is None or own.level == 1:
        return False
    return division is None or getattr(division, "code", None) == own.code


@rules.predicate
def reads_summary(user: Any, summary: Any) -> bool:
    """The summary's division lies in the user's jurisdiction (its own or one below)."""
    prefix = scope.region_prefix(user)
    if prefix is None:
        return False
    return summary is None or str(summary.division_id).startswith(prefix)


@rules.predicate
def reviews_summary(user: Any, summary: Any) -> bool:
    """A division above the summary's (the province, or a city for its counties) reviews it."""
    if scope.is_admin(user):
        return True
    own = scope.region_of(user)
    if own is None:
        return False
    if summary is None:
        return own.level < 3
    code = str(summary.division_id)
    return code != own.code and code.startswith(own.code_prefix())


rules.add_perm("targets.view_supervision", governs)
rules.add_perm("targets.set_deadline", governs & sets_deadline)
rules.add_perm("targets.upload_summary", governs & uploads_summary)
rules.add_perm("targets.view_summary", governs & reads_summary)
rules.add_perm("targets.review_summary", governs & reviews_summary)
