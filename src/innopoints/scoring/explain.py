"""Explaining one enterprise's result (可追溯): every indicator from the stored values the run
used (source, batch, version) through derived, transformed and normalised values to points;
its position among peers; and what moved its total since the previous run."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from innopoints.collection.models import FactValue
from innopoints.engine.deductions import applied_deduction
from innopoints.engine.derive import ORIGIN_NAMES
from innopoints.engine.missing import row_weights
from innopoints.engine.scheme import Indicator, Scheme
from innopoints.scoring.models import LARGE_RUN_FIELDS, Result, Run
from innopoints.scoring.schemes import localised
from innopoints.scoring.used_values import used_facts

ORIGIN_LABELS = {
    "missing": _("缺失"),
    "input": _("报送值"),
    "derived": _("由基础数据计算"),
    "supplied": _("报送的比率（基础数据缺失）"),
}


@dataclass(frozen=True)
class IndicatorLine:
    code: str
    name: str
    category: str
    raw: float | None
    value: float | None
    origin: str
    transformed: float | None
    lower: float | None
    upper: float | None
    normalised: float
    weight: float
    points: float
    facts: list[FactValue]
    unit: str = ""
    """The unit of the reported value (万元, %, 人, 件, 项), in the page's language."""
    stated_weight: float | None = None
    """The scheme's weight for the stage where ``weight`` was renormalised (missing data)."""


@dataclass(frozen=True)
class DeductionLine:
    """One 积分扣减 indicator: its rule, the points it took and the stored values it rests on."""

    code: str
    name: str
    points_per_item: float
    cap: float | None
    points: float
    facts: list[FactValue]


UNITS = {
    "万元": _("万元"),
    "人": _("人"),
    "件": _("件"),
    "项": _("项"),
    "分": _("分"),
    "年": _("年"),
    "%": "%",
}


def unit_name(unit: str | None) -> str:
    return str(UNITS.get(unit or "", unit or ""))


@dataclass(frozen=True)
class Explanation:
    result: Result
    lines: list[IndicatorLine]
    bonus: list[tuple[str, str, float]]
    peers_stage: float | None
    peers_industry: float | None
    previous: Result | None
    changes: list[tuple[str, str, float, float, float]]
    peers_all: float | None = None
    """(code, name, points before, points now, change), largest changes first."""
    deductions: list[DeductionLine] | None = None
    """None when the scheme has no deduction indicator."""
    deduction: float = 0.0
    """The points the deductions took after the scheme's cap and floor."""
    renormalised: bool = False
    """The weights were renormalised over the indicators with a value (missing data)."""
    missing_method: str = "zero"
    min_coverage: float | None = None

    @property
    def deduction_adjusted(self) -> bool:
        """The cap on all deductions or the floor took less than the lines add up to."""
        claimed = sum(line.points for line in self.deductions or [])
        return not math.isclose(claimed, self.deduction, abs_tol=1e-9)


def lines_in_scope(lines: list[IndicatorLine], scope: set[str]) -> list[IndicatorLine]:
    """The lines an authorisation's scope lets its grantee see: every line for an empty scope
    (all indicators), else those whose indicator or one of whose stored values is in it."""
    if not scope:
        return list(lines)
    return [
        line
        for line in lines
        if line.code in scope or any(f.field_code in scope for f in line.facts)
    ]


@lru_cache(maxsize=64)
def _sorted_peer_totals(
    run_id: int, finished: str, group: tuple[tuple[str, Any], ...]
) -> np.ndarray:
    """The ranked totals of a run's peer group, sorted, kept in this process (a run's results
    never change; ``finished`` tells a rerun database's run of the same id apart)."""
    peers = Result.objects.filter(run_id=run_id, vetoed=False, **dict(group))
    totals = peers.values_list("total", flat=True).iterator(chunk_size=50_000)
    return np.sort(np.fromiter(totals, dtype=np.float64))


def _peer_totals(run: Run, **peer: Any) -> np.ndarray:
    finished = run.finished_at.isoformat() if run.finished_at else ""
    return _sorted_peer_totals(run.pk, finished, tuple(sorted(peer.items())))


def _share(totals: np.ndarray, total: float, own: float | None) -> float | None:
    """The share (%) of the other ranked totals strictly below ``total``, rounded down to 0.1
    (so 29,998 of 29,999 shows 99.9, never 100.0); ``own`` is the enterprise's own total among
    ``totals`` (None when it is not among them). None when there is no other."""
    below = int(np.searchsorted(totals, total, side="left"))
    others = int(totals.size)
    if own is not None:
        others -= 1
        below -= 1 if own < total else 0
    if others <= 0:
        return None
    return math.floor(1000.0 * below / others) / 10.0


