"""Breakdown blocks partitioned by run (PostgreSQL): a national run's blocks are loaded as a
table of their own on a second connection while its results are loaded on the first, then
attached with them (core.partitions.loaded_beside). The model is unchanged."""

from typing import Any

from django.db import migrations

from innopoints.core.partitioning import from_list_partitions, to_list_partitions


def forward(apps: Any, schema_editor: Any) -> None:
    to_list_partitions(schema_editor, "scoring_resultblock", "run_id")


def backward(apps: Any, schema_editor: Any) -> None:
    from_list_partitions(schema_editor, "scoring_resultblock", "run_id")


class Migration(migrations.Migration):
    dependencies = [("scoring", "0020_result_block_values_lz4")]

    operations = [migrations.RunPython(forward, backward)]
