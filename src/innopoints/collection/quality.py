"""The data quality report per period, region and source (数据质量报告): completeness per
indicator, authorisation coverage, open findings."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import polars as pl
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from openpyxl import Workbook

from innopoints.collection import facts as fact_tables
from innopoints.collection.models import DataSource, Finding
from innopoints.engine.fields import base_catalogue
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


def _scope(region: Region | None) -> list[int]:
    query = Enterprise.objects.all()
    if region is not None:
        query = query.filter(region__code__startswith=region.code_prefix())
    return list(query.values_list("id", flat=True))


def build(
    period: str,
    region: Region | None = None,
    source: DataSource | None = None,
    as_of: dt.date | None = None,
) -> QualityReport:
    enterprise_ids = _scope(region)
    n = len(enterprise_ids)
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
    with_value = dict(effective.group_by("field_code").len().iter_rows())
    need = dict(needing.group_by("field_code").agg(pl.col("enterprise_id").n_unique()).iter_rows())
    ok = dict(
        needing.filter(pl.col("authorised"))
        .group_by("field_code")
        .agg(pl.col("enterprise_id").n_unique())
        .iter_rows()
    )
    indicators = []
    for field in base_catalogue():
        if field.kind not in FIELD_KINDS:
            continue
        count = int(with_value.get(field.code, 0))
        needed = int(need.get(field.code, 0))
        authorised = int(ok.get(field.code, 0))
        if not (count or needed or open_by_field.get(field.code)) and source is not None:
            continue
        indicators.append(
            IndicatorQuality(
                field.code,
                field.header,
                count,
                count / n if n else 0.0,
                needed,
                authorised,
                needed - authorised,
                int(open_by_field.get(field.code, 0)),
            )
        )
    by_kind = dict(findings.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    totals = findings.aggregate(total=Count("id"), open=Count("id", filter=Q(status="open")))
    return QualityReport(
        period, region, source, n, indicators, by_kind, totals["open"], totals["total"]
    )


def to_xlsx(report: QualityReport) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("数据质量"))
    scope = report.region.name if report.region else _("全部地区")
    source = report.source.name if report.source else _("全部来源")
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
