"""The indicator system (指标体系) in the government portal: the version in force as the seed
prints it, every version and a readable comparison of any two, drafting a new version with
forms, its what-if on the latest run, and publication after a second administrator's approval."""

from __future__ import annotations

from typing import Any

import yaml
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from innopoints.accounts.decorators import government_required, require
from innopoints.audit.log import record
from innopoints.engine import InputError
from innopoints.engine.scheme import scheme_from_mapping
from innopoints.scoring.models import SchemeVersion
from innopoints.scoring.official import official_scheme_version
from innopoints.scoring.scheme_diff import default_pair, scheme_changes
from innopoints.scoring.scheme_forms import (
    AddIndicatorForm,
    BonusForm,
    DeductionsForm,
    MissingDataForm,
    WeightsForm,
)
from innopoints.scoring.scheme_view import scheme_view
from innopoints.scoring.schemes import _next_version
from innopoints.scoring.whatif import latest_run, what_if_or_start
from innopoints.site.names import method_name
from innopoints.site.query import id_param

FORMS = {
    "weights": WeightsForm,
    "bonus": BonusForm,
    "deductions": DeductionsForm,
    "missing": MissingDataForm,
    "add": AddIndicatorForm,
}


def _versions() -> list[SchemeVersion]:
    return list(
        SchemeVersion.objects.select_related("created_by", "approved_by").order_by(
            "example", "scheme_id", "-created_at", "-pk"
        )
    )


@government_required
def scheme_home(request: HttpRequest) -> HttpResponse:
    """The version in force; the versions and the comparison below it."""
    require(request, "scoring.view_scheme")
    version = official_scheme_version()
    if version is None:
        return render(request, "scoring/scheme_list.html", _list_context(request, None))
    return scheme_detail(request, version.pk)


def _list_context(request: HttpRequest, version: SchemeVersion | None) -> dict[str, Any]:
    versions = _versions()
    return {
        "title": gettext("指标体系"),
        "versions": versions,
        "in_force": official_scheme_version(),
        "can_draft": request.user.has_perm("scoring.draft_scheme"),
        "compare_a": version.based_on_id if version is not None else None,
        "compare_b": version.pk if version is not None else None,
    }


@government_required
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "scoring.view_scheme")
    version = get_object_or_404(SchemeVersion.objects.select_related("created_by"), pk=pk)
    in_force = official_scheme_version()
    context = _list_context(request, version)
    context.update(
        title=gettext("指标体系：%(name)s") % {"name": version.display_name()},
        version=version,
        is_in_force=in_force is not None and in_force.pk == version.pk,
        view=scheme_view(version.scheme(), version),
        can_edit=request.user.has_perm("scoring.edit_scheme", version),
        can_approve=request.user.has_perm("scoring.approve_scheme", version),
        awaits_other=version.state == "submitted" and version.created_by_id == request.user.pk,
    )
    return render(request, "scoring/scheme.html", context)


@government_required
@require_POST
def scheme_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """A new draft, a copy of version ``pk`` under the next free version number."""
    require(request, "scoring.draft_scheme")
    base = get_object_or_404(SchemeVersion, pk=pk)
    scheme = base.scheme()
    with transaction.atomic():
        version = _next_version(base.scheme_id, scheme.version.split(".")[0])
        content = dict(base.content, version=version)
        draft = SchemeVersion.objects.create(
            scheme_id=base.scheme_id,
            version=version,
            name=base.name,
            example=base.example,
            source_yaml=_yaml(content),
            content=content,
            fingerprint=scheme_from_mapping(content).fingerprint,
            created_by=request.user,
            state="draft",
            based_on=base,
            published_at=None,
        )
    messages.success(
        request, gettext("已起草新版本 %(version)s，可在下方修改。") % {"version": version}
    )
    return HttpResponseRedirect(reverse("scoring:scheme-edit", args=[draft.pk]))


def _yaml(content: dict[str, Any]) -> str:
    return yaml.safe_dump(content, allow_unicode=True, sort_keys=False)


@government_required
def scheme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(SchemeVersion, pk=pk)
    require(request, "scoring.edit_scheme", version)
    scheme = version.scheme()
    part = request.POST.get("part") if request.method == "POST" else None
    forms = {name: cls(scheme=scheme, prefix=name) for name, cls in FORMS.items()}
    if part in FORMS:
        bound = FORMS[part](request.POST, scheme=scheme, prefix=part)
        forms[part] = bound
        if bound.is_valid() and bound.content is not None:
            _save_draft(version, bound.content, request.user)
            messages.success(request, gettext("草稿已保存，所有检查均已通过。"))
            return HttpResponseRedirect(reverse("scoring:scheme-edit", args=[pk]))
    return render(
        request,
        "scoring/scheme_edit.html",
        {
            "title": gettext("修改草稿：%(name)s %(version)s")
            % {"name": version.display_name(), "version": version.version},
            "version": version,
            **forms,
            "changes": _changes_from_base(version),
        },
    )


