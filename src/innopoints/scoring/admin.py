from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from innopoints.core.admin_base import ReadOnlyAdmin
from innopoints.scoring import schemes
from innopoints.scoring.forms import SchemeVersionForm
from innopoints.scoring.models import Result, Run, SchemeVersion
from innopoints.scoring.scheme_diff import default_pair, scheme_changes
from innopoints.site.query import id_param


@admin.register(SchemeVersion)
class SchemeVersionAdmin(SimpleHistoryAdmin):
    list_display = (
        "scheme_id",
        "version",
        "name",
        "example",
        "frozen_at",
        "created_at",
        "diff_link",
    )
    list_filter = ("scheme_id", "example")
    form = SchemeVersionForm
    readonly_fields = ("scheme_id", "version", "fingerprint", "frozen_at", "created_by")

    @admin.display(description=_("与其他版本比较"))
    def diff_link(self, version: SchemeVersion) -> str:
        url = reverse("admin:scoring_schemeversion_diff", args=[version.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("比较"))

    def save_model(self, request: HttpRequest, obj: SchemeVersion, form: Any, change: bool) -> None:
        saved = schemes.save_version(
            form.cleaned_data["source_yaml"], request.user, origin=obj.scheme_id or "edited"
        )
        if obj.pk and saved.pk != obj.pk:
            messages.info(
                request,
                gettext("该版本已被测算使用而冻结，修改已保存为新版本 %(version)s。")
                % {"version": saved.version},
            )
        obj.pk = saved.pk
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing related to save: a version is its text."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.frozen_at is None

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "<int:pk>/diff/",
                self.admin_site.admin_view(self.diff),
                name="scoring_schemeversion_diff",
            )
        ]
        return own + super().get_urls()

    def diff(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = get_object_or_404(SchemeVersion, pk=pk)
        others = SchemeVersion.objects.exclude(pk=pk).order_by("scheme_id", "version")
        other = others.filter(pk=id_param(request, "other")).first() or default_pair(version)[0]
        lines = schemes.diff(other, version) if other else []
        changes = scheme_changes(other.scheme(), version.scheme()) if other else []
        context = {
            **self.admin_site.each_context(request),
            "version": version,
            "other": other,
            "others": others,
            "lines": lines,
            "changes": changes,
            "opts": self.model._meta,
            "title": gettext("方案版本比较：%(version)s") % {"version": version},
        }
        return render(request, "scoring/scheme_diff.html", context)


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "period",
        "scheme_version",
        "region",
        "status",
        "n_enterprises",
        "n_vetoed",
        "started_by",
        "created_at",
    )
    list_filter = ("status", "period")
    exclude = ("input_fact_ids",)
    change_list_template = "scoring/run_change_list.html"

    def change_view(
        self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        return HttpResponseRedirect(reverse("scoring:run", args=[object_id]))


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ("run", "rank", "enterprise", "stage", "total", "tier", "vetoed")
    list_filter = ("run", "stage", "tier", "vetoed")
    search_fields = ("enterprise__credit_code", "enterprise__name")
    list_select_related = ("run", "enterprise")
    show_full_result_count = False
