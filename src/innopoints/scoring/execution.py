"""Carrying out a scoring run: gather the effective values, score with the engine, store the
results — all of them or none (seed 004 二(三)3: 创新积分一键生成, 可查询、可追溯)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import traceback
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from innopoints.collection import kept_values
from innopoints.core import bulk, partitions
from innopoints.core.faults import pause_point
from innopoints.core.side_reads import read_beside
from innopoints.engine import ENGINE_VERSION, InputError, score
from innopoints.engine.booleans import stored_bool_casts
from innopoints.engine.fields import base_catalogue
from innopoints.engine.result import ScoreResult
from innopoints.engine.scheme import Scheme
from innopoints.engine.stage import reference_date
from innopoints.registry.models import Enterprise, Qualification, held_in
from innopoints.scoring.coverage import division_coverage
from innopoints.scoring.models import (
    BLOCK_ROWS,
    BY_COLUMN,
    Result,
    ResultBlock,
    Run,
    ascending_ids,
)
from innopoints.scoring.signals import run_scored

logger = logging.getLogger(__name__)


class Cancelled(Exception):
    pass


def _update(run: Run, **fields: Any) -> None:
    Run.objects.filter(pk=run.pk).update(**fields)
    for key, value in fields.items():
        setattr(run, key, value)


def _check_cancel(run: Run) -> None:
    if Run.objects.filter(pk=run.pk, cancel_requested=True).exists():
        raise Cancelled


def enterprise_frame(run: Run) -> pl.DataFrame:
    query = Enterprise.objects.all()
    if run.region is not None:
        query = query.filter(region__code__startswith=run.region.code_prefix())
    if run.qualifications:
        query = query.filter(qualifying(run.period, run.qualifications))
    frame = bulk.read_frame(
        query.order_by().values_list("id", "credit_code", "established", "region_id"),
        {
            "enterprise_id": pl.Int64,
            "credit_code": pl.String,
            "established": pl.Date,
            "region": pl.String,
        },
    )
    through = Enterprise.industry_fields.through
    links = bulk.read_frame(
        through.objects.order_by("enterprise_id", "industryfield_id").values_list(
            "enterprise_id", "industryfield__name"
        ),
        {"enterprise_id": pl.Int64, "industry": pl.String},
    ).unique("enterprise_id", keep="first")
    return frame.join(links, on="enterprise_id", how="left")


def qualifying(period: str, kinds: list[str]) -> Q:
    """Enterprises holding one of the qualification ``kinds`` in the period's year."""
    year = int(period[:4]) if period[:4].isdigit() else timezone.localdate().year
    held = Qualification.objects.filter(held_in(year), kind__in=kinds)
    return Q(pk__in=held.values("enterprise_id"))


def engine_table(
    run: Run, scheme: Scheme
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray, dict[str, int]]:
    """The run's input table (columns named by field code, typed), the ids of the values used
    and their enterprises, and counts of enterprises left out (with the reason)."""
    with ThreadPoolExecutor(1) as side:
        reading = read_beside(side, enterprise_frame, run)
        # a full run's values are read while its enterprises are (a division's are chosen
        # for its enterprises)
        fields = kept_values.effective_fields(run.period) if run.region is None else None
        enterprises = reading.result().sort("enterprise_id")
    ids = enterprises["enterprise_id"].to_numpy()
    if fields is None:
        fields = kept_values.effective_fields(run.period, ids)
    columns, positions, fact_ids, owners = [], [], [], []
    index = RowIndex(ids)
    for code in sorted(fields):
        part = fields[code]
        owner = part["enterprise_id"].to_numpy()
        at = index.rows(owner)
        member = at >= 0  # values of enterprises outside the run (another division) left out
        values, value_ids = part["value"], part["id"].to_numpy()
        if not member.all():
            at, values, value_ids, owner = (
                at[member],
                values.filter(member),
                value_ids[member],
                owner[member],
            )
        if at.size == 0:
            continue
        # a column per field, each value put at its enterprise's row: a million enterprises'
        # 29 M values in a fraction of a second, where pivoting the long frame took 2.7 s
        column = pl.Series(code, dtype=pl.Float64).extend_constant(None, ids.size)
        columns.append(column.scatter(at, values))
        positions.append(at)
        fact_ids.append(value_ids)
        owners.append(owner)
    table = enterprises.with_columns(columns)
    table = table.with_columns(stored_bool_casts(table.columns, base_catalogue()))
    left_out: dict[str, int] = {}
    ref = reference_date(run.period, scheme.period_end)
    kept = pl.repeat(True, table.height, eager=True)
    if scheme.stage_rule.basis == "age":
        missing = table["established"].is_null()
        future = table["established"] > ref
        left_out = {
            "no_established": int(missing.sum()),
            "established_after_period": int(future.fill_null(False).sum()),
        }
        kept = ~missing & ~future.fill_null(False)
    elif scheme.stage_rule.missing_stage is None and "revenue" in table.columns:
        missing = table["revenue"].is_null()
        left_out = {"no_revenue": int(missing.sum())}
        kept = ~missing
    if not positions:
        nothing = np.empty(0, dtype=np.int64)
        return table.filter(kept), nothing, nothing, left_out
    value_ids, enterprises_of = np.concatenate(fact_ids), np.concatenate(owners)
    kept_rows = kept.to_numpy()
    if kept_rows.all():  # the usual case: no mask over tens of millions of values
        return table, value_ids, enterprises_of, left_out
    used = kept_rows[np.concatenate(positions)]
    return table.filter(kept), value_ids[used], enterprises_of[used], left_out


