"""Data collection and governance (数据采集治理): sources, authorisations, import batches,
versioned fact values and verification findings. Values are append-only: a new batch or a
correction adds a version; nothing is overwritten."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from innopoints.core.models import JOB_STATUSES
from innopoints.engine.fields import base_catalogue
from innopoints.registry.models import Enterprise, Institution

FREQUENCIES = [("yearly", _("每年")), ("half-yearly", _("半年"))]


def validate_field_code(value: str) -> None:
    if value not in base_catalogue():
        raise ValidationError(gettext("未知指标代码 %(code)s") % {"code": repr(value)})


# the government departments that send data (collection/sources.yaml), as they name
# themselves in English
SOURCE_NAMES_EN = {
    "四川省税务局": "Sichuan Provincial Tax Service",
    "科技厅": "Department of Science and Technology",
    "省市场监管局": "Provincial Administration for Market Regulation",
    "人力资源社会保障厅": "Department of Human Resources and Social Security",
    "教育厅": "Department of Education",
    "省发展改革委": "Development and Reform Commission",
    "经济和信息化厅": "Department of Economy and Information Technology",
    "应急管理厅": "Department of Emergency Management",
    "省法院": "High People's Court",
}


class DataSource(models.Model):
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)
    may_register_enterprises = models.BooleanField(
        _("可登记新企业"),
        default=False,
        help_text=_(
            "只有企业登记机关（如市场监管局）的文件可以新增企业；其他来源遇到未登记企业即报错。"
        ),
    )
    manual = models.BooleanField(_("人工核定"), default=False, editable=False)
    tolerance = models.FloatField(
        _("多源比对容差（相对）"),
        default=0.01,
        help_text=_("同一事实两个来源相差超过此比例（且超过 0.01 的绝对差）即生成核验问题。"),
    )
    note = models.TextField(_("说明"), blank=True)
    contact_email = models.EmailField(
        _("联系人电子邮箱"),
        blank=True,
        help_text=_("报送逾期或被拒收时，平台向此邮箱发送通知。"),
    )
    history = HistoricalRecords(verbose_name=_("数据来源变更记录"))

    class Meta:
        verbose_name = _("数据来源")
        verbose_name_plural = pgettext_lazy("plural", "数据来源")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The source's name in the page's language (the government departments' English
        names; a source of no known name as stored)."""
        if (get_language() or "").startswith("en"):
            return SOURCE_NAMES_EN.get(self.name, self.name)
        return self.name


class SourceField(models.Model):
    """An indicator (field) a source delivers, how often, whether it needs the enterprise's
    authorisation (附件1 “经企业授权”), and the source's priority for it (1 = preferred)."""

    source = models.ForeignKey(
        DataSource, on_delete=models.CASCADE, related_name="fields", verbose_name=_("数据来源")
    )
    field_code = models.CharField(_("指标代码"), max_length=64, validators=[validate_field_code])
    frequency = models.CharField(
        _("共享频率"), max_length=16, choices=FREQUENCIES, default="yearly"
    )
    requires_authorisation = models.BooleanField(_("需企业授权"), default=False)
    priority = models.PositiveSmallIntegerField(
        _("优先级"), default=5, help_text=_("数字越小越优先，决定哪个版本生效。")
    )
    history = HistoricalRecords(verbose_name=_("来源指标变更记录"))

    class Meta:
        verbose_name = _("来源指标")
        verbose_name_plural = pgettext_lazy("plural", "来源指标")
        unique_together = [("source", "field_code")]
        ordering = ["field_code", "priority"]

    def __str__(self) -> str:
        return f"{self.source} · {self.field_code}"


class ColumnAlias(models.Model):
    """A column header a source's files use for a field, saved for reuse."""

    source = models.ForeignKey(
        DataSource, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("数据来源")
    )
    header = models.CharField(_("文件列名"), max_length=128)
    field_code = models.CharField(_("指标代码"), max_length=64, validators=[validate_field_code])

    class Meta:
        verbose_name = _("列名映射")
        verbose_name_plural = pgettext_lazy("plural", "列名映射")
        unique_together = [("source", "header")]

    def __str__(self) -> str:
        return f"{self.header} → {self.field_code}"


