"""The analyst's lists of analysis (site/listing.py): a run's 积分榜, one 积分榜's entries and
one cultivation pool's members — tables with headers and units, filter bars of names."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_tables2 import A, Column

from innopoints.analysis import board_words, boards
from innopoints.analysis.models import Leaderboard
from innopoints.registry.english import localised_industry
from innopoints.scoring.coverage import percent_number
from innopoints.scoring.models import Result, Run
from innopoints.scoring.tables import (
    CoverageColumn,
    QuickExport,
    RegionFilter,
    RegionNames,
    Rows,
    industry_choices,
    result_getters,
    run_industries,
    searching_regions,
    stage_choices,
    tier_choices,
)
from innopoints.site import names
from innopoints.site.listing import NumberColumn, Table

# -- the 积分榜 of a run ------------------------------------------------------------------------


class BoardTable(Table):
    title = Column(verbose_name=_("榜单名称"), linkify=("analysis:board", [A("pk")]))
    kind = Column(verbose_name=_("类型"))
    condition = Column(
        verbose_name=_("领域、阶段、培育库或筛选条件"), accessor="filter_value", orderable=False
    )
    size = Column(verbose_name=_("规模"), accessor="top_n", orderable=False, empty_values=())
    status = Column(verbose_name=_("状态"))
    published_at = Column(verbose_name=_("发布时间"))
    created_at = Column(verbose_name=_("创建时间"))

    class Meta(Table.Meta):
        attrs = {**Table.Meta.attrs, "id": "boards"}
        empty_text = _("本次测算尚无榜单")

    def render_kind(self, record: Leaderboard) -> str:
        return str(record.get_kind_display())

    def render_condition(self, record: Leaderboard) -> str:
        return board_words.describe(record) or "—"

    def render_size(self, record: Leaderboard) -> str:
        parts = []
        if record.top_n:
            parts.append(str(_("前 %(n)s 名") % {"n": record.top_n}))
        if record.share_from is not None and record.share_to is not None:
            parts.append(f"{record.share_from:g}%–{record.share_to:g}%")
        return "；".join(parts) or str(_("全部"))

    def render_status(self, record: Leaderboard) -> str:
        return str(record.get_status_display())

    def render_published_at(self, value: Any) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")

    def render_created_at(self, value: Any) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


class BoardFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("类型"), choices=Leaderboard.KINDS, empty_label=_("全部")
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Leaderboard.STATUSES, empty_label=_("全部")
    )
    q = django_filters.CharFilter(label=_("榜单名称"), field_name="title", lookup_expr="icontains")


# -- one 积分榜's entries (rows computed, cached once published) --------------------------------


def entry_rows(rows: list[dict[str, Any]]) -> Rows:
    """A 积分榜's rows with the figures the list shows and sorts by: a risers list's rows carry
    the later run's total, tier and coverage as ``…_after``."""
    return Rows(
        {
            **row,
            "score": row.get("total_after", row.get("total")),
            "grade": row.get("tier_after", row.get("tier")) or "",
            "cover": boards.row_coverage(row),
        }
        for row in rows
    )


class EntryTable(QuickExport, RegionNames, Table):
    position = NumberColumn(verbose_name=_("名次"))
    credit_code = Column(verbose_name=_("统一社会信用代码"), visible=False)
    name = Column(verbose_name=_("企业"))
    stage = Column(verbose_name=_("成长阶段"))
    industry = Column(verbose_name=_("所属领域"))
    score = NumberColumn(verbose_name=_("总积分（分）"), places=2)
    grade = Column(verbose_name=_("档次"))
    cover = CoverageColumn(verbose_name=_("数据覆盖率"))
    region_code = Column(verbose_name=_("地区"))

    class Meta(Table.Meta):
        attrs = {**Table.Meta.attrs, "id": "board"}
        empty_text = _("没有符合条件的企业")

    def __init__(self, *args: Any, board: Leaderboard, **kwargs: Any) -> None:
        self.board = board
        self.explain_prefix = reverse("scoring:explain", args=[board.run_id, 0])[:-2]
        super().__init__(*args, **kwargs)

    def render_name(self, value: str, record: dict[str, Any]) -> str:
        return format_html(
            '<a href="{}{}/">{}</a>', self.explain_prefix, record["enterprise_id"], value
        )

    def render_stage(self, value: str) -> str:
        return names.stage_name(value, self.board.run.scheme_version)

    def render_industry(self, value: str) -> str:
        return localised_industry(value)

    def value_name(self, value: str) -> str:
        return value

    def value_score(self, value: float) -> float:
        return value

    def export_getters(self) -> dict[str, Any]:
        version = self.board.run.scheme_version
        return {
            "position": lambda r: r.get("position"),
            "credit_code": lambda r: r.get("credit_code"),
            "name": lambda r: r.get("name"),
            "stage": lambda r: names.stage_name(r.get("stage"), version),
            "industry": lambda r: localised_industry(r.get("industry")),
            "score": lambda r: None if r["score"] is None else round(r["score"], 2),
            "grade": lambda r: r["grade"],
            "cover": lambda r: percent_number(r["cover"]),
            "region_code": lambda r: names.region_name(r.get("region_code")),
        }

    def render_score(self, value: float, record: dict[str, Any]) -> str:
        if record.get("change") is not None:  # a risers list: the rise beside the total
            return str(
                _("%(total)s（+%(change)s）")
                % {"total": f"{value:,.2f}", "change": f"{record['change']:,.2f}"}
            )
        return f"{value:,.2f}"


