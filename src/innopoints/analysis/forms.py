"""新建榜单: the kind of 积分榜 and what it selects, chosen by name — an industry, a stage, a
cultivation pool, or the conditions of a filtered list (tiers, stages, industries, divisions,
minimum points), written into the board's ``filter_value`` the way analysis/board_filters.py
reads it. A condition typed by hand (``档次=A,B；地区=成都市``) still works."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from innopoints.analysis.board_words import pool_name
from innopoints.analysis.models import Leaderboard, Pool
from innopoints.engine.reference import BOARD_FIELDS
from innopoints.scoring.models import Run
from innopoints.scoring.tables import (
    industry_choices,
    run_industries,
    stage_choices,
    tier_choices,
)
from innopoints.site import names
from innopoints.site.forms import with_unit


class RegionsSelect(forms.SelectMultiple):
    """Divisions chosen by name from a search: the page carries only the chosen ones."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        codes = [str(v) for v in (value or []) if str(v).isdigit()]
        self.choices = [(code, names.region_name(code)) for code in codes]
        return super().get_context(name, value, attrs)


class RegionsField(forms.Field):
    """Six-digit division codes (the search answers with codes, the page shows names)."""

    widget = RegionsSelect

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        codes = [str(v).strip() for v in values if str(v).strip()]
        bad = [c for c in codes if not (c.isdigit() and len(c) == 6)]
        if bad:
            raise forms.ValidationError(_("请从列表中选择地区"))
        return codes


def kinds(*which: str) -> dict[str, str]:
    """The widget attribute that says for which kinds of list a field matters
    (analysis/static/analysis/board-form.js shows only those)."""
    return {"data-kinds": " ".join(which)}


class BoardForm(forms.ModelForm):
    industry = forms.ChoiceField(
        label=_("产业领域"), required=False, widget=forms.Select(attrs=kinds("industry"))
    )
    stage = forms.ChoiceField(
        label=_("成长阶段"), required=False, widget=forms.Select(attrs=kinds("stage"))
    )
    pool = forms.ChoiceField(
        label=_("培育库"), required=False, widget=forms.Select(attrs=kinds("pool"))
    )
    tiers = forms.MultipleChoiceField(
        label=_("档次"), required=False, widget=forms.SelectMultiple(attrs=kinds("filter"))
    )
    stages = forms.MultipleChoiceField(
        label=_("成长阶段"), required=False, widget=forms.SelectMultiple(attrs=kinds("filter"))
    )
    industries = forms.MultipleChoiceField(
        label=_("产业领域"), required=False, widget=forms.SelectMultiple(attrs=kinds("filter"))
    )
    regions = RegionsField(
        label=_("地区"),
        required=False,
        help_text=_("输入地区名称搜索；可选多个，含其下辖地区"),
        widget=RegionsSelect(attrs={**kinds("filter"), "data-search": "on"}),
    )
    min_total = with_unit(
        forms.FloatField(
            label=_("总积分不低于"),
            required=False,
            min_value=0,
            widget=forms.NumberInput(attrs={**kinds("filter"), "step": "any"}),
        ),
        _("分"),
    )

    class Meta:
        model = Leaderboard
        fields = ["title", "kind", "filter_value", "top_n", "share_from", "share_to"]
        labels = {
            "filter_value": _("或直接写出条件"),
            "top_n": _("只取前 N 名"),
            "share_from": _("比例起"),
            "share_to": _("比例止"),
        }
        help_texts = {
            "title": _("发布后企业与金融机构看到的名称，如“2025 年度创新积分榜（前 20%）”"),
            "kind": _(
                "总榜按总排名；领域榜、阶段榜按领域内、阶段内排名；培育库名单与筛选名单按总排名"
            ),
            "filter_value": _(
                "不必填写：上面的选择会自动写成条件。也可直接写，如 档次=A,B；阶段=成长期；"
                "地区=成都市；最低总积分=60"
            ),
            "top_n": _("留空则不限名次"),
            "share_to": _("如 0–5 表示前 5%，5–10 表示 5%–10%；总榜与阶段榜按成长阶段分别计算"),
        }

    field_order = [
        "title",
        "kind",
        "industry",
        "stage",
        "pool",
        "tiers",
        "stages",
        "industries",
        "regions",
        "min_total",
        "filter_value",
        "top_n",
        "share_from",
        "share_to",
    ]

    def __init__(self, *args: Any, run: Run, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version = run.scheme_version
        stages = stage_choices(version)
        # the run's own fields, and the six seed 004 names for 积分榜 (an empty list if none holds)
        industries = industry_choices([*run_industries(run), *BOARD_FIELDS])
        pools = [(p.code, pool_name(p)) for p in Pool.objects.order_by("code")]
        choose = [("", _("请选择"))]
        fields = self.fields
        fields["industry"].choices = choose + industries  # type: ignore[attr-defined]
        fields["stage"].choices = choose + stages  # type: ignore[attr-defined]
        fields["pool"].choices = choose + pools  # type: ignore[attr-defined]
        fields["tiers"].choices = tier_choices(version)  # type: ignore[attr-defined]
        fields["stages"].choices = stages  # type: ignore[attr-defined]
        fields["industries"].choices = industries  # type: ignore[attr-defined]
        fields["regions"].widget.attrs["data-search-url"] = reverse("scoring:regions")
        fields["filter_value"].widget.attrs.update(kinds("industry", "stage", "pool", "filter"))
        fields["top_n"] = with_unit(fields["top_n"], str(_("名")))
        fields["share_from"] = with_unit(fields["share_from"], "%")
        fields["share_to"] = with_unit(fields["share_to"], "%")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if (data.get("filter_value") or "").strip():
            return data
        value = ""
        if kind in {"industry", "stage", "pool"}:
            value = data.get(kind) or ""
            if not value:
                self.add_error(kind, _("请选择%(what)s") % {"what": self.fields[kind].label})
        elif kind == "filter":
            parts = []
            for key, field in (("tier", "tiers"), ("stage", "stages"), ("industry", "industries")):
                if data.get(field):
                    parts.append(f"{key}={','.join(data[field])}")
            if data.get("regions"):
                prefixes = [names.region_prefix(code) for code in data["regions"]]
                parts.append(f"region={','.join(prefixes)}")
            if data.get("min_total") is not None:
                parts.append(f"min_total={data['min_total']:g}")
            value = "; ".join(parts)
            if not value:
                self.add_error("tiers", _("筛选名单至少需要一个条件"))
        data["filter_value"] = value
        return data
