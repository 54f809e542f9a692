"""Turning a table into one partitioned by list of a key (PostgreSQL), and back: for the
migrations of the tables a run writes a partition of (``partitions``).

Forward, the rows already stored stay where they are: the old table becomes the partition of
the key values it holds (its primary key widened by the key, as a partitioned table's keys
must include it), a DEFAULT partition takes rows added one by one (no run does), and the
names of the keys and indexes stay the model's. The id keeps counting from where it was, from
a sequence of the parent's (an identity column cannot be shared by partitions). Backward,
the rows are copied into a plain table again. Other databases are left alone."""

from __future__ import annotations

from typing import Any

from django.db.backends.utils import CursorWrapper

EARLIER = "earlier"
"""Suffix of the partition holding the rows stored before the table was partitioned."""


def to_list_partitions(schema_editor: Any, table: str, column: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.connection.ops.quote_name
    earlier = f"{table}_{EARLIER}"
    with schema_editor.connection.cursor() as cursor:
        keys = table_keys(cursor, table)
        indexes = plain_indexes(cursor, table)
        cursor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(earlier)}")
        for name, _definition in keys:
            cursor.execute(
                f"ALTER TABLE {quote(earlier)} RENAME CONSTRAINT {quote(name)} "
                f"TO {quote(_aside(name))}"
            )
        for name, _definition in indexes:
            cursor.execute(f"ALTER INDEX {quote(name)} RENAME TO {quote(_aside(name))}")
        last_id = _last_id(cursor, earlier)
        # the id's own sequence goes (an identity's with it; a serial's is dropped by name)
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [earlier])
        (owned,) = cursor.fetchone()
        cursor.execute(f"ALTER TABLE {quote(earlier)} ALTER id DROP IDENTITY IF EXISTS")
        cursor.execute(f"ALTER TABLE {quote(earlier)} ALTER id DROP DEFAULT")
        if owned:
            cursor.execute(f"DROP SEQUENCE IF EXISTS {owned}")
        cursor.execute(
            f"CREATE TABLE {quote(table)} (LIKE {quote(earlier)} INCLUDING STORAGE "
            f"INCLUDING COMPRESSION) PARTITION BY LIST ({quote(column)})"
        )
        sequence = f"{table}_id_seq"
        cursor.execute(f"CREATE SEQUENCE {quote(sequence)} OWNED BY {quote(table)}.id")
        cursor.execute("SELECT setval(%s, %s, %s)", [sequence, max(last_id, 1), last_id > 0])
        cursor.execute(
            f"ALTER TABLE {quote(table)} ALTER id SET DEFAULT nextval('{sequence}'::regclass)"
        )
        for name, definition in keys:
            widened = (
                f"PRIMARY KEY (id, {quote(column)})"
                if definition.startswith("PRIMARY KEY")
                else definition
            )
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {widened}")
        for _name, definition in indexes:
            cursor.execute(definition)  # names the table as it was: now the parent
        cursor.execute(f"SELECT DISTINCT {quote(column)} FROM {quote(earlier)}")
        values = sorted(int(row[0]) for row in cursor.fetchall())
        if values:
            primary = next(name for name, d in keys if d.startswith("PRIMARY KEY"))
            cursor.execute(
                f"ALTER TABLE {quote(earlier)} DROP CONSTRAINT {quote(_aside(primary))}, "
                f"ADD CONSTRAINT {quote(_aside(primary))} PRIMARY KEY (id, {quote(column)})"
            )
            listed = ", ".join(str(v) for v in values)
            cursor.execute(
                f"ALTER TABLE {quote(table)} ATTACH PARTITION {quote(earlier)} "
                f"FOR VALUES IN ({listed})"
            )
        else:
            cursor.execute(f"DROP TABLE {quote(earlier)}")
        cursor.execute(
            f"CREATE TABLE {quote(table + '_default')} PARTITION OF {quote(table)} DEFAULT"
        )


def from_list_partitions(schema_editor: Any, table: str, column: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.connection.ops.quote_name
    plain = f"{table}_plain"
    with schema_editor.connection.cursor() as cursor:
        keys = table_keys(cursor, table)
        indexes = plain_indexes(cursor, table)
        cursor.execute(
            f"CREATE TABLE {quote(plain)} (LIKE {quote(table)} INCLUDING STORAGE "
            "INCLUDING COMPRESSION)"
        )
        cursor.execute(f"INSERT INTO {quote(plain)} SELECT * FROM {quote(table)}")
        cursor.execute(f"SELECT last_value, is_called FROM {quote(table + '_id_seq')}")
        last_value, called = cursor.fetchone()
        cursor.execute(f"DROP TABLE {quote(table)}")  # its partitions and sequence with it
        cursor.execute(f"ALTER TABLE {quote(plain)} RENAME TO {quote(table)}")
        cursor.execute(f"ALTER TABLE {quote(table)} ALTER id ADD GENERATED BY DEFAULT AS IDENTITY")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)", [table, last_value, called]
        )
        for name, definition in keys:
            narrowed = "PRIMARY KEY (id)" if definition.startswith("PRIMARY KEY") else definition
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {narrowed}")
        for _name, definition in indexes:
            cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))


def _last_id(cursor: CursorWrapper, table: str) -> int:
    """The last id handed out: the sequence's, or the highest stored if that is higher."""
    quote = cursor.db.ops.quote_name
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quote(table)}")
    highest = int(cursor.fetchone()[0])
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (sequence,) = cursor.fetchone()
    if sequence is None:
        return highest
    cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}")
    return max(highest, int(cursor.fetchone()[0]))


def _aside(name: str) -> str:
    return f"{name[:50]}_{EARLIER}"


def table_keys(cursor: CursorWrapper, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's primary key and unique constraints."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype IN ('p', 'u') ORDER BY conname",
        [table],
    )
    return [(row[0], row[1]) for row in cursor.fetchall()]


def plain_indexes(cursor: CursorWrapper, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the table's indexes that back no constraint."""
    cursor.execute(
        "SELECT x.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class x ON x.oid = i.indexrelid WHERE i.indrelid = to_regclass(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
        "ORDER BY 1",
        [table],
    )
    return [(row[0], row[1]) for row in cursor.fetchall()]
