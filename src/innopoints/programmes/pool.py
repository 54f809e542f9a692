"""风险补偿资金池 at work: filing a disbursed loan (备案), the government's check (前置审核),
claims after a default, the payout and the append-only ledger. Every amount is Decimal 万元
with two decimals; a payout is rounded down to the cent so it never exceeds the pool's share.

Payout of an approved claim = min(loss × pool share, per-loan cap − already approved for the
loan, pool balance − approved but unpaid). Balance = funds in − payouts (never negative)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from innopoints.analysis.publication import published_result
from innopoints.applications.models import Financing
from innopoints.audit.log import record
from innopoints.lending import workflow
from innopoints.programmes.models import Claim, Filing, LedgerEntry, Programme
from innopoints.registry.models import Institution

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
GRANTED = ("disbursed", "repaid", "overdue", "defaulted")
FILEABLE = ("disbursed", "overdue")  # a loan still running when it is filed
LIVE_FILING = (Filing.Status.FILED, Filing.Status.ACCEPTED, Filing.Status.CLOSED)
COUNTED_CLAIM = (Claim.Status.APPROVED, Claim.Status.PAID)


class ProgrammeError(Exception):
    """A request the rules refuse; the message is for the user. Nothing was changed."""


def money(value: Any) -> Decimal:
    return Decimal(value).quantize(CENT)


def _sum(entries: Any, kind: str) -> Decimal:
    total = entries.filter(kind=kind).aggregate(s=Sum("amount"))["s"]
    return money(total or 0)


# -- the ledger -----------------------------------------------------------------------------


def funds_in(programme: Programme) -> Decimal:
    return _sum(LedgerEntry.objects.filter(programme=programme), LedgerEntry.Kind.FUND_IN)


def paid_out(programme: Programme) -> Decimal:
    return _sum(LedgerEntry.objects.filter(programme=programme), LedgerEntry.Kind.PAYOUT)


def balance(programme: Programme) -> Decimal:
    return funds_in(programme) - paid_out(programme)


def exposure(programme: Programme) -> Decimal:
    entries = LedgerEntry.objects.filter(programme=programme)
    return _sum(entries, LedgerEntry.Kind.EXPOSURE_ADD) - _sum(
        entries, LedgerEntry.Kind.EXPOSURE_RELEASE
    )


def approved_unpaid(programme: Programme) -> Decimal:
    total = Claim.objects.filter(
        filing__programme=programme, status=Claim.Status.APPROVED
    ).aggregate(s=Sum("payout"))["s"]
    return money(total or 0)


def summary(programme: Programme) -> dict[str, Decimal]:
    """The programme's figures from its ledger, and whether they reconcile with the claims."""
    paid_claims = Claim.objects.filter(filing__programme=programme, status=Claim.Status.PAID)
    claimed_paid = money(paid_claims.aggregate(s=Sum("payout"))["s"] or 0)
    figures = {
        "fund_size": money(programme.fund_size),
        "funds_in": funds_in(programme),
        "paid_out": paid_out(programme),
        "balance": balance(programme),
        "exposure": exposure(programme),
        "approved_unpaid": approved_unpaid(programme),
        "available": balance(programme) - approved_unpaid(programme),
        "claims_paid": claimed_paid,
    }
    figures["reconciled"] = Decimal(int(claimed_paid == figures["paid_out"]))
    return figures


def _entry(
    programme: Programme,
    kind: str,
    amount: Decimal,
    user: Any,
    *,
    filing: Filing | None = None,
    claim: Claim | None = None,
    note: str = "",
) -> LedgerEntry:
    entry = LedgerEntry(
        programme=programme,
        kind=kind,
        amount=money(amount),
        filing=filing,
        claim=claim,
        note=note[:200],
        recorded_by=user,
    )
    entry.save()
    record(
        "create",
        obj=entry,
        actor=user,
        summary=f"资金池台账：{programme.name} {entry.get_kind_display()} {entry.amount} 万元",
    )
    return entry


def _locked(programme: Programme) -> Programme:
    """The programme's row locked for the transaction: balance checks and payouts of one pool
    happen one at a time."""
    return Programme.objects.select_for_update().get(pk=programme.pk)


def add_funds(programme: Programme, amount: Any, user: Any, note: str = "") -> LedgerEntry:
    try:
        value = money(amount)
    except Exception as exc:
        raise ProgrammeError(_("金额无效")) from exc
    if value <= 0:
        raise ProgrammeError(_("注入金额须大于 0"))
    with transaction.atomic():
        locked = _locked(programme)
        if funds_in(locked) + value > money(locked.fund_size):
            raise ProgrammeError(
                _("注入后将超过资金池规模 %(size)s 万元") % {"size": money(locked.fund_size)}
            )
        return _entry(locked, LedgerEntry.Kind.FUND_IN, value, user, note=note or _("资金注入"))


