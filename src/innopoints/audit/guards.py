"""Database triggers that keep the log append-only even for SQL sent around the application.

PostgreSQL: a row trigger refuses DELETE and any UPDATE, except emptying ``actor_id`` or
``enterprise_id`` (what deleting a user or an enterprise does, ``on_delete=SET_NULL``). TRUNCATE
is not a row operation and stays possible: the test flush uses it, and on a production database
only the owner of the table may run it.

SQLite: Django's flush (between transactional tests, ``manage.py flush``) empties tables with
DELETE, so there is no DELETE trigger there; the UPDATE trigger is installed. SQLite rebuilds a
table when one of its columns is altered, dropping its triggers: ``ensure`` (after every
migrate) puts them back."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

TRIGGER = "audit_auditentry_immutable"
DETACHABLE_COLUMNS = ("actor_id", "enterprise_id")


def _postgres_function(table: str) -> str:
    keep = " - ".join(f"'{c}'" for c in DETACHABLE_COLUMNS)
    detached = "\n           OR ".join(
        f"(NEW.{c} IS NOT NULL AND NEW.{c} IS DISTINCT FROM OLD.{c})" for c in DETACHABLE_COLUMNS
    )
    return f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit log entries cannot be deleted ({table})'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (to_jsonb(NEW) - {keep}) IS DISTINCT FROM (to_jsonb(OLD) - {keep})
           OR {detached} THEN
        RAISE EXCEPTION 'audit log entries cannot be changed ({table})'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$body$"""


def _sqlite_trigger(table: str, columns: list[str]) -> str:
    same = [f'NEW."{c}" IS OLD."{c}"' for c in columns if c not in DETACHABLE_COLUMNS]
    same += [
        f'(NEW."{c}" IS NULL OR NEW."{c}" IS OLD."{c}")' for c in DETACHABLE_COLUMNS if c in columns
    ]
    condition = "\n    AND ".join(same)
    return (
        f'CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON "{table}"\n'
        f"FOR EACH ROW WHEN NOT (\n    {condition}\n)\n"
        "BEGIN SELECT RAISE(ABORT, 'audit log entries cannot be changed'); END"
    )


def _columns(model: type[models.Model]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def install(connection: BaseDatabaseWrapper, model: type[models.Model]) -> None:
    """Create (or replace) the trigger for the model's table."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_postgres_function(table))
            cursor.execute(f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"')
            cursor.execute(
                f'CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON "{table}" '
                f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()"
            )
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
            cursor.execute(_sqlite_trigger(table, _columns(model)))


def uninstall(connection: BaseDatabaseWrapper, model: type[models.Model]) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"')
            cursor.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")


def installed(connection: BaseDatabaseWrapper, model: type[models.Model]) -> bool:
    """Whether the trigger is there as ``install`` would make it now."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = to_regclass(%s)",
                [TRIGGER, f'"{table}"'],
            )
            return cursor.fetchone() is not None
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [TRIGGER]
            )
            row = cursor.fetchone()
            return row is not None and row[0] == _sqlite_trigger(table, _columns(model))
    return True  # other databases: no trigger


def ensure(sender: Any, using: str = "default", apps: Any = None, **_: Any) -> None:
    """post_migrate receiver: reinstall the trigger if it is missing or out of date."""
    from django.db import connections  # noqa: PLC0415

    if apps is None:
        return
    try:
        model = apps.get_model("audit", "AuditEntry")
    except LookupError:  # migrated back before the log existed
        return
    connection = connections[using]
    if model._meta.db_table not in connection.introspection.table_names():
        return
    if not installed(connection, model):
        install(connection, model)
