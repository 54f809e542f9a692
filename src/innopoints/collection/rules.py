"""Permissions over enterprises' data (django-rules, loaded by rules' autodiscovery): an
enterprise's file opens to its government, to itself and to an institution it authorised
(``collection.access``); imports and findings are the government's."""

from __future__ import annotations

from typing import Any

import rules

from innopoints.accounts import scope
from innopoints.accounts.rules import governs
from innopoints.collection import access


@rules.predicate
def may_view_enterprise_file(user: Any, enterprise: Any) -> bool:
    return enterprise is not None and access.can_view_enterprise_file(user, enterprise)


@rules.predicate
def authorised_by_enterprise(user: Any, enterprise: Any) -> bool:
    return enterprise is not None and access.authorised_scope(user, enterprise) is not None


@rules.predicate
def owns_authorisation(user: Any, grant: Any) -> bool:
    own = scope.enterprise_of(user)
    return own is not None and grant is not None and grant.enterprise_id == own.pk


@rules.predicate
def governs_finding(user: Any, finding: Any) -> bool:
    if finding is not None and finding.enterprise_id is None:  # a source's delivery problem
        return access.governs_sources(user)
    return finding is not None and access.can_view_enterprise_file(user, finding.enterprise)


@rules.predicate
def governs_sources(user: Any) -> bool:
    return access.governs_sources(user)


@rules.predicate
def owns_dispute(user: Any, dispute: Any) -> bool:
    own = scope.enterprise_of(user)
    return own is not None and dispute is not None and dispute.enterprise_id == own.pk


rules.add_perm("registry.view_enterprise_file", may_view_enterprise_file)
rules.add_perm("registry.invite_enterprise", governs & may_view_enterprise_file)
rules.add_perm("collection.import_data", governs)
rules.add_perm("collection.manage_authorisation", owns_authorisation)
rules.add_perm("collection.resolve_finding", governs & governs_finding)
rules.add_perm("collection.view_dispute", owns_dispute)
rules.add_perm("collection.manage_source", governs & governs_sources)
