"""A result's points per first-level category are no longer stored by new runs: they are
summed from its breakdown when read (Result.category_points), to the same bits. Results
stored before keep theirs. Going back fills the empty ones with {} (read the same way)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scoring", "0021_result_block_partitioned_by_run")]

    operations = [
        migrations.AlterField(
            model_name="result",
            name="categories",
            field=models.JSONField(blank=True, null=True, verbose_name="一级指标得分"),
        ),
    ]
