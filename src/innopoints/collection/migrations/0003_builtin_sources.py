"""Create the data sources of seed 004 附件1 (sources.yaml) and the manual-correction source."""

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from innopoints.collection.reference_data import load_sources

    load_sources(
        apps.get_model("collection", "DataSource"), apps.get_model("collection", "SourceField")
    )


class Migration(migrations.Migration):
    dependencies = [("collection", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
