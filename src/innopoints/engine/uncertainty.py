"""Uncertainty and sensitivity analysis of a run: Monte Carlo over the method choices.

Each replication re-scores every enterprise with one combination of choices (factors):

- ``weights``: every weighted indicator's stage weights multiplied by 1 + δ·u, u uniform on
  [−1, 1] (one u per indicator, the same in every stage), then each stage's weights rescaled
  to their nominal sum (1 in a valid scheme) so totals keep the scheme's scale. The factor
  picks one of ``weight_sets`` such perturbed sets, drawn once per analysis;
- ``normalisation``: ``scheme`` (each indicator's own method, the nominal) or one method for
  every weighted indicator — ``wminmax``, ``minmax``, ``rank``, ``goalpost`` (indicators
  without goalposts keep their own method); an alternative that scores exactly like an
  earlier one is dropped;
- ``winsor``: the winsorising bounds (each indicator's own, or one pair for all);
- ``transform``: each indicator's own transform (on) or none (off);
- ``reference_group``: L, U and ranks fitted on the whole run or within each stage.

A scheme with a ``coinr:`` block is scored through its own treatment, normalisation and
aggregation (engine/coinr_scoring.py): for it only the weights vary (each replication
re-aggregates the scheme's normalised values with its perturbed weights, the run's own
arithmetic); the engine's normalisation, winsor, transform and reference-group alternatives
do not apply to it and are refused (:meth:`Factors.for_scheme` gives its defaults).

A factor with one level is fixed and left out of the design. With ``sensitivity`` the
replications follow a Saltelli design (:mod:`innopoints.engine.sensitivity`) of base size
N = replications / 2: the rank statistics use the 2N independent rows (A and B, as COINr
does) and the indices all N(d + 2) rows. The outputs whose indices are reported are the mean
absolute rank shift against the nominal ranks and the share of enterprises changing tier.

Speed: every normalised column a replication can need is computed once (one sort per
indicator and reference group, reused by every method); replications sharing the discrete
choices are scored together as a block of rows, indicator by indicator, with the engine's
own arithmetic in its own order, so the nominal replication gives the engine's totals bit for
bit. Blocks run on a small thread pool (numpy releases the GIL).
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from innopoints.engine import normalise
from innopoints.engine.coinr.normalisers import normalise as coinr_normalise
from innopoints.engine.coinr_scoring import coinr_base, coinr_normalised, coinr_points
from innopoints.engine.columns import BoolArray, FloatArray, IntArray
from innopoints.engine.deductions import net_of_deductions
from innopoints.engine.missing import renormalisation
from innopoints.engine.result import ScoreResult
from innopoints.engine.run import score
from innopoints.engine.scheme import CoinrMethods, Indicator, Scheme, TierRule
from innopoints.engine.sensitivity import SensitivityIndices, estimate, saltelli_design
from innopoints.engine.uncertainty_result import Factor, Robustness

Winsor = tuple[float, float] | None
"""None: each indicator's own bounds."""
Progress = Callable[[str, float], None]

NORMALISATIONS = ("scheme", "wminmax", "minmax", "rank", "goalpost")
COINR_PREFIX = "coinr:"
COINR_NORMALISATIONS = tuple(
    f"{COINR_PREFIX}{m}" for m in ("zscore", "prank", "fracmax", "dist2max", "borda")
)
"""COINr's parameter-free normalisations, offered as further alternatives (not by default:
zscore and borda leave the [0, 1] scale, so the bonus weighs differently against them)."""
WINSOR_ALTERNATIVES: tuple[Winsor, ...] = (None, (0.0, 1.0), (0.025, 0.975), (0.05, 0.95))
OUTPUTS = ("mean_abs_rank_shift", "tier_change_share")
BLOCK = 32
"""Replications scored together: a block of 32 × 30,000 totals is 7.7 MB."""


