"""融资申请 pages: the enterprise applies from a match (seeing the indicators it grants), follows
its applications and answers invitations, reads its own portrait and downloads its own 一企一档;
the bank lists its applications, acts on one (only the allowed moves are offered), invites
enterprises from the lists it received, and reads the enterprise's file within the scope."""

from __future__ import annotations

import dataclasses
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from innopoints.accounts import scope
from innopoints.accounts.decorators import (
    enterprise_required,
    institution_required,
    portal_required,
)
from innopoints.analysis import boards, dossier
from innopoints.analysis.portrait import portrait
from innopoints.applications.models import Dispatch, Match, Offering
from innopoints.audit.log import record
from innopoints.collection.access import active_authorisation
from innopoints.lending import workflow
from innopoints.lending.models import Application, ApplicationDocument, Invitation
from innopoints.registry.models import Enterprise
from innopoints.site import names
from innopoints.site.listing import Listing, Table

S = Application.Status
# the enterprise's move out of 待补充材料
SUPPLIED = gettext_lazy("材料已补充，提交审批")


def _scope_list(codes: list[str]) -> list[str]:
    return [names.field_name(c) for c in codes]


# -- listings ---------------------------------------------------------------------------------


class ApplicationTable(Table):
    enterprise = tables.Column(verbose_name=gettext_lazy("企业名称"), accessor="enterprise__name")
    institution = tables.Column(verbose_name=gettext_lazy("金融机构"), accessor="institution__name")
    offering = tables.Column(verbose_name=gettext_lazy("产品"), accessor="offering__name")
    amount_requested = tables.Column(verbose_name=gettext_lazy("申请金额（万元）"))
    status = tables.Column(verbose_name=gettext_lazy("状态"))
    due_on = tables.DateColumn(verbose_name=gettext_lazy("当前环节办理期限"), format="Y-m-d")
    created_at = tables.DateTimeColumn(verbose_name=gettext_lazy("提交时间"), format="Y-m-d H:i")

    class Meta(Table.Meta):
        attrs = {**Table.Meta.attrs, "id": "lending-applications"}
        empty_text = gettext_lazy("暂无融资申请")

    def __init__(self, *args: Any, side: str = workflow.BANK, **kwargs: Any) -> None:
        self.side = side
        exclude = ("institution",) if side == workflow.BANK else ("enterprise",)
        super().__init__(*args, exclude=exclude, **kwargs)

    def _link(self, record: Application, text: Any) -> str:
        return format_html('<a href="{}">{}</a>', workflow.link_for(record, self.side), text)

    def render_enterprise(self, value: str, record: Application) -> str:
        return self._link(record, value)

    def render_offering(self, value: str, record: Application) -> str:
        return self._link(record, value) if self.side == workflow.ENTERPRISE else value

    def render_status(self, value: str, record: Application) -> str:
        return record.get_status_display()

    def value_status(self, value: str, record: Application) -> str:
        return record.get_status_display()


class ApplicationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=S.choices)

    class Meta:
        model = Application
        fields: list[str] = []


def _listing(request: HttpRequest, rows: QuerySet[Application], side: str) -> Listing:
    return Listing.build(
        request,
        ApplicationTable,
        rows.select_related("enterprise", "institution", "offering"),
        filters=ApplicationFilter,
        export_name="applications",
        side=side,
    )


# -- acting on one ----------------------------------------------------------------------------


