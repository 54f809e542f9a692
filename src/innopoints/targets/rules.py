"""Permissions of 目标与融资漏斗 (django-rules, loaded by rules' autodiscovery): a provincial
government (or the platform) sets the targets of any division in its jurisdiction, a city or
county only those of its own division; government and institutions read the funnel (an
institution only its own rows, ``funnel.py``)."""

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