@dataclass(frozen=True)
class Factors:
    """What varies, and over which alternatives; the first level of each is the nominal."""

    weight_noise: float = 0.25
    weight_sets: int = 1000
    normalisations: tuple[str, ...] = NORMALISATIONS
    winsor: tuple[Winsor, ...] = WINSOR_ALTERNATIVES
    transforms: tuple[bool, ...] = (True, False)
    reference_groups: tuple[str, ...] = ("whole", "stage")

    @classmethod
    def for_scheme(cls, scheme: Scheme, **changes: Any) -> Factors:
        """The default factors for ``scheme``: all five for the engine's own methods; only the
        weights for a scheme with a ``coinr:`` block (its treatment, normalisation and
        aggregation are the scheme's; the engine's alternatives do not apply)."""
        if scheme.coinr is None:
            return cls(**changes)
        fixed: dict[str, Any] = {
            "normalisations": ("scheme",),
            "winsor": (None,),
            "transforms": (True,),
            "reference_groups": (scheme.reference_group,),
        }
        return cls(**{**fixed, **changes})

    def check_scheme(self, scheme: Scheme) -> None:
        """Refuse, naming them, the alternatives that have no meaning for ``scheme``."""
        methods = scheme.coinr
        if methods is None:
            return
        refused = [
            f"{name} ({', '.join(labels)})"
            for name, labels in (
                ("normalisation", [n for n in self.normalisations if n != "scheme"]),
                ("winsor", [f"{w[0]}-{w[1]}" for w in self.winsor if w is not None]),
                ("transform", ["none" for on in self.transforms if not on]),
                ("reference_group", [g for g in self.reference_groups if g != "whole"]),
            )
            if labels
        ]
        if refused:
            raise ValueError(
                f"{scheme.key} scores with its coinr: block ({_coinr_summary(methods)}): "
                f"the engine's alternatives for {'; '.join(refused)} do not apply to it and "
                "cannot be analysed; for such a scheme only the weights vary "
                "(see docs/robustness.md)"
            )

    def check(self) -> None:
        problems = []
        if not 0 <= self.weight_noise < 1:
            problems.append(f"weight noise must be in [0, 1), not {self.weight_noise}")
        if self.weight_sets < 1:
            problems.append(f"at least one weight set is needed, not {self.weight_sets}")
        known = {*NORMALISATIONS, *COINR_NORMALISATIONS}
        problems += [
            f"unknown normalisation {n!r}; known: {', '.join(sorted(known))}"
            for n in self.normalisations
            if n not in known
        ]
        if self.normalisations and self.normalisations[0] != "scheme":
            problems.append("normalisations: the first must be scheme (the nominal)")
        unknown = [g for g in self.reference_groups if g not in {"whole", "stage"}]
        problems += [f"unknown reference group {g!r} (whole or stage)" for g in unknown]
        for bounds in self.winsor:
            if bounds is not None and not 0 <= bounds[0] < bounds[1] <= 1:
                problems.append(f"winsor bounds {bounds} must satisfy 0 ≤ low < high ≤ 1")
        for name, levels in (
            ("normalisations", self.normalisations),
            ("winsor", self.winsor),
            ("transforms", self.transforms),
            ("reference_groups", self.reference_groups),
        ):
            if len(levels) == 0:
                problems.append(f"{name}: give at least the nominal level")
            if len(set(levels)) != len(levels):
                problems.append(f"{name}: a level is listed twice")
        if problems:
            raise ValueError("robustness factors: " + "; ".join(problems))


def _coinr_summary(methods: CoinrMethods) -> str:
    treatment = "outlier treatment" if methods.treatment is not None else "no treatment"
    return (
        f"{treatment}, normalisation {methods.normalisation.method}, "
        f"aggregation {methods.aggregation}"
    )


@dataclass(frozen=True)
class _CoinrInputs:
    """What a replication of a ``coinr:`` scheme re-aggregates: the run's normalised values
    of every enterprise (n × k, NaN missing) and each enterprise's stage."""

    methods: CoinrMethods
    normalised: FloatArray
    stage: npt.NDArray[np.int8]


