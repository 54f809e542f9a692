"""The lists of 监测评价 through the site's one Listing (site/listing.py): the divisions'
ranking for a year and the work summaries."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from innopoints.site import names
from innopoints.site.listing import NumberColumn, Table
from innopoints.targets.models import WorkSummary

NOWRAP = {"td": {"class": "text-nowrap"}}


class RankingTable(Table):
    """Rows: {"rank": int | None, "figures": supervision.Figures}, already in rank order."""

    rank = NumberColumn(verbose_name=_("排名"))
    division = tables.Column(verbose_name=_("地区"), accessor="figures__division", attrs=NOWRAP)
    registered = NumberColumn(verbose_name=_("登记企业（家）"), accessor="figures__registered")
    scored = NumberColumn(verbose_name=_("已评价（家）"), accessor="figures__scored")
    coverage = NumberColumn(
        verbose_name=_("积分评价覆盖率（%）"), accessor="figures__coverage", places=1
    )
    target = NumberColumn(
        verbose_name=_("评价目标（家）"), accessor="figures__target__enterprises_scored"
    )
    target_share = NumberColumn(
        verbose_name=_("目标完成（%）"), accessor="figures__target_share", places=1
    )
    authorised = NumberColumn(
        verbose_name=_("授权数据占比（%）"), accessor="figures__authorised", places=1
    )
    mean_score = NumberColumn(
        verbose_name=_("平均积分（分）"), accessor="figures__mean_score", places=2
    )
    median_score = NumberColumn(
        verbose_name=_("积分中位数（分）"), accessor="figures__median_score", places=2
    )
    loans = NumberColumn(verbose_name=_("当年贷款（万元）"), accessor="figures__loans", places=2)
    direct = NumberColumn(
        verbose_name=_("当年直接融资（万元）"), accessor="figures__direct", places=2
    )
    timeliness = NumberColumn(
        verbose_name=_("报送及时率（%）"), accessor="figures__timeliness", places=1
    )

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle", "id": "ranking"}
        orderable = False  # the order is the ranking (by the metric chosen above the table)

    def render_division(self, value: Any) -> str:
        return names.region_name(value.code)

    def value_division(self, value: Any) -> str:
        return names.region_name(value.code)


class SummaryTable(Table):
    division = tables.Column(verbose_name=_("地区"), attrs=NOWRAP)
    year = tables.Column(verbose_name=_("年度"), attrs=NOWRAP)
    file_name = tables.Column(verbose_name=_("文件"))
    uploaded_at = tables.DateTimeColumn(verbose_name=_("提交时间"), format="Y-m-d H:i")
    status = tables.Column(verbose_name=_("状态"), attrs=NOWRAP)
    reviewed_at = tables.DateTimeColumn(verbose_name=_("审阅时间"), format="Y-m-d H:i")
    action = tables.Column(
        verbose_name=_("操作"),
        empty_values=(),
        orderable=False,
        exclude_from_export=True,
        attrs=NOWRAP,
    )

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle", "id": "summaries"}

    def render_division(self, record: WorkSummary) -> str:
        return record.division_name

    def value_division(self, record: WorkSummary) -> str:
        return record.division_name

    def render_status(self, record: WorkSummary) -> str:
        return str(record.get_status_display())  # type: ignore[attr-defined]

    def value_status(self, record: WorkSummary) -> str:
        return str(record.get_status_display())  # type: ignore[attr-defined]

    def render_action(self, record: WorkSummary) -> str:
        url = reverse("targets:summary", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, _("查看"))
