"""The platform admin's view of accounts' roles: the binding is read here (accounts are opened
by invitation, self-registration or single sign-on), the staff id that single sign-on matches
and the link to an identity are edited here (docs/sso.md)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from innopoints.accounts.models import Profile


@admin.register(Profile)
class ProfileAdmin(SimpleHistoryAdmin):
    list_display = ("user", "role", "region", "institution", "enterprise", "staff_id")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "staff_id", "enterprise__credit_code")
    list_select_related = ("user", "region", "institution", "enterprise")
    fields = (
        "user",
        "role",
        "region",
        "institution",
        "enterprise",
        "staff_id",
        "sso_subject",
        "invited_by",
        "created_at",
    )
    readonly_fields = (
        "user",
        "role",
        "region",
        "institution",
        "enterprise",
        "invited_by",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
