"""The effective values a run scores, kept between runs (``KeptValues``).

A full-scope run of a period used to read every version of every value of the period and
choose among them (at national scale 29 M rows, most of a run's time). Values are only ever
added, so what the last run chose still holds for an enterprise unless it has a value recorded
since, its authorisations are not what they were, or the rules for choosing (source
priorities) changed. A run therefore reads the kept choice, derives again only those
enterprises (all of them when the rules changed), and keeps the result for the next run.

"Recorded since" is by value id: the watermark is read while no transaction is adding values
(a share lock on the table waits for those under way), so every value with a lower id is
committed and in what the run then reads. Authorisations are compared as sets (the grants in
force today against those the kept choice was made with), which also catches grants that
lapsed or began by date alone."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from innopoints.collection import facts as fact_tables
from innopoints.collection.models import FactValue, KeptField, KeptValues
from innopoints.core import bulk
from innopoints.core.side_reads import read_beside

logger = logging.getLogger(__name__)

COLUMNS = {"enterprise_id": pl.Int64, "id": pl.Int64, "value": pl.Float64}
GRANT_KEYS = ["enterprise_id", "source_id", "field_code"]
ENABLED = os.environ.get("INNOPOINTS_KEEP_EFFECTIVE", "1") != "0"
"""Off (``0``) a run always derives every value afresh, as the kept values must equal."""
REDERIVE_ALL_SHARE = 0.25
"""Past this share of the kept enterprises to derive again, derive them all (one scan of the
period instead of an index probe per enterprise)."""
COMPACT_SHARE = 0.1
"""A field's change parts are folded into it once they would hold more rows than this share
of its values."""
LOCK_WAIT = "5s"
"""How long a run waits for imports under way before it reads everything without keeping."""

Fields = dict[str, pl.DataFrame]


def effective_fields(period: str, enterprise_ids: np.ndarray | None = None) -> Fields:
    """Each field's effective, authorised values of ``period`` as (enterprise_id, id, value),
    one row an enterprise, for the enterprises ``enterprise_ids`` (None: every one)."""
    watermark = _watermark() if ENABLED else None
    kept = KeptValues.objects.filter(period=period).first() if watermark is not None else None
    rules = fact_tables.rules_digest()
    with ThreadPoolExecutor(1) as side:
        # the kept values read while the grants in force are (each a COPY of about a million
        # rows at national scale)
        usable = kept is not None and kept.rules == rules
        reading = read_beside(side, _read, kept) if usable and kept is not None else None
        grants = fact_tables.active_authorisations()
        read = reading.result() if reading is not None else None
    if kept is None or kept.rules != rules:
        if enterprise_ids is not None:  # a division's run: too little to keep for everyone
            return derive(period, enterprise_ids, grants)
        fields = derive(period, None, grants)
        if watermark is not None:
            _keep(period, None, Update(watermark, rules, grants, fields, {}, {}))
        return fields
    assert watermark is not None
    update = _brought_up_to_date(period, kept, read, Update(watermark, rules, grants, {}, {}, {}))
    if update is None:  # what is kept is not whole: chosen afresh and kept anew
        fields = derive(period, None, grants)
        _keep(period, None, Update(watermark, rules, grants, fields, {}, {}))
        return _members(fields, enterprise_ids)
    _keep(period, kept, update)
    return _members(update.fields, enterprise_ids)


def _members(fields: Fields, enterprise_ids: np.ndarray | None) -> Fields:
    if enterprise_ids is None:
        return fields
    members = pl.Series(enterprise_ids, dtype=pl.Int64).implode()
    return {
        code: part.filter(pl.col("enterprise_id").is_in(members)) for code, part in fields.items()
    }


def derive(period: str, enterprise_ids: Iterable[int] | None, grants: pl.DataFrame) -> Fields:
    """The effective values chosen afresh from every version of the period's values."""
    ids = None if enterprise_ids is None else [int(i) for i in enterprise_ids]
    return _by_field(fact_tables.latest_versions(period, None, ids), grants)


def _by_field(latest: pl.DataFrame, grants: pl.DataFrame) -> Fields:
    return {
        part["field_code"][0]: part.select(list(COLUMNS)).cast(COLUMNS)  # type: ignore[arg-type]
        for part in fact_tables.effective_parts(latest, authorised_only=True, grants=grants)
        if part.height
    }


