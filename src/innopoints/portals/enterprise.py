"""企业端: the enterprise's own file, score, breakdown, tier and anonymous peer percentiles, its
history, the self-assessment (an estimate), its authorisations to institutions and its inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from innopoints.accounts import scope
from innopoints.accounts.decorators import enterprise_required, require
from innopoints.analysis import publication
from innopoints.analysis.models import ScoreConsent
from innopoints.analysis.portrait import portrait
from innopoints.applications.models import Financing, Message
from innopoints.audit.log import record
from innopoints.collection.figure_checks import problems_by_field
from innopoints.collection.models import Authorisation
from innopoints.engine.booleans import as_bool
from innopoints.engine.fields import base_catalogue
from innopoints.portals import ent_disputes, ent_figures
from innopoints.registry.models import Enterprise, Institution
from innopoints.scoring import estimate as estimates
from innopoints.scoring.explain import explain, share_of_others_below
from innopoints.scoring.models import LARGE_RUN_FIELDS, Result
from innopoints.site import charts, names
from innopoints.site.forms import DateInput, with_unit


def _enterprise(request: HttpRequest) -> Enterprise:
    enterprise = scope.enterprise_of(request.user)
    if enterprise is None:
        raise Http404
    return enterprise


def _one_per_period(results: Any) -> list[Result]:
    """The newest published result of each period (a period scored again shows once)."""
    seen: set[str] = set()
    kept = []
    for result in results:
        if result.run.period not in seen:
            seen.add(result.run.period)
            kept.append(result)
    return kept


HOME_MATCHES = 5


@enterprise_required
def home(request: HttpRequest) -> HttpResponse:
    """企业端's dashboard: its score on a gauge with tier and percentile, its indicator groups
    against its stage's peers, its trend, what it matches and what waits for it; then the
    breakdown, the history, its financings and its file."""
    from innopoints.applications import views as apps  # noqa: PLC0415

    enterprise = _enterprise(request)
    result = publication.published_result(enterprise)
    explanation = explain(result) if result is not None else None
    history = _one_per_period(
        Result.objects.filter(enterprise=enterprise, run__in=publication.published_runs(enterprise))
        .select_related("run__scheme_version")
        .defer(*LARGE_RUN_FIELDS)
        .order_by("-run__created_at", "-run_id")
    )
    unread = Message.objects.filter(enterprise=enterprise, read_at__isnull=True).count()
    matches = apps.current_matches(enterprise)
    context: dict[str, Any] = {
        "title": enterprise.name,
        "enterprise": enterprise,
        "result": result,
        "e": explanation,
        "history": history,
        "qualifications": enterprise.qualifications.all(),
        "unread": unread,
        "financings": Financing.objects.filter(enterprise=enterprise).select_related("institution"),
        "matches": matches[:HOME_MATCHES],
        "matched": len(matches),
        "actions": ent_figures.pending_actions(
            enterprise, timezone.localdate(), unread=unread, matched=len(matches)
        ),
    }
    if result is not None and explanation is not None:
        context["breakdown"] = ent_disputes.breakdown(result, explanation)
        scale = float(result.run.scheme_version.scheme().scale)
        context["gauge"] = ent_figures.score_gauge(result.total, scale, _("总积分"), _("分"))
        context["radar"] = ent_figures.radar_option(portrait(enterprise, result).axes)
    if len(history) > 1:
        periods, totals = ent_figures.trend(history)
        context["trend"] = charts.line(periods, {_("总积分"): totals}, unit=_("分"))
    return render(request, "portals/ent_home.html", context)


UNITS = {"amount": "万元", "ratio": "%"}


def _input_help(kind: str, signed: bool) -> str:
    """What an input takes, as the import's rules say (engine/fields.py)."""
    if kind == "count":
        return _("整数，不能为负")
    if kind in UNITS:
        return _("可为负数") if signed else _("不能为负")
    return ""


class AssessmentForm(forms.Form):
    """One input per raw field the scheme reads, starting from the values the run used; money
    in 万元 and ratios in % next to the input, what each takes under it."""

    def __init__(self, *args: Any, fields: list[str], initial_values: dict[str, Any], **kw: Any):
        super().__init__(*args, **kw)
        self.label_suffix = ""
        catalogue = base_catalogue()
        for code in fields:
            field = catalogue.get(code)
            label = names.field_name(code)
            if field is not None and field.kind == "bool":
                self.fields[code] = forms.BooleanField(
                    label=label,
                    required=False,
                    initial=as_bool(initial_values.get(code)),
                    widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
                )
                continue
            kind, signed = (field.kind, field.signed) if field is not None else ("", False)
            start = initial_values.get(code)
            if kind == "count" and isinstance(start, float) and start.is_integer():
                start = int(start)  # a head count reads 11, not 11.0
            self.fields[code] = forms.FloatField(
                label=label,
                required=False,
                initial=start,
                help_text=_input_help(kind, signed),
                widget=forms.NumberInput(attrs={"step": "1" if kind == "count" else "any"}),
            )
            if kind in UNITS:
                with_unit(self.fields[code], _(UNITS[kind]))

    def clean(self) -> dict[str, Any]:
        """The rules of an import (engine.reader and the structural rules), each message next
        to its field: no estimate from figures an import would refuse."""
        data = super().clean() or {}
        numbers = {c: v for c, v in data.items() if not isinstance(v, bool)}
        for code, reasons in problems_by_field(numbers).items():
            for reason in reasons:
                self.add_error(code if code in self.fields else None, reason)
        return data


