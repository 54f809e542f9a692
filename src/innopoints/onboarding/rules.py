"""Who reviews self-registrations and sets the divisions' review (django-rules): a government
user of the enterprise's division or of a division above it, and the platform admin."""

from __future__ import annotations

from typing import Any

import rules

from innopoints.accounts import scope
from innopoints.accounts.rules import governs


@rules.predicate
def governs_registration(user: Any, registration: Any) -> bool:
    return registration is not None and scope.governs_region(user, registration.enterprise.region)


@rules.predicate
def governs_policy_division(user: Any, region: Any) -> bool:
    return region is not None and scope.governs_region(user, region)


rules.add_perm("onboarding.review_registration", governs & governs_registration)
rules.add_perm("onboarding.set_policy", governs & governs_policy_division)