def in_force_on(day: dt.date) -> models.Q:
    """The one rule of an authorisation in force on ``day``: not revoked, begun, not yet ended
    (its last day, ``valid_to``, included). ``Authorisation.active_on`` is the same rule on
    one loaded record (tests/platform/test_rules.py holds both to one table)."""
    return models.Q(revoked_at__isnull=True, valid_from__lte=day) & (
        models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day)
    )


class AuthorisationQuerySet(models.QuerySet["Authorisation"]):
    def active_on(self, day: dt.date) -> AuthorisationQuerySet:
        """Those in force on ``day`` (``in_force_on``)."""
        return self.filter(in_force_on(day))

    def lapsed_before(self, day: dt.date) -> AuthorisationQuerySet:
        """Those that ended (``valid_to``) before ``day`` without being revoked."""
        return self.filter(revoked_at__isnull=True, valid_to__lt=day)

    def of_institution_newest_first(
        self, institution: Institution, day: dt.date
    ) -> AuthorisationQuerySet:
        """An institution's authorisations in force on ``day``, newest first (the index
        ``authorisation_newest`` serves it a page at a time)."""
        return (
            self.active_on(day)
            .filter(institution=institution)
            .select_related("enterprise")
            .order_by("-created_at", "-pk")
        )


class Authorisation(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="authorisations", verbose_name=_("企业")
    )
    source = models.ForeignKey(
        DataSource,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authorisations",
        verbose_name=_("数据来源"),
    )
    institution = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authorisations",
        verbose_name=_("金融机构"),
    )
    scope = models.JSONField(_("授权范围（指标代码，空为全部）"), default=list, blank=True)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    expiry_notified_at = models.DateTimeField(
        _("到期通知时间"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("授权到期后，企业与被授权机构已收到通知的时间（每日到期处理）"),
    )
    created_at = models.DateTimeField(_("授权时间"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("授权变更记录"))

    objects = AuthorisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业授权")
        verbose_name_plural = pgettext_lazy("plural", "企业授权")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(source__isnull=False, institution__isnull=True)
                    | models.Q(source__isnull=True, institution__isnull=False)
                ),
                name="authorisation_one_grantee",
            )
        ]
        # an institution's newest authorisations a page at a time (金融端 home, the API)
        indexes = [
            models.Index(fields=["institution", "created_at", "id"], name="authorisation_newest")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} → {self.source or self.institution}"

    def clean(self) -> None:
        if (self.source is None) == (self.institution is None):
            raise ValidationError(gettext("授权对象须为一个数据来源或一个金融机构"))
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": gettext("截止日期不能早于生效日期")})
        unknown = [c for c in self.scope if c not in base_catalogue()]
        if unknown:
            raise ValidationError(
                {"scope": gettext("未知指标代码：%(codes)s") % {"codes": ", ".join(unknown)}}
            )

    def active_on(self, day: dt.date) -> bool:
        """Whether this record is in force on ``day`` (the rule of ``in_force_on``)."""
        return (
            self.revoked_at is None
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )


