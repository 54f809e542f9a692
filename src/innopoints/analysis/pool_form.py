"""The form government edits a 培育库's rule with (never JSON): a name, "all" or "any", and a
row per condition — a field chosen by its name, a test and a value typed as a person says it
(档次 "A、B", 成长阶段 "成长期", 资质 "高新技术企业", 一票否决 "否"). ``rule()`` turns the rows
into the rule grammar of ``pools.py``; ``initial_rows()`` turns a stored rule back into rows.
A rule nested deeper than one group cannot be shown as rows and is refused for editing here."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.analysis.models import Pool
from innopoints.analysis.pools import check_rule
from innopoints.engine.fields import base_catalogue
from innopoints.registry.models import Qualification
from innopoints.site import names

RESULT_FIELDS = {
    "total": gettext_lazy("总积分"),
    "base": gettext_lazy("基础积分"),
    "rank_share": gettext_lazy("全省排名百分位（%，越小越靠前）"),
    "tier": gettext_lazy("积分档次"),
    "stage": gettext_lazy("成长阶段"),
    "industry": gettext_lazy("行业领域"),
    "vetoed": gettext_lazy("一票否决（清零）"),
    "qualification": gettext_lazy("资质"),
    "hitech_share": gettext_lazy("高新技术产品收入占营业收入比例（%）"),
}
CHOICE_FIELDS = {"tier", "stage", "industry"}  # test "in", a list of names
NUMBER_TESTS = {
    "min": gettext_lazy("不低于"),
    "max": gettext_lazy("不高于"),
    "gt": gettext_lazy("高于"),
    "lt": gettext_lazy("低于"),
}
TESTS = {
    **NUMBER_TESTS,
    "in": gettext_lazy("属于其一"),
    "is": gettext_lazy("是 / 否"),
    "any": gettext_lazy("持有其一"),
}
SEPARATORS = re.compile(r"[,，、;；\s]+")
YES = {"是", "yes", "true", "y", "1"}
NO = {"否", "no", "false", "n", "0"}


def field_choices(version: Any = None) -> list[tuple[str, Any]]:
    """Result columns, the scheme's derived indicators and every numeric input field, by name."""
    result = list(RESULT_FIELDS.items())
    derived = []
    if version is not None:
        derived = [
            (i.code, names.field_name(i.code, version))
            for i in version.scheme().weighted
            if i.derivation is not None
        ]
    inputs = [(f.code, names.field_name(f.code)) for f in base_catalogue() if f.numeric]
    seen = {code for code, _label in [*result, *derived]}
    return [
        (str(gettext_lazy("积分结果")), result),
        (str(gettext_lazy("派生指标")), derived),
        (str(gettext_lazy("填报与汇集的数据")), [c for c in inputs if c[0] not in seen]),
    ]


def field_label(code: str, version: Any = None) -> str:
    if code in RESULT_FIELDS:
        return str(RESULT_FIELDS[code])
    return names.field_name(code, version)


KIND_UNITS = {"amount": "万元", "ratio": "%"}


def unit_of(field: str, version: Any = None) -> str:
    """万元 or % after a number: the scheme's unit for an indicator, else the field's kind."""
    if field in {"rank_share", "hitech_share"}:
        return "%"
    if version is not None:
        found = next((i for i in version.scheme().indicators if i.code == field), None)
        if found is not None and found.unit:
            return str(found.unit)
    catalogued = base_catalogue().get(field)
    return KIND_UNITS.get(catalogued.kind, "") if catalogued is not None else ""


def _value_text(field: str, test: str, value: Any, version: Any = None) -> str:
    """A stored value as a person would type it back."""
    if test == "is":
        return _("是") if value else _("否")
    if isinstance(value, list):
        if field == "qualification":
            kinds = dict(Qualification.KINDS)
            return "、".join(str(kinds.get(v, v)) for v in value)
        if field == "stage":
            return "、".join(names.stage_name(v, version) for v in value)
        return "、".join(str(v) for v in value)
    return str(value)


def describe_rule(rule: dict[str, Any], version: Any = None) -> list[str]:
    """The rule in words, a line per condition (nested groups in brackets)."""
    kind, conditions = next(iter(rule.items()))
    lines = [_("满足以下任一条件：")] if kind == "any" and len(conditions) > 1 else []
    for condition in conditions:
        if "field" not in condition:
            inner = _("；").join(describe_rule(condition, version))
            word = _("全部满足") if next(iter(condition)) == "all" else _("满足其一")
            lines.append(f"（{word}：{inner}）")
            continue
        test, value = next((k, v) for k, v in condition.items() if k != "field")
        field = condition["field"]
        label, shown = field_label(field, version), _value_text(field, test, value, version)
        if test == "is":
            lines.append(f"{label}{_('：')}{shown}")
        elif test in NUMBER_TESTS:
            lines.append(f"{label} {TESTS[test]} {shown} {unit_of(field, version)}".rstrip())
        else:
            lines.append(f"{label} {TESTS[test]} {shown}")
    return lines


