"""政府端 → 数据来源: the government data sources, each with its contact, how it delivers
(interface tokens, a scheduled pull) and the latest deliveries; a province (or the platform)
edits a source's contact and pull settings and may pull it now (collection/pulls.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext, pgettext
from django.views.decorators.http import require_POST

from innopoints.accounts.decorators import government_required, require
from innopoints.audit.log import record
from innopoints.collection import pulls
from innopoints.collection.access import governs_sources
from innopoints.collection.models import FREQUENCIES, DataSource, DeliveryAttempt, SourceEndpoint
from innopoints.collection.source_forms import SourceForm

FREQUENCY_NAMES = dict(FREQUENCIES)


@government_required
def sources(request: HttpRequest) -> HttpResponse:
    """Every government data source: contact, delivery channel, the latest pull."""
    rows = []
    for source in DataSource.objects.filter(manual=False).order_by("code"):
        endpoint = SourceEndpoint.objects.filter(source=source).first()
        tokens = source.api_tokens.filter(revoked_at__isnull=True).count()  # type: ignore[attr-defined]
        rows.append((source, endpoint, tokens, FREQUENCY_NAMES[pulls.frequency(source)]))
    return render(
        request,
        "collection/sources.html",
        {
            "title": pgettext("plural", "数据来源"),
            "rows": rows,
            "may_edit": governs_sources(request.user),
        },
    )


@government_required
def source_edit(request: HttpRequest, code: str) -> HttpResponse:
    source = get_object_or_404(DataSource, code=code, manual=False)
    may_edit = request.user.has_perm("collection.manage_source")
    if request.method == "POST":
        require(request, "collection.manage_source")
    form = SourceForm(request.POST or None, source=source)
    if request.method == "POST" and form.is_valid():
        endpoint = form.save(request.user)
        record(
            "update",
            obj=endpoint or source,
            actor=request.user,
            summary=gettext("修改数据来源「%(source)s」的联系人和定时拉取设置")
            % {"source": source.name},
            changes={
                k: v
                for k, v in form.cleaned_data.items()
                if k != "secret"  # never in the audit log
            },
            request=request,
        )
        messages.success(request, gettext("已保存"))
        return HttpResponseRedirect(reverse("collection:source", args=[source.code]))
    endpoint = SourceEndpoint.objects.filter(source=source).first()
    return render(
        request,
        "collection/source_edit.html",
        {
            "title": source.display_name,
            "source": source,
            "form": form,
            "may_edit": may_edit,
            "endpoint": endpoint,
            "fields": source.fields.order_by("priority", "field_code"),
            "period": pulls.period_for(endpoint) if endpoint else "",
            "attempts": DeliveryAttempt.objects.filter(source=source)
            .select_related("batch", "token")
            .order_by("-at", "-pk")[:20],
        },
    )


@government_required
@require_POST
def source_pull(request: HttpRequest, code: str) -> HttpResponse:
    """Pull the source now (as the beat would), and say what came of it."""
    source = get_object_or_404(DataSource, code=code, manual=False)
    require(request, "collection.manage_source")
    endpoint = get_object_or_404(SourceEndpoint, source=source)
    outcome = pulls.pull(endpoint)
    record(
        "other",
        obj=endpoint,
        actor=request.user,
        summary=gettext("立即拉取「%(source)s」：%(m)s")
        % {"source": source.name, "m": outcome.message},
        request=request,
    )
    level = messages.SUCCESS if outcome.outcome in {"imported", "replayed"} else messages.ERROR
    messages.add_message(
        request,
        level,
        gettext("拉取结果：%(outcome)s。%(m)s")
        % {"outcome": outcome.attempt.get_outcome_display(), "m": outcome.message},
    )
    return HttpResponseRedirect(reverse("collection:source", args=[source.code]))
