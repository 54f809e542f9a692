"""Counting requests in fixed windows in Django's cache (shared by every process when the cache
is; the file cache of the embedded set-up and Redis in production both are). The institution
API counts per token and minute; the enterprise self-registration per address and per credit
code and hour."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass
class Allowance:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends


def take(key: str, limit: int, window: int) -> Allowance:
    """Counts one request under ``key`` in the current window of ``window`` seconds."""
    now = time.time()
    slot = int(now // window)
    slot_key = f"{key}:{slot}"
    cache.add(slot_key, 0, timeout=window + 5)
    try:
        count = cache.incr(slot_key)
    except ValueError:  # expired between add and incr
        cache.set(slot_key, 1, timeout=window + 5)
        count = 1
    retry_after = max(1, math.ceil((slot + 1) * window - now))
    return Allowance(count <= limit, count, limit, retry_after)
