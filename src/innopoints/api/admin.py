"""The platform admin's view of API tokens — an institution's (the institution API) or a data
source's (the data exchange, its own fields only): create (the secret is shown once, on the
page that follows), rotate and revoke; the secret itself is never stored or shown again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.api import tokens
from innopoints.api.models import ApiToken

SECRETS = "_innopoints_new_api_tokens"


def _show(request: HttpRequest, made: list[tuple[ApiToken, str]]) -> HttpResponse:
    response = TemplateResponse(
        request,
        "api/admin_secret.html",
        {
            **admin.site.each_context(request),
            "title": _("新的接口令牌"),
            "made": made,
            "opts": ApiToken._meta,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


class TokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["institution", "source", "name", "expires_at"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and (data.get("institution") is None) == (
            data.get("source") is None
        ):
            raise forms.ValidationError(
                _("请选择一个金融机构（机构接口）或一个数据来源（数据交换），二者选一")
            )
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = TokenForm
    list_display = (
        "name",
        "institution",
        "source",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "is_active",
    )
    list_filter = ("institution", "source")
    search_fields = ("name", "prefix", "institution__name", "source__name")
    readonly_fields = (
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "replaces",
    )
    actions = ["rotate_tokens", "revoke_tokens"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["institution", "source", "name", "expires_at"]
        return ["institution", "source", "name", "expires_at", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return ("institution", "source", *self.readonly_fields)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"expires_at": tokens.default_expiry()}

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the audit log keeps pointing at the token

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        holder = obj.institution or obj.source
        assert holder is not None  # TokenForm.clean: exactly one
        made, value = tokens.issue(holder, obj.name, request.user, obj.expires_at)
        obj.pk, obj.prefix = made.pk, made.prefix
        obj._state.adding = False
        setattr(request, SECRETS, [(made, value)])

    def response_add(self, request: HttpRequest, obj: ApiToken, *args: Any) -> HttpResponse:
        made = getattr(request, SECRETS, None)
        if made:
            return _show(request, made)
        return super().response_add(request, obj, *args)

    @admin.action(description=gettext_lazy("轮换所选令牌（旧令牌立即失效）"))
    def rotate_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> Any:
        made = [
            tokens.rotate(token, request.user)
            for token in queryset.filter(revoked_at__isnull=True).select_related(
                "institution", "source"
            )
        ]
        if not made:
            self.message_user(request, _("所选令牌均已撤销"), messages.WARNING)
            return None
        return _show(request, made)

    @admin.action(description=gettext_lazy("撤销所选令牌"))
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        n = 0
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke(token)
            n += 1
        self.message_user(request, _("已撤销 %(n)d 个令牌") % {"n": n}, messages.SUCCESS)
