"""When a worker starts, it takes back what it was doing when it died: a worker's name (``-n``)
is the same after a restart, so work still marked as running on that name was interrupted.
Each app registers how it takes back its own work (``takes_back``); then the tasks that waited
for the broker are sent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery.signals import worker_ready

from innopoints.core import queue

log = logging.getLogger(__name__)

Sweep = Callable[[str], int]
"""Takes back one kind of interrupted work of the named worker; returns how many it took."""

_SWEEPS: dict[str, Sweep] = {}


def takes_back(kind: str) -> Callable[[Sweep], Sweep]:
    """Register ``sweep`` as the start-up sweep of ``kind`` (once per kind)."""

    def register(sweep: Sweep) -> Sweep:
        _SWEEPS[kind] = sweep
        return sweep

    return register


def sweep(hostname: str) -> dict[str, int]:
    counts = {kind: take_back(hostname) for kind, take_back in _SWEEPS.items()}
    if any(counts.values()):
        log.warning("worker %s took back interrupted work: %s", hostname, counts)
    return counts


@worker_ready.connect
def on_worker_ready(sender: Any = None, **_: Any) -> None:
    hostname = getattr(sender, "hostname", None)
    try:
        if hostname:
            sweep(hostname)
        queue.flush()
    except Exception:  # a sweep must never stop a worker from starting
        log.exception("start-up sweep of %s failed", hostname)
