"""The built-in cultivation pools (pools.yaml)."""

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from innopoints.analysis.pools import load_pools

    load_pools(apps.get_model("analysis", "Pool"))


class Migration(migrations.Migration):
    dependencies = [("analysis", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
