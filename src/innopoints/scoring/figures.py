"""The charts of a run's pages (site/charts.py options): how its total points are spread, its
tier and stage mix, how two runs' tiers moved, how sensitive its ranks are to each method
choice. Labels in the page's language, names never codes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from django.utils.translation import gettext

from innopoints.scoring.models import Result, Run
from innopoints.site import charts
from innopoints.site.names import stage_name


def distribution(run: Run, prefix: str | None = None, bins: int = 10) -> dict[str, Any]:
    """Ranked enterprises by band of total points (0 … the scale with its bonus, or the best
    total when higher), and their mean."""
    query = Result.objects.filter(run=run, vetoed=False).order_by()
    if prefix:
        query = query.filter(region_code__startswith=prefix)
    totals = np.fromiter(query.values_list("total", flat=True), dtype=np.float64)
    edges = band_edges(run.scheme_version.scheme().scale, totals, bins)
    counts, _ = np.histogram(totals, bins=edges)
    return {
        "bands": band_labels(edges),
        "counts": [int(c) for c in counts],
        "mean": float(totals.mean()) if totals.size else None,
        "median": float(np.median(totals)) if totals.size else None,
    }


def band_edges(scale: float, totals: np.ndarray, bins: int = 10) -> np.ndarray:
    """Bands of total points of a width people read (10 for a 100-point scheme) from 0 to the
    scheme's full marks, or to the best total when a bonus took it higher."""
    top = max(scale, float(totals.max()) if totals.size else 0.0)
    width = _round_width(scale / bins)
    edges = np.arange(0.0, width * (math.floor(top / width) + 2), width)
    edges = edges[: int(np.searchsorted(edges, top, side="left")) + 1]
    edges[-1] = max(edges[-1], top)  # the best total falls in the last band
    return edges


def band_labels(edges: np.ndarray) -> list[str]:
    return [f"{edges[k]:g}–{edges[k + 1]:g}" for k in range(len(edges) - 1)]


def _round_width(raw: float) -> float:
    """A band width people read easily: 1, 2 or 5 times a power of ten, at least ``raw``."""
    if raw <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= raw)


def run_charts(run: Run, totals: dict[str, Any], prefix: str | None) -> dict[str, Any]:
    """A finished run's page: the spread of total points, the tier mix (vetoed included) and
    the enterprises per growth stage."""
    spread = distribution(run, prefix)
    tiers = [
        (gettext("%(tier)s 档") % {"tier": tier}, n) for tier, n in totals.get("tiers", {}).items()
    ]
    if totals.get("vetoed"):
        tiers.append((gettext("清零"), totals["vetoed"]))
    stages = [(stage_name(code, run.scheme_version), n) for code, n in totals["stages"].items()]
    return {
        "mean": spread["mean"],
        "median": spread["median"],
        "distribution": charts.bar(
            spread["bands"],
            spread["counts"],
            name=gettext("参与排名的企业数"),
            unit=gettext("家"),
        ),
        "tiers": charts.pie(tiers, name=gettext("档次")),
        "stages": charts.bar(
            [label for label, _ in stages],
            [n for _, n in stages],
            name=gettext("参评企业数"),
            unit=gettext("家"),
        ),
    }


def comparison_chart(tiers: list[tuple[str, str, int]]) -> dict[str, Any]:
    """Enterprises by tier before (bars) split by their tier after (stacks)."""
    before = sorted({a for a, _, _ in tiers})
    after = sorted({b for _, b, _ in tiers})
    counts = {(a, b): n for a, b, n in tiers}
    series = {
        gettext("之后 %(tier)s") % {"tier": b}: [counts.get((a, b), 0) for a in before]
        for b in after
    }
    return charts.stacked_bar(
        [gettext("之前 %(tier)s") % {"tier": a} for a in before], series, unit=gettext("家")
    )


def sensitivity_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Each method choice's first-order and total sensitivity index (of the mean rank shift)."""
    labels = [str(r["label"]) for r in rows]
    option = charts.bar(
        labels,
        [round(float(r.get("total") or 0.0), 3) for r in rows],
        name=gettext("总指数"),
        horizontal=True,
    )
    option["series"].insert(
        0,
        {
            "type": "bar",
            "name": gettext("一阶指数"),
            "data": [round(float(r.get("first_order") or 0.0), 3) for r in rows],
        },
    )
    option["legend"] = {"top": 0}
    option["xAxis"]["minInterval"] = 0
    return option
