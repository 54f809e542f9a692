"""Fast appends for large imports: COPY on PostgreSQL, executemany on SQLite.

The ORM's bulk_create spends most of a 240,000-value import compiling SQL in Python; these
helpers send plain rows instead, inside the caller's transaction. Values must already be in
database form (see ``prepare``)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl
import psycopg
from django.db import connection, models
from django.db.models import QuerySet
from psycopg import pq

if TYPE_CHECKING:
    from psycopg import Copy


def prepare(model: type[models.Model], column: str, value: Any) -> Any:
    """One value in the form the database takes (dates, datetimes, JSON)."""
    field = model._meta.get_field(column)
    return field.get_db_prep_save(value, connection)


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    table: str | None = None,
) -> int:
    """Append rows (values in ``columns`` order) to the model's table (or ``table``, shaped like
    it); returns the count."""
    meta = model._meta
    quote = connection.ops.quote_name
    names = [meta.get_field(c).column for c in columns]
    table = quote(table or meta.db_table)
    column_sql = ", ".join(quote(n) for n in names)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            batch = list(rows)
            placeholders = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({column_sql}) VALUES ({placeholders})", batch)
            count = len(batch)
    return count


def insert_binary_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    table: str | None = None,
) -> int:
    """Append few, wide rows (large bytes values) to the model's table (or ``table``, shaped
    like it) — on PostgreSQL through a binary COPY, so the bytes travel as they are instead
    of as escaped text."""
    if connection.vendor != "postgresql":
        return insert_rows(model, columns, rows, table)
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(c) for c in columns]
    column_sql = ", ".join(quote(f.column) for f in fields)  # type: ignore[union-attr]
    # the type's name without its modifier: varchar(64) is sent as a varchar
    types = [f.db_type(connection).split("(")[0] for f in fields]  # type: ignore[union-attr]
    count = 0
    sql = f"COPY {quote(table or meta.db_table)} ({column_sql}) FROM STDIN WITH (FORMAT binary)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def insert_frame(
    model: type[models.Model],
    frame: pl.DataFrame,
    chunk: int = 200_000,
    table: str | None = None,
) -> int:
    """Append a polars frame whose columns are the model's field names (to ``table``, a table
    shaped like the model's, if given). On PostgreSQL the rows go as CSV through COPY (strings
    quoted, so an empty string stays empty and a null is NULL); elsewhere as tuples. A binary
    field may come as a hex-encoded string column."""
    meta = model._meta
    binary = [
        c
        for c in frame.columns
        if isinstance(meta.get_field(c), models.BinaryField) and frame[c].dtype == pl.String
    ]
    if connection.vendor != "postgresql":
        # binary columns arrive hex-encoded (built without a Python loop); SQLite takes bytes
        frame = frame.with_columns(pl.col(c).str.decode("hex") for c in binary)
        return insert_rows(model, frame.columns, frame.iter_rows(), table=table)
    # PostgreSQL reads bytea in COPY as \x followed by the hex digits
    frame = frame.with_columns(pl.concat_str(pl.lit("\\x"), pl.col(c)).alias(c) for c in binary)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(c).column) for c in frame.columns)
    sql = f"COPY {quote(table or meta.db_table)} ({columns}) FROM STDIN WITH (FORMAT csv)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for part in frame.iter_slices(chunk):
            buffer = io.BytesIO()
            part.write_csv(buffer, include_header=False, quote_style="non_numeric")
            copy.write(buffer.getvalue())
    return frame.height


def server_has_lz4(cursor: Any) -> bool:
    """Whether the PostgreSQL server was built with lz4 (a column can then be compressed with
    it)."""
    cursor.execute(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    row = cursor.fetchone()
    return bool(row and row[0])


def compressed_column(model: type[models.Model], field: str, method: str) -> bool:
    """Whether PostgreSQL compresses the field's column with ``method`` (``lz4``, ``pglz``)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = to_regclass(%s) "
            "AND attname = %s",
            [model._meta.db_table, model._meta.get_field(field).column],  # type: ignore[union-attr]
        )
        row = cursor.fetchone()
    return row is not None and row[0] == method[0]


