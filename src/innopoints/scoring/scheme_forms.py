"""Drafting a scheme version with forms (no YAML): weights per stage in percent, transform and
winsor bounds, bonus points and caps, vetoes, deductions (积分扣减) and their caps, the
missing-data option, and an indicator added from the field catalogue.

Every form checks what it can say best itself (a stage's weights summing to 100 %, bounds in
order) and then hands the edited scheme to the engine's loader: each problem the loader finds
is shown next to the field it concerns (or above the form when it concerns none)."""

from __future__ import annotations

import contextlib
import copy
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from innopoints.engine.fields import base_catalogue
from innopoints.engine.scheme import Scheme, SchemeError, scheme_from_mapping
from innopoints.scoring.scheme_view import localised
from innopoints.site.names import field_name

HUNDRED = Decimal(100)
TRANSFORMS = [("none", gettext_lazy("不变换")), ("log1p", gettext_lazy("对数变换 ln(1+x)"))]
MISSING_METHODS = [
    ("zero", gettext_lazy("缺失值记 0 分（四川默认）")),
    ("renormalise", gettext_lazy("按已有指标重新分配权重（覆盖率达到门槛时）")),
]


def _percent_field(label: str, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=8,
        decimal_places=4,
        widget=forms.NumberInput(
            attrs={"step": "0.01", "class": "form-control form-control-sm", "aria-label": label}
        ),
    )


def _number_field(label: str, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=10,
        decimal_places=4,
        widget=forms.NumberInput(
            attrs={"step": "0.5", "class": "form-control form-control-sm", "aria-label": label}
        ),
    )


def _fraction(value: Decimal) -> float:
    return float(value / HUNDRED)


def _as_percent(share: float) -> Decimal:
    return (Decimal(repr(share)) * HUNDRED).quantize(Decimal("0.0001")).normalize()


def _number(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value)).normalize()


# the loader's messages (engine/scheme.py), in the words of the form
LOADER_MESSAGES: list[tuple[re.Pattern[str], Any]] = [
    (
        re.compile(r"weights sum to (?P<total>\S+), not 1"),
        gettext_lazy("该阶段权重合计不等于 100%"),
    ),
    (re.compile(r"weight \S+ for stage .* is negative"), gettext_lazy("权重不能为负")),
    (re.compile(r"winsor bounds"), gettext_lazy("缩尾界限须满足 0 ≤ 下界 < 上界 ≤ 100")),
    (re.compile(r"points_per_item must not be negative"), gettext_lazy("每项分值不能为负")),
    (
        re.compile(r"deduction indicator needs points_per_item"),
        gettext_lazy("扣减指标须填写每项扣分"),
    ),
    (re.compile(r"needs points_per_item"), gettext_lazy("附加分指标须填写每项分值")),
    (re.compile(r"negative cap"), gettext_lazy("上限不能为负")),
    (re.compile(r"bonus_cap must not be negative"), gettext_lazy("附加分总上限不能为负")),
    (re.compile(r"must be a bool or a count"), gettext_lazy("输入字段须为“是/否”或计数")),
    (re.compile(r"unknown code"), gettext_lazy("字段目录中没有该字段，也无计算方式")),
    (re.compile(r"is used twice"), gettext_lazy("该指标已在体系中")),
    (re.compile(r"unknown category"), gettext_lazy("没有该一级指标")),
    (re.compile(r"no weighted indicator"), gettext_lazy("体系须至少有一个计分指标")),
    (re.compile(r"deduction_cap must be"), gettext_lazy("扣减总上限不能为负")),
    (re.compile(r"deduction_floor must be"), gettext_lazy("扣减后总积分下限须为有限数")),
    (
        re.compile(r"min_coverage must be within|renormalise needs the coverage"),
        gettext_lazy("覆盖率门槛须大于 0 且不超过 100%"),
    ),
    (
        re.compile(r"renormalise with coinr"),
        gettext_lazy("该体系用 COINr 均值汇总，已跳过缺失值，不能再重新分配权重"),
    ),
]


def loader_message(problem: str) -> str:
    """A loader problem in the form's words; the loader's own text when there are none."""
    for pattern, message in LOADER_MESSAGES:
        if pattern.search(problem):
            return str(message)
    return problem


_INDICATOR = re.compile(r"^indicator (?P<code>[^:\s]+)")
_STAGE_SUM = re.compile(r"^stage '(?P<stage>[^']+)': weights sum")