ColumnKey = tuple[int, str, str, tuple[float, float] | None, str | None]
"""(indicator, method, transform, winsor or None, reference group or None) of one column."""


def _primary(indicator: Indicator) -> tuple[str, str]:
    """The engine's (method, transform): ``minmax`` is ``wminmax`` with no transform."""
    if indicator.method == "minmax":
        return "wminmax", "none"
    return indicator.method, indicator.transform


def _column_key(
    index: int,
    indicator: Indicator,
    normalisation: str,
    winsor: Winsor,
    transform_on: bool,
    group: str,
) -> ColumnKey:
    method, transform = _primary(indicator)
    if normalisation == "wminmax":
        method, transform = "wminmax", indicator.transform
    elif normalisation == "minmax":
        method, transform = "wminmax", "none"
    elif normalisation == "goalpost" and indicator.goalpost is not None:
        method = "goalpost"
    elif normalisation not in {"scheme", "goalpost"}:
        method = normalisation  # further engine methods: fitted like the others
    if not transform_on:
        transform = "none"
    bounds = indicator.winsor if winsor is None else winsor
    if method == "rank":  # ranks of T(x) are ranks of x
        return (index, method, "none", None, group)
    if method == "bands":
        return (index, method, "none", None, None)
    if method == "goalpost":  # fixed ends: no fitting, no reference group
        return (index, method, transform, None, None)
    if method.startswith(COINR_PREFIX):  # COINr's normalisations do not winsorise
        return (index, method, transform, None, group)
    return (index, method, transform, bounds, group)


def _coinr_column(
    method: str, t: FloatArray, negative: bool, group: npt.NDArray[np.int8], n_groups: int
) -> FloatArray:
    """One of COINr's normalisations (engine/coinr/normalisers.py) of T(x) within each reference
    group, direction applied as COINr does; missing, and undefined results, score 0 (§4)."""
    direction = np.array([-1.0 if negative else 1.0])
    x = np.zeros(t.shape[0])
    for g in range(n_groups):
        rows = np.flatnonzero(group == g) if n_groups > 1 else np.arange(t.shape[0])
        if rows.shape[0] == 0 or np.isnan(t[rows]).all():
            continue
        part = coinr_normalise(t[rows, None], method, directions=direction, m_sd=(0.0, 1.0))
        x[rows] = part[:, 0]
    return np.where(np.isfinite(x), x, 0.0)


@dataclass
class _Plan:
    """Everything fixed across replications, over the ranked enterprises ordered by stage."""

    scheme: Scheme
    nominal: ScoreResult
    rows: IntArray
    """Input rows of the ranked enterprises, grouped by stage (the column order below)."""
    stage_slices: list[slice]
    bonus: FloatArray
    nominal_rank: npt.NDArray[np.int32]
    nominal_tier: npt.NDArray[np.int8]
    factors: list[Factor]
    varying: list[int]
    """Indices into ``factors`` of the factors with more than one level (the design's d)."""
    combos: dict[tuple[int, int, int, int], list[ColumnKey]]
    columns: dict[ColumnKey, FloatArray] = field(default_factory=dict)
    coinr: _CoinrInputs | None = None
    """Set for a scheme with a ``coinr:`` block: replications go through its aggregation."""
    claimed: FloatArray | None = None
    """The deductions (engine/deductions.py) of the ranked rows; None: the scheme has none."""
    missing: list[BoolArray] | None = None
    """Each weighted indicator's missing mask (all rows) for a scheme that renormalises
    missing data (engine/missing.py): each replication renormalises with its own weights."""