# -- filing (备案) and its check (前置审核) --------------------------------------------------


def in_force(programme: Programme, on: dt.date) -> bool:
    return programme.valid_from <= on and (programme.valid_to is None or on <= programme.valid_to)


def is_first_loan(financing: Financing) -> bool:
    """首贷: no granted loan of the enterprise, at any institution, was disbursed before it."""
    if financing.disbursed_on is None:
        return False
    earlier = Financing.objects.filter(
        enterprise_id=financing.enterprise_id, kind=Financing.Kind.LOAN, status__in=GRANTED
    ).exclude(pk=financing.pk)
    return not earlier.filter(
        Q(disbursed_on__lt=financing.disbursed_on)
        | Q(disbursed_on=financing.disbursed_on, pk__lt=financing.pk)
    ).exists()


def enterprise_tier(financing: Financing) -> str:
    """The tier the loan was granted on: the application's (lending), else the enterprise's
    published result."""
    application = getattr(financing, "application", None)
    if application is not None and application.tier:
        return str(application.tier)
    result = published_result(financing.enterprise)
    return str(result.tier or "") if result is not None else ""


def enterprise_stage(financing: Financing) -> str:
    application = getattr(financing, "application", None)
    if application is not None and application.stage:
        return str(application.stage)
    result = published_result(financing.enterprise)
    return str(result.stage or "") if result is not None else ""


def _product_ok(programme: Programme, financing: Financing) -> bool:
    products = list(programme.products.all())
    if not products:
        return True
    application = getattr(financing, "application", None)
    if application is not None and application.offering_id is not None:
        return any(p.pk == application.offering_id for p in products)
    return financing.product.strip() in {p.name for p in products}


def filing_problems(
    programme: Programme, financing: Financing, institution: Institution, on: dt.date
) -> list[str]:
    """Why this loan may not be filed into the programme by this institution (empty: it may)."""
    problems: list[str] = []
    if not in_force(programme, on):
        problems.append(_("该资金池不在有效期内"))
    if not programme.institutions.filter(pk=institution.pk).exists():
        problems.append(_("本机构不是该资金池的合作金融机构"))
    if financing.institution_id != institution.pk:
        problems.append(_("只能备案本机构发放的贷款"))
        return problems
    if financing.kind != Financing.Kind.LOAN:
        problems.append(_("只有贷款可以备案"))
    if financing.status not in FILEABLE or financing.disbursed_on is None or not financing.amount:
        problems.append(_("只有已放款且未结清的贷款可以备案"))
    elif financing.disbursed_on > on:
        problems.append(_("放款日期晚于备案日期"))
    elif (on - financing.disbursed_on).days > programme.filing_days:
        problems.append(
            _("已超过备案期限：须在放款后 %(days)d 天内备案（放款日期 %(date)s）")
            % {"days": programme.filing_days, "date": financing.disbursed_on}
        )
    if programme.region_id is not None:
        region = financing.enterprise.region
        if region is None or not region.code.startswith(programme.region.code_prefix()):
            problems.append(_("企业不在该资金池的适用地区"))
    if not _product_ok(programme, financing):
        problems.append(_("该贷款产品不在资金池的适用产品内"))
    tiers = [str(t) for t in programme.eligible_tiers or []]
    if tiers and enterprise_tier(financing) not in tiers:
        problems.append(
            _("企业积分档次不在资金池的适用档次（%(tiers)s）内") % {"tiers": "、".join(tiers)}
        )
    if programme.first_credit_only and financing.disbursed_on and not is_first_loan(financing):
        problems.append(_("该资金池只接受首贷备案，该笔贷款不是企业的首笔贷款"))
    if Filing.objects.filter(financing=financing, status__in=LIVE_FILING).exists():
        problems.append(_("该贷款已经备案（审核不通过后才可重新备案）"))
    return problems


def file_loan(
    programme: Programme,
    financing: Financing,
    institution: Institution,
    user: Any,
    *,
    covered_amount: Any = None,
    reference: str = "",
    flexible_use: bool = False,
    on: dt.date | None = None,
) -> Filing:
    on = on or timezone.localdate()
    reference = (reference or "").strip()
    if reference and Filing.objects.filter(institution=institution, reference=reference).exists():
        raise ProgrammeError(_("本机构已使用过该业务编号：%(ref)s") % {"ref": reference})
    problems = filing_problems(programme, financing, institution, on)
    if problems:
        raise ProgrammeError("；".join(problems))
    try:
        covered = money(financing.amount if covered_amount in (None, "") else covered_amount)
    except Exception as exc:
        raise ProgrammeError(_("纳入金额无效")) from exc
    if covered <= 0 or covered > money(financing.amount):
        raise ProgrammeError(
            _("纳入资金池的金额须大于 0 且不超过贷款金额 %(amount)s 万元")
            % {"amount": money(financing.amount)}
        )
    with transaction.atomic():
        filing = Filing.objects.create(
            programme=programme,
            financing=financing,
            institution=institution,
            reference=reference,
            flexible_use=flexible_use,
            covered_amount=covered,
            filed_by=user,
        )
        record(
            "create",
            obj=filing,
            actor=user,
            enterprise=financing.enterprise,
            summary=f"贷款备案：{programme.name}，{financing.enterprise.name}，{covered} 万元",
        )
    return filing


