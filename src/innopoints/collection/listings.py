"""The collection pages' lists through the site's one Listing (site/listing.py): verification
findings (filtered by status, kind, source, indicator by name, import and enterprise) and the
quality report's indicators."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from innopoints.accounts import scope
from innopoints.collection.messages import finding_text
from innopoints.collection.models import DataSource, Finding, ImportBatch
from innopoints.site import names
from innopoints.site.listing import NumberColumn, Table

NOWRAP = {"td": {"class": "text-nowrap"}}


class FindingTable(Table):
    pk = NumberColumn(verbose_name=_("编号"))
    enterprise = tables.Column(
        verbose_name=_("企业"), accessor="enterprise__name", order_by=("enterprise__name", "pk")
    )
    credit_code = tables.Column(
        verbose_name=_("统一社会信用代码"), accessor="enterprise__credit_code", visible=False
    )
    period = tables.Column(verbose_name=_("数据期"), attrs=NOWRAP)
    kind = tables.Column(verbose_name=_("类型"), attrs=NOWRAP)
    field_code = tables.Column(verbose_name=_("指标"))
    message = tables.Column(verbose_name=_("说明"), empty_values=(), orderable=False)
    source = tables.Column(
        verbose_name=_("来源"),
        accessor="batch__source",
        order_by=("batch__source__name", "responsible_source__name"),
        empty_values=(),
    )
    status = tables.Column(verbose_name=_("状态"), attrs=NOWRAP)
    created_at = tables.DateTimeColumn(verbose_name=_("发现时间"), format="Y-m-d", attrs=NOWRAP)
    action = tables.Column(
        verbose_name=_("操作"),
        empty_values=(),
        orderable=False,
        exclude_from_export=True,
        attrs=NOWRAP,
    )

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle", "id": "findings"}

    def render_kind(self, record: Finding) -> str:
        return str(record.get_kind_display())  # type: ignore[attr-defined]

    def render_field_code(self, value: str) -> str:
        return names.field_name(value)

    def render_message(self, record: Finding) -> str:
        return finding_text(record)

    def render_source(self, record: Finding) -> str:
        source = record.responsible_source or (record.batch.source if record.batch else None)
        return source.display_name if source is not None else "—"

    def value_source(self, record: Finding) -> str:
        return self.render_source(record)

    def render_status(self, record: Finding) -> str:
        return str(record.get_status_display())  # type: ignore[attr-defined]

    def render_action(self, record: Finding) -> str:
        url = reverse("collection:resolve", args=[record.pk])
        label = _("处理") if record.status == "open" else _("查看")
        return format_html('<a href="{}">{}</a>', url, label)


def _batch_label(batch: ImportBatch) -> str:
    when = batch.imported_at.strftime("%Y-%m-%d %H:%M") if batch.imported_at else ""
    return f"{batch.source.display_name} · {batch.period} · {when}"


class FindingFilter(django_filters.FilterSet):
    """Open findings unless another status is chosen (every status: the empty choice)."""

    q = django_filters.CharFilter(label=_("企业名称或信用代码"), method="by_enterprise")
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Finding.STATUSES, empty_label=_("全部状态")
    )
    kind = django_filters.ChoiceFilter(
        label=_("类型"), choices=Finding.KINDS, empty_label=_("全部类型")
    )
    source = django_filters.ModelChoiceFilter(
        label=_("来源"),
        method="by_source",
        to_field_name="code",
        queryset=DataSource.objects.filter(manual=False).order_by("name"),
        empty_label=_("全部来源"),
    )
    field = django_filters.ChoiceFilter(
        label=_("指标"), field_name="field_code", empty_label=_("全部指标")
    )
    batch = django_filters.ModelChoiceFilter(
        label=_("导入批次"),
        queryset=ImportBatch.objects.none(),
        empty_label=_("全部批次"),
    )

    class Meta:
        model = Finding
        fields = ["q", "status", "kind", "source", "field", "batch"]

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Finding] | None = None,
        *,
        request: Any = None,
        **kwargs: Any,
    ) -> None:
        data = data.copy() if data is not None else {}
        if "status" not in data:
            data["status"] = "open"
        super().__init__(data, queryset, request=request, **kwargs)
        mine = Finding.objects.filter(scope.enterprise_filter(getattr(request, "user", None)))
        codes = mine.order_by().values_list("field_code", flat=True).distinct()
        choices = sorted(((c, names.field_name(c)) for c in codes), key=lambda c: c[1])
        self.filters["field"].extra["choices"] = choices
        batches = (
            ImportBatch.objects.filter(pk__in=mine.order_by().values("batch"))
            .select_related("source")
            .defer("content", "column_map")
            .order_by("-imported_at")
        )
        self.filters["batch"].queryset = batches
        self.form.fields["batch"].label_from_instance = _batch_label  # type: ignore[attr-defined]

    def by_source(self, queryset: QuerySet[Finding], name: str, value: DataSource | None) -> Any:
        if value is None:
            return queryset
        return queryset.filter(Q(batch__source=value) | Q(responsible_source=value))

    def by_enterprise(self, queryset: QuerySet[Finding], name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(enterprise__name__icontains=value) | Q(enterprise__credit_code=value.upper())
        )


class PercentColumn(NumberColumn):
    """A share (0–1) shown as a percentage with one decimal; exported as the percentage."""

    def render(self, value: Any) -> str:
        return names.percent(value)

    def value(self, value: Any) -> Any:
        return None if value is None else round(float(value) * 100, 1)


class QualityTable(Table):
    code = tables.Column(verbose_name=_("指标"), order_by=("header",))
    with_value = NumberColumn(verbose_name=_("有值企业（家）"))
    completeness = PercentColumn(verbose_name=_("完整率（%）"))
    needing_authorisation = NumberColumn(verbose_name=_("需授权数值（个）"))
    authorised = NumberColumn(verbose_name=_("已授权（个）"))
    unauthorised = NumberColumn(verbose_name=_("未授权（不用于积分）（个）"))
    authorisation_coverage = PercentColumn(verbose_name=_("授权覆盖率（%）"), orderable=False)
    open_findings = NumberColumn(verbose_name=_("待处理核验问题（个）"))

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle", "id": "quality-table"}

    def render_code(self, value: str) -> str:
        return names.field_name(value)
