"""A scheme's ``coinr`` block applied to its weighted indicators (docs/coinr.md).

Values (n enterprises × k weighted indicators, NaN missing) are treated, normalised and
aggregated with the COINr methods. Points: with ``aggregation: sum`` an indicator earns
scale · weight · x as in the default engine (a missing value earns 0); with a mean the base
is scale · M_w(x) over the enterprise's present values with its stage weights, and each
indicator's points are its share w·x/Σw·x of that base, so the breakdown still adds up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from innopoints.engine.coinr.aggregate import aggregate_rows
from innopoints.engine.coinr.normalisers import normalise
from innopoints.engine.coinr.treat import TreatOptions, TreatResult, treat
from innopoints.engine.columns import FloatArray, canonical_nan
from innopoints.engine.scheme import CoinrMethods, Scheme


@dataclass(frozen=True)
class CoinrScores:
    normalised: FloatArray
    points: FloatArray
    treatment: TreatResult | None


def treat_options(methods: CoinrMethods) -> TreatOptions | None:
    t = methods.treatment
    if t is None:
        return None
    return TreatOptions(
        winmax=t.winmax,
        winmax_share=t.winmax_share,
        skew_thresh=t.skew_thresh,
        kurt_thresh=t.kurt_thresh,
        f2=t.second,
        combine_treat=t.combine,
    )


def coinr_normalised(
    scheme: Scheme, methods: CoinrMethods, values: FloatArray
) -> tuple[FloatArray, TreatResult | None]:
    """The weighted indicators' values (n × k, NaN missing) treated and normalised (NaN where
    missing): everything of the COINr path that does not depend on the weights."""
    values = canonical_nan(values)
    codes = [ind.code for ind in scheme.weighted]
    opts = treat_options(methods)
    treated = treat(values, opts) if opts is not None else None
    x = treated.x if treated is not None else values
    norm = methods.normalisation
    directions = np.array([-1.0 if ind.direction == "negative" else 1.0 for ind in scheme.weighted])
    targets = [norm.targets[c] for c in codes] if norm.targets else None
    posts = norm.goalposts or {}
    normalised = normalise(
        x,
        norm.method,
        directions,
        l_u=norm.l_u,
        m_sd=norm.m_sd,
        npara=norm.npara,
        ref_row=norm.ref_row,
        cap_max=norm.cap_max,
        targets=targets,
        lower=[posts[c][0] for c in codes] if posts else None,
        upper=[posts[c][1] for c in codes] if posts else None,
        scale=norm.goalpost_scale,
        trunc=norm.trunc,
    )
    return normalised, treated


def coinr_points(
    scheme: Scheme,
    methods: CoinrMethods,
    normalised: FloatArray,
    stage: npt.NDArray[np.int8],
    stage_weights: FloatArray,
) -> FloatArray:
    """Each indicator's points (n × k) from the normalised values, with the weights of each
    enterprise's stage (``stage_weights``: k indicators × stages)."""
    weights = stage_weights.T[stage]
    present = ~np.isnan(normalised)
    contribution = np.where(present, weights * np.where(present, normalised, 0.0), 0.0)
    if methods.aggregation == "sum":
        points: FloatArray = scheme.scale * contribution
        return points
    base = scheme.scale * _row_means(normalised, stage, stage_weights, methods)
    share_total = contribution.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(share_total != 0, contribution / share_total, 0.0)
    points = np.nan_to_num(base)[:, None] * share
    return points


def coinr_base(points: FloatArray) -> FloatArray:
    """Σ of the indicators' points in indicator order, as the run adds them (bit for bit)."""
    total = np.zeros(points.shape[0])
    for j in range(points.shape[1]):
        total += points[:, j]
    return total


def coinr_scores(
    scheme: Scheme,
    methods: CoinrMethods,
    values: FloatArray,
    stage: npt.NDArray[np.int8],
    stage_weights: FloatArray,
) -> CoinrScores:
    """``values`` are n × k; ``stage_weights`` k × stages, ``stage`` each row's stage."""
    normalised, treated = coinr_normalised(scheme, methods, values)
    points = coinr_points(scheme, methods, normalised, stage, stage_weights)
    return CoinrScores(normalised, points, treated)


def _row_means(
    x: FloatArray,
    stage: npt.NDArray[np.int8],
    stage_weights: FloatArray,
    methods: CoinrMethods,
) -> FloatArray:
    """Each row's weighted mean with its stage's weights: one call per stage, never per
    enterprise."""
    out = np.full(x.shape[0], np.nan)
    for s in range(stage_weights.shape[1]):
        rows = np.flatnonzero(stage == s)
        if rows.shape[0]:
            out[rows] = aggregate_rows(
                x[rows], methods.aggregation, stage_weights[:, s], p=methods.p
            )
    return out