def initial_rows(rule: dict[str, Any], version: Any = None) -> list[dict[str, str]]:
    _kind, conditions = next(iter(rule.items()))
    rows = []
    for condition in conditions:
        if "field" not in condition:
            raise ValueError("nested")
        test, value = next((k, v) for k, v in condition.items() if k != "field")
        field = condition["field"]
        rows.append(
            {"field": field, "test": test, "value": _value_text(field, test, value, version)}
        )
    return rows


class PoolForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=64)
    code = forms.SlugField(
        label=gettext_lazy("英文简称"),
        max_length=32,
        help_text=gettext_lazy("用于导出文件名和接口，仅字母、数字和连字符；保存后不可修改"),
    )
    description = forms.CharField(
        label=gettext_lazy("说明（依据的办法或标准）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    combine = forms.ChoiceField(
        label=gettext_lazy("条件组合"),
        choices=[("all", gettext_lazy("全部满足")), ("any", gettext_lazy("满足其一"))],
        initial="all",
    )

    def __init__(self, *args: Any, pool: Pool | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool = pool
        if pool is not None:
            self.fields["code"].disabled = True
            self.fields["code"].required = False

    def clean_code(self) -> str:
        if self.pool is not None:
            return self.pool.code
        code = self.cleaned_data["code"]
        if Pool.objects.filter(code=code).exists():
            raise forms.ValidationError(_("已有同一简称的培育库"))
        return code


class ConditionForm(forms.Form):
    field = forms.ChoiceField(label=gettext_lazy("指标或数据"), required=False)
    test = forms.ChoiceField(
        label=gettext_lazy("条件"), choices=[("", "—"), *TESTS.items()], required=False
    )
    value = forms.CharField(label=gettext_lazy("取值"), max_length=200, required=False)

    def __init__(self, *args: Any, version: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        self.fields["field"].choices = [("", "—"), *field_choices(version)]
        # the rows are drawn as a table: each control names itself (its header is not a label)
        row = (self.prefix or "").rsplit("-", 1)[-1]
        number = int(row) + 1 if row.isdigit() else ""
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = f"{field.label} {number}".strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        field, test, text = data.get("field"), data.get("test"), (data.get("value") or "").strip()
        if not field and not text:
            data["condition"] = None  # an empty row
            return data
        if not field:
            raise forms.ValidationError(_("请选择指标或数据"))
        try:
            data["condition"] = {"field": field, **self._test(field, test, text)}
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
        return data

    def _test(self, field: str, test: str | None, text: str) -> dict[str, Any]:
        label = field_label(field, self.version)
        if not text:
            raise ValueError(_("%(field)s：请填写取值") % {"field": label})
        if field == "vetoed":
            word = text.lower()
            if word not in YES | NO:
                raise ValueError(_("%(field)s：请填“是”或“否”") % {"field": label})
            return {"is": word in YES}
        items = [t for t in SEPARATORS.split(text) if t]
        if field == "qualification":
            return {"any": [self._qualification(item) for item in items]}
        if field in CHOICE_FIELDS:
            if field == "tier":
                return {"in": [self._tier(item) for item in items]}
            if field == "stage":
                return {"in": [self._stage(item) for item in items]}
            return {"in": items}
        if test not in NUMBER_TESTS:
            raise ValueError(
                _("%(field)s 是数值：请选择“不低于”“不高于”“高于”或“低于”") % {"field": label}
            )
        try:
            number = Decimal(text.replace(",", "").replace("，", ""))
        except InvalidOperation as error:
            raise ValueError(
                _("%(field)s：“%(text)s”不是数字") % {"field": label, "text": text}
            ) from error
        value = int(number) if number == number.to_integral_value() else float(number)
        return {test: value}

    @staticmethod
    def _qualification(text: str) -> str:
        for code, name in Qualification.KINDS:
            if text in (code, str(name)) or str(name).startswith(text):
                return code
        raise ValueError(_("没有名为“%(text)s”的资质") % {"text": text})

    @staticmethod
    def _tier(text: str) -> str:
        letter = text.upper().removesuffix("档")
        if letter not in {"A", "B", "C", "D"}:
            raise ValueError(_("档次为 A、B、C、D：“%(text)s”不是档次") % {"text": text})
        return letter

    def _stage(self, text: str) -> str:
        code = names.stage_code(text, self.version)
        if names.stage_name(code, self.version) == code:
            raise ValueError(_("没有名为“%(text)s”的成长阶段") % {"text": text})
        return code


class _ConditionRows(forms.BaseFormSet):  # type: ignore[type-arg]
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            number = "" if index is None else f" {index + 1}"
            form.fields["DELETE"].widget.attrs["aria-label"] = f"{_('删除')}{number}"


ConditionFormSet = forms.formset_factory(
    ConditionForm, formset=_ConditionRows, extra=2, can_delete=True, max_num=30
)


def rule_from(form: PoolForm, rows: Any) -> dict[str, Any]:
    """The rule of a valid form and formset, checked by the same check as a run's."""
    conditions = [
        row.cleaned_data["condition"]
        for row in rows
        if row.cleaned_data
        and not row.cleaned_data.get("DELETE")
        and row.cleaned_data.get("condition")
    ]
    if not conditions:
        raise forms.ValidationError(_("至少需要一个条件"))
    rule = {form.cleaned_data["combine"]: conditions}
    check_rule(rule)
    return rule