PARTS = ("raw", "value", "origin", "t", "x", "pts")


def breakdown_layout(result: ScoreResult) -> dict[str, Any]:
    """The order of the packed breakdown: six numbers per weighted indicator, then the bonus
    items' points, then (schemes with 积分扣减 only) each deduction's points — kept on the run,
    so every row needs only its numbers; the blocks hold them column by column."""
    layout: dict[str, Any] = {
        "ind": list(result.indicators),
        "parts": list(PARTS),
        "bonus": list(result.bonus_points),
    }
    if result.deduction is not None:
        layout["deduction"] = list(result.deduction_points)
    layout["block_order"] = BY_COLUMN
    return layout


def _breakdown_columns(result: ScoreResult) -> list[np.ndarray]:
    """The breakdown's columns in the order of ``breakdown_layout``: for each weighted indicator
    [raw, value, origin (0 missing, 1 input, 2 derived, 3 supplied), t, x′, points], then the
    bonus points, then the deductions' points. An indicator read as it was input has its raw
    value as its value (the same array); the origins are small integers, stored as float64."""
    columns = []
    for ind in result.indicators.values():
        columns += [
            ind.raw,
            ind.value,
            ind.origin,
            ind.transformed,
            ind.normalised,
            ind.points,
        ]
    return columns + list(result.bonus_points.values()) + list(result.deduction_points.values())


def dense(ascending_ids: np.ndarray) -> bool:
    """Whether a table indexed by id (up to the largest of ``ascending_ids``) stays within a
    few times their number."""
    return bool(ascending_ids.size) and bool(ascending_ids[-1] < 4 * ascending_ids.size + 1024)


class RowIndex:
    """The row of each id in ``ascending_ids`` (unique, non-negative), for many look-ups:
    through a lookup table when the ids are dense (one gather: 0.6 s for 29 M values against
    a binary search's 6 s), else by binary search."""

    def __init__(self, ascending_ids: np.ndarray) -> None:
        self.ids = ascending_ids
        self.lookup: np.ndarray | None = None
        if dense(ascending_ids):
            self.lookup = np.full(int(ascending_ids[-1]) + 1, -1, dtype=np.int64)
            self.lookup[ascending_ids] = np.arange(ascending_ids.size)

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """The row of each of ``ids``, -1 for an id not among them."""
        if self.ids.size == 0:
            return np.full(ids.size, -1, dtype=np.int64)
        if self.lookup is not None:
            inside = (ids >= 0) & (ids < self.lookup.size)
            if inside.all():
                return self.lookup[ids]
            found = np.full(ids.size, -1, dtype=np.int64)
            found[inside] = self.lookup[ids[inside]]
            return found
        at = np.searchsorted(self.ids, ids)
        hit = self.ids[np.minimum(at, self.ids.size - 1)] == ids
        return np.where(hit, at, -1)


