"""Demo: two banks each publish one loan product through the publishing service (draft →
待审核), and the provincial government puts both on the shelf (上架). Called by the demo
(``ops/demo.py``) after the demo run is scored; idempotent (by institution and name).
Example data, labelled as such in the descriptions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model

from innopoints.applications import publishing
from innopoints.applications.models import Offering
from innopoints.registry.models import Institution, Region

PRODUCTS: list[dict[str, Any]] = [
    {
        "institution": ("示例银行四川省分行", "bank"),
        "name": "科创积分快贷（示例）",
        "description": "示例产品：积分未清零、积分 A、B 档的企业，信用贷款最高 800 万元，"
        "不超过近两年平均营业收入的 25%；一年期 LPR 加点，A 档 +40bp、B 档 +60bp。",
        "eligibility": [{"test": "no_veto"}, {"test": "tier", "in": ["A", "B"]}],
        "terms": {
            "max_amount": 800,
            "amount": {"revenue_multiple": 0.25},
            "rate": {"base": "lpr_1y", "spread_bp": 80, "tier_spread_bp": {"A": 40, "B": 60}},
            "term_months": 12,
        },
    },
    {
        "institution": ("示例农村商业银行成都分行", "bank"),
        "name": "成长积分贷（示例）",
        "description": "示例产品：积分未清零、全省积分前 30% 的企业，信用贷款最高 300 万元，"
        "不超过近两年平均营业收入的 15%；一年期 LPR +90bp，A 档 +70bp。",
        "eligibility": [{"test": "no_veto"}, {"test": "rank_share", "max": 30}],
        "terms": {
            "max_amount": 300,
            "amount": {"revenue_multiple": 0.15},
            "rate": {"base": "lpr_1y", "spread_bp": 90, "tier_spread_bp": {"A": 70}},
            "guarantee_share": 50,
            "term_months": 12,
        },
    },
]


def _user_of(role: str, **bound: Any) -> Any:
    found = (
        get_user_model()
        .objects.filter(profile__role=role, **{f"profile__{k}": v for k, v in bound.items()})
        .first()
    )
    return found or get_user_model().objects.filter(is_superuser=True).order_by("pk").first()


def publish_demo_offerings(reviewer: Any = None) -> list[Offering]:
    """Publish and shelve the two demo products; returns them (on the shelf)."""
    province = Region.objects.filter(code="510000").first()
    reviewer = reviewer or _user_of("government", region=province)
    shelved = []
    for product in PRODUCTS:
        name, kind = product["institution"]
        institution, _ = Institution.objects.get_or_create(name=name, defaults={"kind": kind})
        existing = Offering.objects.filter(institution=institution, name=product["name"]).first()
        if existing is not None and existing.review_state == Offering.Review.ON_SHELF:
            shelved.append(existing)
            continue
        author = _user_of("institution", institution=institution)
        if existing is not None and existing.review_state == Offering.Review.PENDING:
            shelved.append(publishing.approve(existing, reviewer))
            continue
        data = {
            "name": product["name"],
            "kind": Offering.Kind.LOAN,
            "region": province,
            "valid_from": dt.date(2025, 1, 1),
            "valid_to": None,
            "description": product["description"],
            "eligibility": product["eligibility"],
            "terms": product["terms"],
            "example": True,
        }
        offering = publishing.save_draft(institution, data, author, existing)
        offering = publishing.submit(offering, author)
        shelved.append(publishing.approve(offering, reviewer))
    return shelved