def check_filing(filing: Filing, *, accept: bool, reason: str, user: Any) -> Filing:
    """前置审核: accepted filings count against the pool's exposure; a refusal needs a reason."""
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ProgrammeError(_("审核不通过须说明原因"))
    with transaction.atomic():
        _locked(filing.programme)
        filing = Filing.objects.select_for_update().get(pk=filing.pk)
        if filing.status != Filing.Status.FILED:
            raise ProgrammeError(_("该备案已审核"))
        before = filing.status
        filing.status = Filing.Status.ACCEPTED if accept else Filing.Status.REFUSED
        filing.reason = reason
        filing.checked_at = timezone.now()
        filing.save()
        if accept:
            _entry(
                filing.programme,
                LedgerEntry.Kind.EXPOSURE_ADD,
                filing.covered_amount,
                user,
                filing=filing,
                note=_("备案审核通过：%(e)s") % {"e": filing.financing.enterprise.name},
            )
        record(
            "update",
            obj=filing,
            actor=user,
            changes={"status": [before, filing.status], "reason": ["", reason]},
            summary=f"前置审核：{filing.get_status_display()}",
        )
    return filing


def close_filing(filing: Filing, user: Any, note: str = "") -> Filing:
    """The loan was repaid (or compensated): its exposure is released, the filing closes."""
    with transaction.atomic():
        _locked(filing.programme)
        filing = Filing.objects.select_for_update().get(pk=filing.pk)
        if filing.status != Filing.Status.ACCEPTED:
            raise ProgrammeError(_("只有审核通过的备案可以解除"))
        if filing.claims.filter(status=Claim.Status.APPROVED).exists():
            raise ProgrammeError(_("该备案有已批准未拨付的代偿，拨付后自动解除"))
        filing.status = Filing.Status.CLOSED
        filing.save()
        _entry(
            filing.programme,
            LedgerEntry.Kind.EXPOSURE_RELEASE,
            filing.covered_amount,
            user,
            filing=filing,
            note=note or _("贷款结清，解除风险敞口"),
        )
        record(
            "update",
            obj=filing,
            actor=user,
            changes={"status": [Filing.Status.ACCEPTED, Filing.Status.CLOSED]},
            summary=f"解除备案：{note or '贷款结清'}",
        )
    return filing


# -- claims ---------------------------------------------------------------------------------


def claimable(filing: Filing) -> Decimal:
    """What may still be claimed on the filing: its covered amount less the losses of its
    claims not refused."""
    claimed = filing.claims.exclude(status=Claim.Status.REFUSED).aggregate(s=Sum("loss"))["s"]
    return money(filing.covered_amount) - money(claimed or 0)


def file_claim(
    filing: Filing, loss: Any, institution: Institution, user: Any, *, reference: str = ""
) -> Claim:
    reference = (reference or "").strip()
    if filing.institution_id != institution.pk:
        raise ProgrammeError(_("只能为本机构备案的贷款申请代偿"))
    if reference and Claim.objects.filter(institution=institution, reference=reference).exists():
        raise ProgrammeError(_("本机构已使用过该业务编号：%(ref)s") % {"ref": reference})
    try:
        value = money(loss)
    except Exception as exc:
        raise ProgrammeError(_("损失金额无效")) from exc
    with transaction.atomic():
        filing = Filing.objects.select_for_update().select_related("financing").get(pk=filing.pk)
        if filing.status != Filing.Status.ACCEPTED:
            raise ProgrammeError(_("只有审核通过且未解除的备案贷款可以申请代偿"))
        if filing.financing.status != Financing.Status.DEFAULTED:
            raise ProgrammeError(_("贷款尚未违约，不能申请代偿"))
        room = claimable(filing)
        if value <= 0:
            raise ProgrammeError(_("损失金额须大于 0"))
        if value > room:
            raise ProgrammeError(
                _("损失金额 %(loss)s 万元超过尚可申请的纳入金额 %(room)s 万元")
                % {"loss": value, "room": room}
            )
        claim = Claim.objects.create(
            filing=filing, institution=institution, reference=reference, loss=value, claimed_by=user
        )
        record(
            "create",
            obj=claim,
            actor=user,
            enterprise=filing.financing.enterprise,
            summary=f"代偿申请：{filing.programme.name}，损失 {value} 万元",
        )
    return claim