class SchemeForm(forms.Form):
    """The base of the draft forms: ``apply`` writes the cleaned values into a copy of the
    draft's content, ``clean`` runs the loader over it and places its problems."""

    def __init__(self, *args: Any, scheme: Scheme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        self.content: dict[str, Any] | None = None
        self.stage_errors: dict[str, list[str]] = {}

    def field_for(self, problem: str) -> str | None:
        """The form field a loader problem concerns (None: the form as a whole)."""
        return None

    def apply(self, content: dict[str, Any]) -> None:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        content = copy.deepcopy(self.scheme.model_dump(mode="json"))
        self.apply(content)
        try:
            scheme_from_mapping(content)
        except SchemeError as exc:
            for problem in exc.problems:
                self.place(problem)
            return cleaned
        self.content = content
        return cleaned

    def place(self, problem: str) -> None:
        message = loader_message(problem)
        stage = _STAGE_SUM.match(problem)
        if stage is not None:
            self.stage_errors.setdefault(stage["stage"], []).append(message)
            self.add_error(None, message)
            return
        name = self.field_for(problem)
        if name is not None and name in self.fields:
            if name not in self.errors:
                self.add_error(name, message)
        else:
            self.add_error(None, message)


def indicator_of(problem: str) -> str | None:
    match = _INDICATOR.match(problem)
    return match["code"] if match else None


class WeightsForm(SchemeForm):
    """The weighted indicators' weights per stage (percent), their transform and winsor
    bounds (percentiles). Each stage's weights must sum to exactly 100 %."""

    def __init__(self, *args: Any, scheme: Scheme, **kwargs: Any) -> None:
        super().__init__(*args, scheme=scheme, **kwargs)
        self.stages = scheme.stage_rule.stages
        self.rows: list[dict[str, Any]] = []
        for ind in scheme.weighted:
            name = localised(ind.name)
            weights = []
            for stage in self.stages:
                key = f"w__{ind.code}__{stage.code}"
                self.fields[key] = _percent_field(
                    gettext("%(indicator)s，%(stage)s权重（%%）")
                    % {"indicator": name, "stage": localised(stage.name)}
                )
                self.fields[key].widget.attrs["data-stage"] = stage.code
                self.initial[key] = _as_percent((ind.weights or {}).get(stage.code, 0.0))
                weights.append(key)
            transform = gettext("%(indicator)s：变换") % {"indicator": name}
            self.fields[f"transform__{ind.code}"] = forms.ChoiceField(
                label=transform,
                choices=TRANSFORMS,
                widget=forms.Select(
                    attrs={"class": "form-select form-select-sm", "aria-label": transform}
                ),
            )
            self.initial[f"transform__{ind.code}"] = ind.transform
            low, high = f"low__{ind.code}", f"high__{ind.code}"
            self.fields[low] = _percent_field(
                gettext("%(indicator)s：缩尾下界（百分位）") % {"indicator": name}
            )
            self.fields[high] = _percent_field(
                gettext("%(indicator)s：缩尾上界（百分位）") % {"indicator": name}
            )
            self.initial[low], self.initial[high] = (_as_percent(w) for w in ind.winsor)
            self.rows.append(
                {
                    "code": ind.code,
                    "name": name,
                    "weights": weights,
                    "transform": f"transform__{ind.code}",
                    "low": low,
                    "high": high,
                }
            )

    def clean(self) -> dict[str, Any]:
        cleaned = forms.Form.clean(self) or {}
        for row in self.rows:
            for key in row["weights"]:
                value = cleaned.get(key)
                if value is not None and value < 0:
                    self.add_error(key, gettext("权重不能为负"))
            low, high = cleaned.get(row["low"]), cleaned.get(row["high"])
            if low is not None and high is not None and not 0 <= low < high <= HUNDRED:
                self.add_error(row["high"], gettext("缩尾界限须满足 0 ≤ 下界 < 上界 ≤ 100"))
        for stage in self.stages:
            keys = [f"w__{row['code']}__{stage.code}" for row in self.rows]
            values = [cleaned.get(key) for key in keys]
            if any(v is None for v in values):
                continue
            total = sum(values, Decimal(0))
            if total != HUNDRED:
                message = gettext("%(stage)s权重合计为 %(total)s%%，须为 100%%") % {
                    "stage": localised(stage.name),
                    "total": f"{total.normalize():f}",
                }
                self.stage_errors.setdefault(stage.code, []).append(message)
                self.add_error(None, message)
        return super().clean() if not self.errors else cleaned

    def table(self) -> list[dict[str, Any]]:
        """The rows of the weight table, with bound fields."""
        return [
            {
                "name": row["name"],
                "weights": [self[key] for key in row["weights"]],
                "transform": self[row["transform"]],
                "low": self[row["low"]],
                "high": self[row["high"]],
            }
            for row in self.rows
        ]

    def stage_names(self) -> list[str]:
        return [localised(stage.name) for stage in self.stages]

    def sums(self) -> list[dict[str, Any]]:
        """Per stage: the sum of the weights as bound (or initial), and its problems."""
        out = []
        for stage in self.stages:
            total = Decimal(0)
            for row in self.rows:
                key = f"w__{row['code']}__{stage.code}"
                raw = self[key].value()
                with contextlib.suppress(ArithmeticError):
                    total += Decimal(str(raw)) if raw not in (None, "") else Decimal(0)
            out.append(
                {
                    "code": stage.code,
                    "total": f"{total.normalize():f}",
                    "ok": total == HUNDRED,
                    "errors": self.stage_errors.get(stage.code, []),
                }
            )
        return out

    def field_for(self, problem: str) -> str | None:
        code = indicator_of(problem)
        if code is None:
            return None
        if "winsor" in problem:
            return f"high__{code}"
        stage = re.search(r"stage '([^']+)'", problem)
        if "weight" in problem and stage is not None:
            return f"w__{code}__{stage[1]}"
        return f"transform__{code}"

    def apply(self, content: dict[str, Any]) -> None:
        data = self.cleaned_data
        for ind in content["indicators"]:
            if ind["kind"] != "weighted":
                continue
            code = ind["code"]
            ind["weights"] = {
                stage.code: _fraction(data[f"w__{code}__{stage.code}"]) for stage in self.stages
            }
            ind["transform"] = data[f"transform__{code}"]
            ind["winsor"] = [_fraction(data[f"low__{code}"]), _fraction(data[f"high__{code}"])]


class BonusForm(SchemeForm):
    """Bonus points per item and caps, the overall bonus cap, and which vetoes apply."""

    def __init__(self, *args: Any, scheme: Scheme, **kwargs: Any) -> None:
        super().__init__(*args, scheme=scheme, **kwargs)
        self.fields["bonus_cap"] = _number_field(gettext("附加分总上限（分，空为不设）"))
        self.initial["bonus_cap"] = _number(scheme.bonus_cap)
        self.bonus_rows = []
        for ind in scheme.bonus:
            name = localised(ind.name)
            self.fields[f"points__{ind.code}"] = _number_field(
                gettext("%(indicator)s：每项分值") % {"indicator": name}
            )
            self.fields[f"cap__{ind.code}"] = _number_field(
                gettext("%(indicator)s：上限（分，空为不设）") % {"indicator": name}
            )
            self.initial[f"points__{ind.code}"] = _number(ind.points_per_item)
            self.initial[f"cap__{ind.code}"] = _number(ind.cap)
            self.bonus_rows.append(
                {"name": name, "points": f"points__{ind.code}", "cap": f"cap__{ind.code}"}
            )
        self.veto_rows = []
        for ind in scheme.vetoes:
            key = f"keep__{ind.code}"
            self.fields[key] = forms.BooleanField(
                label=gettext("%(indicator)s：一票否决") % {"indicator": localised(ind.name)},
                required=False,
            )
            self.initial[key] = True
            self.veto_rows.append({"name": localised(ind.name), "keep": key, "indicator": ind})

    def clean(self) -> dict[str, Any]:
        cleaned = forms.Form.clean(self) or {}
        for name, value in list(cleaned.items()):
            if name.startswith("keep__") or value is None or value >= 0:
                continue
            if name == "bonus_cap":
                self.add_error(name, gettext("附加分总上限不能为负"))
            elif name.startswith("points__"):
                self.add_error(name, gettext("每项分值不能为负"))
            else:
                self.add_error(name, gettext("上限不能为负"))
        for row in self.bonus_rows:
            if row["points"] in cleaned and cleaned[row["points"]] is None:
                self.add_error(row["points"], gettext("附加分指标须填写每项分值"))
        return super().clean() if not self.errors else cleaned

    def bonus_table(self) -> list[dict[str, Any]]:
        return [
            {"name": row["name"], "points": self[row["points"]], "cap": self[row["cap"]]}
            for row in self.bonus_rows
        ]

    def veto_table(self) -> list[dict[str, Any]]:
        return [{"name": row["name"], "keep": self[row["keep"]]} for row in self.veto_rows]

    def field_for(self, problem: str) -> str | None:
        if problem.startswith("bonus_cap"):
            return "bonus_cap"
        code = indicator_of(problem)
        if code is None:
            return None
        if "cap" in problem and "points_per_item" not in problem:
            return f"cap__{code}"
        return f"points__{code}"

    def apply(self, content: dict[str, Any]) -> None:
        data = self.cleaned_data
        cap = data.get("bonus_cap")
        content["bonus_cap"] = None if cap is None else float(cap)
        kept = []
        for ind in content["indicators"]:
            code = ind["code"]
            if ind["kind"] == "bonus":
                points, cap = data.get(f"points__{code}"), data.get(f"cap__{code}")
                ind["points_per_item"] = None if points is None else float(points)
                ind["cap"] = None if cap is None else float(cap)
            if ind["kind"] == "veto" and not data.get(f"keep__{code}"):
                continue
            kept.append(ind)
        content["indicators"] = kept


class DeductionsForm(SchemeForm):
    """Deductions (积分扣减, seed 002): points per item and cap of each, the cap on their sum,
    the floor below which a total is not taken, and which deductions apply."""

    def __init__(self, *args: Any, scheme: Scheme, **kwargs: Any) -> None:
        super().__init__(*args, scheme=scheme, **kwargs)
        self.fields["deduction_cap"] = _number_field(gettext("扣减总上限（分，空为不设）"))
        self.initial["deduction_cap"] = _number(scheme.deduction_cap)
        self.fields["deduction_floor"] = _number_field(gettext("扣减后总积分下限（分，空为不设）"))
        self.initial["deduction_floor"] = _number(scheme.deduction_floor)
        self.rows = []
        for ind in scheme.deductions:
            name = localised(ind.name)
            points, cap, keep = f"points__{ind.code}", f"cap__{ind.code}", f"keep__{ind.code}"
            self.fields[points] = _number_field(
                gettext("%(indicator)s：每项扣分") % {"indicator": name}
            )
            self.fields[cap] = _number_field(
                gettext("%(indicator)s：扣分上限（分，空为不设）") % {"indicator": name}
            )
            self.fields[keep] = forms.BooleanField(
                label=gettext("%(indicator)s：保留") % {"indicator": name},
                required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            self.initial[points] = _number(ind.points_per_item)
            self.initial[cap] = _number(ind.cap)
            self.initial[keep] = True
            self.rows.append({"name": name, "points": points, "cap": cap, "keep": keep})

    def clean(self) -> dict[str, Any]:
        cleaned = forms.Form.clean(self) or {}
        cap = cleaned.get("deduction_cap")
        if cap is not None and cap < 0:
            self.add_error("deduction_cap", gettext("扣减总上限不能为负"))
        for row in self.rows:
            if not cleaned.get(row["keep"]):
                continue
            points, cap = cleaned.get(row["points"]), cleaned.get(row["cap"])
            if row["points"] in cleaned and points is None:
                self.add_error(row["points"], gettext("扣减指标须填写每项扣分"))
            elif points is not None and points < 0:
                self.add_error(row["points"], gettext("每项分值不能为负"))
            if cap is not None and cap < 0:
                self.add_error(row["cap"], gettext("上限不能为负"))
        return super().clean() if not self.errors else cleaned

    def table(self) -> list[dict[str, Any]]:
        return [
            {
                "name": row["name"],
                "points": self[row["points"]],
                "cap": self[row["cap"]],
                "keep": self[row["keep"]],
            }
            for row in self.rows
        ]

    def field_for(self, problem: str) -> str | None:
        if problem.startswith("deduction_cap"):
            return "deduction_cap"
        if problem.startswith("deduction_floor"):
            return "deduction_floor"
        code = indicator_of(problem)
        if code is None:
            return None
        if "cap" in problem and "points_per_item" not in problem:
            return f"cap__{code}"
        return f"points__{code}"

    def apply(self, content: dict[str, Any]) -> None:
        data = self.cleaned_data
        for key in ("deduction_cap", "deduction_floor"):
            value = data.get(key)
            content[key] = None if value is None else float(value)
        kept = []
        for ind in content["indicators"]:
            code = ind["code"]
            if ind["kind"] == "deduction":
                if not data.get(f"keep__{code}"):
                    continue
                points, cap = data.get(f"points__{code}"), data.get(f"cap__{code}")
                ind["points_per_item"] = None if points is None else float(points)
                ind["cap"] = None if cap is None else float(cap)
            kept.append(ind)
        content["indicators"] = kept


class MissingDataForm(SchemeForm):
    """What a missing weighted value costs (docs/schemes.md "Missing data"): 0 points (the
    Sichuan rule), or the weights renormalised over the indicators an enterprise has once its
    coverage reaches a threshold (percent here, a fraction in the scheme)."""

    method = forms.ChoiceField(
        label=gettext_lazy("缺失数据处理"),
        choices=MISSING_METHODS,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    min_coverage = _percent_field(gettext_lazy("覆盖率门槛（%，按权重计）"), required=False)

    def __init__(self, *args: Any, scheme: Scheme, **kwargs: Any) -> None:
        super().__init__(*args, scheme=scheme, **kwargs)
        self.initial["method"] = scheme.missing.method
        threshold = scheme.missing.min_coverage
        self.initial["min_coverage"] = None if threshold is None else _as_percent(threshold)
        self.fields["min_coverage"].widget.attrs["step"] = "1"

    def clean(self) -> dict[str, Any]:
        cleaned = forms.Form.clean(self) or {}
        threshold = cleaned.get("min_coverage")
        if cleaned.get("method") == "renormalise" and (
            threshold is None or not 0 < threshold <= HUNDRED
        ):
            self.add_error("min_coverage", gettext("覆盖率门槛须大于 0 且不超过 100%"))
        return super().clean() if not self.errors else cleaned

    def field_for(self, problem: str) -> str | None:
        return "min_coverage" if "min_coverage" in problem else "method"

    def apply(self, content: dict[str, Any]) -> None:
        data = self.cleaned_data
        if data["method"] == "zero":
            content["missing"] = {"method": "zero", "min_coverage": None}
        else:
            content["missing"] = {
                "method": "renormalise",
                "min_coverage": _fraction(data["min_coverage"]),
            }


KIND_CHOICES = [
    ("weighted", gettext_lazy("计分指标（权重为 0，再在权重表中调整）")),
    ("bonus", gettext_lazy("附加分")),
    ("veto", gettext_lazy("一票否决")),
    ("deduction", gettext_lazy("积分扣减")),
]
FIELD_KINDS = {"amount", "count", "ratio", "bool"}


class AddIndicatorForm(SchemeForm):
    """An indicator from the field catalogue (schemes/fields.yaml): a weighted one starts at
    0 % in every stage so the sums stay at 100 %, a bonus or deduction item needs its points."""

    field = forms.ChoiceField(label=gettext_lazy("字段"))
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=KIND_CHOICES)
    category = forms.ChoiceField(label=gettext_lazy("一级指标"))
    points_per_item = _number_field(gettext_lazy("每项分值（附加分、扣减）"))
    cap = _number_field(gettext_lazy("上限（附加分、扣减，空为不设）"))

    def __init__(self, *args: Any, scheme: Scheme, **kwargs: Any) -> None:
        super().__init__(*args, scheme=scheme, **kwargs)
        used = {i.code for i in scheme.indicators} | {
            c for i in scheme.indicators for c in (i.inputs or ())
        }
        catalogue = scheme.catalogue
        self.fields["field"].choices = [  # type: ignore[attr-defined]
            (f.code, field_name(f.code))
            for f in catalogue
            if f.kind in FIELD_KINDS and f.code not in used
        ]
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            (c.code, localised(c.name)) for c in scheme.categories
        ]
        for name in self.fields:
            self.fields[name].widget.attrs.setdefault("class", "form-select form-select-sm")

    def clean(self) -> dict[str, Any]:
        cleaned = forms.Form.clean(self) or {}
        for name in ("points_per_item", "cap"):
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(
                    name,
                    gettext("每项分值不能为负")
                    if name == "points_per_item"
                    else gettext("上限不能为负"),
                )
        return super().clean() if not self.errors else cleaned

    def field_for(self, problem: str) -> str | None:
        if "points_per_item" in problem:
            return "points_per_item"
        if "cap" in problem:
            return "cap"
        if "category" in problem:
            return "category"
        return "field"

    def apply(self, content: dict[str, Any]) -> None:
        data = self.cleaned_data
        code, kind = data["field"], data["kind"]
        entry = self.scheme.catalogue.get(code) or base_catalogue()[code]
        with translation.override("en"):
            english = field_name(code)
        indicator: dict[str, Any] = {
            "code": code,
            "name": {"zh": entry.header, "en": english},
            "category": data["category"],
            "kind": kind,
            "unit": {"amount": "万元", "ratio": "%", "count": ""}.get(entry.kind, ""),
        }
        if kind == "weighted":
            indicator["weights"] = dict.fromkeys(self.scheme.stage_rule.codes, 0.0)
            indicator["transform"] = "log1p" if entry.kind == "amount" else "none"
        if kind in {"bonus", "deduction"}:
            points, cap = data.get("points_per_item"), data.get("cap")
            indicator["points_per_item"] = None if points is None else float(points)
            indicator["cap"] = None if cap is None else float(cap)
        content["indicators"].append(indicator)
