"""Kept effective values (collection.kept_values): after any change a run could see — a value
re-delivered, a manual correction, a new enterprise's values, an authorisation granted, revoked
or lapsed by date, a source priority changed — the values a run reads from the kept choice
equal those chosen afresh from every stored version, and a run stores the same results."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone

from innopoints.collection import facts, kept_values
from innopoints.collection.demo import import_all, write_files
from innopoints.collection.models import (
    Authorisation,
    DataSource,
    FactValue,
    KeptField,
    KeptValues,
    SourceField,
)
from innopoints.registry.models import Enterprise
from innopoints.scoring import execution
from innopoints.scoring.models import Result, Run, SchemeVersion

PERIOD = "2025"


@pytest.fixture
def province(reference_data: None, tmp_path: Path) -> list[int]:
    """60 synthetic enterprises imported and committed (most authorise the tax bureau)."""
    import_all(write_files(tmp_path / "files", 60, seed=5), PERIOD)
    return list(Enterprise.objects.order_by("id").values_list("id", flat=True))


def _fresh() -> dict[str, pl.DataFrame]:
    return kept_values.derive(PERIOD, None, facts.active_authorisations())


def _same(got: dict[str, pl.DataFrame], expected: dict[str, pl.DataFrame]) -> None:
    assert sorted(got) == sorted(expected)
    for code, part in expected.items():
        assert got[code].sort("enterprise_id").equals(part.sort("enterprise_id")), code


def _new_version(enterprise: int, field: str, value: float) -> FactValue:
    latest = FactValue.objects.filter(enterprise_id=enterprise, period=PERIOD, field_code=field)
    fact = latest.order_by("-version").first()
    assert fact is not None
    return FactValue.objects.create(
        enterprise_id=enterprise,
        period=PERIOD,
        field_code=field,
        value=value,
        source_id=fact.source_id,
        version=fact.version + 1,
        reason="重报",
    )


def _kept() -> KeptValues:
    return KeptValues.objects.get(period=PERIOD)


def test_kept_values_follow_every_change(
    province: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    tax = DataSource.objects.get(code="tax")
    granted = Authorisation.objects.filter(source=tax).order_by("enterprise_id")
    assert granted.count() > 2

    first = kept_values.effective_fields(PERIOD)
    _same(first, _fresh())
    kept = _kept()
    assert kept.fact_watermark == FactValue.objects.order_by("-id").first().pk
    assert set(KeptField.objects.filter(kept=kept).values_list("field_code", flat=True)) == set(
        first
    )

    # nothing changed: the kept values are read as they are, no field is stored again
    stored = set(KeptField.objects.values_list("pk", flat=True))
    _same(kept_values.effective_fields(PERIOD), first)
    assert set(KeptField.objects.values_list("pk", flat=True)) == stored
    assert _kept().generation == kept.generation + 1

    def follows(stale: set[int]) -> None:
        before = _kept()
        assert (
            set(kept_values._stale(PERIOD, before, facts.active_authorisations()).enterprises())
            == stale
        )
        _same(kept_values.effective_fields(PERIOD), _fresh())

    # a re-delivered value: only that field of that enterprise is chosen again, and stored as
    # a change part of one row
    one = province[0]
    _new_version(one, "employees", 12345.0)
    follows({one})
    assert set(KeptField.objects.filter(part=0).values_list("pk", flat=True)) == stored
    change = KeptField.objects.get(part=1)
    assert change.field_code == "employees"
    assert pl.read_ipc(bytes(change.data))["enterprise_id"].to_list() == [one]
    assert kept_values.effective_fields(PERIOD)["employees"].filter(pl.col("enterprise_id") == one)[
        "value"
    ].to_list() == [12345.0]

    # a manual correction outranks the source
    manual = DataSource.objects.get(manual=True)
    FactValue.objects.create(
        enterprise_id=province[1], period=PERIOD, field_code="revenue", value=1 / 3, source=manual
    )
    follows({province[1]})

    # an authorisation revoked, and one granted to an enterprise that had none
    revoked = granted.first()
    assert revoked is not None
    Authorisation.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    ungranted = sorted(set(province) - set(granted.values_list("enterprise_id", flat=True)))
    Authorisation.objects.create(
        enterprise_id=ungranted[0], source=tax, valid_from=dt.date(2025, 1, 1), scope=[]
    )
    follows({revoked.enterprise_id, ungranted[0]})

    # an authorisation that lapses by date alone: in force today, no longer tomorrow
    today = timezone.localdate()
    lapsing = granted.exclude(pk=revoked.pk).first()
    assert lapsing is not None
    Authorisation.objects.filter(pk=lapsing.pk).update(valid_to=today)
    follows(set())
    monkeypatch.setattr(timezone, "localdate", lambda *args: today + dt.timedelta(days=1))
    follows({lapsing.enterprise_id})

    # a source's priority changes: every value is chosen again
    SourceField.objects.filter(source=tax, field_code="employees").update(priority=0)
    _same(kept_values.effective_fields(PERIOD), _fresh())
    assert _kept().rules == facts.rules_digest()


def test_changes_applied_by_hand() -> None:
    values = pl.DataFrame(
        {"enterprise_id": [1, 2, 3], "id": [10, 20, 30], "value": [1.0, 2.0, 3.0]},
        schema=kept_values.COLUMNS,
    )
    change = pl.DataFrame(
        {"enterprise_id": [2, 4], "id": [None, 40], "value": [None, 4.0]},
        schema=kept_values.COLUMNS,
    )
    assert kept_values._applied(values, change).rows() == [(1, 10, 1.0), (3, 30, 3.0), (4, 40, 4.0)]


def test_change_parts_are_folded_in_past_their_share(
    province: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Changes pile up as parts until they would exceed COMPACT_SHARE of the field's values;
    then the field is stored whole again, as one part."""
    base = kept_values.effective_fields(PERIOD)["employees"].height
    monkeypatch.setattr(kept_values, "COMPACT_SHARE", 1.5 / base)  # room for one changed row
    having = FactValue.objects.filter(period=PERIOD, field_code="employees")
    owners = sorted(set(having.values_list("enterprise_id", flat=True)))
    parts = []
    for enterprise in owners[:3]:
        _new_version(enterprise, "employees", float(enterprise))
        _same(kept_values.effective_fields(PERIOD), _fresh())
        parts.append(KeptField.objects.filter(field_code="employees").count())
    assert parts == [2, 1, 2]  # one changed row; two would exceed the share: whole; one again


