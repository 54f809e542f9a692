"""The audit page: platform administrators (superusers) only, read-only for everyone, with
filters, search and an Excel export of the filtered list (itself logged)."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from innopoints.audit import export, watch
from innopoints.audit.log import record
from innopoints.audit.models import ROLE_LABELS, AuditEntry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RoleFilter(admin.SimpleListFilter):
    title = _("角色")
    parameter_name = "actor_role"
    NONE = "-"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [*ROLE_LABELS.items(), (self.NONE, _("无角色（系统）"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(actor_role="" if value == self.NONE else value)


class ObjectTypeFilter(admin.SimpleListFilter):
    """The object types that can appear, from the model registry (no scan of the log)."""

    title = _("对象类型")
    parameter_name = "object_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        found = {AuditEntry._meta.label_lower: AuditEntry._meta.verbose_name}
        for model in apps.get_models():
            if watch.is_watched(model) and not model._meta.proxy:
                found[model._meta.label_lower] = model._meta.verbose_name
        return sorted(found.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset if value is None else queryset.filter(object_type=value)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "actor_display",
        "role_display",
        "action",
        "object_display",
        "enterprise",
        "ip",
        "summary_display",
    )
    list_filter = ("action", RoleFilter, ObjectTypeFilter)
    date_hierarchy = "at"
    search_fields = (
        "actor_name",
        "object_repr",
        "summary",
        "enterprise__name",
        "enterprise__credit_code",
    )
    list_select_related = ("enterprise",)
    show_full_result_count = False  # the log grows large; the filtered count is enough
    list_per_page = 100
    actions = ["export_selected"]
    change_list_template = "admin/audit/auditentry/change_list.html"
    fields = (
        "at",
        "actor",
        "actor_name",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "enterprise",
        "summary",
        "changes_table",
        "ip",
        "user_agent",
        "path",
    )
    readonly_fields = ("changes_table",)

    # -- read-only, superusers only ---------------------------------------------------------

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # -- columns ----------------------------------------------------------------------------

    @admin.display(description=_("操作人"), ordering="actor_name")
    def actor_display(self, entry: AuditEntry) -> str:
        return entry.actor_name or str(_("（系统）"))

    @admin.display(description=_("角色"), ordering="actor_role")
    def role_display(self, entry: AuditEntry) -> str:
        return entry.role_label()

    @admin.display(description=_("对象"), ordering="object_type")
    def object_display(self, entry: AuditEntry) -> str:
        if not entry.object_repr:
            return entry.object_type
        return (
            f"{entry.object_repr}（{entry.object_type}）"
            if entry.object_type
            else entry.object_repr
        )

    @admin.display(description=_("摘要"))
    def summary_display(self, entry: AuditEntry) -> str:
        return Truncator(entry.summary).chars(120)

    @admin.display(description=_("变更内容"))
    def changes_table(self, entry: AuditEntry) -> str:
        if not entry.changes:
            return "—"
        rows = []
        for field, change in entry.changes.items():
            if isinstance(change, list) and len(change) == 2:
                rows.append((field, _text(change[0]), _text(change[1])))
            else:
                rows.append((field, "", _text(change)))
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("字段"),
            _("原值"),
            _("新值"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    # -- export -----------------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="audit_auditentry_export",
            )
        ]
        return own + super().get_urls()

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The changelist's current filters, search and ordering, every page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:audit_auditentry_changelist"))
        criteria = "&".join(f"{k}={v}" for k, values in request.GET.lists() for v in values)
        return self._export(request, changelist.queryset, criteria)

    @admin.action(description=_("导出所选审计日志（Excel）"), permissions=["view"])
    def export_selected(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> Any:
        return self._export(request, queryset.order_by("-at", "-id"), "所选条目")

    def _export(
        self, request: HttpRequest, queryset: QuerySet[AuditEntry], criteria: str
    ) -> HttpResponse:
        content, count = export.workbook(queryset)
        summary = f"导出审计日志 {count} 条"
        if criteria:
            summary += f"（条件：{criteria}）"
        record(
            "export",
            request=request,
            object_type=AuditEntry._meta.label_lower,
            object_repr="审计日志",
            summary=summary,
        )
        response = HttpResponse(content, content_type=XLSX)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.xlsx"'
        return response


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
