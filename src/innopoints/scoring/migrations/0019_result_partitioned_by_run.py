"""Results partitioned by run (PostgreSQL): a run's results are loaded as a table of their own
before their indexes are built, then attached (core.partitions). The model is unchanged."""

from typing import Any

from django.db import migrations

from innopoints.core.partitioning import from_list_partitions, to_list_partitions


def forward(apps: Any, schema_editor: Any) -> None:
    to_list_partitions(schema_editor, "scoring_result", "run_id")


def backward(apps: Any, schema_editor: Any) -> None:
    from_list_partitions(schema_editor, "scoring_result", "run_id")


class Migration(migrations.Migration):
    dependencies = [("scoring", "0018_result_unique_run_first")]

    operations = [migrations.RunPython(forward, backward)]
