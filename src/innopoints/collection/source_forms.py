"""The form of a data source's contact and scheduled pull (政府端 → 数据来源): the endpoint's
address, sign-in (the secret kept when left empty, never shown back), format, column mapping
written by names (``列名 = 指标名称``), period and interval."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from innopoints.collection.models import AUTH_KINDS, PULL_FORMATS, DataSource, SourceEndpoint
from innopoints.collection.pulls import DERIVED_HOURS, frequency
from innopoints.engine.fields import base_catalogue
from innopoints.engine.stage import reference_date
from innopoints.site.forms import with_unit
from innopoints.site.names import field_name

IDENTITY = ("credit_code", "name", "legal_representative", "established", "region", "industry")


def owned_fields(source: DataSource) -> set[str]:
    """The field codes a source's columns may map to: its own fields and the credit code (the
    registration authority: the registration details too)."""
    codes = set(source.fields.values_list("field_code", flat=True)) | {"credit_code"}
    if source.may_register_enterprises:
        codes |= set(IDENTITY)
    return codes


def mapping_text(mapping: dict[str, str]) -> str:
    return "\n".join(f"{column} = {field_name(code)}" for column, code in mapping.items())


class SourceForm(forms.Form):
    contact_email = forms.EmailField(
        label=_("联系人电子邮箱"),
        required=False,
        help_text=_("报送逾期或被拒收时，平台向此邮箱发送通知。"),
    )
    enabled = forms.BooleanField(label=_("启用定时拉取"), required=False)
    url = forms.CharField(
        label=_("接口地址"),
        required=False,
        max_length=500,
        help_text=_("http:// 或 https:// 地址；{period} 处填入所拉取的数据期"),
    )
    auth = forms.ChoiceField(label=_("认证方式"), choices=AUTH_KINDS, initial="none")
    username = forms.CharField(label=_("用户名"), required=False, max_length=150)
    secret = forms.CharField(
        label=_("令牌或密码"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    format = forms.ChoiceField(label=_("数据格式"), choices=PULL_FORMATS, initial="json")
    mapping = forms.CharField(
        label=_("列映射"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "每行一列：来源的列名 = 指标名称（或指标代码），如“nsrsbh = 统一社会信用代码”。"
            "未列出的列按指标名称或代码识别。"
        ),
    )
    period = forms.CharField(
        label=_("数据期"),
        required=False,
        max_length=16,
        help_text=_("留空：按共享频率取最近一个已结束的数据期（每年：上一年；半年：上一个半年）"),
    )
    interval_hours = with_unit(
        forms.IntegerField(label=_("拉取间隔"), required=False, min_value=1, max_value=24 * 366),
        _("小时"),  # type: ignore[arg-type]
    )
    timeout_seconds = with_unit(
        forms.IntegerField(label=_("超时"), min_value=1, max_value=300, initial=30),
        _("秒"),  # type: ignore[arg-type]
    )

    def __init__(self, *args: Any, source: DataSource, **kwargs: Any) -> None:
        self.source = source
        self.endpoint: SourceEndpoint | None = getattr(source, "endpoint", None)
        endpoint = self.endpoint
        initial = {"contact_email": source.contact_email}
        if endpoint is not None:
            initial.update(
                enabled=endpoint.enabled,
                url=endpoint.url,
                auth=endpoint.auth,
                username=endpoint.username,
                format=endpoint.format,
                mapping=mapping_text(endpoint.mapping or {}),
                period=endpoint.period,
                interval_hours=endpoint.interval_hours,
                timeout_seconds=endpoint.timeout_seconds,
            )
        super().__init__(*args, initial=initial, **kwargs)
        hours = DERIVED_HOURS[frequency(source)]
        self.fields["interval_hours"].help_text = gettext(
            "留空：按共享频率确定（本来源 %(hours)d 小时）"
        ) % {"hours": hours}
        if endpoint is not None and endpoint.secret:
            self.fields["secret"].help_text = gettext("已保存（%(masked)s）；留空则不变") % {
                "masked": endpoint.masked_secret
            }

    def clean_url(self) -> str:
        url = (self.cleaned_data.get("url") or "").strip()
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url.replace("{period}", "2025"))
            except forms.ValidationError:
                raise forms.ValidationError(
                    gettext("请填写以 http:// 或 https:// 开头的完整地址")
                ) from None
        return url

    def clean_period(self) -> str:
        period = (self.cleaned_data.get("period") or "").strip()
        if period:
            try:
                reference_date(period)
            except ValueError:
                raise forms.ValidationError(
                    gettext("数据期 %(p)s 无效：应为年度（2025）或半年（2025H1）") % {"p": period}
                ) from None
        return period

    def clean_mapping(self) -> dict[str, str]:
        catalogue = base_catalogue()
        owned = owned_fields(self.source)
        mapping: dict[str, str] = {}
        problems = []
        for number, line in enumerate((self.cleaned_data.get("mapping") or "").splitlines(), 1):
            if not line.strip():
                continue
            column, sep, target = line.partition("=")
            column, target = column.strip(), target.strip()
            if not sep or not column or not target:
                problems.append(
                    gettext("第 %(n)d 行应为“列名 = 指标名称”：%(line)s")
                    % {"n": number, "line": line.strip()}
                )
                continue
            known = catalogue.for_header(target)
            if known is None:
                problems.append(
                    gettext("第 %(n)d 行：“%(t)s”不是已知的指标") % {"n": number, "t": target}
                )
            elif known.code not in owned:
                problems.append(
                    gettext("第 %(n)d 行：来源「%(source)s」不提供“%(field)s”")
                    % {"n": number, "source": self.source.name, "field": field_name(known.code)}
                )
            else:
                mapping[column] = known.code
        if problems:
            raise forms.ValidationError(problems)
        return mapping

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("enabled") and not data.get("url"):
            self.add_error("url", gettext("启用定时拉取须填写接口地址"))
        auth = data.get("auth")
        has_secret = bool(data.get("secret")) or bool(self.endpoint and self.endpoint.secret)
        if auth in {"bearer", "basic"} and not has_secret:
            self.add_error("secret", gettext("此认证方式须填写令牌或密码"))
        if auth == "basic" and not data.get("username"):
            self.add_error("username", gettext("用户名和密码认证须填写用户名"))
        return data

    def save(self, user: Any) -> SourceEndpoint | None:
        data = self.cleaned_data
        source = self.source
        if source.contact_email != data["contact_email"]:
            source.contact_email = data["contact_email"]
            source._history_user = user  # type: ignore[attr-defined]
            source.save(update_fields=["contact_email"])
        endpoint = self.endpoint
        if endpoint is None and not data["url"]:
            return None
        if endpoint is None:
            endpoint = SourceEndpoint(source=source)
        changed_where = endpoint.url != data["url"] or endpoint.period != data["period"]
        endpoint.enabled = data["enabled"]
        endpoint.url = data["url"]
        endpoint.auth = data["auth"]
        endpoint.username = data["username"] if data["auth"] == "basic" else ""
        if data["auth"] == "none":
            endpoint.secret = ""
        elif data["secret"]:
            endpoint.secret = data["secret"]
        endpoint.format = data["format"]
        endpoint.mapping = data["mapping"]
        endpoint.period = data["period"]
        endpoint.interval_hours = data["interval_hours"]
        endpoint.timeout_seconds = data["timeout_seconds"]
        if changed_where:  # a new address or period: pull at the next beat
            endpoint.next_pull_at = None
            endpoint.failures = 0
        endpoint._history_user = user  # type: ignore[attr-defined]
        endpoint.save()
        return endpoint