def _save_draft(version: SchemeVersion, content: dict[str, Any], user: Any) -> None:
    scheme = scheme_from_mapping(content)
    version.content = scheme.model_dump(mode="json")
    version.source_yaml = _yaml(version.content)
    version.fingerprint = scheme.fingerprint
    version._history_user = user  # type: ignore[attr-defined]
    version.save(update_fields=["content", "source_yaml", "fingerprint"])


def _changes_from_base(version: SchemeVersion) -> list[Any]:
    if version.based_on is None:
        return []
    return scheme_changes(version.based_on.scheme(), version.scheme())


@government_required
def scheme_whatif(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft scored over the latest finished run's stored inputs."""
    version = get_object_or_404(SchemeVersion, pk=pk)
    require(request, "scoring.draft_scheme")
    run = latest_run(request.user, version.scheme_id)
    result, error, pending = None, "", False
    if run is not None:
        try:
            found = what_if_or_start(run, version)
        except InputError as exc:
            found = str(exc)
        if isinstance(found, str):
            error = found
        elif found is None:
            pending = True
        else:
            result = found
    return render(
        request,
        "scoring/scheme_whatif.html",
        {
            "title": gettext("试算：%(name)s %(version)s")
            % {"name": version.display_name(), "version": version.version},
            "version": version,
            "run": run,
            "w": result,
            "error": error,
            "pending": pending,
            "changes": _changes_from_base(version),
            "can_approve": request.user.has_perm("scoring.approve_scheme", version),
            "can_edit": request.user.has_perm("scoring.edit_scheme", version),
            "agreement": _agreement_rows(result),
            "groups": [
                (gettext("按成长阶段"), result.by_group["stage"]),
                (gettext("按所属领域"), result.by_group["industry"]),
                (gettext("按地区（市州）"), result.by_group["division"]),
            ]
            if result is not None
            else [],
        },
    )


def _agreement_rows(result: Any) -> list[dict[str, Any]]:
    if result is None:
        return []
    return [
        {
            "method": method_name(method),
            "before": result.agreement_before.get(method) or {},
            "after": after or {},
        }
        for method, after in result.agreement_after.items()
    ]


@government_required
@require_POST
def scheme_submit(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(SchemeVersion, pk=pk)
    require(request, "scoring.edit_scheme", version)
    SchemeVersion.objects.filter(pk=pk).update(state="submitted", submitted_at=timezone.now())
    record(
        "update",
        obj=version,
        summary=gettext("提交指标体系版本审批：%(v)s") % {"v": version},
        changes={"state": ["draft", "submitted"]},
    )
    messages.success(request, gettext("已提交审批，须由另一位省级管理员批准后发布。"))
    return HttpResponseRedirect(reverse("scoring:scheme", args=[pk]))


@government_required
@require_POST
def scheme_approve(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(SchemeVersion, pk=pk)
    require(request, "scoring.approve_scheme", version)
    now = timezone.now()
    with transaction.atomic():
        changed = SchemeVersion.objects.filter(pk=pk, state="submitted").update(
            state="published", approved_by=request.user, published_at=now
        )
    if changed:
        record(
            "update",
            obj=version,
            summary=gettext("批准并发布指标体系版本：%(v)s") % {"v": version},
            changes={"state": ["submitted", "published"], "approved_by": request.user.pk},
        )
        messages.success(request, gettext("已批准发布：新发起的测算将使用该版本。"))
    return HttpResponseRedirect(reverse("scoring:scheme", args=[pk]))


@government_required
@require_POST
def scheme_return(request: HttpRequest, pk: int) -> HttpResponse:
    """The approver sends the draft back to its drafter."""
    version = get_object_or_404(SchemeVersion, pk=pk)
    require(request, "scoring.approve_scheme", version)
    SchemeVersion.objects.filter(pk=pk, state="submitted").update(state="draft", submitted_at=None)
    record(
        "update",
        obj=version,
        summary=gettext("退回指标体系版本：%(v)s") % {"v": version},
        changes={"state": ["submitted", "draft"]},
    )
    messages.info(request, gettext("已退回起草人修改。"))
    return HttpResponseRedirect(reverse("scoring:scheme", args=[pk]))


@government_required
def scheme_compare(request: HttpRequest) -> HttpResponse:
    """Any two versions, of one scheme or of two, compared in words."""
    require(request, "scoring.view_scheme")
    versions = _versions()
    a = SchemeVersion.objects.filter(pk=id_param(request, "a")).first()
    b = SchemeVersion.objects.filter(pk=id_param(request, "b")).first()
    if a is None or b is None:
        a, b = default_pair(b or a)
    changes = scheme_changes(a.scheme(), b.scheme()) if a and b else []
    return render(
        request,
        "scoring/scheme_compare.html",
        {
            "title": gettext("指标体系版本比较"),
            "versions": versions,
            "a": a,
            "b": b,
            "changes": changes,
        },
    )
