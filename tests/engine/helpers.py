"""Building small input tables for engine tests."""

from __future__ import annotations

from typing import Any

import polars as pl

from innopoints.engine.reader import frame_from_records
from innopoints.engine.scheme import Scheme, load_scheme, scheme_from_mapping
from tests.conftest import codes


def table(rows: list[dict[str, Any]], scheme: Scheme | None = None) -> pl.DataFrame:
    """Typed columns from records; credit codes are filled in when not given."""
    ids = codes(len(rows))
    records = [{"credit_code": ids[i], **row} for i, row in enumerate(rows)]
    catalogue = (scheme or load_scheme("sichuan-2025")).catalogue
    return frame_from_records(records, catalogue)


def two_indicator_scheme(**overrides: Any) -> Scheme:
    """A small scheme: A (amount, log1p) and B (ratio), three age stages, one bonus, one veto."""
    data: dict[str, Any] = {
        "id": "test-two",
        "version": "1",
        "name": {"zh": "测试", "en": "Test"},
        "source": {"document": "tests"},
        "categories": [
            {"code": "c", "name": {"zh": "类", "en": "C"}},
            {"code": "b", "name": {"zh": "加分", "en": "Bonus"}, "bonus": True},
        ],
        "stage_rule": {
            "basis": "age",
            "stages": [
                {"code": "startup", "name": {"zh": "初创期", "en": "S"}, "max_age_years": 5},
                {"code": "growth", "name": {"zh": "成长期", "en": "G"}, "max_age_years": 10},
                {"code": "mature", "name": {"zh": "稳定期", "en": "M"}},
            ],
        },
        "tiers": {
            "basis": "rank_share",
            "levels": [
                {"code": "A", "name": {"zh": "A", "en": "A"}, "max_share": 0.1},
                {"code": "B", "name": {"zh": "B", "en": "B"}, "max_share": 0.3},
                {"code": "C", "name": {"zh": "C", "en": "C"}, "max_share": 0.6},
                {"code": "D", "name": {"zh": "D", "en": "D"}},
            ],
        },
        "indicators": [
            {
                "code": "tech_contract",
                "name": {"zh": "A", "en": "A"},
                "category": "c",
                "kind": "weighted",
                "transform": "log1p",
                "weights": {"startup": 0.6, "growth": 0.5, "mature": 0.4},
            },
            {
                "code": "st_ratio",
                "name": {"zh": "B", "en": "B"},
                "category": "c",
                "kind": "weighted",
                "weights": {"startup": 0.4, "growth": 0.5, "mature": 0.6},
            },
            {
                "code": "talents",
                "name": {"zh": "人才", "en": "Talents"},
                "category": "b",
                "kind": "bonus",
                "points_per_item": 0.2,
                "cap": 1.0,
            },
            {
                "code": "veto_safety",
                "name": {"zh": "事故", "en": "Accident"},
                "category": "c",
                "kind": "veto",
            },
        ],
    }
    data.update(overrides)
    return scheme_from_mapping(data)
