from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from innopoints.collection.models import DataSource, Finding
from innopoints.collection.source_columns import field_unit
from innopoints.collection.upload_limits import size_problem
from innopoints.engine.input_limits import MiB
from innopoints.site.forms import with_unit


class ImportForm(forms.Form):
    source = forms.ModelChoiceField(DataSource.objects.filter(manual=False), label=_("数据来源"))
    period = forms.CharField(
        label=_("数据期"),
        max_length=16,
        initial="2025",
        help_text=_("如 2025（年度）或 2025H1（半年）"),
    )
    file = forms.FileField(
        label=_("文件（CSV 或 XLSX）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.INNOPOINTS_MAX_IMPORT_BYTES / MiB
        self.fields["file"].help_text = gettext(
            "第一行为列标题；每行一家企业，以统一社会信用代码识别；金额以万元为单位。"
            "文件不超过 %(limit).0f MB。"
        ) % {"limit": limit}

    def clean_file(self) -> Any:
        """An upload over the import limit is refused before it is read into memory."""
        upload = self.cleaned_data["file"]
        too_big = size_problem(upload.size or 0)
        if too_big is not None:
            raise forms.ValidationError(f"{upload.name}: {too_big}")
        return upload


class ResolveForm(forms.Form):
    ACTIONS = [
        ("accept", _("采纳某一来源的数值")),
        ("correct", _("录入更正后的数值")),
        ("dismiss", _("驳回（数据无误）")),
    ]
    action = forms.ChoiceField(label=_("处理方式"), choices=ACTIONS, widget=forms.RadioSelect)
    source = forms.ModelChoiceField(
        DataSource.objects.filter(manual=False), label=_("采纳来源"), required=False
    )
    value = forms.FloatField(label=_("更正后的数值"), required=False)
    reason = forms.CharField(
        label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, finding: Finding, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if finding.kind == "delivery":  # a source's delivery: nothing to accept or correct
            self.fields["action"].choices = [("dismiss", _("关闭（已与来源部门核实处理）"))]
            del self.fields["source"], self.fields["value"]
            return
        unit = field_unit(finding.field_code)
        if unit:
            with_unit(self.fields["value"], unit)
        sources = finding.detail.get("sources", {})
        if sources:
            self.fields["source"].queryset = DataSource.objects.filter(pk__in=list(sources))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == "accept" and not data.get("source"):
            self.add_error("source", gettext("请选择采纳的来源"))
        if action == "correct" and data.get("value") is None:
            self.add_error("value", gettext("请填写更正后的数值"))
        if action in {"correct", "dismiss"} and not (data.get("reason") or "").strip():
            self.add_error("reason", gettext("请说明理由"))
        return data
