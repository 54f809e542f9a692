"""Permissions of 融资申请 (django-rules, loaded by rules' autodiscovery): a bank invites
enterprises of the lists it received; government reads the applications of its division and
never moves one (the workflow's sides decide the moves)."""

from __future__ import annotations

import rules

from innopoints.accounts.rules import governs, is_institution

rules.add_perm("lending.invite", is_institution)
rules.add_perm("lending.view_division", governs)
