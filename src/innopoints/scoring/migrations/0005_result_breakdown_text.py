from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scoring", "0004_run_ranked_totals")]

    operations = [
        migrations.RenameField("result", "breakdown", "breakdown_json"),
        migrations.AlterField(
            "result", "breakdown_json", models.TextField(verbose_name="明细（JSON）")
        ),
    ]
