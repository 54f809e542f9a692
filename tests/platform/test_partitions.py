"""A run's results and pool memberships as partitions of their own (core.partitions), and the
migration helpers that partition a table and undo it (core.partitioning): PostgreSQL only,
SQLite keeps plain tables."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from django.db import IntegrityError, connection, transaction

from innopoints.analysis.models import PoolMembership
from innopoints.collection.demo import import_all, write_files
from innopoints.core import partitions
from innopoints.core.partitioning import from_list_partitions, to_list_partitions
from innopoints.scoring import execution
from innopoints.scoring.models import Result, ResultBlock, Run, SchemeVersion

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's"
)

PERIOD = "2025"


def _rows(sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())


def _index_columns(table: str) -> list[str]:
    """The column lists of the table's indexes, with their uniqueness, sorted."""
    return sorted(
        f"{unique}:{definition[definition.index('(') :]}"
        for unique, definition in _rows(
            "SELECT indisunique, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = to_regclass(%s)",
            [table],
        )
    )


def _partition_of(table: str, value: int) -> str | None:
    found = _rows(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s) AND pg_get_expr(c.relpartbound, c.oid) = %s",
        [table, f"FOR VALUES IN ('{value}')"],
    )
    return str(found[0][0]) if found else None


def _membership(pool: int, run: int, enterprise: int) -> pl.DataFrame:
    """One pool membership as ``partitions.insert_frame`` takes it."""
    return pl.DataFrame(
        {"pool": [pool], "run": [run], "enterprise": [enterprise]},
        schema={"pool": pl.Int64, "run": pl.Int64, "enterprise": pl.Int64},
    )


@pytest.fixture
def province(reference_data: None, tmp_path: Path) -> None:
    import_all(write_files(tmp_path / "files", 30, seed=3), PERIOD)


@pytest.fixture
def run_of_30(province: None, monkeypatch: pytest.MonkeyPatch) -> Run:
    """A run of 30 enterprises, given partitions of its own as if it were large."""
    monkeypatch.setattr(partitions, "OWN_PARTITION_FROM", 1)
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025", version="1")
    return execution.execute(Run.objects.create(period=PERIOD, scheme_version=version))


def test_a_run_stores_its_results_and_memberships_as_partitions_with_the_parents_indexes(
    run_of_30: Run,
) -> None:
    assert run_of_30.status == "done", run_of_30.error
    for model, count in (
        (Result, 30),
        (PoolMembership, PoolMembership.objects.filter(run=run_of_30).count()),
        (ResultBlock, 1),  # loaded beside the results, on a connection of its own
    ):
        parent = model._meta.db_table
        part = _partition_of(parent, run_of_30.pk)
        assert part == partitions.partition_name(model, "run", run_of_30.pk)
        assert _rows(f"SELECT COUNT(*) FROM {part}") == [(count,)]
        # the parent's keys and indexes were built on the partition and attached, none twice
        assert _index_columns(part) == _index_columns(parent)
        attached = _rows(
            "SELECT COUNT(*) FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid "
            "WHERE x.indrelid = to_regclass(%s)",
            [part],
        )
        assert attached == [(len(_index_columns(parent)),)]
        assert _rows("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [part]) == [
            (float(count),)
        ]  # analysed
    assert PoolMembership.objects.filter(run=run_of_30).count() > 0
    assert Result.objects.filter(run=run_of_30).count() == 30
    assert run_of_30.report["timings_s"]["store_blocks_wait"] >= 0


def test_rows_stored_twice_for_a_run_are_refused(run_of_30: Run) -> None:
    enterprise = Result.objects.filter(run=run_of_30).values_list("enterprise_id", flat=True)[0]
    rows = _membership(1, run_of_30.pk, enterprise)
    with pytest.raises(IntegrityError, match="already holds rows"), transaction.atomic():
        partitions.insert_frame(PoolMembership, "run", run_of_30.pk, rows)