def compute_payout(claim: Claim) -> tuple[Decimal, str]:
    """The payout government may approve now, and how it was reached."""
    filing = claim.filing
    programme = filing.programme
    share = (money(claim.loss) * programme.pool_share / Decimal(100)).quantize(
        CENT, rounding=ROUND_DOWN
    )
    parts = [
        _("损失 %(loss)s × 资金池分担 %(share)s%% = %(v)s")
        % {"loss": money(claim.loss), "share": programme.pool_share, "v": share}
    ]
    limits = [share]
    if programme.per_loan_cap is not None:
        approved = Claim.objects.filter(
            filing__programme=programme,
            filing__financing_id=filing.financing_id,
            status__in=COUNTED_CLAIM,
        ).exclude(pk=claim.pk)
        already = money(approved.aggregate(s=Sum("payout"))["s"] or 0)
        room = money(programme.per_loan_cap) - already
        limits.append(room)
        parts.append(
            _("单笔上限 %(cap)s − 已批准 %(done)s = %(room)s")
            % {"cap": money(programme.per_loan_cap), "done": already, "room": room}
        )
    available = balance(programme) - approved_unpaid(programme)
    limits.append(available)
    parts.append(_("资金池可用余额 %(v)s") % {"v": available})
    payout = max(ZERO, min(limits))
    return money(payout), "；".join(parts)


def decide_claim(claim: Claim, *, approve: bool, reason: str, user: Any) -> Claim:
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ProgrammeError(_("不予批准须说明原因"))
    with transaction.atomic():
        _locked(claim.filing.programme)
        claim = (
            Claim.objects.select_for_update().select_related("filing__programme").get(pk=claim.pk)
        )
        if claim.status != Claim.Status.CLAIMED:
            raise ProgrammeError(_("该代偿申请已审批"))
        payout, how = compute_payout(claim)
        if approve and payout <= 0:
            raise ProgrammeError(
                _("按分担比例、单笔上限和资金池余额，可代偿金额为 0：%(how)s") % {"how": how}
            )
        claim.status = Claim.Status.APPROVED if approve else Claim.Status.REFUSED
        claim.payout = payout if approve else None
        claim.reason = reason or how
        claim.decided_at = timezone.now()
        claim.save()
        record(
            "update",
            obj=claim,
            actor=user,
            changes={
                "status": [Claim.Status.CLAIMED, claim.status],
                "payout": [None, claim.payout],
            },
            summary=f"代偿审批：{claim.get_status_display()}（{how}）",
        )
    return claim


def _application_compensated(claim: Claim, user: Any) -> None:
    """Tell the loan's application (lending, which owns that state) that it was compensated;
    a loan recorded without an application is left as it is."""
    workflow.mark_compensated(
        claim.filing.financing,
        user=user,
        note=_("风险补偿资金池已代偿 %(v)s 万元") % {"v": claim.payout},
    )


def pay_claim(claim: Claim, user: Any) -> Claim:
    """Pay an approved claim: a payout entry (never above the balance), the filing's exposure
    released and the filing closed, the application marked compensated."""
    with transaction.atomic():
        programme = _locked(claim.filing.programme)
        claim = (
            Claim.objects.select_for_update().select_related("filing__financing").get(pk=claim.pk)
        )
        if claim.status != Claim.Status.APPROVED or claim.payout is None:
            raise ProgrammeError(_("只有已批准的代偿可以拨付"))
        if claim.payout > balance(programme):
            raise ProgrammeError(_("资金池余额不足，不能拨付"))
        claim.status = Claim.Status.PAID
        claim.paid_at = timezone.now()
        claim.save()
        if claim.payout > 0:
            _entry(
                programme,
                LedgerEntry.Kind.PAYOUT,
                claim.payout,
                user,
                filing=claim.filing,
                claim=claim,
                note=_("代偿拨付：%(e)s") % {"e": claim.filing.financing.enterprise.name},
            )
        filing = claim.filing
        if (
            filing.status == Filing.Status.ACCEPTED
            and not filing.claims.filter(status=Claim.Status.APPROVED).exists()
        ):
            filing.status = Filing.Status.CLOSED
            filing.save()
            _entry(
                programme,
                LedgerEntry.Kind.EXPOSURE_RELEASE,
                filing.covered_amount,
                user,
                filing=filing,
                note=_("已代偿，解除风险敞口"),
            )
        record(
            "update",
            obj=claim,
            actor=user,
            changes={"status": [Claim.Status.APPROVED, Claim.Status.PAID]},
            summary=f"代偿拨付 {claim.payout} 万元",
        )
        _application_compensated(claim, user)
    return claim
