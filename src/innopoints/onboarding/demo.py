"""Self-registration in the demo: Mianyang asks for review, one Mianyang enterprise's
registration waits in its list, and two enterprises are left for a visitor to register (one
in Chengdu, which opens at once; one in Mianyang, which waits for review). The synthetic
registry has no legal representatives, so these enterprises are given one, as the market
regulator's file would (history kept). Idempotent."""

from __future__ import annotations

import secrets
from typing import Any

from innopoints.accounts.models import Profile
from innopoints.onboarding import flow
from innopoints.onboarding.models import DivisionPolicy, Registration, Status
from innopoints.registry.models import Enterprise, Region

REVIEWED_DIVISION = "510700"  # 绵阳市
NAMES = ("王建国", "李秀英", "张伟")


def _enterprise(prefix: str, offset: int, name: str) -> Enterprise | None:
    with_accounts = Profile.objects.filter(enterprise__isnull=False).values("enterprise_id")
    enterprise = (
        Enterprise.objects.filter(region__code__startswith=prefix)
        .exclude(pk__in=with_accounts)
        .order_by("pk")[offset : offset + 1]
        .first()
    )
    if enterprise is not None and not enterprise.legal_representative:
        enterprise.legal_representative = name
        enterprise.save(update_fields=["legal_representative"])
    return enterprise


def build(admin: Any) -> list[tuple[str, str, str]]:
    """Returns, for the printout, the credit code, legal representative and division of the
    enterprises a visitor may register."""
    region = Region.objects.filter(code=REVIEWED_DIVISION).first()
    if region is None:
        return []
    DivisionPolicy.objects.get_or_create(
        region=region, defaults={"requires_approval": True, "updated_by": admin}
    )
    waiting = _enterprise("5107", 0, NAMES[0])
    if waiting is not None and not Registration.objects.filter(enterprise=waiting).exists():
        registration = flow.start(
            None,
            credit_code=waiting.credit_code,
            legal_representative=waiting.legal_representative,
            email="finance@mianyang-demo.example",
            mobile="13900139000",
        )
        # the code as the applicant would have typed it: verified, password chosen
        Registration.objects.filter(pk=registration.pk).update(status=Status.VERIFIED)
        flow.choose_password(None, registration.pk, secrets.token_urlsafe(16))
    visitors = []
    for prefix, offset, name in (("5101", 1, NAMES[1]), ("5107", 1, NAMES[2])):
        enterprise = _enterprise(prefix, offset, name)
        if enterprise is not None and enterprise.region is not None:
            visitors.append(
                (enterprise.credit_code, enterprise.legal_representative, enterprise.region.name)
            )
    return visitors
