"""The government portal's lists through the site's one Listing (site/listing.py): invited
accounts and the institutions a list was sent to."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from innopoints.site import names
from innopoints.site.listing import Table


class InvitedTable(Table):
    email = tables.Column(verbose_name=gettext_lazy("邮箱"))
    unit = tables.Column(
        verbose_name=gettext_lazy("企业"),
        accessor="profile__enterprise__name",
        empty_values=(),
        order_by=("profile__enterprise__name", "profile__institution__name"),
    )
    date_joined = tables.DateTimeColumn(verbose_name=gettext_lazy("邀请时间"), format="Y-m-d H:i")
    password = tables.Column(
        verbose_name=gettext_lazy("已设置密码"), accessor="password", orderable=False
    )

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle", "id": "invited"}
        empty_text = gettext_lazy("暂无")

    def render_unit(self, record: Any) -> str:
        profile = getattr(record, "profile", None)
        unit = profile and (profile.enterprise or profile.institution)
        return str(getattr(unit, "name", unit or "—"))

    def render_password(self, record: Any) -> str:
        return names.yes_no(record.has_usable_password())

    def value_password(self, record: Any) -> str:
        return names.yes_no(record.has_usable_password())


class InvitedFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=gettext_lazy("邮箱或企业名称"), method="search")

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(email__icontains=value)
            | Q(profile__enterprise__name__icontains=value)
            | Q(profile__institution__name__icontains=value)
        )


class DispatchTable(Table):
    institution = tables.Column(
        verbose_name=gettext_lazy("金融机构"), order_by=("institution__name",)
    )
    sent_by = tables.Column(verbose_name=gettext_lazy("发送人"), order_by=("sent_by__username",))
    sent_at = tables.DateTimeColumn(verbose_name=gettext_lazy("发送时间"), format="Y-m-d H:i")
    note = tables.Column(verbose_name=gettext_lazy("附言"), orderable=False)

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle", "id": "dispatches"}
        empty_text = gettext_lazy("暂无")
