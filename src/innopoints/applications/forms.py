"""The form an institution fills to publish its own offering: the eligibility rules and terms
of ``matching.py`` as fields (never JSON), turned into the offering's rules by ``rules()``
and ``terms()``; conditions the form does not show (set by government in the catalogue) are
kept as they were."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.applications.models import Offering, ReferenceRate
from innopoints.applications.publishing import INSTITUTION_KINDS
from innopoints.registry.english import localised
from innopoints.registry.models import Qualification, Region
from innopoints.site.forms import DateInput, with_unit

TIERS = ("A", "B", "C", "D")
FORM_TESTS = {"no_veto", "tier", "score", "rank_share", "qualification", "authorisation"}


def _number(value: Decimal | None) -> int | float | None:
    """A form's Decimal as the number stored in the rules (JSON): whole numbers as int."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


class RegionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return localised(obj.name)


class OfferingForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("产品名称"), max_length=120)
    kind = forms.ChoiceField(label=gettext_lazy("类型"))
    region = RegionChoice(
        label=gettext_lazy("适用地区"),
        queryset=Region.objects.filter(level__lte=2),
        required=False,
        empty_label=gettext_lazy("不限地区"),
    )
    valid_from = forms.DateField(label=gettext_lazy("有效期起"), widget=DateInput())
    valid_to = forms.DateField(label=gettext_lazy("有效期止"), widget=DateInput(), required=False)
    description = forms.CharField(
        label=gettext_lazy("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    # eligibility
    no_veto = forms.BooleanField(label=gettext_lazy("未被清零（一票否决）"), required=False)
    tiers = forms.MultipleChoiceField(
        label=gettext_lazy("积分档次"),
        choices=[(t, t) for t in TIERS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("不选为不限档次"),
    )
    min_score = forms.DecimalField(
        label=gettext_lazy("总积分不低于"), required=False, min_value=0, decimal_places=2
    )
    rank_share = forms.DecimalField(
        label=gettext_lazy("排名前"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=100,
        decimal_places=2,
    )
    rank_within = forms.ChoiceField(
        label=gettext_lazy("排名范围"),
        choices=[("overall", gettext_lazy("全部企业")), ("stage", gettext_lazy("成长阶段内"))],
        initial="overall",
    )
    qualifications = forms.MultipleChoiceField(
        label=gettext_lazy("资质（具备其一）"),
        choices=Qualification.KINDS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    authorisation = forms.BooleanField(
        label=gettext_lazy("须已授权本机构查看积分档案"), required=False
    )
    # terms
    max_amount = forms.DecimalField(
        label=gettext_lazy("最高额度"), required=False, min_value=0, decimal_places=2
    )
    revenue_multiple = forms.DecimalField(
        label=gettext_lazy("营业收入倍数"),
        required=False,
        min_value=Decimal("0.0001"),
        decimal_places=4,
        help_text=gettext_lazy("额度为最高额度与近两年平均营业收入 × 倍数中的较小者"),
    )
    rate_base = forms.ChoiceField(label=gettext_lazy("基准利率"), required=False)
    spread_bp = forms.DecimalField(label=gettext_lazy("点差"), required=False, decimal_places=1)
    fixed_rate = forms.DecimalField(
        label=gettext_lazy("固定年利率"), required=False, min_value=0, decimal_places=3
    )
    guarantee_share = forms.DecimalField(
        label=gettext_lazy("担保比例"), required=False, min_value=0, max_value=100
    )
    term_months = forms.IntegerField(label=gettext_lazy("期限"), required=False, min_value=1)
    note = forms.CharField(label=gettext_lazy("条款说明"), max_length=300, required=False)

    def __init__(self, *args: Any, offering: Offering | None = None, **kwargs: Any) -> None:
        self.offering = offering
        if offering is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(offering)
        kwargs.setdefault("initial", {}).setdefault("no_veto", True)
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.fields["kind"].choices = [
            (k, label) for k, label in Offering.Kind.choices if k in INSTITUTION_KINDS
        ]
        codes = dict(ReferenceRate.objects.order_by("code", "-as_of").values_list("code", "name"))
        self.fields["rate_base"].choices = [("", _("不设")), *codes.items()]
        for tier in TIERS:
            self.fields[f"spread_{tier}"] = with_unit(
                forms.DecimalField(
                    label=_("%(tier)s 档点差") % {"tier": tier}, required=False, decimal_places=1
                ),
                "bp",
            )
            if offering is not None and f"spread_{tier}" in self.initial:
                self.fields[f"spread_{tier}"].initial = self.initial[f"spread_{tier}"]
        with_unit(self.fields["max_amount"], _("万元"))
        with_unit(self.fields["rank_share"], "%")
        with_unit(self.fields["spread_bp"], "bp")
        with_unit(self.fields["fixed_rate"], "%")
        with_unit(self.fields["guarantee_share"], "%")
        with_unit(self.fields["term_months"], _("个月"))

    @staticmethod
    def initial_from(offering: Offering) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": offering.name,
            "kind": offering.kind,
            "region": offering.region_id,
            "valid_from": offering.valid_from,
            "valid_to": offering.valid_to,
            "description": offering.description,
            "no_veto": False,
        }
        for c in offering.eligibility or []:
            test = c.get("test")
            if test == "no_veto":
                data["no_veto"] = True
            elif test == "tier":
                data["tiers"] = c["in"]
            elif test == "score" and "min" in c:
                data["min_score"] = c["min"]
            elif test == "rank_share":
                data["rank_share"] = c["max"]
                data["rank_within"] = c.get("within", "overall")
            elif test == "qualification" and "any" in c:
                data["qualifications"] = c["any"]
            elif test == "authorisation":
                data["authorisation"] = True
        terms = offering.terms or {}
        data["max_amount"] = terms.get("max_amount")
        data["revenue_multiple"] = (terms.get("amount") or {}).get("revenue_multiple")
        rate = terms.get("rate") or {}
        data["fixed_rate"] = rate.get("fixed")
        data["rate_base"] = rate.get("base", "")
        data["spread_bp"] = rate.get("spread_bp")
        for tier, bp in (rate.get("tier_spread_bp") or {}).items():
            data[f"spread_{tier}"] = bp
        data["guarantee_share"] = terms.get("guarantee_share")
        data["term_months"] = terms.get("term_months")
        data["note"] = terms.get("note", "")
        return data

    def rules(self) -> list[dict[str, Any]]:
        d = self.cleaned_data
        rules: list[dict[str, Any]] = []
        if d.get("no_veto"):
            rules.append({"test": "no_veto"})
        if d.get("tiers"):
            rules.append({"test": "tier", "in": list(d["tiers"])})
        if d.get("min_score") is not None:
            rules.append({"test": "score", "min": _number(d["min_score"])})
        if d.get("rank_share") is not None:
            rule: dict[str, Any] = {"test": "rank_share", "max": _number(d["rank_share"])}
            if d.get("rank_within") == "stage":
                rule["within"] = "stage"
            rules.append(rule)
        if d.get("qualifications"):
            rules.append({"test": "qualification", "any": list(d["qualifications"])})
        if d.get("authorisation"):
            rules.append({"test": "authorisation"})
        kept = [
            c
            for c in (self.offering.eligibility if self.offering else [])
            if c.get("test") not in FORM_TESTS
            or (c.get("test") == "score" and "min" not in c)
            or (c.get("test") == "qualification" and "all" in c)
        ]
        return rules + kept

    def terms(self) -> dict[str, Any]:
        d = self.cleaned_data
        terms: dict[str, Any] = {}
        if d.get("max_amount") is not None:
            terms["max_amount"] = _number(d["max_amount"])
        if d.get("revenue_multiple") is not None:
            terms["amount"] = {"revenue_multiple": _number(d["revenue_multiple"])}
        if d.get("fixed_rate") is not None:
            terms["rate"] = {"fixed": _number(d["fixed_rate"])}
        elif d.get("rate_base"):
            rate: dict[str, Any] = {"base": d["rate_base"]}
            if d.get("spread_bp") is not None:
                rate["spread_bp"] = _number(d["spread_bp"])
            tiers = {
                t: _number(d[f"spread_{t}"]) for t in TIERS if d.get(f"spread_{t}") is not None
            }
            if tiers:
                rate["tier_spread_bp"] = tiers
            terms["rate"] = rate
        if d.get("guarantee_share") is not None:
            terms["guarantee_share"] = _number(d["guarantee_share"])
        if d.get("term_months") is not None:
            terms["term_months"] = d["term_months"]
        if d.get("note"):
            terms["note"] = d["note"]
        return terms

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("valid_to") and d.get("valid_from") and d["valid_to"] < d["valid_from"]:
            self.add_error("valid_to", _("有效期止不能早于有效期起"))
        if d.get("revenue_multiple") is not None and d.get("max_amount") is None:
            self.add_error("max_amount", _("按营业收入倍数计算额度时须填写最高额度"))
        if d.get("fixed_rate") is not None and d.get("rate_base"):
            self.add_error("fixed_rate", _("固定利率与基准利率加点只能选一种"))
        has_spread = d.get("spread_bp") is not None or any(
            d.get(f"spread_{t}") is not None for t in TIERS
        )
        if has_spread and not d.get("rate_base"):
            self.add_error("rate_base", _("填写点差时须选择基准利率"))
        return d

    def data_for_offering(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "kind": d["kind"],
            "region": d.get("region"),
            "valid_from": d["valid_from"],
            "valid_to": d.get("valid_to"),
            "description": d.get("description", ""),
            "eligibility": self.rules(),
            "terms": self.terms(),
        }


class PolicyForm(OfferingForm):
    """A government's own policy or product list: every kind (积分奖 and 一般政策 too), the
    issuing department named, and no authorisation condition (that one names an institution)."""

    issuer_name = forms.CharField(
        label=gettext_lazy("发布部门"),
        max_length=80,
        help_text=gettext_lazy("如：科学技术厅、财政局"),
    )

    def __init__(self, *args: Any, offering: Offering | None = None, **kwargs: Any) -> None:
        if offering is not None and "initial" not in kwargs:
            kwargs["initial"] = {**self.initial_from(offering), "issuer_name": offering.issuer_name}
        super().__init__(*args, offering=offering, **kwargs)
        self.fields["kind"].choices = Offering.Kind.choices
        self.fields["name"].label = gettext_lazy("政策或产品名称")
        del self.fields["authorisation"]

    def data_for_offering(self) -> dict[str, Any]:
        return {**super().data_for_offering(), "issuer_name": self.cleaned_data["issuer_name"]}


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("退回原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )
