"""政府端: the region's figures, imports, invitations and sending lists to institutions. Runs,
lists, pools, portraits and 一企一档 are the scoring and analysis pages, scoped by the rules."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.accounts import invitations, scope
from innopoints.accounts.decorators import government_required, require
from innopoints.accounts.models import Role
from innopoints.analysis.models import Leaderboard, Objection
from innopoints.analysis.publication import official_run
from innopoints.applications.models import Dispatch, Message
from innopoints.collection import background_imports, quality, upload
from innopoints.collection.models import Finding, ImportBatch
from innopoints.portals import dashboard
from innopoints.portals.listings import DispatchTable, InvitedFilter, InvitedTable
from innopoints.registry.models import Enterprise, Institution
from innopoints.scoring.models import LARGE_RUN_FIELDS, Run
from innopoints.site.listing import Listing
from innopoints.targets import progress as target_progress


@government_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: key figures and charts of the official run, the financing funnel and
    the data sources' delivery, all within the user's jurisdiction; then runs, lists and the
    user's own imports."""
    user = request.user
    enterprises = scope.governed_enterprises(user)
    runs = Run.objects.filter(scope.run_filter(user), status="done").select_related(
        "region", "scheme_version"
    )
    latest = official_run(user)
    # counting a national registry takes a while: counted again when an enterprise is added
    # (the newest id is an index lookup) or after a minute
    newest = Enterprise.objects.order_by("-pk").values_list("pk", flat=True).first()
    count_key = f"governed-enterprises:{scope.region_prefix(user)!r}:{newest}"
    count = cache.get(count_key)
    if count is None:
        count = enterprises.count()
        cache.set(count_key, count, timeout=60)
    context: dict[str, object] = {"title": _("政府端"), "enterprises": count, "latest": latest}
    digits = dashboard.area_digits(user)
    if latest is not None:
        mix = dashboard.run_mix(latest, scope.narrowing_prefix(user, latest.region), digits)
        target, target_year = dashboard.scored_target(user, mix.n, count)
        context.update(
            mix=mix,
            target=target,
            is_target=target_year is not None,
            target_year=target_year,
            target_share=100.0 * mix.n / target if target else None,
            target_chart=dashboard.target_chart(mix.n, target, target_year),
            tier_chart=dashboard.tier_chart(mix, latest),
            stage_chart=dashboard.stage_chart(mix, latest),
            area_chart=dashboard.area_chart(mix, digits) if mix.areas else None,
            by_county=digits == 6,
        )
    funnel = dashboard.financing_funnel(user)
    period = latest.period if latest is not None else next(iter(quality.periods()), None)
    deliveries, delivery_as_of = dashboard.delivery(user, period) if period else ([], None)
    findings = Finding.objects.filter(scope.enterprise_filter(user), status="open")
    boards = (
        Leaderboard.objects.filter(run__in=runs)
        .select_related("run__region")
        .defer(*LARGE_RUN_FIELDS)
        .order_by("-pk")[:8]
    )
    imports = ImportBatch.objects.select_related("source").defer("content", "column_map")
    if not scope.is_admin(user):
        imports = imports.filter(imported_by=user)
    context.update(
        funnel=funnel,
        funnel_chart=dashboard.funnel_chart(funnel) if any(n for _k, n in funnel) else None,
        period=period,
        deliveries=deliveries,
        delivery_as_of=delivery_as_of,
        open_findings=findings.count(),
        # objections to the jurisdiction's lists on 公示, waiting for the publisher's answer
        open_objections=Objection.objects.filter(
            status="open", publicity__board__run__in=runs.values("pk")
        ).count(),
        runs=runs.order_by("-created_at")[:8],
        boards=boards,
        imports=imports.order_by("-imported_at")[:8],
    )
    return render(request, "portals/gov_home.html", context)


@government_required
def import_file(request: HttpRequest) -> HttpResponse:
    require(request, "collection.import_data")
    form, token = upload.start(request, jurisdiction=scope.region_prefix(request.user) or None)
    if token is not None:
        return HttpResponseRedirect(reverse("portals:gov_import_progress", args=[token]))
    return render(request, "portals/gov_import.html", {"title": _("导入数据文件"), "form": form})


def _own_job(request: HttpRequest, token: str) -> dict[str, object]:
    state = upload.state(token)
    if state is None or background_imports.owner(token) != request.user.pk:
        raise Http404
    return state


@government_required
def import_progress(request: HttpRequest, token: str) -> HttpResponse:
    state = _own_job(request, token)
    batch = None
    if state.get("state") == "done":  # what to do next: its findings, a run of its period
        batch = ImportBatch.objects.filter(pk=state.get("batch")).only("pk", "period").first()
    return render(
        request,
        "portals/gov_import_progress.html",
        {"title": _("导入进度"), "token": token, "state": state, "batch": batch},
    )


@government_required
def import_state(request: HttpRequest, token: str) -> JsonResponse:
    return JsonResponse(_own_job(request, token))


