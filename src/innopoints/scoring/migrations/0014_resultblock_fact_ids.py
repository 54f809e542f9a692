from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scoring", "0013_result_blocks")]

    operations = [
        migrations.AddField(
            model_name="resultblock",
            name="fact_ids",
            field=models.BinaryField(default=b"", verbose_name="使用的数值（编号）"),
        ),
    ]
