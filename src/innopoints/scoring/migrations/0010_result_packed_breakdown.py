"""The breakdown moves from JSON text to packed float64 (see Result.breakdown); existing results
are converted in place, each run getting the layout its JSON had."""

import json
import math
import struct

from django.db import migrations, models

PARTS = ["raw", "value", "origin", "t", "x", "pts"]


def _number(value):
    return math.nan if value is None else float(value)


def pack_existing(apps, schema_editor):
    Run = apps.get_model("scoring", "Run")
    Result = apps.get_model("scoring", "Result")
    for run in Run.objects.filter(results__isnull=False).distinct().iterator():
        layout = None
        batch = []
        for result in Result.objects.filter(run=run).only("pk", "breakdown_json").iterator(2000):
            loaded = json.loads(result.breakdown_json)
            if layout is None:
                layout = {
                    "ind": list(loaded["ind"]),
                    "parts": PARTS,
                    "bonus": list(loaded.get("bonus", {})),
                }
            numbers = [_number(v) for code in layout["ind"] for v in loaded["ind"][code]]
            numbers += [_number(loaded.get("bonus", {}).get(code)) for code in layout["bonus"]]
            result.breakdown = struct.pack(f"<{len(numbers)}d", *numbers)
            batch.append(result)
            if len(batch) == 2000:
                Result.objects.bulk_update(batch, ["breakdown"])
                batch = []
        Result.objects.bulk_update(batch, ["breakdown"])
        report = dict(run.report or {})
        report["breakdown_layout"] = layout
        Run.objects.filter(pk=run.pk).update(report=report)


class Migration(migrations.Migration):
    dependencies = [("scoring", "0009_references_checked_setwise")]

    operations = [
        migrations.AddField(
            model_name="result",
            name="breakdown",
            field=models.BinaryField(default=b"", verbose_name="明细（压缩数值）"),
            preserve_default=False,
        ),
        migrations.RunPython(pack_existing, migrations.RunPython.noop),
        migrations.RemoveField(model_name="result", name="breakdown_json"),
    ]