class EntryFilter(django_filters.FilterSet):
    """A 积分榜's entries filtered in Python (the list is computed, not a query)."""

    q = django_filters.CharFilter(label=_("企业名称"))
    region = RegionFilter()
    stage = django_filters.ChoiceFilter(label=_("成长阶段"), empty_label=_("全部"))
    industry = django_filters.ChoiceFilter(label=_("所属领域"), empty_label=_("全部"))
    tier = django_filters.ChoiceFilter(label=_("档次"), empty_label=_("全部"))
    min_coverage = django_filters.NumberFilter(label=_("数据覆盖率不低于（%）"))

    run: Run | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        run = self.run
        assert run is not None, "EntryFilter.for_run(run)"
        version = run.scheme_version
        fields = self.form.fields
        fields["stage"].choices = [("", _("全部")), *stage_choices(version)]  # type: ignore[attr-defined]
        fields["tier"].choices = [("", _("全部")), *tier_choices(version)]  # type: ignore[attr-defined]
        fields["industry"].choices = [  # type: ignore[attr-defined]
            ("", _("全部")),
            *industry_choices(run_industries(run)),
        ]
        fields["min_coverage"].widget.attrs.update({"min": 0, "max": 100, "step": "any"})
        searching_regions(self)

    @classmethod
    def for_run(cls, run: Run) -> type[EntryFilter]:
        return type(cls.__name__, (cls,), {"run": run})

    def filter_queryset(self, queryset: Any) -> Any:
        data = self.form.cleaned_data
        rows: list[dict[str, Any]] = list(queryset)
        if data.get("q"):
            rows = [r for r in rows if data["q"] in (r.get("name") or "")]
        prefix = str(data.get("region") or "").strip()  # RegionField: names resolved
        if prefix:
            rows = [r for r in rows if (r.get("region_code") or "").startswith(prefix)]
        for key in ("stage", "industry"):
            if data.get(key):
                rows = [r for r in rows if r.get(key) == data[key]]
        if data.get("tier"):
            rows = [r for r in rows if r["grade"] == data["tier"]]
        minimum = data.get("min_coverage")
        if minimum is not None and 0 < float(minimum) <= 100:  # 0 keeps everyone
            rows = [r for r in rows if (r["cover"] or 0.0) >= float(minimum) / 100]
        return Rows(rows)


# -- a cultivation pool's members -------------------------------------------------------------


class MemberTable(QuickExport, RegionNames, Table):
    rank = NumberColumn(verbose_name=_("名次"))
    credit_code = Column(
        accessor="enterprise__credit_code", verbose_name=_("统一社会信用代码"), visible=False
    )
    name = Column(accessor="enterprise__name", verbose_name=_("企业"))
    stage = Column(verbose_name=_("成长阶段"))
    industry = Column(verbose_name=_("所属领域"))
    total = NumberColumn(verbose_name=_("总积分（分）"), places=2)
    tier = Column(verbose_name=_("档次"), empty_values=())
    region_code = Column(verbose_name=_("地区"))
    coverage = CoverageColumn(verbose_name=_("数据覆盖率"))

    class Meta(Table.Meta):
        attrs = {**Table.Meta.attrs, "id": "pool-members"}
        empty_text = _("没有符合条件的企业")

    def __init__(self, *args: Any, run: Run, **kwargs: Any) -> None:
        self.run = run
        super().__init__(*args, **kwargs)

    def render_name(self, value: str, record: Result) -> str:
        url = reverse("analysis:portrait", args=[record.enterprise_id])
        return format_html('<a href="{}">{}</a>', url, value)

    def value_name(self, value: str) -> str:
        return value

    def render_stage(self, value: str) -> str:
        return names.stage_name(value, self.run.scheme_version)

    def render_industry(self, value: str) -> str:
        return localised_industry(value)

    def render_tier(self, record: Result) -> str:
        return record.tier or str(_("清零"))

    def export_getters(self) -> dict[str, Any]:
        return result_getters(self)

    def order_rank(self, queryset: QuerySet[Result], is_descending: bool) -> tuple[Any, bool]:
        from django.db.models import F  # noqa: PLC0415

        rank = F("rank").desc(nulls_last=True) if is_descending else F("rank").asc(nulls_last=True)
        return queryset.order_by(rank, "-total", "enterprise_id"), True
