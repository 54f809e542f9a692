from __future__ import annotations

from typing import Any

from django import forms

from innopoints.collection.models import DataSource, Finding


class ImportForm(forms.Form):
    source = forms.ModelChoiceField(DataSource.objects.filter(manual=False), label="数据来源")
    period = forms.CharField(
        label="数据期", max_length=16, initial="2025", help_text="如 2025（年度）或 2025H1（半年）"
    )
    file = forms.FileField(label="文件（CSV 或 XLSX）")


class ResolveForm(forms.Form):
    ACTIONS = [
        ("accept", "采纳某一来源的数值"),
        ("correct", "录入更正后的数值"),
        ("dismiss", "驳回（数据无误）"),
    ]
    action = forms.ChoiceField(label="处理方式", choices=ACTIONS, widget=forms.RadioSelect)
    source = forms.ModelChoiceField(
        DataSource.objects.filter(manual=False), label="采纳来源", required=False
    )
    value = forms.FloatField(label="更正后的数值", required=False)
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, finding: Finding, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sources = finding.detail.get("sources", {})
        if sources:
            self.fields["source"].queryset = DataSource.objects.filter(pk__in=list(sources))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == "accept" and not data.get("source"):
            self.add_error("source", "请选择采纳的来源")
        if action == "correct" and data.get("value") is None:
            self.add_error("value", "请填写更正后的数值")
        if action in {"correct", "dismiss"} and not (data.get("reason") or "").strip():
            self.add_error("reason", "请说明理由")
        return data
