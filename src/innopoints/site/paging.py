"""Long lists a page at a time: the page asked for (``?page=N``, anything else is the first or
the last page) and the query string of the page links, which keeps every other parameter once
and never repeats ``page``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PER_PAGE = 50


def page_of(
    request: HttpRequest, items: Sequence[Any] | QuerySet[Any], per_page: int = PER_PAGE
) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def link_query(request: HttpRequest) -> str:
    """``a=1&b=2&`` (or empty): the request's parameters but ``page``, ready for ``page=N``."""
    others = request.GET.copy()
    others.pop("page", None)  # every value of it
    encoded = others.urlencode()
    return f"{encoded}&" if encoded else ""
