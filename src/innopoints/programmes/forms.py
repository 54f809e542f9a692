"""Forms of 风险补偿与奖补: programmes and subsidy schemes (government), filings and claims
(banks), the decisions on the queues."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from innopoints.accounts import scope
from innopoints.applications.models import Financing, Offering
from innopoints.programmes.models import Programme, SubsidyScheme
from innopoints.registry.models import Institution, Region
from innopoints.site import names
from innopoints.site.forms import names_regions

TIERS = [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")]


def stage_choices() -> list[tuple[str, str]]:
    return [(code, names.stage_name(code)) for code in names._builtin()["stage"]]


def _regions(user: Any) -> Any:
    prefix = scope.region_prefix(user) or ""
    regions = Region.objects.filter(code__startswith=prefix).order_by("code")
    # a province's (or the platform's) pools are provincial or city ones: the counties of the
    # whole country would make the page thousands of options long
    return regions.filter(code__endswith="00") if len(prefix) < 4 else regions


class ProgrammeForm(forms.ModelForm):
    eligible_tiers = forms.MultipleChoiceField(
        label=_("适用档次"),
        choices=TIERS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选为不限档次"),
    )

    class Meta:
        model = Programme
        fields = [
            "name",
            "region",
            "fund_size",
            "institutions",
            "products",
            "eligible_tiers",
            "bank_share",
            "pool_share",
            "guarantor_share",
            "per_loan_cap",
            "filing_days",
            "first_credit_only",
            "valid_from",
            "valid_to",
        ]
        widgets = {
            "institutions": forms.CheckboxSelectMultiple,
            "products": forms.CheckboxSelectMultiple,
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        names_regions(self.fields["region"])
        self.fields["region"].queryset = _regions(user)
        self.fields["institutions"].queryset = Institution.objects.filter(kind="bank")
        self.fields["products"].queryset = Offering.objects.filter(kind="loan").exclude(
            institution=None
        )
        self.fields["products"].required = False

    def clean_region(self) -> Region | None:
        region = self.cleaned_data.get("region")
        if not scope.governs_region(self.user, region):
            raise forms.ValidationError(_("只能为本辖区设立资金池"))
        return region


class SchemeForm(forms.ModelForm):
    eligible_tiers = forms.MultipleChoiceField(
        label=_("适用档次"),
        choices=TIERS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选为不限档次"),
    )
    eligible_stages = forms.MultipleChoiceField(
        label=_("适用成长阶段"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选为不限阶段"),
    )

    class Meta:
        model = SubsidyScheme
        fields = [
            "name",
            "kind",
            "region",
            "financing_kind",
            "base",
            "rate",
            "fixed_amount",
            "cap",
            "max_months",
            "eligible_tiers",
            "eligible_stages",
            "first_time_only",
            "valid_from",
            "valid_to",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        names_regions(self.fields["region"])
        self.fields["region"].queryset = _regions(user)
        self.fields["eligible_stages"].choices = stage_choices()

    def clean_region(self) -> Region | None:
        region = self.cleaned_data.get("region")
        if not scope.governs_region(self.user, region):
            raise forms.ValidationError(_("只能为本辖区设立方案"))
        return region


class FundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("注入金额（万元）"), max_digits=14, decimal_places=2, min_value=0
    )
    note = forms.CharField(label=_("摘要"), max_length=200, required=False)


class FilingForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("资金池"), queryset=Programme.objects.none())
    financing = forms.ModelChoiceField(label=_("贷款"), queryset=Financing.objects.none())
    covered_amount = forms.DecimalField(
        label=_("纳入资金池的贷款金额（万元）"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("留空为贷款金额"),
    )
    flexible_use = forms.BooleanField(
        label=_("贷款用途灵活"), required=False, help_text=_("用于判断是否符合科技创新再贷款条件")
    )
    reference = forms.CharField(label=_("机构业务编号"), max_length=64, required=False)

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = institution.programmes.all()
        self.fields["financing"].queryset = Financing.objects.filter(
            institution=institution, kind="loan", status__in=["disbursed", "overdue"]
        ).select_related("enterprise", "institution")


class ClaimForm(forms.Form):
    loss = forms.DecimalField(label=_("损失金额（万元）"), max_digits=12, decimal_places=2)
    reference = forms.CharField(label=_("机构业务编号"), max_length=64, required=False)


GRANTED = ["disbursed", "repaid", "overdue", "defaulted"]


def financing_label(financing: Financing) -> str:
    """How a government user recognises a financing: enterprise, institution, product,
    amount and disbursement date — never its record number."""
    parts = [financing.enterprise.name, str(financing.institution)]
    if financing.product:
        parts.append(financing.product)
    if financing.amount is not None:
        parts.append(f"{financing.amount} 万元")
    if financing.disbursed_on:
        parts.append(f"{financing.disbursed_on:%Y-%m-%d}")
    return " · ".join(parts)


class FinancingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return financing_label(obj)


class ComputeForm(forms.Form):
    scheme = forms.ModelChoiceField(
        label=_("方案"),
        queryset=SubsidyScheme.objects.exclude(kind="award"),
        empty_label=_("请选择方案"),
    )
    financing = FinancingChoiceField(
        label=_("融资"),
        queryset=Financing.objects.none(),
        empty_label=_("输入企业名称查找"),
        help_text=_("本辖区已放款的融资，按企业名称或统一社会信用代码查找"),
    )
    start = forms.DateField(
        label=_("计算期起"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    end = forms.DateField(
        label=_("计算期止"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    paid = forms.DecimalField(
        label=_("本期实际支付（万元）"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("按实际支付计算的方案填写"),
    )

    def __init__(self, *args: Any, user: Any, search_url: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["financing"]
        field.queryset = governed_financings(user)
        # the options come from the search as the user types (a division holds thousands);
        # a bound form keeps the chosen one so that an error does not lose it
        chosen = self.data.get(self.add_prefix("financing")) if self.is_bound else None
        options: list[tuple[Any, str]] = [("", str(field.empty_label))]
        if chosen:
            picked = field.queryset.filter(pk=chosen).first() if str(chosen).isdigit() else None
            if picked is not None:
                options.append((picked.pk, financing_label(picked)))
        field.widget.choices = options
        field.widget.attrs.update({"data-search": "on", "data-search-url": search_url})


def governed_financings(user: Any) -> Any:
    """Granted financings of the enterprises in the user's division."""
    return Financing.objects.filter(
        scope.enterprise_filter(user, "enterprise"), status__in=GRANTED
    ).select_related("enterprise", "institution")
