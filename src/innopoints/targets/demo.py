"""Demo data of 监测评价 (called by ops/demo.py), so that a visitor sees a board with some
sources on time, some late and some missing: the province's delivery deadlines for the
period, set around the day the demo's files were imported (most sources due a fortnight after
it, 应急管理厅 and 省法院 ten days before it, the tax bureau's data due earlier from 自贡 and
绵阳; 教育厅 and 省发展改革委, which sent nothing, due a month ago); three cities' targets for the
year and two cities' work summaries, one acknowledged. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from innopoints.collection.models import DataSource, ImportBatch
from innopoints.registry.models import Region
from innopoints.targets.models import DeliveryDeadline, Target, WorkSummary

LATE_EVERYWHERE = ("emergency", "court")
LATE_TAX_FROM = ("510300", "510700")  # 自贡市, 绵阳市
CITY_TARGETS = {"510100": 1200, "510300": 150, "510700": 300}  # enterprises scored
SUMMARIES = {
    "510100": (
        "2025 年成都市完成创新积分评价企业的数据汇缴，组织区（市）县科技部门核验数据，"
        "推动积分结果在科创贷款中的应用。",
        True,
    ),
    "510700": ("2025 年绵阳市创新积分工作总结：数据报送、企业授权和政策对接情况。", False),
}


def build(period: str, admin: Any) -> int:
    """The period's deadlines, targets and summaries; the number of deadlines made (0 when
    they were already there or nothing was imported)."""
    if DeliveryDeadline.objects.filter(period=period).exists():
        return 0
    first = ImportBatch.objects.filter(period=period).order_by("imported_at").first()
    if first is None:
        return 0
    province = Region.objects.get(code="510000")
    imported = timezone.localdate(first.imported_at)
    today = timezone.localdate()
    made = 0
    with transaction.atomic():
        for source in DataSource.objects.filter(manual=False):
            if not ImportBatch.objects.filter(period=period, source=source).exists():
                due, note = today - dt.timedelta(days=30), "示例：未报送"
            elif source.code in LATE_EVERYWHERE:
                due, note = imported - dt.timedelta(days=10), "示例：逾期报送"
            else:
                due, note = imported + dt.timedelta(days=14), "示例"
            DeliveryDeadline.objects.create(
                source=source,
                division=province,
                period=period,
                due_on=due,
                note=note,
                updated_by=admin,
            )
            made += 1
        tax = DataSource.objects.get(code="tax")
        for code in LATE_TAX_FROM:
            DeliveryDeadline.objects.create(
                source=tax,
                division=Region.objects.get(code=code),
                period=period,
                due_on=imported - dt.timedelta(days=5),
                note="示例：该市税务数据要求提前报送",
                updated_by=admin,
            )
            made += 1
        year = int(period[:4])
        for code, scored in CITY_TARGETS.items():
            Target.objects.get_or_create(
                division_id=code,
                year=year,
                defaults={
                    "enterprises_scored": scored,
                    "loan_volume": Decimal(10),
                    "direct_financing": Decimal(2),
                    "source": "示例目标",
                    "updated_by": admin,
                },
            )
        for code, (text, acknowledged) in SUMMARIES.items():
            WorkSummary.objects.create(
                division_id=code,
                year=year,
                text=text,
                file_name=f"{code}-{year}-工作总结.txt",
                content=text.encode(),
                size=len(text.encode()),
                uploaded_by=admin,
                status=WorkSummary.Status.ACKNOWLEDGED
                if acknowledged
                else WorkSummary.Status.SUBMITTED,
                reviewed_by=admin if acknowledged else None,
                reviewed_at=timezone.now() if acknowledged else None,
                review_note="已阅，数据报送及时。" if acknowledged else "",
            )
    return made