@dataclass
class Stale:
    """What changed since the kept values were chosen."""

    recorded: pl.DataFrame
    """(enterprise_id, field_code): a value recorded since — that field of that enterprise."""
    regranted: np.ndarray
    """Enterprises whose grants in force changed: every field of theirs."""

    def enterprises(self) -> np.ndarray:
        both = pl.concat([self.recorded["enterprise_id"], pl.Series(self.regranted)])
        return both.unique().sort().to_numpy()


@dataclass
class Update:
    """What a run keeps for the next: the values now, and per field either the changes to
    add to what is kept or (``rewrite``) the whole field anew."""

    watermark: int
    rules: str
    grants: pl.DataFrame
    fields: Fields
    changes: Fields
    """Per field, the enterprises chosen again: (enterprise_id, id, value), id and value
    null where the enterprise now has no value of the field."""
    parts: dict[str, tuple[int, int]]
    """Per field kept: (how many parts, rows in its change parts)."""

    def rewrite(self, code: str) -> bool:
        count, changed_rows = self.parts.get(code, (0, 0))
        if count == 0:
            return True
        base = self.fields[code].height if code in self.fields else 0
        return changed_rows + self.changes[code].height > COMPACT_SHARE * max(base, 1)


def _brought_up_to_date(
    period: str, kept: KeptValues, read: Read | None, update: Update
) -> Update | None:
    """The kept values (``read``) with what changed since chosen again (None: what is kept
    is not whole)."""
    stale = _stale(period, kept, update.grants)
    if read is None:
        return None
    update.fields, update.parts = read
    touched = stale.enterprises()
    if touched.size == 0:
        return update
    kept_enterprises = max((part.height for part in update.fields.values()), default=0)
    if touched.size > REDERIVE_ALL_SHARE * kept_enterprises:
        fresh = derive(period, None, update.grants)
        update.changes = {
            code: pl.DataFrame(schema=COLUMNS) for code in set(fresh) | set(update.fields)
        }
        update.parts = {}  # every field anew
        update.fields = fresh
        return update
    regranted = pl.Series(stale.regranted, dtype=pl.Int64)
    recorded = stale.recorded.filter(~pl.col("enterprise_id").is_in(regranted.implode()))
    latest = [fact_tables.latest_versions_of(period, recorded)]
    if regranted.len():
        latest.append(fact_tables.latest_versions(period, None, regranted.to_list()))
    fresh = _by_field(pl.concat(latest), update.grants)
    for code in sorted(set(update.fields) | set(fresh)):
        old = update.fields.get(code, pl.DataFrame(schema=COLUMNS))
        again = (
            pl.concat([regranted, recorded.filter(pl.col("field_code") == code)["enterprise_id"]])
            .unique()
            .sort()
        )
        if again.len() == 0:
            continue
        is_again = pl.col("enterprise_id").is_in(again.implode())
        new = fresh.get(code, pl.DataFrame(schema=COLUMNS)).sort("enterprise_id")
        if old.filter(is_again).equals(new):
            continue  # chosen again, the same values
        change = pl.DataFrame({"enterprise_id": again}).join(new, on="enterprise_id", how="left")
        update.changes[code] = change
        update.fields[code] = _applied(old, change)
    update.fields = {code: part for code, part in update.fields.items() if part.height}
    return update


def _applied(values: pl.DataFrame, change: pl.DataFrame) -> pl.DataFrame:
    """``values`` (in enterprise order) with ``change``'s enterprises replaced by its rows
    (left out where its id is null: no value now)."""
    kept = values.filter(~pl.col("enterprise_id").is_in(change["enterprise_id"].implode()))
    return kept.merge_sorted(change.drop_nulls("id").sort("enterprise_id"), key="enterprise_id")


def _stale(period: str, kept: KeptValues, grants: pl.DataFrame) -> Stale:
    """The (enterprise, field)s with a value of the period recorded after the kept watermark,
    and the enterprises whose grants in force are not those the kept values were chosen with."""
    recorded = bulk.read_frame(
        FactValue.objects.filter(period=period, id__gt=kept.fact_watermark)
        .order_by()
        .values_list("enterprise_id", "field_code")
        .distinct(),
        {"enterprise_id": pl.Int64, "field_code": pl.String},
    )
    before = pl.read_ipc(io.BytesIO(bytes(kept.grants)))
    now = grants.unique()
    regranted = pl.concat(
        [
            before.join(now, on=GRANT_KEYS, how="anti", nulls_equal=True)["enterprise_id"],
            now.join(before, on=GRANT_KEYS, how="anti", nulls_equal=True)["enterprise_id"],
        ]
    )
    return Stale(recorded, regranted.unique().sort().to_numpy())


