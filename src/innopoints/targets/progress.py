"""Progress against a division's target for a year: the target that applies to a government
user (its own division's; the province's for the platform), and the figures measured against
it — enterprises scored in the official run, 科技企业贷款余额 and 直接融资 from the financing
records, all within the user's division.

贷款余额 counts loans still being repaid (``OUTSTANDING``: 已放款 or 逾期). Repaid loans are
out, and so are defaulted ones: the lending workflow sets a loan's record to 违约 when its
application defaults, and it stays 违约 when the application is then 已代偿 (compensated), so
the record's state decides without joining the applications."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Q, Sum
from django.utils import timezone

from innopoints.accounts import scope
from innopoints.applications.financing_figures import GRANTED, OUTSTANDING
from innopoints.applications.models import Financing
from innopoints.registry.models import Region
from innopoints.scoring.models import Result, Run
from innopoints.targets.models import Target


def division_of(user: Any) -> Region | None:
    """The division whose targets the user works to: its own (the province for the platform)."""
    if scope.is_admin(user):
        return Region.objects.filter(level=1).order_by("code").first()
    return scope.region_of(user)


def target_for(division: Region | None, year: int | None = None) -> Target | None:
    """The division's target for the year; without a year, the nearest one not yet past (else
    the latest)."""
    if division is None:
        return None
    targets = Target.objects.filter(division=division)
    if year is not None:
        return targets.filter(year=year).first()
    this_year = timezone.localdate().year
    return (
        targets.filter(year__gte=this_year).order_by("year").first()
        or targets.order_by("-year").first()
    )


def target_of_user(user: Any, year: int | None = None) -> Target | None:
    return target_for(division_of(user), year)


@dataclass(frozen=True)
class Progress:
    target: Target
    scored: int | None
    loans_outstanding: Decimal  # 万元
    direct_financing: Decimal  # 万元

    def share(self, current: Decimal | int | None, goal: Decimal | int) -> float | None:
        if current is None or not goal:
            return None
        return float(100 * Decimal(current) / Decimal(goal))

    @property
    def rows(self) -> list[dict[str, Any]]:
        t = self.target
        return [
            {
                "code": "scored",
                "current": self.scored,
                "goal": t.enterprises_scored,
                "money": False,
                "share": self.share(self.scored, t.enterprises_scored),
            },
            {
                "code": "loans",
                "current": self.loans_outstanding,
                "goal": t.loan_volume_wan,
                "money": True,
                "share": self.share(self.loans_outstanding, t.loan_volume_wan),
            },
            {
                "code": "direct",
                "current": self.direct_financing,
                "goal": t.direct_financing_wan,
                "money": True,
                "share": self.share(self.direct_financing, t.direct_financing_wan),
            },
        ]


def scored_in(run: Run, prefix: str) -> int:
    finished = run.finished_at.isoformat() if run.finished_at else ""
    key = f"targets-scored:{run.pk}:{finished}:{prefix}"
    n = cache.get(key)
    if n is None:
        results = Result.objects.filter(run=run).order_by()
        if prefix:
            results = results.filter(region_code__startswith=prefix)
        n = results.count()
        cache.set(key, n, timeout=None)
    return int(n)


def progress(target: Target, run: Run | None) -> Progress:
    prefix = target.division.code_prefix()
    records = Financing.objects.filter(enterprise__region__code__startswith=prefix).order_by()
    amounts = records.aggregate(
        loans=Sum("amount", filter=Q(kind="loan", status__in=OUTSTANDING)),
        direct=Sum("amount", filter=Q(kind="investment", status__in=GRANTED)),
    )
    return Progress(
        target=target,
        scored=scored_in(run, prefix) if run is not None else None,
        loans_outstanding=Decimal(amounts["loans"] or 0),
        direct_financing=Decimal(amounts["direct"] or 0),
    )
