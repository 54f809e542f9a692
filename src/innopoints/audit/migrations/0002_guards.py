"""Database triggers that refuse changing or deleting log rows (see innopoints.audit.guards):
PostgreSQL refuses UPDATE and DELETE (TRUNCATE stays possible: test flushes use it); SQLite
refuses UPDATE only, as Django's flush empties SQLite tables with DELETE."""

from django.db import migrations


def install(apps, schema_editor):
    from innopoints.audit import guards

    guards.install(schema_editor.connection, apps.get_model("audit", "AuditEntry"))


def uninstall(apps, schema_editor):
    from innopoints.audit import guards

    guards.uninstall(schema_editor.connection, apps.get_model("audit", "AuditEntry"))


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
