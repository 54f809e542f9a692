"""积分应用: lists sent to institutions, financing records, and the inbox."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from innopoints.analysis.models import Leaderboard
from innopoints.registry.models import Enterprise, Institution


class Dispatch(models.Model):
    """A published 积分榜 sent by a government user to one institution."""

    board = models.ForeignKey(
        Leaderboard, on_delete=models.PROTECT, related_name="dispatches", verbose_name=_("榜单")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="dispatches", verbose_name=_("金融机构")
    )
    note = models.CharField(_("附言"), max_length=300, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发送人"),
    )
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("推荐名单发送")
        verbose_name_plural = pgettext_lazy("plural", "推荐名单发送")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["board", "institution"], name="dispatch_once")
        ]

    def __str__(self) -> str:
        return f"{self.board} → {self.institution}"


class Financing(models.Model):
    """One financing application and what became of it; every change is kept in its history."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("已申请")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未获批")
        DISBURSED = "disbursed", _("已放款")
        REPAID = "repaid", _("已结清")
        OVERDUE = "overdue", _("逾期")
        DEFAULTED = "defaulted", _("违约")

    class Kind(models.TextChoices):
        LOAN = "loan", _("积分贷")
        INVESTMENT = "investment", _("积分投")
        GUARANTEE = "guarantee", _("积分保")
        INSURANCE = "insurance", _("积分险")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="financings", verbose_name=_("企业")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="financings", verbose_name=_("金融机构")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.LOAN)
    product = models.CharField(_("产品"), max_length=120, blank=True)
    applied_on = models.DateField(_("申请日期"))
    amount_requested = models.DecimalField(
        _("申请金额（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.APPLIED
    )
    amount = models.DecimalField(
        _("批准金额（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    rate = models.DecimalField(
        _("年利率（%）"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    term_months = models.PositiveSmallIntegerField(_("期限（月）"), null=True, blank=True)
    guarantee_share = models.DecimalField(
        _("担保比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    disbursed_on = models.DateField(_("放款日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("融资记录变更"))

    class Meta:
        verbose_name = _("融资记录")
        verbose_name_plural = pgettext_lazy("plural", "融资记录")
        ordering = ["-applied_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.institution} · {self.get_status_display()}"

    def clean(self) -> None:
        granted = {
            self.Status.APPROVED,
            self.Status.DISBURSED,
            self.Status.REPAID,
            self.Status.OVERDUE,
            self.Status.DEFAULTED,
        }
        if self.status in granted and self.amount is None:
            raise ValidationError({"amount": _("批准后须填写批准金额")})
        if self.status in granted and self.decided_on is None:
            raise ValidationError({"decided_on": _("批准后须填写审批日期")})
        if self.decided_on and self.decided_on < self.applied_on:
            raise ValidationError({"decided_on": _("审批日期不能早于申请日期")})
        if self.guarantee_share is not None and not 0 <= self.guarantee_share <= 100:
            raise ValidationError({"guarantee_share": _("担保比例须在 0 到 100 之间")})


class Message(models.Model):
    """The inbox of an enterprise or an institution (every user bound to it reads it)."""

    enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("企业"),
    )
    institution = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("金融机构"),
    )
    kind = models.CharField(_("类别"), max_length=32, default="notice")
    subject = models.CharField(_("主题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = pgettext_lazy("plural", "站内消息")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(enterprise__isnull=False, institution__isnull=True)
                    | models.Q(enterprise__isnull=True, institution__isnull=False)
                ),
                name="message_one_recipient",
            )
        ]

    def __str__(self) -> str:
        return self.subject
