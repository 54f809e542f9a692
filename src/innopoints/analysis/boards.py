"""积分榜: lists over a run — overall, by industry field, by stage, risers — as top-N or share
bands (e.g. 0–5 %, 5–10 % within each stage); draft until published."""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from innopoints.analysis.models import Leaderboard
from innopoints.scoring.compare import compare
from innopoints.scoring.models import Result, Run


def _results(run: Run) -> pl.DataFrame:
    rows = list(
        Result.objects.filter(run=run, vetoed=False).values_list(
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
        },
    )


def entries(board: Leaderboard, region_prefix: str | None = None) -> list[dict[str, Any]]:
    """The board's rows; ``region_prefix`` keeps only one jurisdiction's enterprises (their
    positions stay those of the whole list)."""
    rows = _entries(board)
    if region_prefix:
        rows = [r for r in rows if (r.get("region_code") or "").startswith(region_prefix)]
    return rows


def _entries(board: Leaderboard) -> list[dict[str, Any]]:
    frame = _results(board.run)
    rank = "rank"
    if board.kind == "industry":
        frame, rank = frame.filter(pl.col("industry") == board.filter_value), "rank_industry"
    elif board.kind == "stage":
        frame, rank = frame.filter(pl.col("stage") == board.filter_value), "rank_stage"
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
