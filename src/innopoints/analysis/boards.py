"""积分榜: lists over a run — overall, by industry field, by stage, risers — as top-N or share
bands (e.g. 0–5 %, 5–10 % within each stage); draft until published."""

from __future__ import annotations

import math
import zlib
from typing import Any

import polars as pl
from django.core.cache import cache
from django.db.models import Q

from innopoints.analysis.board_filters import parse_filter
from innopoints.analysis.models import Leaderboard, PoolMembership
from innopoints.scoring.compare import compare
from innopoints.scoring.models import Result, Run
from innopoints.site.names import stage_code


def _results(run: Run, best: int | None = None) -> pl.DataFrame:
    """The run's ranked results (``best``: only ranks up to it, read through the rank index)."""
    query = Result.objects.filter(run=run, vetoed=False)
    if best is not None:
        query = query.filter(rank__lte=best)
    rows = list(
        query.values_list(
            "enterprise_id",
            "enterprise__name",
            "enterprise__credit_code",
            "stage",
            "industry",
            "region_code",
            "total",
            "rank",
            "rank_stage",
            "rank_industry",
            "tier",
            "coverage",
        )
    )
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "enterprise_id": pl.Int64,
            "name": pl.String,
            "credit_code": pl.String,
            "stage": pl.String,
            "industry": pl.String,
            "region_code": pl.String,
            "total": pl.Float64,
            "rank": pl.Int64,
            "rank_stage": pl.Int64,
            "rank_industry": pl.Int64,
            "tier": pl.String,
            "coverage": pl.Float64,
        },
    )


def entries(
    board: Leaderboard, region_prefix: str | None = None, min_coverage: float | None = None
) -> list[dict[str, Any]]:
    """The board's rows; ``region_prefix`` keeps only one jurisdiction's enterprises and
    ``min_coverage`` (0–1) only those with at least that data coverage (their positions stay
    those of the whole list)."""
    rows = _cached_entries(board) if board.status == "published" else _entries(board)
    if region_prefix:
        rows = [r for r in rows if (r.get("region_code") or "").startswith(region_prefix)]
    if min_coverage is not None:
        rows = [r for r in rows if (row_coverage(r) or 0.0) >= min_coverage]
    return rows


def row_coverage(row: dict[str, Any]) -> float | None:
    """A board row's data coverage (a risers list's rows: the later run's)."""
    value = row.get("coverage_after", row.get("coverage"))
    return None if value is None else float(value)


def _cached_entries(board: Leaderboard) -> list[dict[str, Any]]:
    """A published board's rows never change (its run's results are immutable and the board
    is no longer edited): computed once, then read from the shared cache."""
    definition = (
        board.kind,
        board.filter_value,
        board.top_n,
        board.share_from,
        board.share_to,
        board.published_at.isoformat() if board.published_at else "",
    )
    key = f"board-entries:{board.pk}:{board.run_id}:{zlib.crc32(repr(definition).encode()):x}"
    rows: list[dict[str, Any]] | None = cache.get(key)
    if rows is None:
        rows = _entries(board)
        cache.set(key, rows, timeout=None)
    return rows


def _entries(board: Leaderboard) -> list[dict[str, Any]]:
    top_only = board.kind == "overall" and board.top_n and board.share_from is None
    frame = _results(board.run, best=board.top_n if top_only else None)
    rank = "rank"
    if board.kind == "industry":
        frame, rank = frame.filter(pl.col("industry") == board.filter_value), "rank_industry"
    elif board.kind == "stage":
        stage = stage_code(board.filter_value, board.run.scheme_version)
        frame, rank = frame.filter(pl.col("stage") == stage), "rank_stage"
    elif board.kind == "pool":
        members = (
            PoolMembership.objects.filter(run=board.run)
            .filter(Q(pool__code=board.filter_value) | Q(pool__name=board.filter_value))
            .values_list("enterprise_id", flat=True)
        )
        frame = frame.filter(pl.col("enterprise_id").is_in(list(members)))
    elif board.kind == "filter":
        frame = frame.filter(filter_expression(parse_filter(board.filter_value)))
    elif board.kind == "risers":
        previous = (
            Run.objects.filter(
                status="done",
                created_at__lt=board.run.created_at,
                scheme_version__scheme_id=board.run.scheme_version.scheme_id,
            )
            .order_by("-created_at")
            .first()
        )
        if previous is None:
            return []
        risers = compare(previous, board.run, top=board.top_n or 100).risers
        return [{"position": i + 1, **row} for i, row in enumerate(risers.to_dicts())]
    if board.share_from is not None and board.share_to is not None:
        group = "stage" if board.kind in {"overall", "stage"} else None
        frame = _share_band(frame, rank, board.share_from, board.share_to, group)
    frame = frame.sort(rank)
    if board.top_n:
        frame = frame.head(board.top_n)
    return [{"position": row[rank], **row} for row in frame.to_dicts()]


def _share_band(
    frame: pl.DataFrame, rank: str, low: float, high: float, group: str | None
) -> pl.DataFrame:
    """Enterprises whose rank / n (within each stage for stage-wise lists) lies in (low, high]
    percent; ranks are recomputed inside the group for the overall list."""
    if group is not None and rank == "rank":
        frame = frame.with_columns(
            pl.col("total")
            .rank("min", descending=True)
            .over(group)
            .cast(pl.Int64)
            .alias("rank_stage")
        )
        rank = "rank_stage"
    counts = frame.group_by(group).len() if group else None
    if counts is not None:
        frame = frame.join(counts, on=group)
    else:
        frame = frame.with_columns(pl.lit(frame.height).alias("len"))
    share = pl.col(rank) / pl.col("len") * 100
    return frame.filter((share > low) & (share <= high))


def share_count(n: int, percent: float) -> int:
    return math.ceil(n * percent / 100)


def filter_expression(conditions: dict[str, list[str]]) -> pl.Expr:
    expression = pl.lit(True)
    for key, values in conditions.items():
        if key == "min_total":
            expression &= pl.col("total") >= float(values[0])
        elif key == "region":
            expression &= pl.any_horizontal(
                [pl.col("region_code").str.starts_with(v) for v in values]
            )
        else:
            expression &= pl.col(key).is_in(values)
    return expression
