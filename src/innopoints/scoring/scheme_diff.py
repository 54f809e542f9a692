"""A readable comparison of two scheme versions (any two, of one scheme id or of two): what
changed per category, indicator, weight per stage, bonus, veto, stage rule and tier — in
names and percentages, never as YAML lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, gettext_lazy

from innopoints.engine.scheme import Indicator, Scheme
from innopoints.scoring.models import SchemeVersion
from innopoints.scoring.official import official_scheme_version
from innopoints.scoring.scheme_view import kind_name, localised, missing_text, percent, plain
from innopoints.site.names import field_name, method_name, transform_name

SECTIONS = {
    "header": gettext_lazy("总体设置"),
    "categories": gettext_lazy("一级指标"),
    "weighted": gettext_lazy("计分指标"),
    "bonus": gettext_lazy("附加分"),
    "veto": gettext_lazy("一票否决"),
    "deduction": gettext_lazy("积分扣减"),
    "stages": gettext_lazy("阶段划分"),
    "tiers": gettext_lazy("档次"),
}

INDICATOR_ATTRIBUTES: dict[str, Any] = {
    "name": gettext_lazy("名称"),
    "category": gettext_lazy("一级指标"),
    "kind": gettext_lazy("类型"),
    "unit": gettext_lazy("单位"),
    "definition": gettext_lazy("定义"),
    "data_sources": gettext_lazy("数据来源"),
    "frequency": gettext_lazy("更新频率"),
    "requires_authorisation": gettext_lazy("需企业授权"),
    "transform": gettext_lazy("变换"),
    "winsor": gettext_lazy("缩尾界限"),
    "method": gettext_lazy("标准化方法"),
    "direction": gettext_lazy("方向"),
    "goalpost": gettext_lazy("目标值"),
    "bands": gettext_lazy("分档"),
    "derivation": gettext_lazy("计算方式"),
    "inputs": gettext_lazy("输入字段"),
    "points_per_item": gettext_lazy("每项分值"),
    "cap": gettext_lazy("上限"),
}


@dataclass(frozen=True)
class Change:
    section: str
    item: str
    attribute: str
    before: str
    after: str

    @property
    def section_name(self) -> str:
        return str(SECTIONS[self.section])


def _section_of(indicator: Indicator) -> str:
    return indicator.kind if indicator.kind in SECTIONS else "weighted"


def _value(scheme: Scheme, indicator: Indicator, attribute: str) -> str:
    value = getattr(indicator, attribute)
    if attribute == "name":
        return localised(value)
    if attribute == "category":
        for category in scheme.categories:
            if category.code == value:
                return localised(category.name)
        return str(value)
    if attribute == "kind":
        return kind_name(value)
    if attribute == "winsor":
        low, high = value
        return f"{percent(low)} – {percent(high)}"
    if attribute == "method":
        return method_name(value)
    if attribute == "transform":
        return transform_name(value)
    if attribute == "direction":
        return str(DIRECTIONS.get(value, value))
    if attribute == "inputs":
        return "、".join(field_name(c) for c in value) if value else "—"
    if attribute == "derivation" and value is not None:
        inputs = "、".join(field_name(c) for c in value.inputs)
        return f"{DERIVATIONS.get(value.op, value.op)}（{inputs}）"
    if attribute == "goalpost" and value is not None:
        return gettext("%(low)s 至 %(full)s") % {
            "low": plain(value.low),
            "full": plain(value.full_mark),
        }
    if attribute == "bands" and value is not None:
        return "；".join(
            f"[{plain(b.lower)}, {plain(b.upper)}) → {percent(b.fraction)}" for b in value
        )
    return plain(value)


DIRECTIONS = {"positive": gettext_lazy("越大越好"), "negative": gettext_lazy("越小越好")}
DERIVATIONS = {
    "growth": gettext_lazy("增长率"),
    "ratio": gettext_lazy("比值"),
    "ratio_to_mean": gettext_lazy("与两期均值之比"),
}


def _weights(scheme: Scheme, indicator: Indicator) -> dict[str, tuple[str, str]]:
    """stage code → (stage name, weight as a percentage)."""
    return {
        stage.code: (localised(stage.name), percent((indicator.weights or {}).get(stage.code)))
        for stage in scheme.stage_rule.stages
    }


def _indicator_changes(a: Scheme, b: Scheme) -> list[Change]:
    changes: list[Change] = []
    before = {i.code: i for i in a.indicators}
    after = {i.code: i for i in b.indicators}
    for code, old in before.items():
        name = localised(old.name)
        new = after.get(code)
        if new is None:
            changes.append(Change(_section_of(old), name, gettext("指标"), gettext("有"), "—"))
            continue
        section = _section_of(new)
        for attribute, label in INDICATOR_ATTRIBUTES.items():
            was, now = _value(a, old, attribute), _value(b, new, attribute)
            if was != now:
                changes.append(Change(section, name, str(label), was, now))
        old_weights, new_weights = _weights(a, old), _weights(b, new)
        for stage in dict.fromkeys([*old_weights, *new_weights]):
            stage_name, was = old_weights.get(stage, (None, "—"))
            new_name, now = new_weights.get(stage, (stage_name, "—"))
            if was != now:
                label = gettext("权重（%(stage)s）") % {"stage": new_name or stage_name}
                changes.append(Change(section, name, label, was, now))
    for code, new in after.items():
        if code not in before:
            changes.append(
                Change(_section_of(new), localised(new.name), gettext("指标"), "—", gettext("新增"))
            )
            for stage_name, weight in _weights(b, new).values():
                if new.kind == "weighted":
                    label = gettext("权重（%(stage)s）") % {"stage": stage_name}
                    changes.append(Change("weighted", localised(new.name), label, "—", weight))
            if new.kind in {"bonus", "deduction"}:
                points = plain(new.points_per_item)
                changes.append(
                    Change(new.kind, localised(new.name), gettext("每项分值"), "—", points)
                )
    return changes


def _header_changes(a: Scheme, b: Scheme) -> list[Change]:
    rows = {
        gettext("名称"): (localised(a.name), localised(b.name)),
        gettext("满分"): (plain(a.scale), plain(b.scale)),
        gettext("附加分总上限"): (plain(a.bonus_cap), plain(b.bonus_cap)),
        gettext("参照组"): (plain(a.reference_group), plain(b.reference_group)),
        gettext("数据期截止"): (a.period_end, b.period_end),
        gettext("扣减总上限"): (plain(a.deduction_cap), plain(b.deduction_cap)),
        gettext("扣减后总积分下限"): (plain(a.deduction_floor), plain(b.deduction_floor)),
        gettext("缺失数据处理"): (missing_text(a), missing_text(b)),
        gettext("吻合度阈值"): (
            plain(a.agreement.min_spearman),
            plain(b.agreement.min_spearman),
        ),
    }
    return [
        Change("header", localised(b.name), label, was, now)
        for label, (was, now) in rows.items()
        if was != now
    ]


def _category_changes(a: Scheme, b: Scheme) -> list[Change]:
    before = {c.code: localised(c.name) for c in a.categories}
    after = {c.code: localised(c.name) for c in b.categories}
    changes = []
    for code in dict.fromkeys([*before, *after]):
        was, now = before.get(code, "—"), after.get(code, "—")
        if was != now:
            changes.append(
                Change("categories", now if now != "—" else was, gettext("名称"), was, now)
            )
    return changes


def _stage_changes(a: Scheme, b: Scheme) -> list[Change]:
    def describe(scheme: Scheme) -> dict[str, str]:
        rule = scheme.stage_rule
        rows = {gettext("划分依据"): plain(rule.basis)}
        for stage in rule.stages:
            bound = (
                plain(stage.max_age_years)
                if rule.basis == "age"
                else f"{plain(stage.revenue_from)} – {plain(stage.revenue_below)}"
            )
            rows[localised(stage.name)] = bound
        return rows

    before, after = describe(a), describe(b)
    return [
        Change("stages", key, gettext("界限"), before.get(key, "—"), after.get(key, "—"))
        for key in dict.fromkeys([*before, *after])
        if before.get(key, "—") != after.get(key, "—")
    ]


def _tier_changes(a: Scheme, b: Scheme) -> list[Change]:
    def describe(scheme: Scheme) -> dict[str, str]:
        by_share = scheme.tiers.basis == "rank_share"
        return {
            localised(t.name): percent(t.max_share) if by_share else plain(t.min_score)
            for t in scheme.tiers.levels
        }

    before, after = describe(a), describe(b)
    return [
        Change("tiers", key, gettext("界限"), before.get(key, "—"), after.get(key, "—"))
        for key in dict.fromkeys([*before, *after])
        if before.get(key, "—") != after.get(key, "—")
    ]


def scheme_changes(a: Scheme, b: Scheme) -> list[Change]:
    """Every difference from ``a`` to ``b``, grouped by section in the order of SECTIONS."""
    changes = [
        *_header_changes(a, b),
        *_category_changes(a, b),
        *_indicator_changes(a, b),
        *_stage_changes(a, b),
        *_tier_changes(a, b),
    ]
    order = list(SECTIONS)
    return sorted(changes, key=lambda c: order.index(c.section))


def default_pair(
    version: SchemeVersion | None,
) -> tuple[SchemeVersion | None, SchemeVersion | None]:
    """What a comparison shows when one side (or none) is chosen: the version against the one
    it was drafted from, else an earlier version of its scheme, else any other version."""
    version = version or official_scheme_version() or SchemeVersion.objects.first()
    if version is None:
        return None, None
    others = SchemeVersion.objects.exclude(pk=version.pk)
    other = (
        (version.based_on if version.based_on_id else None)
        or others.filter(scheme_id=version.scheme_id).order_by("-created_at", "-pk").first()
        or others.order_by("example", "scheme_id", "-created_at").first()
    )
    return other, version
