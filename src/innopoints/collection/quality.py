"""The data quality report per period, region and source (数据质量报告): completeness per
indicator, authorisation coverage, open findings."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import polars as pl
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from innopoints.collection import facts as fact_tables
from innopoints.collection import freshness
from innopoints.collection.models import DataSource, FactValue, Finding
from innopoints.core.exports import Workbook
from innopoints.engine.fields import base_catalogue
from innopoints.registry.english import localised
from innopoints.registry.models import Enterprise, Region

FIELD_KINDS = {"amount", "count", "ratio", "bool"}


@dataclass(frozen=True)
class IndicatorQuality:
    code: str
    header: str
    with_value: int
    completeness: float
    needing_authorisation: int
    authorised: int
    unauthorised: int
    open_findings: int

    @property
    def authorisation_coverage(self) -> float | None:
        if not self.needing_authorisation:
            return None
        return self.authorised / self.needing_authorisation


@dataclass(frozen=True)
class QualityReport:
    period: str
    region: Region | None
    source: DataSource | None
    n_enterprises: int
    indicators: list[IndicatorQuality]
    findings_by_kind: dict[str, int]
    findings_open: int
    findings_total: int
    # when the data changed since: the time these figures were computed (current ones are
    # being computed in the background); None when they are current
    computed_at: dt.datetime | None = None


def _scope(region: Region | None) -> list[int]:
    query = Enterprise.objects.all()
    if region is not None:
        query = query.filter(region__code__startswith=region.code_prefix())
    return list(query.values_list("id", flat=True))


def periods(limit: int = 20) -> list[str]:
    """The periods with facts, newest first (a scan of every fact: cached like the counts)."""
    return freshness.cached(
        "fact-periods",
        (limit,),
        lambda: list(
            FactValue.objects.values_list("period", flat=True)
            .distinct()
            .order_by("-period")[:limit]
        ),
    )


@dataclass(frozen=True)
class _Counts:
    """What the report needs from the facts, findings and authorisations (cached: plain
    numbers, no translated text)."""

    n: int
    with_value: dict[str, int]
    need: dict[str, int]
    ok: dict[str, int]
    open_by_field: dict[str, int]
    by_kind: dict[str, int]
    total: int
    open: int


def build(
    period: str,
    region: Region | None = None,
    source: DataSource | None = None,
    as_of: dt.date | None = None,
    *,
    wait: bool = False,
) -> QualityReport:
    """The report; its counts are computed once per state of the collected data (a new batch,
    a resolved finding, a changed authorisation: see ``freshness``) and read from the shared
    cache after that."""
    key = (period, region.pk if region else "-", source.pk if source else "-", as_of or "-")
    counts, computed_at = freshness.cached_or_earlier(
        "quality-counts", key, lambda: _counts(period, region, source, as_of), wait=wait
    )
    indicators = []
    for field in base_catalogue():
        if field.kind not in FIELD_KINDS:
            continue
        count = counts.with_value.get(field.code, 0)
        needed = counts.need.get(field.code, 0)
        authorised = counts.ok.get(field.code, 0)
        if not (count or needed or counts.open_by_field.get(field.code)) and source is not None:
            continue
        indicators.append(
            IndicatorQuality(
                field.code,
                field.header,
                count,
                count / counts.n if counts.n else 0.0,
                needed,
                authorised,
                needed - authorised,
                counts.open_by_field.get(field.code, 0),
            )
        )
    return QualityReport(
        period,
        region,
        source,
        counts.n,
        indicators,
        dict(counts.by_kind),
        counts.open,
        counts.total,
        computed_at,
    )


def _counts(
    period: str, region: Region | None, source: DataSource | None, as_of: dt.date | None
) -> _Counts:
    enterprise_ids = _scope(region)
    latest = fact_tables.latest_versions(period, None, enterprise_ids if region else None)
    if source is not None:
        latest = latest.filter(pl.col("source_id") == source.pk)
    marked = fact_tables.with_priority_and_authorisation(latest, as_of)
    needing = marked.filter(pl.col("requires_authorisation"))
    effective = fact_tables.effective(latest, authorised_only=True, as_of=as_of)
    findings = Finding.objects.filter(period=period)
    if region is not None:
        findings = findings.filter(enterprise__region__code__startswith=region.code_prefix())
    if source is not None:
        findings = findings.filter(batch__source=source)
    open_by_field = dict(
        findings.filter(status="open")
        .values_list("field_code")
        .annotate(n=Count("id"))
        .values_list("field_code", "n")
    )
    by_kind = dict(findings.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    totals = findings.aggregate(total=Count("id"), open=Count("id", filter=Q(status="open")))

    def per_field(frame: pl.DataFrame) -> dict[str, int]:
        return {str(k): int(v) for k, v in frame.iter_rows()}

    return _Counts(
        n=len(enterprise_ids),
        with_value=per_field(effective.group_by("field_code").len()),
        need=per_field(needing.group_by("field_code").agg(pl.col("enterprise_id").n_unique())),
        ok=per_field(
            needing.filter(pl.col("authorised"))
            .group_by("field_code")
            .agg(pl.col("enterprise_id").n_unique())
        ),
        open_by_field={str(k): int(v) for k, v in open_by_field.items()},
        by_kind={str(k): int(v) for k, v in by_kind.items()},
        total=int(totals["total"]),
        open=int(totals["open"]),
    )


def to_xlsx(report: QualityReport) -> bytes:
    workbook = Workbook()
    sheet = workbook.create_sheet(_("数据质量"))
    scope = localised(report.region.name) if report.region else _("全部地区")
    source = report.source.display_name if report.source else _("全部来源")
    sheet.append(
        [
            _("数据期 %(period)s") % {"period": report.period},
            scope,
            source,
            _("企业数 %(n)s") % {"n": report.n_enterprises},
        ]
    )
    sheet.append(
        [
            _("指标代码"),
            _("指标"),
            _("有值企业数"),
            _("完整率"),
            _("需授权数值"),
            _("已授权"),
            _("未授权（不用于积分）"),
            _("授权覆盖率"),
            _("待处理核验问题"),
        ]
    )
    for row in report.indicators:
        sheet.append(
            [
                row.code,
                row.header,
                row.with_value,
                round(row.completeness, 4),
                row.needing_authorisation,
                row.authorised,
                row.unauthorised,
                None
                if row.authorisation_coverage is None
                else round(row.authorisation_coverage, 4),
                row.open_findings,
            ]
        )
    findings = workbook.create_sheet(_("核验问题"))
    findings.append([_("类型"), _("数量")])
    labels = dict(Finding.KINDS)
    for kind, count in report.findings_by_kind.items():
        findings.append([str(labels.get(kind, kind)), count])
    findings.append([_("待处理"), report.findings_open])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
