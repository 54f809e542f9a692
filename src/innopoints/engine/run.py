"""Scoring a run (docs/METHOD.md §3–§9) and scoring against a finished run (§11).

Every step is whole columns at a time; the only Python loops run over indicators, stages and
reference groups, never over enterprises. Indicators are computed in a small thread pool
(numpy releases the GIL), each independently, so results do not depend on scheduling.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import polars as pl

from innopoints import __version__
from innopoints.engine import normalise
from innopoints.engine.absent import check_weighted_values
from innopoints.engine.agreement import AgreementReport, MethodAgreement, PrimaryReading
from innopoints.engine.coinr_scoring import coinr_scores
from innopoints.engine.columns import (
    BoolArray,
    FloatArray,
    IntArray,
    NumericColumns,
    count_or_flag,
    dates,
    numeric,
    rows,
)
from innopoints.engine.deductions import Deductions, deduction_points, net_of_deductions
from innopoints.engine.derive import IndicatorValue, indicator_value
from innopoints.engine.errors import InputError, InputProblem
from innopoints.engine.missing import Renormalisation, renormalisation
from innopoints.engine.params import FrozenParameters
from innopoints.engine.rank import Ranking, group_codes, tiers
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
    """Worker threads: INNOPOINTS_ENGINE_THREADS when set (to measure scaling), else up to 4."""
    chosen = os.environ.get("INNOPOINTS_ENGINE_THREADS", "")
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
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
    stage_weights: list[FloatArray]
    """stage_weights[i][s]: weight of weighted indicator i in stage s."""


@dataclass(frozen=True)
class _Scored:
    result: IndicatorResult
    params: normalise.IndicatorParameters
    alternative_points: dict[str, FloatArray]


def _check_identity(table: pl.DataFrame, source: str) -> None:
    if "credit_code" not in table.columns:
        raise InputError(source, [InputProblem(None, None, "no credit_code column")])
    codes = table.get_column("credit_code")
    if codes.null_count() == 0 and _all_distinct(codes):
        return
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


def _all_distinct(codes: pl.Series) -> bool:
    """No value twice: first by sorted 64-bit hashes of the values (20 ms at 1M against 50–140
    ms for counting the distinct strings); only where two hashes meet are the strings compared."""
    hashes = codes.hash(seed=0).sort(multithreaded=False).to_numpy()
    if not np.any(hashes[1:] == hashes[:-1]):
        return True
    return codes.n_unique() == codes.len()


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
    weights = [np.array(row, dtype=np.float64) for row in scheme.weight_matrix()]
    return _Prepared(ref, stage, group, n_groups, codes, weights)


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
    """(method, transform): ``minmax`` is ``wminmax`` with no transform (docs/METHOD.md §8)."""
    if indicator.method == "minmax":
        return "minmax", "none"
    return indicator.method, indicator.transform


def _score_indicator(
    scheme: Scheme,
    index: int,
    value: IndicatorValue,
    prepared: _Prepared,
    frozen: normalise.IndicatorParameters | None = None,
    alternatives: tuple[str, ...] = (),
) -> _Scored:
    """Points of one weighted indicator; fitted on the run unless frozen parameters are given.
    ``alternatives`` also scores the agreement methods (docs/METHOD.md §8) from the same sort."""
    indicator = scheme.weighted[index]
    method, transform_kind = _primary_method(indicator)
    t = normalise.transform(transform_kind, value.value)
    missing = value.missing  # NaN in t too: both transforms keep NaN and make none
    references = None
    if frozen is None:
        # one sort when a method reads the order (rank), else the winsor bounds are selected
        ordered = method == "rank" or "rank" in alternatives
        gather = normalise.sort_reference if ordered else normalise.select_reference
        references = gather(value.value, prepared.group, prepared.n_groups, ~missing)
        params = normalise.fit(indicator, method, transform_kind, references)
    else:
        params = frozen
    x = normalise.apply(params, t, value.value, prepared.group, references, missing)
    factor = _factor(scheme.scale, prepared.stage_weights[index], prepared.stage)
    alternative_points = {}
    for alternative in alternatives:
        assert references is not None
        if alternative == method == "minmax" or (
            alternative == "minmax" and method == "wminmax" and transform_kind == "none"
        ):
            alternative_points[alternative] = factor * x  # the same computation
            continue
        alt_params = normalise.fit(indicator, alternative, "none", references)
        alt_x = normalise.apply(
            alt_params, value.value, value.value, prepared.group, references, missing
        )
        alternative_points[alternative] = factor * alt_x
    result = IndicatorResult(
        code=indicator.code,
        raw=value.raw,
        value=value.value,
        origin=value.origin,
        transformed=t,
        normalised=x,
        points=factor * x,
        params=params,
        group=prepared.group,
        stage=prepared.stage,
        stage_weights=prepared.stage_weights[index],
    )
    return _Scored(result, params, alternative_points)


def _factor(scale: float, stage_weights: FloatArray, stage: np.ndarray) -> FloatArray | float:
    """scale × the weight of each row's stage; one number when every stage weighs the same
    (the same product per row, so the same points, without a gather per row)."""
    if stage_weights.shape[0] and bool((stage_weights == stage_weights[0]).all()):
        return scale * float(stage_weights[0])
    out: FloatArray = scale * stage_weights[stage]
    return out


@dataclass(frozen=True)
class _Totals:
    base: FloatArray
    bonus: FloatArray
    total: FloatArray
    vetoed: BoolArray
    bonus_points: dict[str, FloatArray]
    veto_flags: dict[str, BoolArray]
    deductions: Deductions | None = None
    deduction: FloatArray | None = None
    """base + bonus − the total before 清零: what the deductions took (engine/deductions.py)."""

    def net(self, gross: FloatArray, scheme: Scheme) -> FloatArray:
        """A gross (base + bonus) less the deductions; the gross itself without any."""
        if self.deductions is None:
            return gross
        return net_of_deductions(gross, self.deductions.claimed, scheme.deduction_floor)


def _totals(scheme: Scheme, table: pl.DataFrame, scored: list[_Scored]) -> _Totals:
    base = _sum([s.result.points for s in scored], table.height)
    bonus, bonus_points, vetoed, veto_flags = _bonus_and_vetoes(scheme, table)
    if not scheme.deductions:
        total = np.where(vetoed, 0.0, base + bonus)
        return _Totals(base, bonus, total, vetoed, bonus_points, veto_flags)
    deductions = deduction_points(scheme, table)
    gross = base + bonus
    net = net_of_deductions(gross, deductions.claimed, scheme.deduction_floor)
    total = np.where(vetoed, 0.0, net)
    return _Totals(base, bonus, total, vetoed, bonus_points, veto_flags, deductions, gross - net)


def _renormalise(
    scheme: Scheme, scored: list[_Scored], prepared: _Prepared
) -> tuple[list[_Scored], BoolArray | None]:
    """Under ``missing: renormalise`` (engine/missing.py), rescale the points of the rows
    scored over the indicators they have and record the weights they were scored with; the
    mask of those rows (None under ``missing: zero``, which changes nothing)."""
    if scheme.missing.method == "zero":
        return scored, None
    missing = [s.result.missing for s in scored]
    found: Renormalisation | None = renormalisation(
        scheme, missing, prepared.stage_weights, prepared.stage
    )
    if found is None:
        return scored, None
    rescaled = [
        replace(
            s,
            result=replace(
                s.result,
                points=found.points(s.result.points),
                effective_weight=found.weights(s.result.weight, mask),
            ),
            alternative_points={k: found.points(v) for k, v in s.alternative_points.items()},
        )
        for s, mask in zip(scored, missing, strict=True)
    ]
    return rescaled, found.renormalised


def _assemble(
    scheme: Scheme,
    table: pl.DataFrame,
    prepared: _Prepared,
    scored: list[_Scored],
    totals: _Totals,
    ranks: tuple[IntArray, IntArray, IntArray, IntArray],
    tier: npt.NDArray[np.int8],
    frozen: FrozenParameters,
    agreement: AgreementReport | None,
    timings: dict[str, float] | None = None,
    *,
    estimate: bool = False,
    renormalised: BoolArray | None = None,
) -> ScoreResult:
    overall, by_stage, by_industry, by_region = ranks
    return ScoreResult(
        scheme=scheme,
        period=frozen.period,
        reference_date=frozen.reference_date,
        credit_code=table.get_column("credit_code"),
        row=rows(table, ROW),
        stage=prepared.stage,
        base=totals.base,
        bonus=totals.bonus,
        total=totals.total,
        vetoed=totals.vetoed,
        bonus_points=totals.bonus_points,
        veto_flags=totals.veto_flags,
        deduction=totals.deduction,
        deduction_points=totals.deductions.points if totals.deductions else {},
        renormalised=renormalised,
        rank=overall,
        rank_stage=by_stage,
        rank_industry=by_industry,
        rank_region=by_region,
        tier=tier,
        indicators={s.result.code: s.result for s in scored},
        parameters=frozen,
        agreement=agreement,
        estimate=estimate,
        timings=timings or {},
    )


def _coinr(scheme: Scheme, scored: list[_Scored], prepared: _Prepared) -> list[_Scored]:
    """Replace the weighted indicators' normalised values and points by the scheme's COINr
    methods (engine/coinr_scoring.py); the agreement alternatives stay as they were."""
    assert scheme.coinr is not None
    values = np.column_stack([s.result.value for s in scored])
    weights = np.array(scheme.weight_matrix(), dtype=np.float64)
    scores = coinr_scores(scheme, scheme.coinr, values, prepared.stage, weights)
    return [
        replace(
            s,
            result=replace(
                s.result,
                normalised=np.nan_to_num(scores.normalised[:, j]),
                points=scores.points[:, j],
            ),
        )
        for j, s in enumerate(scored)
    ]


def _inputs_of(indicator: Indicator) -> tuple[str, ...]:
    if indicator.derivation is None:
        return (indicator.code,)
    return (indicator.code, *indicator.derivation.inputs)


def _sum(arrays: list[FloatArray], n: int) -> FloatArray:
    """Σ in list order, so every run adds in the same order (bit-identical totals)."""
    total = np.zeros(n)
    for array in arrays:
        total += array
    return total


def _group_rank(table: pl.DataFrame, column: str, ranking: Ranking) -> IntArray:
    """Ranks within the groups of a text column (industry, region)."""
    present = column in table.columns
    return ranking.ranks(group_codes(table.get_column(column) if present else None, table.height))


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
        ref = reference_date(period, scheme.period_end)
        columns = NumericColumns(table)
        # the identity check (a hash of every credit code) and the conversion of each column,
        # once before the indicators share them, run side by side with the stages
        with ThreadPoolExecutor(_threads()) as pool:
            identity = pool.submit(_check_identity, table, source)
            inputs = sorted({c for ind in scheme.weighted for c in _inputs_of(ind)})
            converted = pool.map(columns, inputs)
            try:
                prepared = _prepare(scheme, table, ref, source)
            finally:
                identity.result()  # a blank or repeated credit code is reported first
            list(converted)
    alternatives: tuple[str, ...] = scheme.agreement.alternatives if agreement else ()
    with _timed(timings, "normalise", progress), ThreadPoolExecutor(_threads()) as pool:
        scored = list(
            pool.map(
                lambda i: _score_indicator(
                    scheme,
                    i,
                    indicator_value(scheme.weighted[i], columns),
                    prepared,
                    None,
                    alternatives,
                ),
                range(len(scheme.weighted)),
            )
        )
        warnings = check_weighted_values(
            scheme, [s.result.value for s in scored], table.height, source
        )
        if scheme.coinr is not None:
            scored = _coinr(scheme, scored, prepared)
    with _timed(timings, "aggregate", progress):
        scored, renormalised = _renormalise(scheme, scored, prepared)
        totals = _totals(scheme, table, scored)
    total, bonus, ranked = totals.total, totals.bonus, ~totals.vetoed

    def alternative(name: str, reading: Future[PrimaryReading]) -> MethodAgreement:
        """One alternative, read only as the report reads it: its totals over the ranked."""
        alternative_total = _sum([s.alternative_points[name] for s in scored], table.height)
        alternative_total += bonus
        alternative_total = totals.net(alternative_total, scheme)
        return reading.result().against(name, alternative_total[ranked])

    # One sort of the totals serves the ranks, the primary side of the agreement report and
    # the frozen ranked totals; the ranks by group and each alternative's sort run side by side.
    with ThreadPoolExecutor(_threads()) as pool:
        with _timed(timings, "rank", progress):
            ranking = Ranking(total, ranked)
            started = time.perf_counter()
            grouped = [
                pool.submit(ranking.ranks, prepared.stage),
                pool.submit(_group_rank, table, "industry", ranking),
                pool.submit(_group_rank, table, "region", ranking),
            ]
            if agreement:
                share = scheme.agreement.top_share
                ascending, ordered = ranking.order[::-1], ranking.sorted_values[::-1]
                reading = pool.submit(PrimaryReading, ranking.values, share, ascending, ordered)
                pending = [pool.submit(alternative, name, reading) for name in alternatives]
            overall = ranking.ranks()
            tier = tiers(scheme.tiers, total, overall, int(ranked.sum()))
            by_stage, by_industry, by_region = (f.result() for f in grouped)
        report = None
        if agreement:
            report = AgreementReport(
                tuple(p.result() for p in pending),
                scheme.agreement.min_spearman,
                scheme.agreement.top_share,
                int(ranking.values.shape[0]),
            )
            timings["agreement"] = round(time.perf_counter() - started, 6)
    frozen = FrozenParameters(
        scheme_key=scheme.key,
        scheme_fingerprint=scheme.fingerprint,
        engine_version=ENGINE_VERSION,
        period=period,
        reference_date=ref,
        reference_group=scheme.reference_group,
        group_codes=prepared.group_codes,
        indicators={s.params.code: s.params for s in scored},
        ranked_totals=ranking.sorted_values.copy(),
    )
    ranks = (overall, by_stage, by_industry, by_region)
    result = _assemble(
        scheme,
        table,
        prepared,
        scored,
        totals,
        ranks,
        tier,
        frozen,
        report,
        timings,
        renormalised=renormalised,
    )
    return replace(result, warnings=warnings) if warnings else result


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
    if scheme.coinr is not None:
        raise ValueError(
            f"{scheme.key} scores with the COINr methods, which re-treat and re-normalise the "
            "whole population; scoring rows against frozen parameters is not available for it"
        )
    _check_identity(table, source)
    prepared = _prepare(scheme, table, frozen.reference_date, source)
    columns = NumericColumns(table)
    scored = [
        _score_indicator(
            scheme, i, indicator_value(ind, columns), prepared, frozen.indicators[ind.code]
        )
        for i, ind in enumerate(scheme.weighted)
    ]
    scored, renormalised = _renormalise(scheme, scored, prepared)
    totals = _totals(scheme, table, scored)
    ascending = frozen.ranked_totals[::-1]
    above = frozen.n_ranked - np.searchsorted(ascending, totals.total, side="right")
    placed = np.where(totals.vetoed, 0, above + 1).astype(np.int64)
    tier = tiers(scheme.tiers, totals.total, placed, frozen.n_ranked)
    zero = np.zeros(table.height, dtype=np.int64)
    ranks = (placed, zero, zero, zero)
    return _assemble(
        scheme,
        table,
        prepared,
        scored,
        totals,
        ranks,
        tier,
        frozen,
        None,
        estimate=True,
        renormalised=renormalised,
    )
