"""公示与异议: the publisher's pages (put a published list on 公示, answer objections, start the
corrected run) and the public ones (the index of 公示 and each list with its objection form, no
sign-in). The rules are analysis/publicity.py's."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from innopoints.accounts import scope
from innopoints.accounts.decorators import government_required, require
from innopoints.analysis import publicity
from innopoints.analysis.models import Leaderboard, Objection, Publicity
from innopoints.analysis.publicity_forms import ObjectionForm, OutcomeForm, PublicityForm
from innopoints.audit.log import record
from innopoints.core.queue import BROKER_DOWN
from innopoints.registry.english import localised_industry
from innopoints.scoring.models import Run

ROWS_PER_PAGE = 100


def _governed(request: HttpRequest) -> QuerySet[Publicity]:
    runs = Run.objects.filter(scope.run_filter(request.user))
    return Publicity.objects.filter(board__run__in=runs.values("pk"))


def _objection(request: HttpRequest, pk: int) -> Objection:
    objection = get_object_or_404(
        Objection.objects.select_related(
            "publicity__board__run__scheme_version", "publicity__board__run__region"
        ).defer("attachment"),
        pk=pk,
    )
    require(request, "analysis.manage_board", objection.publicity.board)
    return objection


# -- the publisher ------------------------------------------------------------------------------


@government_required
def publicity_list(request: HttpRequest) -> HttpResponse:
    """Every 公示 of the user's jurisdiction, and the objections waiting for an answer (the
    publisher's inbox: each with its deadline, overdue ones marked)."""
    mine = (
        _governed(request)
        .select_related("board", "field")
        .annotate(
            n_open=Count("objections", filter=Q(objections__status="open")),
            n_all=Count("objections"),
        )
    )
    waiting = (
        Objection.objects.filter(publicity__in=_governed(request), status="open")
        .select_related("publicity")
        .defer("attachment")
        .order_by("deadline", "pk")
    )
    today = publicity.today()
    return render(
        request,
        "analysis/publicity_list.html",
        {
            "title": gettext("公示与异议"),
            "items": [(p, publicity.state(p, today)) for p in mine[:200]],
            "waiting": [(o, publicity.overdue(o, today)) for o in waiting[:200]],
            "boards": Leaderboard.objects.filter(
                status="published",
                run__in=Run.objects.filter(scope.run_filter(request.user)).values("pk"),
            ).order_by("-published_at")[:20],
        },
    )


@government_required
def publicity_new(request: HttpRequest, board_id: int) -> HttpResponse:
    board = get_object_or_404(Leaderboard.objects.select_related("run"), pk=board_id)
    require(request, "analysis.manage_board", board)
    form = PublicityForm(request.POST or None, board=board)
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        item.board, item.created_by = board, request.user
        item.save()
        record(
            "create",
            obj=item,
            summary=gettext("榜单“%(board)s”公示：%(start)s 至 %(end)s")
            % {"board": board.title, "start": item.starts_on, "end": item.ends_on},
        )
        messages.success(request, gettext("已设置公示：%(title)s") % {"title": item.title})
        return HttpResponseRedirect(reverse("analysis:publicity", args=[item.pk]))
    return render(
        request,
        "analysis/publicity_new.html",
        {
            "title": gettext("公示榜单：%(title)s") % {"title": board.title},
            "board": board,
            "form": form,
        },
    )


@government_required
def publicity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        Publicity.objects.select_related("board__run__region", "field", "created_by"), pk=pk
    )
    require(request, "analysis.view_board", item.board)
    objections = item.objections.defer("attachment").select_related("corrected_run")
    today = publicity.today()
    return render(
        request,
        "analysis/publicity_detail.html",
        {
            "title": item.title,
            "item": item,
            "state": publicity.state(item, today),
            "field_name": localised_industry(item.field.name) if item.field else "",
            "objections": [(o, publicity.overdue(o, today)) for o in objections],
        },
    )


