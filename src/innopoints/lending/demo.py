"""Demo data of 融资申请: applications in every state, from Chengdu's top-ranked enterprises
to the two demo banks (a provincial branch and a Chengdu branch, whose products
applications/demo_offerings.py publishes), each driven through ``workflow`` step by step
(events, messages, audit and the financing record of a disbursement are those a real one has).
The loans (disbursed and later) go to enterprises without an earlier loan — 首贷 — and two
more running loans are made for the risk-compensation programme (programmes/demo.py), which
files the running ones into its pool. Called by ops/demo.py after scoring; idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from innopoints.accounts.models import Profile, Role
from innopoints.applications.models import Financing, Offering
from innopoints.lending import workflow
from innopoints.lending.models import Application
from innopoints.registry.models import Enterprise, Institution
from innopoints.scoring.models import Result, Run

S = Application.Status

# the steps after 提交 that lead to each state, with what is said at each
ROUTES: dict[str, list[str]] = {
    S.SUBMITTED: [],
    S.ACCEPTED: [S.ACCEPTED],
    S.MORE_INFO: [S.ACCEPTED, S.MORE_INFO],
    S.REVIEWING: [S.ACCEPTED, S.MORE_INFO, S.REVIEWING],
    S.APPROVED: [S.ACCEPTED, S.REVIEWING, S.APPROVED],
    S.REJECTED: [S.ACCEPTED, S.REVIEWING, S.REJECTED],
    S.WITHDRAWN: [S.WITHDRAWN],
    S.DISBURSED: [S.ACCEPTED, S.REVIEWING, S.APPROVED, S.DISBURSED],
    S.SETTLED: [S.ACCEPTED, S.REVIEWING, S.APPROVED, S.DISBURSED, S.SETTLED],
    S.OVERDUE: [S.ACCEPTED, S.REVIEWING, S.APPROVED, S.DISBURSED, S.OVERDUE],
    S.DEFAULTED: [S.ACCEPTED, S.REVIEWING, S.APPROVED, S.DISBURSED, S.OVERDUE, S.DEFAULTED],
}
NOTES = {
    S.MORE_INFO: "请补充近两年财务报表和知识产权证明",
    S.REVIEWING: "已补充材料",
    S.REJECTED: "经营现金流不足以覆盖还款",
    S.WITHDRAWN: "已获得其他融资，撤回申请",
    S.DEFAULTED: "逾期超过 90 天，认定违约",
}
# the running loans the programme demo files: the one of ROUTES and these two
EXTRA_LOANS = [S.DISBURSED, S.DISBURSED]
PLAN: list[str] = [*ROUTES, *EXTRA_LOANS]
LENT = {S.DISBURSED, S.SETTLED, S.OVERDUE, S.DEFAULTED}
BANKS = ("示例银行四川省分行", "示例农村商业银行成都分行")
HOME = "5101"  # 成都市: where the demo's applicants are (others of the province if too few)


def _user_for(name: str, role: str, **bound: Any) -> Any:
    """The first user bound to the enterprise or institution; else a demo user that cannot sign
    in (its password unusable)."""
    found = Profile.objects.filter(role=role, **bound).select_related("user").first()
    if found is not None:
        return found.user
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", None)
    Profile.objects.create(user=user, role=role, **bound)
    return user


def banker(bank: Institution) -> Any:
    """The user who works the bank's side in the demo."""
    return _user_for(f"demo-banker-{bank.pk}", Role.INSTITUTION, institution=bank)


def _offering(bank: Institution, k: int) -> Offering:
    existing = Offering.objects.filter(institution=bank, kind="loan", active=True).first()
    if existing is not None:
        return existing
    offering, _ = Offering.objects.get_or_create(
        code=f"demo-credit-loan-{k}",
        defaults={
            "name": f"科创积分贷（{bank.name}，示例）",
            "kind": "loan",
            "institution": bank,
            "valid_from": dt.date(2025, 1, 1),
            "example": True,
            "description": "按创新积分档次给予信用贷款（示例产品）",
            "eligibility": [{"test": "fact", "field": "revenue", "min": 0}],
        },
    )
    return offering


def _applicants(run: Run) -> dict[int, int]:
    """The enterprise (id) of each place in ``PLAN``: Chengdu's best-ranked first, the loans to
    those without a loan yet; the rest of the province only when Chengdu has too few (places
    left out when the province has too few)."""
    ranked = Result.objects.filter(run=run, vetoed=False).order_by("rank")
    borrowers = Financing.objects.filter(kind=Financing.Kind.LOAN).values("enterprise_id")
    home = list(
        ranked.filter(region_code__startswith=HOME)
        .exclude(enterprise_id__in=borrowers)
        .values_list("enterprise_id", flat=True)[: len(PLAN)]
    )
    away = list(
        ranked.exclude(enterprise_id__in=home)
        .exclude(enterprise_id__in=borrowers)
        .values_list("enterprise_id", flat=True)[: len(PLAN)]
    )
    lent = [k for k, state in enumerate(PLAN) if state in LENT]
    chosen: dict[int, int] = {}
    for k in [*lent, *(k for k in range(len(PLAN)) if k not in lent)]:
        queue = home or away
        if not queue:
            break
        chosen[k] = queue.pop(0)
    return chosen


def demo_applications(run: Run) -> int:
    """Applications in every state, and two more running loans (one enterprise each,
    alternating between two banks); how many were made (0 when the demo already has
    applications)."""
    if Application.objects.exists():
        return 0
    banks = [Institution.objects.get_or_create(name=n, defaults={"kind": "bank"})[0] for n in BANKS]
    offerings = [_offering(bank, k) for k, bank in enumerate(banks)]
    bankers = [banker(bank) for bank in banks]
    applicants = _applicants(run)
    made = 0
    # application k asks 100 + 15k 万元 and is granted 80 + 15k (within both products' caps)
    for k, state in enumerate(PLAN):
        if k not in applicants:
            continue
        enterprise = Enterprise.objects.get(pk=applicants[k])
        owner = _user_for(f"demo-owner-{enterprise.pk}", Role.ENTERPRISE, enterprise=enterprise)
        side_users = {workflow.BANK: bankers[k % 2], workflow.ENTERPRISE: owner}
        with transaction.atomic():
            app = workflow.submit(
                enterprise,
                offerings[k % 2],
                user=owner,
                amount_requested=Decimal(100 + 15 * k),
                term_months=12,
                note="申请科创积分贷用于研发投入",
            )
            for step in ROUTES[state]:
                side = workflow.TRANSITIONS[(app.status, step)]
                data = {}
                if step == S.APPROVED:
                    data = {"amount": str(Decimal(80 + 15 * k)), "rate": "3.450", "term_months": 12}
                workflow.transition(
                    app, step, user=side_users[side], note=NOTES.get(step, ""), data=data
                )
        made += 1
    return made
