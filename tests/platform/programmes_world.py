"""A small world for the programme tests: two banks, a city, enterprises in Chengdu and in
Mianyang, loans recorded as the lending app records them (with the tier applied with)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from innopoints.accounts.models import Profile, Role
from innopoints.applications.models import Financing
from innopoints.lending.models import Application
from innopoints.programmes.models import Programme
from innopoints.registry.models import Enterprise, Institution, Region
from tests.conftest import codes

DISBURSED = dt.date(2026, 3, 2)
TODAY = dt.date(2026, 3, 20)


@dataclass
class World:
    admin: Any
    city: Any  # 成都 government
    away_city: Any  # 绵阳 government
    bank_a: Institution
    bank_b: Institution
    banker_a: Any
    banker_b: Any
    local: list[Enterprise]
    away: Enterprise
    programme: Programme
    extra: dict[str, Any] = field(default_factory=dict)

    def loan(
        self,
        enterprise: Enterprise,
        bank: Institution | None = None,
        *,
        amount: str = "100",
        tier: str = "A",
        disbursed: dt.date = DISBURSED,
        status: str = "disbursed",
        term: int = 12,
        kind: str = "loan",
    ) -> Financing:
        bank = bank or self.bank_a
        financing = Financing.objects.create(
            enterprise=enterprise,
            institution=bank,
            kind=kind,
            product="科创积分贷",
            applied_on=disbursed - dt.timedelta(days=10),
            status=status,
            amount=Decimal(amount),
            rate=Decimal("3.500"),
            term_months=term,
            decided_on=disbursed - dt.timedelta(days=3),
            disbursed_on=disbursed,
            recorded_by=self.admin,
        )
        Application.objects.create(
            enterprise=enterprise,
            institution=bank,
            status="disbursed",
            tier=tier,
            financing=financing,
            created_by=self.admin,
        )
        return financing


def user(name: str, role: str, **profile: Any) -> Any:
    made = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw")
    Profile.objects.create(user=made, role=role, **profile)
    return made


def make_world(**programme: Any) -> World:
    admin = get_user_model().objects.create_superuser("root", "root@example.invalid", "pw")
    chengdu = Region.objects.get(code="510100")
    mianyang = Region.objects.get(code="510700")
    bank_a = Institution.objects.create(name="甲银行", kind="bank")
    bank_b = Institution.objects.create(name="乙银行", kind="bank")
    local = [
        Enterprise.objects.create(
            credit_code=code, name=f"成都企业{i}", region=Region.objects.get(code="510107")
        )
        for i, code in enumerate(codes(4, "510107"))
    ]
    away = Enterprise.objects.create(
        credit_code=codes(1, "510703")[0], name="绵阳企业", region=Region.objects.get(code="510703")
    )
    settings = {
        "name": "成都市科技型企业贷款风险补偿资金池",
        "region": chengdu,
        "fund_size": Decimal("1000.00"),
        "bank_share": Decimal("40"),
        "pool_share": Decimal("40"),
        "guarantor_share": Decimal("20"),
        "per_loan_cap": Decimal("50.00"),
        "filing_days": 30,
        "eligible_tiers": ["A", "B"],
        "valid_from": dt.date(2026, 1, 1),
    }
    settings.update(programme)
    made = Programme(**settings)
    made.full_clean()
    made.save()
    made.institutions.set([bank_a, bank_b])
    return World(
        admin=admin,
        city=user("chengdu", Role.GOVERNMENT, region=chengdu),
        away_city=user("mianyang", Role.GOVERNMENT, region=mianyang),
        bank_a=bank_a,
        bank_b=bank_b,
        banker_a=user("banker_a", Role.INSTITUTION, institution=bank_a),
        banker_b=user("banker_b", Role.INSTITUTION, institution=bank_b),
        local=local,
        away=away,
        programme=made,
    )
