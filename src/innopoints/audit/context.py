"""The request being served, for log entries made far from the view (signal receivers).

A ``ContextVar``: each thread and each asyncio task sees its own value, so concurrent requests
never mix. Set by ``AuditContextMiddleware``; ``bound`` does the same for code that runs
outside a request but acts for one (tests, a job started by a user)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest

_request: ContextVar[HttpRequest | None] = ContextVar("innopoints_audit_request", default=None)
_deleting: ContextVar[frozenset[tuple[str, Any]]] = ContextVar(
    "innopoints_audit_deleting", default=frozenset()
)


def current_request() -> HttpRequest | None:
    return _request.get()


@contextmanager
def bound(request: HttpRequest | None) -> Iterator[HttpRequest | None]:
    """Within the block, log entries without an explicit request are attributed to this one."""
    token = _request.set(request)
    try:
        yield request
    finally:
        _request.reset(token)


# Rows being deleted (an enterprise, a user): entries written while their deletion cascades
# must not point at them, or the foreign key fails when the transaction commits.


def mark_deleting(label: str, pk: Any) -> None:
    _deleting.set(_deleting.get() | {(label, pk)})


def unmark_deleting(label: str, pk: Any) -> None:
    _deleting.set(_deleting.get() - {(label, pk)})


def is_deleting(label: str, pk: Any) -> bool:
    return (label, pk) in _deleting.get()