def test_kept_values_missing_a_part_are_chosen_afresh(province: list[int]) -> None:
    kept_values.effective_fields(PERIOD)
    _new_version(province[0], "employees", 5.0)
    kept_values.effective_fields(PERIOD)  # a change part for employees
    KeptField.objects.filter(field_code="employees", part=0).delete()
    _same(kept_values.effective_fields(PERIOD), _fresh())
    assert list(
        KeptField.objects.filter(field_code="employees").values_list("part", flat=True)
    ) == [0]


def test_many_changes_derive_everything_again(
    province: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    kept_values.effective_fields(PERIOD)
    having = FactValue.objects.filter(period=PERIOD, field_code="employees")
    owners = sorted(set(having.values_list("enterprise_id", flat=True)))
    for enterprise in owners[: len(owners) // 2]:
        _new_version(enterprise, "employees", 1.0)
    scopes = []
    derive = kept_values.derive

    def spy(period: str, ids: object, grants: pl.DataFrame) -> dict[str, pl.DataFrame]:
        scopes.append(ids)
        return derive(period, ids, grants)  # type: ignore[arg-type]

    monkeypatch.setattr(kept_values, "derive", spy)
    _same(kept_values.effective_fields(PERIOD), _fresh())
    assert scopes[0] is None  # past a quarter of the enterprises: all of them again


def test_a_divisions_run_keeps_nothing_but_reads_what_is_kept(province: list[int]) -> None:
    some = np.array(province[:10], dtype=np.int64)
    got = kept_values.effective_fields(PERIOD, some)
    assert not KeptValues.objects.exists()
    expected = kept_values.derive(PERIOD, some.tolist(), facts.active_authorisations())
    _same(got, expected)
    kept_values.effective_fields(PERIOD)
    _new_version(province[3], "employees", 7.0)
    _same(
        kept_values.effective_fields(PERIOD, some),
        kept_values.derive(PERIOD, some.tolist(), facts.active_authorisations()),
    )
    assert _kept().fact_watermark == FactValue.objects.order_by("-id").first().pk


def _run() -> Run:
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025")
    return execution.execute(Run.objects.create(period=PERIOD, scheme_version=version))


def _totals(run: Run) -> list[tuple[int, float]]:
    return list(
        Result.objects.filter(run=run).order_by("enterprise").values_list("enterprise", "total")
    )


def test_a_run_on_kept_values_stores_what_a_fresh_run_stores(
    province: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _run()
    _new_version(province[2], "employees", 999.0)
    kept = _run()
    monkeypatch.setattr(kept_values, "ENABLED", False)
    fresh = _run()
    assert first.status == kept.status == fresh.status == "done", fresh.error
    assert kept.input_digest == fresh.input_digest != first.input_digest
    assert bytes(kept.input_fact_ids) == bytes(fresh.input_fact_ids)
    assert _totals(kept) == _totals(fresh)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a second session writing")
def test_the_watermark_waits_for_values_being_added(
    province: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value whose transaction is under way has an id but is not yet visible: the watermark
    is not read past it (the run keeps nothing) until that transaction ends."""
    monkeypatch.setattr(kept_values, "LOCK_WAIT", "200ms")
    settings = connection.get_connection_params()
    writer = psycopg.connect(**{k: v for k, v in settings.items() if k != "cursor_factory"})
    fact = FactValue.objects.filter(period=PERIOD).first()
    assert fact is not None
    with writer.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collection_factvalue (enterprise_id, period, field_code, value, "
            "source_id, version, recorded_at, reason) VALUES (%s, %s, 'awards', 1, %s, 77, "
            "now(), '') RETURNING id",
            [fact.enterprise_id, PERIOD, fact.source_id],
        )
        (pending,) = cursor.fetchone()
    assert kept_values._watermark() is None
    writer.commit()
    writer.close()
    assert kept_values._watermark() == pending


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
def test_inside_a_transaction_nothing_is_kept(province: list[int]) -> None:
    """The table lock would last as long as the caller's transaction: no watermark there."""
    with transaction.atomic():
        assert kept_values._watermark() is None
        _same(kept_values.effective_fields(PERIOD), _fresh())
        assert not KeptValues.objects.exists()
