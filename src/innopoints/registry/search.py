"""Finding enterprises the way people ask for them: a part of the name (Chinese), the unified
social credit code (or its beginning), the legal representative, the pinyin initials of the
name (华智科技 → HZKJ). Always within a queryset the caller has already scoped to what the
user may see (accounts/scope.py), and always through an index (registry/search_index.py):

- three characters or more: pg_trgm (PostgreSQL) or the FTS5 trigram table (SQLite);
- one or two characters: the pieces index (PostgreSQL), a scan on SQLite;
- the credit code and the legal representative's whole name: their B-tree indexes.

A query gives at most ``CAP`` enterprises, unordered from the index; pages order those."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext

from innopoints.registry.models import Enterprise
from innopoints.registry.search_index import FTS

CAP = 500
TRIGRAM = 3


class EmptyQuery(ValueError):
    pass


@dataclass(frozen=True)
class Found:
    ids: list[int]
    capped: bool  # CAP reached: there may be more, the user should say more


def normalise(text: str | None) -> str:
    """What is searched for: the text without any whitespace (people often type 华智 科技)."""
    return "".join(str(text or "").split())


def _latin(text: str) -> bool:
    return text.isascii() and text.isalnum()


def _fts(text: str) -> RawSQL:
    phrase = '"' + text.replace('"', '""') + '"'
    return RawSQL(
        f'"registry_enterprise"."id" IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s)',
        ["{name legal_representative initials} : " + phrase],
        output_field=BooleanField(),
    )


def _pieces(column: str, text: str) -> RawSQL:
    return RawSQL(
        f"innopoints_bigrams({column}) @> ARRAY[%s]::text[]", [text], output_field=BooleanField()
    )


def condition(text: str, vendor: str) -> Q:
    """The filter for ``text`` on the enterprise table (``vendor``: the database's)."""
    wanted = normalise(text)
    if not wanted:
        raise EmptyQuery(gettext("请输入企业名称的一部分、信用代码、法定代表人或拼音首字母"))
    upper = wanted.upper()
    found = Q(legal_representative=wanted)
    if _latin(upper):
        found |= Q(credit_code__startswith=upper)
    if len(wanted) >= TRIGRAM:
        if vendor == "sqlite":
            return found | _fts(wanted)  # type: ignore[no-any-return]
        found |= Q(name__icontains=wanted) | Q(legal_representative__contains=wanted)
        if _latin(upper):
            found |= Q(initials__contains=upper)
        return found
    if vendor == "postgresql":
        found |= _pieces('UPPER("registry_enterprise"."name")', upper)
        if _latin(upper):
            found |= _pieces('"registry_enterprise"."initials"', upper)
        return found  # type: ignore[no-any-return]
    found |= Q(name__icontains=wanted)
    if _latin(upper):
        found |= Q(initials__contains=upper)
    return found


def find(enterprises: QuerySet[Enterprise], text: str, cap: int = CAP) -> Found:
    """The ids of at most ``cap`` enterprises of ``enterprises`` that ``text`` finds;
    EmptyQuery when there is nothing to look for."""
    vendor = connections[enterprises.db].vendor
    ids = list(
        enterprises.filter(condition(text, vendor)).order_by().values_list("pk", flat=True)[:cap]
    )
    return Found(ids, len(ids) >= cap)


def matching(enterprises: QuerySet[Any], text: str, cap: int = CAP) -> QuerySet[Any]:
    """``enterprises`` narrowed to those ``text`` finds (at most ``cap``)."""
    return enterprises.filter(pk__in=find(enterprises, text, cap).ids)