def test_an_emptied_partition_left_by_a_flush_is_replaced(run_of_30: Run) -> None:
    part = partitions.partition_name(PoolMembership, "run", run_of_30.pk)
    pool = PoolMembership.objects.filter(run=run_of_30).values_list("pool_id", flat=True)[0]
    enterprise = Result.objects.filter(run=run_of_30).values_list("enterprise_id", flat=True)[0]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {part}")

    rows = _membership(pool, run_of_30.pk, enterprise)
    assert partitions.insert_frame(PoolMembership, "run", run_of_30.pk, rows) == part
    assert list(PoolMembership.objects.filter(run=run_of_30).values_list("enterprise_id")) == [
        (enterprise,)
    ]


def test_a_failed_store_leaves_no_partition(
    run_of_30: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025", version="1")
    run = Run.objects.create(period=PERIOD, scheme_version=version)

    def refuse(_run: Run) -> None:
        raise RuntimeError("the pools could not be written")

    monkeypatch.setattr(execution, "_check_references", refuse)
    execution.execute(run)
    assert run.status == "failed"
    assert _partition_of(Result._meta.db_table, run.pk) is None
    for model in (Result, ResultBlock):
        # the blocks' table, committed beside the failed transaction, was dropped after it
        name = partitions.partition_name(model, "run", run.pk)
        assert _rows("SELECT to_regclass(%s)", [name]) == [(None,)]
    assert not ResultBlock.objects.filter(run=run).exists()


def test_blocks_left_unattached_by_a_failed_attempt_are_replaced(
    province: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partitions, "OWN_PARTITION_FROM", 1)
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025", version="1")
    run = Run.objects.create(period=PERIOD, scheme_version=version)
    part = partitions.partition_name(ResultBlock, "run", run.pk)
    with connection.cursor() as cursor:  # what a crash after the blocks' commit leaves
        cursor.execute(f"CREATE TABLE {part} (LIKE scoring_resultblock INCLUDING DEFAULTS)")
        cursor.execute(
            f"INSERT INTO {part} (run_id, index, enterprise_ids, values, fact_ids) "
            "VALUES (%s, 7, '', '', '')",
            [run.pk],
        )
    execution.execute(run)
    assert run.status == "done", run.error
    assert _partition_of(ResultBlock._meta.db_table, run.pk) == part
    assert list(ResultBlock.objects.filter(run=run).values_list("index", flat=True)) == [0]


def test_a_table_is_partitioned_keeping_its_rows_names_and_ids_and_back(db: None) -> None:
    editor = SimpleNamespace(connection=connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE part_demo (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
            "run_id bigint NOT NULL, enterprise_id bigint NOT NULL, total float8, "
            "CONSTRAINT part_demo_once UNIQUE (run_id, enterprise_id))"
        )
        cursor.execute("CREATE INDEX part_demo_total ON part_demo (run_id, total)")
        cursor.execute(
            "INSERT INTO part_demo (run_id, enterprise_id, total) "
            "VALUES (1, 10, 1.5), (1, 11, 2.5), (2, 10, 3.5)"
        )
        cursor.execute("DELETE FROM part_demo WHERE total = 3.5")  # id 3 handed out, now gone
    before = _index_columns("part_demo")

    to_list_partitions(editor, "part_demo", "run_id")
    assert _rows("SELECT relkind FROM pg_class WHERE relname = 'part_demo'") == [("p",)]
    assert _partition_of("part_demo", 1) == "part_demo_earlier"
    names = {row[0] for row in _rows("SELECT relname FROM pg_class WHERE relkind IN ('I', 'i')")}
    assert {"part_demo_pkey", "part_demo_once", "part_demo_total"} <= names
    assert _rows("SELECT id, run_id, total FROM part_demo ORDER BY id") == [
        (1, 1, 1.5),
        (2, 1, 2.5),
    ]
    # ids go on from the last one handed out; a row of a run without a partition lands in
    # the default one
    assert _rows("INSERT INTO part_demo (run_id, enterprise_id) VALUES (5, 10) RETURNING id") == [
        (4,)
    ]
    assert _rows("SELECT tableoid::regclass::text FROM part_demo WHERE run_id = 5") == [
        ("part_demo_default",)
    ]
    with pytest.raises(Exception, match="part_demo_once"), transaction.atomic():
        _rows("INSERT INTO part_demo (run_id, enterprise_id) VALUES (1, 10)")

    from_list_partitions(editor, "part_demo", "run_id")
    assert _rows("SELECT relkind FROM pg_class WHERE relname = 'part_demo'") == [("r",)]
    assert _index_columns("part_demo") == before
    assert _rows("SELECT id, run_id FROM part_demo ORDER BY id") == [(1, 1), (2, 1), (4, 5)]
    assert _rows("INSERT INTO part_demo (run_id, enterprise_id) VALUES (6, 1) RETURNING id") == [
        (6,)  # 5 went to the refused row
    ]
    assert _rows("SELECT to_regclass('part_demo_earlier')") == [(None,)]


def test_an_empty_table_is_partitioned_without_an_earlier_partition(db: None) -> None:
    editor = SimpleNamespace(connection=connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE part_empty (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
            "run_id bigint NOT NULL)"
        )
    to_list_partitions(editor, "part_empty", "run_id")
    assert _rows("SELECT to_regclass('part_empty_earlier')") == [(None,)]
    assert _rows("INSERT INTO part_empty (run_id) VALUES (3) RETURNING id") == [(1,)]


def test_inside_attach_at_end_partitions_join_only_when_the_block_ends(run_of_30: Run) -> None:
    """Attaching locks the DEFAULT partition until the transaction ends, so a run attaches its
    partitions as its last step; until then the rows are in their own table only."""
    pool = PoolMembership.objects.filter(run=run_of_30).values_list("pool_id", flat=True)[0]
    enterprise = Result.objects.filter(run=run_of_30).values_list("enterprise_id", flat=True)[0]
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025", version="1")
    later = Run.objects.create(period=PERIOD, scheme_version=version)
    rows = _membership(pool, later.pk, enterprise)
    parent = PoolMembership._meta.db_table
    with partitions.attach_at_end():
        part = partitions.insert_frame(PoolMembership, "run", later.pk, rows)
        assert _rows(f"SELECT COUNT(*) FROM {part}") == [(1,)]
        assert _partition_of(parent, later.pk) is None
        assert not PoolMembership.objects.filter(run=later).exists()
    assert _partition_of(parent, later.pk) == part
    assert PoolMembership.objects.filter(run=later).count() == 1

    refused = Run.objects.create(period=PERIOD, scheme_version=version)
    with (
        pytest.raises(RuntimeError, match="stopped"),
        transaction.atomic(),
        partitions.attach_at_end(),
    ):
        partitions.insert_frame(
            PoolMembership, "run", refused.pk, rows.with_columns(pl.lit(refused.pk).alias("run"))
        )
        raise RuntimeError("stopped")
    assert _partition_of(parent, refused.pk) is None
    assert _rows(
        "SELECT to_regclass(%s)", [partitions.partition_name(PoolMembership, "run", refused.pk)]
    ) == [(None,)]


def test_a_run_below_the_size_for_its_own_partition_goes_to_the_default_one(
    province: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partitions, "OWN_PARTITION_FROM", 31)
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025", version="1")
    run = execution.execute(Run.objects.create(period=PERIOD, scheme_version=version))
    assert run.status == "done", run.error
    assert _partition_of(Result._meta.db_table, run.pk) is None
    assert _rows(
        "SELECT tableoid::regclass::text, COUNT(*) FROM scoring_result WHERE run_id = %s "
        "GROUP BY 1",
        [run.pk],
    ) == [("scoring_result_default", 30)]
    assert _rows(
        "SELECT DISTINCT tableoid::regclass::text FROM analysis_poolmembership WHERE run_id = %s",
        [run.pk],
    ) == [("analysis_poolmembership_default",)]
    assert partitions.table_of_small_runs(Result) == "scoring_result_default"
    # its blocks went in with the results, on the run's own connection
    assert "store_blocks_wait" not in run.report["timings_s"]
