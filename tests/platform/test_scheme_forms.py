"""The scheme draft forms (scoring/scheme_forms.py): each check, placed next to its field, and
the edited content the engine's loader accepts. Hand-set inputs on sichuan-2025: 25 rows,
its start-up weights are rd_expense 8 %, rd_growth 6 %, ... summing to 100 %."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from innopoints.engine.scheme import Scheme, load_scheme, scheme_from_mapping
from innopoints.scoring.scheme_diff import scheme_changes
from innopoints.scoring.scheme_forms import (
    AddIndicatorForm,
    BonusForm,
    DeductionsForm,
    MissingDataForm,
    WeightsForm,
    loader_message,
)


@pytest.fixture(scope="module")
def scheme() -> Scheme:
    return load_scheme("sichuan-2025")


def _data(form: Any, **changes: Any) -> dict[str, Any]:
    """The form's initial values as posted data (prefix-less), with ``changes``."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is True:
            data[name] = "on"
        elif value is not None and value is not False:
            data[name] = str(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def _weights(scheme: Scheme, **changes: Any) -> WeightsForm:
    return WeightsForm(_data(WeightsForm(scheme=scheme), **changes), scheme=scheme)


def _bonus(scheme: Scheme, **changes: Any) -> BonusForm:
    return BonusForm(_data(BonusForm(scheme=scheme), **changes), scheme=scheme)


def test_unchanged_weights_pass_and_round_trip(scheme: Scheme) -> None:
    form = _weights(scheme)
    assert form.is_valid(), form.errors
    assert form.content is not None
    assert scheme_from_mapping(form.content).fingerprint == scheme.fingerprint
    assert [s["total"] for s in form.sums()] == ["100", "100", "100"]


def test_moving_five_percent_between_two_indicators(scheme: Scheme) -> None:
    # start-up: rd_expense 8 → 13, rd_growth 6 → 1: the sum stays 100
    form = _weights(scheme, w__rd_expense__startup="13", w__rd_growth__startup="1")
    assert form.is_valid(), form.errors
    edited = scheme_from_mapping(form.content or {})
    assert edited.indicator("rd_expense").weights == {
        "startup": 0.13,
        "growth": 0.08,
        "mature": 0.08,
    }
    assert edited.indicator("rd_growth").weights["startup"] == 0.01  # type: ignore[index]
    changes = scheme_changes(scheme, edited)
    assert [(c.item, c.before, c.after) for c in changes] == [
        ("研发费用", "8%", "13%"),
        ("研发费用增速", "6%", "1%"),
    ]


def test_a_stage_not_summing_to_100_is_named_with_its_sum(scheme: Scheme) -> None:
    form = _weights(scheme, w__rd_expense__growth="10")  # 100 − 8 + 10 = 102
    assert not form.is_valid()
    assert form.stage_errors == {"growth": ["成长期权重合计为 102%，须为 100%"]}
    sums = {s["code"]: s for s in form.sums()}
    assert sums["growth"]["total"] == "102" and not sums["growth"]["ok"]
    assert sums["startup"]["ok"]


def test_a_negative_weight_is_refused_at_its_field(scheme: Scheme) -> None:
    form = _weights(scheme, w__rd_expense__mature="-2", w__rd_growth__mature="14")
    assert not form.is_valid()
    assert form.errors["w__rd_expense__mature"] == ["权重不能为负"]


def test_winsor_bounds_must_be_ordered_within_0_and_100(scheme: Scheme) -> None:
    form = _weights(scheme, low__rd_expense="99", high__rd_expense="1")
    assert not form.is_valid()
    assert form.errors["high__rd_expense"] == ["缩尾界限须满足 0 ≤ 下界 < 上界 ≤ 100"]
    over = _weights(scheme, high__rd_expense="101")
    assert over.errors["high__rd_expense"] == ["缩尾界限须满足 0 ≤ 下界 < 上界 ≤ 100"]


def test_winsor_and_transform_are_written(scheme: Scheme) -> None:
    form = _weights(
        scheme, low__rd_expense="5", high__rd_expense="95", transform__rd_expense="none"
    )
    assert form.is_valid(), form.errors
    edited = scheme_from_mapping(form.content or {})
    assert edited.indicator("rd_expense").winsor == (0.05, 0.95)
    assert edited.indicator("rd_expense").transform == "none"


def test_a_missing_weight_is_required(scheme: Scheme) -> None:
    form = _weights(scheme, w__rd_expense__startup=None)
    assert not form.is_valid()
    assert "w__rd_expense__startup" in form.errors


def test_bonus_points_and_caps(scheme: Scheme) -> None:
    form = _bonus(scheme, points__talents="0.5", cap__talents="2", bonus_cap="3")
    assert form.is_valid(), form.errors
    edited = scheme_from_mapping(form.content or {})
    talents = edited.indicator("talents")
    assert (talents.points_per_item, talents.cap, edited.bonus_cap) == (0.5, 2.0, 3.0)


def test_negative_bonus_points_cap_and_overall_cap_are_refused(scheme: Scheme) -> None:
    form = _bonus(scheme, points__talents="-1", cap__standards="-1", bonus_cap="-2")
    assert not form.is_valid()
    assert form.errors["points__talents"] == ["每项分值不能为负"]
    assert form.errors["cap__standards"] == ["上限不能为负"]
    assert form.errors["bonus_cap"] == ["附加分总上限不能为负"]


def test_a_bonus_item_needs_its_points(scheme: Scheme) -> None:
    form = _bonus(scheme, points__talents=None)
    assert not form.is_valid()
    assert form.errors["points__talents"] == ["附加分指标须填写每项分值"]


def test_a_veto_is_removed_by_unticking_it(scheme: Scheme) -> None:
    form = _bonus(scheme, keep__veto_safety=None)
    assert form.is_valid(), form.errors
    edited = scheme_from_mapping(form.content or {})
    assert [v.code for v in edited.vetoes] == ["veto_blacklist"]


def test_adding_a_weighted_indicator_starts_at_zero(scheme: Scheme) -> None:
    form = AddIndicatorForm(
        {"field": "employees", "kind": "weighted", "category": "growth"}, scheme=scheme
    )
    assert form.is_valid(), form.errors
    edited = scheme_from_mapping(form.content or {})
    added = edited.indicator("employees")
    assert added.weights == {"startup": 0.0, "growth": 0.0, "mature": 0.0}
    assert added.name.zh == "从业人员期末人数" and added.name.en == "Employees at period end"


def test_adding_a_bonus_from_an_amount_field_is_refused_by_the_loader(scheme: Scheme) -> None:
    form = AddIndicatorForm(
        {"field": "net_profit", "kind": "bonus", "category": "sichuan", "points_per_item": "1"},
        scheme=scheme,
    )
    assert not form.is_valid()
    assert form.errors["field"] == ["输入字段须为“是/否”或计数"]


def test_adding_a_bonus_without_points_is_refused(scheme: Scheme) -> None:
    form = AddIndicatorForm(
        {"field": "st_staff", "kind": "bonus", "category": "sichuan"}, scheme=scheme
    )
    assert not form.is_valid()
    assert form.errors["points_per_item"] == ["附加分指标须填写每项分值"]


def test_adding_offers_only_unused_numeric_fields(scheme: Scheme) -> None:
    offered = {code for code, _ in AddIndicatorForm(scheme=scheme).fields["field"].choices}  # type: ignore[attr-defined]
    assert "employees" in offered and "net_profit" in offered
    assert not offered & {"rd_expense", "qual_gazelle", "name", "established", "region"}


def test_every_loader_check_reaches_the_page_in_words() -> None:
    assert loader_message("stage 'growth': weights sum to 1.02, not 1") == (
        "该阶段权重合计不等于 100%"
    )
    assert loader_message("indicator x: negative cap -1.0") == "上限不能为负"
    # a check without words of its own is shown as the loader says it
    assert loader_message("tier A: max_share must rise within (0, 1]") == (
        "tier A: max_share must rise within (0, 1]"
    )


def test_percent_input_is_exact(scheme: Scheme) -> None:
    form = _weights(scheme, w__rd_expense__startup="8.5", w__rd_growth__startup="5.5")
    assert form.is_valid(), form.errors
    assert Decimal("8.5") + Decimal("5.5") == Decimal(14)


def _with_deduction(scheme: Scheme) -> Scheme:
    """sichuan-2025 with a deduction on st_staff (a count): 3 points per item, capped at 10."""
    form = AddIndicatorForm(
        {
            "field": "st_staff",
            "kind": "deduction",
            "category": "sichuan",
            "points_per_item": "3",
            "cap": "10",
        },
        scheme=scheme,
    )
    assert form.is_valid(), form.errors
    return scheme_from_mapping(form.content or {})


def _deductions(scheme: Scheme, **changes: Any) -> DeductionsForm:
    return DeductionsForm(_data(DeductionsForm(scheme=scheme), **changes), scheme=scheme)


def test_adding_a_deduction_from_the_catalogue(scheme: Scheme) -> None:
    edited = _with_deduction(scheme)
    added = edited.indicator("st_staff")
    assert (added.kind, added.points_per_item, added.cap) == ("deduction", 3.0, 10.0)
    assert added.weights is None and [d.code for d in edited.deductions] == ["st_staff"]


def test_adding_a_deduction_without_points_is_refused(scheme: Scheme) -> None:
    form = AddIndicatorForm(
        {"field": "st_staff", "kind": "deduction", "category": "sichuan"}, scheme=scheme
    )
    assert not form.is_valid()
    assert form.errors["points_per_item"] == ["扣减指标须填写每项扣分"]


def test_deduction_points_caps_and_overall_cap(scheme: Scheme) -> None:
    edited = _with_deduction(scheme)
    form = _deductions(
        edited, points__st_staff="2.5", cap__st_staff="", deduction_cap="12", deduction_floor=""
    )
    assert form.is_valid(), form.errors
    after = scheme_from_mapping(form.content or {})
    staff = after.indicator("st_staff")
    assert (staff.points_per_item, staff.cap) == (2.5, None)
    assert (after.deduction_cap, after.deduction_floor) == (12.0, None)
    assert [(c.attribute, c.before, c.after) for c in scheme_changes(edited, after)] == [
        ("扣减总上限", "—", "12"),
        ("扣减后总积分下限", "0", "—"),
        ("每项分值", "3", "2.5"),
        ("上限", "10", "—"),
    ]


def test_negative_deductions_and_missing_points_are_refused(scheme: Scheme) -> None:
    edited = _with_deduction(scheme)
    form = _deductions(edited, points__st_staff="-1", cap__st_staff="-2", deduction_cap="-3")
    assert not form.is_valid()
    assert form.errors["points__st_staff"] == ["每项分值不能为负"]
    assert form.errors["cap__st_staff"] == ["上限不能为负"]
    assert form.errors["deduction_cap"] == ["扣减总上限不能为负"]
    blank = _deductions(edited, points__st_staff=None)
    assert not blank.is_valid()
    assert blank.errors["points__st_staff"] == ["扣减指标须填写每项扣分"]


def test_a_deduction_is_removed_by_unticking_it(scheme: Scheme) -> None:
    edited = _with_deduction(scheme)
    # a removed deduction's own fields are not checked
    form = _deductions(edited, keep__st_staff=None, points__st_staff="-1")
    assert form.is_valid(), form.errors
    assert scheme_from_mapping(form.content or {}).deductions == ()


def _missing(scheme: Scheme, **data: str) -> MissingDataForm:
    return MissingDataForm(data, scheme=scheme)


def test_missing_data_renormalise_with_a_threshold(scheme: Scheme) -> None:
    assert MissingDataForm(scheme=scheme).initial == {"method": "zero", "min_coverage": None}
    form = _missing(scheme, method="renormalise", min_coverage="60")
    assert form.is_valid(), form.errors
    edited = scheme_from_mapping(form.content or {})
    assert (edited.missing.method, edited.missing.min_coverage) == ("renormalise", 0.6)
    back = _missing(edited, method="zero", min_coverage="60")
    assert back.is_valid(), back.errors
    restored = scheme_from_mapping(back.content or {})
    assert (restored.missing.method, restored.missing.min_coverage) == ("zero", None)
    assert restored.fingerprint == scheme.fingerprint


@pytest.mark.parametrize("threshold", ["", "0", "-5", "100.5"])
def test_renormalise_needs_a_threshold_above_0_up_to_100(scheme: Scheme, threshold: str) -> None:
    form = _missing(scheme, method="renormalise", min_coverage=threshold)
    assert not form.is_valid()
    assert form.errors["min_coverage"] == ["覆盖率门槛须大于 0 且不超过 100%"]


def test_the_loader_words_for_deductions_and_missing_data() -> None:
    assert loader_message("deduction_cap must be a number ≥ 0, not -1.0") == "扣减总上限不能为负"
    assert loader_message("indicator x: a deduction indicator needs points_per_item") == (
        "扣减指标须填写每项扣分"
    )
    assert loader_message(
        "indicator x: points_per_item must not be negative (a deduction states the points it "
        "subtracts)"
    ) == ("每项分值不能为负")
    assert loader_message("missing.min_coverage must be within (0, 1], not 1.5") == (
        "覆盖率门槛须大于 0 且不超过 100%"
    )
