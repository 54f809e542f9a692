"""Pages of institutions' own offerings: 金融端 (my products, the publishing form with its
live preview, a product's page with the matched enterprises that authorised the institution
and their 预授信参考) and 政府端 (the review queue: 上架 or 退回 with a reason, 下架)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from innopoints.accounts import scope
from innopoints.accounts.decorators import government_required, institution_required
from innopoints.applications import publishing
from innopoints.applications.catalogue import rates_in_force
from innopoints.applications.forms import OfferingForm, PolicyForm, ReturnForm
from innopoints.applications.indication import Indication, indicate
from innopoints.applications.inputs import run_frame
from innopoints.applications.models import Match, Offering
from innopoints.applications.views import describe, terms_lines
from innopoints.collection.models import Authorisation
from innopoints.registry.models import Institution
from innopoints.scoring.models import Run


def _institution(request: HttpRequest) -> Institution:
    institution = scope.institution_of(request.user)
    if institution is None:
        raise Http404
    return institution


def _own(request: HttpRequest, pk: int) -> Offering:
    # another institution's offering is a 404: a bank sees only its own
    return get_object_or_404(
        Offering.objects.select_related("region", "institution"),
        pk=pk,
        institution=_institution(request),
    )


def _rules(offering: Offering) -> list[dict[str, Any]]:
    return describe(
        [
            {"test": c["test"], "rule": {k: v for k, v in c.items() if k != "test"}}
            for c in offering.eligibility or []
        ]
    )


def _versions(offering: Offering) -> list[Any]:
    return list(offering.history.select_related("history_user").order_by("-history_date")[:50])


def indications(run: Run, offering: Offering, enterprise_ids: list[int]) -> dict[int, Indication]:
    """预授信参考 of ``offering`` for these enterprises on ``run``: their tier and revenues."""
    if not enterprise_ids:
        return {}
    frame = run_frame(run, ["revenue", "revenue_prev"], enterprise_ids=enterprise_ids)
    rates = rates_in_force(timezone.localdate())
    columns = set(frame.columns)
    out = {}
    for row in frame.iter_rows(named=True):
        out[row["enterprise_id"]] = indicate(
            offering.terms or {},
            tier=row.get("tier"),
            revenue=row.get("revenue") if "revenue" in columns else None,
            revenue_prev=row.get("revenue_prev") if "revenue_prev" in columns else None,
            rates=rates,
        )
    return out


def _received(offering: Offering) -> dict[str, Any]:
    """Matches of the latest matched run: the count by tier for all, and by name only the
    enterprises with an active authorisation to the institution (its authorised scope)."""
    latest = (
        Match.objects.filter(offering=offering)
        .order_by("-run__created_at")
        .values_list("run_id", flat=True)
        .first()
    )
    if latest is None:
        return {"run": None, "total": 0, "rows": []}
    run = Run.objects.get(pk=latest)
    matched = Match.objects.filter(offering=offering, run=run)
    authorised = set(
        Authorisation.objects.active_on(timezone.localdate())
        .filter(institution_id=offering.institution_id)
        .values_list("enterprise_id", flat=True)
    )
    mine = list(matched.filter(enterprise_id__in=authorised).select_related("enterprise")[:200])
    shown = indications(run, offering, [m.enterprise_id for m in mine])
    rows = [{"match": m, "indication": shown.get(m.enterprise_id)} for m in mine]
    return {"run": run, "total": matched.count(), "rows": rows}


@institution_required
def fin_offerings(request: HttpRequest) -> HttpResponse:
    rows = publishing.own_offerings(_institution(request)).order_by("-pk")
    return render(
        request,
        "applications/fin_offerings.html",
        {"title": _("我的产品"), "offerings": rows},
    )


@institution_required
def fin_offering_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    institution = _institution(request)
    offering = _own(request, pk) if pk is not None else None
    if offering is not None and offering.review_state not in publishing.EDITABLE:
        messages.error(request, _("已上架或待审核的产品不能修改；已上架的产品须先下架"))
        return HttpResponseRedirect(reverse("applications:fin_offering", args=[offering.pk]))
    form = OfferingForm(request.POST or None, offering=offering)
    if request.method == "POST" and form.is_valid():
        try:
            saved = publishing.save_draft(
                institution, form.data_for_offering(), request.user, offering
            )
            if "submit" in request.POST:
                publishing.submit(saved, request.user)
                messages.success(request, _("产品已提交审核"))
            else:
                messages.success(request, _("草稿已保存"))
        except publishing.ReviewError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:  # the model's own checks: shown, nothing saved
            form.add_error(None, " ".join(exc.messages))
        else:
            return HttpResponseRedirect(reverse("applications:fin_offering", args=[saved.pk]))
    title = _("修改产品：%(name)s") % {"name": offering.name} if offering else _("发布新产品")
    return render(
        request,
        "applications/fin_offering_form.html",
        {
            "title": title,
            "form": form,
            "offering": offering,
            "preview_url": reverse("applications:fin_offering_preview"),
            "cancel_url": reverse("applications:fin_offerings"),
            "submit_label": _("保存并提交审核"),
        },
    )


@institution_required
@require_POST
def fin_offering_preview(request: HttpRequest) -> HttpResponse:
    """The live preview (htmx): the form's rules on the latest published run."""
    institution = _institution(request)
    form = OfferingForm(request.POST)
    if form.is_valid():
        data = form.data_for_offering()
        result = publishing.preview(
            data["eligibility"], data["terms"], institution=institution, region=data["region"]
        )
    else:
        result = {"run": None, "total": 0, "tiers": [], "error": _("请先修正表单中的错误")}
    return render(request, "applications/_offering_preview.html", {"preview": result})


