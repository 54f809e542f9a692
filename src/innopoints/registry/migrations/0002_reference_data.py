"""Load the 行政区划 tree and the industry fields from their named sources (reference.py)."""

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from innopoints.registry.reference import load_reference

    load_reference(
        apps.get_model("registry", "Region"), apps.get_model("registry", "IndustryField")
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
