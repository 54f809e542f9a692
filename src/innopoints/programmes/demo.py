"""Demo data of 风险补偿与奖补 (called by ops/demo.py after lending/demo.py): one programme in
Chengdu with the two demo banks, which file into it the loans the lending demo disbursed, so
the demo tells one story from score to money: 申请 → 放款 → 备案 → 前置审核 (one filing still
waiting) → one loan defaults (its bank records it on the application) → the claim is approved
and paid from the pool, and the application shows 已代偿 → a loan still running gets an
interest subsidy and a first-loan award. Every step goes through pool, subsidies and the
lending workflow, as a real one does. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from innopoints.applications.models import Financing
from innopoints.lending import workflow
from innopoints.lending.demo import BANKS, banker
from innopoints.lending.models import Application
from innopoints.programmes import pool, subsidies
from innopoints.programmes.models import Filing, Programme, SubsidyScheme
from innopoints.registry.models import Institution, Region

NAME = "成都市科技型中小企业贷款风险补偿资金池（示例）"
REGION = "510100"
FILING_DAYS = 30


def running_loans(region: Region, today: dt.date) -> list[Financing]:
    """The demo banks' loans in the region that are still running (their application 已放款),
    not filed yet and disbursed recently enough to be filed, oldest first."""
    return list(
        Financing.objects.filter(
            kind=Financing.Kind.LOAN,
            status=Financing.Status.DISBURSED,
            application__status=Application.Status.DISBURSED,
            institution__name__in=BANKS,
            enterprise__region__code__startswith=region.code_prefix(),
            disbursed_on__gte=today - dt.timedelta(days=FILING_DAYS),
            disbursed_on__lte=today,
        )
        .exclude(pk__in=Filing.objects.values("financing_id"))
        .select_related("enterprise__region", "institution")
        .order_by("disbursed_on", "pk")
    )


def _default(financing: Financing) -> None:
    """The borrower stops paying: its bank marks the application overdue, then defaulted."""
    application = Application.objects.get(financing=financing)
    bank_user = banker(financing.institution)
    workflow.transition(application, Application.Status.OVERDUE, user=bank_user)
    workflow.mark_defaulted(application, user=bank_user, note="逾期超过 90 天，认定违约")
    financing.refresh_from_db()


def build(admin: Any, today: dt.date | None = None) -> Programme | None:
    """The demo's programme (made once); None when the lending demo has fewer than three
    running loans in Chengdu to file."""
    existing = Programme.objects.filter(name=NAME).first()
    if existing is not None:
        return existing
    today = today or timezone.localdate()
    chengdu = Region.objects.filter(code=REGION).first()
    if chengdu is None:
        return None
    loans = running_loans(chengdu, today)
    if len(loans) < 3:
        return None
    kept, defaulting, waiting = loans[:3]
    with transaction.atomic():
        tiers = sorted({pool.enterprise_tier(f) for f in (kept, defaulting, waiting)})
        programme = Programme(
            name=NAME,
            region=chengdu,
            fund_size=Decimal("5000.00"),
            bank_share=Decimal("40"),
            pool_share=Decimal("40"),
            guarantor_share=Decimal("20"),
            per_loan_cap=Decimal("200.00"),
            filing_days=FILING_DAYS,
            eligible_tiers=[t for t in tiers if t] if all(tiers) else [],
            valid_from=today - dt.timedelta(days=365),
        )
        programme.full_clean()
        programme.save()
        programme.institutions.set(Institution.objects.filter(name__in=BANKS))
        pool.add_funds(programme, "2000", admin, "市级财政首期注入")
        filings = [
            pool.file_loan(
                programme,
                loan,
                loan.institution,
                banker(loan.institution),
                reference=f"DEMO-{n:03d}",
                flexible_use=loan is defaulting,
                on=today,
            )
            for n, loan in enumerate((kept, defaulting, waiting), start=1)
        ]
        # the government checks two; the third waits for its check
        for filing in filings[:2]:
            pool.check_filing(filing, accept=True, reason="", user=admin)
        # the second defaults with nothing recovered: its amount × 40 % is paid from the pool
        _default(defaulting)
        bank = defaulting.institution
        claim = pool.file_claim(
            filings[1], defaulting.amount, bank, banker(bank), reference="DEMO-C-001"
        )
        claim = pool.decide_claim(claim, approve=True, reason="", user=admin)
        pool.pay_claim(claim, admin)  # the application becomes 已代偿

        interest = SubsidyScheme.objects.create(
            name="科创积分贷贴息（示例）",
            kind=SubsidyScheme.Kind.INTEREST,
            region=chengdu,
            base=SubsidyScheme.Base.AMOUNT,
            rate=Decimal("1.5"),
            cap=Decimal("20.00"),
            max_months=12,
            valid_from=today - dt.timedelta(days=365),
        )
        SubsidyScheme.objects.create(
            name="科技型企业担保费补贴（示例）",
            kind=SubsidyScheme.Kind.GUARANTEE_FEE,
            region=chengdu,
            financing_kind=Financing.Kind.GUARANTEE,
            base=SubsidyScheme.Base.PAID,
            rate=Decimal("50"),
            cap=Decimal("10.00"),
            valid_from=today - dt.timedelta(days=365),
        )
        SubsidyScheme.objects.create(
            name="首贷积分奖（示例）",
            kind=SubsidyScheme.Kind.AWARD,
            region=chengdu,
            base=SubsidyScheme.Base.FIXED,
            fixed_amount=Decimal("5.00"),
            valid_from=today - dt.timedelta(days=365),
        )
        disbursed = kept.disbursed_on
        assert disbursed is not None
        # the first quarter's interest subsidy of the loan still running
        paid = subsidies.propose(
            interest, kept, admin, start=disbursed, end=disbursed + dt.timedelta(days=90)
        )
        subsidies.decide(paid, approve=True, reason="", user=admin)
        subsidies.pay(paid, admin)
        # first-loan awards: paid for the running loan, the waiting one's still to review
        awards = subsidies.propose_awards(
            admin, on=today, financings=Financing.objects.filter(pk__in=[kept.pk, waiting.pk])
        )
        for award in awards:
            if award.financing_id == kept.pk:
                subsidies.decide(award, approve=True, reason="", user=admin)
                subsidies.pay(award, admin)
    return programme
