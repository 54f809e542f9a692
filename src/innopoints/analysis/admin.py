from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from innopoints.analysis.models import Leaderboard, Pool, PoolMembership
from innopoints.analysis.pools import RuleError, check_rule
from innopoints.core.big_tables import BigTableAdmin, choices_filter
from innopoints.scoring.admin_runs import run_choices, run_fields_not_listed


class PoolForm(forms.ModelForm):
    class Meta:
        model = Pool
        fields = ["code", "name", "description", "rule"]

    def clean_rule(self) -> Any:
        rule = self.cleaned_data["rule"]
        try:
            check_rule(rule)
        except RuleError as exc:
            raise ValidationError(gettext("入库规则无效：%(error)s") % {"error": exc}) from exc
        return rule


@admin.register(Pool)
class PoolAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "description")
    form = PoolForm


@admin.register(PoolMembership)
class PoolMembershipAdmin(BigTableAdmin):
    list_display = ("pool", "run", "enterprise")
    list_filter = ("pool", choices_filter("run", _("积分测算"), run_choices))
    search_fields = ("enterprise__name", "enterprise__credit_code")
    list_select_related = ("pool", "run__region", "run__scheme_version", "enterprise")
    deferred = run_fields_not_listed()


@admin.register(Leaderboard)
class LeaderboardAdmin(SimpleHistoryAdmin):
    list_display = ("title", "run", "kind", "status", "published_at", "published_by")
    list_filter = ("status", "kind")
    readonly_fields = ("status", "published_at", "published_by")