@institution_required
def fin_offering(request: HttpRequest, pk: int) -> HttpResponse:
    offering = _own(request, pk)
    context = {
        "title": offering.name,
        "offering": offering,
        "terms": terms_lines(offering),
        "rules": _rules(offering),
        "versions": _versions(offering),
        "preview": publishing.preview(
            offering.eligibility,
            offering.terms,
            institution=offering.institution,
            region=offering.region,
        ),
        "received": _received(offering),
    }
    return render(request, "applications/fin_offering.html", context)


def _step(request: HttpRequest, offering: Offering, step: Any, done: str, *args: Any) -> None:
    try:
        step(offering, request.user, *args)
    except publishing.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)


@institution_required
@require_POST
def fin_offering_submit(request: HttpRequest, pk: int) -> HttpResponse:
    offering = _own(request, pk)
    _step(request, offering, publishing.submit, _("产品已提交审核"))
    return HttpResponseRedirect(reverse("applications:fin_offering", args=[pk]))


@institution_required
@require_POST
def fin_offering_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    offering = _own(request, pk)
    _step(request, offering, publishing.withdraw, _("产品已下架"))
    return HttpResponseRedirect(reverse("applications:fin_offering", args=[pk]))


@government_required
def gov_offerings(request: HttpRequest) -> HttpResponse:
    rows = publishing.review_queue(request.user)
    pending = [o for o in rows if o.review_state == Offering.Review.PENDING]
    others = [o for o in rows.order_by("-pk") if o.review_state != Offering.Review.PENDING]
    return render(
        request,
        "applications/gov_offerings.html",
        {"title": _("产品审核"), "pending": pending, "others": others},
    )


def _reviewable(request: HttpRequest, pk: int) -> Offering:
    offering = get_object_or_404(
        Offering.objects.select_related("region", "institution"),
        pk=pk,
        institution__isnull=False,
    )
    if not publishing.may_review(request.user, offering):
        raise Http404
    return offering