def _plan(
    scheme: Scheme, nominal: ScoreResult, factors: Factors, weight_sets: int
) -> tuple[_Plan, list[str]]:
    """Resolve the levels, drop duplicates, list the columns each combination needs."""
    notes: list[str] = []
    weighted = scheme.weighted
    groups = list(factors.reference_groups)
    if scheme.reference_group in groups:  # the nominal first
        groups.remove(scheme.reference_group)
    groups.insert(0, scheme.reference_group)
    if len(scheme.stage_rule.stages) == 1 and len(groups) > 1:
        groups = groups[:1]
        notes.append("one stage only: the reference group does not vary")
    normalisations: list[str] = []
    seen: dict[tuple[ColumnKey, ...], str] = {}
    for name in factors.normalisations:
        signature = tuple(
            _column_key(i, ind, name, w, on, g)
            for i, ind in enumerate(weighted)
            for w in factors.winsor
            for on in factors.transforms
            for g in groups
        )
        if signature in seen:
            notes.append(f"normalisation {name!r} scores exactly like {seen[signature]!r}: dropped")
            continue
        seen[signature] = name
        normalisations.append(name)
    levels = [
        Factor("weights", (f"{weight_sets} sets ±{factors.weight_noise:.0%}",)),
        Factor("normalisation", tuple(normalisations)),
        Factor(
            "winsor", tuple("scheme" if w is None else f"{w[0]}-{w[1]}" for w in factors.winsor)
        ),
        Factor("transform", tuple("scheme" if on else "none" for on in factors.transforms)),
        Factor("reference_group", tuple(groups)),
    ]
    varying = [k for k, f in enumerate(levels) if len(f.levels) > 1]
    if factors.weight_noise > 0:
        varying.insert(0, 0)
    combos = {
        (a, b, c, e): [
            _column_key(
                i, ind, normalisations[a], factors.winsor[b], factors.transforms[c], groups[e]
            )
            for i, ind in enumerate(weighted)
        ]
        for a in range(len(normalisations))
        for b in range(len(factors.winsor))
        for c in range(len(factors.transforms))
        for e in range(len(groups))
    }
    ranked = nominal.rank > 0
    order = np.argsort(nominal.stage[ranked], kind="stable")
    rows = np.flatnonzero(ranked)[order]
    stage_of = nominal.stage[rows]
    bounds = np.searchsorted(stage_of, np.arange(len(scheme.stage_rule.stages) + 1))
    plan = _Plan(
        scheme=scheme,
        nominal=nominal,
        rows=rows,
        stage_slices=[slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)],
        bonus=nominal.bonus[rows],
        nominal_rank=nominal.rank[rows].astype(np.int32),
        nominal_tier=nominal.tier[rows],
        factors=levels,
        varying=varying,
        combos=combos,
        coinr=_coinr_inputs(scheme, nominal),
        claimed=_claimed(scheme, nominal, rows),
        missing=(
            [ind.missing for ind in nominal.indicators.values()]
            if scheme.missing.method == "renormalise"
            else None
        ),
    )
    return plan, notes


def _claimed(scheme: Scheme, nominal: ScoreResult, rows: IntArray) -> FloatArray | None:
    """The deductions the run's totals are net of (their cap applied), for ``rows``."""
    if not scheme.deductions:
        return None
    points = nominal.deduction_points
    claimed = np.zeros(nominal.n)
    for ind in scheme.deductions:
        claimed = claimed + points[ind.code]
    if scheme.deduction_cap is not None:
        claimed = np.minimum(claimed, scheme.deduction_cap)
    return claimed[rows]


def _divisors(plan: _Plan, weights: FloatArray) -> FloatArray | None:
    """block × ranked rows: each replication's coverage on the rows its weights renormalise,
    1 elsewhere (engine/missing.py with that replication's weights); None: missing → 0."""
    if plan.missing is None:
        return None
    out = np.ones((weights.shape[0], plan.rows.shape[0]))
    for b in range(weights.shape[0]):
        found = renormalisation(plan.scheme, plan.missing, list(weights[b]), plan.nominal.stage)
        assert found is not None
        out[b] = found.divisor[plan.rows]
    return out


def _net(plan: _Plan, totals: FloatArray) -> FloatArray:
    """Totals less the deductions, as the run nets them (engine/deductions.py)."""
    if plan.claimed is None:
        return totals
    return net_of_deductions(totals, plan.claimed[None, :], plan.scheme.deduction_floor)