class ImportBatch(models.Model):
    source = models.ForeignKey(
        DataSource, on_delete=models.PROTECT, related_name="batches", verbose_name=_("数据来源")
    )
    period = models.CharField(_("数据期"), max_length=16)
    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("文件哈希"), max_length=64)
    content = models.BinaryField(_("原始文件"), editable=False)
    n_rows = models.PositiveIntegerField(_("行数"), default=0)
    n_values = models.PositiveIntegerField(_("数值个数"), default=0)
    n_new_enterprises = models.PositiveIntegerField(_("新登记企业"), default=0)
    n_findings = models.PositiveIntegerField(_("核验问题"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("导入人"),
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    seconds = models.FloatField(_("耗时（秒）"), default=0)
    column_map = models.JSONField(_("列映射"), default=dict)
    # a batch delivered through the data exchange (/api/v1/exchange/): the source's own key
    # and the token that delivered it (a file uploaded by a person has neither)
    batch_key = models.CharField(_("批次号"), max_length=100, blank=True, editable=False)
    token = models.ForeignKey(
        "api.ApiToken",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="batches",
        editable=False,
        verbose_name=_("报送令牌"),
    )
    # a batch a scheduled pull fetched (collection/pulls.py): the endpoint that delivered it
    endpoint = models.ForeignKey(
        "SourceEndpoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="batches",
        editable=False,
        verbose_name=_("拉取接口"),
    )

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = pgettext_lazy("plural", "导入批次")
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "sha256"], name="batch_file_once"),
            models.UniqueConstraint(
                fields=["source", "batch_key"],
                condition=~models.Q(batch_key=""),
                name="batch_key_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.period} {self.file_name}"


class FactValue(models.Model):
    """One version of one fact: (enterprise, period, field, source). Append-only."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="facts", verbose_name=_("企业")
    )
    period = models.CharField(_("数据期"), max_length=16)
    field_code = models.CharField(_("指标代码"), max_length=64)
    value = models.FloatField(_("数值"))
    source = models.ForeignKey(
        DataSource, on_delete=models.PROTECT, related_name="facts", verbose_name=_("数据来源")
    )
    batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facts",
        verbose_name=_("导入批次"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("记录人"),
    )
    reason = models.TextField(_("更正理由"), blank=True)

    class Meta:
        verbose_name = _("指标数值")
        verbose_name_plural = pgettext_lazy("plural", "指标数值")
        ordering = ["enterprise", "period", "field_code", "source", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "period", "field_code", "source", "version"],
                name="fact_version_once",
            )
        ]
        indexes = [models.Index(fields=["period", "field_code"])]

    def __str__(self) -> str:
        return f"{self.field_code}={self.value:g} ({self.source} v{self.version})"


class Finding(models.Model):
    KINDS = [
        ("discrepancy", _("多源不一致")),
        ("structure", _("结构性核查")),
        ("outlier", _("异常值")),
        ("dispute", _("企业异议")),
        ("delivery", _("报送异常")),
    ]
    STATUSES = [
        ("open", _("待处理")),
        ("accepted", _("已采纳来源")),
        ("corrected", _("已更正")),
        ("dismissed", _("已驳回")),
    ]
    kind = models.CharField(_("类型"), max_length=16, choices=KINDS)
    rule = models.CharField(_("规则"), max_length=64)
    enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("企业"),
        help_text=_("报送异常（逾期、拒收）涉及整个来源，没有企业"),
    )
    period = models.CharField(_("数据期"), max_length=16)
    field_code = models.CharField(_("指标代码"), max_length=64, blank=True)
    message = models.TextField(_("说明"))
    detail = models.JSONField(_("明细"), default=dict)
    batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("导入批次"),
        help_text=_("企业对缺失数值的异议没有批次"),
    )
    responsible_source = models.ForeignKey(
        DataSource,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_findings",
        verbose_name=_("责任来源"),
        help_text=_("企业异议交由报送该数值的来源核实"),
    )
    due_on = models.DateField(_("处理期限"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("逾期提醒时间"), null=True, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=16, choices=STATUSES, default="open")
    resolution_note = models.TextField(_("处理说明"), blank=True)
    chosen_source = models.ForeignKey(
        DataSource, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("采纳来源")
    )
    corrected_value = models.ForeignKey(
        FactValue,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("更正后的数值"),
        related_name="+",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("处理人"),
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("核验处理记录"))

    class Meta:
        verbose_name = _("核验问题")
        verbose_name_plural = pgettext_lazy("plural", "核验问题")
        ordering = ["status", "-created_at"]
        indexes = [models.Index(fields=["period", "status"])]

    def __str__(self) -> str:
        return gettext("%(kind)s：%(message)s") % {
            "kind": self.get_kind_display(),
            "message": self.message,
        }


class Dispute(models.Model):
    """An enterprise's dispute (异议) of one of its values: the enterprise's side of a
    verification finding of kind 「企业异议」 (the finding carries source, deadline and outcome)."""

    GROUNDS = [
        ("wrong", _("数值有误")),
        ("outdated", _("数值已过时")),
        ("missing", _("数值缺失")),
    ]
    finding = models.OneToOneField(
        Finding, on_delete=models.PROTECT, related_name="dispute", verbose_name=_("核验问题")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("企业")
    )
    grounds = models.CharField(_("异议类型"), max_length=16, choices=GROUNDS)
    fact = models.ForeignKey(
        FactValue,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("有异议的数值"),
    )
    claimed_value = models.FloatField(_("企业认为的数值"), null=True, blank=True)
    statement = models.TextField(_("异议说明"))
    run_id = models.PositiveIntegerField(_("所据测算"), null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提出人"),
    )
    raised_at = models.DateTimeField(_("提出时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("企业异议")
        verbose_name_plural = pgettext_lazy("plural", "企业异议")
        ordering = ["-raised_at", "-pk"]

    def __str__(self) -> str:
        return gettext("异议 %(pk)s") % {"pk": self.pk}


class DisputeEvidence(models.Model):
    """A file the enterprise attaches to its dispute; kept in the database like imports."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("企业异议")
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
        verbose_name = _("异议证明材料")
        verbose_name_plural = pgettext_lazy("plural", "异议证明材料")
        ordering = ["dispute", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """An import run by a worker: the uploaded file waits in the shared job directory."""

    token = models.CharField(_("编号"), max_length=32, unique=True)
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, verbose_name=_("数据来源"))
    period = models.CharField(_("数据期"), max_length=16)
    file_name = models.CharField(_("文件名"), max_length=255)
    path = models.CharField(_("暂存文件"), max_length=500)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    jurisdiction = models.CharField(_("辖区前缀"), max_length=12, blank=True)
    language = models.CharField(_("语言"), max_length=16, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=JOB_STATUSES, default="queued")
    attempt = models.PositiveIntegerField(_("尝试次数"), default=1)
    worker = models.CharField(_("执行节点"), max_length=200, blank=True)
    state = models.JSONField(_("结果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        db_table = "jobs_importjob"  # moved from the jobs app; the table kept its name
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")


AUTH_KINDS = [
    ("none", _("无需认证")),
    ("bearer", _("令牌（Bearer）")),
    ("basic", _("用户名和密码（Basic）")),
]
PULL_FORMATS = [("json", "JSON"), ("csv", "CSV")]
PULL_OUTCOMES = [
    ("imported", _("已导入")),
    ("replayed", _("内容未变")),
    ("refused", _("拒收")),
    ("failed", _("未能取得")),
]


class SourceEndpoint(models.Model):
    """Where the platform fetches a source's data itself (定时拉取, collection/pulls.py): the
    URL, how to sign in, the body's format, which column is which of the source's fields, the
    period it delivers and how often to pull. The secret is kept for the pull and never shown
    back in full; the state fields (next pull, failures, last outcome) are the scheduler's."""

    source = models.OneToOneField(
        DataSource, on_delete=models.CASCADE, related_name="endpoint", verbose_name=_("数据来源")
    )
    enabled = models.BooleanField(_("启用"), default=True)
    url = models.CharField(
        _("接口地址"),
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("http:// 或 https:// 地址；{period} 处填入所拉取的数据期"),
    )
    auth = models.CharField(_("认证方式"), max_length=8, choices=AUTH_KINDS, default="none")
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    secret = models.CharField(_("令牌或密码"), max_length=500, blank=True)
    # the formats' values are the words JSON and CSV (not stored as choices: the page walk
    # takes every stored choice for a code that must not show, and “csv” is a word on pages)
    format = models.CharField(
        _("数据格式"),
        max_length=4,
        default="json",
        validators=[RegexValidator(r"^(json|csv)$", _("数据格式须为 JSON 或 CSV"))],
    )
    mapping = models.JSONField(
        _("列映射"),
        default=dict,
        blank=True,
        help_text=_("来源的列名 → 指标代码；未列出的列按指标代码或中文列名识别"),
    )
    period = models.CharField(
        _("数据期"),
        max_length=16,
        blank=True,
        help_text=_("留空：按共享频率取最近一个已结束的数据期（每年：上一年；半年：上一个半年）"),
    )
    interval_hours = models.PositiveIntegerField(
        _("拉取间隔（小时）"),
        null=True,
        blank=True,
        help_text=_("留空：按共享频率确定（每年 168 小时，半年 24 小时）"),
    )
    timeout_seconds = models.PositiveSmallIntegerField(_("超时（秒）"), default=30)
    next_pull_at = models.DateTimeField(_("下次拉取时间"), null=True, blank=True, editable=False)
    failures = models.PositiveSmallIntegerField(_("连续失败次数"), default=0, editable=False)
    last_pulled_at = models.DateTimeField(_("最近拉取时间"), null=True, blank=True, editable=False)
    last_outcome = models.CharField(
        _("最近结果"), max_length=16, choices=PULL_OUTCOMES, blank=True, editable=False
    )
    last_message = models.TextField(_("最近结果说明"), blank=True, editable=False)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    history = HistoricalRecords(
        verbose_name=_("拉取接口变更记录"),
        excluded_fields=[
            "secret",
            "next_pull_at",
            "failures",
            "last_pulled_at",
            "last_outcome",
            "last_message",
        ],
    )

    class Meta:
        verbose_name = _("拉取接口")
        verbose_name_plural = pgettext_lazy("plural", "拉取接口")
        ordering = ["source__code"]

    def __str__(self) -> str:
        return f"{self.source} · {self.url}"

    @property
    def masked_secret(self) -> str:
        """The secret as shown back: its last four characters at most, the rest hidden."""
        if not self.secret:
            return ""
        tail = self.secret[-4:] if len(self.secret) >= 12 else ""
        return "••••••" + tail


class DeliveryAttempt(models.Model):
    """One delivery of a source's data for a period, accepted or not: a scheduled pull (each
    try, with its outcome) or an API batch that the import refused. An accepted delivery also
    has its ``ImportBatch``; a refused one leaves only this (and nothing else stored)."""

    CHANNELS = [("pull", _("定时拉取")), ("api", _("接口报送"))]
    source = models.ForeignKey(
        DataSource, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("数据来源")
    )
    period = models.CharField(_("数据期"), max_length=16)
    channel = models.CharField(_("报送方式"), max_length=8, choices=CHANNELS)
    outcome = models.CharField(_("结果"), max_length=16, choices=PULL_OUTCOMES)
    endpoint = models.ForeignKey(
        SourceEndpoint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attempts",
        verbose_name=_("拉取接口"),
    )
    token = models.ForeignKey(
        "api.ApiToken",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attempts",
        verbose_name=_("报送令牌"),
    )
    batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attempts",
        verbose_name=_("导入批次"),
    )
    batch_key = models.CharField(_("批次号"), max_length=100, blank=True)
    sha256 = models.CharField(_("内容哈希"), max_length=64, blank=True)
    message = models.TextField(_("说明"), blank=True)
    problems = models.JSONField(_("问题"), default=list, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("报送记录")
        verbose_name_plural = pgettext_lazy("plural", "报送记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["source", "period", "outcome"], name="attempt_status")]

    def __str__(self) -> str:
        return f"{self.source} {self.period} {self.channel} {self.outcome}"


class KeptValues(models.Model):
    """The effective value of every (enterprise, field) of a period as the last full-scope run
    found it, kept so that the next run reads these instead of every version of every value
    (a national period holds 29 M values): it re-derives only the enterprises that have a value
    recorded since (``fact_watermark``) or whose authorisations differ from ``grants``, and
    starts over when the source priorities change (``rules``). Derived data: dropping it only
    makes the next run slower. See ``collection.kept_values``."""

    period = models.CharField(_("数据期"), max_length=16, unique=True)
    fact_watermark = models.BigIntegerField(
        _("已含数值编号上限"), help_text=_("编号不大于此数的数值均已计入")
    )
    rules = models.CharField(_("来源优先级摘要"), max_length=64)
    grants = models.BinaryField(_("在效授权"))
    generation = models.PositiveBigIntegerField(
        _("版次"), default=1, help_text=_("每次更新加一：据旧版次所做的更新不再写入")
    )
    built_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("有效数值快照")
        verbose_name_plural = pgettext_lazy("plural", "有效数值快照")

    def __str__(self) -> str:
        return f"{self.period} ≤ {self.fact_watermark}"


class KeptField(models.Model):
    """One field's effective values in a ``KeptValues``, (enterprise, value id, value) in
    enterprise order as an Arrow IPC stream: part 0 all of them, each further part the
    enterprises chosen again by a later run (their rows replace those before; a null id: no
    value now), so a run that changed little writes little."""

    kept = models.ForeignKey(
        KeptValues, on_delete=models.CASCADE, related_name="fields", verbose_name=_("快照")
    )
    field_code = models.CharField(_("指标代码"), max_length=64)
    part = models.PositiveIntegerField(_("分段"), default=0)
    data = models.BinaryField(_("数值"))

    class Meta:
        verbose_name = _("有效数值快照（指标）")
        verbose_name_plural = pgettext_lazy("plural", "有效数值快照（指标）")
        constraints = [
            models.UniqueConstraint(fields=["kept", "field_code", "part"], name="kept_part_once")
        ]

    def __str__(self) -> str:
        return f"{self.kept} {self.field_code} {self.part}"
