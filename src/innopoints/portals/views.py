"""The platform's front door: each role lands on its own portal."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from innopoints.accounts import scope
from innopoints.accounts.models import Role

HOMES = {
    Role.ADMIN: "portals:gov_home",
    Role.GOVERNMENT: "portals:gov_home",
    Role.INSTITUTION: "portals:fin_home",
    Role.ENTERPRISE: "portals:ent_home",
}


def home(request: HttpRequest) -> HttpResponse:
    role = scope.role_of(request.user)
    if role is None:
        return redirect_to_login(reverse("portals:home"))
    return HttpResponseRedirect(reverse(HOMES[Role(role)]))