@government_required
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    objection = _objection(request, pk)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            publicity.resolve(
                request, objection, form.cleaned_data["status"], form.cleaned_data["reason"]
            )
        except publicity.Refused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, gettext("已记录处理结果"))
        return HttpResponseRedirect(reverse("analysis:objection", args=[objection.pk]))
    record("view", obj=objection, summary=gettext("查看异议 %(n)s") % {"n": objection.number})
    return render(
        request,
        "analysis/objection.html",
        {
            "title": gettext("异议 %(number)s") % {"number": objection.number},
            "objection": objection,
            "item": objection.publicity,
            "overdue": publicity.overdue(objection),
            "form": form,
        },
    )


@government_required
@require_POST
def objection_run(request: HttpRequest, pk: int) -> HttpResponse:
    """The upheld objection's corrected run: 一键测算 of the same scheme version, period and
    division, linked to the objection."""
    objection = _objection(request, pk)
    old = objection.publicity.board.run
    require(request, "scoring.start_run", old.region)
    try:
        run, queued = publicity.start_corrected_run(request, objection)
    except publicity.Refused as refused:
        messages.error(request, str(refused))
        return HttpResponseRedirect(reverse("analysis:objection", args=[objection.pk]))
    if not queued:
        messages.warning(request, gettext(BROKER_DOWN))
    return HttpResponseRedirect(reverse("scoring:run", args=[run.pk]))


@government_required
def objection_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    objection = _objection(request, pk)
    content = Objection.objects.filter(pk=pk).values_list("attachment", flat=True).first()
    if not content:
        raise Http404
    record(
        "export",
        obj=objection,
        summary=gettext("下载异议 %(n)s 的附件") % {"n": objection.number},
    )
    response = HttpResponse(bytes(content), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="objection-{objection.pk}-file"'
    return response


# -- the public ---------------------------------------------------------------------------------


def public_index(request: HttpRequest) -> HttpResponse:
    items = publicity.visible().select_related("field").order_by("-starts_on", "-pk")
    today = publicity.today()
    rows = [
        (p, publicity.state(p, today), localised_industry(p.field.name) if p.field else "")
        for p in items[:200]
    ]
    return render(
        request,
        "analysis/public_index.html",
        {
            "title": gettext("创新积分榜公示"),
            "open": [r for r in rows if r[1] == publicity.OPEN],
            "closed": [r for r in rows if r[1] == publicity.CLOSED],
        },
    )


def public_page(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        publicity.visible().select_related("board__run__scheme_version", "field", "created_by"),
        pk=pk,
    )
    now = publicity.state(item)
    if request.method == "POST" and publicity.body_too_large(request):
        messages.error(
            request,
            gettext("附件超过上限 %(limit).0f MB")
            % {"limit": publicity.max_attachment_bytes() / publicity.MiB},
        )
        return _public_render(request, item, now, ObjectionForm() if now == "open" else None, 413)
    form = None
    if now == publicity.OPEN:
        about = (request.GET.get("about") or "")[:200]
        form = ObjectionForm(
            request.POST or None,
            request.FILES or None,
            initial={"subject": about} if about else None,
        )
    if request.method == "POST":
        if form is None:  # the 公示 has closed: nothing is kept
            messages.error(request, gettext("公示已结束，不再受理异议"))
            return _public_render(request, item, now, None, status=403)
        if form.is_valid():
            try:
                objection = publicity.file_objection(request, item, form.cleaned_data)
            except publicity.Refused as refused:
                messages.error(request, str(refused))
                return _public_render(request, item, now, form, status=429)
            messages.success(
                request,
                gettext("异议已受理，受理编号 %(number)s；将在 %(deadline)s 前答复。")
                % {"number": objection.number, "deadline": objection.deadline.isoformat()},
            )
            return HttpResponseRedirect(reverse("public:page", args=[item.pk]))
    return _public_render(request, item, now, form)


def _public_render(
    request: HttpRequest, item: Publicity, now: str, form: ObjectionForm | None, status: int = 200
) -> HttpResponse:
    rows = publicity.public_rows(item)
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "analysis/public_page.html",
        {
            "title": item.title,
            "item": item,
            "state": now,
            "field_name": localised_industry(item.field.name) if item.field else "",
            "page": page,
            "any_score": any(r.score is not None for r in rows),
            "form": form,
        },
        status=status,
    )
