"""Properties that must hold for any input (hypothesis)."""

from typing import Any

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innopoints.engine import load_scheme, score
from innopoints.engine.synth import synth_frame

SICHUAN = load_scheme("sichuan-2025")
# weighted indicators that no derivation reads, so raising them moves nothing else
PLAIN_POSITIVE = [
    "invention_apps",
    "pct_apps",
    "tech_contract",
    "hitech_revenue",
    "rd_deduction_tax",
    "graduates",
    "platforms",
    "awards",
    "projects",
    "vc_amount",
]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def provinces(draw: Any) -> pl.DataFrame:
    n = draw(st.integers(2, 60))
    seed = draw(st.integers(0, 2**31))
    frame = synth_frame(n, seed=seed)
    # sprinkle ties: copy a few rows' figures onto others
    if draw(st.booleans()) and n > 3:
        donor = frame[0].drop("credit_code")
        frame = frame.with_columns(
            [
                pl.when(pl.int_range(pl.len()) == 1)
                .then(pl.lit(donor[c][0]))
                .otherwise(pl.col(c))
                .alias(c)
                for c in donor.columns
            ]
        )
    return frame


@SETTINGS
@given(provinces())
def test_totals_within_scale_plus_bonus_and_no_nan(frame: pl.DataFrame) -> None:
    result = score(SICHUAN, frame, "2025")
    assert np.isfinite(result.total).all()
    assert (result.total >= 0).all() and (result.total <= 100 + 4.8 + 1e-9).all()
    assert (result.base <= 100 + 1e-9).all()
    for ind in result.indicators.values():
        assert ((ind.normalised >= 0) & (ind.normalised <= 1)).all()


@SETTINGS
@given(provinces(), st.randoms(use_true_random=False))
def test_row_order_does_not_change_any_result(frame: pl.DataFrame, rnd: Any) -> None:
    order = list(range(frame.height))
    rnd.shuffle(order)
    first = score(SICHUAN, frame, "2025").breakdown_frame().drop("row")
    second = score(SICHUAN, frame[order], "2025").breakdown_frame().drop("row")
    assert first.sort("credit_code").equals(second.sort("credit_code"), null_equal=True)


@SETTINGS
@given(provinces(), st.sampled_from(PLAIN_POSITIVE), st.integers(0, 10**6), st.floats(0.1, 1e6))
def test_raising_a_positive_indicator_never_lowers_own_total(
    frame: pl.DataFrame, code: str, pick: int, raise_by: float
) -> None:
    who = pick % frame.height
    before = score(SICHUAN, frame, "2025")
    column = frame[code].cast(pl.Float64).fill_null(0.0)
    raised = column.scatter(who, float(column[who]) + float(round(raise_by)) + 1.0)
    after = score(SICHUAN, frame.with_columns(raised.cast(frame[code].dtype)), "2025")
    assert after.total[who] >= before.total[who] - 1e-9
