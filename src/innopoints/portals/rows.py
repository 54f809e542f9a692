"""Lists whose rows are not a queryset (a published list's rows, search hits gathered from
several places) through the site's one Listing (site/listing.py): ``Rows`` is what a
django-filter FilterSet takes as its queryset, ``RowFilterSet`` filters them in Python."""

from __future__ import annotations

from typing import Any

import django_filters


class Rows(list[dict[str, Any]]):
    """Rows (dicts) a FilterSet can take in place of a queryset."""

    model = None

    def all(self) -> Rows:
        return Rows(self)


class RowFilterSet(django_filters.FilterSet):
    """A FilterSet over ``Rows``: a subclass says which rows the valid form keeps."""

    def keep(self, row: dict[str, Any], data: dict[str, Any]) -> bool:
        raise NotImplementedError

    def filter_queryset(self, queryset: Any) -> Rows:
        data = self.form.cleaned_data
        return Rows(row for row in queryset if self.keep(row, data))
