"""Records of background work split over Celery workers: which worker took which part, the
batches of 一企一档 PDFs, imports run on a worker, and tasks waiting for the broker."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from innopoints.collection.models import DataSource
from innopoints.registry.models import Region
from innopoints.scoring.models import Run

STATUSES = [
    ("waiting", _("等待任务队列")),
    ("queued", _("排队中")),
    ("running", _("进行中")),
    ("done", _("已完成")),
    ("failed", _("失败")),
    ("refused", _("未导入")),
]


class QueuedTask(models.Model):
    """A task the broker could not take (Redis down): sent again when it answers."""

    task = models.CharField(_("任务"), max_length=100)
    args = models.JSONField(_("参数"), default=list)
    reason = models.TextField(_("原因"), blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待发送任务")
        verbose_name_plural = _("待发送任务")
        ordering = ["pk"]


class RunJob(models.Model):
    """A run carried out in parts on the task queue; ``attempt`` grows with every retry so a
    stale message of an earlier attempt does nothing."""

    run = models.OneToOneField(Run, on_delete=models.CASCADE, related_name="job")
    attempt = models.PositiveIntegerField(_("尝试次数"), default=0)

    class Meta:
        verbose_name = _("测算任务")
        verbose_name_plural = _("测算任务")


class RunPart(models.Model):
    PARTS = [("gather", _("汇集数据")), ("score", _("计算积分")), ("store", _("写入结果"))]
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="parts")
    attempt = models.PositiveIntegerField(_("尝试"))
    part = models.CharField(_("环节"), max_length=16, choices=PARTS)
    worker = models.CharField(_("执行节点"), max_length=200)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    seconds = models.FloatField(_("耗时（秒）"), null=True, blank=True)

    class Meta:
        verbose_name = _("测算环节")
        verbose_name_plural = _("测算环节")
        ordering = ["run", "attempt", "started_at", "pk"]


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
    status = models.CharField(_("状态"), max_length=16, choices=STATUSES, default="queued")
    attempt = models.PositiveIntegerField(_("尝试次数"), default=1)
    worker = models.CharField(_("执行节点"), max_length=200, blank=True)
    state = models.JSONField(_("结果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")


class DossierBatch(models.Model):
    """一企一档 PDFs of many enterprises (a run's, or a region's), rendered in chunks."""

    run = models.ForeignKey(Run, null=True, blank=True, on_delete=models.PROTECT)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT)
    directory = models.CharField(_("输出目录"), max_length=500)
    status = models.CharField(_("状态"), max_length=16, choices=STATUSES, default="queued")
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
        verbose_name = _("一企一档批量生成")
        verbose_name_plural = _("一企一档批量生成")

    @property
    def progress(self) -> float:
        return self.files_done / self.n_enterprises if self.n_enterprises else 0.0


class DossierChunk(models.Model):
    batch = models.ForeignKey(DossierBatch, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField(_("序号"))
    enterprise_ids = models.JSONField(_("企业"))
    status = models.CharField(_("状态"), max_length=16, choices=STATUSES, default="queued")
    worker = models.CharField(_("执行节点"), max_length=200, blank=True)
    n_files = models.PositiveIntegerField(_("文件数"), default=0)
    seconds = models.FloatField(_("耗时（秒）"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("一企一档分片")
        verbose_name_plural = _("一企一档分片")
        ordering = ["batch", "index"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "index"], name="dossier_chunk_once")
        ]
