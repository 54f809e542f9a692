"""积分应用: lists sent to institutions, financing records, the inbox, and the catalogue of
policies and products matched against every published run (政策精准匹配与推送)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from innopoints.analysis.models import Leaderboard
from innopoints.applications.matching import (
    OfferingSpec,
    RuleError,
    check_eligibility,
    check_terms,
)
from innopoints.registry.english import localised
from innopoints.registry.models import Enterprise, Institution, Region
from innopoints.scoring.models import Run


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


class ReferenceRate(models.Model):
    """A published reference rate (e.g. the 1-year LPR) with the date it took effect; rate
    rules name its code and use the latest value in effect."""

    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    value = models.DecimalField(_("利率（%）"), max_digits=6, decimal_places=3)
    as_of = models.DateField(_("生效日期"))
    example = models.BooleanField(_("示例数据"), default=False)
    source = models.TextField(_("来源"), blank=True)
    history = HistoricalRecords(verbose_name=_("基准利率变更记录"))

    class Meta:
        verbose_name = _("基准利率")
        verbose_name_plural = pgettext_lazy("plural", "基准利率")
        ordering = ["code", "-as_of"]
        constraints = [models.UniqueConstraint(fields=["code", "as_of"], name="rate_once_a_day")]

    def __str__(self) -> str:
        return f"{self.name} {self.value}% ({self.as_of:%Y-%m-%d})"


class Offering(models.Model):
    """A policy or a financial product (积分贷、积分投、积分保、积分险、积分奖、一般政策): who
    issues it, where and when it applies, who is eligible and on what terms — the rules and
    terms are data (``matching.py`` says what they may contain) checked when saved."""

    class Kind(models.TextChoices):
        LOAN = "loan", _("积分贷")
        INVESTMENT = "investment", _("积分投")
        GUARANTEE = "guarantee", _("积分保")
        INSURANCE = "insurance", _("积分险")
        AWARD = "award", _("积分奖")
        POLICY = "policy", _("一般政策")

    class Review(models.TextChoices):
        """Where an offering stands in review (``publishing.py``): only one 已上架 is matched.
        Catalogue records entered by government (admin, ``offerings.yaml``) start on the
        shelf; an institution's own offering starts as a draft and is reviewed."""

        DRAFT = "draft", _("草稿")
        PENDING = "pending", _("待审核")
        ON_SHELF = "on_shelf", _("已上架")
        RETURNED = "returned", _("已退回")
        WITHDRAWN = "withdrawn", _("已下架")

    code = models.SlugField(_("代码"), max_length=48, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    institution = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offerings",
        verbose_name=_("发布机构（金融机构）"),
    )
    issuer_name = models.CharField(
        _("发布部门（政府部门）"), max_length=120, blank=True, help_text=_("不由金融机构发布时填写")
    )
    issuer_region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布部门所在地区"),
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offerings",
        verbose_name=_("适用地区"),
        help_text=_("留空为不限地区；含下级地区"),
    )
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    example = models.BooleanField(_("示例数据"), default=False)
    description = models.TextField(_("说明"), blank=True)
    source = models.TextField(_("依据（原文摘录）"), blank=True)
    eligibility = models.JSONField(_("适用条件"), default=list, blank=True)
    terms = models.JSONField(_("产品条款"), default=dict, blank=True)
    review_state = models.CharField(
        _("审核状态"), max_length=16, choices=Review.choices, default=Review.ON_SHELF
    )
    review_reason = models.TextField(_("审核意见"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords(verbose_name=_("政策产品变更记录"))

    class Meta:
        verbose_name = _("政策与金融产品")
        verbose_name_plural = pgettext_lazy("plural", "政策与金融产品")
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(institution__isnull=False, issuer_name="")
                    | Q(institution__isnull=True) & ~Q(issuer_name="")
                ),
                name="offering_one_issuer",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def issuer(self) -> str:
        if self.institution_id is not None:
            return str(self.institution)
        region = f"{localised(self.issuer_region.name)} " if self.issuer_region else ""
        return f"{region}{self.issuer_name}"

    def clean(self) -> None:
        if (self.institution_id is None) == (not self.issuer_name):
            raise ValidationError(_("发布方须为一个金融机构，或一个政府部门（名称和地区）"))
        if self.issuer_name and self.issuer_region_id is None:
            raise ValidationError({"issuer_region": _("政府部门须注明所在地区")})
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("有效期止不能早于有效期起")})
        try:
            check_eligibility(self.eligibility, institution=self.institution_id is not None)
        except RuleError as exc:
            raise ValidationError({"eligibility": _("适用条件无效：%(e)s") % {"e": exc}}) from exc
        try:
            check_terms(self.terms)
        except RuleError as exc:
            raise ValidationError({"terms": _("产品条款无效：%(e)s") % {"e": exc}}) from exc

    def save(self, *args: object, **kwargs: object) -> None:
        self.full_clean()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def spec(self) -> OfferingSpec:
        return OfferingSpec(
            id=self.pk,
            eligibility=list(self.eligibility or []),
            terms=dict(self.terms or {}),
            institution_id=self.institution_id,
            region_prefix=self.region.code_prefix() if self.region else "",
        )


