from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from innopoints.collection import quality, upload
from innopoints.collection.models import (
    PULL_FORMATS,
    Authorisation,
    ColumnAlias,
    DataSource,
    DeliveryAttempt,
    Dispute,
    DisputeEvidence,
    FactValue,
    Finding,
    ImportBatch,
    ImportJob,
    KeptField,
    KeptValues,
    SourceEndpoint,
    SourceField,
)
from innopoints.collection.views import resolve_finding
from innopoints.core.admin_base import ReadOnlyAdmin
from innopoints.core.big_tables import BigTableAdmin, choices_filter
from innopoints.engine.fields import base_catalogue
from innopoints.site.names import field_name


class SourceFieldInline(admin.TabularInline):
    model = SourceField
    extra = 0


class ColumnAliasInline(admin.TabularInline):
    model = ColumnAlias
    extra = 0


@admin.register(DataSource)
class DataSourceAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "may_register_enterprises", "tolerance", "contact_email")
    inlines = [SourceFieldInline, ColumnAliasInline]


@admin.register(SourceField)
class SourceFieldAdmin(SimpleHistoryAdmin):
    list_display = ("field_code", "source", "priority", "requires_authorisation", "frequency")
    list_filter = ("source", "requires_authorisation", "frequency")
    search_fields = ("field_code",)


@admin.register(ColumnAlias)
class ColumnAliasAdmin(admin.ModelAdmin):
    list_display = ("source", "header", "field_code")
    list_filter = ("source",)


@admin.register(Authorisation)
class AuthorisationAdmin(SimpleHistoryAdmin):
    list_display = ("enterprise", "source", "institution", "valid_from", "valid_to", "revoked_at")
    list_filter = ("source", "institution")
    search_fields = ("enterprise__name", "enterprise__credit_code")
    autocomplete_fields = ("enterprise",)


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "source",
        "period",
        "file_name",
        "n_rows",
        "n_values",
        "n_new_enterprises",
        "n_findings",
        "seconds",
        "imported_by",
        "token",
        "batch_key",
        "imported_at",
    )
    list_filter = ("source", "period")
    exclude = ("content",)
    change_list_template = "admin/collection/importbatch/change_list.html"

    def get_urls(self) -> list[Any]:
        own = [
            path("upload/", self.admin_site.admin_view(self.upload), name="collection_upload"),
            path(
                "upload/<str:token>/",
                self.admin_site.admin_view(self.progress),
                name="collection_upload_progress",
            ),
            path(
                "upload/<str:token>/state/",
                self.admin_site.admin_view(self.progress_state),
                name="collection_upload_state",
            ),
            path(
                "upload/<str:token>/errors.xlsx",
                self.admin_site.admin_view(self.errors),
                name="collection_upload_errors",
            ),
        ]
        return own + super().get_urls()

    def upload(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("collection.add_factvalue"):
            return HttpResponse(gettext("没有导入数据的权限"), status=403)
        form, token = upload.start(request)
        if token is not None:
            return HttpResponseRedirect(reverse("admin:collection_upload_progress", args=[token]))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": gettext("导入数据文件"),
            "opts": self.model._meta,
        }
        return render(request, "admin/collection/importbatch/upload.html", context)

    def progress(self, request: HttpRequest, token: str) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "token": token,
            "state": upload.state(token),
            "title": gettext("导入进度"),
            "opts": self.model._meta,
        }
        return render(request, "admin/collection/importbatch/progress.html", context)

    def progress_state(self, request: HttpRequest, token: str) -> JsonResponse:
        current = upload.state(token)
        if current is None:
            return JsonResponse({"state": "unknown"}, status=404)
        if current.get("stage"):  # stored untranslated (the import may run in a thread)
            current["stage"] = gettext(current["stage"])
        return JsonResponse(current)

    def errors(self, request: HttpRequest, token: str) -> HttpResponse:
        response = upload.error_report(token)
        if response is None:
            return HttpResponse(gettext("错误报告已过期或不存在"), status=404)
        return response


def _periods() -> list[tuple[str, str]]:
    periods = ImportBatch.objects.order_by("-period").values_list("period", flat=True).distinct()
    return [(p, p) for p in periods]


