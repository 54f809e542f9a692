"""A run's rows as a partition of their own (PostgreSQL), loaded before their indexes exist.

A national run stores a million results and close to a million pool memberships. Appended to
one table over all runs, every row also goes into each of its indexes at a random place (the
unique (run, enterprise) index most of all, as the rows come in rank order): a third of
storing the run. Into a table of their own the rows go at the speed of the disk; the parent's
keys and indexes are then built once each, by sorting, and the table is attached as the run's
partition — in the run's transaction, so a failed run leaves no table behind.

Attaching locks the parent's DEFAULT partition exclusively until the transaction ends (it must
be shown to hold no row of the run), and a query that prunes partitions only when it runs
(an enterprise's history over runs) waits for that lock. Inside ``attach_at_end`` the
partitions are therefore attached as the transaction's last step, not as they are loaded.

Only a run of ``OWN_PARTITION_FROM`` rows or more gets a partition; smaller runs' rows go to
the DEFAULT partition, indexed as they come (cheap at that size). A query that prunes
partitions only when it runs is planned over every partition (0.2 ms each), so the partitions
stay as few as the large runs.

Tables are turned into partitioned ones by their migrations (``partitioning``); SQLite, and a
table that is not partitioned, take the rows as an ordinary append."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl
from django.db import IntegrityError, connection, models
from django.db.backends.utils import CursorWrapper

from innopoints.core import bulk
from innopoints.core.partitioning import plain_indexes, table_keys

BUILD_MEMORY = "256MB"
"""Sort memory for building a partition's indexes (the server's default, 64 MB, spills a
million-row key to disk)."""


OWN_PARTITION_FROM = 100_000
"""Rows a run needs for a partition of its own (a province's run of 30,000 enterprises goes to
the DEFAULT partition; a national run of a million gets its own)."""

_deferred = threading.local()
"""Per thread (each has its own connection): the partitions loaded inside ``attach_at_end``,
as (parent, partition, value)."""


@contextmanager
def attach_at_end() -> Iterator[None]:
    """Partitions loaded inside are attached when the block ends without an error; on an error
    they are not (the transaction's rollback removes them)."""
    if getattr(_deferred, "pending", None) is not None:
        raise RuntimeError("attach_at_end does not nest")
    _deferred.pending = []
    try:
        yield
        pending, _deferred.pending = _deferred.pending, None
        for parent, part, value in pending:
            _attach(parent, part, value)
    finally:
        _deferred.pending = None


def is_partitioned(model: type[models.Model]) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [model._meta.db_table]
        )
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def table_of_small_runs(model: type[models.Model]) -> str:
    """Where rows of a run below ``OWN_PARTITION_FROM`` are: the DEFAULT partition, or the
    model's table where it is not partitioned."""
    table = model._meta.db_table
    return f"{table}_default" if is_partitioned(model) else table


def partition_name(model: type[models.Model], key: str, value: int) -> str:
    return f"{model._meta.db_table}_{key}_{int(value)}"


def insert_frame(model: type[models.Model], key: str, value: int, frame: pl.DataFrame) -> str:
    """Append ``frame`` (the model's field names as columns, every row's ``key`` = ``value``):
    as ``value``'s own partition where the table is partitioned by ``key`` and the rows are at
    least ``OWN_PARTITION_FROM``, else as rows.
    Returns the table now holding the rows (the partition, attached only at the end of an
    ``attach_at_end`` block)."""
    if frame.height < OWN_PARTITION_FROM or not is_partitioned(model):
        bulk.insert_frame(model, frame)
        return model._meta.db_table
    quote = connection.ops.quote_name
    parent = model._meta.db_table
    column = model._meta.get_field(key).column  # type: ignore[union-attr]
    part = partition_name(model, key, value)
    with connection.cursor() as cursor:
        _drop_empty_leftover(cursor, part)
        cursor.execute(
            f"CREATE TABLE {quote(part)} (LIKE {quote(parent)} INCLUDING DEFAULTS "
            "INCLUDING STORAGE INCLUDING COMPRESSION)"
        )
        # lets the attach skip its scan for rows of other values
        cursor.execute(f"ALTER TABLE {quote(part)} ADD CHECK ({quote(column)} = {int(value)})")
    bulk.insert_frame(model, frame, table=part)
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL maintenance_work_mem TO '{BUILD_MEMORY}'")
        for _name, definition in table_keys(cursor, parent):
            cursor.execute(f"ALTER TABLE {quote(part)} ADD {definition}")
        for _name, statement in plain_indexes(cursor, parent):
            # the parent's index, unnamed, on the partition: its method and columns
            using = statement[statement.index(" USING ") + 1 :]
            cursor.execute(f"CREATE INDEX ON {quote(part)} {using}")
        # statistics before anything reads the rows: the reference checks and the pages plan
        # with them
        cursor.execute(f"ANALYZE {quote(part)}")
    pending = getattr(_deferred, "pending", None)
    if pending is None:
        _attach(parent, part, value)
    else:
        pending.append((parent, part, value))
    return part


def _attach(parent: str, part: str, value: int) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE {quote(parent)} ATTACH PARTITION {quote(part)} "
            f"FOR VALUES IN ({int(value)})"
        )


def _drop_empty_leftover(cursor: CursorWrapper, part: str) -> None:
    """A partition of this name can only be an emptied one (a test database flushed between
    tests keeps its tables and may hand out the same run id again); rows in it would be a
    run's results stored twice."""
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [part])
    if not cursor.fetchone()[0]:
        return
    quote = connection.ops.quote_name
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(part)})")
    if cursor.fetchone()[0]:
        raise IntegrityError(f"{part} already holds rows: a run's rows are stored once")
    cursor.execute(f"DROP TABLE {quote(part)}")
