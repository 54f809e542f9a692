"""The target form: a division the user may set targets for, a year and the three figures
(money in 亿元, as the plan states them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from innopoints.accounts import scope
from innopoints.registry.models import Region
from innopoints.site.forms import names_regions, with_unit
from innopoints.targets.models import Target


def settable_divisions(user: Any) -> Any:
    """A province (or the platform) sets its own and its prefectures' targets; a city or a
    county only its own."""
    if scope.is_admin(user):
        return Region.objects.filter(level__lte=2)
    own = scope.region_of(user)
    if own is None:
        return Region.objects.none()
    if own.level == 1:
        return Region.objects.filter(code__startswith=own.code_prefix(), level__lte=2)
    return Region.objects.filter(pk=own.pk)


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = [
            "division",
            "year",
            "enterprises_scored",
            "loan_volume",
            "direct_financing",
            "source",
        ]
        help_texts = {"source": _("如：四川省企业创新积分制实施方案 一、总体目标")}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names_regions(self.fields["division"])
        self.fields["division"].queryset = settable_divisions(user)
        self.fields["year"].min_value = 2000
        self.fields["year"].widget.attrs.update(min=2000, max=2100)
        with_unit(self.fields["enterprises_scored"], str(_("家")))
        with_unit(self.fields["loan_volume"], str(_("亿元")))
        with_unit(self.fields["direct_financing"], str(_("亿元")))

    def clean_year(self) -> int:
        year = int(self.cleaned_data["year"])
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("年度应在 2000 至 2100 之间"))
        return year
