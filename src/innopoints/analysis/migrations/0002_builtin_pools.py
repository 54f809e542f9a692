"""The built-in cultivation pools (pools.yaml)."""

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from innopoints.analysis.pools import builtin_pools

    pool = apps.get_model("analysis", "Pool")
    for spec in builtin_pools():
        pool.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "description": spec.get("note", ""),
                "rule": spec["rule"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("analysis", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
