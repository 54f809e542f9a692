from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from innopoints.engine.scheme import SchemeError
from innopoints.registry.models import Region
from innopoints.scoring.models import SchemeVersion
from innopoints.scoring.schemes import parse


class RunForm(forms.Form):
    period = forms.CharField(label=_("数据期"), initial="2025", max_length=16)
    scheme_version = forms.ModelChoiceField(SchemeVersion.objects.all(), label=_("指标体系版本"))
    region = forms.ModelChoiceField(
        Region.objects.filter(code__startswith="51", level__lte=3),
        label=_("地区范围"),
        required=False,
        empty_label=_("全省"),
        help_text=_("该地区及其下辖全部地区的企业参评"),
    )


class SchemeVersionForm(forms.ModelForm):
    class Meta:
        model = SchemeVersion
        fields = ["source_yaml"]
        widgets = {
            "source_yaml": forms.Textarea(
                attrs={"rows": 40, "cols": 110, "style": "font-family: monospace"}
            )
        }

    def clean_source_yaml(self) -> str:
        text: str = self.cleaned_data["source_yaml"]
        try:
            parse(text, "edited")
        except SchemeError as exc:
            raise forms.ValidationError(list(exc.problems)) from None
        return text

    def save(self, commit: bool = True) -> Any:  # the admin saves through schemes.save_version
        self.save_m2m = lambda: None  # no many-to-many fields
        return self.instance
