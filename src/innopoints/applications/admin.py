"""积分应用 in the admin: the catalogue (rules and terms edited as JSON, checked on save with the
matching module's messages), reference rates, and the records matching writes (read-only)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from innopoints.applications.models import (
    Match,
    Offering,
    Push,
    PushOptOut,
    ReferenceRate,
    RunMatching,
)
from innopoints.site.admin_base import ReadOnlyAdmin


@admin.register(Offering)
class OfferingAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "kind",
        "issuer",
        "region",
        "valid_from",
        "valid_to",
        "active",
        "example",
    )
    list_filter = ("kind", "active", "example")
    search_fields = ("code", "name", "issuer_name", "institution__name")


@admin.register(ReferenceRate)
class ReferenceRateAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "value", "as_of", "example")


@admin.register(RunMatching)
class RunMatchingAdmin(ReadOnlyAdmin):
    list_display = (
        "run",
        "status",
        "n_offerings",
        "n_matches",
        "n_pushed",
        "seconds",
        "finished_at",
    )


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    list_display = ("run", "offering", "enterprise", "suggested_amount", "suggested_rate")
    list_filter = ("offering",)
    search_fields = ("enterprise__name", "enterprise__credit_code")
    raw_id_fields = ("run", "enterprise")


@admin.register(Push)
class PushAdmin(ReadOnlyAdmin):
    list_display = (
        "offering",
        "enterprise",
        "run",
        "emailed",
        "institution_notified",
        "created_at",
    )
    list_filter = ("offering", "emailed", "institution_notified")
    search_fields = ("enterprise__name", "enterprise__credit_code")


@admin.register(PushOptOut)
class PushOptOutAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "kind", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("enterprise",)
