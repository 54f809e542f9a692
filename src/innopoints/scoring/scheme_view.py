"""A scheme as the seed prints it (附件1 and 附件2): categories with their indicators, weights
per stage in percent, bonus and veto rules, the stage rule and the tiers — names, never codes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext, gettext_lazy

from innopoints.engine.scheme import Indicator, Names, Scheme
from innopoints.scoring.schemes import localised
from innopoints.site.names import field_name, method_name, transform_name

KINDS = {
    "weighted": gettext_lazy("计分指标"),
    "bonus": gettext_lazy("附加分"),
    "veto": gettext_lazy("一票否决"),
    "deduction": gettext_lazy("积分扣减"),
}
BASES = {"age": gettext_lazy("按成立年限"), "revenue": gettext_lazy("按营业收入")}
TIER_BASES = {"rank_share": gettext_lazy("按名次比例"), "score": gettext_lazy("按总积分")}

__all__ = ["kind_name", "localised", "missing_text", "percent", "plain", "scheme_view"]


def missing_text(scheme: Scheme) -> str:
    """The scheme's missing-data option in words."""
    missing = scheme.missing
    if missing.method == "zero":
        return gettext("缺失值记 0 分")
    return gettext("覆盖率不低于 %(share)s 时按已有指标重新分配权重，否则记 0 分") % {
        "share": percent(missing.min_coverage or 0.0)
    }


def kind_name(kind: str) -> str:
    return str(KINDS.get(kind, kind))


def percent(share: float | None) -> str:
    """0.08 → "8%", 0.075 → "7.5%"; None → "—"."""
    if share is None:
        return "—"
    value = (Decimal(repr(share)) * 100).quantize(Decimal("0.0001")).normalize()
    return f"{value:f}%"


def plain(value: Any) -> str:
    """A setting in words: 是/否, numbers without trailing zeros, lists joined, "—" for none."""
    if value is None or value in ((), []):
        return "—"
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, float):
        return f"{Decimal(repr(value)).normalize():f}"
    if isinstance(value, Names):
        return localised(value)
    if isinstance(value, tuple | list):
        return "、".join(plain(v) for v in value)
    if isinstance(value, str):
        return str({**BASES, **TIER_BASES, **_REFERENCE}.get(value, value))
    if hasattr(value, "model_dump"):
        return ", ".join(f"{k}={plain(v)}" for k, v in value.model_dump().items() if v is not None)
    return str(value)


_DEVELOPER_NOTE = re.compile(r"（seed \d{3}）|\bseed \d{3}\b|docs/[\w/.-]+\.md|§\s?\d+")


def public_text(text: str | None) -> str:
    """A scheme's own text without the references meant for its maintainers (the seed
    material's number, the method notes' file and section)."""
    cleaned = _DEVELOPER_NOTE.sub("", text or "").strip()
    if cleaned.startswith("（") and cleaned.endswith("）"):
        cleaned = cleaned[1:-1]
    return cleaned.strip() or "—"


_REFERENCE = {"whole": gettext_lazy("全体企业"), "stage": gettext_lazy("同阶段企业")}


@dataclass
class IndicatorRow:
    indicator: Indicator
    name: str
    unit: str
    weights: list[str]
    inputs: str
    transform: str
    method: str
    winsor: str
    points: str
    cap: str
    sources: str


@dataclass
class CategoryBlock:
    name: str
    bonus: bool
    rows: list[IndicatorRow] = field(default_factory=list)
    sums: list[str] = field(default_factory=list)


def _row(scheme: Scheme, version: Any, ind: Indicator) -> IndicatorRow:
    stages = scheme.stage_rule.codes
    return IndicatorRow(
        indicator=ind,
        name=localised(ind.name),
        unit=ind.unit,
        weights=[percent((ind.weights or {}).get(s)) for s in stages] if ind.weights else [],
        inputs="、".join(field_name(c, version) for c in ind.input_fields),
        transform=transform_name(ind.transform),
        method=method_name(ind.method),
        winsor=f"{percent(ind.winsor[0])} – {percent(ind.winsor[1])}",
        points=plain(ind.points_per_item),
        cap=plain(ind.cap),
        sources=plain(ind.data_sources),
    )


def scheme_view(scheme: Scheme, version: Any = None) -> dict[str, Any]:
    """What the read page shows, in the scheme's order."""
    blocks = []
    for category in scheme.categories:
        block = CategoryBlock(localised(category.name), category.bonus)
        members = [i for i in scheme.indicators if i.category == category.code]
        block.rows = [_row(scheme, version, i) for i in members]
        weighted = [i for i in members if i.kind == "weighted"]
        if weighted:
            block.sums = [
                percent(sum((i.weights or {}).get(s, 0.0) for i in weighted))
                for s in scheme.stage_rule.codes
            ]
        if block.rows:
            blocks.append(block)
    rule = scheme.stage_rule
    stages = []
    for k, stage in enumerate(rule.stages):
        if rule.basis == "age":
            previous = rule.stages[k - 1].max_age_years if k else None
            if stage.max_age_years is None and previous is None:
                bound = gettext("不限成立年限")
            elif stage.max_age_years is not None and previous is None:
                bound = gettext("成立不超过 %(n)s 年") % {"n": stage.max_age_years}
            elif stage.max_age_years is not None:
                bound = gettext("成立 %(a)s 年以上、不超过 %(b)s 年") % {
                    "a": previous,
                    "b": stage.max_age_years,
                }
            else:
                bound = gettext("成立 %(n)s 年以上") % {"n": previous}
        else:
            bound = gettext("营业收入 %(a)s 至 %(b)s 万元") % {
                "a": plain(stage.revenue_from or 0.0),
                "b": plain(stage.revenue_below) if stage.revenue_below else "∞",
            }
        stages.append({"name": localised(stage.name), "bound": bound})
    by_share = scheme.tiers.basis == "rank_share"
    tiers = []
    previous_share = 0.0
    for tier in scheme.tiers.levels:
        if by_share:
            upper = tier.max_share if tier.max_share is not None else 1.0
            bound = gettext("名次前 %(a)s 至 %(b)s") % {
                "a": percent(previous_share),
                "b": percent(upper),
            }
            previous_share = upper
        else:
            bound = (
                gettext("总积分不低于 %(n)s") % {"n": plain(tier.min_score)}
                if tier.min_score is not None
                else gettext("其余")
            )
        tiers.append({"name": localised(tier.name), "bound": bound})
    return {
        "scheme": scheme,
        "stages": [localised(s.name) for s in rule.stages],
        "blocks": blocks,
        "stage_rule": {"basis": plain(rule.basis), "stages": stages},
        "tiers": {"basis": plain(scheme.tiers.basis), "levels": tiers},
        "bonus": [_row(scheme, version, i) for i in scheme.bonus],
        "vetoes": [_row(scheme, version, i) for i in scheme.vetoes],
        "deductions": [_row(scheme, version, i) for i in scheme.deductions],
        "deduction_cap": plain(scheme.deduction_cap),
        "missing": missing_text(scheme),
        "bonus_cap": plain(scheme.bonus_cap),
        "scale": plain(scheme.scale),
        "reference_group": plain(scheme.reference_group),
        "document": public_text(scheme.source.document),
        "annex": public_text(scheme.source.annex) if scheme.source.annex else "",
        "description": public_text(scheme.description) if scheme.description else "",
    }
