"""金融端 → 接口令牌 as the site's one Listing (site/listing.py): sorted, 50 a page, exported
(names, prefixes and dates: never a secret, which the platform does not keep)."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.api.models import ApiToken
from innopoints.site.listing import Table


def _status(token: ApiToken) -> tuple[str, str]:
    if token.revoked_at:
        return "secondary", _("已撤销")
    if token.expires_at and token.expires_at <= timezone.now():
        return "warning", _("已过期")
    return "success", _("有效")


class TokenTable(Table):
    name = tables.Column(verbose_name=gettext_lazy("名称"))
    prefix = tables.Column(verbose_name=gettext_lazy("令牌前缀"))
    created_by = tables.Column(
        verbose_name=gettext_lazy("创建人"), order_by=("created_by__username",)
    )
    created_at = tables.DateTimeColumn(verbose_name=gettext_lazy("创建时间"), format="Y-m-d H:i")
    last_used_at = tables.DateTimeColumn(verbose_name=gettext_lazy("最近使用"), format="Y-m-d H:i")
    expires_at = tables.DateTimeColumn(
        verbose_name=gettext_lazy("过期时间"), format="Y-m-d", default=gettext_lazy("长期")
    )
    status = tables.Column(
        verbose_name=gettext_lazy("状态"), empty_values=(), order_by=("revoked_at", "expires_at")
    )
    actions = tables.Column(
        verbose_name=gettext_lazy("操作"),
        empty_values=(),
        orderable=False,
        exclude_from_export=True,
        attrs={"td": {"class": "text-nowrap"}},
    )

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle", "id": "api-tokens"}
        empty_text = gettext_lazy("暂无")

    def render_prefix(self, value: str) -> Any:
        return format_html("<code>{}</code>", value)

    def value_prefix(self, value: str) -> str:
        return value

    def render_created_by(self, record: ApiToken) -> str:
        return record.created_by.get_username() if record.created_by else "—"

    def render_status(self, record: ApiToken) -> Any:
        tone, label = _status(record)
        when = (
            " " + timezone.localtime(record.revoked_at).strftime("%Y-%m-%d %H:%M")
            if record.revoked_at
            else ""
        )
        return format_html('<span class="badge text-bg-{}">{}</span>{}', tone, label, when)

    def value_status(self, record: ApiToken) -> str:
        return _status(record)[1]

    def render_actions(self, record: ApiToken) -> Any:
        if record.revoked_at:
            return ""
        token = get_token(self.request)
        form = (
            '<form method="post" action="{}" class="d-inline">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit" class="btn btn-outline-{} btn-sm">{}</button></form>'
        )
        return format_html(
            form + " " + form,
            reverse("api_tokens:rotate", args=[record.pk]),
            token,
            "primary",
            _("轮换"),
            reverse("api_tokens:revoke", args=[record.pk]),
            token,
            "danger",
            _("撤销"),
        )
