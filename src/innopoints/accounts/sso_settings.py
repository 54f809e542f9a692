"""Single sign-on settings from the environment (docs/sso.md). Read by the settings module;
nothing here touches the database or the network at import.

Without ``INNOPOINTS_OIDC_ISSUER`` and ``INNOPOINTS_OIDC_CLIENT_ID`` nothing is switched on:
the site signs in with local accounts only. With them, mozilla-django-oidc's settings are
filled in; an endpoint not given explicitly is read from the provider's discovery document
(``ISSUER/.well-known/openid-configuration``) the first time it is needed, not at start-up, so
a provider that is down does not stop the site from starting."""

from __future__ import annotations

import functools
import json
import urllib.request
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import lazy

BACKEND = "innopoints.accounts.sso.PlatformOIDCBackend"
PREFIX = "INNOPOINTS_OIDC_"
ENDPOINTS = {
    # setting of mozilla-django-oidc: (environment variable suffix, discovery key)
    "OIDC_OP_AUTHORIZATION_ENDPOINT": ("AUTHORIZATION_ENDPOINT", "authorization_endpoint"),
    "OIDC_OP_TOKEN_ENDPOINT": ("TOKEN_ENDPOINT", "token_endpoint"),
    "OIDC_OP_USER_ENDPOINT": ("USERINFO_ENDPOINT", "userinfo_endpoint"),
    "OIDC_OP_JWKS_ENDPOINT": ("JWKS_ENDPOINT", "jwks_uri"),
}


@functools.cache
def _discovery(url: str, timeout: float) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        document = json.loads(response.read().decode("utf-8"))
    if not isinstance(document, dict):
        raise ImproperlyConfigured(f"{url}: the discovery document is not a JSON object")
    return document


def _discovered(url: str, timeout: float, key: str) -> str:
    try:
        value = _discovery(url, timeout).get(key)
    except OSError as error:
        raise ImproperlyConfigured(f"{url}: discovery failed ({error})") from error
    if not value:
        raise ImproperlyConfigured(f"{url}: the discovery document has no {key!r}")
    return str(value)


discovered = lazy(_discovered, str)


def oidc_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings single sign-on adds, from environment variables: an empty dict (and
    ``INNOPOINTS_OIDC_ENABLED`` false) when the issuer or the client id is missing."""
    issuer = environ.get(PREFIX + "ISSUER", "").strip().rstrip("/")
    client_id = environ.get(PREFIX + "CLIENT_ID", "").strip()
    if not issuer or not client_id:
        return {"INNOPOINTS_OIDC_ENABLED": False}
    timeout = float(environ.get(PREFIX + "TIMEOUT", "10"))
    discovery_url = environ.get(
        PREFIX + "DISCOVERY_URL", f"{issuer}/.well-known/openid-configuration"
    ).strip()
    out: dict[str, Any] = {
        "INNOPOINTS_OIDC_ENABLED": True,
        "INNOPOINTS_OIDC_ISSUER": issuer,
        # the claims the platform matches (docs/sso.md): the enterprise's unified social
        # credit code, and a government or institution user's staff id
        "INNOPOINTS_OIDC_CREDIT_CODE_CLAIM": environ.get(
            PREFIX + "CREDIT_CODE_CLAIM", "credit_code"
        ).strip(),
        "INNOPOINTS_OIDC_STAFF_ID_CLAIM": environ.get(
            PREFIX + "STAFF_ID_CLAIM", "staff_id"
        ).strip(),
        # an enterprise in the registry without an account gets one at its first sign-in
        "INNOPOINTS_OIDC_CREATE_ENTERPRISE_ACCOUNTS": environ.get(
            PREFIX + "CREATE_ENTERPRISE_ACCOUNTS", "1"
        ).strip()
        == "1",
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": environ.get(PREFIX + "CLIENT_SECRET", ""),
        "OIDC_RP_SIGN_ALGO": environ.get(PREFIX + "SIGN_ALGO", "RS256").strip(),
        "OIDC_RP_SCOPES": environ.get(PREFIX + "SCOPES", "openid profile email").strip(),
        "OIDC_TIMEOUT": timeout,
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": environ.get(PREFIX + "PKCE", "1").strip() == "1",
        "OIDC_AUTHENTICATION_CALLBACK_URL": "sso:callback",
        "OIDC_CALLBACK_CLASS": "innopoints.accounts.sso.CallbackView",
        "OIDC_CREATE_USER": False,  # the backend decides (PlatformOIDCBackend)
        "OIDC_STORE_ID_TOKEN": False,
        "OIDC_STORE_ACCESS_TOKEN": False,
    }
    for setting, (suffix, key) in ENDPOINTS.items():
        given = environ.get(PREFIX + suffix, "").strip()
        out[setting] = given or discovered(discovery_url, timeout, key)
    return out