class RunMatching(models.Model):
    """Matching of one run against the catalogue: done once, when its first 积分榜 is
    published (``receivers.py``)."""

    STATUSES = [
        ("queued", _("排队中")),
        ("running", _("匹配中")),
        ("done", _("已完成")),
        ("failed", _("失败")),
    ]
    run = models.OneToOneField(
        Run, on_delete=models.CASCADE, related_name="matching", verbose_name=_("积分测算")
    )
    status = models.CharField(_("状态"), max_length=16, choices=STATUSES, default="queued")
    n_offerings = models.PositiveIntegerField(_("参与匹配的政策产品"), default=0)
    n_matches = models.PositiveIntegerField(_("匹配数"), default=0)
    n_pushed = models.PositiveIntegerField(_("新推送数"), default=0)
    seconds = models.FloatField(_("耗时（秒）"), default=0)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("政策匹配批次")
        verbose_name_plural = pgettext_lazy("plural", "政策匹配批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.run} · {self.get_status_display()}"  # type: ignore[attr-defined]


class Match(models.Model):
    """An enterprise eligible for an offering in a run, with every condition's value
    (``reasons``: [{test, rule, value}]) and the suggested terms. Written by the matching job
    in one bulk insert."""

    run = models.ForeignKey(
        Run,
        on_delete=models.CASCADE,
        related_name="matches",
        verbose_name=_("积分测算"),
        db_index=False,  # the unique (run, offering, enterprise) index serves it
        db_constraint=False,  # checked set-wise after the bulk insert (match_and_push.py)
    )
    offering = models.ForeignKey(
        Offering,
        on_delete=models.CASCADE,
        related_name="matches",
        verbose_name=_("政策产品"),
        db_constraint=False,  # checked set-wise after the bulk insert (match_and_push.py)
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="matches",
        verbose_name=_("企业"),
        db_index=False,  # the (enterprise, run) index serves it
        db_constraint=False,  # checked set-wise after the bulk insert (match_and_push.py)
    )
    reasons = models.JSONField(_("符合的条件"), default=list)
    suggested_amount = models.DecimalField(
        _("建议额度（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    suggested_rate = models.DecimalField(
        _("建议年利率（%）"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    created_at = models.DateTimeField(_("匹配时间"))

    class Meta:
        verbose_name = _("政策匹配结果")
        verbose_name_plural = pgettext_lazy("plural", "政策匹配结果")
        ordering = ["run", "offering", "enterprise"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "offering", "enterprise"], name="match_once_per_run"
            )
        ]
        indexes = [models.Index(fields=["enterprise", "run"])]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.offering}"


class Push(models.Model):
    """An offering pushed to an enterprise (inbox and e-mail) — once, whatever later runs
    find; ``institution_notified``: the issuing institution was told (the enterprise had an
    active authorisation to it)."""

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="pushes",
        verbose_name=_("企业"),
        db_index=False,  # the unique (enterprise, offering) index serves it
        db_constraint=False,  # checked set-wise after the bulk insert (match_and_push.py)
    )
    offering = models.ForeignKey(
        Offering,
        on_delete=models.CASCADE,
        related_name="pushes",
        verbose_name=_("政策产品"),
        db_constraint=False,
    )
    run = models.ForeignKey(
        Run,
        on_delete=models.CASCADE,
        related_name="pushes",
        verbose_name=_("积分测算"),
        db_constraint=False,
    )
    emailed = models.BooleanField(_("已发邮件"), default=False)
    institution_notified = models.BooleanField(_("已通知机构"), default=False)
    created_at = models.DateTimeField(_("推送时间"))

    class Meta:
        verbose_name = _("政策推送记录")
        verbose_name_plural = pgettext_lazy("plural", "政策推送记录")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "offering"], name="push_once")]

    def __str__(self) -> str:
        return f"{self.offering} → {self.enterprise}"


class PushOptOut(models.Model):
    """An enterprise does not want pushes of one kind of offering."""

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="push_opt_outs",
        verbose_name=_("企业"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Offering.Kind.choices)
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("推送退订")
        verbose_name_plural = pgettext_lazy("plural", "推送退订")
        constraints = [models.UniqueConstraint(fields=["enterprise", "kind"], name="opt_out_once")]

    def __str__(self) -> str:
        return f"{self.enterprise} ✕ {self.get_kind_display()}"  # type: ignore[attr-defined]
