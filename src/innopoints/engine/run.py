"""Scoring a run (METHOD.md §3–§9) and scoring against a finished run (§11).

Every step is whole columns at a time; the only Python loops run over indicators, stages and
reference groups, never over enterprises. Indicators are computed in a small thread pool
(numpy releases the GIL), each independently, so results do not depend on scheduling.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from innopoints import __version__
from innopoints.engine import normalise
from innopoints.engine.agreement import compare
from innopoints.engine.columns import (
    BoolArray,
    FloatArray,
    count_or_flag,
    dates,
    numeric,
    rows,
    text,
)
from innopoints.engine.derive import IndicatorValue, indicator_value
from innopoints.engine.errors import InputError, InputProblem
from innopoints.engine.params import FrozenParameters
from innopoints.engine.rank import min_rank_desc, tiers
from innopoints.engine.reader import ROW
from innopoints.engine.result import IndicatorResult, ScoreResult
from innopoints.engine.scheme import Indicator, Scheme
from innopoints.engine.stage import (
    NO_STAGE,
    assign_age_stages,
    assign_revenue_stages,
    reference_date,
)

ENGINE_VERSION = __version__
Progress = Callable[[str], None]


def _threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@contextmanager
def _timed(timings: dict[str, float], name: str, progress: Progress | None) -> Iterator[None]:
    if progress is not None:
        progress(name)
    start = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - start, 6)


@dataclass(frozen=True)
class _Prepared:
    ref: dt.date
    stage: npt.NDArray[np.int8]
    group: npt.NDArray[np.int8]
    n_groups: int
    group_codes: tuple[str, ...]
    weights: FloatArray
    """weights[i, row]: weight of weighted indicator i for each enterprise's stage."""


def _check_identity(table: pl.DataFrame, source: str) -> None:
    if "credit_code" not in table.columns:
        raise InputError(source, [InputProblem(None, None, "no credit_code column")])
    codes = table.get_column("credit_code")
    problems = []
    row_numbers = rows(table, ROW)
    for index in np.flatnonzero(codes.is_null().to_numpy()):
        problems.append(InputProblem(int(row_numbers[index]), "credit_code", "blank credit code"))
    duplicated = (codes.is_duplicated() & codes.is_not_null()).to_numpy()
    for index in np.flatnonzero(duplicated):
        problems.append(
            InputProblem(int(row_numbers[index]), "credit_code", "duplicate credit code")
        )
    if problems:
        raise InputError(source, problems)


def _stages(scheme: Scheme, table: pl.DataFrame, ref: dt.date, source: str) -> np.ndarray:
    rule = scheme.stage_rule
    if rule.basis == "age":
        established = dates(table, "established")
        stage = assign_age_stages(rule, established, ref)
    else:
        revenue = numeric(table, "revenue")
        stage = assign_revenue_stages(rule, revenue)
    bad = np.flatnonzero(stage == NO_STAGE)
    if bad.shape[0]:
        row_numbers = rows(table, ROW)
        problems = [_stage_problem(scheme, table, int(i), int(row_numbers[i]), ref) for i in bad]
        raise InputError(source, problems)
    return stage


def _stage_problem(
    scheme: Scheme, table: pl.DataFrame, index: int, row: int, ref: dt.date
) -> InputProblem:
    if scheme.stage_rule.basis == "revenue":
        return InputProblem(row, "营业收入 (revenue)", "blank: the stage is set by revenue")
    column = "成立日期 (established)"
    value = table.get_column("established")[index] if "established" in table.columns else None
    if value is None:
        return InputProblem(row, column, "blank: the growth stage cannot be set")
    return InputProblem(row, column, f"{value} is after the period's end {ref}: not scored")


def _prepare(scheme: Scheme, table: pl.DataFrame, ref: dt.date, source: str) -> _Prepared:
    stage = _stages(scheme, table, ref, source)
    if scheme.reference_group == "stage":
        group, n_groups, codes = stage, len(scheme.stage_rule.stages), scheme.stage_rule.codes
    else:
        group, n_groups, codes = np.zeros(table.height, np.int8), 1, ("all",)
    matrix = np.array(scheme.weight_matrix(), dtype=np.float64).reshape(len(scheme.weighted), -1)
    return _Prepared(ref, stage, group, n_groups, codes, matrix[:, stage])


