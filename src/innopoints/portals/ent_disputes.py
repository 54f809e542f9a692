"""企业端 disputes (异议): from its score's breakdown an enterprise disputes one of its values
(collection/disputes.py files it as a verification finding for the responsible source) and
follows the case on 「我的异议」: the deadline, the outcome, and the run that used a corrected
value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.accounts import scope
from innopoints.accounts.decorators import enterprise_required, require
from innopoints.analysis import publication
from innopoints.audit.log import record
from innopoints.collection import disputes
from innopoints.collection.models import Dispute, DisputeEvidence, FactValue
from innopoints.collection.source_columns import field_unit
from innopoints.collection.views import evidence_response
from innopoints.engine.fields import base_catalogue
from innopoints.registry.models import Enterprise
from innopoints.scoring.explain import Explanation, IndicatorLine
from innopoints.scoring.models import LARGE_RUN_FIELDS, Result, Run
from innopoints.scoring.used_values import used_facts
from innopoints.site import names
from innopoints.site.forms import with_unit


def _enterprise(request: HttpRequest) -> Enterprise:
    enterprise = scope.enterprise_of(request.user)
    if enterprise is None:
        raise Http404
    return enterprise


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented pattern); each is checked in the
    view by its declared size before it is read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return single(data, initial)


class DisputeForm(forms.Form):
    grounds = forms.ChoiceField(
        label=gettext_lazy("异议类型"), choices=Dispute.GROUNDS, widget=forms.RadioSelect
    )
    claimed_value = forms.FloatField(
        label=gettext_lazy("您认为正确的数值"),
        required=False,
        help_text=gettext_lazy("不清楚可留空"),
    )
    statement = forms.CharField(
        label=gettext_lazy("异议说明"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=gettext_lazy("说明数值为何有误、已过时或缺失，以及正确数值的依据"),
    )
    evidence = MultipleFileField(
        label=gettext_lazy("证明材料"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ",".join(disputes.EVIDENCE_TYPES)}),
    )

    def __init__(self, *args: Any, field_code: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = field_unit(field_code)
        if unit:
            with_unit(self.fields["claimed_value"], unit)
        self.fields["evidence"].help_text = _(
            "PDF、图片（JPG/PNG）、Excel、Word 或 ZIP，最多 %(n)d 个文件，每个不超过 %(mb)d MB"
        ) % {"n": disputes.MAX_FILES, "mb": disputes.MAX_EVIDENCE // (1024 * 1024)}


def _uploads(request: HttpRequest) -> tuple[list[disputes.Evidence], list[str]]:
    """The evidence files, each checked by its declared size before it is read."""
    files, problems = [], []
    uploads = request.FILES.getlist("evidence")
    if len(uploads) > disputes.MAX_FILES:
        return [], [_("证明材料最多 %(n)d 个文件") % {"n": disputes.MAX_FILES}]
    for upload in uploads:
        name = upload.name or ""
        problem = disputes.evidence_problem(name, upload.size or 0)
        if problem is not None:
            problems.append(problem)
            continue
        files.append(disputes.Evidence(name, upload.read()))
    return files, problems


@enterprise_required
def new(request: HttpRequest) -> HttpResponse:
    """Dispute one value (``fact``) or a missing one (``field``) of a run's breakdown."""
    enterprise = _enterprise(request)
    fact: FactValue | None = None
    if request.GET.get("fact", "").isdigit():
        fact = get_object_or_404(
            FactValue.objects.select_related("source"),
            pk=int(request.GET["fact"]),
            enterprise=enterprise,
        )
    run: Run | None = None
    if request.GET.get("run", "").isdigit():
        run = get_object_or_404(
            Run.objects.filter(results__enterprise=enterprise).defer(
                "input_fact_ids", "ranked_totals"
            ),
            pk=int(request.GET["run"]),
        )
    field_code = fact.field_code if fact is not None else request.GET.get("field", "")
    period = fact.period if fact is not None else (run.period if run is not None else "")
    if field_code not in base_catalogue() or not period:
        raise Http404
    existing = disputes.open_dispute(enterprise, period, field_code)
    if existing is not None:
        messages.info(request, _("该指标已有待处理的异议"))
        return HttpResponseRedirect(reverse("portals:ent_dispute", args=[existing.pk]))
    form = DisputeForm(request.POST or None, request.FILES or None, field_code=field_code)
    if request.method == "POST" and form.is_valid():
        files, problems = _uploads(request)
        for problem in problems:
            form.add_error("evidence", problem)
        if not problems:
            data = form.cleaned_data
            try:
                dispute = disputes.file_dispute(
                    enterprise,
                    user=request.user,
                    period=period,
                    field_code=field_code,
                    grounds=data["grounds"],
                    statement=data["statement"],
                    fact=fact,
                    claimed_value=data.get("claimed_value"),
                    evidence=files,
                    run_id=run.pk if run is not None else None,
                )
            except disputes.DisputeError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("异议已提交，处理期限前会有结果"))
                return HttpResponseRedirect(reverse("portals:ent_dispute", args=[dispute.pk]))
    context = {
        "title": _("对数值提出异议"),
        "form": form,
        "fact": fact,
        "field": names.field_name(field_code),
        "unit": field_unit(field_code),
        "period": period,
        "due_days": disputes.DUE_DAYS,
    }
    return render(request, "portals/ent_dispute_form.html", context)


