"""输入数据完整率: per weighted indicator, the share of a run's enterprises whose value was not
missing. Over the whole run it is the run's report; over a division (a city user's view of a
province-wide run) it is counted from the stored breakdowns of that division's enterprises
(the origin column: 0 = missing), once per run and division, then cached."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from django.core.cache import cache

from innopoints.scoring.models import Result, ResultBlock, Run, block_matrix


def completeness(run: Run, region_prefix: str | None = None) -> list[tuple[str, float]]:
    """(indicator code, percent with a value), in the run's indicator order."""
    if not region_prefix:
        missing = (run.report or {}).get("missing", {})
        n = max(run.n_enterprises, 1)
        return [(code, round(100 * (1 - m / n), 1)) for code, m in missing.items()]
    if run.finished_at is None:  # still writing its results: nothing to keep yet
        return _division(run, region_prefix)
    # the finish time makes the key one run's own even where a number is used again (a
    # database restored from a backup, a test database rolled back)
    key = f"completeness:{run.pk}:{run.finished_at.timestamp()}:{region_prefix}"
    cached: list[tuple[str, float]] | None = cache.get(key)
    if cached is None:
        cached = _division(run, region_prefix)
        cache.set(key, cached, timeout=None)  # a finished run's results never change
    return cached


def _division(run: Run, region_prefix: str) -> list[tuple[str, float]]:
    layout = (run.report or {}).get("breakdown_layout")
    if not layout:
        return []
    slots: dict[int, list[int]] = defaultdict(list)
    for block, slot in Result.objects.filter(
        run=run, region_code__startswith=region_prefix
    ).values_list("block", "slot"):
        slots[block].append(slot)
    n = sum(len(s) for s in slots.values())
    if n == 0:
        return []
    codes, parts = layout["ind"], layout["parts"]
    origin = [k * len(parts) + parts.index("origin") for k in range(len(codes))]
    missing = np.zeros(len(codes), dtype=np.int64)
    blocks = ResultBlock.objects.filter(run=run, index__in=list(slots)).values_list(
        "index", "values"
    )
    for index, values in blocks.iterator(chunk_size=8):
        rows = block_matrix(bytes(values), layout)
        missing += (rows[np.asarray(slots[index])][:, origin] == 0).sum(axis=0)
    return [
        (code, round(100 * (1 - int(m) / n), 1)) for code, m in zip(codes, missing, strict=True)
    ]
