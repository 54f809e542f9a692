"""Single sign-on through OpenID Connect (mozilla-django-oidc does the protocol: state, nonce,
PKCE, code exchange, RS256 signature of the id token against the provider's JWKS). This
module decides who an identity is on the platform (docs/sso.md):

- a **staff id** claim (``INNOPOINTS_OIDC_STAFF_ID_CLAIM``, default ``staff_id``) signs in the
  existing government or institution user with that staff id (``Profile.staff_id``, set by
  the platform admin); nobody else, and no account is ever made for a staff id;
- a **credit code** claim (``INNOPOINTS_OIDC_CREDIT_CODE_CLAIM``, default ``credit_code``)
  signs in the enterprise account of that enterprise: the one already linked to this
  identity, else the enterprise's only account (which is then linked to it); an enterprise in
  the registry with no account at all gets a new enterprise account bound to it, unless
  ``INNOPOINTS_OIDC_CREATE_ENTERPRISE_ACCOUNTS=0``; an enterprise that already has an owner
  never gets another account this way (that takes government review, as in registration).
  The account is created with the enterprise role only (never a privileged one), and its
  creation is in the audit log like any other;
- anything else is refused, on a page that says why, in the site's frame.

The identity provider is trusted for the claims it signs: it is the installation's own
(government) identity service, which has verified the person and the enterprise."""

from __future__ import annotations

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from innopoints.accounts.models import Profile, Role
from innopoints.registry.models import Enterprise

log = logging.getLogger(__name__)
REFUSAL = "_innopoints_sso_refusal"
LANGUAGE = "_innopoints_sso_language"
# what can go wrong between the provider and the platform: a bad or forged token, a provider
# that refuses or does not answer, an endpoint that cannot be discovered
FAILURES = (SuspiciousOperation, requests.RequestException, jwt.PyJWTError, ImproperlyConfigured)

# why a sign-in was refused: the page's explanation (shown with the claim's value, never with
# anything from the platform's data)
REASONS = {
    "unknown_staff": gettext_lazy(
        "没有与此工号对应的政府或金融机构账户。请联系平台管理员为您的账户登记工号。"
    ),
    "unknown_enterprise": gettext_lazy("此统一社会信用代码不在平台的企业名录中。"),
    "owned": gettext_lazy(
        "此企业已有账户，但没有与此身份关联的账户。平台不为已有账户的企业另开账户（须经政府审核）；"
        "请联系企业的账户管理员或所在地区的科技主管部门。"
    ),
    "no_account": gettext_lazy(
        "此企业在平台上还没有账户，且本平台未开启通过统一身份认证开通账户。"
        "请通过企业注册或所在地区的科技主管部门开通账户。"
    ),
    "inactive": gettext_lazy("对应的账户已停用。请联系平台管理员。"),
    "no_claim": gettext_lazy("统一身份认证没有提供工号或统一社会信用代码，平台无法确定您的身份。"),
    "mismatch": gettext_lazy("统一身份认证返回的身份信息不一致。"),
    "provider": gettext_lazy(
        "统一身份认证未能完成登录（身份提供方拒绝或无法验证）。请重试或改用账户密码登录。"
    ),
}


def enabled() -> bool:
    return bool(getattr(settings, "INNOPOINTS_OIDC_ENABLED", False))


class Refused(Exception):
    def __init__(self, reason: str, value: str = "") -> None:
        super().__init__(reason)
        self.reason, self.value = reason, value


def _claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return "" if value is None else str(value).strip()


def match(claims: dict[str, Any]) -> Any:
    """The platform user for an identity's claims, or ``Refused``."""
    staff_id = _claim(claims, settings.INNOPOINTS_OIDC_STAFF_ID_CLAIM)
    if staff_id:
        profile = (
            Profile.objects.filter(staff_id=staff_id, role__in=[Role.GOVERNMENT, Role.INSTITUTION])
            .select_related("user")
            .first()
        )
        if profile is None:
            raise Refused("unknown_staff", staff_id)
        return _active(profile.user)
    code = _claim(claims, settings.INNOPOINTS_OIDC_CREDIT_CODE_CLAIM).upper()
    if code:
        return _enterprise_user(code, claims)
    raise Refused("no_claim")


def _active(user: Any) -> Any:
    if not user.is_active:
        raise Refused("inactive", user.get_username())
    return user