def _name(names: Any) -> str:
    return str(names.en if get_language() == "en" else names.zh)


@enterprise_required
def assess(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    result = publication.published_result(enterprise)
    if result is None:
        return render(request, "portals/ent_assess.html", {"title": _("自评"), "result": None})
    scheme = result.run.scheme_version.scheme()
    fields = estimates.input_fields(scheme)
    start = estimates.baseline(result)
    form = AssessmentForm(request.POST or None, fields=fields, initial_values=start)
    outcome = None
    position: float | None = None
    lines: list[tuple[str, float, float, float]] = []
    if request.method == "POST" and form.is_valid():
        outcome = estimates.estimate(result, enterprise, form.cleaned_data)
        position = None if outcome.vetoed else share_of_others_below(result, outcome.total)
        official = {line.code: line.points for line in explain(result).lines}
        lines = [
            (
                _name(i.name),
                official.get(i.code, 0.0),
                outcome.points[i.code],
                outcome.points[i.code] - official.get(i.code, 0.0),
            )
            for i in scheme.weighted
        ]
    return render(
        request,
        "portals/ent_assess.html",
        {
            "title": _("自评（估算）"),
            "result": result,
            "form": form,
            "outcome": outcome,
            "position": position,
            "lines": lines,
        },
    )


class GrantForm(forms.Form):
    institution = forms.ModelChoiceField(
        Institution.objects.all(),
        label=gettext_lazy("授权给"),
        empty_label=gettext_lazy("请选择金融机构"),
    )
    scope = forms.MultipleChoiceField(
        label=gettext_lazy("授权范围（不选为全部指标）"),
        required=False,
        widget=forms.SelectMultiple(
            attrs={"size": 8, "placeholder": gettext_lazy("全部指标；输入可搜索并选择")}
        ),
    )
    valid_to = forms.DateField(
        label=gettext_lazy("截止日期"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("不填为长期有效；可随时撤销"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.fields["scope"].choices = [
            (f.code, names.field_name(f.code))
            for f in base_catalogue()
            if f.kind not in ("date", "id")
        ]

    def clean_valid_to(self) -> dt.date | None:
        day = self.cleaned_data.get("valid_to")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("截止日期不能早于今天"))
        return day


@enterprise_required
def authorisations(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        institution = form.cleaned_data["institution"]
        with transaction.atomic():
            grant = Authorisation(
                enterprise=enterprise,
                institution=institution,
                scope=form.cleaned_data["scope"],
                valid_from=timezone.localdate(),
                valid_to=form.cleaned_data["valid_to"],
            )
            grant.full_clean()
            grant._history_user = request.user  # type: ignore[attr-defined]
            grant.save()
            Message.objects.create(
                institution=institution,
                kind="authorisation",
                subject=_("%(name)s 授权贵机构查看其详细档案") % {"name": enterprise.name},
                link=reverse("portals:fin_enterprise", args=[enterprise.pk]),
            )
        messages.success(request, _("已授权 %(institution)s") % {"institution": institution})
        return HttpResponseRedirect(reverse("portals:ent_authorisations"))
    grants = Authorisation.objects.filter(
        enterprise=enterprise, institution__isnull=False
    ).select_related("institution")
    today = timezone.localdate()
    return render(
        request,
        "portals/ent_authorisations.html",
        {
            "title": _("授权管理"),
            "form": form,
            "grants": [(g, g.active_on(today)) for g in grants],
            "catalogue": {f.code: f.header for f in base_catalogue()},
            "scope_choices": form.fields["scope"].choices,
        },
    )


@enterprise_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_object_or_404(Authorisation, pk=pk, institution__isnull=False)
    require(request, "collection.manage_authorisation", grant)
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant._history_user = request.user  # type: ignore[attr-defined]
        grant.save(update_fields=["revoked_at"])
        Message.objects.create(
            institution=grant.institution,
            kind="authorisation",
            subject=_("%(name)s 已撤销对贵机构的授权") % {"name": grant.enterprise.name},
        )
        messages.success(request, _("授权已撤销"))
    return HttpResponseRedirect(reverse("portals:ent_authorisations"))


@enterprise_required
@require_POST
def limit(request: HttpRequest, pk: int) -> HttpResponse:
    """Narrow (or widen) what an active grant covers; the change is kept in its history."""
    grant = get_object_or_404(Authorisation, pk=pk, institution__isnull=False)
    require(request, "collection.manage_authorisation", grant)
    codes = [c for c in request.POST.getlist("scope") if c in base_catalogue()]
    if grant.revoked_at is None:
        grant.scope = codes
        grant._history_user = request.user  # type: ignore[attr-defined]
        grant.save(update_fields=["scope"])
        messages.success(request, _("授权范围已更新"))
    return HttpResponseRedirect(reverse("portals:ent_authorisations"))


# where a message without a stored link leads, by its kind
KIND_PAGES = {
    "policy_match": "portals:ent_matches",
    "financing": "portals:ent_home",
    "authorisation": "portals:ent_authorisations",
    "authorisation_expired": "portals:ent_authorisations",
}


def _message_link(note: Message) -> str:
    """The page a message talks about: its own link (a path on this site), else its kind's."""
    if note.link.startswith("/") and not note.link.startswith("//"):
        return note.link
    page = KIND_PAGES.get(note.kind)
    return reverse(page) if page else ""


@enterprise_required
def inbox(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    notes = Message.objects.filter(enterprise=enterprise)
    page = list(notes[:100])
    for note in page:
        note.href = _message_link(note)  # type: ignore[attr-defined]
    notes.filter(read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "portals/ent_inbox.html", {"title": _("消息"), "notes": page})


# ---- 政策匹配与推送 (issue 6; the logic lives in innopoints.applications) ----


@enterprise_required
def matches(request: HttpRequest) -> HttpResponse:
    from innopoints.applications import views as apps  # noqa: PLC0415
    from innopoints.applications.catalogue import offerings_in_force  # noqa: PLC0415

    enterprise = _enterprise(request)
    current = apps.current_matches(enterprise)
    matched = {m.offering_id for m in current}
    others = offerings_in_force(timezone.localdate()).exclude(pk__in=matched)
    context = {"title": _("政策匹配"), "matches": current, "others": others}
    return render(request, "applications/ent_matches.html", context)


@enterprise_required
def match_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from innopoints.applications import views as apps  # noqa: PLC0415
    from innopoints.applications.models import Match  # noqa: PLC0415

    # looked up among the enterprise's own matches: another enterprise's is a 404
    match = get_object_or_404(
        Match.objects.select_related("offering__institution", "run"),
        pk=pk,
        enterprise=_enterprise(request),
    )
    context = {
        "title": match.offering.name,
        "offering": match.offering,
        "match": match,
        "lines": apps.describe(match.reasons),
        "terms": apps.terms_lines(match.offering),
    }
    return render(request, "applications/ent_offering.html", context)


@enterprise_required
def offering_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from innopoints.applications import views as apps  # noqa: PLC0415
    from innopoints.applications.models import Offering  # noqa: PLC0415

    offering = get_object_or_404(Offering, pk=pk, active=True)
    explanation = apps.explain_offering(_enterprise(request), offering)
    context = {
        "title": offering.name,
        "offering": offering,
        "explanation": explanation,
        "lines": explanation["lines"] if explanation else [],
        "terms": apps.terms_lines(offering),
    }
    return render(request, "applications/ent_offering.html", context)


@enterprise_required
def push_settings(request: HttpRequest) -> HttpResponse:
    from innopoints.applications.models import Offering, PushOptOut  # noqa: PLC0415

    enterprise = _enterprise(request)
    if request.method == "POST":
        wanted = set(request.POST.getlist("kind"))
        with transaction.atomic():
            for kind in Offering.Kind.values:
                if kind in wanted:
                    PushOptOut.objects.filter(enterprise=enterprise, kind=kind).delete()
                else:
                    PushOptOut.objects.get_or_create(enterprise=enterprise, kind=kind)
        messages.success(request, _("推送设置已保存"))
        return HttpResponseRedirect(reverse("portals:ent_push_settings"))
    out = set(PushOptOut.objects.filter(enterprise=enterprise).values_list("kind", flat=True))
    kinds = [(code, label, code not in out) for code, label in Offering.Kind.choices]
    consent = ScoreConsent.objects.filter(enterprise=enterprise, show_score=True).exists()
    context = {"title": _("推送设置"), "kinds": kinds, "show_score": consent}
    return render(request, "applications/ent_push_settings.html", context)


@enterprise_required
@require_POST
def score_consent(request: HttpRequest) -> HttpResponse:
    """Whether the enterprise's total may appear on public 公示 pages (default: it may not)."""
    enterprise = _enterprise(request)
    wanted = request.POST.get("show_score") == "on"
    with transaction.atomic():
        ScoreConsent.objects.update_or_create(
            enterprise=enterprise, defaults={"show_score": wanted, "updated_by": request.user}
        )
        record(
            "update",
            enterprise=enterprise,
            object_type="analysis.scoreconsent",
            object_id=str(enterprise.pk),
            summary=_("同意在公示页面显示积分") if wanted else _("不同意在公示页面显示积分"),
        )
    messages.success(request, _("公示设置已保存"))
    return HttpResponseRedirect(reverse("portals:ent_push_settings"))
