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

A partition can also be loaded on a second connection while the first loads another
(``loaded_beside``: a national run's breakdown blocks beside its results, the server working on
two cores). That table is committed on its own connection and attached by the run's
transaction; if the transaction fails it is left unattached — invisible to every query — and
dropped after the rollback, or by the next load of the same run.

Tables are turned into partitioned ones by their migrations (``partitioning``); SQLite, and a
table that is not partitioned, take the rows as an ordinary append."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager

import polars as pl
from django.db import IntegrityError, connection, models, transaction
from django.db.backends.utils import CursorWrapper

from innopoints.core import bulk
from innopoints.core.partitioning import plain_indexes, table_keys

BUILD_MEMORY = "256MB"
"""Sort memory for building a partition's indexes (the server's default, 64 MB, spills a
million-row key to disk)."""


OWN_PARTITION_FROM = 100_000
"""Rows a run needs for a partition of its own (a province's run of 30,000 enterprises goes to
the DEFAULT partition; a national run of a million gets its own)."""

LOCK_WAIT = "60s"
"""How long a load beside the caller's transaction waits for a lock (the caller may hold it,
waiting in turn for the load) before it fails."""

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
    part = _bare_partition(model, key, value)
    bulk.insert_frame(model, frame, table=part)
    _index(model, part)
    _attach_or_defer(model._meta.db_table, part, value)
    return part


@contextmanager
def loaded_beside(
    model: type[models.Model], key: str, value: int, fill: Callable[[str], object]
) -> Iterator[None]:
    """Load ``value``'s own partition of ``model`` on a connection of its own, in a thread,
    while the caller's connection does other work inside the block (the server then works on
    two cores: a national run's result rows and its breakdown blocks go in side by side).
    ``fill(table)`` appends the rows to the bare table; its keys and indexes are then built
    and it is committed on that connection, not yet attached. When the block ends without an
    error the caller's transaction attaches it (as ``insert_frame``'s partitions); if the
    caller's transaction fails instead, the table is left over unattached — for
    ``drop_unattached`` to remove (a later load of the same value removes it too)."""
    if not is_partitioned(model):
        raise ValueError(f"{model._meta.db_table} is not partitioned")
    part = partition_name(model, key, value)
    with ThreadPoolExecutor(1) as thread:
        loading = thread.submit(_load_on_own_connection, model, key, value, fill)
        try:
            yield
        finally:
            wait([loading])  # its connection is closed before anything else happens
        loading.result()  # the loader's error, if any
    _attach_or_defer(model._meta.db_table, part, value)


def _load_on_own_connection(
    model: type[models.Model], key: str, value: int, fill: Callable[[str], object]
) -> None:
    try:  # ``connection`` is this thread's own
        with transaction.atomic():
            with connection.cursor() as cursor:
                # never an endless wait on the caller's transaction, which waits for this one
                cursor.execute(f"SET LOCAL lock_timeout TO '{LOCK_WAIT}'")
            part = _bare_partition(model, key, value)
            fill(part)
            _index(model, part)
    finally:
        connection.close()


def drop_unattached(model: type[models.Model], key: str, value: int) -> None:
    """Remove ``value``'s partition of ``model`` if it was loaded but never attached (its
    run's transaction failed after ``loaded_beside``)."""
    if not is_partitioned(model):
        return
    part = partition_name(model, key, value)
    with connection.cursor() as cursor:
        if _attached(cursor, part) is False:
            cursor.execute(f"DROP TABLE {connection.ops.quote_name(part)}")


def _bare_partition(model: type[models.Model], key: str, value: int) -> str:
    """A new table shaped like the model's partitioned one, for ``value``'s rows only."""
    quote = connection.ops.quote_name
    parent = model._meta.db_table
    column = model._meta.get_field(key).column  # type: ignore[union-attr]
    part = partition_name(model, key, value)
    with connection.cursor() as cursor:
        _drop_leftover(cursor, part)
        cursor.execute(
            f"CREATE TABLE {quote(part)} (LIKE {quote(parent)} INCLUDING DEFAULTS "
            "INCLUDING STORAGE INCLUDING COMPRESSION)"
        )
        # lets the attach skip its scan for rows of other values
        cursor.execute(f"ALTER TABLE {quote(part)} ADD CHECK ({quote(column)} = {int(value)})")
    return part


def _index(model: type[models.Model], part: str) -> None:
    """The parent's keys and indexes built on the loaded ``part``, and its statistics."""
    quote = connection.ops.quote_name
    parent = model._meta.db_table
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


def _attach_or_defer(parent: str, part: str, value: int) -> None:
    pending = getattr(_deferred, "pending", None)
    if pending is None:
        _attach(parent, part, value)
    else:
        pending.append((parent, part, value))


def _attach(parent: str, part: str, value: int) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE {quote(parent)} ATTACH PARTITION {quote(part)} "
            f"FOR VALUES IN ({int(value)})"
        )


def _drop_leftover(cursor: CursorWrapper, part: str) -> None:
    """A table of this name is either a partition emptied since (a test database flushed
    between tests keeps its tables and may hand out the same run id again) or one loaded
    beside a transaction that then failed, never attached; rows in an attached one would be
    a run's rows stored twice."""
    attached = _attached(cursor, part)
    if attached is None:
        return
    quote = connection.ops.quote_name
    if attached:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(part)})")
        if cursor.fetchone()[0]:
            raise IntegrityError(f"{part} already holds rows: a run's rows are stored once")
    cursor.execute(f"DROP TABLE {quote(part)}")


def _attached(cursor: CursorWrapper, part: str) -> bool | None:
    """Whether the table ``part`` is attached as a partition (None: there is no such table)."""
    cursor.execute("SELECT relispartition FROM pg_class WHERE oid = to_regclass(%s)", [part])
    row = cursor.fetchone()
    return None if row is None else bool(row[0])
