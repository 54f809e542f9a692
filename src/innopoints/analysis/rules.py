"""Permissions over 积分榜 (django-rules, loaded by rules' autodiscovery). Who may *view* a
board is registered by applications/rules.py: an institution sees a board sent to it, and
sending is the applications app's."""

from __future__ import annotations

from typing import Any

import rules

from innopoints.accounts import scope
from innopoints.accounts.rules import governs


@rules.predicate
def governs_board(user: Any, board: Any) -> bool:
    return board is not None and scope.governs_region(user, board.run.region)


@rules.predicate
def reads_board(user: Any, board: Any) -> bool:
    return board is not None and scope.overlaps_region(user, board.run.region)


rules.add_perm("analysis.manage_board", governs & governs_board)


@rules.predicate
def governs_every_enterprise(user: Any) -> bool:
    # pools apply to every run, so only a user whose division holds every enterprise (the
    # provincial department in a provincial deployment, or a platform administrator)
    return scope.governs_region(user, None)


rules.add_perm("analysis.manage_pool", governs & governs_every_enterprise)
