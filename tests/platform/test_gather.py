"""A run's inputs read the fast way are the inputs read the plain way: on PostgreSQL, the values
streamed by psql (outside a transaction) against the COPY through psycopg and the ORM's rows;
on SQLite, the ORM path against the same reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from django.db import connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from innopoints.collection import facts
from innopoints.collection.demo import import_all, write_files
from innopoints.collection.models import DataSource, FactValue
from innopoints.scoring import execution
from innopoints.scoring.models import Run, SchemeVersion


@pytest.fixture
def committed_province(reference_data: None, tmp_path: Path) -> list[int]:
    """120 synthetic enterprises imported and committed, with a second version of some values
    and a manual correction; returns some enterprise ids."""
    import_all(write_files(tmp_path / "files", 120, seed=11), "2025")
    first = list(FactValue.objects.filter(period="2025", field_code="revenue").order_by("id")[:5])
    manual = DataSource.objects.filter(manual=True).first()
    for fact in first[:3]:
        FactValue.objects.create(
            enterprise_id=fact.enterprise_id,
            period="2025",
            field_code="revenue",
            value=fact.value * 1.5 + 0.1,
            source_id=fact.source_id,
            version=fact.version + 1,
            reason="重报",
        )
    if manual is not None:
        FactValue.objects.create(
            enterprise_id=first[3].enterprise_id,
            period="2025",
            field_code="revenue",
            value=1.0 / 3.0,
            source=manual,
            version=1,
            reason="人工更正",
        )
    return sorted({f.enterprise_id for f in first})


def _orm_rows(period: str, fields: list[str] | None, ids: list[int] | None) -> pl.DataFrame:
    query = FactValue.objects.filter(period=period)
    if fields is not None:
        query = query.filter(field_code__in=fields)
    if ids is not None:
        query = query.filter(enterprise_id__in=ids)
    rows = list(query.values_list(*facts.FACT_SCHEMA))
    return pl.DataFrame(rows, schema=facts.FACT_SCHEMA, orient="row").sort("id")


def _streams(monkeypatch: pytest.MonkeyPatch, on: bool) -> None:
    # the configuration knob an operator has: psql found (the default) or not
    monkeypatch.setenv("INNOPOINTS_PG_BIN", "/usr/bin" if on else "/nonexistent")


@pytest.mark.parametrize("streams", [1, 2, 3])
def test_values_read_the_fast_way_are_the_stored_rows(
    committed_province: list[int], monkeypatch: pytest.MonkeyPatch, streams: int
) -> None:
    monkeypatch.setattr(facts, "PSQL_STREAMS", streams)
    some = committed_province
    for fields, ids in [(None, None), (["revenue", "employees"], None), (None, some)]:
        expected = _orm_rows("2025", fields, ids)
        assert expected.height > 0
        if connection.vendor == "postgresql":
            streamed = facts._psql_out("2025", fields, ids)
            assert streamed is not None
            assert streamed.schema == expected.schema
            assert streamed.sort("id").equals(expected)
            copied = facts._copy_out("2025", fields, ids)
            assert copied.sort("id").equals(expected)
        # the public entry point: each source's latest version only
        latest = facts.latest_versions("2025", fields, ids).sort("id")
        assert latest.equals(facts._latest(expected).sort("id"))
        assert latest.height == expected.height - 3  # the three values delivered twice


def test_a_run_gathers_the_same_table_either_way(
    committed_province: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025")
    scheme = version.scheme()
    tables = []
    for on in (True, False):
        _streams(monkeypatch, on)
        run = Run.objects.create(period="2025", scheme_version=version)
        table, fact_ids, fact_enterprises, left_out = execution.engine_table(run, scheme)
        order = fact_ids.argsort()
        tables.append((table, fact_ids[order], fact_enterprises[order], left_out))
    (fast, fast_ids, fast_owners, fast_out), (plain, plain_ids, plain_owners, plain_out) = tables
    assert fast.select(sorted(fast.columns)).equals(plain.select(sorted(plain.columns)))
    assert fast_ids.tolist() == plain_ids.tolist()
    assert fast_owners.tolist() == plain_owners.tolist()
    assert fast_out == plain_out
    # the re-delivered values are used in their newest version, the older ones not
    newest = FactValue.objects.filter(reason="重报").values_list("id", flat=True)
    assert set(newest) <= set(fast_ids.tolist())


def test_inside_a_transaction_the_callers_own_rows_are_read(
    committed_province: list[int],
) -> None:
    """psql is another session: inside a transaction the read goes through the connection, so
    a value written and not yet committed is among the rows."""
    enterprise = committed_province[0]
    source = DataSource.objects.filter(manual=True).first() or DataSource.objects.first()
    with transaction.atomic():
        written = FactValue.objects.create(
            enterprise_id=enterprise,
            period="2025",
            field_code="awards",
            value=7.0,
            source=source,
            version=99,
        )
        latest = facts.latest_versions("2025", ["awards"], [enterprise])
        assert written.pk in latest["id"].to_list()
        transaction.set_rollback(True)


def test_without_psql_the_values_come_through_psycopg(
    committed_province: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _streams(monkeypatch, False)
    assert facts._psql_program() is None
    got = facts.latest_versions("2025", None, None).sort("id")
    assert got.equals(facts._latest(_orm_rows("2025", None, None)).sort("id"))


def test_a_failing_psql_falls_back_to_psycopg(
    committed_province: list[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "psql").symlink_to("/bin/false")  # found, but fails like a refused connection
    monkeypatch.setenv("INNOPOINTS_PG_BIN", str(tmp_path))
    assert facts._psql_program() == str(tmp_path / "psql")
    if connection.vendor == "postgresql":
        assert facts._psql_out("2025", None, None) is None
    got = facts.latest_versions("2025", None, None).sort("id")
    assert got.equals(facts._latest(_orm_rows("2025", None, None)).sort("id"))


@given(
    ids=st.sets(st.integers(0, 5000), min_size=1, max_size=300),
    picks=st.lists(st.integers(0, 10**6), max_size=200),
)
def test_positions_by_lookup_or_search_are_the_binary_search(
    ids: set[int], picks: list[int]
) -> None:
    """Dense ids (a lookup table) and sparse ones (a binary search) give each id's index."""
    ascending = np.array(sorted(ids), dtype=np.int64)
    wanted = ascending[np.array(picks, dtype=np.int64) % ascending.size]
    found = execution.positions_in(ascending, wanted)
    assert (ascending[found] == wanted).all()
    assert (found == np.searchsorted(ascending, wanted)).all()


