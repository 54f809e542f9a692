"""The forms of 公示: putting a list on 公示 (the publisher), filing an objection (anyone), and
recording its outcome (the publisher)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from innopoints.analysis import challenge, publicity
from innopoints.analysis.models import Leaderboard, Objection, Publicity
from innopoints.engine.reference import BOARD_FIELDS
from innopoints.registry.english import localised_industry
from innopoints.registry.models import IndustryField
from innopoints.site.forms import with_unit


def board_fields() -> list[IndustryField]:
    """The six fields seed 004 names for 积分榜, in its order."""
    found = {f.name: f for f in IndustryField.objects.filter(name__in=BOARD_FIELDS)}
    return [found[name] for name in BOARD_FIELDS if name in found]


class PublicityForm(forms.ModelForm):
    class Meta:
        model = Publicity
        fields = [
            "title",
            "field",
            "starts_on",
            "ends_on",
            "reply_days",
            "show_scores",
            "contact",
            "note",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "title": _("公示页面上的标题，如“2025 年度人工智能领域创新积分榜公示”"),
            "field": _("积分榜重点公布的领域；可不选"),
            "ends_on": _("含当日；此后页面显示公示已结束，不再受理异议"),
        }

    def __init__(self, *args: Any, board: Leaderboard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.board = board
        fields = board_fields()
        field = self.fields["field"]
        field.queryset = IndustryField.objects.filter(pk__in=[f.pk for f in fields])  # type: ignore[attr-defined]
        field.choices = [("", gettext("不限领域"))] + [  # type: ignore[attr-defined]
            (f.pk, localised_industry(f.name)) for f in fields
        ]
        if not self.is_bound:
            self.initial.setdefault("title", gettext("%(title)s 公示") % {"title": board.title})
            named = [f for f in fields if board.kind == "industry" and f.name == board.filter_value]
            if named:
                self.initial.setdefault("field", named[0].pk)
            start = publicity.today()
            self.initial.setdefault("starts_on", start)
            self.initial.setdefault("ends_on", start + dt.timedelta(days=6))
        self.fields["reply_days"] = with_unit(self.fields["reply_days"], str(_("天")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", gettext("结束日期不能早于开始日期"))
        if self.board.status != "published":
            raise forms.ValidationError(gettext("榜单发布后才能公示"))
        if data.get("reply_days") == 0:
            self.add_error("reply_days", gettext("答复期限至少 1 天"))
        return data


class ObjectionForm(forms.Form):
    subject = forms.CharField(
        label=_("涉及的企业或名次"),
        max_length=200,
        required=False,
        help_text=_("可不填：对整个名单提出异议时留空"),
    )
    name = forms.CharField(label=_("异议人姓名或单位"), max_length=64)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=32,
        required=False,
        validators=[RegexValidator(r"^[0-9+()\- ]*$", _("电话号码只能包含数字、空格和 + - ( )"))],
    )
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    text = forms.CharField(
        label=_("异议内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("请写明事实与理由，不超过 2000 字"),
    )
    attachment = forms.FileField(label=_("附件（可选）"), required=False)
    answer = forms.CharField(label=_("验证"), max_length=4)
    token = forms.CharField(widget=forms.HiddenInput)
    website = forms.CharField(
        label=_("请勿填写此项"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.challenge = challenge.new()
        self.fields["token"].initial = self.challenge.token
        self.fields["answer"].label = gettext("验证：%(a)d 加 %(b)d 等于几？") % {
            "a": self.challenge.a,
            "b": self.challenge.b,
        }
        self.fields["answer"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        limit = publicity.max_attachment_bytes() / publicity.MiB
        self.fields["attachment"].help_text = gettext(
            "PDF、JPG、PNG、DOCX 或 XLSX，不超过 %(limit).0f MB"
        ) % {"limit": limit}

    def clean_attachment(self) -> Any:
        upload = self.cleaned_data.get("attachment")
        if upload:
            problem = publicity.attachment_problem(upload.name or "", upload.size or 0)
            if problem is not None:
                raise forms.ValidationError(problem)
        return upload or None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("phone") or "").strip() and not data.get("email"):
            self.add_error("phone", gettext("请留下电话或电子邮箱，以便答复"))
        token = self.data.get("token", "")
        if not challenge.passes(
            str(token), str(self.data.get("answer", "")), str(self.data.get("website", ""))
        ):
            self.add_error("answer", gettext("验证未通过，请重新计算后再提交"))
        # the page shows a fresh sum whatever happened (a used token answers only once)
        self.data = self.data.copy()
        self.data["token"] = self.challenge.token
        self.data["answer"] = ""
        return data


class OutcomeForm(forms.Form):
    status = forms.ChoiceField(
        label=_("处理结果"),
        choices=[(k, v) for k, v in Objection.STATUSES if k != "open"],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("将答复异议人；异议成立时随后启动更正测算"),
    )
