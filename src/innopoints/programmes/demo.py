"""Demo data of 风险补偿与奖补 (called by ops/demo.py): one programme in Chengdu with two
banks, loans filed and checked (one waiting for its check), one default with its claim paid, an
interest subsidy computed and paid, a first-loan award approved and paid. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from innopoints.applications.models import Financing
from innopoints.programmes import pool, subsidies
from innopoints.programmes.models import Programme, SubsidyScheme
from innopoints.registry.models import Enterprise, Institution, Region

NAME = "成都市科技型中小企业贷款风险补偿资金池（示例）"
BANKS = ("示例银行四川省分行", "示例农商银行成都分行")


def _loan(enterprise: Enterprise, bank: Institution, amount: str, on: dt.date, user: Any) -> Any:
    return Financing.objects.create(
        enterprise=enterprise,
        institution=bank,
        kind=Financing.Kind.LOAN,
        product="科创积分贷",
        applied_on=on - dt.timedelta(days=13),
        amount_requested=Decimal(amount),
        status=Financing.Status.DISBURSED,
        amount=Decimal(amount),
        rate=Decimal("3.450"),
        term_months=12,
        decided_on=on - dt.timedelta(days=3),
        disbursed_on=on,
        note="示例数据",
        recorded_by=user,
    )


def build(admin: Any, today: dt.date | None = None) -> Programme | None:
    """The demo's programme (made once); None when the registry has too few Chengdu
    enterprises to show it."""
    existing = Programme.objects.filter(name=NAME).first()
    if existing is not None:
        return existing
    today = today or timezone.localdate()
    chengdu = Region.objects.filter(code="510100").first()
    enterprises = list(
        Enterprise.objects.filter(region__code__startswith="5101")
        .exclude(financings__kind=Financing.Kind.LOAN)
        .order_by("pk")[:3]
    )
    if chengdu is None or len(enterprises) < 3:
        return None
    with transaction.atomic():
        bank_a, _ = Institution.objects.get_or_create(name=BANKS[0], defaults={"kind": "bank"})
        bank_b, _ = Institution.objects.get_or_create(name=BANKS[1], defaults={"kind": "bank"})
        disbursed = today - dt.timedelta(days=20)
        first, second, third = (
            _loan(enterprises[0], bank_a, "500", disbursed, admin),
            _loan(enterprises[1], bank_a, "300", disbursed, admin),
            _loan(enterprises[2], bank_b, "200", disbursed + dt.timedelta(days=2), admin),
        )
        tiers = sorted({pool.enterprise_tier(f) for f in (first, second, third)})
        programme = Programme(
            name=NAME,
            region=chengdu,
            fund_size=Decimal("5000.00"),
            bank_share=Decimal("40"),
            pool_share=Decimal("40"),
            guarantor_share=Decimal("20"),
            per_loan_cap=Decimal("200.00"),
            filing_days=30,
            eligible_tiers=[t for t in tiers if t] if all(tiers) else [],
            valid_from=today - dt.timedelta(days=365),
        )
        programme.full_clean()
        programme.save()
        programme.institutions.set([bank_a, bank_b])
        pool.add_funds(programme, "2000", admin, "市级财政首期注入")
        on = disbursed + dt.timedelta(days=5)
        f1 = pool.file_loan(programme, first, bank_a, admin, reference="DEMO-A-001", on=on)
        f2 = pool.file_loan(
            programme, second, bank_a, admin, reference="DEMO-A-002", flexible_use=True, on=on
        )
        pool.file_loan(programme, third, bank_b, admin, reference="DEMO-B-001", on=on)
        pool.check_filing(f1, accept=True, reason="", user=admin)
        pool.check_filing(f2, accept=True, reason="", user=admin)
        # the second loan defaults: 250 lost × 40 % = 100 paid from the pool
        second.status = Financing.Status.DEFAULTED
        second.save()
        claim = pool.file_claim(f2, "250", bank_a, admin, reference="DEMO-A-C001")
        claim = pool.decide_claim(claim, approve=True, reason="", user=admin)
        pool.pay_claim(claim, admin)

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
        paid = subsidies.propose(
            interest, first, admin, start=disbursed, end=disbursed + dt.timedelta(days=90)
        )
        subsidies.decide(paid, approve=True, reason="", user=admin)
        subsidies.pay(paid, admin)
        awards = subsidies.propose_awards(
            admin, on=today, financings=Financing.objects.filter(pk__in=[first.pk, third.pk])
        )
        for award in awards:
            if award.financing_id == first.pk:
                subsidies.decide(award, approve=True, reason="", user=admin)
                subsidies.pay(award, admin)
    return programme
