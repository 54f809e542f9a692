"""An index structure (COINr's iMeta): indicators at level 1, each aggregate one level up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from innopoints.engine.columns import FloatArray


@dataclass(frozen=True)
class Node:
    code: str
    level: int
    parent: str | None
    weight: float
    direction: int
    target: float


@dataclass(frozen=True)
class Tree:
    """Nodes of levels 1..L in iMeta order; level 1 are the indicators."""

    nodes: tuple[Node, ...]

    def __post_init__(self) -> None:
        codes = [n.code for n in self.nodes]
        if len(set(codes)) != len(codes):
            raise ValueError("iMeta has repeated codes")
        known = set(codes)
        for node in self.nodes:
            if node.level < self.levels and node.parent not in known:
                raise ValueError(f"{node.code}: parent {node.parent!r} is not in the tree")
            if node.direction not in (-1, 1):
                raise ValueError(f"{node.code}: direction must be 1 or -1")

    @classmethod
    def from_frame(cls, meta: pl.DataFrame) -> Tree:
        """From an iMeta table (Level, iCode, Parent, Direction, Weight[, Target]); rows
        without a level (groups, denominators) are ignored."""
        missing = {"Level", "iCode", "Parent", "Weight"} - set(meta.columns)
        if missing:
            raise ValueError(f"iMeta lacks columns {sorted(missing)}")
        meta = meta.filter(pl.col("Level").is_not_null())
        target = meta["Target"] if "Target" in meta.columns else pl.Series([None] * meta.height)
        direction = (
            meta["Direction"] if "Direction" in meta.columns else pl.Series([1] * meta.height)
        )
        nodes = tuple(
            Node(
                code=str(code),
                level=int(level),
                parent=None if parent in (None, "") else str(parent),
                weight=float(weight),
                direction=1 if d is None else int(d),
                target=np.nan if t is None else float(t),
            )
            for level, code, parent, weight, d, t in zip(
                meta["Level"].cast(pl.Int64),
                meta["iCode"],
                meta["Parent"],
                meta["Weight"].cast(pl.Float64),
                direction.cast(pl.Float64),
                target.cast(pl.Float64),
                strict=True,
            )
        )
        return cls(nodes)

    @property
    def levels(self) -> int:
        return max(n.level for n in self.nodes)

    def level(self, level: int) -> list[Node]:
        return [n for n in self.nodes if n.level == level]

    @property
    def indicators(self) -> list[str]:
        return [n.code for n in self.level(1)]

    def groups(self, level: int) -> list[tuple[str, list[Node]]]:
        """Parents of level-``level`` nodes, sorted by code as COINr 1.1.14 writes them,
        each with its children in iMeta order."""
        children = self.level(level)
        parents = sorted({n.parent for n in children if n.parent is not None})
        return [(p, [c for c in children if c.parent == p]) for p in parents]

    def lineage(self, level_names: Sequence[str] | None = None) -> pl.DataFrame:
        """COINr's ``Meta$Lineage``: one row per indicator with its ancestor at every level,
        columns named ``level_names`` (default ``Level1`` …), rows ordered by the top level's
        code, then the next one down, … as COINr sorts them (R's case-insensitive collation:
        ``Tariff`` before ``TBTs``)."""
        names = (
            list(level_names) if level_names else [f"Level{i}" for i in range(1, self.levels + 1)]
        )
        if len(names) != self.levels:
            raise ValueError(f"give one name per level ({self.levels}), got {len(names)}")
        parent = {n.code: n.parent for n in self.nodes}
        rows = []
        for code in self.indicators:
            chain = [code]
            while len(chain) < self.levels:
                up = parent[chain[-1]]
                if up is None:
                    raise ValueError(f"{code}: the tree above it stops at {chain[-1]}")
                chain.append(up)
            rows.append(chain)

        def collate(chain: list[str]) -> list[tuple[str, str]]:
            return [(c.casefold(), c.swapcase()) for c in reversed(chain)]

        rows.sort(key=collate)
        return pl.DataFrame(rows, schema=names, orient="row")

    def directions(self, codes: list[str]) -> FloatArray:
        by = {n.code: n.direction for n in self.nodes}
        return np.array([float(by[c]) for c in codes])

    def targets(self, codes: list[str]) -> FloatArray:
        by = {n.code: n.target for n in self.nodes}
        return np.array([by[c] for c in codes])
