"""Permissions of 积分应用 (django-rules, loaded by rules' autodiscovery): sending a published
积分榜 to institutions, and the financing records institutions keep."""

from __future__ import annotations

from typing import Any

import rules

from innopoints.accounts import scope
from innopoints.accounts.rules import governs, institution_of_record, is_institution
from innopoints.analysis.rules import governs_board, reads_board
from innopoints.applications.models import Dispatch
from innopoints.collection.rules import authorised_by_enterprise


@rules.predicate
def board_sent_to_institution(user: Any, board: Any) -> bool:
    institution = scope.institution_of(user)
    if board is None or institution is None or board.status != "published":
        return False
    return Dispatch.objects.filter(board=board, institution=institution).exists()


# a government reads the boards of its divisions; an institution those sent to it
rules.add_perm("analysis.view_board", (governs & reads_board) | board_sent_to_institution)
rules.add_perm("applications.send_list", governs & governs_board)
rules.add_perm("applications.record_financing", is_institution & authorised_by_enterprise)
rules.add_perm("applications.update_financing", is_institution & institution_of_record)
