"""Pages of 积分应用 that belong to no single portal module: the government's uptake page
(政策推送成效) and the helpers the enterprise pages use to show matches and reasons."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.accounts import scope
from innopoints.accounts.decorators import government_required
from innopoints.analysis import publication
from innopoints.applications import matching
from innopoints.applications.catalogue import offerings_in_force, rates_in_force
from innopoints.applications.inputs import run_frame
from innopoints.applications.listings import UptakeTable
from innopoints.applications.models import Financing, Match, Offering, Push, ReferenceRate
from innopoints.registry.models import Enterprise, Qualification
from innopoints.site import names
from innopoints.site.listing import Listing

TEST_LABELS = {
    "score": gettext_lazy("总积分"),
    "tier": gettext_lazy("积分档次"),
    "rank_share": gettext_lazy("排名位次"),
    "stage": gettext_lazy("成长阶段"),
    "industry": gettext_lazy("产业领域"),
    "region": gettext_lazy("所在地区"),
    "qualification": gettext_lazy("资质"),
    "pool": gettext_lazy("培育库"),
    "no_veto": gettext_lazy("未被清零"),
    "authorisation": gettext_lazy("已授权发布机构"),
    "fact": gettext_lazy("指标"),
}
SIGNS = {"min": "≥", "gt": ">", "max": "≤", "lt": "<"}


def _label(test: str, rule: dict[str, Any]) -> str:
    if test == "fact":
        return names.field_name(str(rule.get("field", "")))
    return str(TEST_LABELS.get(test, test))


def _rule_text(test: str, rule: dict[str, Any]) -> str:
    kinds = dict(Qualification.KINDS)
    sep = _("、")
    if test == "rank_share":
        scope_name = _("阶段内") if rule.get("within") == "stage" else _("全部企业")
        return _("前 %(share)s%%（%(scope)s）") % {"share": rule["max"], "scope": scope_name}
    if test in {"score", "fact"}:
        return _("且").join(f"{SIGNS[k]} {rule[k]}" for k in SIGNS if k in rule)
    if test == "region":
        return _("位于 %(regions)s") % {
            "regions": sep.join(names.division_name(c) for c in rule["in"])
        }
    if test == "stage" and "in" in rule:
        return _("属于 %(values)s") % {"values": sep.join(names.stage_name(s) for s in rule["in"])}
    if "in" in rule:
        return _("属于 %(values)s") % {"values": sep.join(rule["in"])}
    if test in {"qualification", "pool"}:
        codes = rule.get("any") or rule.get("all") or []
        listed = sep.join(str(kinds.get(c, c)) for c in codes)
        return (_("具备其一：%(v)s") if "any" in rule else _("全部具备：%(v)s")) % {"v": listed}
    if test == "no_veto":
        return _("未触发一票否决")
    if test == "authorisation":
        return _("对发布机构有有效授权")
    return ""


def _value_text(value: Any) -> str:
    kinds = dict(Qualification.KINDS)
    if value is None:
        return _("（无数据）")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return _("、").join(str(kinds.get(v, v)) for v in value) or _("（无）")
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def describe(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reasons (stored or explained) as lines for a page: label, rule, value, passed."""
    lines = []
    for reason in reasons:
        test, rule = reason["test"], reason.get("rule", {})
        value = reason.get("value")
        if test == "no_veto" and isinstance(value, bool):
            value = not value  # stored: vetoed; shown: 未被清零 是/否
        shown = _value_text(value)
        if test == "region" and isinstance(value, str):
            shown = names.region_name(value)
        elif test == "stage" and isinstance(value, str):
            shown = names.stage_name(value)
        if test == "rank_share" and isinstance(value, int | float):
            shown = _("前 %(share)s%%") % {"share": f"{value:.2f}"}
        lines.append(
            {
                "label": _label(test, rule),
                "rule": _rule_text(test, rule),
                "value": shown,
                "ok": reason.get("ok", True),
            }
        )
    return lines


