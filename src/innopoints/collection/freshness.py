"""A fingerprint of the collected data, for caching what is computed from it (the quality
report): it changes whenever a fact, batch, finding or authorisation is added, a finding is
resolved, an authorisation is edited or revoked, a source's field rules or an enterprise's
division change — each of those writes a new row (the facts are append-only; findings,
authorisations, source fields and enterprises keep their history), so the newest primary keys
say it all in a few index look-ups. (A bulk ``QuerySet.update`` of those tables would not be
seen: the application makes none.)"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Model
from django.utils import timezone

from innopoints.collection.models import (
    Authorisation,
    FactValue,
    Finding,
    ImportBatch,
    SourceField,
)
from innopoints.core.background import run_in_process
from innopoints.registry.models import Enterprise

T = TypeVar("T")
_TRACKED: tuple[type[Model], ...] = (
    FactValue,
    ImportBatch,
    Finding,
    Finding.history.model,  # type: ignore[attr-defined]
    Authorisation,
    Authorisation.history.model,  # type: ignore[attr-defined]
    SourceField.history.model,  # type: ignore[attr-defined]
    Enterprise.history.model,  # type: ignore[attr-defined]  # a division changed by hand
)


def _newest(model: type[Model]) -> int:
    return int(model._default_manager.aggregate(newest=Max("pk"))["newest"] or 0)


def fingerprint() -> str:
    """Short, changing with any write the quality report depends on (and with the local date:
    authorisations begin and end on days)."""
    parts = [str(_newest(model)) for model in _TRACKED] + [timezone.localdate().isoformat()]
    # the newest batch itself too: after a restore from a backup, numbers can come back
    newest = ImportBatch.objects.order_by("-pk").values_list("sha256", "imported_at").first()
    parts.append(repr(newest))
    return hashlib.sha1(":".join(parts).encode(), usedforsecurity=False).hexdigest()[:16]


def cached(name: str, key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per fingerprint of the data (and ``key``), from the shared cache
    after that; entries of older fingerprints are never read again and expire in a day."""
    full = f"{name}:{fingerprint()}:" + ":".join(str(k) for k in key)
    found: T | None = cache.get(full)
    if found is None:
        found = compute()
        cache.set(full, found, timeout=24 * 3600)
    return found


def cached_or_earlier(
    name: str, key: tuple[object, ...], compute: Callable[[], T], *, wait: bool = False
) -> tuple[T, dt.datetime | None]:
    """Like ``cached``, but a page need not wait for the computation after the data changed:
    where jobs run in the background and an earlier result exists, that result comes back at
    once with the time it was computed, and the current one is computed in the background
    (once, whoever asks meanwhile). ``None`` for the time means the result is current;
    ``wait`` computes it now (an export, a warm-up job)."""
    current = f"{name}:{fingerprint()}:" + ":".join(str(k) for k in key)
    found: T | None = cache.get(current)
    if found is not None:
        return found, None
    latest = f"{name}:latest:" + ":".join(str(k) for k in key)
    earlier: tuple[T, dt.datetime] | None = cache.get(latest)

    def refresh() -> T:
        value = compute()
        cache.set(current, value, timeout=24 * 3600)
        cache.set(latest, (value, timezone.now()), timeout=7 * 24 * 3600)
        return value

    if wait or earlier is None or not getattr(settings, "INNOPOINTS_JOBS_IN_BACKGROUND", True):
        return refresh(), None
    if cache.add(f"{current}:computing", 1, timeout=15 * 60):
        run_in_process(refresh, name=f"refresh-{name}")
    return earlier
