"""一企一档: one enterprise's complete file — identity, qualifications, every indicator with
its sources and versions, score history, portrait and pools — as a page and as a PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from innopoints.analysis.portrait import Portrait, portrait, radar_svg
from innopoints.collection.models import FactValue
from innopoints.engine.fields import base_catalogue
from innopoints.registry.models import Enterprise, Region


@dataclass(frozen=True)
class Dossier:
    enterprise: Enterprise
    region_path: list[Region]
    portrait: Portrait
    facts: list[dict[str, Any]]
    period: str | None
    radar: str
    generated_at: Any


def _region_path(region: Region | None) -> list[Region]:
    path = []
    while region is not None:
        path.insert(0, region)
        region = region.parent
    return path


def build(enterprise: Enterprise) -> Dossier:
    view = portrait(enterprise)
    period = (
        view.result.run.period
        if view.result
        else (
            FactValue.objects.filter(enterprise=enterprise)
            .order_by("-period")
            .values_list("period", flat=True)
            .first()
        )
    )
    used = set(view.result.run.fact_ids().tolist()) if view.result else set()
    catalogue = base_catalogue()
    rows: dict[str, dict[str, Any]] = {}
    for fact in (
        FactValue.objects.filter(enterprise=enterprise, period=period)
        .select_related("source", "batch")
        .order_by("field_code", "source__code", "-version")
    ):
        field = catalogue.get(fact.field_code)
        entry = rows.setdefault(
            fact.field_code,
            {
                "code": fact.field_code,
                "name": field.header if field else fact.field_code,
                "versions": [],
            },
        )
        entry["versions"].append(
            {
                "value": fact.value,
                "source": fact.source.name,
                "version": fact.version,
                "batch": fact.batch_id,
                "used": fact.pk in used,
                "at": fact.recorded_at,
                "reason": fact.reason,
            }
        )
    return Dossier(
        enterprise,
        _region_path(enterprise.region),
        view,
        list(rows.values()),
        period,
        radar_svg(view.axes),
        timezone.now(),
    )


def pdf(dossier: Dossier) -> bytes:
    html = render_to_string("analysis/dossier_pdf.html", {"d": dossier})
    return HTML(string=html).write_pdf()
