"""Reading query results as frames through COPY (core.bulk.copy_frame): every row, exactly,
however the rows arrive, and a statement that fails part-way raises its own error; and rows
of bytes in PostgreSQL's binary format (core.bulk.binary_rows)."""

from __future__ import annotations

import polars as pl
import psycopg
import pytest
from django.db import connection, transaction

from innopoints.core import bulk
from innopoints.scoring.models import ResultBlock, Run, SchemeVersion

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
    pytest.mark.django_db,
]

SCHEMA = {"n": pl.Int64, "label": pl.String, "third": pl.Float64}


def test_every_row_arrives_once_and_in_order() -> None:
    frame = bulk.copy_frame(
        "SELECT x, 'n,' || x, CASE WHEN x %% 7 = 0 THEN NULL ELSE x / 4.0 END "
        "FROM generate_series(1, %s) AS x ORDER BY x",
        [60_000],
        SCHEMA,
    )
    assert frame.height == 60_000
    assert frame["n"].to_list() == list(range(1, 60_001))
    assert frame["n"].sum() == 60_000 * 60_001 // 2
    assert frame["label"][0] == "n,1"  # a comma inside a value stays in it
    assert frame["third"].null_count() == 60_000 // 7  # 8,571 multiples of 7
    assert frame["third"][4] == 1.25
    assert frame.schema == pl.Schema(SCHEMA)


def test_no_rows_give_an_empty_frame_of_the_schema() -> None:
    frame = bulk.copy_frame("SELECT 1, 'a', 1.0 WHERE false", [], SCHEMA)
    assert frame.height == 0
    assert frame.schema == pl.Schema(SCHEMA)


def test_a_statement_failing_after_rows_were_sent_raises_its_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        pytest.raises(psycopg.errors.DivisionByZero, match="division by zero"),
        transaction.atomic(),
    ):
        bulk.copy_frame(
            "SELECT x, 'a', 1.0 / (x - 40000) FROM generate_series(1, 50000) AS x", [], SCHEMA
        )
    with connection.cursor() as cursor:  # the connection is usable again
        cursor.execute("SELECT 2 + 2")
        assert cursor.fetchone() == (4,)
    # the copy ended cleanly: psycopg had nothing left to cancel
    assert not [r for r in caplog.records if r.name == "psycopg"]


def test_binary_rows_read_bytes_and_numbers_as_the_orm_does_inside_the_transaction() -> None:
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025", version="1")  # built in
    run = Run.objects.create(period="2025", scheme_version=version)
    payload = bytes(range(256)) * 4096  # a megabyte with every byte value, NUL included
    with transaction.atomic():  # not yet committed: read on the same connection
        ResultBlock.objects.create(run=run, index=7, enterprise_ids=b"", values=payload)
        query = ResultBlock.objects.filter(run=run).values_list("index", "values")
        assert bulk.binary_rows(query) == [(7, payload)]
        assert [(i, bytes(v)) for i, v in query] == [(7, payload)]
        assert bulk.binary_rows(query.filter(index=8)) == []
