"""Access checks for views: the role a page needs, and the object-level rule for the object a
request names. Anonymous users are sent to sign in; everyone else who may not gets 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

View = TypeVar("View", bound=Callable[..., Any])


def portal_required(perm: str) -> Callable[[View], View]:
    """``@portal_required("portals.government")`` — the page belongs to that portal."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


government_required = portal_required("portals.government")
institution_required = portal_required("portals.institution")
enterprise_required = portal_required("portals.enterprise")


def require(request: HttpRequest, perm: str, obj: Any = None) -> None:
    """Raise 403 unless the user holds ``perm`` on ``obj`` (each app's rules.py)."""
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied
