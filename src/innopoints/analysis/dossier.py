"""一企一档: one enterprise's complete file — identity, qualifications, every indicator with
its sources and versions, score history, portrait and pools — as a page and as a PDF.

``build_many`` assembles the files of many enterprises (a PDF batch's chunk) with a fixed
number of queries; ``build`` is the same for one. The PDF (``pdf``) is drawn by
``dossier_pdf``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Max
from django.utils import timezone

from innopoints.analysis import dossier_pdf
from innopoints.analysis.portrait import Portrait, portraits
from innopoints.collection.models import DataSource, FactValue
from innopoints.engine.fields import base_catalogue
from innopoints.registry.models import Enterprise, Region
from innopoints.scoring.used_values import used_ids_of_runs, used_mask


@dataclass(frozen=True)
class Dossier:
    enterprise: Enterprise
    region_path: list[Region]
    portrait: Portrait
    facts: list[dict[str, Any]]
    period: str | None
    generated_at: Any


def _region_path(region: Region | None) -> list[Region]:
    path = []
    while region is not None:
        path.insert(0, region)
        region = region.parent
    return path


def build(enterprise: Enterprise) -> Dossier:
    return build_many([enterprise])[0]


def build_many(enterprises: list[Enterprise]) -> list[Dossier]:
    """The files of ``enterprises``, in their order. Queries: the enterprises' fields and
    qualifications, their portraits (``portraits``), the latest data period of those without
    a result, every fact of their periods, the sources, and each run's value ids once."""
    ids = [e.pk for e in enterprises]
    loaded = {
        e.pk: e
        for e in Enterprise.objects.filter(pk__in=ids)
        .select_related("region__parent__parent")
        .prefetch_related("industry_fields", "qualifications")
    }
    enterprises = [loaded[pk] for pk in ids]
    views = portraits(enterprises)
    periods: dict[int, str | None] = {
        pk: view.result.run.period for pk, view in views.items() if view.result is not None
    }
    unscored = [pk for pk in ids if pk not in periods]
    if unscored:
        latest = dict(
            FactValue.objects.filter(enterprise_id__in=unscored)
            .values_list("enterprise_id")
            .annotate(period=Max("period"))
            .values_list("enterprise_id", "period")
        )
        periods.update({pk: latest.get(pk) for pk in unscored})
    sources = dict(DataSource.objects.values_list("pk", "name"))
    scored_by = {pk: v.result.run_id for pk, v in views.items() if v.result is not None}
    facts = _facts(periods, sources, scored_by, used_ids_of_runs(scored_by.values()))
    now = timezone.now()
    return [
        Dossier(
            e,
            _region_path(e.region),
            views[e.pk],
            facts.get(e.pk, []),
            periods[e.pk],
            now,
        )
        for e in enterprises
    ]


def _facts(
    periods: dict[int, str | None],
    sources: dict[int, str],
    scored_by: dict[int, int],
    run_fact_ids: dict[int, np.ndarray[Any, np.dtype[np.int64]]],
) -> dict[int, list[dict[str, Any]]]:
    """Every version of every fact of each enterprise's period, by field, marked when the
    enterprise's latest run used it."""
    by_period: dict[str, list[int]] = {}
    for pk, period in periods.items():
        if period is not None:
            by_period.setdefault(period, []).append(pk)
    catalogue = base_catalogue()
    rows = []
    for period, members in by_period.items():
        rows += list(
            FactValue.objects.filter(enterprise_id__in=members, period=period)
            .order_by("enterprise_id", "field_code", "source__code", "-version")
            .values_list(
                "pk",
                "enterprise_id",
                "field_code",
                "value",
                "source_id",
                "version",
                "batch_id",
                "recorded_at",
                "reason",
            )
        )
    pks = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    run_of_row = np.fromiter((scored_by.get(r[1], 0) for r in rows), np.int64, len(rows))
    used = np.zeros(len(rows), dtype=bool)
    for run_id, fact_ids in run_fact_ids.items():
        used |= (run_of_row == run_id) & used_mask(fact_ids, pks)
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for row, is_used in zip(rows, used.tolist(), strict=True):
        _pk, enterprise_id, code, value, source_id, version, batch, at, reason = row
        field = catalogue.get(code)
        entry = out.setdefault(enterprise_id, {}).setdefault(
            code, {"code": code, "name": field.header if field else code, "versions": []}
        )
        entry["versions"].append(
            {
                "value": value,
                "source": sources[source_id],
                "version": version,
                "batch": batch,
                "used": is_used,
                "at": at,
                "reason": reason,
            }
        )
    return {pk: list(fields.values()) for pk, fields in out.items()}


def pdf(dossier: Dossier) -> bytes:
    """The file as PDF, in the current language (``dossier_pdf``)."""
    return dossier_pdf.render(dossier)