@government_required
def import_errors(request: HttpRequest, token: str) -> HttpResponse:
    _own_job(request, token)
    response = upload.error_report(token)
    if response is None:
        raise Http404
    return response


class InviteEnterpriseForm(forms.Form):
    credit_code = forms.CharField(
        label=gettext_lazy("统一社会信用代码"),
        max_length=18,
        help_text=gettext_lazy("18 位；须为本辖区已登记的企业"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("企业联系人邮箱"),
        help_text=gettext_lazy("一次性链接发送到此邮箱，由联系人设置密码"),
    )

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user

    def clean_credit_code(self) -> Enterprise:
        code = self.cleaned_data["credit_code"].strip().upper()
        enterprise = scope.governed_enterprises(self.user).filter(credit_code=code).first()
        if enterprise is None:
            raise forms.ValidationError(_("本辖区没有登记此统一社会信用代码的企业"))
        return enterprise

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if invitations.email_taken(email):
            raise forms.ValidationError(_("此邮箱已有账户"))
        return email


@government_required
def invite(request: HttpRequest) -> HttpResponse:
    form = InviteEnterpriseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        enterprise = form.cleaned_data["credit_code"]
        require(request, "registry.invite_enterprise", enterprise)
        invitations.invite(
            request,
            email=form.cleaned_data["email"],
            role=Role.ENTERPRISE,
            enterprise=enterprise,
        )
        messages.success(
            request,
            _("已向 %(email)s 发送邀请，对方通过邮件中的一次性链接设置密码")
            % {"email": form.cleaned_data["email"]},
        )
        return HttpResponseRedirect(reverse("portals:gov_invite"))
    invited = invitations.invited_by(request.user).select_related(
        "profile__enterprise", "profile__institution"
    )
    listing = Listing.build(
        request,
        InvitedTable,
        invited.order_by("-date_joined"),
        filters=InvitedFilter,
        export_name="invited",
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "portals/gov_invite.html",
        {"title": _("邀请企业开通账户"), "form": form, "listing": listing},
    )


class SendListForm(forms.Form):
    institutions = forms.ModelMultipleChoiceField(
        Institution.objects.all(),
        label=gettext_lazy("发送给"),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("已发送过的机构不会重复收到"),
    )
    note = forms.CharField(
        label=gettext_lazy("附言"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("可选，不超过 300 字；随名单一并送达"),
    )


@government_required
def send_list(request: HttpRequest, board_id: int) -> HttpResponse:
    board = get_object_or_404(Leaderboard.objects.select_related("run"), pk=board_id)
    require(request, "applications.send_list", board)
    if board.status != "published":
        messages.error(request, _("榜单发布后才能发送给金融机构"))
        return HttpResponseRedirect(reverse("analysis:board", args=[board.pk]))
    form = SendListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sent = 0
        for institution in form.cleaned_data["institutions"]:
            _dispatch, created = Dispatch.objects.get_or_create(
                board=board,
                institution=institution,
                defaults={"sent_by": request.user, "note": form.cleaned_data["note"]},
            )
            if created:
                sent += 1
                Message.objects.create(
                    institution=institution,
                    kind="list",
                    subject=_("收到推荐名单：%(title)s") % {"title": board.title},
                    body=form.cleaned_data["note"],
                    link=reverse("portals:fin_list", args=[_dispatch.pk]),
                )
        messages.success(request, _("已发送给 %(n)d 家机构") % {"n": sent})
        return HttpResponseRedirect(reverse("portals:gov_send_list", args=[board.pk]))
    listing = Listing.build(
        request,
        DispatchTable,
        board.dispatches.select_related("institution", "sent_by").order_by("-sent_at"),
        export_name="dispatches",
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "portals/gov_send_list.html",
        {
            "title": _("发送推荐名单：%(title)s") % {"title": board.title},
            "board": board,
            "form": form,
            "listing": listing,
        },
    )


@government_required
def financing(request: HttpRequest) -> HttpResponse:
    """Financing of the user's enterprises: volumes, progress against the targets of the
    user's division (the targets app's data), and whether the score predicted the outcomes."""
    from innopoints.applications.financing_figures import (  # noqa: PLC0415
        financing_figures,
        outcome_figures,
    )
    from innopoints.applications.models import Financing  # noqa: PLC0415

    target = target_progress.target_of_user(request.user)
    targets = (
        {
            "loans_outstanding": target.loan_volume_wan,
            "direct_financing": target.direct_financing_wan,
        }
        if target is not None
        else None
    )
    records = Financing.objects.filter(scope.enterprise_filter(request.user))
    return render(
        request,
        "portals/financing_figures.html",
        {
            "title": _("融资统计与积分有效性"),
            "f": financing_figures(records, targets),
            "o": outcome_figures(records, scope.region_prefix(request.user) or None),
            "targets": targets,
            "target": target,
            "show_targets": targets is not None,
        },
    )
