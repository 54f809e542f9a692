"""The national-scale run: 1,000,000 enterprises generated straight into a fresh PostgreSQL
database (COPY, no import checks: the import path is measured elsewhere), then one Sichuan run
from the database to stored results. ``uv run python -m benchmarks.million [N]``; prints JSON.
``--reuse`` runs again on the generated database; ``--changed=0.01`` first adds a month of
imports (new versions for 1 % of the enterprises, 0.1 % of the grants revoked).
Needs about 15 GB of disk and several minutes to generate."""

from __future__ import annotations

import io
import json
import os
import sys
import time

import numpy as np
import polars as pl

NAME = os.environ.get("INNOPOINTS_BENCH_DB", "innopoints_million")
"""The database generated into (a helper on a shared machine names its own)."""


def _fresh_database() -> str:
    import psycopg  # noqa: PLC0415 - only for this benchmark

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {NAME}")
        c.execute(f"CREATE DATABASE {NAME}")
    return f"postgres://postgres@127.0.0.1:5432/{NAME}"


def _copy_frame(cursor: object, table: str, frame: pl.DataFrame) -> None:
    columns = ", ".join(frame.columns)
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:  # type: ignore[attr-defined]
        for chunk in frame.iter_slices(500_000):
            buffer = io.BytesIO()
            chunk.write_csv(buffer, include_header=False)
            copy.write(buffer.getvalue())


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    reuse = "--reuse" in sys.argv  # run again on the database a previous call generated
    n = int(args[0]) if args else 1_000_000
    os.environ["DATABASE_URL"] = (
        f"postgres://postgres@127.0.0.1:5432/{NAME}" if reuse else _fresh_database()
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innopoints.site.settings")
    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    from innopoints.core import bulk  # noqa: PLC0415
    from innopoints.scoring.execution import execute  # noqa: PLC0415
    from innopoints.scoring.models import Result, Run, SchemeVersion  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    figures: dict[str, object] = {"n": n}
    if not reuse:
        figures |= _generate(n)
    changed = next((float(a.split("=")[1]) for a in sys.argv if a.startswith("--changed=")), 0.0)
    if changed:
        figures["changed"] = _month_of_imports(changed)
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025", version="1")
    run = Run.objects.create(period="2025", scheme_version=version)
    blocks = _timed(bulk, "insert_binary_rows")
    start = time.perf_counter()
    execute(run)
    figures["store_copy_blocks_s"] = round(sum(blocks), 3)
    figures["run_s"] = round(time.perf_counter() - start, 1)
    figures["status"] = run.status
    figures["error"] = run.error[:500]
    figures["stages"] = run.report.get("timings_s", {})
    figures["results"] = Result.objects.filter(run=run).count()
    figures["peak_rss_mb"] = _peak_rss_mb()  # the run's, when the data was not generated here
    figures["load"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(figures))


def _timed(module: object, name: str) -> list[float]:
    """Times every call of ``module.name`` from now on (the list the seconds go into)."""
    seconds: list[float] = []
    original = getattr(module, name)

    def timed(*args: object, **kwargs: object) -> object:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - start)

    setattr(module, name, timed)
    return seconds


def _month_of_imports(share: float) -> dict[str, int]:
    """What arrives between two runs: new versions of two values of ``share`` of the
    enterprises, and a tenth as many tax authorisations revoked (``--changed=0.01``)."""
    from django.db import connection  # noqa: PLC0415

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collection_factvalue (enterprise_id, period, field_code, value, "
            "source_id, version, recorded_at, reason) SELECT enterprise_id, period, field_code, "
            "value * 1.1, source_id, version + 1, now(), '重报' FROM collection_factvalue AS f "
            "WHERE period = '2025' AND field_code IN ('revenue', 'employees') AND random() < %s "
            "AND NOT EXISTS (SELECT FROM collection_factvalue AS g WHERE g.enterprise_id = "
            "f.enterprise_id AND g.period = f.period AND g.field_code = f.field_code "
            "AND g.source_id = f.source_id AND g.version > f.version)",
            [share],
        )
        values = cursor.rowcount
        cursor.execute(
            "UPDATE collection_authorisation SET revoked_at = now() "
            "WHERE revoked_at IS NULL AND random() < %s",
            [share / 10],
        )
        return {"values": values, "revoked": cursor.rowcount}


def _peak_rss_mb() -> float:
    for line in open("/proc/self/status", encoding="ascii").read().splitlines():  # noqa: SIM115
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _generate(n: int) -> dict[str, object]:
    from django.db import connection  # noqa: PLC0415

    from innopoints.collection.demo import SOURCE_FILES  # noqa: PLC0415
    from innopoints.collection.models import DataSource  # noqa: PLC0415
    from innopoints.engine.fields import base_catalogue  # noqa: PLC0415
    from innopoints.engine.synth import synth_frame  # noqa: PLC0415

    figures: dict[str, object] = {}
    start = time.perf_counter()
    frame = synth_frame(n, seed=1)
    sources = dict(DataSource.objects.values_list("code", "id"))
    field_source: dict[str, int] = {}
    for code, columns in SOURCE_FILES.items():
        for column in columns:
            field_source.setdefault(column, sources[code])
    catalogue = base_catalogue()
    fact_columns = [
        c
        for c in frame.columns
        if c in catalogue and catalogue[c].kind in {"amount", "count", "ratio", "bool"}
    ]
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        _copy_frame(
            cursor,
            "registry_enterprise",
            frame.select(
                "credit_code",
                "name",
                pl.lit("").alias("legal_representative"),
                pl.lit("").alias("initials"),
                "established",
                pl.col("region").alias("region_id"),
                pl.lit("2026-01-01 00:00:00+00").alias("created_at"),
            ),
        )
        ids = pl.DataFrame(
            list(
                connection.cursor()
                .execute("SELECT credit_code, id FROM registry_enterprise")
                .fetchall()
            ),
            orient="row",
            schema={"credit_code": pl.String, "enterprise_id": pl.Int64},
        )
        long = (
            frame.select("credit_code", *[pl.col(c).cast(pl.Float64) for c in fact_columns])
            .join(ids, on="credit_code")
            .drop("credit_code")
            .unpivot(index="enterprise_id", variable_name="field_code", value_name="value")
            .drop_nulls("value")
        )
        long = long.with_columns(
            pl.col("field_code").replace_strict(field_source).alias("source_id"),
            pl.lit("2025").alias("period"),
            pl.lit(1).alias("version"),
            pl.lit("2026-01-01 00:00:00+00").alias("recorded_at"),
            pl.lit("").alias("reason"),
        )
        figures["values"] = long.height
        _copy_frame(
            cursor,
            "collection_factvalue",
            long.select(
                "enterprise_id",
                "period",
                "field_code",
                "value",
                "source_id",
                "version",
                "recorded_at",
                "reason",
            ),
        )
        chosen = ids["enterprise_id"].to_numpy()
        chosen = chosen[np.random.default_rng(1).random(chosen.shape[0]) < 0.88]
        _copy_frame(
            cursor,
            "collection_authorisation",
            pl.DataFrame(
                {
                    "enterprise_id": chosen,
                    "source_id": sources["tax"],
                    "scope": "[]",
                    "valid_from": "2025-01-01",
                    "created_at": "2026-01-01 00:00:00+00",
                }
            ),
        )
        cursor.execute("ANALYZE")
    figures["generate_s"] = round(time.perf_counter() - start, 1)
    return figures


if __name__ == "__main__":
    main()