def _coinr_inputs(scheme: Scheme, nominal: ScoreResult) -> _CoinrInputs | None:
    if scheme.coinr is None:
        return None
    values = np.column_stack([nominal.indicators[ind.code].value for ind in scheme.weighted])
    normalised, _ = coinr_normalised(scheme, scheme.coinr, values)
    return _CoinrInputs(scheme.coinr, normalised, nominal.stage)


def _fill_columns(plan: _Plan, keys: set[ColumnKey]) -> None:
    """Compute every normalised column needed, one sort per indicator and reference group."""
    nominal = plan.nominal
    n_stages = len(plan.scheme.stage_rule.stages)
    group_index = {
        "whole": (np.zeros(nominal.n, np.int8), 1),
        "stage": (nominal.stage, n_stages),
    }
    by_indicator: dict[int, list[ColumnKey]] = {}
    for key in keys:
        by_indicator.setdefault(key[0], []).append(key)

    def one(index: int) -> dict[ColumnKey, FloatArray]:
        indicator = plan.scheme.weighted[index]
        value = nominal.indicators[indicator.code].value
        references: dict[str, list[normalise.SortedReference]] = {}
        out = {}
        for key in by_indicator[index]:
            _, method, transform, bounds, group = key
            group_name = group or "whole"
            group_array, n_groups = group_index[group_name]
            if method.startswith(COINR_PREFIX):
                t = normalise.transform(transform, value)
                negative = indicator.direction == "negative"
                name = method.removeprefix(COINR_PREFIX)
                x = _coinr_column(name, t, negative, group_array, n_groups)
                out[key] = np.ascontiguousarray(x[plan.rows])
                continue
            if group_name not in references:
                references[group_name] = normalise.sort_reference(value, group_array, n_groups)
            fitted = (
                indicator if bounds is None else indicator.model_copy(update={"winsor": bounds})
            )
            params = normalise.fit(fitted, method, transform, references[group_name])
            t = normalise.transform(transform, value)
            x = normalise.apply(params, t, value, group_array, references[group_name])
            out[key] = np.ascontiguousarray(x[plan.rows])
        return out

    with ThreadPoolExecutor(_threads()) as pool:
        for found in pool.map(one, sorted(by_indicator)):
            plan.columns.update(found)


def _threads() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def weight_sets(scheme: Scheme, n_sets: int, noise: float, rng: np.random.Generator) -> FloatArray:
    """n_sets × indicators × stages perturbed weights, each stage rescaled to its nominal sum."""
    nominal = np.array(scheme.weight_matrix(), dtype=np.float64)
    factor = 1.0 + noise * rng.uniform(-1.0, 1.0, size=(n_sets, nominal.shape[0], 1))
    perturbed = nominal[None, :, :] * factor
    sums = perturbed.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(sums > 0, perturbed * (nominal.sum(axis=0)[None, None, :] / sums), 0.0)
    out: FloatArray = scaled
    return out


