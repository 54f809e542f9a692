"""Fact values as columns: latest versions, source priorities, authorisations, and the
effective value of every fact (the one scoring uses)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl
import psycopg.conninfo
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from innopoints.collection.models import Authorisation, DataSource, FactValue, SourceField
from innopoints.core import bulk
from innopoints.registry.models import Enterprise

logger = logging.getLogger(__name__)

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
        streamed = None if connection.in_atomic_block else _psql_out(period, fields, enterprise_ids)
        if streamed is not None:
            return _latest(streamed)
        return _latest(_copy_out(period, fields, enterprise_ids))
    return _latest(_orm_rows(period, fields, enterprise_ids))


def _orm_rows(
    period: str, fields: Iterable[str] | None, enterprise_ids: Iterable[int] | None
) -> pl.DataFrame:
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
    return pl.DataFrame(rows, schema=FACT_SCHEMA, orient="row")


def latest_versions_of(period: str, pairs: pl.DataFrame) -> pl.DataFrame:
    """``latest_versions`` of the (enterprise_id, field_code) ``pairs`` only: an index probe
    per pair, where an enterprise's every value would be one per value (a source's import
    brings a few fields of every enterprise, so one enterprise's values lie far apart)."""
    pairs = pairs.unique()
    if pairs.height == 0:
        return pl.DataFrame(schema=FACT_SCHEMA)
    if connection.vendor != "postgresql":
        return _latest(
            pl.concat(
                _orm_rows(period, [field], part["enterprise_id"].to_list())
                for (field,), part in pairs.partition_by("field_code", as_dict=True).items()
            )
        )
    table = connection.ops.quote_name(FactValue._meta.db_table)
    sql = (
        "SELECT f.id, f.enterprise_id, f.field_code, f.source_id, f.version, f.value "
        f"FROM {table} AS f JOIN unnest(%s::bigint[], %s::text[]) AS p(enterprise_id, field) "
        "ON f.enterprise_id = p.enterprise_id AND f.field_code = p.field WHERE f.period = %s"
    )
    params = [pairs["enterprise_id"].to_list(), pairs["field_code"].to_list(), period]
    return _latest(bulk.copy_frame(sql, params, FACT_SCHEMA))


def _latest(frame: pl.DataFrame) -> pl.DataFrame:
    """Each (enterprise, field, source)'s highest version. Only facts re-delivered (version
    > 1) can have an older version to drop, and they are few: the older versions are found
    among the rows of the enterprises concerned, and the frame is filtered once (joining all
    29 M rows of a national period to those few groups took 6.7 s)."""
    keys = ["enterprise_id", "field_code", "source_id"]
    newer = frame.filter(pl.col("version") > 1)
    if newer.height == 0:
        return frame
    highest = newer.group_by(keys).agg(pl.col("version").max().alias("_highest"))
    concerned = frame["enterprise_id"].is_in(highest["enterprise_id"].unique().implode())
    rows = pl.Series("_row", np.arange(frame.height, dtype=np.int64))
    older = (
        frame.select(*keys, "version")
        .with_columns(rows)
        .filter(concerned)
        .join(highest, on=keys, how="inner")
        .filter(pl.col("version") < pl.col("_highest"))["_row"]
    )
    if older.len() == 0:
        return frame
    keep = np.ones(frame.height, dtype=bool)
    keep[older.to_numpy()] = False
    return frame.filter(pl.Series(keep))


PSQL_STREAMS = int(os.environ.get("INNOPOINTS_GATHER_STREAMS", "2"))
"""How many psql processes stream a period's values side by side (each a slice of the
enterprises, all from one snapshot): one per core the database server may use."""

_LIBPQ_KEYS = {
    "host",
    "hostaddr",
    "port",
    "user",
    "dbname",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "application_name",
    "connect_timeout",
    "options",
    "service",
    "target_session_attrs",
}


def _psql_program() -> str | None:
    directory = os.environ.get("INNOPOINTS_PG_BIN")
    found = str(Path(directory) / "psql") if directory else shutil.which("psql")
    return found if found and Path(found).exists() else None


