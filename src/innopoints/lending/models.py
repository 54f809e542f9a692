"""融资申请: an enterprise's application to an institution for one of its offerings, from 提交 to
结清 — one row per application, its state, and its timeline of events both sides see. The
financing record (applications.Financing) is created by the disbursement, never typed twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from innopoints.applications.models import Financing, Offering
from innopoints.collection.models import Authorisation
from innopoints.registry.models import Enterprise, Institution
from innopoints.scoring.models import Run


class Application(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        ACCEPTED = "accepted", _("已受理")
        MORE_INFO = "more_info", _("待补充材料")
        REVIEWING = "reviewing", _("审批中")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已拒绝")
        DISBURSED = "disbursed", _("已放款")
        SETTLED = "settled", _("已结清")
        OVERDUE = "overdue", _("逾期")
        DEFAULTED = "defaulted", _("违约")
        COMPENSATED = "compensated", _("已代偿")
        WITHDRAWN = "withdrawn", _("已撤回")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="applications", verbose_name=_("企业")
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("金融机构"),
    )
    offering = models.ForeignKey(
        Offering,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("产品"),
    )
    run = models.ForeignKey(
        Run,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("依据的积分测算"),
        help_text=_("申请时企业所在的已发布测算（匹配的依据）"),
    )
    reference = models.CharField(
        _("机构业务编号"),
        max_length=64,
        blank=True,
        help_text=_("金融机构自己的编号；接口据此识别重复提交"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    amount_requested = models.DecimalField(
        _("申请金额（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    term_months = models.PositiveSmallIntegerField(_("申请期限（月）"), null=True, blank=True)
    authorisation = models.ForeignKey(
        Authorisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("随申请给出的授权"),
    )
    # what the enterprise was when it applied (from the run's result): the bank decided on
    # this, and the funnel statistics group by it without joining a million results
    tier = models.CharField(_("申请时档次"), max_length=16, blank=True)
    stage = models.CharField(_("申请时成长阶段"), max_length=32, blank=True)
    region_code = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    financing = models.OneToOneField(
        Financing,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="application",
        verbose_name=_("融资记录"),
        help_text=_("放款时生成"),
    )
    due_on = models.DateField(_("当前环节办理期限"), null=True, blank=True)
    reminded_at = models.DateTimeField(
        _("逾期提醒时间"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("当前环节逾期后已提醒办理方的时间（每个环节一次）"),
    )
    reason = models.TextField(_("原因或说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提交人"),
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("最近办理时间"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("融资申请变更记录"))

    class Meta:
        verbose_name = _("融资申请")
        verbose_name_plural = pgettext_lazy("plural", "融资申请")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "reference"],
                condition=~Q(reference=""),
                name="application_reference_once_per_institution",
            )
        ]
        indexes = [
            models.Index(fields=["institution", "status"]),
            models.Index(fields=["region_code", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} → {self.institution} · {self.get_status_display()}"


class ApplicationEvent(models.Model):
    """One step of an application (append-only): who moved it from which state to which, when,
    and what they said or attached."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="events", verbose_name=_("融资申请")
    )
    from_status = models.CharField(
        _("原状态"), max_length=16, choices=Application.Status.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=16, choices=Application.Status.choices)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("办理数据"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("办理人"),
    )
    at = models.DateTimeField(_("办理时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申请办理记录")
        verbose_name_plural = pgettext_lazy("plural", "申请办理记录")
        ordering = ["application", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_status} → {self.to_status}"


class Invitation(models.Model):
    """A bank asks an enterprise (from a list it received) for authorisation to see the named
    indicators, and invites it to apply; the enterprise accepts (the authorisation is granted
    in the same step) or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待回复")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已谢绝")

    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("金融机构"),
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("企业")
    )
    offering = models.ForeignKey(
        Offering,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("产品"),
    )
    scope = models.JSONField(_("请求授权的指标"), default=list, blank=True)
    note = models.CharField(_("附言"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    authorisation = models.ForeignKey(
        Authorisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("接受时给出的授权"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("邀请人"),
    )
    created_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    answered_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("邀请变更记录"))

    class Meta:
        verbose_name = _("授权邀请")
        verbose_name_plural = pgettext_lazy("plural", "授权邀请")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.institution} → {self.enterprise} · {self.get_status_display()}"


class ApiReceipt(models.Model):
    """One action an institution's system asked for through the API, under its own reference:
    the same reference with the same request gets the same answer; with another request, 409."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="+", verbose_name=_("金融机构")
    )
    reference = models.CharField(_("机构业务编号"), max_length=64)
    digest = models.CharField(_("请求摘要"), max_length=64)
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("融资申请")
    )
    status_code = models.PositiveSmallIntegerField(_("应答状态码"))
    response = models.JSONField(_("应答内容"), default=dict)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("接口办理回执")
        verbose_name_plural = pgettext_lazy("plural", "接口办理回执")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "reference"], name="api_receipt_once_per_reference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}:{self.reference}"


class ApplicationDocument(models.Model):
    """A file the enterprise supplies to its application (e.g. the statements the bank asked
    for); both sides download it. Kept in the database like imported files."""

    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("融资申请"),
    )
    name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content = models.BinaryField(_("文件内容"), editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = pgettext_lazy("plural", "申请材料")
        ordering = ["application", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name
