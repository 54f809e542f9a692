"""The enterprise search (registry/search.py): the legal representative, the pinyin initials of
every name (backfilled here), and the indexes (registry/search_index.py): pg_trgm and
two-character pieces on PostgreSQL, an FTS5 table kept by triggers on SQLite."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

CHUNK = 5000


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    from innopoints.registry.initials import initials

    enterprise = apps.get_model("registry", "Enterprise")
    rows = enterprise.objects.using(schema_editor.connection.alias).order_by("pk")
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last).only("pk", "name")[:CHUNK])
        if not chunk:
            return
        for row in chunk:
            row.initials = initials(row.name)
        rows.bulk_update(chunk, ["initials"])
        last = chunk[-1].pk


def create_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    from innopoints.registry.search_index import ensure_index

    ensure_index(schema_editor.connection)


def drop_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    from innopoints.registry.search_index import drop_index

    drop_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_board_fields"),
    ]

    operations = [
        TrigramExtension(),  # PostgreSQL only (a no-op elsewhere)
        migrations.AddField(
            model_name="enterprise",
            name="initials",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=200,
                verbose_name="名称拼音首字母",
            ),
        ),
        migrations.AddField(
            model_name="enterprise",
            name="legal_representative",
            field=models.CharField(
                blank=True, db_index=True, default="", max_length=64, verbose_name="法定代表人"
            ),
        ),
        migrations.AddField(
            model_name="historicalenterprise",
            name="initials",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=200,
                verbose_name="名称拼音首字母",
            ),
        ),
        migrations.AddField(
            model_name="historicalenterprise",
            name="legal_representative",
            field=models.CharField(
                blank=True, db_index=True, default="", max_length=64, verbose_name="法定代表人"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_index, drop_index),
    ]
