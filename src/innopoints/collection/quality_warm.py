"""The data quality report computed ahead: once a batch of facts is committed, a background job
builds the report of its period for the whole province and for each government user's division,
so that the first visitor after an import reads it from the cache (tens of milliseconds) instead
of computing it (3–10 s for a 30,000-enterprise province). Only where jobs run in the background
(a thread, see core/background.py); with jobs inline (the tests) nothing is computed ahead."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.db import transaction

from innopoints.collection import quality
from innopoints.collection.models import ImportBatch
from innopoints.core.background import run_in_process
from innopoints.registry.models import Region

_lock = threading.Lock()
_waiting: set[str] = set()


def batch_saved(sender: type[ImportBatch], instance: ImportBatch, **kwargs: Any) -> None:
    if kwargs.get("raw") or not kwargs.get("created"):
        return
    if not getattr(settings, "INNOPOINTS_JOBS_IN_BACKGROUND", True):
        return
    period = instance.period
    transaction.on_commit(lambda: schedule(period))


def schedule(period: str) -> None:
    """One warm-up of ``period`` waiting at a time: it sees every batch committed before it
    starts (seven files imported in a row are one or two warm-ups, not seven)."""
    with _lock:
        if period in _waiting:
            return
        _waiting.add(period)
    run_in_process(warm, period, name=f"quality-warm-{period}")


def warm(period: str) -> None:
    with _lock:
        _waiting.discard(period)  # a batch committed from now on schedules another
    for region in divisions():
        quality.build(period, region, wait=True)


def divisions() -> list[Region | None]:
    """The whole province (administrators) and each government user's own division (what the
    report opens on for them)."""
    from innopoints.accounts.models import Profile, Role  # noqa: PLC0415 - accounts imports us

    ids = (
        Profile.objects.filter(role=Role.GOVERNMENT, region__isnull=False)
        .values_list("region_id", flat=True)
        .distinct()
    )
    return [None, *Region.objects.filter(pk__in=list(ids)).order_by("code")]
