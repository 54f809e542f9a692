"""The frame's context on every page: the signed-in user's menu (core/menu.py), role and unit."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from innopoints.accounts import scope
from innopoints.accounts.models import Role
from innopoints.core.menu import menu
from innopoints.registry.english import localised


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role = scope.role_of(user)
    profile = scope.profile_of(user)
    bound = None
    if profile is not None:
        # a division by its name in the page's language (成都市 / Chengdu City), not its code
        bound = (
            localised(profile.region.name)
            if profile.region
            else profile.institution or profile.enterprise
        )
    return {
        "portal_menu": menu.items(role, request),
        "portal_menu_tree": menu.tree(role, request),
        "portal_search": menu.search(role),
        "portal_role": role,
        "portal_role_label": Role(role).label if role else "",
        "portal_bound": bound,
    }
