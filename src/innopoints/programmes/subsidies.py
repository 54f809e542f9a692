"""贴息、担保费/保费补贴 and 积分奖 computed from their schemes (data), reviewed and paid by
government; 首贷/首投/首保/首险 detected from the financing records. Amounts Decimal 万元.

Base ``amount``: loan amount × rate (annual percentage points) × days / 365, the period clipped
to the scheme's months from disbursement. Base ``paid``: the interest, fee or premium paid in
the period × rate %. Base ``fixed``: the scheme's amount (awards). Then the scheme's cap per
financing, less what was already granted (not refused), is the ceiling."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from innopoints.applications.models import Financing
from innopoints.audit.log import record
from innopoints.programmes.models import Subsidy, SubsidyScheme
from innopoints.programmes.pool import (
    CENT,
    GRANTED,
    ProgrammeError,
    enterprise_stage,
    enterprise_tier,
    money,
)

DAYS_IN_YEAR = Decimal(365)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_first(financing: Financing) -> bool:
    """The enterprise's first granted financing of its kind (首贷/首投/首保/首险), over every
    institution's records: none of the same kind was disbursed earlier."""
    if financing.status not in GRANTED or financing.disbursed_on is None:
        return False
    same = Financing.objects.filter(
        enterprise_id=financing.enterprise_id, kind=financing.kind, status__in=GRANTED
    ).exclude(pk=financing.pk)
    return not same.filter(
        Q(disbursed_on__lt=financing.disbursed_on)
        | Q(disbursed_on=financing.disbursed_on, pk__lt=financing.pk)
    ).exists()


def scheme_in_force(scheme: SubsidyScheme, on: dt.date) -> bool:
    return scheme.valid_from <= on and (scheme.valid_to is None or on <= scheme.valid_to)


def problems(scheme: SubsidyScheme, financing: Financing) -> list[str]:
    found: list[str] = []
    if financing.kind != scheme.financing_kind:
        found.append(_("方案只适用于%(kind)s") % {"kind": scheme.get_financing_kind_display()})
    if financing.status not in GRANTED or financing.disbursed_on is None or not financing.amount:
        found.append(_("只有已放款的融资可以计算奖补"))
        return found
    if not scheme_in_force(scheme, financing.disbursed_on):
        found.append(_("放款日期不在方案有效期内"))
    if scheme.region_id is not None:
        region = financing.enterprise.region
        if region is None or not region.code.startswith(scheme.region.code_prefix()):
            found.append(_("企业不在方案的适用地区"))
    tiers = [str(t) for t in scheme.eligible_tiers or []]
    if tiers and enterprise_tier(financing) not in tiers:
        found.append(_("企业积分档次不在方案的适用档次（%(t)s）内") % {"t": "、".join(tiers)})
    stages = [str(t) for t in scheme.eligible_stages or []]
    if stages and enterprise_stage(financing) not in stages:
        found.append(_("企业成长阶段不在方案的适用阶段内"))
    if (scheme.first_time_only or scheme.kind == SubsidyScheme.Kind.AWARD) and not is_first(
        financing
    ):
        found.append(_("不是企业首次获得该类融资"))
    return found


def granted_so_far(scheme: SubsidyScheme, financing: Financing) -> Decimal:
    total = (
        Subsidy.objects.filter(scheme=scheme, financing=financing)
        .exclude(status=Subsidy.Status.REFUSED)
        .aggregate(s=Sum("amount"))["s"]
    )
    return money(total or 0)


