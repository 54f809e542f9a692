"""The breakdown blocks' enterprise ids compressed with lz4 as well (where the server has it):
left to the default pglz, a national run's million ids took half a second of the server's
CPU to compress. Blocks stored before stay as they are; SQLite is left alone."""

from typing import Any

from django.db import migrations

from innopoints.core.bulk import server_has_lz4

TABLE = '"scoring_resultblock"'


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if server_has_lz4(cursor):
            cursor.execute(f'ALTER TABLE {TABLE} ALTER COLUMN "enterprise_ids" SET COMPRESSION lz4')


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE {TABLE} ALTER COLUMN "enterprise_ids" SET COMPRESSION DEFAULT')


class Migration(migrations.Migration):
    dependencies = [("scoring", "0022_result_categories_summed_from_breakdown")]

    operations = [migrations.RunPython(forward, backward)]
