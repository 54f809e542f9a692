"""The analyst's lists of scoring (site/listing.py): the runs, a run's leaderboard (up to
30,000 rows, paged by rank range when shown whole) and the comparison of two runs — each a
django-tables2 table with headers and units, and a django-filter filter bar of names, never
codes (stages, tiers, industries, divisions chosen by name)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any

import django_filters
from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_tables2 import A, Column
from django_tables2.data import TableListData
from django_tables2.rows import BoundRow, BoundRows
from django_tables2.utils import OrderBy

from innopoints.registry.english import localised, localised_industry
from innopoints.registry.models import Region
from innopoints.scoring.coverage import percent, percent_number
from innopoints.scoring.models import Result, Run, SchemeVersion
from innopoints.site import names
from innopoints.site.listing import NumberColumn, Table

# what a list never shows: the packed breakdown and category points
LIST_DEFERRED = ("categories",)
VETOED = (("no", _("参与排名")), ("yes", _("清零")))


# -- divisions chosen by name ----------------------------------------------------------------


class RegionSelect(forms.Select):
    """A division chosen by name from a search (``scoring:regions``): the page carries only the
    chosen one, Tom Select (site/static/site/site.js) asks the server for the rest as one
    types — a province has hundreds of divisions, the country thousands."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"data-search": "on", **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        code = str(value[0] if isinstance(value, list | tuple) and value else value or "")
        self.choices = [("", _("全部地区"))]
        if code:
            # a division typed by name (?region=成都) is shown by the name it resolves to
            self.choices.append((code, _typed_region_name(code)))
        return super().get_context(name, value, attrs)


def _typed_region_name(text: str) -> str:
    if text.isdigit():
        return names.region_name(text)
    try:
        return names.division_name(names.region_prefix(text))
    except ValueError:
        return text


