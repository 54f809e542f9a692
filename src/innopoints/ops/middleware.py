"""Gives every request an id: kept in a context variable for the logs, sent back as
``X-Request-ID`` (a load balancer's own ``X-Request-ID`` is reused when it is a plain token)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from innopoints.core import requestid

log = logging.getLogger("innopoints.request")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = requestid.choose(request.headers.get("X-Request-ID"))
        token = requestid.current.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if response.status_code >= 500:
                log.error(
                    "request failed",
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "ms": round(1000 * (time.perf_counter() - started), 1),
                    },
                )
            return response
        finally:
            requestid.current.reset(token)