def read_frame(query: QuerySet[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """The rows of a ``values_list`` queryset as a polars frame with ``schema`` (its columns in
    order): on PostgreSQL streamed by COPY as CSV and parsed by polars (a million rows in about
    a second, where the ORM makes a tuple and converts each value in Python, ten times as long);
    elsewhere through the ORM."""
    if connection.vendor != "postgresql":
        return pl.DataFrame(list(query), orient="row", schema=schema)
    sql, params = query.query.sql_with_params()
    return copy_frame(sql, list(params), schema)


def binary_rows(query: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` queryset of plain columns (numbers, bytes), on PostgreSQL
    read in its binary format: a megabyte of ``bytea`` comes as it is instead of as twice as
    many hex digits to decode (1.1 ms for a national run's breakdown block instead of 4.5).
    Elsewhere through the ORM."""
    if connection.vendor != "postgresql":
        return list(query)
    sql, params = query.query.sql_with_params()
    connection.ensure_connection()
    # Django's own cursors bind on the client, which can only read text; this one is on the
    # same connection, inside the same transaction, and never prepares its statement (a pool
    # in front of the database may hand the next transaction another connection)
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, binary=True, prepare=False)
        return cursor.fetchall()


def copy_frame(select: str, params: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """The rows of the SQL ``select`` (PostgreSQL) streamed by COPY as CSV and parsed by polars
    with ``schema`` (its columns in order)."""
    buffer = io.BytesIO()
    copy_sql = f"COPY ({select}) TO STDOUT WITH (FORMAT csv)"
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql, params) as copy:
        _read_copy(copy, buffer)
    if buffer.tell() == 0:
        return pl.DataFrame(schema=schema)
    buffer.seek(0)
    return pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema_overrides=schema)


def _read_copy(copy: Copy, buffer: io.BytesIO) -> None:
    """Everything a ``COPY ... TO STDOUT`` sends, into ``buffer``. The server sends a message
    per row, and reading each through psycopg's ``Copy.read`` costs microseconds of Python
    (a million rows: 0.8 s, half of it in that): the rows already arrived are taken straight
    from libpq, and psycopg's own reading only waits for more."""
    pgconn = copy.connection.pgconn
    while True:
        size, data = pgconn.get_copy_data(1)  # without waiting
        if size > 0:
            buffer.write(data)
        elif size == 0:  # nothing arrived yet: wait for it as psycopg does
            row = copy.read()
            if not row:
                return
            buffer.write(row)
        else:  # the end, taken here: so is the statement's outcome (every result read
            # before raising, leaving the connection ready for the rollback)
            failed = None
            while (result := pgconn.get_result()) is not None:
                if result.status != pq.ExecStatus.COMMAND_OK and failed is None:
                    failed = _error(result)
            if failed is not None:
                raise failed
            return


def _error(result: pq.abc.PGresult) -> psycopg.Error:
    """The psycopg error a failed statement's ``result`` stands for (its SQLSTATE's class)."""
    state = (result.error_field(pq.DiagnosticField.SQLSTATE) or b"").decode()
    message = result.error_message.decode(errors="replace").strip()
    try:
        return psycopg.errors.lookup(state)(message)
    except KeyError:
        return psycopg.DatabaseError(message)


def unmatched_references(
    model: type[models.Model], field: str, table: str | None = None, **where: Any
) -> int:
    """How many rows of ``model`` (of ``table``, shaped like the model's, if given; restricted
    by ``where``: column = value) point through ``field`` at no row: one anti-join, the
    set-wise check for tables loaded in bulk without per-row foreign-key triggers."""
    meta = model._meta
    foreign = meta.get_field(field)
    target = foreign.related_model._meta  # type: ignore[union-attr]
    quote = connection.ops.quote_name
    key = quote(target.pk.column)
    conditions = [f"x.{key} IS NULL"]
    params = []
    for name, value in where.items():
        conditions.append(f"t.{quote(meta.get_field(name).column)} = %s")
        params.append(value.pk if isinstance(value, models.Model) else value)
    sql = (
        f"SELECT COUNT(*) FROM {quote(table or meta.db_table)} t "
        f"LEFT JOIN {quote(target.db_table)} x "
        f"ON x.{key} = t.{quote(foreign.column)} WHERE {' AND '.join(conditions)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])
