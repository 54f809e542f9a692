"""Object-level permissions (django-rules), loaded by rules' autodiscovery. Views, exports and
the API ask ``user.has_perm(name, obj)``; the predicates are the checks in ``scope.py``."""

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
def may_view_enterprise_file(user: Any, enterprise: Any) -> bool:
    return enterprise is not None and scope.can_view_enterprise_file(user, enterprise)


@rules.predicate
def reads_run(user: Any, run: Any) -> bool:
    return run is not None and scope.overlaps_region(user, run.region)


@rules.predicate
def governs_run(user: Any, run: Any) -> bool:
    return run is not None and scope.governs_region(user, run.region)


@rules.predicate
def governs_board(user: Any, board: Any) -> bool:
    return board is not None and scope.governs_region(user, board.run.region)


@rules.predicate
def reads_board(user: Any, board: Any) -> bool:
    return board is not None and scope.overlaps_region(user, board.run.region)


@rules.predicate
def board_sent_to_institution(user: Any, board: Any) -> bool:
    institution = scope.institution_of(user)
    if board is None or institution is None or board.status != "published":
        return False
    return board.dispatches.filter(institution=institution).exists()  # type: ignore[no-any-return]


@rules.predicate
def governs_division(user: Any, region: Any) -> bool:
    return scope.governs_region(user, region)


@rules.predicate
def owns_authorisation(user: Any, grant: Any) -> bool:
    own = scope.enterprise_of(user)
    return own is not None and grant is not None and grant.enterprise_id == own.pk


@rules.predicate
def authorised_by_enterprise(user: Any, enterprise: Any) -> bool:
    return enterprise is not None and scope.authorised_scope(user, enterprise) is not None


@rules.predicate
def institution_of_record(user: Any, record: Any) -> bool:
    institution = scope.institution_of(user)
    return (
        institution is not None and record is not None and record.institution_id == institution.pk
    )


governs = is_platform_admin | is_government

rules.add_perm("portals.government", governs)
rules.add_perm("portals.institution", is_institution)
rules.add_perm("portals.enterprise", is_enterprise_user)

rules.add_perm("registry.view_enterprise_file", may_view_enterprise_file)
rules.add_perm("registry.invite_enterprise", governs & may_view_enterprise_file)

rules.add_perm("collection.import_data", governs)
rules.add_perm("collection.manage_authorisation", owns_authorisation)

rules.add_perm("scoring.view_run", governs & reads_run)
rules.add_perm("scoring.start_run", governs & governs_division)
rules.add_perm("scoring.manage_run", governs & governs_run)

rules.add_perm("analysis.view_board", (governs & reads_board) | board_sent_to_institution)
rules.add_perm("analysis.manage_board", governs & governs_board)

rules.add_perm("applications.send_list", governs & governs_board)
rules.add_perm("applications.record_financing", is_institution & authorised_by_enterprise)
rules.add_perm("applications.update_financing", is_institution & institution_of_record)
rules.add_perm("accounts.invite_institution_user", is_platform_admin)


@rules.predicate
def governs_finding(user: Any, finding: Any) -> bool:
    return finding is not None and scope.can_view_enterprise_file(user, finding.enterprise)


rules.add_perm("collection.resolve_finding", governs & governs_finding)
