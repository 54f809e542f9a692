"""Sign-in throttling: django-axes' database handler with a second rule per address.

Axes locks a user name at one address after ``AXES_FAILURE_LIMIT`` wrong passwords
(``AXES_LOCKOUT_PARAMETERS``). That alone lets one address spray one password over many user
names. Axes can also count per address (``"ip_address"`` as a lockout parameter), but with
the same limit for both rules: five failures would then lock a whole office behind one NAT.
So the per-address rule is added here, through axes' own extension point (``AXES_HANDLER``, a
subclass of its database handler), with a higher limit: the wrong sign-ins of all user names
from one address within the cool-off period, counted from the attempts axes already records.
No second library and no second store: the counts live where axes keeps its own, shared by all
gunicorn processes and machines, and ``axes_reset`` clears both."""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def address_failures(request: HttpRequest) -> int:
    """Wrong sign-ins from the request's address within the cool-off period, any user name."""
    attempts = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        attempt_time__gte=get_cool_off_threshold(request),
    )
    return int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)


def address_locked(request: HttpRequest) -> bool:
    return address_failures(request) >= settings.INNOPOINTS_LOGIN_ADDRESS_FAILURE_LIMIT


class AddressThrottledHandler(AxesDatabaseHandler):  # type: ignore[misc]
    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        return bool(super().is_locked(request, credentials)) or address_locked(request)

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if address_locked(request):
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
            )