@enterprise_required
def index(request: HttpRequest) -> HttpResponse:
    """我的异议: the enterprise's disputes, newest first."""
    enterprise = _enterprise(request)
    own = Dispute.objects.filter(enterprise=enterprise).select_related(
        "finding__responsible_source", "finding__corrected_value", "fact"
    )
    return render(request, "portals/ent_disputes.html", {"title": _("我的异议"), "disputes": own})


def run_using(enterprise: Enterprise, fact: FactValue) -> Result | None:
    """The first published result of the enterprise whose run used ``fact`` (a corrected
    value), or None while no published run has used it yet."""
    results = (
        Result.objects.filter(
            enterprise=enterprise,
            run__in=publication.published_runs(enterprise),
            run__period=fact.period,
            run__created_at__gte=fact.recorded_at,
        )
        .select_related("run")
        .defer(*LARGE_RUN_FIELDS)
        .order_by("run__created_at", "run_id")
    )
    for result in results:
        used = used_facts(result.run, result).get(fact.field_code, [])
        if any(f.pk == fact.pk for f in used):
            return result
    return None


@enterprise_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_object_or_404(
        Dispute.objects.select_related(
            "finding__responsible_source", "finding__corrected_value", "fact__source"
        ),
        pk=pk,
        enterprise=_enterprise(request),
    )
    require(request, "collection.view_dispute", dispute)
    corrected = dispute.finding.corrected_value
    used = run_using(dispute.enterprise, corrected) if corrected is not None else None
    record("view", obj=dispute, enterprise=dispute.enterprise, summary=_("查看企业异议"))
    context = {
        "title": _("异议 %(pk)s") % {"pk": dispute.pk},
        "dispute": dispute,
        "finding": dispute.finding,
        "field": names.field_name(dispute.finding.field_code),
        "unit": field_unit(dispute.finding.field_code),
        "evidence": dispute.evidence.defer("content"),
        "corrected": corrected,
        "used": used,
    }
    return render(request, "portals/ent_dispute.html", context)


@enterprise_required
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        DisputeEvidence.objects.select_related("dispute"),
        pk=pk,
        dispute__enterprise=_enterprise(request),
    )
    return evidence_response(found)


@dataclass(frozen=True)
class LineDispute:
    """What the breakdown shows beside one indicator: where to dispute it and the dispute
    whose corrected value this run used."""

    line: IndicatorLine
    url: str | None
    corrected_by: Dispute | None


def breakdown(result: Result, e: Explanation) -> list[LineDispute]:
    """The breakdown's lines with their dispute link and correction mark."""
    used_ids = {f.pk for line in e.lines for f in line.facts}
    corrected = {
        d.finding.corrected_value_id: d
        for d in Dispute.objects.filter(
            enterprise_id=result.enterprise_id, finding__corrected_value_id__in=used_ids
        ).select_related("finding")
    }
    catalogue = base_catalogue()
    rows = []
    for line in e.lines:
        own = [f for f in line.facts if f.field_code == line.code] or line.facts
        query: dict[str, Any] = {"run": result.run_id}
        if own:
            query["fact"] = own[0].pk
        elif line.code in catalogue:
            query["field"] = line.code
        url = (
            reverse("portals:ent_dispute_new") + "?" + urlencode(query) if len(query) > 1 else None
        )
        fix = next((corrected[f.pk] for f in line.facts if f.pk in corrected), None)
        rows.append(LineDispute(line, url, fix))
    return rows