def _fields() -> list[tuple[str, str]]:
    return [(f.code, f.header) for f in base_catalogue() if f.kind in quality.FIELD_KINDS]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Imports handed to a worker: where each one stands and which worker has it."""

    list_display = (
        "file_name",
        "source",
        "period",
        "status",
        "attempt",
        "worker",
        "created_at",
        "finished_at",
        "progress_link",
    )
    list_filter = ("status", "source", "period")
    exclude = ("path", "state")
    ordering = ("-created_at",)

    @admin.display(description=_("进度"))
    def progress_link(self, job: ImportJob) -> str:
        url = reverse("admin:collection_upload_progress", args=[job.token])
        return format_html('<a href="{}">{}</a>', url, gettext("查看"))


@admin.register(FactValue)
class FactValueAdmin(BigTableAdmin):
    """A million values and more: newest first, a page in one query (the batch's file is not
    read), filters from the batches and the catalogue instead of a scan of the values."""

    list_display = (
        "enterprise",
        "period",
        "field_code",
        "value",
        "source",
        "version",
        "batch",
        "recorded_at",
        "recorded_by",
    )
    list_filter = (
        choices_filter("period", _("数据期"), _periods),
        "source",
        choices_filter("field_code", _("指标"), _fields),
    )
    search_fields = ("enterprise__credit_code", "enterprise__name", "field_code")
    list_select_related = ("enterprise", "source", "batch__source", "recorded_by")
    deferred = ("batch__content",)


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = (
        "id",
        "kind",
        "status",
        "enterprise",
        "field_code",
        "message",
        "resolve_link",
    )
    list_filter = ("status", "kind", "rule", "period", "batch__source")
    search_fields = ("enterprise__credit_code", "enterprise__name", "message")
    list_select_related = ("enterprise", "resolved_by")
    readonly_fields = [f.name for f in Finding._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("处理"))
    def resolve_link(self, finding: Finding) -> str:
        if finding.status != "open":
            return "—"
        url = reverse("admin:collection_finding_resolve", args=[finding.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("处理"))

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "<int:pk>/resolve/",
                self.admin_site.admin_view(self.resolve),
                name="collection_finding_resolve",
            )
        ]
        return own + super().get_urls()

    def resolve(self, request: HttpRequest, pk: int) -> HttpResponse:
        finding = get_object_or_404(Finding, pk=pk)
        if not request.user.has_perm("collection.change_finding"):
            return HttpResponse(gettext("没有处理核验问题的权限"), status=403)
        return resolve_finding(
            request,
            finding,
            template="admin/collection/finding/resolve.html",
            done_url=reverse("admin:collection_finding_changelist"),
            extra={**self.admin_site.each_context(request), "opts": self.model._meta},
        )


class DisputeEvidenceInline(admin.TabularInline):
    model = DisputeEvidence
    extra = 0
    can_delete = False
    fields = ("name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    """Enterprises' disputes, read only: they are answered on their finding (核验问题)."""

    list_display = ("enterprise", "grounds", "finding", "raised_at")
    list_filter = ("grounds",)
    search_fields = ("enterprise__name", "enterprise__credit_code")
    ordering = ("-raised_at",)
    inlines = (DisputeEvidenceInline,)


@admin.register(DisputeEvidence)
class DisputeEvidenceAdmin(ReadOnlyAdmin):
    """Evidence files of disputes (downloaded from the dispute's page, permission-checked)."""

    list_display = ("name", "dispute", "content_type", "size", "uploaded_at")
    exclude = ("content",)
    ordering = ("-uploaded_at",)


class EndpointForm(forms.ModelForm):
    """The secret is written, never shown back: empty keeps the stored one."""

    secret = forms.CharField(
        label=_("令牌或密码"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("留空则不变"),
    )

    format = forms.ChoiceField(label=_("数据格式"), choices=PULL_FORMATS)

    class Meta:
        model = SourceEndpoint
        exclude: list[str] = []

    def clean_secret(self) -> str:
        return self.cleaned_data.get("secret") or (self.instance.secret if self.instance else "")


@admin.register(SourceEndpoint)
class SourceEndpointAdmin(SimpleHistoryAdmin):
    """The pull settings (the government portal's 数据来源 page edits the same)."""

    form = EndpointForm
    list_display = ("source", "enabled", "url", "format", "next_pull_at", "last_outcome")
    readonly_fields = ("next_pull_at", "failures", "last_pulled_at", "last_outcome", "last_message")


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ("at", "source", "period", "channel", "outcome", "batch_key")
    list_filter = ("channel", "outcome", "source")
    readonly_fields = [f.name for f in DeliveryAttempt._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(KeptValues)
class KeptValuesAdmin(ReadOnlyAdmin):
    """The effective values kept between runs (collection.kept_values): derived data, shown
    for inspection; ``INNOPOINTS_KEEP_EFFECTIVE=0`` makes runs choose afresh."""

    list_display = ("period", "fact_watermark", "generation", "built_at")
    exclude = ("grants", "rules")


@admin.register(KeptField)
class KeptFieldAdmin(ReadOnlyAdmin):
    list_display = ("kept", "field", "part")
    list_filter = ("part",)
    exclude = ("data",)
    ordering = ("kept", "field_code", "part")

    @admin.display(description=_("指标"), ordering="field_code")
    def field(self, kept: KeptField) -> str:
        return field_name(kept.field_code)
