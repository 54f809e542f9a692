"""The matching of a run (policies and products), for pages of the apps below this one (the
积分榜 page shows whether its run has been matched): a template tag, loaded by name, so those
apps never import this one."""

from __future__ import annotations

from django import template

from innopoints.applications.models import RunMatching

register = template.Library()


@register.simple_tag
def run_matching(run_id: int | None) -> RunMatching | None:
    return RunMatching.objects.filter(run_id=run_id).first() if run_id else None
