"""Load the 行政区划 tree and the industry fields from their named sources (reference.py)."""

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from innopoints.registry.reference import INDUSTRY_SOURCES, divisions, industry_fields

    region = apps.get_model("registry", "Region")
    rows = [
        region(code=d.code, name=d.name, level=d.level, parent_id=d.parent) for d in divisions()
    ]
    region.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    field = apps.get_model("registry", "IndustryField")
    field.objects.bulk_create(
        [
            field(code=c, name=n, group=g, source=INDUSTRY_SOURCES[g])
            for c, n, g in industry_fields()
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