class ActionForm(forms.Form):
    to = forms.ChoiceField(choices=S.choices)
    note = forms.CharField(
        label=gettext_lazy("原因或说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    amount = forms.CharField(label=gettext_lazy("批准金额（万元）"), required=False)
    rate = forms.CharField(label=gettext_lazy("年利率（%）"), required=False)
    term_months = forms.CharField(label=gettext_lazy("期限（月）"), required=False)
    disbursed_on = forms.CharField(label=gettext_lazy("放款日期"), required=False)


def _act(request: HttpRequest, app: Application) -> HttpResponse | None:
    """POST: make the move asked for; a redirect when done, None (page with the message) if
    refused."""
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要办理的操作"))
        return None
    data = {k: form.cleaned_data[k] for k in ("amount", "rate", "term_months", "disbursed_on")}
    try:
        workflow.transition(
            app,
            form.cleaned_data["to"],
            user=request.user,
            note=form.cleaned_data["note"],
            data=data,
        )
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
        return None
    messages.success(request, _("已办理：%(status)s") % {"status": app.get_status_display()})
    return HttpResponseRedirect(request.path)


def _detail(request: HttpRequest, app: Application, side: str) -> HttpResponse:
    if request.method == "POST":
        done = _act(request, app)
        if done is not None:
            return done
        app.refresh_from_db()
    moves = [
        (
            to,
            SUPPLIED if side == workflow.ENTERPRISE and to == S.REVIEWING else workflow.ACTIONS[to],
        )
        for to in workflow.allowed_moves(app, request.user)
    ]
    events = app.events.select_related("actor").order_by("at", "pk")
    grant = app.authorisation
    return render(
        request,
        "lending/detail.html",
        {
            "title": _("融资申请：%(enterprise)s · %(offering)s")
            % {"enterprise": app.enterprise.name, "offering": app.offering or app.institution},
            "app": app,
            "side": side,
            "moves": moves,
            "events": events,
            "scope": _scope_list(list(grant.scope or [])) if grant else [],
            "authorised": workflow.authorised(app),
            "waiting_on": workflow.SIDES.get(workflow.WAITING_ON.get(app.status, ""), ""),
            "needs_terms": S.APPROVED in dict(moves),
            "can_disburse": S.DISBURSED in dict(moves),
            "documents": app.documents.defer("content").order_by("uploaded_at", "pk"),
            "can_upload": side == workflow.ENTERPRISE and app.status in workflow.DOCUMENT_STATES,
            "back": reverse("lending:bank_list" if side == workflow.BANK else "lending:ent_list"),
        },
    )


# -- bank -------------------------------------------------------------------------------------


def _institution(request: HttpRequest) -> Any:
    institution = scope.institution_of(request.user)
    if institution is None:
        raise PermissionDenied
    return institution


@institution_required
def bank_list(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    listing = _listing(request, Application.objects.filter(institution=institution), workflow.BANK)
    if listing.export is not None:
        record("export", summary=_("导出本机构的融资申请"), object_type="lending.application")
        return listing.export
    return render(
        request,
        "lending/list.html",
        {"title": _("融资申请"), "listing": listing, "side": workflow.BANK},
    )


@institution_required
def bank_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(
        Application.objects.select_related("enterprise", "institution", "offering", "financing"),
        pk=pk,
        institution=_institution(request),
    )
    record("view", obj=app, enterprise=app.enterprise, summary=_("查看融资申请"))
    return _detail(request, app, workflow.BANK)


@institution_required
def bank_dossier(request: HttpRequest, pk: int) -> HttpResponse:
    """The enterprise's 一企一档 as a PDF, holding only the indicators it authorised."""
    app = get_object_or_404(
        Application.objects.select_related("enterprise"), pk=pk, institution=_institution(request)
    )
    grant = active_authorisation(app.institution, app.enterprise)
    if grant is None:
        raise PermissionDenied
    built = dossier.build(app.enterprise)
    if grant.scope:
        allowed = set(grant.scope)
        built = dataclasses.replace(built, facts=[f for f in built.facts if f["code"] in allowed])
    record(
        "export",
        enterprise=app.enterprise,
        summary=_("导出授权范围内的一企一档（PDF）：%(name)s") % {"name": app.enterprise.name},
    )
    return _pdf(built, app.enterprise)


def _pdf(built: Any, enterprise: Enterprise) -> HttpResponse:
    response = HttpResponse(dossier.pdf(built), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="dossier-{enterprise.credit_code}.pdf"'
    return response


class InviteForm(forms.Form):
    dispatch = forms.ModelChoiceField(
        Dispatch.objects.none(), label=gettext_lazy("收到的名单"), empty_label=None
    )
    enterprise = forms.CharField(label=gettext_lazy("企业名称或统一社会信用代码"), max_length=200)
    offering = forms.ModelChoiceField(
        Offering.objects.none(),
        label=gettext_lazy("产品"),
        required=False,
        empty_label=gettext_lazy("不指定产品"),
    )
    note = forms.CharField(label=gettext_lazy("附言"), max_length=300, required=False)

    def __init__(self, *args: Any, institution: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dispatch"].queryset = Dispatch.objects.filter(
            institution=institution, board__status="published"
        ).select_related("board")
        self.fields["dispatch"].label_from_instance = lambda d: d.board.title
        self.fields["offering"].queryset = Offering.objects.filter(institution=institution)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        dispatch, wanted = data.get("dispatch"), (data.get("enterprise") or "").strip()
        if dispatch is None or not wanted:
            return data
        found = {
            row.get("enterprise_id")
            for row in boards.entries(dispatch.board)
            if wanted in (str(row.get("name") or ""), str(row.get("credit_code") or ""))
        }
        found.discard(None)
        if len(found) != 1:
            raise forms.ValidationError(_("该名单中没有（或有多家）这个名称或代码的企业"))
        data["enterprise_obj"] = Enterprise.objects.get(pk=found.pop())
        return data


def _invite_initial(request: HttpRequest) -> dict[str, str]:
    """A link from a received list's row fills the form in: ?dispatch=&enterprise=&offering=."""
    return {
        k: request.GET[k][:200] for k in ("dispatch", "enterprise", "offering") if k in request.GET
    }


@portal_required("lending.invite")
def bank_invitations(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    form = InviteForm(
        request.POST or None, institution=institution, initial=_invite_initial(request)
    )
    if request.method == "POST" and form.is_valid():
        try:
            workflow.invite(
                institution,
                form.cleaned_data["enterprise_obj"],
                user=request.user,
                offering=form.cleaned_data["offering"],
                note=form.cleaned_data["note"],
            )
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("邀请已发出"))
            return HttpResponseRedirect(request.path)
    sent = Invitation.objects.filter(institution=institution).select_related(
        "enterprise", "offering"
    )[:200]
    return render(
        request,
        "lending/bank_invitations.html",
        {
            "title": _("授权邀请"),
            "form": form,
            "invitations": [(i, _scope_list(i.scope)) for i in sent],
        },
    )


# -- enterprise -------------------------------------------------------------------------------


def _enterprise(request: HttpRequest) -> Enterprise:
    enterprise = scope.enterprise_of(request.user)
    if enterprise is None:
        raise PermissionDenied
    return enterprise


@enterprise_required
def ent_list(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    listing = _listing(
        request, Application.objects.filter(enterprise=enterprise), workflow.ENTERPRISE
    )
    if listing.export is not None:
        record("export", summary=_("导出本企业的融资申请"), object_type="lending.application")
        return listing.export
    return render(
        request,
        "lending/list.html",
        {"title": _("我的融资申请"), "listing": listing, "side": workflow.ENTERPRISE},
    )


@enterprise_required
def ent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(
        Application.objects.select_related("enterprise", "institution", "offering", "financing"),
        pk=pk,
        enterprise=_enterprise(request),
    )
    return _detail(request, app, workflow.ENTERPRISE)


def _decimal_or_none(value: str) -> Decimal | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation as error:
        raise workflow.WorkflowError(_("申请金额须为数字")) from error
    if not number.is_finite() or number <= 0 or number >= Decimal("1e10"):
        raise workflow.WorkflowError(_("申请金额须大于零"))
    return number.quantize(Decimal("0.01"))


@enterprise_required
def apply(request: HttpRequest, offering_id: int) -> HttpResponse:
    """One step: the enterprise sees the indicators the institution will see, confirms, and the
    application goes out with that authorisation."""
    enterprise = _enterprise(request)
    offering = get_object_or_404(
        Offering.objects.select_related("institution"), pk=offering_id, institution__isnull=False
    )
    match = (
        Match.objects.filter(enterprise=enterprise, offering=offering)
        .order_by("-created_at")
        .first()
    )
    codes = workflow.requested_scope(offering)
    if request.method == "POST":
        try:
            if not request.POST.get("confirm"):
                raise workflow.WorkflowError(_("请确认授权范围"))
            term = (request.POST.get("term_months") or "").strip()
            if term and (not term.isdigit() or not 0 < int(term) <= 600):
                raise workflow.WorkflowError(_("期限须在 1 到 600 个月之间"))
            app = workflow.submit(
                enterprise,
                offering,
                user=request.user,
                match=match,
                amount_requested=_decimal_or_none(request.POST.get("amount_requested", "")),
                term_months=int(term) if term else None,
                note=(request.POST.get("note") or "")[:2000],
            )
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("申请已提交，授权已生效；可在“数据授权”中随时撤销"))
            return HttpResponseRedirect(reverse("lending:ent_detail", args=[app.pk]))
    return render(
        request,
        "lending/apply.html",
        {
            "title": _("申请：%(offering)s") % {"offering": offering.name},
            "offering": offering,
            "match": match,
            "scope": _scope_list(codes),
        },
    )


@enterprise_required
def ent_invitations(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    invitations = Invitation.objects.filter(enterprise=enterprise).select_related(
        "institution", "offering"
    )[:200]
    return render(
        request,
        "lending/ent_invitations.html",
        {
            "title": _("金融机构的邀请"),
            "invitations": [(i, _scope_list(i.scope)) for i in invitations],
        },
    )


@enterprise_required
@require_POST
def ent_answer(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk, enterprise=_enterprise(request))
    try:
        workflow.answer_invitation(
            invitation, user=request.user, accept=request.POST.get("answer") == "accept"
        )
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("已回复：%(status)s") % {"status": invitation.get_status_display()}
        )
    return HttpResponseRedirect(reverse("lending:ent_invitations"))


@enterprise_required
def ent_portrait(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    return render(
        request,
        "lending/portrait.html",
        {"title": _("我的企业画像"), "p": portrait(enterprise), "today": timezone.localdate()},
    )


@enterprise_required
def ent_dossier(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    record(
        "export",
        enterprise=enterprise,
        summary=_("下载本企业的一企一档（PDF）"),
    )
    return _pdf(dossier.build(enterprise), enterprise)


@enterprise_required
@require_POST
def ent_upload(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(Application, pk=pk, enterprise=_enterprise(request))
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise workflow.WorkflowError(_("请选择文件"))
        if upload.size and upload.size > workflow.MAX_DOCUMENT:
            raise workflow.WorkflowError(_("文件不能超过 10 MB"))
        workflow.add_document(app, user=request.user, name=upload.name or "", content=upload.read())
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("材料已上传"))
    return HttpResponseRedirect(reverse("lending:ent_detail", args=[app.pk]))


def document(request: HttpRequest, pk: int) -> HttpResponse:
    """A document of an application, for its enterprise or its bank (anyone else: 404)."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    found = get_object_or_404(
        ApplicationDocument.objects.select_related("application__enterprise"), pk=pk
    )
    side = workflow.actor_of(request.user, found.application).side
    if side not in (workflow.BANK, workflow.ENTERPRISE):
        raise Http404
    record(
        "export",
        obj=found,
        enterprise=found.application.enterprise,
        summary=_("下载申请材料：%(name)s") % {"name": found.name},
    )
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="document-{found.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
