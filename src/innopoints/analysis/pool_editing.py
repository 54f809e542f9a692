"""政府端 → 培育库规则: the pools and their rules in words, and the form that edits a rule with a
preview on the latest run's data before it is saved. A saved rule applies from the next run;
finished runs keep the members they stored. Every save is audited and kept in the pool's
history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from innopoints.accounts.decorators import government_required, require
from innopoints.analysis.board_words import pool_name
from innopoints.analysis.models import Pool, PoolMembership
from innopoints.analysis.pool_form import (
    ConditionFormSet,
    PoolForm,
    describe_rule,
    initial_rows,
    rule_from,
)
from innopoints.analysis.pool_preview import preview, preview_run
from innopoints.analysis.pools import RuleError
from innopoints.audit.log import record
from innopoints.site import names


@government_required
def pool_rules(request: HttpRequest) -> HttpResponse:
    run = preview_run()
    version = run.scheme_version if run else None
    counts: dict[int, int] = {}
    if run is not None:
        counts = dict(
            PoolMembership.objects.filter(run=run)
            .order_by()
            .values_list("pool")
            .annotate(n=Count("pk"))
        )
    pools = [
        {
            "pool": pool,
            "name": pool_name(pool),
            "rule": describe_rule(pool.rule, version),
            "members": counts.get(pool.pk, 0) if run else None,
        }
        for pool in Pool.objects.order_by("pk")
    ]
    return render(
        request,
        "analysis/pool_rules.html",
        {
            "title": _("培育库规则"),
            "pools": pools,
            "run": run,
            "may_edit": request.user.has_perm("analysis.manage_pool"),
        },
    )


@government_required
def pool_rule_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    require(request, "analysis.manage_pool")
    pool = get_object_or_404(Pool, code=code) if code else None
    run = preview_run()
    version = run.scheme_version if run else None
    nested = False
    if request.method == "POST":
        form = PoolForm(request.POST, pool=pool)
        rows = ConditionFormSet(request.POST, form_kwargs={"version": version})
    else:
        initial: dict[str, Any] = {}
        conditions: list[dict[str, str]] = []
        if pool is not None:
            initial = {
                "name": pool.name,
                "code": pool.code,
                "description": pool.description,
                "combine": next(iter(pool.rule)),
            }
            try:
                conditions = initial_rows(pool.rule, version)
            except ValueError:
                nested = True
        form = PoolForm(initial=initial, pool=pool)
        rows = ConditionFormSet(initial=conditions, form_kwargs={"version": version})
    shown = None
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        try:
            rule = rule_from(form, rows)
        except (forms.ValidationError, RuleError) as error:
            form.add_error(None, error.messages if hasattr(error, "messages") else str(error))
        else:
            if "preview" in request.POST:
                if run is None:
                    messages.info(request, _("还没有完成的测算，无法预览"))
                else:
                    shown = preview(rule, run)
            else:
                return _save(request, pool, form, rule)
    return render(
        request,
        "analysis/pool_rule_form.html",
        {
            "title": _("修改培育库规则") if pool else _("新建培育库"),
            "form": form,
            "rows": rows,
            "pool": pool,
            "nested": nested,
            "current": describe_rule(pool.rule, version) if pool else [],
            "shown": shown,
            "by_stage": [(names.stage_name(s, version), n) for s, n in shown.by_stage]
            if shown
            else [],
            "run": run,
        },
    )


def _save(request: HttpRequest, pool: Pool | None, form: PoolForm, rule: dict[str, Any]) -> Any:
    data = form.cleaned_data
    if pool is None:
        pool = Pool(code=data["code"])
    before = pool.rule if pool.pk else None
    pool.name, pool.description, pool.rule = data["name"], data["description"], rule
    pool.save()
    record(
        "update" if before is not None else "create",
        obj=pool,
        summary=f"{'修改' if before is not None else '新建'}培育库规则：{pool.name}："
        + "；".join(describe_rule(rule)),
    )
    messages.success(request, _("已保存：%(name)s。新规则自下次测算起生效。") % {"name": pool.name})
    return HttpResponseRedirect(reverse("analysis:pool-rules"))
