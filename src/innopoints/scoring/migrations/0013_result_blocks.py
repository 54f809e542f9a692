"""Breakdowns move from one packed value per result into blocks of 1,024 results per run
(ResultBlock, in rank order; Result.block and Result.slot say where a row is). Existing runs'
breakdowns are copied byte for byte; on PostgreSQL the block values are stored uncompressed
(STORAGE EXTERNAL) so one row's bytes can be read without reading the whole block."""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

BLOCK_ROWS = 1024


def move_breakdowns(apps: Any, schema_editor: Any) -> None:
    Result = apps.get_model("scoring", "Result")
    ResultBlock = apps.get_model("scoring", "ResultBlock")
    alias = schema_editor.connection.alias
    run_ids = Result.objects.using(alias).order_by().values_list("run_id", flat=True).distinct()
    for run_id in list(run_ids):
        rows = (
            Result.objects.using(alias)
            .filter(run_id=run_id)
            .order_by(models.F("rank").asc(nulls_last=True), "enterprise_id")
            .values_list("pk", "enterprise_id", "breakdown")
        )
        chunk: list[tuple[int, int, bytes]] = []
        index = 0
        for row in rows.iterator(chunk_size=BLOCK_ROWS):
            chunk.append(row)
            if len(chunk) == BLOCK_ROWS:
                _store(Result, ResultBlock, alias, run_id, index, chunk)
                index, chunk = index + 1, []
        if chunk:
            _store(Result, ResultBlock, alias, run_id, index, chunk)


def _store(
    Result: Any, ResultBlock: Any, alias: str, run_id: int, index: int, chunk: list[Any]
) -> None:
    ids = b"".join(int(e).to_bytes(8, "little", signed=True) for _pk, e, _b in chunk)
    values = b"".join(bytes(b) for _pk, _e, b in chunk)
    ResultBlock.objects.using(alias).create(
        run_id=run_id, index=index, enterprise_ids=ids, values=values
    )
    rows = [Result(pk=pk, block=index, slot=slot) for slot, (pk, _e, _b) in enumerate(chunk)]
    Result.objects.using(alias).bulk_update(rows, ["block", "slot"])


def external_storage(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE "scoring_resultblock" ALTER COLUMN "values" SET STORAGE EXTERNAL'
        )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0012_robustness_analysis")]

    operations = [
        migrations.CreateModel(
            name="ResultBlock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("index", models.PositiveIntegerField(verbose_name="块号")),
                ("enterprise_ids", models.BinaryField(verbose_name="企业编号")),
                ("values", models.BinaryField(verbose_name="明细数值")),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="blocks",
                        to="scoring.run",
                        verbose_name="积分测算",
                    ),
                ),
            ],
            options={"verbose_name": "积分明细块", "verbose_name_plural": "积分明细块"},
        ),
        migrations.AddConstraint(
            model_name="resultblock",
            constraint=models.UniqueConstraint(
                fields=("run", "index"), name="result_block_once_per_run"
            ),
        ),
        migrations.AddField(
            model_name="result",
            name="block",
            field=models.PositiveIntegerField(default=0, verbose_name="明细块"),
        ),
        migrations.AddField(
            model_name="result",
            name="slot",
            field=models.PositiveIntegerField(default=0, verbose_name="块内位置"),
        ),
        migrations.RunPython(external_storage, migrations.RunPython.noop),
        migrations.RunPython(move_breakdowns, migrations.RunPython.noop),
        migrations.RemoveField(model_name="result", name="breakdown"),
    ]
