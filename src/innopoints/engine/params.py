"""A finished run's frozen parameters (docs/METHOD.md §11): what a self-assessment (自评) or a late
entry is scored against, without re-normalising the run. Serialises to exact JSON."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from innopoints.engine.columns import FloatArray
from innopoints.engine.normalise import GroupParameters, IndicatorParameters
from innopoints.engine.scheme import Band, Goalpost

FORMAT = "innopoints.frozen-parameters/1"


@dataclass(frozen=True)
class FrozenParameters:
    scheme_key: str
    scheme_fingerprint: str
    engine_version: str
    period: str
    reference_date: dt.date
    reference_group: str
    group_codes: tuple[str, ...]
    indicators: dict[str, IndicatorParameters]
    ranked_totals: FloatArray
    """The run's non-vetoed totals, sorted from highest to lowest."""

    @property
    def n_ranked(self) -> int:
        return int(self.ranked_totals.shape[0])

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "scheme": self.scheme_key,
            "scheme_fingerprint": self.scheme_fingerprint,
            "engine_version": self.engine_version,
            "period": self.period,
            "reference_date": self.reference_date.isoformat(),
            "reference_group": self.reference_group,
            "group_codes": list(self.group_codes),
            "indicators": {code: _indicator_dict(p) for code, p in self.indicators.items()},
            "ranked_totals": [float(v) for v in self.ranked_totals],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FrozenParameters:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a frozen-parameters file ({FORMAT})")
        return cls(
            scheme_key=data["scheme"],
            scheme_fingerprint=data["scheme_fingerprint"],
            engine_version=data["engine_version"],
            period=data["period"],
            reference_date=dt.date.fromisoformat(data["reference_date"]),
            reference_group=data["reference_group"],
            group_codes=tuple(data["group_codes"]),
            indicators={c: _indicator_from(c, p) for c, p in data["indicators"].items()},
            ranked_totals=np.array(data["ranked_totals"], dtype=np.float64),
        )

    @classmethod
    def from_json(cls, text: str) -> FrozenParameters:
        return cls.from_dict(json.loads(text))


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _indicator_dict(p: IndicatorParameters) -> dict[str, Any]:
    return {
        "method": p.method,
        "transform": p.transform,
        "direction": p.direction,
        "winsor": list(p.winsor),
        "goalpost": p.goalpost.model_dump() if p.goalpost else None,
        "bands": [b.model_dump() for b in p.bands] if p.bands else None,
        "groups": [
            {
                "n_reference": g.n_reference,
                "lower": _number(g.lower),
                "upper": _number(g.upper),
                "reference": None if g.reference is None else [float(v) for v in g.reference],
            }
            for g in p.groups
        ],
    }


def _indicator_from(code: str, data: dict[str, Any]) -> IndicatorParameters:
    def value(v: float | None) -> float:
        return np.nan if v is None else float(v)

    groups = tuple(
        GroupParameters(
            n_reference=int(g["n_reference"]),
            lower=value(g["lower"]),
            upper=value(g["upper"]),
            reference=None if g["reference"] is None else np.array(g["reference"], np.float64),
        )
        for g in data["groups"]
    )
    return IndicatorParameters(
        code=code,
        method=data["method"],
        transform=data["transform"],
        direction=data["direction"],
        winsor=(float(data["winsor"][0]), float(data["winsor"][1])),
        groups=groups,
        goalpost=Goalpost(**data["goalpost"]) if data.get("goalpost") else None,
        bands=tuple(Band(**b) for b in data["bands"]) if data.get("bands") else None,
    )
