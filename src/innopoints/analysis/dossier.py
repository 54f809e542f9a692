"""一企一档: one enterprise's complete file — identity, qualifications, every indicator with
its sources and versions, score history, portrait and pools — as a page and as a PDF.

``build_many`` assembles the files of many enterprises (a PDF batch's chunk) with a fixed
number of queries; ``build`` is the same for one. The PDF (``pdf``) is set by WeasyPrint in
the compact copy of the CJK font (``pdf_fonts``) with a stylesheet parsed once per thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, gettext
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from innopoints.analysis import pdf_fonts
from innopoints.analysis.portrait import Portrait, portraits, radar_svg
from innopoints.collection.models import DataSource, FactValue
from innopoints.engine.fields import base_catalogue
from innopoints.registry.models import Enterprise, Region
from innopoints.scoring.models import Run

STYLESHEET = Path(__file__).with_name("dossier_pdf.css")
FAMILY = "InnoPDF CJK"


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
    facts = _facts(periods, sources, scored_by, _run_fact_ids(set(scored_by.values())))
    now = timezone.now()
    families = font_families().replace('"', "'")
    return [
        Dossier(
            e,
            _region_path(e.region),
            views[e.pk],
            facts.get(e.pk, []),
            periods[e.pk],
            radar_svg(views[e.pk].axes, font_family=families),
            now,
        )
        for e in enterprises
    ]


def _run_fact_ids(run_ids: set[int]) -> dict[int, np.ndarray[Any, np.dtype[np.int64]]]:
    """Each run's value ids (sorted), read once however many enterprises it scored."""
    return {
        run.pk: np.sort(run.fact_ids())
        for run in Run.objects.filter(pk__in=run_ids).only("pk", "input_fact_ids")
    }


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
        used |= (run_of_row == run_id) & _contains(fact_ids, pks)
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


def _contains(
    sorted_ids: np.ndarray[Any, np.dtype[np.int64]], pks: np.ndarray[Any, np.dtype[np.int64]]
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    if sorted_ids.size == 0:
        return np.zeros(pks.size, dtype=bool)
    at = np.minimum(np.searchsorted(sorted_ids, pks), sorted_ids.size - 1)
    return np.asarray(sorted_ids[at] == pks)


_RENDERER = threading.local()


def _stylesheets() -> tuple[FontConfiguration, list[CSS]]:
    """This thread's font configuration and parsed stylesheets (per language): the fixed
    print stylesheet, and the fonts and the page footer. WeasyPrint's font configuration is
    not shared between threads."""
    cache = getattr(_RENDERER, "cache", None)
    if cache is None:
        fonts = FontConfiguration()
        cache = _RENDERER.cache = (fonts, {}, CSS(filename=STYLESHEET, font_config=fonts))
    fonts, by_language, fixed = cache
    language = get_language() or ""
    if language not in by_language:
        by_language[language] = CSS(string=_font_css(), font_config=fonts)
    return fonts, [fixed, by_language[language]]


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def font_families() -> str:
    """The CSS font list of the PDFs: the compact copy (when there is one), the system font
    for characters the copy lacks, then any sans-serif."""
    families = f"{_css_string(settings.INNOPOINTS_PDF_FONT)}, sans-serif"
    if pdf_fonts.compact_font() is not None:
        families = f"{_css_string(FAMILY)}, {families}"
    return families


def _font_css() -> str:
    compact = pdf_fonts.compact_font()
    families = font_families()
    face = ""
    if compact is not None:
        src = _css_string(compact.as_uri())
        face = f"@font-face {{ font-family: {_css_string(FAMILY)}; src: url({src}); }}\n"
    footer = _css_string(gettext("一企一档") + " · ")
    return (
        f"{face}html {{ font-family: {families}; }}\n"
        f"@page {{ font-family: {families}; "
        f'@bottom-center {{ content: {footer} counter(page) " / " counter(pages); }} }}\n'
    )


def pdf(dossier: Dossier) -> bytes:
    fonts, stylesheets = _stylesheets()
    html = render_to_string("analysis/dossier_pdf.html", {"d": dossier})
    return HTML(string=html).write_pdf(stylesheets=stylesheets, font_config=fonts)
