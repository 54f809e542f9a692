from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Case, When
from django.utils.translation import gettext_lazy as _

from innopoints.accounts import scope
from innopoints.engine.scheme import SchemeError
from innopoints.registry.english import localised
from innopoints.registry.models import Qualification, Region
from innopoints.scoring.models import SchemeVersion
from innopoints.scoring.official import official_scheme_version
from innopoints.scoring.schemes import parse
from innopoints.site.forms import with_unit
from innopoints.site.names import english


class RunForm(forms.Form):
    """一键测算: it starts on the current official scheme and the user's own division, so one
    click runs it; a platform admin may also leave the division empty (every enterprise)."""

    period = forms.CharField(
        label=_("数据期"),
        initial="2025",
        max_length=16,
        help_text=_("参评数据所属的年度，如 2025：使用该数据期已导入并授权的数据"),
    )
    scheme_version = forms.ModelChoiceField(
        SchemeVersion.objects.all(),
        label=_("指标体系版本"),
        empty_label=None,
        help_text=_("默认选中现行的正式指标体系；示例体系仅供演示"),
    )
    region = forms.ModelChoiceField(
        Region.objects.filter(code__startswith="51", level__lte=3),
        label=_("地区范围"),
        empty_label=None,
        help_text=_("该地区及其下辖全部地区的企业参评"),
    )
    qualifications = forms.MultipleChoiceField(
        label=_("资质范围"),
        choices=Qualification.KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "只评价在数据期持有所选任一资质的企业（如仅高新技术企业和科技型中小企业）；不选则不限"
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        official = official_scheme_version()
        versions = SchemeVersion.objects.filter(state="published").order_by(
            "example", "scheme_id", "-created_at"
        )
        if official is not None:
            # the official scheme first, then the others, examples last
            versions = versions.annotate(
                official=Case(When(pk=official.pk, then=0), default=1)
            ).order_by("official", "example", "scheme_id", "-created_at")
            self.fields["scheme_version"].initial = official.pk
        self.fields["scheme_version"].queryset = versions  # type: ignore[attr-defined]
        region = self.fields["region"]
        region.queryset = region.queryset.filter(  # type: ignore[attr-defined]
            code__in=scope.governed_regions(user).values("code")
        ).select_related("parent")
        region.label_from_instance = region_label  # type: ignore[attr-defined]
        own = scope.region_of(user)
        if own is not None:
            region.initial = own.pk
        elif scope.is_admin(user):
            region.required = False
            region.empty_label = _("全部企业")
            region.widget.choices = region.choices  # type: ignore[attr-defined]


def region_label(region: Region) -> str:
    """A division by name (a county with its city: 武侯区（成都市）), never its code."""
    name = localised(region.name)
    if region.level == 3 and region.parent is not None:
        parent = localised(region.parent.name)
        return f"{name} ({parent})" if english() else f"{name}（{parent}）"
    return name


class RobustnessForm(forms.Form):
    """稳健性分析: how many times the run is re-scored under other method choices."""

    replications = with_unit(
        forms.IntegerField(
            label=_("重复次数"),
            initial=1000,
            min_value=200,
            max_value=5000,
            help_text=_(
                "200 至 5000 次；次数越多，排名区间越准确，用时也越长（1000 次约需数分钟）"
            ),
            widget=forms.NumberInput(attrs={"step": 100}),
        ),
        _("次"),
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
