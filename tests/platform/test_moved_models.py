"""The background-work models moved out of the former ``jobs`` app (to core, collection, scoring
and analysis) by state-only migrations: a database migrated before the move keeps its tables
and rows, and the models read them where they now live."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from innopoints.analysis.models import DossierBatch
from innopoints.collection.models import ImportJob
from innopoints.core.models import QueuedTask
from innopoints.scoring.models import RunPart

BEFORE_THE_MOVE = [
    ("jobs", "0001_initial"),
    ("core", None),
    ("collection", "0005_authorisation_newest"),
    ("scoring", "0015_result_coverage"),
    ("analysis", "0005_board_from_pool_or_filter"),
]
MOVED_TABLES = {
    QueuedTask: "jobs_queuedtask",
    ImportJob: "jobs_importjob",
    RunPart: "jobs_runpart",
    DossierBatch: "jobs_dossierbatch",
}


def test_each_moved_model_keeps_its_table() -> None:
    assert {model: model._meta.db_table for model in MOVED_TABLES} == MOVED_TABLES


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_are_read_after_it(reference_data: Any) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_MOVE)  # state-only steps: no table is dropped or renamed
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO jobs_queuedtask (task, args, reason, created_at) "
            "VALUES ('innopoints.jobs.redispatch', '[]', 'broker down', CURRENT_TIMESTAMP)"
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    kept = QueuedTask.objects.get()
    assert (kept.task, kept.reason, kept.sent_at) == (
        "innopoints.jobs.redispatch",
        "broker down",
        None,
    )
