"""The records of the background machinery every app shares: tasks waiting for the broker,
and the states a background job passes through."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

JOB_STATUSES = [
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
        db_table = "jobs_queuedtask"  # moved from the jobs app; the table kept its name
        verbose_name = _("待发送任务")
        verbose_name_plural = _("待发送任务")
        ordering = ["pk"]
