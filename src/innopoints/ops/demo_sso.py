"""Single sign-on in the demo: the test OpenID Connect provider (ops/oidc_provider.py) on a
free port of 127.0.0.1, the platform configured to use it through the same environment
variables an installation sets (docs/sso.md), and identities for the demo accounts:

- the government and bank demo users get a staff id, and the provider an identity with it;
- the demo enterprise's identity carries its credit code (it signs in to the existing
  enterprise account, which is then linked to it);
- another enterprise of the registry, without an account, gets one at its first sign-in;
- an identity with a staff id nobody has is refused.

The sign-ins are written to ``var/demo-sso-accounts.txt`` (label, user name, password, claim
per line), and the passwords are kept across restarts (the provider itself keeps everything
in memory and starts afresh each time). Imported before Django is set up: the models are
imported inside the functions."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from innopoints.ops.oidc_provider import OIDCProvider

CLIENT_ID = "innopoints-demo"
FILE = "demo-sso-accounts.txt"
# demo account label → (sign-in name at the provider, staff id)
STAFF = {
    "government (Sichuan)": ("sc-official", "SC-GOV-0001"),
    "government (Chengdu)": ("cd-official", "CD-GOV-0001"),
    "institution (bank)": ("bank-officer", "BANK-0001"),
}
STAFF_USERS = {
    "government (Sichuan)": "sichuan",
    "government (Chengdu)": "chengdu",
    "institution (bank)": "bank",
}


def start_provider(port: int) -> OIDCProvider:
    """Start the provider and point the platform's settings at it (before they are read)."""
    provider = OIDCProvider().start()
    secret = secrets.token_urlsafe(24)
    provider.add_client(
        CLIENT_ID,
        secret,
        [f"http://{host}:{port}/accounts/sso/callback/" for host in ("127.0.0.1", "localhost")],
    )
    os.environ["INNOPOINTS_OIDC_ISSUER"] = provider.issuer
    os.environ["INNOPOINTS_OIDC_CLIENT_ID"] = CLIENT_ID
    os.environ["INNOPOINTS_OIDC_CLIENT_SECRET"] = secret
    return provider


def _passwords(path: Path) -> dict[str, tuple[str, str, str]]:
    if not path.exists():
        return {}
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    return {label: (name, secret, claim) for label, name, secret, claim in rows}


def register(
    provider: OIDCProvider, data_dir: Path, enterprise: Any
) -> dict[str, tuple[str, str, str]]:
    """Staff ids on the demo accounts and the provider's identities; returns label → (sign-in
    name, password, claim)."""
    from innopoints.accounts.models import Profile, Role  # noqa: PLC0415
    from innopoints.registry.models import Enterprise  # noqa: PLC0415

    path = data_dir / FILE
    known = _passwords(path)
    wanted: dict[str, tuple[str, dict[str, str]]] = {}
    for label, (name, staff_id) in STAFF.items():
        Profile.objects.filter(user__username=STAFF_USERS[label]).update(staff_id=staff_id)
        wanted[label] = (name, {"staff_id": staff_id})
    if enterprise is not None:
        wanted["enterprise"] = ("ent-legal-rep", {"credit_code": enterprise.credit_code})
        without_account = (
            Enterprise.objects.filter(region=enterprise.region)
            .exclude(profile__role=Role.ENTERPRISE)
            .order_by("credit_code")
            .first()
        )
        if without_account is not None:
            wanted["enterprise (account made at first sign-in)"] = (
                "ent-new",
                {"credit_code": without_account.credit_code},
            )
    wanted["unknown (refused)"] = ("stranger", {"staff_id": "NOBODY-0001"})
    out = {}
    for label, (name, claims) in wanted.items():
        claim = ",".join(f"{k}={v}" for k, v in claims.items())
        secret = known[label][1] if label in known else secrets.token_urlsafe(9)
        provider.add_identity(name, secret, name=name, **claims)
        out[label] = (name, secret, claim)
    path.write_text(
        "".join(f"{label}\t{n}\t{s}\t{c}\n" for label, (n, s, c) in out.items()), encoding="utf-8"
    )
    path.chmod(0o600)
    return out
