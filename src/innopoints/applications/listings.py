"""政策推送成效 as the site's one Listing (site/listing.py): sorted, 50 a page, exported."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.site.listing import NumberColumn, Table


class UptakeTable(Table):
    """One row per offering (a dict of the uptake view): matched, pushed, applied."""

    name = tables.Column(verbose_name=gettext_lazy("政策或产品"))
    kind = tables.Column(verbose_name=gettext_lazy("类型"))
    issuer = tables.Column(verbose_name=gettext_lazy("发布方"))
    in_force = tables.Column(verbose_name=gettext_lazy("状态"))
    matched = NumberColumn(
        verbose_name=gettext_lazy("符合（家）"),
        attrs={"th": {"class": "num"}, "td": {"class": "num matched"}},
    )
    pushed = NumberColumn(
        verbose_name=gettext_lazy("已推送（家）"),
        attrs={"th": {"class": "num"}, "td": {"class": "num pushed"}},
    )
    applied = NumberColumn(
        verbose_name=gettext_lazy("已申请（家）"),
        attrs={"th": {"class": "num"}, "td": {"class": "num applied"}},
    )

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle", "id": "uptake"}
        row_attrs = {"data-offering": lambda record: record["offering"].code}
        empty_text = gettext_lazy("暂无")

    def render_name(self, record: dict[str, Any]) -> Any:
        offering = record["offering"]
        if offering.example:
            return format_html(
                '{} <span class="badge text-bg-light border">{}</span>', offering.name, _("示例")
            )
        return offering.name

    def value_name(self, record: dict[str, Any]) -> str:
        return str(record["offering"].name)

    def render_in_force(self, value: bool) -> Any:
        if value:
            return format_html('<span class="badge text-bg-success">{}</span>', _("有效"))
        return format_html(
            '<span class="badge text-bg-light border">{}</span>', _("未生效或已停用")
        )

    def value_in_force(self, value: bool) -> str:
        return _("有效") if value else _("未生效或已停用")
