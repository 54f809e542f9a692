"""Makes the current request (its user, address, browser, path) available to log entries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest

from innopoints.audit.context import _request


class AuditContextMiddleware:
    """Place after ``AuthenticationMiddleware`` (entries read ``request.user``). Works under
    WSGI and ASGI: the value lives in a ``ContextVar`` and is reset when the response leaves."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)

    async def __acall__(self, request: HttpRequest) -> Any:
        token = _request.set(request)
        try:
            response: Awaitable[Any] = self.get_response(request)
            return await response
        finally:
            _request.reset(token)
