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
