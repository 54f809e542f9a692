"""The fields seed 004 names for publishing 积分榜 (人工智能, 先进装备, 生物制造, 清洁能源,
先进材料, 航空航天): the five no other group holds, as group ``board`` (航空航天 is already a
高新技术领域). Written out here, not read from reference.py, so the migration stays as it was."""

from django.db import migrations, models

SOURCE = "seed 004（六）公布应用“积分榜”：重点公布的领域"
FIELDS = [
    ("board-01", "人工智能"),
    ("board-02", "先进装备"),
    ("board-03", "生物制造"),
    ("board-04", "清洁能源"),
    ("board-05", "先进材料"),
]


def add(apps, schema_editor):  # type: ignore[no-untyped-def]
    field = apps.get_model("registry", "IndustryField")
    field.objects.bulk_create(
        [field(code=c, name=n, group="board", source=SOURCE) for c, n in FIELDS],
        ignore_conflicts=True,
    )


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("registry", "IndustryField").objects.filter(
        code__in=[c for c, _n in FIELDS], enterprises__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_reference_data")]

    operations = [
        migrations.AlterField(
            model_name="industryfield",
            name="group",
            field=models.CharField(
                choices=[
                    ("hitech", "高新技术领域"),
                    ("strategic", "战略性新兴产业"),
                    ("future", "未来产业"),
                    ("board", "积分榜重点公布领域"),
                ],
                max_length=16,
                verbose_name="类别",
            ),
        ),
        migrations.RunPython(add, remove),
    ]
