"""The conditions of a filtered 积分榜 (``档次=A,B；阶段=成长期；地区=成都市``): read from
what a user typed, and shown back in words."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from innopoints.site.names import region_prefix, stage_code

FILTER_KEYS = {"tier", "stage", "industry", "region", "min_total"}
# the words a person writes for each condition (Chinese, English, or the key itself)
FILTER_WORDS = {
    "档次": "tier",
    "tier": "tier",
    "阶段": "stage",
    "成长阶段": "stage",
    "stage": "stage",
    "领域": "industry",
    "产业领域": "industry",
    "industry": "industry",
    "地区": "region",
    "region": "region",
    "最低总积分": "min_total",
    "总积分不低于": "min_total",
    "minimum points": "min_total",
    "min_total": "min_total",
}


def parse_filter(spec: str) -> dict[str, list[str]]:
    """``档次=A,B；阶段=成长期；领域=电子信息；地区=成都市；最低总积分=60`` (or the keys
    ``tier, stage, industry, region, min_total`` and codes) → conditions; stages and divisions
    may be named; a clear message for anything else."""
    conditions: dict[str, list[str]] = {}
    for part in (p.strip() for p in spec.replace("；", ";").split(";")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = FILTER_WORDS.get(key.strip().lower(), key.strip())
        values = [
            v.strip() for v in value.replace("，", ",").replace("、", ",").split(",") if v.strip()
        ]
        if not sep or key not in FILTER_KEYS or not values:
            raise ValueError(
                gettext("无法理解筛选条件“%(part)s”：应写成 条件=值，条件为 %(keys)s 之一")
                % {"part": part, "keys": gettext("档次、阶段、领域、地区、最低总积分")}
            )
        if key == "stage":
            values = [stage_code(v) for v in values]
        elif key == "region":
            values = [region_prefix(v) for v in values]
        if key == "min_total":
            try:
                float(values[0])
            except ValueError:
                raise ValueError(gettext("最低总积分须为数字")) from None
        conditions[key] = values
    if not conditions:
        raise ValueError(gettext("筛选名单至少需要一个条件"))
    return conditions


FILTER_LABELS = {
    "tier": gettext_lazy("档次"),
    "stage": gettext_lazy("成长阶段"),
    "industry": gettext_lazy("领域"),
    "region": gettext_lazy("地区"),
    "min_total": gettext_lazy("总积分不低于"),
}