def competition_ranks(totals: FloatArray) -> npt.NDArray[np.int32]:
    """Per row of a replications × enterprises block: ranks, highest = 1, ties share the best."""
    n = totals.shape[1]
    order = np.argsort(totals, axis=1)
    ascending = np.take_along_axis(totals, order, axis=1)
    position = np.broadcast_to(np.arange(n), totals.shape)
    run_end = np.empty(totals.shape, dtype=bool)
    run_end[:, -1] = True
    np.not_equal(ascending[:, 1:], ascending[:, :-1], out=run_end[:, :-1])
    last = np.minimum.accumulate(np.where(run_end, position, n - 1)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty(totals.shape, dtype=np.int32)
    np.put_along_axis(ranks, order, (n - last).astype(np.int32), axis=1)
    return ranks


def block_tiers(
    rule: TierRule, totals: FloatArray, ranks: npt.NDArray[np.int32], n_ranked: int
) -> npt.NDArray[np.int8]:
    """The engine's tier rule (docs/METHOD.md §7) over a block of ranked replications."""
    if rule.basis == "rank_share":
        shares = np.array([t.max_share for t in rule.levels[:-1]], dtype=np.float64)
        return np.searchsorted(shares, ranks / n_ranked, side="left").astype(np.int8)
    tier = np.zeros(totals.shape, dtype=np.int8)
    for level in rule.levels[:-1]:
        tier += totals < float(level.min_score if level.min_score is not None else -np.inf)
    return tier


def block_totals(plan: _Plan, keys: list[ColumnKey], weights: FloatArray) -> FloatArray:
    """Totals of a block of replications sharing ``keys``; ``weights`` is block × ind × stage.
    The engine's arithmetic: (scale · w) · x per indicator, summed in indicator order."""
    factors = plan.scheme.scale * weights
    totals = np.zeros((weights.shape[0], plan.rows.shape[0]))
    scratch = np.empty_like(totals)
    divisors = _divisors(plan, weights)
    for i, key in enumerate(keys):
        x = plan.columns[key]
        for s, part in enumerate(plan.stage_slices):
            column = factors[:, i, s]
            if part.stop == part.start or not column.any():
                continue
            product = np.multiply(column[:, None], x[None, part], out=scratch[:, part])
            if divisors is not None:  # points / c on renormalised rows (c = 1 elsewhere)
                product = np.divide(product, divisors[:, part], out=product)
            totals[:, part] += product
    totals += plan.bonus[None, :]
    return _net(plan, totals)


def coinr_block_totals(plan: _Plan, weights: FloatArray) -> FloatArray:
    """Totals of a block of replications of a ``coinr:`` scheme (``weights``: block × ind ×
    stage): the run's own points and sums (engine/coinr_scoring.py) with each weight set,
    so the nominal weights give the run's totals bit for bit."""
    inputs = plan.coinr
    assert inputs is not None
    totals = np.empty((weights.shape[0], plan.rows.shape[0]))
    divisors = _divisors(plan, weights)
    for b in range(weights.shape[0]):
        points = coinr_points(
            plan.scheme, inputs.methods, inputs.normalised, inputs.stage, weights[b]
        )
        if divisors is not None:
            every = np.ones(plan.nominal.n)
            every[plan.rows] = divisors[b]
            points = points / every[:, None]
        totals[b] = coinr_base(points)[plan.rows] + plan.bonus
    return _net(plan, totals)


def _totals_of(plan: _Plan, keys: list[ColumnKey], weights: FloatArray) -> FloatArray:
    if plan.coinr is not None:
        return coinr_block_totals(plan, weights)
    return block_totals(plan, keys, weights)


def _quantile_sorted(ordered: npt.NDArray[np.int32], p: float) -> FloatArray:
    """Type-7 quantile of each column of replications × enterprises sorted along axis 0."""
    m = ordered.shape[0]
    virtual = (m - 1) * p
    lower = math.floor(virtual)
    upper = min(lower + 1, m - 1)
    gamma = virtual - lower
    low = ordered[lower].astype(np.float64)
    out: FloatArray = low + gamma * (ordered[upper] - low)
    return out


def _blocks(combo_of_run: IntArray, run_ids: IntArray) -> Iterator[tuple[int, IntArray]]:
    """Runs grouped by their combination of discrete levels, in blocks of at most BLOCK."""
    order = np.argsort(combo_of_run[run_ids], kind="stable")
    ordered = run_ids[order]
    combos = combo_of_run[ordered]
    starts = np.flatnonzero(np.r_[True, combos[1:] != combos[:-1]])
    ends = np.r_[starts[1:], ordered.shape[0]]
    for a, b in zip(starts, ends, strict=True):
        for c in range(a, b, BLOCK):
            yield int(combos[a]), ordered[c : min(b, c + BLOCK)]


@dataclass
class _Replicated:
    ranks: npt.NDArray[np.int32]
    """independent replications × ranked enterprises (stage order)."""
    kept: IntArray
    outputs: dict[str, FloatArray]


def _choices(plan: _Plan, design: FloatArray, sizes: list[int]) -> npt.NDArray[np.int64]:
    """runs × factors levels: a design value u picks level floor(u · K) of a K-level factor."""
    levels = np.zeros((design.shape[0], len(plan.factors)), dtype=np.int64)
    for column, k in enumerate(plan.varying):
        picked = (design[:, column] * sizes[k]).astype(np.int64)
        levels[:, k] = np.minimum(picked, sizes[k] - 1)
    return levels


def _replicate(
    plan: _Plan,
    levels: npt.NDArray[np.int64],
    sizes: list[int],
    weights: FloatArray,
    independent: int,
    progress: Progress | None,
) -> _Replicated:
    """Score every run; keep the ranks of the first ``independent`` ones."""
    discrete = tuple(sizes[1:])
    combo_of_run = np.ravel_multi_index(tuple(levels[:, 1:].T), discrete).astype(np.int64)
    combo_keys = {
        int(np.ravel_multi_index(combo, discrete)): keys for combo, keys in plan.combos.items()
    }
    needed = {int(c) for c in np.unique(combo_of_run)}
    if plan.coinr is None:
        _fill_columns(plan, {key for c in needed for key in combo_keys[c]})
    runs = levels.shape[0]
    n_ranked = plan.rows.shape[0]
    stored = np.zeros((independent, n_ranked), dtype=np.int32)
    shift = np.zeros(runs)
    tier_change = np.zeros(runs)
    kept = np.zeros(n_ranked, dtype=np.int64)

    def block(item: tuple[int, IntArray]) -> tuple[IntArray, int]:
        combo, ids = item
        totals = _totals_of(plan, combo_keys[combo], weights[levels[ids, 0]])
        ranks = competition_ranks(totals)
        tier = block_tiers(plan.scheme.tiers, totals, ranks, n_ranked)
        same_tier = tier == plan.nominal_tier[None, :]
        shift[ids] = np.abs(ranks - plan.nominal_rank[None, :]).mean(axis=1)
        tier_change[ids] = 1.0 - same_tier.mean(axis=1)
        first = ids < independent
        stored[ids[first]] = ranks[first]
        counts: IntArray = same_tier[first].sum(axis=0)
        return counts, ids.shape[0]

    if n_ranked:
        done = 0
        with ThreadPoolExecutor(_threads()) as pool:
            for counts, size in pool.map(block, _blocks(combo_of_run, np.arange(runs))):
                kept += counts
                done += size
                if progress is not None:  # called from the caller's thread only
                    progress("replicate", 0.1 + 0.8 * done / runs)
    outputs = {"mean_abs_rank_shift": shift, "tier_change_share": tier_change}
    return _Replicated(stored, kept, outputs)


def _rank_statistics(
    plan: _Plan, replicated: _Replicated, independent: int
) -> dict[str, FloatArray]:
    """Mean, median, 5 % and 95 % quantiles (type 7) of each enterprise's ranks, and the share
    of replications keeping its tier; per input row (0 for the vetoed)."""
    ranks = replicated.ranks
    ranks.sort(axis=0)
    stats: dict[str, FloatArray] = {}
    for name, values in (
        ("mean", ranks.mean(axis=0, dtype=np.float64)),
        ("median", _quantile_sorted(ranks, 0.5)),
        ("q5", _quantile_sorted(ranks, 0.05)),
        ("q95", _quantile_sorted(ranks, 0.95)),
        ("kept", replicated.kept / independent),
    ):
        full = np.zeros(plan.nominal.n)
        full[plan.rows] = values
        stats[name] = full
    return stats


def analyse(
    scheme: Scheme,
    table: pl.DataFrame,
    period: str,
    *,
    replications: int = 1000,
    seed: int = 0,
    factors: Factors | None = None,
    sensitivity: bool = True,
    n_boot: int | None = 200,
    source: str = "input",
    progress: Progress | None = None,
) -> Robustness:
    """Monte Carlo over the method choices of a run of ``scheme`` on ``table``.

    ``replications`` independent replications give the rank statistics; with ``sensitivity``
    they are the A and B rows of a Saltelli design of base size ceil(replications / 2), and
    N·d more runs give the indices. Same inputs and seed, same result."""
    chosen = factors or Factors.for_scheme(scheme)
    chosen.check()
    chosen.check_scheme(scheme)
    if replications < 4:
        raise ValueError(f"at least 4 replications are needed, not {replications}")
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str, share: float) -> None:
        now = time.perf_counter()
        timings[name] = round(now - clock[0], 6)
        clock[0] = now
        if progress is not None:
            progress(name, share)

    nominal = score(scheme, table, period, agreement=False, source=source)
    rng = np.random.default_rng(seed)
    n_sets = chosen.weight_sets if chosen.weight_noise > 0 else 1
    weights = weight_sets(scheme, n_sets, chosen.weight_noise, rng)
    plan, notes = _plan(scheme, nominal, chosen, n_sets)
    lap("nominal run", 0.1)
    d = len(plan.varying)
    if d == 0:
        raise ValueError("nothing varies: give at least one factor more than one level")
    if sensitivity and d < 2:
        notes.append("one factor varies: sensitivity indices skipped")
        sensitivity = False
    n_base = (replications + 1) // 2 if sensitivity else replications
    design = saltelli_design(n_base, d, rng) if sensitivity else rng.random((replications, d))
    independent = 2 * n_base if sensitivity else replications
    sizes = [n_sets, *(len(f.levels) for f in plan.factors[1:])]
    levels = _choices(plan, design, sizes)
    replicated = _replicate(plan, levels, sizes, weights, independent, progress)
    lap("replicate", 0.9)
    stats = _rank_statistics(plan, replicated, independent)
    indices: dict[str, SensitivityIndices] | None = None
    if sensitivity:
        indices = {}
        for name, values in replicated.outputs.items():
            try:
                boot_rng = np.random.default_rng(seed + 1)
                indices[name] = estimate(values, n_base, d, n_boot=n_boot, rng=boot_rng)
            except ValueError as exc:
                notes.append(f"{name}: {exc}")
    lap("statistics", 1.0)
    return Robustness(
        scheme_key=scheme.key,
        period=period,
        seed=seed,
        replications=independent,
        runs=design.shape[0],
        factors=tuple(plan.factors),
        varying=tuple(plan.factors[k].name for k in plan.varying),
        notes=tuple(notes),
        tier_codes=tuple(t.code for t in scheme.tiers.levels),
        credit_code=nominal.credit_code,
        nominal_rank=nominal.rank,
        nominal_tier=nominal.tier,
        mean_rank=stats["mean"],
        median_rank=stats["median"],
        q5_rank=stats["q5"],
        q95_rank=stats["q95"],
        tier_kept=stats["kept"],
        choices=levels,
        weight_sets=weights,
        outputs=replicated.outputs,
        sensitivity=indices,
        timings=timings,
    )


def nominal_replication(scheme: Scheme, table: pl.DataFrame, period: str) -> IntArray:
    """Ranks (0 = vetoed) of the replication with every factor at its nominal level, scored
    through the Monte Carlo path: equal to the engine's ranks (tested)."""
    nominal = score(scheme, table, period, agreement=False)
    plan, _ = _plan(scheme, nominal, Factors.for_scheme(scheme), 1)
    keys = plan.combos[(0, 0, 0, 0)]
    if plan.coinr is None:
        _fill_columns(plan, set(keys))
    weights = np.array(scheme.weight_matrix(), dtype=np.float64)[None, :, :]
    ranks = competition_ranks(_totals_of(plan, keys, weights))[0]
    out = np.zeros(nominal.n, dtype=np.int64)
    out[plan.rows] = ranks
    return out