class RegionField(forms.CharField):
    """A division by name (成都, 成都市, 武侯区) or code → its code prefix; an unknown or
    ambiguous name is a field error that says so."""

    def clean(self, value: Any) -> str:
        text = str(super().clean(value) or "").strip()
        if not text:
            return ""
        try:
            return names.region_prefix(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class RegionFilter(django_filters.CharFilter):
    """Results of a division and everything below it (a six-digit code or a name → its
    prefix)."""

    field_class = RegionField

    def __init__(self, *args: Any, field_name: str = "region_code", **kwargs: Any) -> None:
        kwargs.setdefault("label", _("地区"))
        kwargs.setdefault("widget", RegionSelect())
        super().__init__(*args, field_name=field_name, **kwargs)

    def filter(self, qs: Any, value: Any) -> Any:
        prefix = str(value or "").strip()
        if not prefix:
            return qs
        return qs.filter(**{f"{self.field_name}__startswith": prefix})


def searching_regions(filterset: django_filters.FilterSet, name: str = "region") -> None:
    """Points the filter bar's division field at the search (after the form is built)."""
    filterset.form.fields[name].widget.attrs["data-search-url"] = reverse("scoring:regions")


def stage_choices(version: SchemeVersion) -> list[tuple[str, str]]:
    return [(s.code, names.stage_name(s.code, version)) for s in version.scheme().stage_rule.stages]


def tier_choices(version: SchemeVersion) -> list[tuple[str, str]]:
    return [(t.code, t.code) for t in version.scheme().tiers.levels]


def industry_choices(industries: Iterable[str]) -> list[tuple[str, str]]:
    return sorted(
        ((i, localised_industry(i)) for i in set(industries) if i), key=lambda pair: pair[1]
    )


def run_industries(run: Run) -> list[str]:
    if "industries" in (run.report or {}):
        return list(run.report["industries"])
    return list(
        Result.objects.filter(run=run).order_by().values_list("industry", flat=True).distinct()
    )


# -- the runs ---------------------------------------------------------------------------------


class RunTable(Table):
    pk = Column(verbose_name=_("编号"), linkify=("scoring:run", [A("pk")]))
    period = Column(verbose_name=_("数据期"))
    scheme_version = Column(verbose_name=_("指标体系"), order_by=("scheme_version__scheme_id",))
    region = Column(
        verbose_name=_("地区"),
        default=_("全省"),
        order_by=("region_id",),
        attrs={"td": {"class": "text-nowrap"}},
    )
    status = Column(verbose_name=_("状态"), attrs={"td": {"class": "text-nowrap"}})
    n_enterprises = NumberColumn(verbose_name=_("参评（家）"))
    n_vetoed = NumberColumn(verbose_name=_("清零（家）"))
    started_by = Column(verbose_name=_("发起人"), order_by=("started_by__username",))
    created_at = Column(verbose_name=_("发起时间"))

    class Meta(Table.Meta):
        attrs = {**Table.Meta.attrs, "id": "runs"}
        empty_text = _("尚无测算")

    def render_pk(self, value: int) -> str:
        return f"#{value}"

    def value_pk(self, value: int) -> int:
        return value

    def render_scheme_version(self, value: SchemeVersion) -> str:
        return value.display_name()

    def render_region(self, value: Any) -> str:
        return names.region_name(value.code)

    def render_status(self, record: Run) -> str:
        return str(record.get_status_display())

    def render_created_at(self, value: Any) -> str:
        from django.utils import timezone  # noqa: PLC0415

        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


class RunFilter(django_filters.FilterSet):
    period = django_filters.ChoiceFilter(label=_("数据期"), empty_label=_("全部"))
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Run.STATUSES, empty_label=_("全部")
    )
    scheme_version = django_filters.ModelChoiceFilter(
        label=_("指标体系"), queryset=SchemeVersion.objects.none(), empty_label=_("全部")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        runs = self.queryset
        periods = sorted(set(runs.order_by().values_list("period", flat=True)), reverse=True)
        self.filters["period"].extra["choices"] = [(p, p) for p in periods]
        versions = SchemeVersion.objects.filter(pk__in=runs.order_by().values("scheme_version"))
        field = self.form.fields["scheme_version"]
        field.queryset = versions.order_by("scheme_id", "-created_at")  # type: ignore[attr-defined]
        field.label_from_instance = lambda v: v.display_name()  # type: ignore[attr-defined]
        self.form.fields["period"].choices = [("", _("全部")), *[(p, p) for p in periods]]  # type: ignore[attr-defined]


# -- the leaderboard --------------------------------------------------------------------------


class RankPaginator(Paginator):
    """The whole leaderboard read by rank range — page n holds ranks (n−1)·50+1 … n·50, so
    every page is an index range however deep (a million rows: no OFFSET walked; ties at a
    boundary stay together); the vetoed, who have no rank, follow on the last pages."""

    def __init__(self, object_list: Any, per_page: int, run: Run, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.run = run
        self.pages_ranked = max(1, -(-run.n_ranked // int(per_page)))

    @cached_property
    def count(self) -> int:
        return self.run.n_ranked + self.run.n_vetoed

    @cached_property
    def num_pages(self) -> int:
        return self.pages_ranked + -(-self.run.n_vetoed // int(self.per_page))

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        per_page = int(self.per_page)
        query = (
            Result.objects.filter(run=self.run).select_related("enterprise").defer(*LIST_DEFERRED)
        )
        if number <= self.pages_ranked:
            low, high = (number - 1) * per_page + 1, number * per_page
            query = query.filter(rank__gte=low, rank__lte=high).order_by("rank", "enterprise_id")
        else:
            start = (number - self.pages_ranked - 1) * per_page
            query = query.filter(rank__isnull=True).order_by("enterprise_id")[
                start : start + per_page
            ]
        rows = BoundRows(data=query, table=self.object_list.table)  # read when shown
        return self._get_page(rows, number, self)


class QuickExport:
    """Exports (site/listing.py calls ``as_values``) without django-tables2's inspection of
    each cell's renderer (1.5 ms a row: 45 s for a 30,000-row leaderboard): each column's
    exported value is one function of the record (``export_getters``); the headers, the
    columns (hidden ones included), the filters and the order stay the table's own."""

    def export_getters(self) -> dict[str, Any]:
        return {}

    def as_values(self, exclude_columns: Any = None) -> Any:
        excluded = set(exclude_columns or ())
        columns = [
            c
            for c in self.columns.iterall()  # type: ignore[attr-defined]
            if not (c.column.exclude_from_export or c.name in excluded)
        ]
        yield [force_str(c.header, strings_only=True) for c in columns]
        getters = self.export_getters()
        slow = [c.name for c in columns if c.name not in getters]
        data = self.data.data  # type: ignore[attr-defined]  # filtered and sorted
        records = data.iterator(chunk_size=2000) if isinstance(data, QuerySet) else iter(data)
        for record in records:
            if slow:
                row = BoundRow(record, table=self)
                cells = {name: row.get_cell_value(name) for name in slow}
            yield [getters[c.name](record) if c.name in getters else cells[c.name] for c in columns]


class RegionNames:
    """A table's 地区 column by name: the names of the shown page's divisions read in one
    query at its first row (not one per row), the registry's cache for anything else."""

    _names: tuple[Any, dict[str, str]] | None = None

    def _page_names(self) -> dict[str, str]:
        page = getattr(self, "page", None)
        if page is None:
            return {}
        if self._names is None or self._names[0] is not page:
            codes = set()
            for row in page.object_list:  # already read for the page being drawn
                record = row.record
                code = record.get("region_code") if isinstance(record, dict) else record.region_code
                if code:
                    codes.add(code)
            found = Region.objects.filter(code__in=codes).values_list("code", "name")
            self._names = (page, {code: localised(name) for code, name in found})
        return self._names[1]

    def render_region_code(self, value: str) -> str:
        return self._page_names().get(value) or names.region_name(value)

    def value_region_code(self, value: str) -> str:
        return names.region_name(value)


class CoverageColumn(NumberColumn):
    """A data coverage (0–1) shown as 72.5 %, exported as the percentage (72.5)."""

    def render(self, value: Any) -> str:
        return percent(value)

    def value(self, value: Any) -> Any:
        return percent_number(value)


class LeaderboardTable(QuickExport, RegionNames, Table):
    rank = NumberColumn(verbose_name=_("排名"))
    credit_code = Column(
        accessor="enterprise__credit_code", verbose_name=_("统一社会信用代码"), visible=False
    )
    name = Column(accessor="enterprise__name", verbose_name=_("企业"))
    stage = Column(verbose_name=_("成长阶段"))
    industry = Column(verbose_name=_("所属领域"))
    region_code = Column(verbose_name=_("地区"))
    base = NumberColumn(verbose_name=_("基础分（分）"), places=2)
    bonus = NumberColumn(verbose_name=_("附加分（分）"), places=2)
    total = NumberColumn(verbose_name=_("总积分（分）"), places=2)
    tier = Column(verbose_name=_("档次"), empty_values=())
    coverage = CoverageColumn(verbose_name=_("数据覆盖率"))

    class Meta(Table.Meta):
        attrs = {**Table.Meta.attrs, "id": "leaderboard"}

    def __init__(self, *args: Any, run: Run, rank_paging: bool = False, **kwargs: Any) -> None:
        self.run = run
        self.rank_paging = rank_paging
        # one reverse() for the page, not one per row
        self.explain_prefix = reverse("scoring:explain", args=[run.pk, 0])[:-2]
        super().__init__(*args, **kwargs)

    def paginate(self, paginator_class: Any = Paginator, *args: Any, **kwargs: Any) -> Any:
        if self.rank_paging:
            kwargs["run"] = self.run
            paginator_class = RankPaginator
        return super().paginate(paginator_class, *args, **kwargs)

    def order_rank(self, queryset: QuerySet[Result], is_descending: bool) -> tuple[Any, bool]:
        rank = F("rank").desc(nulls_last=True) if is_descending else F("rank").asc(nulls_last=True)
        return queryset.order_by(rank, "enterprise_id"), True

    def export_getters(self) -> dict[str, Any]:
        return result_getters(self)

    def render_name(self, value: str, record: Result) -> str:
        return format_html(
            '<a href="{}{}/">{}</a>', self.explain_prefix, record.enterprise_id, value
        )

    def value_name(self, value: str) -> str:
        return value

    def render_stage(self, value: str) -> str:
        return names.stage_name(value, self.run.scheme_version)

    def render_industry(self, value: str) -> str:
        return localised_industry(value)

    def render_tier(self, record: Result) -> str:
        if record.tier:
            return record.tier
        return names.veto_reasons(record.veto_reasons, self.run.scheme_version) or str(_("清零"))


def result_getters(table: Any) -> dict[str, Any]:
    """The exported value of each column a list of results may have (tables of Result)."""
    version = table.run.scheme_version
    return {
        "rank": lambda r: r.rank,
        "credit_code": lambda r: r.enterprise.credit_code,
        "name": lambda r: r.enterprise.name,
        "stage": lambda r: names.stage_name(r.stage, version),
        "industry": lambda r: localised_industry(r.industry),
        "region_code": lambda r: names.region_name(r.region_code),
        "base": lambda r: round(r.base, 2),
        "bonus": lambda r: round(r.bonus, 2),
        "total": lambda r: round(r.total, 2),
        "tier": table.render_tier,
        "coverage": lambda r: percent_number(r.coverage),
    }


class ResultFilter(django_filters.FilterSet):
    """The filter bar of a run's results (the leaderboard, a cultivation pool's members):
    division, stage, industry, tier, total points, ranked or vetoed, data coverage."""

    region = RegionFilter()
    stage = django_filters.ChoiceFilter(label=_("成长阶段"), empty_label=_("全部"))
    industry = django_filters.ChoiceFilter(label=_("所属领域"), empty_label=_("全部"))
    tier = django_filters.ChoiceFilter(label=_("档次"), empty_label=_("全部"))
    min_total = django_filters.NumberFilter(
        field_name="total", lookup_expr="gte", label=_("总积分不低于（分）")
    )
    max_total = django_filters.NumberFilter(
        field_name="total", lookup_expr="lte", label=_("总积分不高于（分）")
    )
    vetoed = django_filters.ChoiceFilter(
        label=_("排名或清零"), choices=VETOED, empty_label=_("全部"), method="filter_vetoed"
    )
    min_coverage = django_filters.NumberFilter(
        label=_("数据覆盖率不低于（%）"), method="filter_coverage"
    )

    run: Run | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        run = self.run
        assert run is not None, "ResultFilter.for_run(run)"
        version = run.scheme_version
        self.form.fields["stage"].choices = [("", _("全部")), *stage_choices(version)]  # type: ignore[attr-defined]
        self.form.fields["tier"].choices = [("", _("全部")), *tier_choices(version)]  # type: ignore[attr-defined]
        self.form.fields["industry"].choices = [  # type: ignore[attr-defined]
            ("", _("全部")),
            *industry_choices(run_industries(run)),
        ]
        for name in ("min_total", "max_total"):
            self.form.fields[name].widget.attrs.update({"min": 0, "step": "any"})
        self.form.fields["min_coverage"].widget.attrs.update({"min": 0, "max": 100, "step": "any"})
        searching_regions(self)

    @classmethod
    def for_run(cls, run: Run) -> type[ResultFilter]:
        return type(cls.__name__, (cls,), {"run": run})

    def filter_vetoed(self, qs: QuerySet[Result], name: str, value: str) -> QuerySet[Result]:
        return qs.filter(vetoed=value == "yes") if value in {"yes", "no"} else qs

    def filter_coverage(self, qs: QuerySet[Result], name: str, value: Any) -> QuerySet[Result]:
        if value is None or not 0 < float(value) <= 100:  # 0 keeps everyone
            return qs
        return qs.filter(coverage__gte=float(value) / 100.0)


def active_filters(request: Any, filters: type[django_filters.FilterSet]) -> bool:
    """Whether the request asks for any of the filter bar's conditions."""
    return any((request.GET.get(name) or "").strip() for name in filters.base_filters)


def run_results(run: Run, region_prefix: str | None = None) -> QuerySet[Result]:
    """A run's results as lists show them: by rank, the vetoed last, one jurisdiction's only
    when ``region_prefix`` is given."""
    query = Result.objects.filter(run=run).select_related("enterprise").defer(*LIST_DEFERRED)
    if region_prefix:
        query = query.filter(region_code__startswith=region_prefix)
    return query.order_by(F("rank").asc(nulls_last=True), "enterprise_id")


# -- two runs compared ------------------------------------------------------------------------


class ComparisonTable(QuickExport, Table):
    name = Column(verbose_name=_("企业"))
    total = NumberColumn(verbose_name=_("之前（分）"), places=2)
    total_after = NumberColumn(verbose_name=_("之后（分）"), places=2)
    change = NumberColumn(verbose_name=_("变化（分）"), places=2)
    rank = NumberColumn(verbose_name=_("之前名次"))
    rank_after = NumberColumn(verbose_name=_("之后名次"))
    rank_change = NumberColumn(verbose_name=_("名次变化"))
    tier = Column(verbose_name=_("之前档次"))
    tier_after = Column(verbose_name=_("之后档次"))

    class Meta(Table.Meta):
        attrs = {**Table.Meta.attrs, "id": "comparison"}

    def __init__(self, *args: Any, run: Run, **kwargs: Any) -> None:
        self.explain_prefix = reverse("scoring:explain", args=[run.pk, 0])[:-2]
        super().__init__(*args, **kwargs)

    def render_name(self, value: str, record: dict[str, Any]) -> str:
        return format_html(
            '<a href="{}{}/">{}</a>', self.explain_prefix, record["enterprise_id"], value
        )

    def value_name(self, value: str) -> str:
        return value

    def render_change(self, value: float) -> str:
        return f"{value:+,.2f}"

    def value_change(self, value: float) -> float:
        return value

    def render_rank_change(self, value: int) -> str:
        return f"{value:+,d}" if value else "0"

    def value_rank_change(self, value: int) -> int:
        return value

    def render_tier(self, value: str) -> str:
        return value or str(_("清零"))

    def render_tier_after(self, value: str) -> str:
        return value or str(_("清零"))

    def export_getters(self) -> dict[str, Any]:
        getters: dict[str, Any] = {
            key: (lambda r, key=key: r.get(key))
            for key in ("name", "rank", "rank_after", "rank_change")
        }
        for key in ("total", "total_after", "change"):
            getters[key] = lambda r, key=key: None if r.get(key) is None else round(r[key], 2)
        vetoed = str(_("清零"))
        getters["tier"] = lambda r: r.get("tier") or vetoed
        getters["tier_after"] = lambda r: r.get("tier_after") or vetoed
        return getters


CHANGES = (
    ("up", _("积分上升")),
    ("down", _("积分下降")),
    ("same", _("积分不变")),
    ("tier", _("档次变化")),
)


class Rows(TableListData):
    """Rows computed in Python (a comparison, a 积分榜's entries: up to 30,000 dicts) as a list
    page filters and sorts them: django-filter asks its queryset for ``all()`` (the filter sets
    below read the rows at once), and a column sorts with one key per row, the rows without a
    value last either way (django-tables2's own sort of dicts compares row by row)."""

    def __init__(self, rows: Iterable[dict[str, Any]] = ()) -> None:
        super().__init__(list(rows))

    def all(self) -> Rows:
        return self

    def none(self) -> Rows:
        return Rows()

    def order_by(self, aliases: Any) -> None:
        keys = []
        for alias in aliases:
            bound = self.table.columns[OrderBy(alias).bare]
            same = alias[0] == bound.order_by_alias[0]
            keys += list(bound.order_by if same else bound.order_by.opposite)
        data: list[dict[str, Any]] = self.data
        for key in reversed(keys):  # stable sorts, the least significant key first
            name = key.bare
            present = [r for r in data if r.get(name) is not None]
            absent = [r for r in data if r.get(name) is None]
            present.sort(key=lambda r: r[name], reverse=key.is_descending)
            data = present + absent
        self.data = data


class ComparisonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("企业名称"), method="keep")
    change = django_filters.ChoiceFilter(
        label=_("变化"), choices=CHANGES, empty_label=_("全部"), method="keep"
    )
    min_change = django_filters.NumberFilter(label=_("变化至少（分，绝对值）"), method="keep")

    def keep(self, rows: Any, name: str, value: Any) -> Any:
        return rows  # filter_queryset below reads them all at once

    def filter_queryset(self, queryset: Any) -> Any:
        data = self.form.cleaned_data
        rows: list[dict[str, Any]] = list(queryset)
        if data.get("q"):
            rows = [r for r in rows if data["q"] in (r.get("name") or "")]
        change = data.get("change")
        if change == "up":
            rows = [r for r in rows if (r["change"] or 0) > 0]
        elif change == "down":
            rows = [r for r in rows if (r["change"] or 0) < 0]
        elif change == "same":
            rows = [r for r in rows if (r["change"] or 0) == 0]
        elif change == "tier":
            rows = [r for r in rows if (r["tier"] or "") != (r["tier_after"] or "")]
        if data.get("min_change") is not None:
            floor = abs(float(data["min_change"]))
            rows = [r for r in rows if abs(r["change"] or 0) >= floor]
        return Rows(rows)