def _bonus_and_vetoes(
    scheme: Scheme, table: pl.DataFrame
) -> tuple[FloatArray, dict[str, FloatArray], BoolArray, dict[str, BoolArray]]:
    points: dict[str, FloatArray] = {}
    for ind in scheme.bonus:
        items = np.zeros(table.height)
        for code in ind.input_fields:
            items = items + count_or_flag(table, code)[0]
        assert ind.points_per_item is not None
        earned = items * ind.points_per_item
        points[ind.code] = earned if ind.cap is None else np.minimum(earned, ind.cap)
    bonus = np.zeros(table.height)
    for earned in points.values():
        bonus = bonus + earned
    if scheme.bonus_cap is not None:
        bonus = np.minimum(bonus, scheme.bonus_cap)
    flags: dict[str, BoolArray] = {}
    for ind in scheme.vetoes:
        hit = np.zeros(table.height, dtype=bool)
        for code in ind.input_fields:
            hit |= count_or_flag(table, code)[0] > 0
        flags[ind.code] = hit
    vetoed = np.zeros(table.height, dtype=bool)
    for hit in flags.values():
        vetoed |= hit
    return bonus, points, vetoed, flags


def _primary_method(indicator: Indicator) -> tuple[str, str]:
    """(method, transform): ``minmax`` is ``wminmax`` with no transform (METHOD.md §8)."""
    if indicator.method == "minmax":
        return "minmax", "none"
    return indicator.method, indicator.transform


def _score_indicator(
    scheme: Scheme,
    index: int,
    value: IndicatorValue,
    prepared: _Prepared,
    params: normalise.IndicatorParameters | None,
) -> tuple[IndicatorResult, normalise.IndicatorParameters]:
    indicator = scheme.weighted[index]
    method, transform_kind = _primary_method(indicator)
    t = normalise.transform(transform_kind, value.value)
    if params is None:
        params = normalise.fit(
            indicator, method, transform_kind, t, prepared.group, prepared.n_groups
        )
    x = normalise.apply(params, t, value.value, prepared.group)
    weight = prepared.weights[index]
    lows = np.array([g.lower for g in params.groups])
    highs = np.array([g.upper for g in params.groups])
    result = IndicatorResult(
        code=indicator.code,
        raw=value.raw,
        value=value.value,
        origin=value.origin,
        transformed=t,
        lower=lows[prepared.group],
        upper=highs[prepared.group],
        normalised=x,
        weight=weight,
        points=scheme.scale * weight * x,
    )
    return result, params


def _alternative_base(
    scheme: Scheme, method: str, values: list[IndicatorValue], prepared: _Prepared
) -> FloatArray:
    base = np.zeros(prepared.stage.shape[0])
    for index, indicator in enumerate(scheme.weighted):
        value = values[index].value
        params = normalise.fit(indicator, method, "none", value, prepared.group, prepared.n_groups)
        x = normalise.apply(params, value, value, prepared.group)
        base = base + scheme.scale * prepared.weights[index] * x
    return base


