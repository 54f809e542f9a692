"""Sessions expire after SESSION_COOKIE_AGE of inactivity without a database write on every
request: the expiry is pushed forward at most once every SESSION_REFRESH_SECONDS."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

KEY = "_innopoints_refreshed"


class SessionRefreshMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = int(time.time())
            if now - int(session.get(KEY, 0)) >= settings.SESSION_REFRESH_SECONDS:
                session[KEY] = now  # a modified session is saved with a fresh expiry
        return self.get_response(request)
