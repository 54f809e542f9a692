"""积分应用 in the admin: the catalogue (rules and terms edited as JSON, checked on save with the
matching module's messages), reference rates, and the records matching writes (read-only)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from innopoints.applications.models import (
    Match,
    Offering,
    Push,
    PushOptOut,
    ReferenceRate,
    RunMatching,
)
from innopoints.core.admin_base import ReadOnlyAdmin
from innopoints.core.big_tables import BigTableAdmin, choices_filter
from innopoints.scoring.admin_runs import run_choices, run_fields_not_listed

OFFERING_TEXTS = ("offering__eligibility", "offering__terms", "offering__source")
"""An offering's rules, terms and source text: a list of matches or pushes names it only."""


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
    # searchable widgets instead of <select>s of every region (3,000+ options, twice) and
    # institution: the edit page loads in a fraction of the time (README, Performance)
    autocomplete_fields = ("institution", "issuer_region", "region")
    list_select_related = ("institution", "issuer_region", "region")


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
class MatchAdmin(BigTableAdmin):
    list_display = ("run", "offering", "enterprise", "suggested_amount", "suggested_rate")
    list_filter = ("offering", choices_filter("run", _("积分测算"), run_choices))
    search_fields = ("enterprise__name", "enterprise__credit_code")
    raw_id_fields = ("run", "enterprise")
    list_select_related = ("run__region", "run__scheme_version", "offering", "enterprise")
    deferred = ("reasons", *run_fields_not_listed(), *OFFERING_TEXTS)


@admin.register(Push)
class PushAdmin(BigTableAdmin):
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
    raw_id_fields = ("run", "enterprise")
    list_select_related = ("offering", "enterprise", "run__region", "run__scheme_version")
    deferred = (*run_fields_not_listed(), *OFFERING_TEXTS)


@admin.register(PushOptOut)
class PushOptOutAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "kind", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("enterprise",)
