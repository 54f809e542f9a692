"""A 积分榜's selection and a cultivation pool, named in the page's language."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from django.utils.translation import gettext, pgettext

from innopoints.analysis.board_filters import FILTER_LABELS, parse_filter
from innopoints.analysis.models import Leaderboard, Pool
from innopoints.site.names import division_name, english, stage_name


def describe(board: Leaderboard) -> str:
    """What a 积分榜 selects, in words: the stage's or pool's name, or the conditions of a
    filtered list (``tier=A,B; stage=growth; region=5101`` → 档次 A、B；成长阶段 成长期；…)."""
    value = board.filter_value or ""
    version = board.run.scheme_version if board.run_id else None
    if board.kind == "stage":
        return stage_name(value, version)
    if board.kind == "pool":
        pool = Pool.objects.filter(code=value).first()
        return pool_name(pool) if pool else value
    if board.kind != "filter":
        return value
    try:
        conditions = parse_filter(value)
    except ValueError:
        return value
    words = {
        "stage": lambda v: stage_name(v, version),
        "region": division_name,
    }
    parts = []
    for key, values in conditions.items():
        shown = gettext("、").join(words.get(key, str)(v) for v in values)
        parts.append(f"{FILTER_LABELS.get(key, key)} {shown}")
    return pgettext("sentence separator", "；").join(parts)


@cache
def _pools_en() -> dict[str, dict[str, str]]:
    text = resources.files("innopoints.analysis").joinpath("pools.yaml").read_text("utf-8")
    return {str(p["code"]): dict(p.get("en") or {}) for p in yaml.safe_load(text).get("pools", [])}


def pool_name(pool: Pool) -> str:
    """A cultivation pool's name (its English name on English pages, where it has one)."""
    if english():
        return _pools_en().get(pool.code, {}).get("name") or pool.name
    return str(pool.name)


def pool_note(pool: Pool) -> str:
    if english():
        return _pools_en().get(pool.code, {}).get("note") or pool.description
    return str(pool.description)
