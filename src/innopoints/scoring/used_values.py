"""The values a run used. One rule: a stored value (``FactValue``) was used by a run when its
id is among the ids the run recorded (``Run.input_fact_ids``; for one enterprise, the ids kept
with its result block, a slice of them). Read three ways: wide for many enterprises
(``used_values``), as stored rows for one result (``used_facts``), and as a mark on given
versions (``used_ids`` + ``used_mask``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import polars as pl

from innopoints.collection.models import FactValue
from innopoints.scoring.models import Result, Run

IdArray = np.ndarray[Any, np.dtype[np.int64]]

SQL_ID_LIMIT = 5000
"""Up to this many enterprises are named in the query; more are filtered after reading (a
run's whole list would make a query of megabytes)."""


def used_ids(run: Run) -> IdArray:
    """The ids of the values the run used, sorted (for ``used_mask``)."""
    return _sorted(run.fact_ids())


def used_ids_of_runs(run_ids: Iterable[int]) -> dict[int, IdArray]:
    """Each run's ``used_ids``, read in one query however many enterprises a run scored."""
    return {
        run.pk: used_ids(run)
        for run in Run.objects.filter(pk__in=set(run_ids)).only("pk", "input_fact_ids")
    }


def used_mask(sorted_ids: IdArray, pks: IdArray) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """For each value id in ``pks``: is it among ``sorted_ids``."""
    if sorted_ids.size == 0:
        return np.zeros(pks.size, dtype=bool)
    at = np.minimum(np.searchsorted(sorted_ids, pks), sorted_ids.size - 1)
    return np.asarray(sorted_ids[at] == pks)


def used_values(
    run: Run, fields: Sequence[str] | None, enterprise_ids: Sequence[int] | None
) -> pl.DataFrame:
    """The values the run used, one row per enterprise (``enterprise_id``) and one float
    column per field: of ``fields`` (each present, null where none was used) or, for None,
    of every field used; of ``enterprise_ids`` or, for None, of every enterprise. One query."""
    query = FactValue.objects.filter(period=run.period).order_by()
    if fields is not None:
        query = query.filter(field_code__in=list(fields))
    if enterprise_ids is not None and len(enterprise_ids) <= SQL_ID_LIMIT:
        query = query.filter(enterprise_id__in=list(enterprise_ids))
    long = pl.DataFrame(
        list(query.values_list("id", "enterprise_id", "field_code", "value")),
        orient="row",
        schema={
            "id": pl.Int64,
            "enterprise_id": pl.Int64,
            "field_code": pl.String,
            "value": pl.Float64,
        },
    )
    keep = used_mask(used_ids(run), long["id"].to_numpy())
    if enterprise_ids is not None:
        keep &= np.isin(long["enterprise_id"].to_numpy(), np.asarray(enterprise_ids))
    long = long.filter(pl.Series(keep))
    wide = (
        long.pivot(
            on="field_code", index="enterprise_id", values="value", aggregate_function="first"
        )
        if long.height
        else pl.DataFrame(schema={"enterprise_id": pl.Int64})
    )
    missing = [
        pl.lit(None, dtype=pl.Float64).alias(f) for f in fields or () if f not in wide.columns
    ]
    return wide.with_columns(missing) if missing else wide


def used_facts(run: Run, result: Result) -> dict[str, list[FactValue]]:
    """The stored values this run used for the result's enterprise, by field, with their
    source and batch (the ids kept with the enterprise's result block, or — runs stored
    before — the run's whole list)."""
    block = result.block_fact_ids()
    ids = _sorted(block) if block is not None else used_ids(run)
    facts = list(
        FactValue.objects.filter(enterprise=result.enterprise, period=run.period).select_related(
            "source", "batch"
        )
    )
    used = used_mask(ids, np.array([f.pk for f in facts], dtype=np.int64))
    found: dict[str, list[FactValue]] = {}
    for fact, keep in zip(facts, used.tolist(), strict=True):
        if keep:
            found.setdefault(fact.field_code, []).append(fact)
    return found


def _sorted(ids: IdArray) -> IdArray:
    ids = np.asarray(ids, dtype=np.int64)
    return ids if ids.size < 2 or bool(np.all(ids[:-1] <= ids[1:])) else np.sort(ids)