def positions_in(ascending_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The index in ``ascending_ids`` (unique, non-negative) of each of ``ids`` (all present)."""
    return RowIndex(ascending_ids).rows(ids)


@dataclass
class IdsByBlock:
    """The ids of the values used, grouped by the block of their enterprise: block ``b``'s ids,
    ascending, are ``keys[ends[b - 1] : ends[b]] & mask``."""

    keys: np.ndarray
    ends: np.ndarray
    mask: int


def ids_by_block(gathered: Gathered, order: np.ndarray) -> IdsByBlock:
    """One sort of (block, value id) keys puts each block's ids together, ascending as they are
    packed (a 29 M-value run: 1.8 s, where grouping by block and sorting each took 3.3 s)."""
    n_blocks = -(-len(order) // BLOCK_ROWS)
    block_of_row = np.empty(len(order), dtype=np.int64)
    block_of_row[order] = np.arange(len(order)) // BLOCK_ROWS
    id_bits = int(gathered.fact_ids.max(initial=0)).bit_length()
    if (n_blocks << id_bits) >= 2**63:
        raise ValueError(f"value ids of {id_bits} bits leave too few for {n_blocks} blocks")
    enterprise_ids = gathered.table["enterprise_id"].to_numpy()  # ascending
    if dense(enterprise_ids):
        # the block of each enterprise id in a table, read once per value (the values come in
        # runs of one enterprise, so the reads follow each other: 0.1 s for 29 M values, where
        # finding each one's row and then its block took 1.3 s)
        block_of_id = np.zeros(int(enterprise_ids[-1]) + 1, dtype=np.int64)
        block_of_id[enterprise_ids] = block_of_row
        keys = block_of_id[gathered.fact_enterprises]
    else:
        keys = block_of_row[positions_in(enterprise_ids, gathered.fact_enterprises)]
    np.left_shift(keys, id_bits, out=keys)
    np.bitwise_or(keys, gathered.fact_ids.astype(np.int64, copy=False), out=keys)
    keyed = ascending_ids(keys)
    ends = np.searchsorted(keyed, np.arange(1, n_blocks + 1, dtype=np.int64) << id_bits)
    return IdsByBlock(keyed, ends, (1 << id_bits) - 1)


def _breakdown_blocks(
    run: Run,
    result: ScoreResult,
    gathered: Gathered,
    order: np.ndarray,
    grouped: IdsByBlock,
    compress_ids: bool,
) -> Iterator[tuple[int, int, bytes, bytes, bytes]]:
    """(run, index, enterprise ids, values, fact ids) of each block: the rows ``order`` lists
    (the stored rank order), ``BLOCK_ROWS`` at a time, their breakdowns column by column
    (``BY_COLUMN``, little-endian float64, NaN for missing), with the ids of the values used
    for those enterprises (``grouped``) — assembled a block at a time, so no million-row
    matrix is ever made. By column, a block's runs of equal numbers (the origins, a part
    missing for most rows, a raw value equal to the value) lie together: the server's lz4 keeps
    a national run's blocks in a quarter less space, and stores them faster."""
    columns = _breakdown_columns(result)
    # each column's rows are read at a thousand scattered places per block: a column that is
    # another one (a raw value that is the value) is copied from it instead
    first_of: dict[int, int] = {}
    same_as: dict[int, int] = {}
    for j, column in enumerate(columns):
        first = first_of.setdefault(id(column), j)
        if first != j:
            same_as[j] = first
    enterprise_ids = gathered.table["enterprise_id"].to_numpy()  # ascending
    n_blocks = len(grouped.ends)

    def block(index: int) -> tuple[int, int, bytes, bytes, bytes]:
        start = index * BLOCK_ROWS
        rows = order[start : start + BLOCK_ROWS]
        matrix = np.empty((len(columns), len(rows)), dtype="<f8")
        for j, column in enumerate(columns):
            if j in same_as:  # a copy of the row already read, not the enterprises' again
                matrix[j] = matrix[same_as[j]]
            elif column.dtype == np.float64:
                np.take(column, rows, out=matrix[j])
            else:
                matrix[j] = column[rows]
        ids = enterprise_ids[rows].astype("<i8")
        first = grouped.ends[index - 1] if index else 0
        ids_used = grouped.keys[first : grouped.ends[index]] & grouped.mask
        facts = Run.pack_ascending_ids(ids_used, compress_ids)
        return run.pk, index, ids.tobytes(), matrix.tobytes(), facts

    # built two at a time, a few blocks ahead of the COPY that sends them (zlib and numpy's
    # gathers release the GIL), in order
    with ThreadPoolExecutor(2) as pool:
        ahead: deque[Future[tuple[int, int, bytes, bytes, bytes]]] = deque()
        for index in range(n_blocks):
            ahead.append(pool.submit(block, index))
            if len(ahead) > 4:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def _result_frame(run: Run, result: ScoreResult, table: pl.DataFrame) -> pl.DataFrame:
    """The rows to store, built a column at a time (the breakdowns go in blocks, see
    ``_breakdown_blocks``; the category points are summed from them when read, see
    ``Result.category_points``)."""
    rank = pl.Series(result.rank)
    return pl.DataFrame(
        {
            "run": pl.repeat(run.pk, result.n, eager=True, dtype=pl.Int64),
            "enterprise": table["enterprise_id"],
            "stage": pl.Series(result.stage_codes().tolist(), dtype=pl.String),
            "base": result.base,
            "bonus": result.bonus,
            "total": result.total,
            "vetoed": result.vetoed,
            "veto_reasons": result.veto_reasons(),
            "rank": pl.select(pl.when(rank > 0).then(rank)).to_series(),
            "rank_stage": pl.Series(result.rank_stage).replace(0, None),
            "rank_industry": pl.Series(result.rank_industry).replace(0, None),
            "rank_region": pl.Series(result.rank_region).replace(0, None),
            "tier": pl.Series(result.tier_codes().tolist(), dtype=pl.String).fill_null(""),
            "percentile": pl.Series(result.percentile()).fill_nan(None),
            "industry": table["industry"].fill_null(""),
            "region_code": table["region"].fill_null(""),
            "coverage": pl.Series(result.coverage).fill_nan(None),
        }
    )


