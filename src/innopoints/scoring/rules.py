"""Permissions over runs (django-rules, loaded by rules' autodiscovery): a government user
reads the runs of its division and those above it, and starts and manages its own division's."""

from __future__ import annotations

from typing import Any

import rules

from innopoints.accounts import scope
from innopoints.accounts.rules import governs, governs_division


@rules.predicate
def reads_run(user: Any, run: Any) -> bool:
    return run is not None and scope.overlaps_region(user, run.region)


@rules.predicate
def governs_run(user: Any, run: Any) -> bool:
    return run is not None and scope.governs_region(user, run.region)


rules.add_perm("scoring.view_run", governs & reads_run)
rules.add_perm("scoring.start_run", governs & governs_division)
rules.add_perm("scoring.manage_run", governs & governs_run)


# -- the indicator system (指标体系): every government user reads it; a provincial
# administrator (the platform, or a government user of the province) drafts versions, and
# another one approves a submitted draft before it is published


@rules.predicate
def is_provincial(user: Any) -> bool:
    if scope.is_admin(user):
        return True
    region = scope.region_of(user)
    return region is not None and region.level == 1


@rules.predicate
def drafted_by(user: Any, version: Any) -> bool:
    return version is not None and version.created_by_id == user.pk


@rules.predicate
def is_draft(user: Any, version: Any) -> bool:
    return version is not None and version.state == "draft"


@rules.predicate
def is_submitted(user: Any, version: Any) -> bool:
    return version is not None and version.state == "submitted"


rules.add_perm("scoring.view_scheme", governs)
rules.add_perm("scoring.draft_scheme", governs & is_provincial)
rules.add_perm("scoring.edit_scheme", governs & is_provincial & drafted_by & is_draft)
rules.add_perm("scoring.approve_scheme", governs & is_provincial & ~drafted_by & is_submitted)
