"""目标: what a division aims for in a year (seed 004 一、总体目标 for Sichuan by 2027: 3 万家
科技型企业积分评价, 科技企业贷款余额 6000 亿元, 直接融资 500 亿元), edited by government with its
history kept; and the per-run rollup of policy matches the financing funnel reads, so that no
page groups a million match rows. Supervision of divisions (seed 002: districts deliver data and
a yearly summary by 30 June): delivery deadlines per source, division and period, the counties
each import batch covered, and the work summaries cities and counties upload."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from innopoints.applications.models import Offering
from innopoints.collection.models import DataSource, ImportBatch
from innopoints.registry.models import Institution, Region
from innopoints.scoring.models import Run
from innopoints.site import names

YI = Decimal(10000)  # 1 亿元 = 10,000 万元 (the platform's unit for money)


class Target(models.Model):
    division = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="targets", verbose_name=_("行政区划")
    )
    year = models.PositiveSmallIntegerField(_("目标年度"))
    enterprises_scored = models.PositiveIntegerField(_("完成积分评价的企业（家）"))
    loan_volume = models.DecimalField(
        _("科技企业贷款余额（亿元）"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    direct_financing = models.DecimalField(
        _("直接融资（亿元）"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    source = models.CharField(_("依据"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("最近修改人"),
    )
    updated_at = models.DateTimeField(_("最近修改时间"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("目标变更记录"))

    class Meta:
        verbose_name = _("目标")
        verbose_name_plural = pgettext_lazy("plural", "目标")
        ordering = ["division", "year"]
        constraints = [
            models.UniqueConstraint(fields=["division", "year"], name="target_once_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.division} · {self.year}"

    @property
    def division_name(self) -> str:
        """The division by its name, in the page's language."""
        return names.region_name(self.division_id)

    @property
    def loan_volume_wan(self) -> Decimal:
        return self.loan_volume * YI

    @property
    def direct_financing_wan(self) -> Decimal:
        return self.direct_financing * YI


class MatchRollup(models.Model):
    """Matches of one run counted by offering, division, tier and stage (written once, when
    the run's matching finishes: ``rollup.py``), at two levels: ``digits`` 6, by county (what a
    city or county reads), and 4, by prefecture (the province, the platform and banks read
    these: a tenth of the rows). The funnel's first step reads these."""

    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="+", verbose_name=_("积分测算")
    )
    offering = models.ForeignKey(
        Offering, on_delete=models.CASCADE, related_name="+", verbose_name=_("产品")
    )
    institution = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("金融机构"),
    )
    digits = models.PositiveSmallIntegerField(_("区划代码位数"), default=6)
    region_code = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    tier = models.CharField(_("档次"), max_length=16, blank=True)
    stage = models.CharField(_("成长阶段"), max_length=32, blank=True)
    count = models.PositiveIntegerField(_("匹配数"))

    class Meta:
        verbose_name = _("匹配汇总")
        verbose_name_plural = pgettext_lazy("plural", "匹配汇总")
        indexes = [
            models.Index(fields=["run", "digits", "region_code"]),
            models.Index(fields=["run", "digits", "institution"]),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.offering_id}/{self.region_code}: {self.count}"


class DeliveryDeadline(models.Model):
    """The day a source's data for a period are due from a division (and the divisions below
    it, unless they have their own); without one, 30 June of the year after the period
    (``deliveries.default_due``)."""

    source = models.ForeignKey(
        DataSource, on_delete=models.CASCADE, related_name="+", verbose_name=_("数据来源")
    )
    division = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("行政区划")
    )
    period = models.CharField(_("数据期"), max_length=16)
    due_on = models.DateField(_("报送截止日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("最近修改人"),
    )
    updated_at = models.DateTimeField(_("最近修改时间"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("报送截止日期变更记录"))

    class Meta:
        verbose_name = _("报送截止日期")
        verbose_name_plural = pgettext_lazy("plural", "报送截止日期")
        ordering = ["period", "division", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "division", "period"], name="deadline_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} · {self.division} · {self.period}: {self.due_on}"


class BatchDivision(models.Model):
    """How many enterprises of one county an import batch carried values for (a batch never
    changes, so this is counted once: ``deliveries.ensure_counted``). A batch that carried
    none has one row with an empty code, so that it is not counted again."""

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="+", verbose_name=_("导入批次")
    )
    region_code = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    enterprises = models.PositiveIntegerField(_("企业数"))

    class Meta:
        verbose_name = _("批次覆盖地区")
        verbose_name_plural = pgettext_lazy("plural", "批次覆盖地区")
        constraints = [
            models.UniqueConstraint(fields=["batch", "region_code"], name="batch_division_once")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.region_code}: {self.enterprises}"


class WorkSummary(models.Model):
    """A city's or county's yearly work summary (年度工作总结): a file and a text, read and
    acknowledged (or sent back) by the division above."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审阅")
        ACKNOWLEDGED = "acknowledged", _("已确认")
        RETURNED = "returned", _("退回修改")

    division = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("行政区划")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    text = models.TextField(_("工作总结"))
    file_name = models.CharField(_("文件名"), max_length=255)
    content = models.BinaryField(_("文件"), editable=False)
    size = models.PositiveIntegerField(_("文件大小（字节）"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提交人"),
    )
    uploaded_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    review_note = models.TextField(_("审阅意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审阅人"),
    )
    reviewed_at = models.DateTimeField(_("审阅时间"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("工作总结变更记录"), excluded_fields=["content"])

    class Meta:
        verbose_name = _("工作总结")
        verbose_name_plural = pgettext_lazy("plural", "工作总结")
        ordering = ["-year", "division", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.division} · {self.year}"

    @property
    def division_name(self) -> str:
        return names.region_name(self.division_id)
