"""What a 培育库 rule would select before it is saved: the latest finished run's stored inputs
are scored again by its own scheme (``robustness.run_table``: exactly the values the run
used), and the rule is evaluated on the same frame a run's pools are evaluated on — so the
preview counts what the next run with the same data would store. The frame of one run is kept
in memory while the editor tries rules (the run's results never change once finished)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

import polars as pl

from innopoints.analysis.pools import members, period_year, pool_inputs
from innopoints.analysis.publication import published_runs
from innopoints.analysis.receivers import held_qualifications
from innopoints.engine import score
from innopoints.scoring.models import Run
from innopoints.scoring.robustness import run_table

_lock = threading.Lock()
_frames: dict[tuple[int, Any], pl.DataFrame] = {}


@dataclass(frozen=True)
class Preview:
    run: Run
    selected: int
    scored: int
    by_tier: list[tuple[str, int]]
    by_stage: list[tuple[str, int]]


def preview_run() -> Run | None:
    """The newest published run (the lists people read), else the newest finished one."""
    return (
        published_runs().first()
        or Run.objects.filter(status="done").order_by("-finished_at", "-pk").first()
    )


def run_pool_frame(run: Run) -> pl.DataFrame:
    key = (run.pk, run.finished_at)
    with _lock:
        if key in _frames:
            return _frames[key]
    table = run_table(run)
    result = score(run.scheme_version.scheme(), table, run.period, source=f"run {run.pk}")
    ids = table["enterprise_id"].to_list()
    frame = pool_inputs(table, result, held_qualifications(ids, period_year(run.period)))
    with _lock:
        _frames.clear()  # one run at a time: a national frame is large
        _frames[key] = frame
    return frame


def preview(rule: dict[str, Any], run: Run) -> Preview:
    frame = run_pool_frame(run)
    chosen = set(members(frame, rule))
    picked = frame.filter(pl.col("enterprise_id").is_in(list(chosen)))
    tiers = Counter(t or "—" for t in picked["tier"].to_list())
    stages = Counter(s or "—" for s in picked["stage"].to_list())
    return Preview(
        run=run,
        selected=len(chosen),
        scored=frame.height,
        by_tier=sorted(tiers.items()),
        by_stage=sorted(stages.items(), key=lambda kv: -kv[1]),
    )
