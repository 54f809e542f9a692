"""What people read instead of codes: the one home for "code → display name" on pages and in
exports. Indicators and fields by the field catalogue (``schemes/fields.yaml``: Chinese header,
English ``en``) or a scheme's own names, stages by the scheme, divisions by the registry,
methods, transforms and reasons by the platform's own words — all in the active language.
An unknown code is returned as it is (never an error on a page)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

import yaml
from django.utils.translation import get_language, gettext, gettext_lazy, pgettext_lazy

from innopoints.registry.english import localised


def english() -> bool:
    return (get_language() or "").startswith("en")


def _pick(zh: str, en: str | None) -> str:
    return en if english() and en else zh


@cache
def _catalogue() -> dict[str, tuple[str, str | None]]:
    """code → (Chinese header, English name) of every field of the catalogue."""
    text = resources.files("innopoints.schemes").joinpath("fields.yaml").read_text("utf-8")
    return {str(f["code"]): (str(f["header"]), f.get("en")) for f in yaml.safe_load(text)["fields"]}


@cache
def _builtin() -> dict[str, dict[str, tuple[str, str | None]]]:
    """Names the built-in schemes give their indicators, categories and stages (the official
    scheme first, so that its wording wins)."""
    found: dict[str, dict[str, tuple[str, str | None]]] = {
        "indicator": {},
        "category": {},
        "stage": {},
    }
    files = sorted(
        (p for p in resources.files("innopoints.schemes").iterdir() if p.name.endswith(".yaml")),
        key=lambda p: (p.name.startswith("example"), p.name),
    )
    for path in files:
        if path.name == "fields.yaml":
            continue
        content = yaml.safe_load(path.read_text("utf-8")) or {}
        parts = {
            "indicator": content.get("indicators") or [],
            "category": content.get("categories") or [],
            "stage": (content.get("stage_rule") or {}).get("stages") or [],
        }
        for part, items in parts.items():
            for item in items:
                names = item.get("name")
                if isinstance(names, dict) and item.get("code") not in found[part]:
                    found[part][str(item["code"])] = (str(names["zh"]), names.get("en"))
    return found


_SCHEME_NAMES: dict[int, dict[str, dict[str, tuple[str, str | None]]]] = {}


def _scheme_names(version: Any) -> dict[str, dict[str, tuple[str, str | None]]]:
    """The names a scheme version gives its indicators, categories and stages (a version's
    text never changes once stored, so its pk keys them)."""
    found = _SCHEME_NAMES.get(version.pk)
    if found is None:
        scheme = version.scheme()
        found = {
            "indicator": {i.code: (i.name.zh, i.name.en) for i in scheme.indicators},
            "category": {c.code: (c.name.zh, c.name.en) for c in scheme.categories},
            "stage": {s.code: (s.name.zh, s.name.en) for s in scheme.stage_rule.stages},
        }
        if len(_SCHEME_NAMES) >= 64:
            _SCHEME_NAMES.clear()
        _SCHEME_NAMES[version.pk] = found
    return found


def _lookup(part: str, code: str, version: Any = None) -> tuple[str, str | None] | None:
    if version is not None and getattr(version, "pk", None):
        found = _scheme_names(version)[part].get(code)
        if found:
            return found
    return _builtin()[part].get(code)


def field_name(code: str, version: Any = None) -> str:
    """An indicator's or input field's name (a scheme's own name first when given)."""
    found = _lookup("indicator", code, version) or _catalogue().get(code)
    return _pick(*found) if found else code


def field_names(codes: Iterable[str], version: Any = None) -> str:
    return gettext("、").join(field_name(c, version) for c in codes if c)


def category_name(code: str, version: Any = None) -> str:
    found = _lookup("category", code, version)
    return _pick(*found) if found else code


GROUPS = {
    "all": gettext_lazy("全部企业"),
    "whole": gettext_lazy("全部企业"),
    "stage": gettext_lazy("按成长阶段"),
}


def stage_name(code: str | None, version: Any = None) -> str:
    """A growth stage's name (or a reference group's: all enterprises)."""
    if not code:
        return "—"
    found = _lookup("stage", code, version)
    if found:
        return _pick(*found)
    return str(GROUPS.get(code, code))


METHODS = {
    "wminmax": gettext_lazy("截尾最小–最大标准化"),
    "minmax": gettext_lazy("最小–最大标准化"),
    "rank": gettext_lazy("按名次标准化"),
    "goalpost": gettext_lazy("目标值标准化"),
    "bands": gettext_lazy("分档赋分"),
}
TRANSFORMS = {
    "none": pgettext_lazy("transform", "不变换"),
    "log1p": gettext_lazy("对数变换 ln(1+x)"),
}


def method_name(code: str | None) -> str:
    return str(METHODS.get(code or "", code or "—"))


def transform_name(code: str | None) -> str:
    return str(TRANSFORMS.get(code or "", code or "—"))


LEFT_OUT = {
    "no_established": gettext_lazy("缺成立日期，无法确定成长阶段"),
    "established_after_period": gettext_lazy("成立日期晚于数据期末"),
    "no_revenue": gettext_lazy("缺营业收入，无法确定阶段"),
}


def left_out_reason(code: str) -> str:
    return str(LEFT_OUT.get(code, code))


def veto_reasons(text: str | None, version: Any = None) -> str:
    """The stored veto codes ("veto_safety;veto_blacklist") as names."""
    if not text:
        return ""
    return field_names(text.split(";"), version)


_REGIONS: dict[str, str] = {}


def _region(code: str) -> str | None:
    """A division's name, kept once found (divisions are reference data)."""
    if code not in _REGIONS:
        from innopoints.registry.models import Region  # noqa: PLC0415

        name = Region.objects.filter(code=code).values_list("name", flat=True).first()
        if name is None:
            return None
        _REGIONS[code] = name
    return _REGIONS[code]


def region_name(code: str | None) -> str:
    """A division's name (the code itself only when the registry does not know it)."""
    if not code:
        return "—"
    name = _region(str(code))
    return localised(name) if name else str(code)


def yes_no(value: object) -> str:
    if value is None or value == "":
        return "—"
    return gettext("是") if value else gettext("否")


def division_name(prefix: str) -> str:
    """A division named by a code prefix (5101 → 成都市)."""
    return region_name(prefix.ljust(6, "0")) if prefix.isdigit() and len(prefix) <= 6 else prefix


STEPS = {
    "gather": gettext_lazy("读取数据"),
    "prepare": gettext_lazy("准备指标"),
    "normalise": gettext_lazy("标准化"),
    "aggregate": gettext_lazy("汇总积分"),
    "rank": gettext_lazy("排名与分档"),
    "agreement": gettext_lazy("方法吻合度"),
    "store_rows": gettext_lazy("整理结果"),
    "store_copy": gettext_lazy("保存结果"),
    "store_analyze": gettext_lazy("更新统计信息"),
    "store_pools": gettext_lazy("更新培育库"),
    "store_blocks_wait": gettext_lazy("等待积分明细写完"),
    "total": gettext_lazy("合计"),
}
"""The steps of a scoring run, in the order they happen."""


def in_step_order(timings: dict[str, float]) -> list[tuple[str, float]]:
    """A run's timings in the order of its steps (any step not named here before the total)."""
    order = {code: k for k, code in enumerate(STEPS)}
    before_total = len(STEPS) - 1.5
    return sorted(timings.items(), key=lambda item: (order.get(item[0], before_total), item[0]))


def step_name(code: str) -> str:
    """A step of a scoring run (its timings)."""
    return str(STEPS.get(code, code))


_CODE = re.compile(r"(?<![A-Za-z0-9_])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_])")


def without_codes(text: str | None) -> str:
    """Stored text (a finding's message) with every field code in it replaced by its name."""
    if not text:
        return ""
    return _CODE.sub(lambda m: field_name(m.group(0)), text)


def stage_code(text: str, version: Any = None) -> str:
    """The stage a person named (its Chinese or English name, or its code) → its code."""
    wanted = text.strip()
    stages = dict(_builtin()["stage"])
    if version is not None and getattr(version, "pk", None):
        stages.update(_scheme_names(version.pk)["stage"])
    for code, (zh, en) in stages.items():
        if wanted in (code, zh, en) or (en and wanted.lower() == en.lower()):
            return code
    return wanted


def region_prefix(text: str) -> str:
    """A division a person named (成都市, 成都, 武侯区, or a code or code prefix) → its code
    prefix (510100 → 5101); ValueError with a message saying why for anything else (an
    unknown name, or one several divisions share), never a filter that silently finds
    nothing."""
    from innopoints.registry.regions import resolve_prefix  # noqa: PLC0415

    wanted = text.strip()
    if wanted.isdigit():  # a code or a code prefix as before, known or not
        while len(wanted) > 2 and wanted.endswith("00"):
            wanted = wanted[:-2]
        return wanted
    return resolve_prefix(wanted)


def percent(share: object, places: int = 1) -> str:
    """A share (0.873) as a percentage: 87.3% (— when there is none)."""
    if share is None or share == "":
        return "—"
    return f"{float(str(share)) * 100:.{int(places)}f}%"


COINR_METHODS = {
    "zscore": gettext_lazy("Z 分数标准化"),
    "prank": gettext_lazy("百分位名次标准化"),
    "fracmax": gettext_lazy("占最大值比例"),
    "dist2max": gettext_lazy("与最大值的距离"),
    "borda": gettext_lazy("博尔达计分"),
}


def level_name(factor: str, level: str) -> str:
    """One alternative of a robustness analysis in words (``scheme`` is the run's own
    choice; ``0.01-0.99`` a winsorising band; methods and groups by name)."""
    if level == "scheme":
        return gettext("方案设定")
    if factor == "normalisation":
        if level.startswith("coinr:"):
            return str(COINR_METHODS.get(level[6:], level))
        return method_name(level)
    if factor == "winsor" and "-" in level:
        low, _, high = level.partition("-")
        try:
            return gettext("缩尾至 %(low)s–%(high)s 分位") % {
                "low": percent(float(low), 0),
                "high": percent(float(high), 0),
            }
        except ValueError:
            return level
    if factor == "transform":
        return transform_name(level)
    if factor == "reference_group":
        return stage_name(level)
    return level


_SAME = re.compile(r"normalisation '(?P<a>[^']+)' scores exactly like '(?P<b>[^']+)': dropped")


def analysis_note(note: str) -> str:
    """A note of a robustness analysis (the engine writes them in English) in words."""
    same = _SAME.fullmatch(note)
    if same:
        return gettext("“%(a)s”与“%(b)s”的测算结果完全相同，只保留后者") % {
            "a": level_name("normalisation", same["a"]),
            "b": level_name("normalisation", same["b"]),
        }
    words = {
        "one stage only: the reference group does not vary": gettext(
            "只有一个成长阶段：参照组不作变化"
        ),
        "one factor varies: sensitivity indices skipped": gettext(
            "只有一项选择有变化：不计算敏感性指数"
        ),
    }
    return words.get(note, without_codes(note))
