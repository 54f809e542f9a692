"""Permissions of 风险补偿与奖补 (django-rules, loaded by rules' autodiscovery): a government
user manages the programmes and schemes of its division and decides the filings, claims and
subsidies of loans to enterprises in it; a bank files and claims only its own loans."""

from __future__ import annotations

from typing import Any

import rules

from innopoints.accounts import scope
from innopoints.accounts.rules import governs, is_institution


@rules.predicate
def governs_area(user: Any, thing: Any) -> bool:
    """A programme or scheme: the user governs its area (no area: the whole deployment)."""
    return thing is not None and scope.governs_region(user, thing.region)


@rules.predicate
def governs_borrower(user: Any, thing: Any) -> bool:
    """A filing, claim or subsidy: the user governs the division of the enterprise financed."""
    if thing is None:
        return False
    filing = getattr(thing, "filing", None)
    financing = filing.financing if filing is not None else thing.financing
    region = financing.enterprise.region
    return region is not None and scope.governs_region(user, region)


@rules.predicate
def institution_filed(user: Any, filing: Any) -> bool:
    institution = scope.institution_of(user)
    return (
        institution is not None and filing is not None and filing.institution_id == institution.pk
    )


rules.add_perm("programmes.manage_programme", governs & governs_area)
rules.add_perm("programmes.add_programme", governs)
rules.add_perm("programmes.decide", governs & governs_borrower)
rules.add_perm("programmes.file_loan", is_institution)
rules.add_perm("programmes.claim", is_institution & institution_filed)
