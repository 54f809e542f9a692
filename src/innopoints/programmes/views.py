"""Pages of 风险补偿与奖补. Government: programmes (edit, ledger, funds), the filings queue
(前置审核), the claims queue (approve, pay), subsidies and schemes, awards, the relending
report. Bank: its filings and claims, the filing and claim forms. A queue's actions post to
the queue's own page with the row's id; a refused request says why and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from innopoints.accounts import scope
from innopoints.accounts.decorators import government_required, institution_required, require
from innopoints.applications.models import Financing
from innopoints.audit.log import record
from innopoints.programmes import pool, relending, subsidies
from innopoints.programmes.forms import (
    ClaimForm,
    ComputeForm,
    FilingForm,
    FundForm,
    ProgrammeForm,
    SchemeForm,
    financing_label,
    governed_financings,
)
from innopoints.programmes.models import (
    Claim,
    Filing,
    LedgerEntry,
    Programme,
    Subsidy,
    SubsidyScheme,
)
from innopoints.programmes.pool import ProgrammeError

SHOWN = 200  # rows of a queue on one page (newest first)


def _visible_programmes(user: Any) -> list[Programme]:
    return [
        p
        for p in Programme.objects.select_related("region").prefetch_related("institutions")
        if scope.overlaps_region(user, p.region)
    ]


def _governed(user: Any, queryset: QuerySet[Any], field: str) -> QuerySet[Any]:
    return queryset.filter(scope.enterprise_filter(user, field))


def _pk(request: HttpRequest, name: str) -> int:
    try:
        return int(request.POST.get(name) or request.GET.get(name) or 0)
    except ValueError:
        return 0


# -- government: programmes and their ledgers -----------------------------------------------


@government_required
def gov_programmes(request: HttpRequest) -> HttpResponse:
    rows = [(p, pool.summary(p)) for p in _visible_programmes(request.user)]
    return render(
        request,
        "programmes/gov_programmes.html",
        {
            "title": _("风险补偿资金池"),
            "rows": rows,
            "tab": "programmes",
            "can_add": request.user.has_perm("programmes.add_programme"),
        },
    )


@government_required
def gov_programme_form(request: HttpRequest) -> HttpResponse:
    pk = _pk(request, "pk")
    programme = get_object_or_404(Programme, pk=pk) if pk else None
    if programme is not None:
        require(request, "programmes.manage_programme", programme)
    else:
        require(request, "programmes.add_programme")
    form = ProgrammeForm(request.POST or None, instance=programme, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        record(
            "update" if programme else "create",
            obj=saved,
            summary=f"{'修改' if programme else '设立'}风险补偿资金池：{saved.name}",
        )
        messages.success(request, _("已保存：%(name)s") % {"name": saved.name})
        return redirect("programmes:gov_programmes")
    return render(
        request,
        "programmes/form.html",
        {
            "title": _("修改风险补偿资金池") if programme else _("设立风险补偿资金池"),
            "form": form,
            "back": "programmes:gov_programmes",
            "tab": "programmes",
        },
    )


@government_required
def gov_ledger(request: HttpRequest) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=_pk(request, "programme"))
    if not scope.overlaps_region(request.user, programme.region):
        raise PermissionDenied
    can_manage = request.user.has_perm("programmes.manage_programme", programme)
    form = FundForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                pool.add_funds(
                    programme, form.cleaned_data["amount"], request.user, form.cleaned_data["note"]
                )
            except ProgrammeError as error:
                form.add_error("amount", str(error))
            else:
                messages.success(request, _("资金已注入"))
                return redirect(f"{request.path}?programme={programme.pk}")
    entries = LedgerEntry.objects.filter(programme=programme).select_related(
        "filing__financing__enterprise", "recorded_by"
    )
    return render(
        request,
        "programmes/gov_ledger.html",
        {
            "title": _("资金池台账：%(name)s") % {"name": programme.name},
            "programme": programme,
            "figures": pool.summary(programme),
            "entries": entries,
            "form": form if can_manage else None,
            "tab": "programmes",
        },
    )


# -- government: queues ---------------------------------------------------------------------


@government_required
def gov_filings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        filing = get_object_or_404(
            Filing.objects.select_related("financing__enterprise__region", "programme"),
            pk=_pk(request, "filing"),
        )
        require(request, "programmes.decide", filing)
        decision = request.POST.get("decision")
        try:
            if decision == "close":
                pool.close_filing(filing, request.user)
            else:
                pool.check_filing(
                    filing,
                    accept=decision == "accept",
                    reason=request.POST.get("reason", ""),
                    user=request.user,
                )
        except ProgrammeError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("已办理"))
        return redirect("programmes:gov_filings")
    status = request.GET.get("status", "")
    filings = _governed(
        request.user,
        Filing.objects.select_related("programme", "financing__enterprise", "institution"),
        "financing__enterprise",
    )
    if status in Filing.Status.values:
        filings = filings.filter(status=status)
    return render(
        request,
        "programmes/gov_filings.html",
        {
            "title": _("备案审核"),
            "filings": filings[:SHOWN],
            "statuses": Filing.Status.choices,
            "status": status,
            "tab": "filings",
        },
    )


def _decide_or_pay(
    request: HttpRequest, item: Any, *, decide: Callable[..., Any], pay: Callable[..., Any]
) -> None:
    """Government's approve / refuse (with reason) / pay of a claim or a subsidy; a refused
    step shows its message and changes nothing."""
    require(request, "programmes.decide", item)
    decision = request.POST.get("decision")
    try:
        if decision == "pay":
            pay(item, request.user)
        else:
            decide(
                item,
                approve=decision == "approve",
                reason=request.POST.get("reason", ""),
                user=request.user,
            )
    except ProgrammeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("已办理"))


@government_required
def gov_claims(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        claim = get_object_or_404(
            Claim.objects.select_related("filing__financing__enterprise__region"),
            pk=_pk(request, "claim"),
        )
        _decide_or_pay(request, claim, decide=pool.decide_claim, pay=pool.pay_claim)
        return redirect("programmes:gov_claims")
    claims = _governed(
        request.user,
        Claim.objects.select_related(
            "filing__programme", "filing__financing__enterprise", "institution"
        ),
        "filing__financing__enterprise",
    )
    rows = [
        (c, pool.compute_payout(c) if c.status == Claim.Status.CLAIMED else None)
        for c in claims[:SHOWN]
    ]
    return render(
        request,
        "programmes/gov_claims.html",
        {"title": _("代偿审批"), "rows": rows, "tab": "claims"},
    )


# -- government: subsidies, schemes, awards, relending --------------------------------------


def _act_on_subsidy(request: HttpRequest) -> None:
    subsidy = get_object_or_404(
        Subsidy.objects.select_related("financing__enterprise__region"),
        pk=_pk(request, "subsidy"),
    )
    _decide_or_pay(request, subsidy, decide=subsidies.decide, pay=subsidies.pay)


OPTIONS_SHOWN = 20


@government_required
def gov_financing_options(request: HttpRequest) -> JsonResponse:
    """The compute form's financing search: granted financings of the user's division whose
    enterprise name contains, or credit code starts with, what was typed."""
    query = request.GET.get("q", "").strip()[:60]
    found = governed_financings(request.user)
    if query:
        found = found.filter(
            Q(enterprise__name__icontains=query) | Q(enterprise__credit_code__startswith=query)
        )
    chunk = found.order_by("-disbursed_on", "-pk")[:OPTIONS_SHOWN]
    return JsonResponse({"results": [{"value": f.pk, "label": financing_label(f)} for f in chunk]})


@government_required
def gov_subsidies(request: HttpRequest) -> HttpResponse:
    form = ComputeForm(
        request.POST if "compute" in request.POST else None,
        user=request.user,
        search_url=reverse("programmes:gov_financing_options"),
    )
    if request.method == "POST" and "subsidy" in request.POST:
        _act_on_subsidy(request)
        return redirect("programmes:gov_subsidies")
    if request.method == "POST" and form.is_valid():
        try:
            made = subsidies.propose(
                form.cleaned_data["scheme"],
                form.cleaned_data["financing"],
                request.user,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                paid=form.cleaned_data["paid"],
            )
        except ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("已计算：%(v)s 万元（%(how)s）") % {"v": made.amount, "how": made.explanation},
            )
            return redirect("programmes:gov_subsidies")
    rows = _governed(
        request.user,
        Subsidy.objects.exclude(scheme__kind="award").select_related(
            "scheme", "financing__enterprise", "financing__institution"
        ),
        "financing__enterprise",
    )
    return render(
        request,
        "programmes/gov_subsidies.html",
        {
            "title": _("贴息与保费补贴"),
            "rows": rows[:SHOWN],
            "schemes": [
                s
                for s in SubsidyScheme.objects.select_related("region")
                if scope.overlaps_region(request.user, s.region)
            ],
            "form": form,
            "tab": "subsidies",
        },
    )


@government_required
def gov_scheme_form(request: HttpRequest) -> HttpResponse:
    pk = _pk(request, "pk")
    scheme = get_object_or_404(SubsidyScheme, pk=pk) if pk else None
    if scheme is not None:
        require(request, "programmes.manage_programme", scheme)
    form = SchemeForm(request.POST or None, instance=scheme, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        record("update" if scheme else "create", obj=saved, summary=f"保存奖补方案：{saved.name}")
        messages.success(request, _("已保存：%(name)s") % {"name": saved.name})
        return redirect("programmes:gov_subsidies")
    return render(
        request,
        "programmes/form.html",
        {
            "title": _("修改奖补方案") if scheme else _("新建奖补方案"),
            "form": form,
            "back": "programmes:gov_subsidies",
            "tab": "subsidies",
        },
    )


@government_required
def gov_awards(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "subsidy" in request.POST:
        _act_on_subsidy(request)
        return redirect("programmes:gov_awards")
    if request.method == "POST" and "detect" in request.POST:
        made = subsidies.propose_awards(
            request.user,
            financings=_governed(request.user, Financing.objects.all(), "enterprise"),
        )
        messages.success(request, _("新发现 %(n)d 项首次融资，已生成奖励建议") % {"n": len(made)})
        return redirect("programmes:gov_awards")
    rows = _governed(
        request.user,
        Subsidy.objects.filter(scheme__kind="award").select_related(
            "scheme", "financing__enterprise", "financing__institution"
        ),
        "financing__enterprise",
    )
    return render(
        request,
        "programmes/gov_awards.html",
        {"title": _("积分奖（首贷、首投、首保、首险）"), "rows": rows[:SHOWN], "tab": "awards"},
    )


@government_required
def gov_relending(request: HttpRequest) -> HttpResponse:
    records = _governed(request.user, Financing.objects.all(), "enterprise")
    record("export", object_type="applications.financing", summary="导出科技创新再贷款报表")
    return relending.report(records)


# -- bank -----------------------------------------------------------------------------------


def _institution(request: HttpRequest) -> Any:
    institution = scope.institution_of(request.user)
    if institution is None:
        raise PermissionDenied
    return institution


@institution_required
def fin_filings(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    filings = Filing.objects.filter(institution=institution).select_related(
        "programme", "financing__enterprise"
    )
    return render(
        request,
        "programmes/fin_filings.html",
        {
            "title": _("风险补偿备案"),
            "filings": filings[:SHOWN],
            "programmes": institution.programmes.all(),
            "tab": "filings",
        },
    )


@institution_required
def fin_claims(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    claims = Claim.objects.filter(institution=institution).select_related(
        "filing__programme", "filing__financing__enterprise"
    )
    return render(
        request,
        "programmes/fin_claims.html",
        {"title": _("代偿申请"), "claims": claims[:SHOWN], "tab": "claims"},
    )


@institution_required
def fin_filing_new(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    require(request, "programmes.file_loan")
    form = FilingForm(request.POST or None, institution=institution)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pool.file_loan(
                data["programme"],
                data["financing"],
                institution,
                request.user,
                covered_amount=data["covered_amount"],
                reference=data["reference"],
                flexible_use=data["flexible_use"],
            )
        except ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已备案，等待政府前置审核"))
            return redirect("programmes:fin_filings")
    return render(
        request,
        "programmes/form.html",
        {"title": _("贷款备案"), "form": form, "back": "programmes:fin_filings", "tab": "filings"},
    )


@institution_required
def fin_claim_new(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    filing = get_object_or_404(
        Filing.objects.filter(institution=institution).select_related(
            "programme", "financing__enterprise"
        ),
        pk=_pk(request, "filing"),
    )
    require(request, "programmes.claim", filing)
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pool.file_claim(
                filing,
                form.cleaned_data["loss"],
                institution,
                request.user,
                reference=form.cleaned_data["reference"],
            )
        except ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已提交代偿申请"))
            return redirect("programmes:fin_claims")
    return render(
        request,
        "programmes/form.html",
        {
            "title": _("申请代偿：%(e)s") % {"e": filing.financing.enterprise.name},
            "form": form,
            "hidden": {"filing": filing.pk},
            "intro": _("纳入金额 %(c)s 万元，尚可申请 %(r)s 万元")
            % {"c": filing.covered_amount, "r": pool.claimable(filing)},
            "back": "programmes:fin_claims",
            "tab": "claims",
        },
    )