def category_points(result: ScoreResult) -> pl.DataFrame:
    """Points per first-level category (技术创新, 成长经营, ...) for every enterprise."""
    sums: dict[str, Any] = {}
    for indicator in result.scheme.weighted:
        points = result.indicators[indicator.code].points
        sums[indicator.category] = sums.get(indicator.category, 0) + points
    return pl.DataFrame(sums)


def category_stats(result: ScoreResult) -> dict[str, dict[str, dict[str, float]]]:
    """Per stage and category: the full mark, the peers' median and top decile (P90) over the
    ranked enterprises: what a portrait draws the enterprise against."""
    scheme = result.scheme
    frame = category_points(result)
    stats: dict[str, dict[str, dict[str, float]]] = {}
    for index, stage in enumerate(scheme.stage_rule.codes):
        members = (result.stage == index) & (result.rank > 0)
        stage_stats = {}
        for category in frame.columns:
            full = scheme.scale * sum(
                (i.weights or {}).get(stage, 0.0) for i in scheme.weighted if i.category == category
            )
            values = frame[category].to_numpy()[members]
            stage_stats[category] = {
                "full": float(full),
                "median": float(np.median(values)) if values.size else 0.0,
                "p90": float(np.quantile(values, 0.9)) if values.size else 0.0,
            }
        stats[stage] = stage_stats
    return stats


BLOCK_COLUMNS = ["run", "index", "enterprise_ids", "values", "fact_ids"]

RESULT_COLUMNS = [
    "run",
    "enterprise",
    "stage",
    "base",
    "bonus",
    "total",
    "vetoed",
    "veto_reasons",
    "rank",
    "rank_stage",
    "rank_industry",
    "rank_region",
    "tier",
    "percentile",
    "industry",
    "region_code",
    "coverage",
    "block",
    "slot",
]


def _analyse_small_runs(results_table: str) -> None:
    """Fresh statistics before anything reads rows of a run stored among the small runs:
    without them the reference check plans a million index probes (2.4 s at 1M) instead of
    one hash join (0.5 s), and the pages plan with the run's indexes (a run's own partition
    was analysed when it was built; the partitioned table itself would analyse every
    partition)."""
    if connection.vendor == "postgresql" and results_table == Result._meta.db_table:
        with connection.cursor() as cursor:
            small_runs = connection.ops.quote_name(partitions.table_of_small_runs(Result))
            cursor.execute(f"ANALYZE {small_runs}")


def _report(run: Run, gathered: Gathered, result: ScoreResult) -> dict[str, Any]:
    """The run's report: the engine's, with who was left out, the breakdown's layout, the
    peers' figures per category, the industries and the coverage per division."""
    table = gathered.table
    report = result.report()
    report["left_out"] = gathered.left_out
    report["breakdown_layout"] = breakdown_layout(result)
    report["category_stats"] = category_stats(result)
    report["industries"] = sorted(table["industry"].drop_nulls().unique().to_list())
    report["coverage"]["divisions"] = division_coverage(run, table["region"], result.coverage)
    return report


