"""Sichuan's targets for 2027, from seed 004 (四川省企业创新积分制实施方案) 一、总体目标:

    到 2027 年，形成四川特色、数据驱动、客观适用的企业创新积分评价指标体系，完成 3 万家科技型
    企业积分评价，推动科技企业贷款余额突破 6000 亿元，直接融资达到 500 亿元。

(30,000 enterprises scored; loans 6,000 亿元; direct financing 500 亿元.) Kept when it is
there already (a government may have edited it); removed on the way back only if unchanged."""

from decimal import Decimal

from django.db import migrations

SOURCE = "四川省企业创新积分制实施方案 一、总体目标"
SEED = {
    "enterprises_scored": 30_000,
    "loan_volume": Decimal("6000.00"),
    "direct_financing": Decimal("500.00"),
}


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Region = apps.get_model("registry", "Region")
    Target = apps.get_model("targets", "Target")
    if not Region.objects.filter(code="510000").exists():
        return  # a registry without Sichuan: nothing to seed
    Target.objects.get_or_create(
        division_id="510000", year=2027, defaults={**SEED, "source": SOURCE}
    )


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Target = apps.get_model("targets", "Target")
    Target.objects.filter(division_id="510000", year=2027, source=SOURCE, **SEED).delete()


class Migration(migrations.Migration):
    dependencies = [("targets", "0001_initial"), ("registry", "0002_reference_data")]
    operations = [migrations.RunPython(seed, unseed)]