def compute(
    scheme: SubsidyScheme,
    financing: Financing,
    start: dt.date | None = None,
    end: dt.date | None = None,
    paid: Any = None,
) -> tuple[Decimal, Decimal, str, dt.date, dt.date]:
    """(base, amount, explanation, period start, period end) for the financing and period
    [start, end) — refused with ProgrammeError when the financing or input is not eligible."""
    found = problems(scheme, financing)
    if found:
        raise ProgrammeError("；".join(found))
    disbursed = financing.disbursed_on
    assert disbursed is not None
    if scheme.base == SubsidyScheme.Base.FIXED:
        start = end = disbursed
        base = money(financing.amount)
        raw = money(scheme.fixed_amount or 0)
        how = _("固定金额 %(v)s") % {"v": raw}
    else:
        if start is None or end is None or end <= start:
            raise ProgrammeError(_("请填写计算期（止日须晚于起日）"))
        start = max(start, disbursed)
        if scheme.max_months:
            end = min(end, add_months(disbursed, scheme.max_months))
        if financing.term_months:
            end = min(end, add_months(disbursed, financing.term_months))
        if end <= start:
            raise ProgrammeError(_("计算期不在补贴期限内"))
        if scheme.base == SubsidyScheme.Base.AMOUNT:
            days = (end - start).days
            base = money(financing.amount)
            raw = (base * scheme.rate / Decimal(100) * Decimal(days) / DAYS_IN_YEAR).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
            how = _("%(base)s × %(rate)s%% × %(days)d/365 = %(v)s") % {
                "base": base,
                "rate": scheme.rate,
                "days": days,
                "v": raw,
            }
        else:
            try:
                base = money(paid)
            except Exception as exc:
                raise ProgrammeError(_("请填写本期实际支付的金额")) from exc
            if base <= 0:
                raise ProgrammeError(_("本期实际支付的金额须大于 0"))
            raw = (base * scheme.rate / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
            how = _("%(base)s × %(rate)s%% = %(v)s") % {"base": base, "rate": scheme.rate, "v": raw}
    amount = raw
    if scheme.cap is not None:
        room = max(Decimal(0), money(scheme.cap) - granted_so_far(scheme, financing))
        if room < amount:
            amount = money(room)
            how += _("；上限 %(cap)s，尚余 %(room)s") % {"cap": money(scheme.cap), "room": room}
    return base, money(amount), how, start, end


def propose(
    scheme: SubsidyScheme,
    financing: Financing,
    user: Any,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    paid: Any = None,
) -> Subsidy:
    with transaction.atomic():
        base, amount, how, start, end = compute(scheme, financing, start, end, paid)
        if amount <= 0:
            raise ProgrammeError(_("该融资的奖补已达上限"))
        if (
            Subsidy.objects.filter(scheme=scheme, financing=financing, period_start=start)
            .exclude(status=Subsidy.Status.REFUSED)
            .exists()
        ):
            raise ProgrammeError(_("该计算期已经计算过"))
        try:
            with transaction.atomic():
                subsidy = Subsidy.objects.create(
                    scheme=scheme,
                    financing=financing,
                    period_start=start,
                    period_end=end,
                    base_amount=base,
                    amount=amount,
                    explanation=how[:300],
                    proposed_by=user,
                )
        except IntegrityError as exc:
            raise ProgrammeError(_("该计算期已经计算过")) from exc
        record(
            "create",
            obj=subsidy,
            actor=user,
            enterprise=financing.enterprise,
            summary=f"奖补计算：{scheme.name} {amount} 万元（{how}）",
        )
    return subsidy


def decide(subsidy: Subsidy, *, approve: bool, reason: str, user: Any) -> Subsidy:
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ProgrammeError(_("不予核准须说明原因"))
    with transaction.atomic():
        subsidy = Subsidy.objects.select_for_update().get(pk=subsidy.pk)
        if subsidy.status != Subsidy.Status.PROPOSED:
            raise ProgrammeError(_("该奖补已审核"))
        subsidy.status = Subsidy.Status.APPROVED if approve else Subsidy.Status.REFUSED
        subsidy.reason = reason
        subsidy.decided_at = timezone.now()
        subsidy.save()
        record(
            "update",
            obj=subsidy,
            actor=user,
            changes={"status": [Subsidy.Status.PROPOSED, subsidy.status]},
            summary=f"奖补审核：{subsidy.get_status_display()}",
        )
    return subsidy


def pay(subsidy: Subsidy, user: Any) -> Subsidy:
    with transaction.atomic():
        subsidy = Subsidy.objects.select_for_update().get(pk=subsidy.pk)
        if subsidy.status != Subsidy.Status.APPROVED:
            raise ProgrammeError(_("只有已核准的奖补可以拨付"))
        subsidy.status = Subsidy.Status.PAID
        subsidy.paid_at = timezone.now()
        subsidy.save()
        record(
            "update",
            obj=subsidy,
            actor=user,
            changes={"status": [Subsidy.Status.APPROVED, Subsidy.Status.PAID]},
            summary=f"奖补拨付 {subsidy.amount} 万元",
        )
    return subsidy


def propose_awards(user: Any, on: dt.date | None = None, financings: Any = None) -> list[Subsidy]:
    """积分奖: for every award scheme in force, each enterprise's first financing of the
    scheme's kind that has no award yet gets a proposal."""
    on = on or timezone.localdate()
    made: list[Subsidy] = []
    schemes = SubsidyScheme.objects.filter(kind=SubsidyScheme.Kind.AWARD)
    records = financings if financings is not None else Financing.objects.all()
    for scheme in schemes:
        if not scheme_in_force(scheme, on):
            continue
        candidates = (
            records.filter(kind=scheme.financing_kind, status__in=GRANTED)
            .exclude(subsidies__scheme=scheme)
            .select_related("enterprise__region")
        )
        for financing in candidates:
            if problems(scheme, financing):
                continue
            try:
                made.append(propose(scheme, financing, user))
            except ProgrammeError:
                continue
    return made
