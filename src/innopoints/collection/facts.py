"""Fact values as columns: latest versions, source priorities, authorisations, and the
effective value of every fact (the one scoring uses)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

import polars as pl
from django.db import connection
from django.utils import timezone

from innopoints.collection.models import Authorisation, DataSource, FactValue, SourceField

CHUNK = 5000
FACT_SCHEMA = {
    "id": pl.Int64,
    "enterprise_id": pl.Int64,
    "field_code": pl.String,
    "source_id": pl.Int64,
    "version": pl.Int64,
    "value": pl.Float64,
}


def latest_versions(
    period: str,
    fields: Iterable[str] | None = None,
    enterprise_ids: Iterable[int] | None = None,
) -> pl.DataFrame:
    """Each source's latest version of each fact of the period (long: one row a fact)."""
    if connection.vendor == "postgresql":
        return _latest(_copy_out(period, fields, enterprise_ids))
    query = FactValue.objects.filter(period=period)
    if fields is not None:
        query = query.filter(field_code__in=list(fields))
    columns = ("id", "enterprise_id", "field_code", "source_id", "version", "value")
    rows: list[tuple[object, ...]] = []
    if enterprise_ids is None:
        rows = list(query.values_list(*columns).iterator(chunk_size=20_000))
    else:
        ids = list(enterprise_ids)
        for start in range(0, len(ids), CHUNK):
            rows += list(
                query.filter(enterprise_id__in=ids[start : start + CHUNK]).values_list(*columns)
            )
    return _latest(pl.DataFrame(rows, schema=FACT_SCHEMA, orient="row"))


def _latest(frame: pl.DataFrame) -> pl.DataFrame:
    """Each (enterprise, field, source)'s highest version: a grouped maximum, no sort."""
    keys = ["enterprise_id", "field_code", "source_id"]
    return frame.filter(pl.col("version") == pl.col("version").max().over(keys))


def _copy_out(
    period: str, fields: Iterable[str] | None, enterprise_ids: Iterable[int] | None
) -> pl.DataFrame:
    """PostgreSQL streams the rows as CSV (COPY), polars parses them: a province's million
    values in about a second instead of the ORM's many."""
    table = connection.ops.quote_name(FactValue._meta.db_table)
    where = ["period = %s"]
    params: list[object] = [period]
    if fields is not None:
        where.append("field_code = ANY(%s)")
        params.append(list(fields))
    if enterprise_ids is not None:
        where.append("enterprise_id = ANY(%s)")
        params.append(list(enterprise_ids))
    sql = (
        f"COPY (SELECT id, enterprise_id, field_code, source_id, version, value FROM {table} "
        f"WHERE {' AND '.join(where)}) TO STDOUT WITH (FORMAT csv)"
    )
    buffer = _copy_to_buffer(sql, params)
    if buffer is None:
        return pl.DataFrame(schema=FACT_SCHEMA)
    return pl.read_csv(
        buffer, has_header=False, new_columns=list(FACT_SCHEMA), schema_overrides=FACT_SCHEMA
    )


def _copy_to_buffer(sql: str, params: list[object]) -> io.BytesIO | None:
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.cursor.copy(sql, params) as copy:
        for chunk in copy:
            buffer.write(chunk)
    if buffer.tell() == 0:
        return None
    buffer.seek(0)
    return buffer


def priorities() -> pl.DataFrame:
    """(source_id, field_code) → priority and whether the enterprise must authorise it."""
    rows = list(
        SourceField.objects.values_list(
            "source_id", "field_code", "priority", "requires_authorisation"
        )
    )
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "source_id": pl.Int64,
            "field_code": pl.String,
            "priority": pl.Int64,
            "requires_authorisation": pl.Boolean,
        },
    )


def manual_source_ids() -> list[int]:
    return list(DataSource.objects.filter(manual=True).values_list("id", flat=True))


