"""目标与融资漏斗 pages: the targets government sets (with their history), and the financing
funnel by bank, product, division, tier or stage against the target (xlsx through the one
export writer)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from innopoints.accounts import scope
from innopoints.accounts.decorators import government_required, portal_required, require
from innopoints.analysis.publication import official_run
from innopoints.audit.log import record
from innopoints.core.exports import table_response
from innopoints.targets import funnel as funnel_figures
from innopoints.targets import progress as target_progress
from innopoints.targets.forms import TargetForm
from innopoints.targets.models import Target
from innopoints.targets.rollup import ensure_rollup


@government_required
def target_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    prefix = scope.region_prefix(user) or ""
    targets = Target.objects.select_related("division", "updated_by").order_by("division", "year")
    if prefix:  # its own divisions, and those above it (a city reads the province's)
        above = []
        region = scope.region_of(user)
        while region is not None:
            above.append(region.code)
            region = region.parent
        targets = targets.filter(Q(division__code__startswith=prefix) | Q(division__in=above))
    rows = [(t, user.has_perm("targets.set_target", t)) for t in targets]
    return render(
        request,
        "targets/target_list.html",
        {
            "title": _("目标管理"),
            "rows": rows,
            "may_add": user.has_perm("targets.set_target", None),
        },
    )


@government_required
def target_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    target = get_object_or_404(Target, pk=pk) if pk is not None else None
    if target is not None:
        require(request, "targets.set_target", target)
    else:
        require(request, "targets.set_target", None)
    form = TargetForm(request.POST or None, instance=target, user=user)
    if request.method == "POST" and form.is_valid():
        division = form.cleaned_data["division"]
        if not user.has_perm("targets.set_target", division):
            raise PermissionDenied
        with transaction.atomic():
            saved = form.save(commit=False)
            saved.updated_by = user
            saved.save()
        messages.success(request, _("目标已保存"))
        return HttpResponseRedirect(reverse("targets:list"))
    history = (
        target.history.select_related("history_user").order_by("-history_date")
        if target is not None
        else []
    )
    return render(
        request,
        "targets/target_form.html",
        {
            "title": _("修改目标") if target is not None else _("新增目标"),
            "form": form,
            "target": target,
            "history": history,
        },
    )


@portal_required("targets.view_funnel")
def funnel(request: HttpRequest) -> HttpResponse:
    user = request.user
    viewer = funnel_figures.viewer_of(user)
    if viewer is None:
        raise PermissionDenied
    by = request.GET.get("by", "bank")
    if by not in funnel_figures.BY:
        by = "bank"
    run = official_run(user if viewer.institution_id is None else None)
    ensure_rollup(run)  # a run matched before this app existed
    rows, total = funnel_figures.funnel(run, by, viewer)
    steps = [(s, funnel_figures.STEP_LABELS[s]) for s in funnel_figures.STEPS]
    if request.GET.get("format") == "xlsx":
        record("export", summary=_("导出融资漏斗（%(by)s）") % {"by": funnel_figures.BY[by]})
        headers = [str(funnel_figures.BY[by]), *[str(label) for _s, label in steps]]
        lines = [[r.label, *[r[s] for s, _l in steps]] for r in [*rows, total]]
        return table_response(f"funnel-{by}.xlsx", _("融资漏斗"), headers, lines)
    target = progress = None
    if viewer.institution_id is None:
        target = target_progress.target_of_user(user)
        if target is not None:
            progress = target_progress.progress(target, run)
    return render(
        request,
        "targets/funnel.html",
        {
            "title": _("融资漏斗与目标") if viewer.institution_id is None else _("融资漏斗"),
            "by": by,
            "groupings": list(funnel_figures.BY.items()),
            "steps": steps,
            "rows": rows,
            "total": total,
            "run": run,
            "target": target,
            "progress": progress,
            "is_government": viewer.institution_id is None,
            "may_add": viewer.institution_id is None and user.has_perm("targets.set_target", None),
        },
    )
