"""Missing values with R's NA bit pattern (a signalling NaN) are missing values everywhere.

R writes NA as the NaN 0x7FF00000000007A2: its quiet bit is clear, so ``np.fmax`` (hence
``np.nanmax``) does not skip it. The engine canonicalises NaN on entry (columns.canonical_nan).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from innopoints.engine import load_scheme, score
from innopoints.engine.coinr.aggregate import aggregate_rows, gmean
from innopoints.engine.coinr.moments import skew
from innopoints.engine.coinr.normalisers import normalise
from innopoints.engine.coinr.stats import correlation, stats_table
from innopoints.engine.coinr.treat import treat
from innopoints.engine.columns import canonical_nan
from innopoints.engine.synth import synth_frame

R_NA_BITS = 0x7FF00000000007A2
QUIET_NAN_BITS = 0x7FF8000000000000
R_NA = np.array([R_NA_BITS], dtype=np.uint64).view(np.float64)[0]


def bits(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float64).view(np.uint64)


def test_nanmax_skips_r_na_once_canonical() -> None:
    # numpy's vectorised fmax does not skip a signalling NaN (on long columns)
    x = np.arange(2000.0)
    x[::3] = R_NA
    assert np.isnan(R_NA)
    assert np.nanmax(canonical_nan(x)) == 1999.0


def test_canonical_nan_by_hand() -> None:
    x = np.array([1.5, R_NA, -0.0, np.inf, R_NA])
    out = canonical_nan(x)
    assert bits(out).tolist() == [
        *bits(np.array([1.5])).tolist(),
        QUIET_NAN_BITS,
        *bits(np.array([-0.0])).tolist(),
        *bits(np.array([np.inf])).tolist(),
        QUIET_NAN_BITS,
    ]
    assert bits(x)[1] == R_NA_BITS  # the caller's array is not changed
    clean = np.array([1.0, 2.0])
    assert canonical_nan(clean) is clean  # nothing to replace: no copy


def test_treat_winsorises_one_point_not_the_missing_ones() -> None:
    # 1..19 and 1000: skew 4.47, kurtosis 19.97 fail; winsorising 1000 down to 19 passes.
    # With R's NA read as a value, nanmax returned a missing value and every step went wrong.
    column = np.array([*range(1, 20), 1000.0, R_NA, R_NA, R_NA])
    result = treat(column[:, None])
    assert result.nwin.tolist() == [1.0]
    assert result.x[19, 0] == 19.0
    assert np.nanmax(result.x) == 19.0
    assert np.isnan(result.x[20:, 0]).all()
    assert result.win_high[:, 0].tolist() == [False] * 19 + [True] + [False] * 3


def test_normalise_aggregate_and_stats_skip_r_na() -> None:
    x = np.array([[0.0, 1.0], [R_NA, 2.0], [10.0, R_NA], [5.0, 4.0]])
    norm = normalise(x, "minmax", l_u=(0.0, 1.0))
    # column 0: (0, −, 10, 5) → 0, −, 1, 0.5; column 1: (1, 2, −, 4) → 0, 1/3, −, 1
    assert np.array_equal(norm[[0, 2, 3], 0], [0.0, 1.0, 0.5])
    assert np.allclose(norm[[0, 1, 3], 1], [0.0, 1 / 3, 1.0], rtol=0, atol=1e-15)
    assert np.isnan(norm[1, 0]) and np.isnan(norm[2, 1])
    positive = np.array([[4.0, R_NA], [1.0, 9.0]])
    # row 0: only 4 present → 4; row 1: √(1·9) = 3
    assert np.allclose(gmean(positive), [4.0, 3.0], rtol=1e-15)
    assert np.allclose(aggregate_rows(positive, "amean"), [4.0, 5.0], rtol=1e-15)
    table = stats_table(x, ["a", "b"])
    assert table["Max"].to_list() == [10.0, 4.0]
    assert table["N.Avail"].to_list() == [3, 3]
    assert np.allclose(skew(x), skew(canonical_nan(x)), equal_nan=True)
    assert np.array_equal(correlation(x), correlation(canonical_nan(x)), equal_nan=True)


def test_a_run_reads_r_na_as_blank() -> None:
    scheme = load_scheme("sichuan-2025")
    frame = synth_frame(300, seed=4)
    column = "rd_expense"
    blanked = frame.with_columns(
        pl.when(pl.int_range(pl.len()) % 3 == 0).then(None).otherwise(pl.col(column)).alias(column)
    )
    na_values = blanked.get_column(column).cast(pl.Float64).to_numpy().copy()
    na_values[np.isnan(na_values)] = R_NA
    from_r = blanked.with_columns(pl.Series(column, na_values))
    assert bits(from_r.get_column(column).to_numpy())[0] == R_NA_BITS
    expected = score(scheme, blanked, "2025", agreement=False)
    got = score(scheme, from_r, "2025", agreement=False)
    assert np.array_equal(bits(got.total), bits(expected.total))
    assert np.array_equal(got.rank, expected.rank)


nan_payloads = st.integers(min_value=1, max_value=(1 << 52) - 1).map(
    lambda mantissa: np.array([0x7FF0000000000000 | mantissa], dtype=np.uint64).view(np.float64)[0]
)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
            nan_payloads,
        ),
        min_size=6,
        max_size=40,
    )
)
def test_any_nan_payload_is_a_missing_value(values: list[float]) -> None:
    x = np.array(values, dtype=np.float64)
    out = canonical_nan(x)
    missing = np.isnan(x)
    assert np.array_equal(np.isnan(out), missing)
    assert (bits(out)[missing] == QUIET_NAN_BITS).all()
    assert np.array_equal(bits(out)[~missing], bits(x)[~missing])
    quiet = x.copy()
    quiet[missing] = np.nan
    a, b = treat(x[:, None]), treat(quiet[:, None])
    assert np.array_equal(bits(a.x), bits(b.x))
    assert np.array_equal(a.nwin, b.nwin, equal_nan=True)