def active_authorisations(as_of: dt.date | None = None) -> pl.DataFrame:
    """(enterprise_id, source_id, field_code) authorised on ``as_of``; field_code null = all."""
    day = as_of or timezone.localdate()
    schema = {"enterprise_id": pl.Int64, "source_id": pl.Int64, "field_code": pl.String}
    if connection.vendor == "postgresql":
        return _copy_authorisations(day, schema)
    query = Authorisation.objects.filter(
        source__isnull=False, revoked_at__isnull=True, valid_from__lte=day
    ).exclude(valid_to__lt=day)
    rows = [
        (e, s, code)
        for e, s, scope in query.values_list("enterprise_id", "source_id", "scope")
        for code in (scope or [None])
    ]
    return pl.DataFrame(rows, orient="row", schema=schema)


def _copy_authorisations(day: dt.date, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Active grants to sources, one row per field in scope (null: every field)."""
    table = connection.ops.quote_name(Authorisation._meta.db_table)
    sql = (
        f"COPY (SELECT enterprise_id, source_id, field FROM {table} "
        "LEFT JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_array_length(scope) = 0 "
        "THEN '[null]'::jsonb ELSE scope END) AS field ON true "
        "WHERE source_id IS NOT NULL AND revoked_at IS NULL AND valid_from <= %s "
        "AND (valid_to IS NULL OR valid_to >= %s)) TO STDOUT WITH (FORMAT csv)"
    )
    buffer = _copy_to_buffer(sql, [day, day])
    if buffer is None:
        return pl.DataFrame(schema=schema)
    return pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema_overrides=schema)


def with_priority_and_authorisation(
    facts: pl.DataFrame, as_of: dt.date | None = None
) -> pl.DataFrame:
    """Adds ``priority`` (manual corrections 0) and ``authorised`` (False only where the source
    needs the enterprise's authorisation for that field and has none active)."""
    manual = manual_source_ids()
    frame = facts.join(priorities(), on=["source_id", "field_code"], how="left").with_columns(
        pl.when(pl.col("source_id").is_in(manual))
        .then(0)
        .otherwise(pl.col("priority").fill_null(99))
        .alias("priority"),
        pl.col("requires_authorisation").fill_null(False),
    )
    grants = active_authorisations(as_of)
    specific = grants.filter(pl.col("field_code").is_not_null()).with_columns(
        pl.lit(True).alias("_specific")
    )
    general = (
        grants.filter(pl.col("field_code").is_null())
        .select("enterprise_id", "source_id")
        .unique()
        .with_columns(pl.lit(True).alias("_general"))
    )
    frame = frame.join(specific, on=["enterprise_id", "source_id", "field_code"], how="left")
    frame = frame.join(general, on=["enterprise_id", "source_id"], how="left")
    return frame.with_columns(
        (
            ~pl.col("requires_authorisation")
            | pl.col("_specific").fill_null(False)
            | pl.col("_general").fill_null(False)
        ).alias("authorised")
    ).drop("_specific", "_general")


def effective(
    facts: pl.DataFrame, *, authorised_only: bool = True, as_of: dt.date | None = None
) -> pl.DataFrame:
    """The effective version of each (enterprise, field): the preferred source's latest
    version, skipping values whose required authorisation is missing when asked to."""
    frame = with_priority_and_authorisation(facts, as_of)
    if authorised_only:
        frame = frame.filter(pl.col("authorised"))
    # the best (lowest) priority, then the highest version, then the lowest source id: a
    # grouped minimum of one key instead of sorting every value
    key = pl.col("priority") * 2**40 - pl.col("version") * 2**20 + pl.col("source_id")
    best = frame.with_columns(key.alias("_key"))
    group = ["enterprise_id", "field_code"]
    return best.filter(pl.col("_key") == pl.col("_key").min().over(group)).drop("_key")


def wide(long: pl.DataFrame) -> pl.DataFrame:
    """enterprise_id × field_code table of values."""
    if long.height == 0:
        return pl.DataFrame({"enterprise_id": pl.Series([], dtype=pl.Int64)})
    return long.pivot(on="field_code", index="enterprise_id", values="value")
