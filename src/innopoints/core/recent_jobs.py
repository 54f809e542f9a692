"""Background jobs of every kind as one list (the job status page, the statistics page). Each
app registers how to list its own kind of job (``lists_jobs``), reading the timing it keeps in
its own tables with what the user may see; this module only gathers them, newest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Job:
    kind: str
    kind_label: str
    label: str
    status: str
    status_label: str
    started: dt.datetime | None
    finished: dt.datetime | None
    seconds: float | None
    who: str
    error: str
    url: str

    @property
    def when(self) -> dt.datetime:
        return self.started or self.finished or dt.datetime.min.replace(tzinfo=dt.UTC)


Lister = Callable[[Any, int], list[Job]]
"""The latest jobs of one kind the user may see: ``lister(user, limit)``."""

_KINDS: dict[str, tuple[int, str | Promise, list[Lister]]] = {}


def lists_jobs(kind: str, label: str | Promise, order: int) -> Callable[[Lister], Lister]:
    """Register ``lister`` for ``kind`` (shown at ``order`` in the kind filter)."""

    def register(lister: Lister) -> Lister:
        _order, _label, listers = _KINDS.setdefault(kind, (order, label, []))
        if lister not in listers:
            listers.append(lister)
        return lister

    return register


def kinds() -> list[tuple[str, str]]:
    """(kind, label in the current language), in the filter's order."""
    ordered = sorted(_KINDS.items(), key=lambda item: item[1][0])
    return [(kind, str(label)) for kind, (_order, label, _listers) in ordered]


def first_line(text: str) -> str:
    """The last non-empty line of an error (a traceback's message), at most 300 characters."""
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def recent(
    user: Any, kind: str | None = None, limit: int = 100, exclude: frozenset[str] = frozenset()
) -> list[Job]:
    """The latest jobs of every kind (or one), newest first."""
    chosen = [kind] if kind in _KINDS else [k for k in _KINDS if k not in exclude]
    rows = [job for k in chosen for lister in _KINDS[k][2] for job in lister(user, limit)]
    return sorted(rows, key=lambda job: job.when, reverse=True)[:limit]
