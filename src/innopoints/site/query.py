"""Ids read from query strings: anything that is not a positive 64-bit integer is no id (the
view answers 404 or falls back), never a server error."""

from __future__ import annotations

from django.http import HttpRequest

MAX_ID = 2**63 - 1  # the largest primary key PostgreSQL's bigint holds


def id_param(request: HttpRequest, name: str) -> int | None:
    raw = (request.GET.get(name) or "").strip()
    if not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None
