"""Object-level permissions (django-rules): the predicates on a user's role and divisions that
every app's own ``rules.py`` combines into its permissions (rules' autodiscovery loads each).
Views, exports and the API ask ``user.has_perm(name, obj)``."""

from __future__ import annotations

from typing import Any

import rules

from innopoints.accounts import scope
from innopoints.accounts.models import Role


@rules.predicate
def is_platform_admin(user: Any) -> bool:
    return scope.role_of(user) == Role.ADMIN


@rules.predicate
def is_government(user: Any) -> bool:
    return scope.role_of(user) == Role.GOVERNMENT


@rules.predicate
def is_institution(user: Any) -> bool:
    return scope.role_of(user) == Role.INSTITUTION


@rules.predicate
def is_enterprise_user(user: Any) -> bool:
    return scope.role_of(user) == Role.ENTERPRISE


@rules.predicate
def governs_division(user: Any, region: Any) -> bool:
    return scope.governs_region(user, region)


@rules.predicate
def institution_of_record(user: Any, record: Any) -> bool:
    """The record (a financing, a dispatch) names the user's institution."""
    institution = scope.institution_of(user)
    return (
        institution is not None and record is not None and record.institution_id == institution.pk
    )


governs = is_platform_admin | is_government

rules.add_perm("accounts.invite_institution_user", is_platform_admin)