def _check_references(run: Run, table: str) -> None:
    """Every result stored in ``table`` points at an existing enterprise: checked once,
    set-wise, instead of a foreign-key trigger per row (see Result)."""
    broken = bulk.unmatched_references(Result, "enterprise", table, run=run)
    if broken:
        raise IntegrityError(f"{broken} results of run {run.pk} point at no enterprise")


@dataclass
class Gathered:
    """A run's inputs: what the engine scores, the ids of the values used, who was left out."""

    table: pl.DataFrame
    fact_ids: np.ndarray
    left_out: dict[str, int]
    seconds: float
    fact_enterprises: np.ndarray  # the enterprise of each value in ``fact_ids``


def begin(run: Run) -> None:
    _update(
        run,
        status="running",
        started_at=timezone.now(),
        stage=gettext_noop("汇集数据"),
        progress=0.05,
        error="",
    )


def gather(run: Run) -> Gathered:
    started = time.perf_counter()
    version = run.scheme_version
    scheme = version.scheme()
    if version.frozen_at is None:
        version.frozen_at = timezone.now()
        version.save(update_fields=["frozen_at"])
    table, fact_ids, fact_enterprises, left_out = engine_table(run, scheme)
    _check_cancel(run)
    _update(run, stage=gettext_noop("计算积分"), progress=0.3)
    return Gathered(table, fact_ids, left_out, time.perf_counter() - started, fact_enterprises)


def compute(run: Run, gathered: Gathered) -> ScoreResult:
    result = score(run.scheme_version.scheme(), gathered.table, run.period, source=f"run {run.pk}")
    _check_cancel(run)
    _update(run, stage=gettext_noop("写入结果"), progress=0.6)
    return result


def store(run: Run, gathered: Gathered, result: ScoreResult, elapsed: float) -> None:
    """Store the results, pools and the run's figures in one transaction; ``elapsed`` is the
    time the run took before this step."""
    try:
        _store(run, gathered, result, elapsed)
    except BaseException:
        # blocks loaded beside the transaction are committed on their own connection: the
        # transaction failed, so nothing attaches them
        try:
            partitions.drop_unattached(ResultBlock, "run", run.pk)
        except DatabaseError:
            logger.exception("run %s: its unattached breakdown blocks stay until retried", run.pk)
        raise


