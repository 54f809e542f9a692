"""Forms of 监测评价: a delivery deadline (set by the province), a work summary (a city's or
county's file and text, bounded in size like every upload) and its review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from innopoints.collection.models import DataSource
from innopoints.engine.input_limits import MiB
from innopoints.engine.stage import reference_date
from innopoints.registry.models import Region
from innopoints.site import names
from innopoints.targets import deliveries

SUMMARY_SUFFIXES = (".pdf", ".doc", ".docx", ".wps", ".odt", ".txt", ".xlsx")


def summary_limit() -> int:
    """The largest summary file accepted (``INNOPOINTS_MAX_SUMMARY_BYTES``, 20 MB)."""
    return int(getattr(settings, "INNOPOINTS_MAX_SUMMARY_BYTES", 20 * MiB))


def deadline_divisions(user: Any) -> QuerySet[Region]:
    """The province and its cities (what a deadline may be set for)."""
    own = deliveries.own_division(user)
    if own is None or own.level != 1:
        return Region.objects.none()
    return Region.objects.filter(code__startswith=own.code_prefix(), level__lte=2).order_by("code")


class DeadlineForm(forms.Form):
    source = forms.ModelChoiceField(
        DataSource.objects.filter(manual=False),
        label=_("数据来源"),
        required=False,
        empty_label=_("全部数据来源"),
    )
    division = forms.ModelChoiceField(Region.objects.none(), label=_("行政区划"))
    period = forms.CharField(label=_("数据期"), max_length=16, help_text=_("如 2025"))
    due_on = forms.DateField(
        label=_("报送截止日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["division"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = deadline_divisions(user)
        field.label_from_instance = lambda region: names.region_name(region.code)  # type: ignore[method-assign]

    def clean_period(self) -> str:
        period = str(self.cleaned_data["period"]).strip()
        try:
            reference_date(period)
        except ValueError:
            raise forms.ValidationError(
                gettext("数据期应为年度（2025）、半年（2025H1）或季度（2025Q3）")
            ) from None
        return period


class SummaryForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    text = forms.CharField(
        label=_("工作总结"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
        help_text=_("本年度创新积分工作的开展情况、成效、问题和下一步打算"),
    )
    file = forms.FileField(
        label=_("总结文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUMMARY_SUFFIXES)}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year - 1
        self.fields["file"].help_text = gettext(
            "PDF、Word、WPS、文本或 Excel 文件，不超过 %(limit).0f MB"
        ) % {"limit": summary_limit() / MiB}

    def clean_file(self) -> Any:
        """Refused by its size before it is read, and by its kind."""
        upload = self.cleaned_data["file"]
        size = upload.size or 0
        if size > summary_limit():
            raise forms.ValidationError(
                gettext("文件 %(size).1f MB，超过上限 %(limit).0f MB")
                % {"size": size / MiB, "limit": summary_limit() / MiB}
            )
        if Path(upload.name or "").suffix.lower() not in SUMMARY_SUFFIXES:
            raise forms.ValidationError(
                gettext("只接受 %(kinds)s 文件") % {"kinds": "、".join(SUMMARY_SUFFIXES)}
            )
        return upload


class ReviewForm(forms.Form):
    DECISIONS = [("acknowledged", _("确认")), ("returned", _("退回修改"))]
    decision = forms.ChoiceField(label=_("审阅结果"), choices=DECISIONS, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("审阅意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "returned" and not str(data.get("note", "")).strip():
            self.add_error("note", gettext("退回修改时请写明意见"))
        return data
