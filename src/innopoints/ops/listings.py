"""后台任务 as the site's one Listing (site/listing.py): sorted, 50 a page, exported."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from innopoints.core.recent_jobs import Job
from innopoints.site.listing import NumberColumn, Table

STATUS_TONES = {"done": "success", "failed": "danger", "cancelled": "secondary"}


class JobTable(Table):
    kind_label = tables.Column(verbose_name=_("类别"), attrs={"td": {"class": "text-nowrap"}})
    label = tables.Column(verbose_name=_("任务"))
    status_label = tables.Column(verbose_name=_("状态"), order_by=("status",))
    started = tables.DateTimeColumn(verbose_name=_("开始时间"), format="Y-m-d H:i:s")
    finished = tables.DateTimeColumn(verbose_name=_("完成时间"), format="Y-m-d H:i:s")
    seconds = NumberColumn(verbose_name=_("耗时（秒）"), places=2)
    who = tables.Column(verbose_name=_("发起人"))
    error = tables.Column(verbose_name=_("错误"), attrs={"td": {"class": "error small"}})

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle", "id": "jobs"}
        row_attrs = {"class": lambda record: f"job-{record.kind} status-{record.status}"}
        empty_text = _("暂无后台任务")

    def render_label(self, record: Job) -> Any:
        if record.url:
            return format_html('<a href="{}">{}</a>', record.url, record.label)
        return record.label

    def value_label(self, record: Job) -> str:
        return record.label

    def render_status_label(self, record: Job) -> Any:
        tone = STATUS_TONES.get(record.status, "warning")
        return format_html('<span class="badge text-bg-{}">{}</span>', tone, record.status_label)

    def value_status_label(self, record: Job) -> str:
        return record.status_label
