"""Issuing, rotating, revoking and checking API tokens; the adapter that lets the access rules
(``accounts.scope``, each app's ``rules.py``) see a token's institution as an institution user."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import rules
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from innopoints.accounts.models import Role
from innopoints.api.models import ApiToken
from innopoints.collection.models import DataSource
from innopoints.core import ratelimit
from innopoints.core.ratelimit import Allowance
from innopoints.registry.models import Institution

# <prefix>.<secret>: 12 hex characters, a dot, 43 URL-safe characters (256 bits)
TOKEN_FORMAT = re.compile(r"^([0-9a-f]{12})\.([A-Za-z0-9_-]{20,100})$")
DEFAULT_RATE_LIMIT = 120  # requests per token and minute
DEFAULT_LIFETIME_DAYS = 365


def _digest(secret: str) -> str:
    # the secret is 256 random bits: a fast hash is enough (nothing to guess from it)
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _new_prefix() -> str:
    while True:
        prefix = secrets.token_hex(6)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            return prefix


def issue(
    holder: Institution | DataSource,
    name: str,
    created_by: Any,
    expires_at: dt.datetime | None = None,
    replaces: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its full value ``prefix.secret`` — shown once, never stored. ``holder``
    is an institution (the institution API) or a data source (the data exchange)."""
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        institution=holder if isinstance(holder, Institution) else None,
        source=holder if isinstance(holder, DataSource) else None,
        name=name,
        prefix=_new_prefix(),
        secret_hash=_digest(secret),
        created_by=created_by,
        expires_at=expires_at,
        replaces=replaces,
    )
    token.save()
    return token, f"{token.prefix}.{secret}"


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def rotate(token: ApiToken, by: Any) -> tuple[ApiToken, str]:
    """A new secret under a new prefix (same holder, name and expiry); the old token is
    revoked at once."""
    with transaction.atomic():
        old = ApiToken.objects.select_for_update().get(pk=token.pk)
        expires = old.expires_at if old.expires_at and old.expires_at > timezone.now() else None
        revoke(old)
        holder = old.institution or old.source
        assert holder is not None  # the check constraint: exactly one
        new, value = issue(holder, old.name, by, expires_at=expires, replaces=old)
    token.refresh_from_db()
    return new, value


def default_expiry() -> dt.datetime:
    days = int(getattr(settings, "INNOPOINTS_API_TOKEN_DAYS", DEFAULT_LIFETIME_DAYS))
    return timezone.now() + dt.timedelta(days=days)


@dataclass
class Check:
    token: ApiToken | None
    reason: str  # "" when valid; else why (for the audit log, never for the caller)


def check(value: str) -> Check:
    """The token a header value names, if it is valid now (constant-time secret comparison)."""
    match = TOKEN_FORMAT.match(value.strip())
    if match is None:
        return Check(None, "malformed")
    prefix, secret = match.groups()
    token = ApiToken.objects.select_related("institution", "source").filter(prefix=prefix).first()
    expected = token.secret_hash if token is not None else _digest("-")
    same = hmac.compare_digest(_digest(secret), expected)
    if token is None:
        return Check(None, "unknown")
    if not same:
        return Check(token, "wrong secret")
    if token.revoked_at is not None:
        return Check(token, "revoked")
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return Check(token, "expired")
    return Check(token, "")


def touch(token: ApiToken) -> None:
    """Record the use (without a log entry: an UPDATE per minute at most)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(seconds=60):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# -- rate limit -----------------------------------------------------------------------------


def take(token: ApiToken) -> Allowance:
    """Counts one request in the token's current minute (fixed window, Django's cache)."""
    limit = int(getattr(settings, "INNOPOINTS_API_RATE_LIMIT", DEFAULT_RATE_LIMIT))
    window = int(getattr(settings, "INNOPOINTS_API_RATE_WINDOW", 60))
    return ratelimit.take(f"innopoints-api-rate:{token.pk}", limit, window)


# -- the adapter the access rules see --------------------------------------------------------


@dataclass
class _Profile:
    institution: Institution
    role: str = Role.INSTITUTION
    region: None = None
    enterprise: None = None


@dataclass
class TokenPrincipal:
    """Looks to ``accounts.scope`` like a signed-in institution user of the token's
    institution, so the API asks the very rules the pages ask. Never a real user: it is not
    written into log entries as an actor."""

    token: ApiToken
    profile: _Profile = field(init=False)
    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = False
    is_staff: bool = False
    pk: None = None

    def __post_init__(self) -> None:
        institution = self.token.institution
        assert institution is not None  # only institution tokens reach the institution API
        self.profile = _Profile(institution=institution)

    @property
    def institution(self) -> Institution:
        return self.profile.institution

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return bool(rules.has_perm(perm, self, obj))

    def get_username(self) -> str:
        return f"api:{self.token.prefix}"