def _store(run: Run, gathered: Gathered, result: ScoreResult, elapsed: float) -> None:
    stored = time.perf_counter()
    table = gathered.table
    fingerprint = run.scheme_version.scheme().fingerprint
    # the run's partitions join the tables as the transaction's last step (core.partitions)
    with transaction.atomic(), partitions.attach_at_end():
        if connection.vendor == "postgresql":
            # The commit does not wait for the write-ahead log to reach the disk: a server
            # crash in that moment could lose the whole run (never a part of it: the run is
            # then unfinished, and is retried or marked failed like any interrupted run), which
            # costs only time — while waiting for a million results' WAL is a sixth of a
            # national run.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        frame = _result_frame(run, result, table).with_row_index("row")
        # stored in rank order: a page of the leaderboard is a few neighbouring heap pages,
        # and the breakdowns go in blocks of that order (block, slot)
        ordered = frame.sort("rank", "enterprise", nulls_last=True)
        position = np.arange(ordered.height)
        ordered = ordered.with_columns(
            pl.Series("block", position // BLOCK_ROWS), pl.Series("slot", position % BLOCK_ROWS)
        )
        framed = time.perf_counter()
        order = ordered["row"].to_numpy()
        # left to the database's lz4 where it compresses them (zlib: 1.8 s of CPU at 1M)
        compress_ids = not bulk.compressed_column(ResultBlock, "fact_ids", "lz4")
        with ThreadPoolExecutor(1) as background:
            # the value ids grouped by block while the results are copied, then all of them
            # sorted, digested and packed while the blocks are (numpy, polars, hashlib and
            # zlib release the GIL; the copies wait mostly on the server)
            grouping = background.submit(ids_by_block, gathered, order)
            inputs = background.submit(_inputs, fingerprint, run.period, gathered)

            def store_blocks(into: str | None = None) -> None:
                blocks = _breakdown_blocks(
                    run, result, gathered, order, grouping.result(), compress_ids
                )
                bulk.insert_binary_rows(ResultBlock, BLOCK_COLUMNS, blocks, table=into)

            # a national run's blocks go into a partition of their own, loaded on a second
            # connection while this one loads the results (see core.partitions)
            beside = result.n >= partitions.OWN_PARTITION_FROM and partitions.is_partitioned(
                ResultBlock
            )
            with (
                partitions.loaded_beside(ResultBlock, "run", run.pk, store_blocks)
                if beside
                else nullcontext()
            ):
                # on PostgreSQL the run's own partition, analysed and with its indexes built
                results_table = partitions.insert_frame(
                    Result, "run", run.pk, ordered.select(RESULT_COLUMNS)
                )
                if not beside:
                    store_blocks()
                copied = time.perf_counter()
                # then, while the blocks are still loading beside, the checks, the report and
                # the pools on this connection
                _analyse_small_runs(results_table)
                analysed = time.perf_counter()
                _check_references(run, results_table)
                report = _report(run, gathered, result)
                run_scored.send(Run, run=run, table=table, result=result)
                received = time.perf_counter()
            digest, packed_ids = inputs.result()
        pause_point("run:stored")
        report["timings_s"] = {
            "gather": round(gathered.seconds, 3),
            **result.timings,
            "store_rows": round(framed - stored, 3),
            "store_copy": round(copied - framed, 3),
            "store_analyze": round(analysed - copied, 3),
            "store_pools": round(received - analysed, 3),
            # only where the blocks were loaded beside (the others went in with the results)
            **({"store_blocks_wait": round(time.perf_counter() - received, 3)} if beside else {}),
            "total": round(elapsed + time.perf_counter() - stored, 3),
        }
        _check_cancel(run)
        _update(
            run,
            status="done",
            stage=gettext_noop("完成"),
            progress=1.0,
            engine_version=ENGINE_VERSION,
            parameters={
                k: v for k, v in result.parameters.to_dict().items() if k != "ranked_totals"
            },
            ranked_totals=Run.pack_floats(result.parameters.ranked_totals),
            report=report,
            input_fact_ids=packed_ids,
            input_digest=digest,
            n_enterprises=result.n,
            n_ranked=result.n_ranked,
            n_vetoed=result.n_vetoed,
            finished_at=timezone.now(),
        )


def cancelled(run: Run) -> None:
    _update(run, status="cancelled", stage=gettext_noop("已取消"), finished_at=timezone.now())


def fail(run: Run, exc: BaseException) -> None:
    # the engine's input problems (e.g. no weighted indicator has a value) are the message;
    # anything else keeps its traceback
    trace = "" if isinstance(exc, InputError) else f"\n{traceback.format_exc()[-3000:]}"
    _update(
        run,
        status="failed",
        stage=gettext_noop("失败"),
        finished_at=timezone.now(),
        error=f"{type(exc).__name__}: {exc}{trace}",
    )


def execute(run: Run) -> Run:
    """Carry the run out. On any failure or cancellation no result is stored and the run says
    why; a finished run's results are never changed again."""
    started = time.perf_counter()
    begin(run)
    try:
        gathered = gather(run)
        result = compute(run, gathered)
        store(run, gathered, result, time.perf_counter() - started)
    except Cancelled:
        cancelled(run)
    except Exception as exc:
        fail(run, exc)
    return run


def _inputs(fingerprint: str, period: str, gathered: Gathered) -> tuple[str, bytes]:
    """The run's input digest and its value ids packed (``Run.pack_fact_ids``), from one sort
    of the ids."""
    ascending = ascending_ids(gathered.fact_ids)
    return _digest(fingerprint, period, ascending, gathered.table), Run.pack_ascending_ids(
        ascending
    )


def _digest(fingerprint: str, period: str, ascending: np.ndarray, table: pl.DataFrame) -> str:
    """Same scheme, period, values (``ascending`` ids) and enterprises → same digest (and same
    results)."""
    hasher = hashlib.sha256()
    hasher.update(f"{fingerprint}|{period}|".encode())
    hasher.update(ascending.tobytes())
    hasher.update(table["enterprise_id"].to_numpy().astype(np.int64).tobytes())
    return hasher.hexdigest()


def today() -> dt.date:
    return timezone.localdate()
