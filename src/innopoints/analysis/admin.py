from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from innopoints.analysis.models import Leaderboard, Pool, PoolMembership
from innopoints.analysis.pools import RuleError, check_rule


@admin.register(Pool)
class PoolAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "description")

    def save_model(self, request: HttpRequest, obj: Pool, form: Any, change: bool) -> None:
        try:
            check_rule(obj.rule)
        except RuleError as exc:
            raise ValidationError(str(exc)) from exc
        super().save_model(request, obj, form, change)


@admin.register(PoolMembership)
class PoolMembershipAdmin(admin.ModelAdmin):
    list_display = ("pool", "run", "enterprise")
    list_filter = ("pool", "run")
    search_fields = ("enterprise__name", "enterprise__credit_code")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Leaderboard)
class LeaderboardAdmin(SimpleHistoryAdmin):
    list_display = ("title", "run", "kind", "status", "published_at", "published_by")
    list_filter = ("status", "kind")
    readonly_fields = ("status", "published_at", "published_by")