def test_positions_by_hand() -> None:
    dense = np.array([1, 2, 5, 9], dtype=np.int64)  # a lookup table of 10 entries
    sparse = np.array([3, 10**9], dtype=np.int64)  # a binary search
    assert execution.positions_in(dense, np.array([9, 1, 5, 5])).tolist() == [3, 0, 2, 2]
    assert execution.positions_in(sparse, np.array([10**9, 3])).tolist() == [1, 0]


def test_latest_versions_of_pairs_are_those_pairs_latest_versions(
    committed_province: list[int],
) -> None:
    """The (enterprise, field) pairs read alone are the whole period's latest versions of
    those pairs: the re-delivered revenue in its newest version only, other fields untouched."""
    some = committed_province
    pairs = pl.DataFrame(
        {
            "enterprise_id": [some[0], some[0], some[1], some[4], some[4]],
            "field_code": ["revenue", "employees", "revenue", "revenue", "revenue"],
        }
    )
    everything = facts.latest_versions("2025", None, None)
    wanted = everything.join(pairs.unique(), on=["enterprise_id", "field_code"], how="semi")
    got = facts.latest_versions_of("2025", pairs)
    assert got.sort("id").equals(wanted.sort("id"))
    assert got.filter(pl.col("field_code") == "revenue").height >= 3
    assert facts.latest_versions_of("2025", pairs.clear()).height == 0


@given(
    ids=st.sets(st.integers(0, 5000), max_size=300),
    asked=st.lists(st.integers(-3, 25000), max_size=200),
)
def test_rows_of_ids_absent_or_present(ids: set[int], asked: list[int]) -> None:
    """Each asked id's row, -1 for one not there: dense (lookup) and sparse (search) alike."""
    ascending = np.array(sorted(ids), dtype=np.int64)
    wanted = np.array(asked, dtype=np.int64)
    expected = [sorted(ids).index(i) if i in ids else -1 for i in asked]
    assert execution.RowIndex(ascending).rows(wanted).tolist() == expected
    sparse = np.array(sorted({i * 10**6 for i in ids}), dtype=np.int64)
    assert execution.RowIndex(sparse).rows(wanted * 10**6).tolist() == expected


@given(
    rows=st.lists(
        st.tuples(st.integers(1, 6), st.sampled_from(["a", "b"]), st.integers(1, 3)),
        max_size=60,
        unique=True,
    )
)
def test_latest_keeps_each_groups_highest_version(rows: list[tuple[int, str, int]]) -> None:
    """Against the rule read plainly: a row stays unless its (enterprise, field, source)
    has a higher version."""
    frame = pl.DataFrame(
        {
            "id": list(range(len(rows))),
            "enterprise_id": [e for e, _, _ in rows],
            "field_code": [f for _, f, _ in rows],
            "source_id": [1 + (e + v) % 2 for e, _, v in rows],
            "version": [v for _, _, v in rows],
            "value": [float(i) for i in range(len(rows))],
        },
        schema=facts.FACT_SCHEMA,
    )
    highest: dict[tuple[int, str, int], int] = {}
    for e, f, s, v in frame.select("enterprise_id", "field_code", "source_id", "version").rows():
        highest[(e, f, s)] = max(v, highest.get((e, f, s), 0))
    expected = [row[0] for row in frame.rows() if row[4] == highest[(row[1], row[2], row[3])]]
    assert sorted(facts._latest(frame)["id"].to_list()) == expected
