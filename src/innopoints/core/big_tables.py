"""Admin lists of tables with millions of rows (fact values, pool memberships, matches,
pushes): a page in a few queries whatever the table's size — no COUNT(*) of the whole table
(the count stops at ``COUNT_CAP``), related rows joined in the page's one query, ordered by the
primary key's index, filters whose choices need no scan of the table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from innopoints.core.admin_base import ReadOnlyAdmin

COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` rows (``SELECT COUNT(*) FROM (… LIMIT cap)``): the rows
    beyond are reached by filtering or searching; ``capped`` says there may be more."""

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet):
            return int(rows[:COUNT_CAP].count())
        return len(rows)

    @property
    def capped(self) -> bool:
        return self.count >= COUNT_CAP


class BigTableAdmin(ReadOnlyAdmin):
    """Read-only list of a very large table."""

    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # counts per filter choice: a scan of the table each
    ordering: Sequence[str] = ("-pk",)
    change_list_template = "admin/big_table_change_list.html"
    deferred: Sequence[str] = ()  # wide columns the list never shows (e.g. a batch's file)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        query = super().get_queryset(request)
        return query.defer(*self.deferred) if self.deferred else query


def choices_filter(
    field: str, title: Any, choices: Callable[[], list[tuple[str, str]]]
) -> type[admin.SimpleListFilter]:
    """A list filter on ``field`` whose choices come from ``choices()`` (a small table or the
    catalogue) instead of Django's DISTINCT over every row of the big table."""

    class ChoicesFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return choices()

        def queryset(self, request: HttpRequest, queryset: QuerySet[Model]) -> QuerySet[Model]:
            value = self.value()
            return queryset.filter(**{field: value}) if value else queryset

    ChoicesFilter.title = title
    return ChoicesFilter
