"""风险补偿资金池 and the money that follows a loan: programmes as data, loans filed into them
(备案, checked by government — 前置审核), compensation claims after a default. Amounts are
Decimal in 万元."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from innopoints.applications.models import Financing, Offering
from innopoints.registry.models import Institution, Region


class Programme(models.Model):
    """A risk-compensation programme: its fund, who takes part, how a loss is shared."""

    name = models.CharField(_("名称"), max_length=120, unique=True)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("适用地区"),
    )
    fund_size = models.DecimalField(_("资金池规模（万元）"), max_digits=14, decimal_places=2)
    institutions = models.ManyToManyField(
        Institution, related_name="programmes", verbose_name=_("合作金融机构")
    )
    products = models.ManyToManyField(
        Offering, blank=True, related_name="programmes", verbose_name=_("适用产品")
    )
    eligible_tiers = models.JSONField(_("适用档次"), default=list, blank=True)
    bank_share = models.DecimalField(_("银行分担比例（%）"), max_digits=5, decimal_places=2)
    pool_share = models.DecimalField(_("资金池分担比例（%）"), max_digits=5, decimal_places=2)
    guarantor_share = models.DecimalField(
        _("担保机构分担比例（%）"), max_digits=5, decimal_places=2, default=0
    )
    per_loan_cap = models.DecimalField(
        _("单笔代偿上限（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    filing_days = models.PositiveSmallIntegerField(_("备案期限（放款后天数）"), default=30)
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("风险补偿资金池变更记录"))

    class Meta:
        verbose_name = _("风险补偿资金池")
        verbose_name_plural = pgettext_lazy("plural", "风险补偿资金池")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Filing(models.Model):
    """A disbursed loan filed into a programme (备案) and its government check (前置审核)."""

    class Status(models.TextChoices):
        FILED = "filed", _("已备案待审核")
        ACCEPTED = "accepted", _("审核通过")
        REFUSED = "refused", _("审核不通过")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="filings", verbose_name=_("资金池")
    )
    financing = models.ForeignKey(
        Financing, on_delete=models.PROTECT, related_name="filings", verbose_name=_("贷款")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.FILED
    )
    covered_amount = models.DecimalField(
        _("纳入资金池的贷款金额（万元）"), max_digits=12, decimal_places=2
    )
    reason = models.TextField(_("审核意见"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("备案人"),
    )
    filed_at = models.DateTimeField(_("备案时间"), auto_now_add=True)
    checked_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("贷款备案变更记录"))

    class Meta:
        verbose_name = _("贷款备案")
        verbose_name_plural = pgettext_lazy("plural", "贷款备案")
        ordering = ["-filed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "financing"], name="filing_once")
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.financing}"


class Claim(models.Model):
    """A compensation claim after a filed loan defaulted: the loss, and the payout government
    approves (computed from the programme's shares and caps)."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("已申请代偿")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")
        PAID = "paid", _("已拨付")

    filing = models.ForeignKey(
        Filing, on_delete=models.PROTECT, related_name="claims", verbose_name=_("贷款备案")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.CLAIMED
    )
    loss = models.DecimalField(_("损失金额（万元）"), max_digits=12, decimal_places=2)
    payout = models.DecimalField(
        _("代偿金额（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    reason = models.TextField(_("审核意见"), blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    claimed_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("拨付时间"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("代偿申请变更记录"))

    class Meta:
        verbose_name = _("代偿申请")
        verbose_name_plural = pgettext_lazy("plural", "代偿申请")
        ordering = ["-claimed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filing} · {self.get_status_display()}"