def _share_below(run: Run, result: Result, **peer: Any) -> float | None:
    """The share (%) of the enterprise's other ranked peers whose total is strictly lower;
    None when vetoed or alone."""
    if result.vetoed:
        return None
    return _share(_peer_totals(run, **peer), result.total, result.total)


def share_of_others_below(result: Result, total: float) -> float | None:
    """Where a total (自评's estimate) would stand among the other ranked enterprises of the
    result's run: the same rule as the enterprise's own percentile."""
    own = None if result.vetoed else result.total
    return _share(_peer_totals(result.run), total, own)


def explain(result: Result) -> Explanation:
    run = result.run
    scheme = run.scheme_version.scheme()
    params = run.parameters
    groups = params.get("group_codes", ["all"])
    group = groups.index(result.stage) if result.stage in groups else 0
    facts = used_facts(run, result)
    categories = {c.code: localised(c.name) for c in scheme.categories}
    lines = []
    values = result.breakdown_values
    missing = {
        code
        for code, parts in values["ind"].items()
        if parts[2] is not None and ORIGIN_NAMES[int(parts[2])] == "missing"
    }
    renormalised = row_weights(scheme, result.stage, missing, result.coverage)
    for indicator in scheme.weighted:
        raw, value, origin, t, x, points = values["ind"][indicator.code]
        stated = float((indicator.weights or {}).get(result.stage, 0.0))
        fitted = params["indicators"][indicator.code]["groups"][group]
        inputs = (indicator.derivation.inputs if indicator.derivation else ()) + (indicator.code,)
        lines.append(
            IndicatorLine(
                indicator.code,
                localised(indicator.name),
                categories.get(indicator.category, ""),
                raw,
                value,
                ORIGIN_LABELS[ORIGIN_NAMES[int(origin)]],
                t,
                fitted["lower"],
                fitted["upper"],
                float(x),
                stated if renormalised is None else renormalised[indicator.code],
                float(points),
                [f for code in inputs for f in facts.get(code, [])],
                unit_name(indicator.unit),
                None if renormalised is None else stated,
            )
        )
    bonus = [
        (code, localised(scheme.indicator(code).name), float(points))
        for code, points in result.breakdown_values.get("bonus", {}).items()
    ]
    previous = (
        Result.objects.filter(
            enterprise=result.enterprise,
            run__status="done",
            run__scheme_version__scheme_id=run.scheme_version.scheme_id,
            run__created_at__lt=run.created_at,
        )
        .filter(Q(run__region=run.region) if run.region else Q(run__region__isnull=True))
        .select_related("run")
        .defer(*LARGE_RUN_FIELDS)
        .order_by("-run__created_at")
        .first()
    )
    changes = []
    if previous is not None:
        for line in lines:
            before = previous.breakdown_values["ind"].get(line.code, [0, 0, 0, 0, 0, 0.0])[5] or 0.0
            changes.append(
                (line.code, line.name, float(before), line.points, line.points - float(before))
            )
        changes.append(
            (
                "bonus",
                gettext("附加分"),
                previous.bonus,
                result.bonus,
                result.bonus - previous.bonus,
            )
        )
        if scheme.deductions:
            before = deduction_taken(scheme, previous)
            now = deduction_taken(scheme, result)
            changes.append(("deduction", gettext("积分扣减"), -before, -now, before - now))
        changes.sort(key=lambda c: -abs(c[4]))
        changes = [c for c in changes if not np.isclose(c[4], 0.0)]
    return Explanation(
        result,
        lines,
        bonus,
        _share_below(run, result, stage=result.stage),
        _share_below(run, result, industry=result.industry) if result.industry else None,
        previous,
        changes,
        _share_below(run, result),
        _deduction_lines(scheme, result, facts) if scheme.deductions else None,
        deduction_taken(scheme, result) if scheme.deductions else 0.0,
        renormalised is not None,
        scheme.missing.method,
        scheme.missing.min_coverage,
    )


def deduction_taken(scheme: Scheme, result: Result) -> float:
    """The points a result's deductions took (0 for a run stored without them)."""
    points = result.breakdown_values.get("deduction", {})
    return applied_deduction(scheme, result.base, result.bonus, points)


def _deduction_lines(
    scheme: Scheme, result: Result, facts: dict[str, list[FactValue]]
) -> list[DeductionLine]:
    points = result.breakdown_values.get("deduction", {})

    def line(indicator: Indicator) -> DeductionLine:
        return DeductionLine(
            indicator.code,
            localised(indicator.name),
            float(indicator.points_per_item or 0.0),
            indicator.cap,
            float(points.get(indicator.code) or 0.0),
            [f for code in indicator.input_fields for f in facts.get(code, [])],
        )

    return [line(indicator) for indicator in scheme.deductions]
