"""Response headers that Django's SecurityMiddleware does not set.

- ``Content-Security-Policy`` on every response Django makes: scripts only from the site's own
  static files (no inline script, no ``eval``), nothing embedded as an object, never framed, forms
  posted only to the site. Styles allow inline ``style`` attributes, which the pages and Django's
  admin use for layout; no style can run code. Django 5.2 has no CSP of its own (6.0 adds one)
  and the policy is one fixed string without nonces, so a few lines here instead of a library.
  The API's Swagger UI (django-ninja: script files, settings as JSON) and the admin work under
  the same policy (tests/platform/test_demo_site.py watches them for violations).
- ``Cache-Control: no-store`` (with Django's other never-cache headers) on every response to a
  signed-in user or an API token, and on server errors: a shared or back-button cache never keeps
  a page with an enterprise's figures. Static files are served before this middleware
  (whitenoise) and keep their long cache lifetime.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
POLICY = "; ".join(f"{name} {value}" for name, value in DIRECTIVES.items())


def _signed_in(request: HttpRequest) -> bool:
    if "Authorization" in request.headers:  # the institution API's bearer tokens
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = POLICY
        # a server error never asks for the user (the database may be what failed)
        if "no-store" in response.get("Cache-Control", ""):
            return response  # the view said so already
        if response.status_code >= 500 or _signed_in(request):
            add_never_cache_headers(response)
        return response