@transaction.atomic
def _enterprise_user(code: str, claims: dict[str, Any]) -> Any:
    # the enterprise's row locked: two first sign-ins at once make one account, not two
    enterprise = Enterprise.objects.select_for_update().filter(credit_code=code).first()
    if enterprise is None:
        raise Refused("unknown_enterprise", code)
    subject = _claim(claims, "sub")
    if not subject:
        raise Refused("mismatch")
    accounts = Profile.objects.filter(role=Role.ENTERPRISE, enterprise=enterprise)
    linked = accounts.filter(sso_subject=subject).select_related("user").first()
    if linked is not None:
        return _active(linked.user)
    existing = list(accounts.select_related("user")[:2])
    if len(existing) == 1 and not existing[0].sso_subject:
        profile = existing[0]
        profile.sso_subject = subject
        profile.save(update_fields=["sso_subject"])
        return _active(profile.user)
    if existing:  # an owner already: another account only through government review
        raise Refused("owned", code)
    if not settings.INNOPOINTS_OIDC_CREATE_ENTERPRISE_ACCOUNTS:
        raise Refused("no_account", code)
    return _create_enterprise_user(enterprise, subject, claims)


def _create_enterprise_user(enterprise: Enterprise, subject: str, claims: dict[str, Any]) -> Any:
    users = get_user_model().objects
    username, n = enterprise.credit_code, 1
    while users.filter(username=username).exists():  # a user name taken some other way
        n += 1
        username = f"{enterprise.credit_code}-{n}"
    email = _claim(claims, "email")
    user = users.create_user(username, email=email)
    user.set_unusable_password()  # signs in through the identity provider only
    name = _claim(claims, "name")
    if name:
        user.first_name = name[:150]
    user.save()
    profile = Profile(user=user, role=Role.ENTERPRISE, enterprise=enterprise, sso_subject=subject)
    profile.full_clean()
    profile.save()
    log.info("sso: account %s created for enterprise %s", username, enterprise.credit_code)
    return user


class PlatformOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """mozilla-django-oidc's backend with the platform's matching instead of its e-mail
    lookup, and the id token's issuer and audience checked as well as its signature."""

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        if kwargs.get("nonce") is None:
            return payload  # a signed userinfo response: no iss/aud to compare
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("id token: wrong audience")
        if str(payload.get("iss", "")).rstrip("/") != settings.INNOPOINTS_OIDC_ISSUER:
            raise SuspiciousOperation("id token: wrong issuer")
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        info = self.get_userinfo(access_token, id_token, payload)
        if str(info.get("sub")) != str(payload.get("sub")):
            return self._refuse(Refused("mismatch"))
        try:
            return match({**payload, **info})
        except Refused as refusal:
            return self._refuse(refusal)

    def _refuse(self, refusal: Refused) -> None:
        setattr(self.request, REFUSAL, refusal)
        log.warning("sso: sign-in refused (%s %s)", refusal.reason, refusal.value)


def refused_page(request: HttpRequest, refusal: Refused) -> HttpResponse:
    return render(
        request,
        "accounts/sso_refused.html",
        {
            "title": _("无法通过统一身份认证登录"),
            "reason": REASONS[refusal.reason],
            "value": refusal.value,
        },
        status=403,
    )


class CallbackView(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    """The provider's redirect back: signs in, or shows why not (never a bare redirect), in
    the language the sign-in started in."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404
        language = request.session.get(LANGUAGE) or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            return super().get(request)  # type: ignore[no-any-return]
        except FAILURES as error:
            log.warning("sso: sign-in failed: %s", error)
            return refused_page(request, Refused("provider"))

    @property
    def success_url(self) -> str:
        return self.request.session.get("oidc_login_next") or reverse("portals:home")

    def login_failure(self) -> HttpResponse:
        refusal = getattr(self.request, REFUSAL, None)
        if refusal is None and getattr(self, "user", None) is not None:
            refusal = Refused("inactive", self.user.get_username())
        return refused_page(self.request, refusal or Refused("provider"))


def start(request: HttpRequest) -> HttpResponse:
    """To the identity provider (404 when single sign-on is not configured)."""
    if not enabled():
        raise Http404
    language = request.GET.get("language", "")
    known = {code for code, _name in settings.LANGUAGES}
    request.session[LANGUAGE] = language if language in known else settings.LANGUAGE_CODE
    try:
        return OIDCAuthenticationRequestView.as_view()(request)  # type: ignore[no-any-return]
    except ImproperlyConfigured as error:  # the discovery document could not be read
        log.error("sso: %s", error)
        return refused_page(request, Refused("provider"))


def callback(request: HttpRequest) -> HttpResponse:
    if not enabled():
        raise Http404
    return CallbackView.as_view()(request)  # type: ignore[no-any-return]
