"""A fingerprint of the collected data, for caching what is computed from it (the quality
report): it changes whenever a fact, batch, finding or authorisation is added, a finding is
resolved, an authorisation is edited or revoked, a source's field rules or an enterprise's
division change — each of those writes a new row (the facts are append-only; findings,
authorisations, source fields and enterprises keep their history), so the newest primary keys
say it all in a few index look-ups. (A bulk ``QuerySet.update`` of those tables would not be
seen: the application makes none.)"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

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
