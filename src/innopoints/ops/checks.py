"""``innopoints check-deploy``: Django's deployment checks plus the platform's own, each a
pass/fail line. Every check returns a ``Check`` and never raises."""

from __future__ import annotations

import json
import os
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks as django_checks

from innopoints.analysis import pdf_fonts
from innopoints.core.routers import REPLICA, replica_configured
from innopoints.ops import probes

# placeholders that must never sign sessions in production
WEAK_SECRETS = {"", "secret", "changeme", "change-me", "please-change-me", "innopoints"}
MIN_SECRET_LENGTH = 50
# what a page needs from the collected static files
REQUIRED_STATIC = ("vendor/echarts/echarts.min.js", "site/portal.css", "admin/css/base.css")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.name} — {self.detail}"


def django_deploy() -> Check:
    """``manage.py check --deploy``: any warning or error fails (silence a deliberate choice,
    e.g. plain HTTP on an intranet, with INNOPOINTS_SILENCED_CHECKS)."""
    try:
        messages = django_checks.run_checks(include_deployment_checks=True)
    except Exception as exc:
        return Check("django check --deploy", False, f"{type(exc).__name__}: {exc}")
    serious = [m for m in messages if m.level >= django_checks.WARNING and not m.is_silenced()]
    if serious:
        listed = "; ".join(f"{m.id}: {str(m.msg).splitlines()[0][:120]}" for m in serious)
        return Check("django check --deploy", False, listed)
    return Check("django check --deploy", True, "no warnings")


def database() -> Check:
    ok, detail = probes.database()
    return Check("database reachable", ok, detail)


def replica() -> Check:
    if not replica_configured():
        return Check("read replica", True, "not configured (reports read the primary)")
    ok, detail = probes.database(REPLICA)
    return Check("read replica reachable", ok, detail)


def migrations() -> Check:
    ok, detail = probes.migrations()
    return Check("migrations applied", ok, detail)


def broker() -> Check:
    ok, detail = probes.broker()
    return Check("broker reachable", ok, detail)


def fonts() -> Check:
    """The CJK font the 一企一档 PDFs are set in, and its TrueType copies (made here, about a
    minute, if this machine has none yet, so that the first PDF does not wait for them)."""
    try:
        paths = [pdf_fonts.truetype_font.__wrapped__(compact) for compact in (True, False)]
    except pdf_fonts.FontMissing as error:
        return Check("PDF fonts", False, str(error))
    return Check("PDF fonts", True, f"{settings.INNOPOINTS_PDF_FONT} ({paths[-1]})")


def static_files() -> Check:
    """``collectstatic`` has run: the manifest names every file the pages need."""
    if not settings.STATIC_MANIFEST:
        return Check(
            "static files collected",
            False,
            "INNOPOINTS_STATIC_MANIFEST=0 or DEBUG: files are served from the apps; "
            "production serves collected, hashed files",
        )
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    try:
        names = json.loads(manifest.read_text(encoding="utf-8"))["paths"]
    except (OSError, ValueError, KeyError):
        return Check(
            "static files collected",
            False,
            f"no manifest in {settings.STATIC_ROOT}: run `innopoints manage collectstatic`",
        )
    missing = [name for name in REQUIRED_STATIC if name not in names]
    if missing:
        return Check("static files collected", False, f"missing {', '.join(missing)}")
    return Check("static files collected", True, f"{len(names)} files in {settings.STATIC_ROOT}")


def secret_key() -> Check:
    key = str(settings.SECRET_KEY)
    if (
        key.lower() in WEAK_SECRETS
        or key.startswith("django-insecure")
        or len(key) < MIN_SECRET_LENGTH
        or len(set(key)) < 10
    ):
        return Check(
            "secret key",
            False,
            f"weak or default secret key: set INNOPOINTS_SECRET_KEY to {MIN_SECRET_LENGTH}+ "
            "random characters",
        )
    origin = "environment" if os.environ.get("INNOPOINTS_SECRET_KEY") else "data directory"
    return Check("secret key", True, f"from the {origin}")


def data_dir() -> Check:
    """The data directory (uploads, mail files, cache) accepts a new file."""
    for directory in (Path(settings.DATA_DIR), Path(settings.MEDIA_ROOT)):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=directory, prefix=".check-deploy-"):
                pass
        except OSError as exc:
            return Check("data directory writable", False, f"{directory}: {exc.strerror or exc}")
    return Check("data directory writable", True, str(settings.DATA_DIR))


def single_sign_on() -> Check:
    """With single sign-on configured (docs/sso.md): the provider's endpoints are known (from
    its discovery document or the environment), none over plain HTTP except on this machine,
    and its JWKS answers with at least one key."""
    name = "single sign-on"
    if not getattr(settings, "INNOPOINTS_OIDC_ENABLED", False):
        return Check(name, True, "not configured (local accounts only)")
    try:
        endpoints = {
            key: str(getattr(settings, key))
            for key in (
                "OIDC_OP_AUTHORIZATION_ENDPOINT",
                "OIDC_OP_TOKEN_ENDPOINT",
                "OIDC_OP_USER_ENDPOINT",
                "OIDC_OP_JWKS_ENDPOINT",
            )
        }
        plain = [
            url
            for url in endpoints.values()
            if urlsplit(url).scheme != "https"
            and urlsplit(url).hostname not in {"127.0.0.1", "localhost", "::1"}
        ]
        if plain:
            return Check(name, False, f"not over HTTPS: {', '.join(plain)}")
        if not settings.OIDC_RP_CLIENT_SECRET and settings.OIDC_RP_SIGN_ALGO.startswith("HS"):
            return Check(name, False, "INNOPOINTS_OIDC_CLIENT_SECRET is empty")
        timeout = float(settings.OIDC_TIMEOUT)
        request = urllib.request.Request(endpoints["OIDC_OP_JWKS_ENDPOINT"])
        with urllib.request.urlopen(request, timeout=timeout) as response:
            keys = json.loads(response.read().decode("utf-8")).get("keys") or []
    except Exception as exc:
        return Check(name, False, f"{type(exc).__name__}: {exc}")
    if not keys:
        return Check(name, False, f"{endpoints['OIDC_OP_JWKS_ENDPOINT']}: no keys")
    return Check(
        name,
        True,
        f"{settings.INNOPOINTS_OIDC_ISSUER}: endpoints found, {len(keys)} signing key(s)",
    )


ALL: tuple[Callable[[], Check], ...] = (
    django_deploy,
    database,
    replica,
    migrations,
    broker,
    fonts,
    static_files,
    secret_key,
    data_dir,
    single_sign_on,
)


def run_all() -> list[Check]:
    results = []
    for check in ALL:
        if check is migrations and not any(r.ok for r in results if r.name == "database reachable"):
            results.append(Check("migrations applied", False, "database unreachable"))
            continue
        results.append(check())
    return results
