"""金融端 → 接口令牌: institution users list, create, rotate and revoke their institution's API
tokens. A new secret is shown once, on the page that made it (never stored, never redirected
through a message cookie)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from innopoints.accounts import scope
from innopoints.accounts.decorators import institution_required
from innopoints.api import tokens
from innopoints.api.listings import TokenTable
from innopoints.api.models import ApiToken
from innopoints.registry.models import Institution
from innopoints.site.forms import with_unit
from innopoints.site.listing import Listing


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("名称（用途）"),
        max_length=100,
        help_text=gettext_lazy("如“信贷审批系统”，便于日后识别"),
    )
    days = with_unit(
        forms.IntegerField(
            label=gettext_lazy("有效期"),
            min_value=1,
            max_value=3650,
            initial=365,
            help_text=gettext_lazy("1–3650 天；到期后令牌失效，可提前轮换"),
        ),
        gettext_lazy("天"),  # type: ignore[arg-type]  # drawn in the page's language
    )


def _institution(request: HttpRequest) -> Institution:
    institution = scope.institution_of(request.user)
    if institution is None:
        raise Http404
    return institution


def _page(
    request: HttpRequest,
    form: TokenForm | None = None,
    secret: str = "",
    made: ApiToken | None = None,
    status: int = 200,
) -> HttpResponse:
    institution = _institution(request)
    tokens_of = ApiToken.objects.filter(institution=institution).select_related("created_by")
    listing = Listing.build(
        request, TokenTable, tokens_of.order_by("-created_at"), export_name="api-tokens"
    )
    if listing.export is not None and request.method == "GET":
        return listing.export
    response = render(
        request,
        "api/tokens.html",
        {
            "title": _("接口令牌"),
            "form": form or TokenForm(),
            "listing": listing,
            "tokens": tokens_of,
            "secret": secret,
            "made": made,
            "now": timezone.now(),
        },
        status=status,
    )
    if secret:
        response["Cache-Control"] = "no-store"
    return response


@institution_required
def token_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    token, value = tokens.issue(
        _institution(request),
        form.cleaned_data["name"],
        request.user,
        expires_at=timezone.now() + dt.timedelta(days=form.cleaned_data["days"]),
    )
    return _page(request, secret=value, made=token)


def _own(request: HttpRequest, pk: int) -> ApiToken:
    return get_object_or_404(ApiToken, pk=pk, institution=_institution(request))


@institution_required
@require_POST
def token_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    token = _own(request, pk)
    if token.revoked_at is not None:
        return _page(request, status=409)
    new, value = tokens.rotate(token, request.user)
    return _page(request, secret=value, made=new)


@institution_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    tokens.revoke(_own(request, pk))
    return _page(request)