def terms_lines(offering: Offering) -> list[tuple[str, str]]:
    terms = offering.terms or {}
    lines: list[tuple[str, str]] = []
    if "max_amount" in terms:
        lines.append((_("最高额度"), _("%(v)s 万元") % {"v": terms["max_amount"]}))
    if "amount" in terms:
        lines.append(
            (
                _("额度规则"),
                _("最高额度与近两年平均营业收入 × %(k)s 中的较小者")
                % {"k": terms["amount"]["revenue_multiple"]},
            )
        )
    rate = terms.get("rate")
    if rate and "fixed" in rate:
        lines.append((_("年利率"), f"{rate['fixed']}%"))
    elif rate:
        tiers = _("，").join(
            _("%(tier)s 档 +%(bp)sbp") % {"tier": t, "bp": bp}
            for t, bp in rate.get("tier_spread_bp", {}).items()
        )
        base = (
            ReferenceRate.objects.filter(code=rate["base"]).values_list("name", flat=True).first()
        )
        text = _("%(base)s + %(bp)sbp") % {
            "base": base or rate["base"],
            "bp": rate.get("spread_bp", 0),
        }
        if tiers:
            text = _("%(rule)s（%(tiers)s）") % {"rule": text, "tiers": tiers}
        lines.append((_("利率规则"), text))
    if "guarantee_share" in terms:
        lines.append((_("担保比例"), f"{terms['guarantee_share']}%"))
    if "term_months" in terms:
        lines.append((_("期限"), _("%(n)s 个月") % {"n": terms["term_months"]}))
    for party, share in (terms.get("risk_sharing") or {}).items():
        lines.append((_("风险分担"), f"{party} {share}%"))
    if terms.get("note"):
        lines.append((_("说明"), terms["note"]))
    return lines


def current_matches(enterprise: Enterprise) -> list[Match]:
    """The enterprise's matches in the latest matched, published run that holds any."""
    latest = (
        Match.objects.filter(enterprise=enterprise, run__in=publication.published_runs(enterprise))
        .order_by("-run__created_at")
        .values_list("run_id", flat=True)
        .first()
    )
    if latest is None:
        return []
    return list(
        Match.objects.filter(enterprise=enterprise, run_id=latest).select_related(
            "offering__institution", "offering__issuer_region", "run"
        )
    )


def explain_offering(enterprise: Enterprise, offering: Offering) -> dict[str, Any] | None:
    """Why the enterprise is (not) eligible, on its latest published result: the vectorised
    rules on its one row. None when it has no published result."""
    result = publication.published_result(enterprise)
    if result is None:
        return None
    spec = offering.spec()
    frame = run_frame(
        result.run,
        matching.fact_fields([spec]),
        enterprise_ids=[enterprise.pk],
    )
    if frame.height != 1:
        return None
    rates = rates_in_force(timezone.localdate())
    lines = matching.explain(frame, spec, rates)
    return {"run": result.run, "lines": describe(lines), "eligible": all(x["ok"] for x in lines)}


@government_required
def uptake(request: HttpRequest) -> HttpResponse:
    """Per offering: enterprises matched, pushed, and applied (a financing of the same kind
    with the issuing institution, on or after the push) — the user's enterprises only."""
    user = request.user
    mine = scope.enterprise_filter(user)
    applied = Financing.objects.filter(
        enterprise=OuterRef("enterprise"),
        institution=OuterRef("offering__institution"),
        kind=OuterRef("offering__kind"),
        applied_on__gte=OuterRef("created_at__date"),
    )
    pushed = {
        row["offering"]: row
        for row in Push.objects.filter(mine)
        .annotate(applied=Exists(applied))
        .order_by()
        .values("offering")
        .annotate(n=Count("pk"), applied_n=Count("pk", filter=Q(applied=True)))
    }
    matched = dict(
        Match.objects.filter(mine)
        .order_by()
        .values_list("offering")
        .annotate(n=Count("enterprise", distinct=True))
    )
    in_force = set(offerings_in_force(timezone.localdate()).values_list("pk", flat=True))
    rows = []
    for offering in Offering.objects.select_related("institution", "issuer_region", "region"):
        if not scope.overlaps_region(user, offering.region):
            continue
        row = pushed.get(offering.pk, {})
        rows.append(
            {
                "offering": offering,
                "name": offering.name,
                "kind": str(offering.get_kind_display()),  # type: ignore[attr-defined]
                "issuer": offering.issuer,
                "matched": matched.get(offering.pk, 0),
                "pushed": row.get("n", 0),
                "applied": row.get("applied_n", 0) if offering.institution_id else None,
                "in_force": offering.pk in in_force,
            }
        )
    listing = Listing.build(request, UptakeTable, rows, export_name="uptake")
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "applications/gov_uptake.html",
        {"title": _("政策推送成效"), "rows": rows, "listing": listing},
    )
