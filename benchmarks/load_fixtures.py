"""What the mixed load scenario needs in the database, made before the clock starts: a bank
with a user, authorisations from 2,000 enterprises, a published 积分榜 sent to it, enterprise
users, API tokens, and signed-in sessions of every kind (a password hash per sign-in would
measure PBKDF2, not the pages). Idempotent: a second load test reuses what the first made."""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from typing import Any

GOV_USER = "loadtest"
BANK_USER = "loadtest-bank"
BANK = "压测银行"
ENTERPRISE_USERS = 20
AUTHORISED = 2000
TOKENS = 50


def sessions(user: Any, count: int) -> list[str]:
    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth import (  # noqa: PLC0415
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
    )

    keys = []
    for _ in range(count):
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.save()
        keys.append(store.session_key)
    return [k for k in keys if k]


def _user(username: str, **flags: bool) -> Any:
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    user, _ = get_user_model().objects.get_or_create(username=username, defaults=flags)
    return user


def _published_board(run: Any, by: Any) -> Any:
    """The run's published overall board, or a new one (bulk-created: publishing through the
    model would start the catalogue matching of a national run in this process)."""
    from django.utils import timezone  # noqa: PLC0415

    from innopoints.analysis.models import Leaderboard  # noqa: PLC0415

    board = Leaderboard.objects.filter(run=run, status="published", kind="overall").first()
    if board is None:
        Leaderboard.objects.bulk_create(
            [
                Leaderboard(
                    run=run,
                    title="压测积分榜（前 500 名）",
                    kind="overall",
                    top_n=500,
                    status="published",
                    published_at=timezone.now(),
                    published_by=by,
                )
            ]
        )
        board = Leaderboard.objects.filter(run=run, status="published", kind="overall").first()
    return board


def prepare(run: Any, enterprise_ids: list[int]) -> dict[str, str]:
    """The environment the locustfile reads (ids, sessions, tokens)."""
    from django.utils import timezone  # noqa: PLC0415

    from innopoints.accounts.models import Profile, Role  # noqa: PLC0415
    from innopoints.api import tokens  # noqa: PLC0415
    from innopoints.api.models import ApiToken  # noqa: PLC0415
    from innopoints.applications.models import Dispatch  # noqa: PLC0415
    from innopoints.collection.models import Authorisation  # noqa: PLC0415
    from innopoints.registry.models import Enterprise, Institution  # noqa: PLC0415

    analyst = _user(GOV_USER, is_staff=True, is_superuser=True)
    bank, _ = Institution.objects.get_or_create(name=BANK, defaults={"kind": "bank"})
    banker = _user(BANK_USER)
    Profile.objects.get_or_create(
        user=banker, defaults={"role": Role.INSTITUTION, "institution": bank}
    )
    authorised = enterprise_ids[:AUTHORISED]
    have = set(
        Authorisation.objects.filter(institution=bank, enterprise_id__in=authorised).values_list(
            "enterprise_id", flat=True
        )
    )
    start = timezone.localdate() - dt.timedelta(days=30)
    Authorisation.objects.bulk_create(
        Authorisation(enterprise_id=e, institution=bank, valid_from=start)
        for e in authorised
        if e not in have
    )
    board = _published_board(run, analyst)
    dispatch = Dispatch.objects.filter(board=board, institution=bank).first()
    if dispatch is None:
        dispatch = Dispatch.objects.create(board=board, institution=bank, sent_by=analyst)
    owners = []
    for k, enterprise_id in enumerate(enterprise_ids[:ENTERPRISE_USERS]):
        owner = _user(f"loadtest-ent-{k}")
        Profile.objects.get_or_create(
            user=owner, defaults={"role": Role.ENTERPRISE, "enterprise_id": enterprise_id}
        )
        owners.append(owner)
    ApiToken.objects.filter(institution=bank, name__startswith="loadtest").update(
        revoked_at=timezone.now()
    )
    values = [tokens.issue(bank, f"loadtest-{k}", banker)[1] for k in range(TOKENS)]
    codes = dict(Enterprise.objects.filter(pk__in=authorised).values_list("pk", "credit_code"))
    return {
        "LOAD_SESSIONS": ",".join(sessions(analyst, 50)),
        "LOAD_BANK_SESSIONS": ",".join(sessions(banker, 50)),
        "LOAD_ENT_SESSIONS": ",".join(s for owner in owners for s in sessions(owner, 3)),
        "LOAD_TOKENS": ",".join(values),
        "LOAD_DISPATCH": str(dispatch.pk),
        "LOAD_AUTHORISED": ",".join(str(e) for e in authorised),
        "LOAD_AUTHORISED_CODES": ",".join(codes[e] for e in authorised if e in codes),
    }
