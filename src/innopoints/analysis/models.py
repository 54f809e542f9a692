"""积分榜 (published lists over a run), 培育库 (rule-based pools with membership history), and
the 公示 of a published list with the objections (异议) filed against it (analysis/publicity.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from innopoints.analysis.board_filters import parse_filter
from innopoints.core.models import JOB_STATUSES
from innopoints.registry.models import Enterprise, IndustryField, Region
from innopoints.scoring.models import Run


class Pool(models.Model):
    """A cultivation pool defined by a rule over a run's results and inputs (pools.py)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    description = models.TextField(_("说明"), blank=True)
    rule = models.JSONField(_("入库规则"))
    history = HistoricalRecords(verbose_name=_("培育库变更记录"))

    class Meta:
        verbose_name = _("培育库")
        verbose_name_plural = pgettext_lazy("plural", "培育库")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PoolMembership(models.Model):
    """Written only by a run, in its transaction, for the run's own enterprises: the references
    are checked set-wise there (a national run writes close to a million of them, and
    PostgreSQL's per-row deferred foreign-key checks would dominate its commit). The composite
    indexes serve every query, so the keys have no single-column indexes of their own."""

    pool = models.ForeignKey(
        Pool,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("培育库"),
        db_constraint=False,
        db_index=False,
    )
    run = models.ForeignKey(
        Run,
        on_delete=models.CASCADE,
        related_name="pool_memberships",
        verbose_name=_("积分测算"),
        db_constraint=False,
        db_index=False,
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="pool_memberships",
        verbose_name=_("企业"),
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        verbose_name = _("入库记录")
        verbose_name_plural = pgettext_lazy("plural", "入库记录")
        constraints = [
            models.UniqueConstraint(fields=["pool", "run", "enterprise"], name="membership_once")
        ]
        # run first, as every query names the run: a run's memberships go into its own part
        # of the index, so storing them does not grow with the runs stored
        indexes = [models.Index(fields=["run", "enterprise"])]


class Leaderboard(models.Model):
    KINDS = [
        ("overall", _("总榜")),
        ("industry", _("产业领域榜")),
        ("stage", _("成长阶段榜")),
        ("risers", _("积分跃升榜")),
        ("pool", _("培育库名单")),
        ("filter", _("按条件筛选的名单")),
    ]
    STATUSES = [("draft", _("草稿")), ("published", _("已发布"))]
    run = models.ForeignKey(
        Run, on_delete=models.PROTECT, related_name="leaderboards", verbose_name=_("积分测算")
    )
    title = models.CharField(_("榜单名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=16, choices=KINDS, default="overall")
    filter_value = models.CharField(
        _("领域、阶段、培育库或筛选条件"),
        max_length=300,
        blank=True,
        help_text=_(
            "产业领域榜填领域名称，成长阶段榜填阶段代码，培育库名单填培育库代码；"
            "筛选名单写条件，如 tier=A,B; stage=growth; region=5101; min_total=60"
        ),
    )
    top_n = models.PositiveIntegerField(_("前 N 名"), null=True, blank=True)
    share_from = models.FloatField(_("比例起（%）"), null=True, blank=True)
    share_to = models.FloatField(
        _("比例止（%）"),
        null=True,
        blank=True,
        help_text=_("如 0–5 表示前 5%，5–10 表示 5%–10%，按成长阶段分别计算"),
    )
    status = models.CharField(_("状态"), max_length=16, choices=STATUSES, default="draft")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("发布人"),
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("榜单变更记录"))

    class Meta:
        verbose_name = _("积分榜")
        verbose_name_plural = pgettext_lazy("plural", "积分榜")
        ordering = ["-created_at"]

    def clean(self) -> None:
        if (
            self.kind == "pool"
            and not Pool.objects.filter(
                models.Q(code=self.filter_value) | models.Q(name=self.filter_value)
            ).exists()
        ):
            raise ValidationError(
                {"filter_value": _("没有名为“%(name)s”的培育库") % {"name": self.filter_value}}
            )
        if self.kind == "filter":
            try:
                parse_filter(self.filter_value)
            except ValueError as exc:
                raise ValidationError({"filter_value": str(exc)}) from None

    def __str__(self) -> str:
        return self.title


class DossierBatch(models.Model):
    """一企一档 PDFs of many enterprises (a run's, or a region's), rendered in chunks."""

    run = models.ForeignKey(Run, null=True, blank=True, on_delete=models.PROTECT)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT)
    directory = models.CharField(_("输出目录"), max_length=500)
    status = models.CharField(_("状态"), max_length=16, choices=JOB_STATUSES, default="queued")
    n_enterprises = models.PositiveIntegerField(_("企业数"), default=0)
    n_chunks = models.PositiveIntegerField(_("分片数"), default=0)
    chunks_done = models.PositiveIntegerField(_("已完成分片"), default=0)
    files_done = models.PositiveIntegerField(_("已生成文件"), default=0)
    error = models.TextField(_("错误"), blank=True)
    manifest = models.CharField(_("清单文件"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    seconds = models.FloatField(_("耗时（秒）"), null=True, blank=True)

    class Meta:
        db_table = "jobs_dossierbatch"  # moved from the jobs app; the table kept its name
        verbose_name = _("一企一档批量生成")
        verbose_name_plural = _("一企一档批量生成")

    @property
    def progress(self) -> float:
        return self.files_done / self.n_enterprises if self.n_enterprises else 0.0


class DossierChunk(models.Model):
    batch = models.ForeignKey(DossierBatch, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField(_("序号"))
    enterprise_ids = models.JSONField(_("企业"))
    status = models.CharField(_("状态"), max_length=16, choices=JOB_STATUSES, default="queued")
    worker = models.CharField(_("执行节点"), max_length=200, blank=True)
    n_files = models.PositiveIntegerField(_("文件数"), default=0)
    seconds = models.FloatField(_("耗时（秒）"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        db_table = "jobs_dossierchunk"  # moved from the jobs app; the table kept its name
        verbose_name = _("一企一档分片")
        verbose_name_plural = _("一企一档分片")
        ordering = ["batch", "index"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "index"], name="dossier_chunk_once")
        ]


class ScoreConsent(models.Model):
    """An enterprise's choice, in its portal's settings, to show its total on public 公示
    pages. No row, or ``show_score`` false: its score never appears there."""

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, related_name="score_consent", verbose_name=_("企业")
    )
    show_score = models.BooleanField(_("同意在公示页面显示本企业积分"), default=False)
    updated_at = models.DateTimeField(_("设置时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("设置人"),
        related_name="+",
    )

    class Meta:
        verbose_name = _("积分公开同意")
        verbose_name_plural = pgettext_lazy("plural", "积分公开同意")

    def __str__(self) -> str:
        return str(self.enterprise)


class Publicity(models.Model):
    """A published 积分榜 (or the recommended list sent from it) shown to the public for a
    公示期, with a way for anyone to object."""

    board = models.ForeignKey(
        Leaderboard, on_delete=models.PROTECT, related_name="publicities", verbose_name=_("榜单")
    )
    title = models.CharField(_("公示标题"), max_length=160)
    field = models.ForeignKey(
        IndustryField,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("领域"),
    )
    starts_on = models.DateField(_("公示开始日期"))
    ends_on = models.DateField(_("公示结束日期"))
    reply_days = models.PositiveSmallIntegerField(
        _("异议答复期限（天）"),
        default=15,
        help_text=_("每件异议自收到之日起在此天数内答复"),
    )
    show_scores = models.BooleanField(
        _("显示积分"),
        default=False,
        help_text=_("只显示已在企业端同意公开积分的企业的积分，其余企业不显示"),
    )
    contact = models.CharField(
        _("受理单位与联系方式"),
        max_length=200,
        help_text=_("如：省科技厅成果转化处，028-00000000"),
    )
    note = models.TextField(_("公示说明"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = pgettext_lazy("plural", "公示")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="publicity_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Objection(models.Model):
    """An objection (异议) filed on a public 公示 page, answered by the publisher before its
    deadline; an upheld one is settled by a corrected run."""

    STATUSES = [("open", _("待处理")), ("upheld", _("异议成立")), ("dismissed", _("异议不成立"))]
    publicity = models.ForeignKey(
        Publicity, on_delete=models.PROTECT, related_name="objections", verbose_name=_("公示")
    )
    subject = models.CharField(_("涉及的企业或名次"), max_length=200, blank=True)
    enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("涉及的企业"),
    )
    name = models.CharField(_("异议人"), max_length=64)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    text = models.TextField(_("异议内容"), max_length=2000)
    attachment_name = models.CharField(_("附件"), max_length=200, blank=True)
    attachment = models.BinaryField(_("附件内容"), null=True, editable=False)
    address = models.GenericIPAddressField(_("提交地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    deadline = models.DateField(_("答复期限"))
    status = models.CharField(_("处理结果"), max_length=16, choices=STATUSES, default="open")
    reason = models.TextField(_("处理理由"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    corrected_run = models.ForeignKey(
        Run,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("更正测算"),
    )

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = pgettext_lazy("plural", "异议")
        ordering = ["status", "deadline", "pk"]
        indexes = [models.Index(fields=["address", "created_at"])]

    def __str__(self) -> str:
        return gettext("异议 %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        """The receipt number the objector is given (受理编号)."""
        return f"{self.created_at:%Y}-{self.pk:06d}" if self.pk and self.created_at else ""