def _ranks(
    table: pl.DataFrame, stage: np.ndarray, total: FloatArray, ranked: BoolArray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    overall = min_rank_desc(total, ranked)
    by_stage = min_rank_desc(total, ranked, stage)
    by_industry = min_rank_desc(total, ranked, text(table, "industry"))
    by_region = min_rank_desc(total, ranked, text(table, "region"))
    return overall, by_stage, by_industry, by_region


def score(
    scheme: Scheme,
    table: pl.DataFrame,
    period: str,
    *,
    agreement: bool = True,
    source: str = "input",
    progress: Progress | None = None,
) -> ScoreResult:
    """Score every enterprise of ``table`` (columns named by field code) for ``period``."""
    timings: dict[str, float] = {}
    with _timed(timings, "prepare", progress):
        _check_identity(table, source)
        ref = reference_date(period, scheme.period_end)
        prepared = _prepare(scheme, table, ref, source)
        values = [indicator_value(ind, table) for ind in scheme.weighted]
    with _timed(timings, "normalise", progress), ThreadPoolExecutor(_threads()) as pool:
        scored = list(
            pool.map(
                lambda i: _score_indicator(scheme, i, values[i], prepared, None),
                range(len(scheme.weighted)),
            )
        )
    with _timed(timings, "aggregate", progress):
        base = np.zeros(table.height)
        for result, _ in scored:
            base = base + result.points
        bonus, bonus_points, vetoed, veto_flags = _bonus_and_vetoes(scheme, table)
        total = np.where(vetoed, 0.0, base + bonus)
    with _timed(timings, "rank", progress):
        ranked = ~vetoed
        overall, by_stage, by_industry, by_region = _ranks(table, prepared.stage, total, ranked)
        n_ranked = int(ranked.sum())
        tier = tiers(scheme.tiers, total, overall, n_ranked)
    report = None
    if agreement:
        with _timed(timings, "agreement", progress), ThreadPoolExecutor(_threads()) as pool:
            alternatives: dict[str, FloatArray] = dict(
                zip(
                    scheme.agreement.alternatives,
                    pool.map(
                        lambda m: _alternative_base(scheme, m, values, prepared) + bonus,
                        scheme.agreement.alternatives,
                    ),
                    strict=True,
                )
            )
            report = compare(
                total,
                alternatives,
                ranked,
                scheme.agreement.min_spearman,
                scheme.agreement.top_share,
            )
    frozen = FrozenParameters(
        scheme_key=scheme.key,
        scheme_fingerprint=scheme.fingerprint,
        engine_version=ENGINE_VERSION,
        period=period,
        reference_date=ref,
        reference_group=scheme.reference_group,
        group_codes=prepared.group_codes,
        indicators={p.code: p for _, p in scored},
        ranked_totals=-np.sort(-total[ranked]),
    )
    return ScoreResult(
        scheme=scheme,
        period=period,
        reference_date=ref,
        credit_code=text(table, "credit_code"),
        row=rows(table, ROW),
        stage=prepared.stage,
        base=base,
        bonus=bonus,
        total=total,
        vetoed=vetoed,
        bonus_points=bonus_points,
        veto_flags=veto_flags,
        rank=overall,
        rank_stage=by_stage,
        rank_industry=by_industry,
        rank_region=by_region,
        tier=tier,
        indicators={r.code: r for r, _ in scored},
        parameters=frozen,
        agreement=report,
        timings=timings,
    )


def score_against(
    scheme: Scheme, frozen: FrozenParameters, table: pl.DataFrame, *, source: str = "input"
) -> ScoreResult:
    """Score rows against a finished run's frozen parameters (自评 or a late entry, §11).

    Nothing is re-normalised: L, U, full marks, bands and rank references are the run's. Each
    total is placed in the run's distribution: rank = 1 + the number of run totals above it;
    the tier follows from rank / n of the run. Results are marked ``estimate``.
    """
    if frozen.scheme_fingerprint != scheme.fingerprint:
        raise ValueError(
            f"the frozen parameters belong to {frozen.scheme_key} with another content "
            f"than the scheme given ({scheme.key}); score against the run's own scheme"
        )
    _check_identity(table, source)
    prepared = _prepare(scheme, table, frozen.reference_date, source)
    scored = [
        _score_indicator(
            scheme, i, indicator_value(ind, table), prepared, frozen.indicators[ind.code]
        )
        for i, ind in enumerate(scheme.weighted)
    ]
    base = np.zeros(table.height)
    for result, _ in scored:
        base = base + result.points
    bonus, bonus_points, vetoed, veto_flags = _bonus_and_vetoes(scheme, table)
    total = np.where(vetoed, 0.0, base + bonus)
    ascending = frozen.ranked_totals[::-1]
    above = frozen.n_ranked - np.searchsorted(ascending, total, side="right")
    placed = np.where(vetoed, 0, above + 1).astype(np.int64)
    tier = tiers(scheme.tiers, total, placed, frozen.n_ranked)
    zero = np.zeros(table.height, dtype=np.int64)
    return ScoreResult(
        scheme=scheme,
        period=frozen.period,
        reference_date=frozen.reference_date,
        credit_code=text(table, "credit_code"),
        row=rows(table, ROW),
        stage=prepared.stage,
        base=base,
        bonus=bonus,
        total=total,
        vetoed=vetoed,
        bonus_points=bonus_points,
        veto_flags=veto_flags,
        rank=placed,
        rank_stage=zero,
        rank_industry=zero,
        rank_region=zero,
        tier=tier,
        indicators={r.code: r for r, _ in scored},
        parameters=frozen,
        agreement=None,
        estimate=True,
    )