def _watermark() -> int | None:
    """The highest value id below which every value is committed: read under a share lock,
    which waits for the transactions adding values (and holds new ones off for that moment;
    SQLite has one writer at a time). None when imports keep the table busy past
    ``LOCK_WAIT``: the run then derives every value afresh and keeps nothing."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # the lock would be held to the end of the caller's transaction, blocking imports
        # for the whole run: such a caller (none in production) keeps nothing
        return None
    table = connection.ops.quote_name(FactValue._meta.db_table)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
                cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            (highest,) = cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("values are being added: this run derives every value afresh (%s)", exc)
        return None
    return int(highest)


Read = tuple[Fields, dict[str, tuple[int, int]]]


def _read(kept: KeptValues) -> Read | None:
    """The kept values (each field's first part with its change parts applied in order) and
    per field (how many parts, rows in its change parts); None (logged) when a field's parts
    do not follow on from its first."""
    if connection.vendor == "postgresql":
        # a binary COPY: the bytes are sent as they are, not as hex text twice their size
        table = connection.ops.quote_name(KeptField._meta.db_table)
        sql = (
            f"COPY (SELECT field_code, part, data FROM {table} WHERE kept_id = %s "
            "ORDER BY field_code, part) TO STDOUT (FORMAT binary)"
        )
        with connection.cursor() as cursor, cursor.cursor.copy(sql, [kept.pk]) as copy:
            copy.set_types(["text", "int4", "bytea"])
            rows = list(copy.rows())
    else:
        rows = list(
            KeptField.objects.filter(kept=kept)
            .order_by("field_code", "part")
            .values_list("field_code", "part", "data")
        )
    fields: Fields = {}
    parts: dict[str, tuple[int, int]] = {}
    for code, part, data in rows:
        frame = pl.read_ipc(io.BytesIO(bytes(data)))
        if part == 0:
            fields[code], parts[code] = frame, (1, 0)
        elif parts.get(code, (0, 0))[0] != part:
            logger.warning("period %s: kept values of %s lack part %s", kept.period, code, part)
            return None
        else:
            fields[code] = _applied(fields[code], frame)
            count, changed_rows = parts[code]
            parts[code] = (count + 1, changed_rows + frame.height)
    return {code: part for code, part in fields.items() if part.height}, parts


def _keep(period: str, kept: KeptValues | None, update: Update) -> None:
    """Store the values for the next run (``kept`` None: all anew): each changed field's
    changes as one more part, or the whole field again once its change parts would exceed
    ``COMPACT_SHARE`` of it. Skipped (logged) when another run stored newer ones meanwhile."""
    buffer = io.BytesIO()
    update.grants.unique().write_ipc(buffer, compression="zstd")
    header = {
        "fact_watermark": update.watermark,
        "rules": update.rules,
        "grants": buffer.getvalue(),
        "built_at": timezone.now(),
    }
    rows: list[tuple[str, int, pl.DataFrame]] = []
    if kept is None:
        rows = [(code, 0, update.fields[code]) for code in sorted(update.fields)]
    else:
        for code in sorted(update.changes):
            if update.rewrite(code):
                if code in update.fields:
                    rows.append((code, 0, update.fields[code]))
            else:
                rows.append((code, update.parts[code][0], update.changes[code]))
    try:
        with transaction.atomic():
            if kept is None:
                KeptValues.objects.filter(period=period).delete()
                kept = KeptValues.objects.create(period=period, generation=1, **header)
            else:
                moved = KeptValues.objects.filter(pk=kept.pk, generation=kept.generation).update(
                    generation=kept.generation + 1, **header
                )
                if not moved:
                    logger.info("period %s: newer kept values stored meanwhile", period)
                    return
                anew = [code for code in update.changes if update.rewrite(code)]
                KeptField.objects.filter(kept=kept, field_code__in=anew).delete()
            bulk.insert_binary_rows(
                KeptField,
                ["kept", "field_code", "part", "data"],
                ((kept.pk, code, part, _packed(frame)) for code, part, frame in rows),
            )
    except DatabaseError as exc:
        logger.warning("period %s: the effective values were not kept (%s)", period, exc)


def _packed(part: pl.DataFrame) -> bytes:
    """Stored in enterprise order, which merging the next run's changes relies on."""
    buffer = io.BytesIO()
    part.sort("enterprise_id").write_ipc(buffer, compression="lz4")
    return buffer.getvalue()