def _psql_out(
    period: str, fields: Iterable[str] | None, enterprise_ids: Iterable[int] | None
) -> pl.DataFrame | None:
    """The period's values streamed by psql (postgresql-client, which deployment installs for
    backups): PostgreSQL sends a COPY one message per row, and psycopg hands each to Python (a
    microsecond apiece, 30 s for a national run's 29 M values), where psql writes them to a
    pipe in C and polars parses the CSV in parallel. Slices of the enterprises stream side by
    side, each in a transaction on the snapshot exported here, so all of them see the same
    data, as one COPY does. None when there is no psql (the caller reads through psycopg);
    only outside a transaction, since another session cannot see the caller's uncommitted
    rows. None too when psql fails (a connection it cannot make, say): logged, and read the
    other way."""
    program = _psql_program()
    if program is None:
        return None
    ids = None if enterprise_ids is None else sorted(set(enterprise_ids))
    table = connection.ops.quote_name(FactValue._meta.db_table)
    where = ["period = %s"]
    params: list[object] = [period]
    if fields is not None:
        where.append("field_code = ANY(%s::text[])")
        params.append(sorted(set(fields)))
    if ids is not None:
        slices = [ids[k::PSQL_STREAMS] for k in range(PSQL_STREAMS)]
        conditions = [("enterprise_id = ANY(%s::bigint[])", [part]) for part in slices if part]
    else:
        bounds = _id_bounds()
        if bounds is None:
            return pl.DataFrame(schema=FACT_SCHEMA)
        low, high = bounds
        step = -(-(high - low + 1) // PSQL_STREAMS)
        conditions = [
            ("enterprise_id BETWEEN %s AND %s", [start, min(start + step - 1, high)])
            for start in range(low, high + 1, step)
        ]
    settings = {
        key: str(value)
        for key, value in connection.get_connection_params().items()
        if key in _LIBPQ_KEYS and value not in (None, "")
    }
    environment = {**os.environ, "PGCLIENTENCODING": "UTF8"}
    password = connection.settings_dict.get("PASSWORD")
    if password:
        environment["PGPASSWORD"] = str(password)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        scripts = []
        for condition, extra in conditions:
            query = cursor.cursor.mogrify(
                "COPY (SELECT id, enterprise_id, field_code, source_id, version, value FROM "
                f"{table} WHERE {' AND '.join([*where, condition])}) TO STDOUT WITH (FORMAT csv)",
                params + extra,
            )
            scripts.append(
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\n"
                f"SET TRANSACTION SNAPSHOT '{snapshot}';\n{query};\nCOMMIT;\n"
            )
        command = [
            program,
            "--no-psqlrc",
            "--quiet",
            "--set=ON_ERROR_STOP=1",
            "--file=-",
            f"--dbname={psycopg.conninfo.make_conninfo(**settings)}",
        ]
        with ThreadPoolExecutor(len(scripts)) as pool:
            outputs = list(pool.map(lambda script: _stream(command, environment, script), scripts))
    if any(output is None for output in outputs):
        return None  # psql could not connect or read (logged): the caller reads with psycopg
    frames = [
        pl.read_csv(
            io.BytesIO(output),
            has_header=False,
            new_columns=list(FACT_SCHEMA),
            schema_overrides=FACT_SCHEMA,
        )
        for output in outputs
        if output  # an empty slice sends nothing
    ]
    return pl.concat(frames) if frames else pl.DataFrame(schema=FACT_SCHEMA)


def _stream(command: list[str], environment: dict[str, str], script: str) -> bytes | None:
    finished = subprocess.run(
        command, input=script.encode(), capture_output=True, env=environment, check=False
    )
    if finished.returncode != 0:
        message = finished.stderr.decode(errors="replace").strip()
        logger.warning("psql could not read the values, reading through psycopg: %s", message)
        return None
    return finished.stdout


def _id_bounds() -> tuple[int, int] | None:
    table = connection.ops.quote_name(Enterprise._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {table}")
        low, high = cursor.fetchone()
    return None if low is None else (int(low), int(high))


def _copy_out(
    period: str, fields: Iterable[str] | None, enterprise_ids: Iterable[int] | None
) -> pl.DataFrame:
    """PostgreSQL streams the rows as CSV (COPY), polars parses them: a province's million
    values in about a second instead of the ORM's many."""
    table = connection.ops.quote_name(FactValue._meta.db_table)
    where = ["period = %s"]
    params: list[object] = [period]
    if fields is not None:
        where.append("field_code = ANY(%s::text[])")
        params.append(list(fields))
    if enterprise_ids is not None:
        # typed as the column: psycopg would send small ids as int2[], and PostgreSQL then
        # compares each row with every id in turn (18 s instead of 0.1 s for 30,000 ids)
        where.append("enterprise_id = ANY(%s::bigint[])")
        params.append(list(enterprise_ids))
    sql = (
        f"SELECT id, enterprise_id, field_code, source_id, version, value FROM {table} "
        f"WHERE {' AND '.join(where)}"
    )
    return bulk.copy_frame(sql, params, FACT_SCHEMA)


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
    """(enterprise_id, source_id, field_code) authorised on ``as_of``; field_code null = all.
    In force means ``Authorisation.objects.active_on`` (one rule, here read with COPY)."""
    day = as_of or timezone.localdate()
    schema = {"enterprise_id": pl.Int64, "source_id": pl.Int64, "field_code": pl.String}
    query = Authorisation.objects.active_on(day).filter(source__isnull=False).order_by()
    if connection.vendor == "postgresql":
        return _copy_authorisations(query, schema)
    rows = [
        (e, s, code)
        for e, s, scope in query.values_list("enterprise_id", "source_id", "scope")
        for code in (scope or [None])
    ]
    return pl.DataFrame(rows, orient="row", schema=schema)


def _copy_authorisations(
    query: QuerySet[Authorisation], schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    """The grants ``query`` selects, one row per field in scope (null: every field)."""
    inner, params = query.values("enterprise_id", "source_id", "scope").query.sql_with_params()
    sql = (
        f"SELECT a.enterprise_id, a.source_id, field FROM ({inner}) AS a "
        "LEFT JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_array_length(a.scope) = 0 "
        "THEN '[null]'::jsonb ELSE a.scope END) AS field ON true"
    )
    return bulk.copy_frame(sql, list(params), schema)


def rules_digest() -> str:
    """A digest of what decides between sources (priorities, which need authorisation, which
    are manual corrections): values chosen under other rules must be chosen again."""
    table = priorities().sort("source_id", "field_code")
    hasher = hashlib.sha256()
    hasher.update(table.write_csv().encode())
    hasher.update(repr(sorted(manual_source_ids())).encode())
    return hasher.hexdigest()


def _marked_parts(
    facts: pl.DataFrame, as_of: dt.date | None, grants: pl.DataFrame | None = None
) -> Iterator[pl.DataFrame]:
    """The facts field by field (so that every join is on integer keys of one field's rows),
    each with ``priority`` (manual corrections 0) and ``authorised``; ``grants`` are
    ``active_authorisations(as_of)`` when the caller has read them already."""
    manual = set(manual_source_ids())
    table = priorities()
    if grants is None:
        grants = active_authorisations(as_of)
    if facts.height < grants.height:
        # a few enterprises' values (what changed since a run's kept values were chosen):
        # their own grants, not a join of each field with every grant in force (a second at
        # national scale)
        grants = grants.filter(pl.col("enterprise_id").is_in(facts["enterprise_id"].implode()))
    general = (
        grants.filter(pl.col("field_code").is_null())
        .select("enterprise_id", "source_id")
        .unique()
        .with_columns(pl.lit(True).alias("_granted"))
    )
    for (field,), rows in facts.partition_by("field_code", as_dict=True).items():
        rules = table.filter(pl.col("field_code") == field)
        priority = dict(zip(rules["source_id"], rules["priority"], strict=True))
        needs = {
            s for s, r in zip(rules["source_id"], rules["requires_authorisation"], strict=True) if r
        }
        priority |= dict.fromkeys(manual, 0)
        part = rows.with_columns(
            pl.col("source_id")
            .replace_strict(priority, default=99, return_dtype=pl.Int64)
            .alias("priority"),
            pl.col("source_id").is_in(list(needs)).alias("requires_authorisation"),
        )
        if not needs:
            yield part.with_columns(pl.lit(True).alias("authorised"))
            continue
        specific = grants.filter(pl.col("field_code") == field)
        # grants for every field (scope empty, the usual case) are unique already: only a
        # field some grants name needs the two lists merged
        allowed = (
            general
            if specific.height == 0
            else pl.concat(
                [
                    general,
                    specific.select("enterprise_id", "source_id").with_columns(
                        pl.lit(True).alias("_granted")
                    ),
                ]
            ).unique(["enterprise_id", "source_id"])
        )
        part = part.join(allowed, on=["enterprise_id", "source_id"], how="left")
        yield part.with_columns(
            (~pl.col("requires_authorisation") | pl.col("_granted").fill_null(False)).alias(
                "authorised"
            )
        ).drop("_granted")


def with_priority_and_authorisation(
    facts: pl.DataFrame, as_of: dt.date | None = None
) -> pl.DataFrame:
    """Adds ``priority`` (manual corrections 0) and ``authorised`` (False only where the source
    needs the enterprise's authorisation for that field and has none active)."""
    parts = list(_marked_parts(facts, as_of))
    if not parts:
        return facts.with_columns(
            pl.lit(0).alias("priority"),
            pl.lit(False).alias("requires_authorisation"),
            pl.lit(True).alias("authorised"),
        )
    return pl.concat(parts)


def effective(
    facts: pl.DataFrame, *, authorised_only: bool = True, as_of: dt.date | None = None
) -> pl.DataFrame:
    """The effective version of each (enterprise, field): the preferred source's latest
    version, skipping values whose required authorisation is missing when asked to. The best
    is the lowest priority, then the highest version, then the lowest source id; only a field
    that several sources deliver needs choosing, and then per enterprise."""
    chosen = list(effective_parts(facts, authorised_only=authorised_only, as_of=as_of))
    if not chosen:
        return with_priority_and_authorisation(facts, as_of)
    return pl.concat(chosen)


def effective_parts(
    facts: pl.DataFrame,
    *,
    authorised_only: bool = True,
    as_of: dt.date | None = None,
    grants: pl.DataFrame | None = None,
) -> Iterator[pl.DataFrame]:
    """``effective`` a field at a time (at most one row per enterprise in each part), for a
    caller that wants the fields as columns without a long frame to pivot."""
    key = pl.col("priority") * 2**40 - pl.col("version") * 2**20 + pl.col("source_id")
    for part in _marked_parts(facts, as_of, grants):
        rows = part.filter(pl.col("authorised")) if authorised_only else part
        several = rows["source_id"].n_unique() > 1
        yield rows.filter(key == key.min().over("enterprise_id")) if several else rows


def wide(long: pl.DataFrame) -> pl.DataFrame:
    """enterprise_id × field_code table of values."""
    if long.height == 0:
        return pl.DataFrame({"enterprise_id": pl.Series([], dtype=pl.Int64)})
    return long.pivot(on="field_code", index="enterprise_id", values="value")
