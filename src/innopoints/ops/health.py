"""Health endpoints for the load balancer and the orchestrator, without sign-in or secrets.

``/healthz``: the process answers (liveness; touches nothing). ``/readyz``: the database
answers, every migration is applied and the broker (when configured) answers — 200 when all
do, else 503; JSON either way. Answered by ``HealthMiddleware`` first in the chain, before the
host check and the HTTPS redirect: a load balancer probes a node by its address over plain
HTTP. A failure is named by kind only (no host names, no messages)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from innopoints import __version__
from innopoints.ops import probes

PATHS = {"/healthz", "/healthz/", "/readyz", "/readyz/"}


def healthz() -> JsonResponse:
    return JsonResponse({"status": "ok", "version": __version__})


def readyz() -> JsonResponse:
    database = probes.database()
    checks = {
        "database": database,
        "migrations": probes.migrations() if database[0] else (False, "database unreachable"),
        "broker": probes.broker(),
    }
    ready = all(ok for ok, _detail in checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {
            name: {"ok": ok, "detail": detail if ok else detail.split(":", 1)[0]}
            for name, (ok, detail) in checks.items()
        },
    }
    return JsonResponse(body, status=200 if ready else 503)


class HealthMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path not in PATHS:
            return self.get_response(request)
        if request.method not in {"GET", "HEAD"}:
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        response = healthz() if request.path.startswith("/healthz") else readyz()
        response["Cache-Control"] = "no-store"
        return response