@government_required
def gov_offering(request: HttpRequest, pk: int) -> HttpResponse:
    offering = _reviewable(request, pk)
    form = ReturnForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "approve":
            _step(request, offering, publishing.approve, _("产品已上架"))
        elif action == "withdraw":
            _step(request, offering, publishing.withdraw, _("产品已下架"))
        elif action == "return":
            if form.is_valid():
                _step(
                    request,
                    offering,
                    publishing.send_back,
                    _("产品已退回"),
                    form.cleaned_data["reason"],
                )
            else:
                messages.error(request, _("退回须填写原因"))
        return HttpResponseRedirect(reverse("applications:gov_offering", args=[pk]))
    context = {
        "title": offering.name,
        "offering": offering,
        "terms": terms_lines(offering),
        "rules": _rules(offering),
        "versions": _versions(offering),
        "preview": publishing.preview(
            offering.eligibility,
            offering.terms,
            institution=offering.institution,
            region=offering.region,
        ),
        "form": form,
    }
    return render(request, "applications/gov_offering.html", context)


# -- 政府政策: a government's own policies and product lists -----------------------------------


def _policy(request: HttpRequest, pk: int) -> Offering:
    offering = get_object_or_404(
        Offering.objects.select_related("region", "issuer_region"), pk=pk, institution__isnull=True
    )
    if not publishing.may_manage_policy(request.user, offering):
        raise Http404
    return offering


@government_required
def gov_policies(request: HttpRequest) -> HttpResponse:
    rows = publishing.government_policies(request.user).order_by("-pk")
    return render(
        request,
        "applications/gov_policies.html",
        {"title": _("政府政策"), "offerings": rows},
    )


@government_required
def gov_policy_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    offering = _policy(request, pk) if pk is not None else None
    if offering is not None and offering.review_state == Offering.Review.ON_SHELF:
        messages.error(request, _("已上架的政策须先下架再修改"))
        return HttpResponseRedirect(reverse("applications:gov_policy", args=[offering.pk]))
    form = PolicyForm(request.POST or None, offering=offering)
    if request.method == "POST" and form.is_valid():
        try:
            saved = publishing.save_policy(form.data_for_offering(), request.user, offering)
            if "submit" in request.POST:
                publishing.publish_policy(saved, request.user)
                messages.success(request, _("政策已发布上架"))
            else:
                messages.success(request, _("草稿已保存"))
        except publishing.ReviewError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            return HttpResponseRedirect(reverse("applications:gov_policy", args=[saved.pk]))
    title = _("修改政策：%(name)s") % {"name": offering.name} if offering else _("发布新政策")
    return render(
        request,
        "applications/fin_offering_form.html",
        {
            "title": title,
            "form": form,
            "offering": offering,
            "preview_url": reverse("applications:gov_policy_preview"),
            "cancel_url": reverse("applications:gov_policies"),
            "submit_label": _("保存并发布上架"),
        },
    )


@government_required
@require_POST
def gov_policy_preview(request: HttpRequest) -> HttpResponse:
    form = PolicyForm(request.POST)
    if form.is_valid():
        data = form.data_for_offering()
        result = publishing.preview(
            data["eligibility"], data["terms"], institution=None, region=data["region"]
        )
    else:
        result = {"run": None, "total": 0, "tiers": [], "error": _("请先修正表单中的错误")}
    return render(request, "applications/_offering_preview.html", {"preview": result})


@government_required
def gov_policy(request: HttpRequest, pk: int) -> HttpResponse:
    offering = _policy(request, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "publish":
            _step(request, offering, publishing.publish_policy, _("政策已发布上架"))
        elif action == "withdraw":
            _step(request, offering, publishing.withdraw, _("政策已下架"))
        return HttpResponseRedirect(reverse("applications:gov_policy", args=[pk]))
    context = {
        "title": offering.name,
        "offering": offering,
        "terms": terms_lines(offering),
        "rules": _rules(offering),
        "versions": _versions(offering),
        "preview": publishing.preview(
            offering.eligibility, offering.terms, institution=None, region=offering.region
        ),
    }
    return render(request, "applications/gov_policy.html", context)
