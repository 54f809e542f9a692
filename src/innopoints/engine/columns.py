"""Typed columns of an input table as numpy arrays (missing = NaN / NaT / False + mask)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def canonical_nan(x: npt.ArrayLike) -> FloatArray:
    """``x`` as float64 with every NaN, whatever its payload, replaced by numpy's quiet NaN.

    R writes NA as a NaN with the payload 0x7A2 and the quiet bit clear (bits
    0x7FF00000000007A2): a signalling NaN, which ``np.isnan`` sees but ``np.fmax`` (so
    ``np.nanmax``) does not skip. Every entry point of the engine passes its values through
    here. Returns ``x`` itself when it is float64 without NaN; otherwise a copy."""
    array = np.asarray(x, dtype=np.float64)
    missing = np.isnan(array)
    if not missing.any():
        return array
    out = array.copy()
    out[missing] = np.nan
    return out


def numeric(table: pl.DataFrame, code: str) -> FloatArray:
    """The column as float64 with NaN for missing; all NaN when the file lacks the column."""
    if code not in table.columns:
        return np.full(table.height, np.nan)
    array = table.get_column(code).cast(pl.Float64).to_numpy()
    if array.flags.writeable:  # polars copied it (nulls became NaN): canonicalise in place
        array[np.isnan(array)] = np.nan
        return np.asarray(array, dtype=np.float64)
    return canonical_nan(array)


class NumericColumns:
    """A table's numeric columns as float64 arrays, each converted once per run."""

    def __init__(self, table: pl.DataFrame) -> None:
        self.table = table
        self._cache: dict[str, FloatArray] = {}

    def __call__(self, code: str) -> FloatArray:
        if code not in self._cache:
            self._cache[code] = numeric(self.table, code)
        return self._cache[code]


def flag(table: pl.DataFrame, code: str) -> tuple[BoolArray, BoolArray]:
    """(value, missing) of a yes/no column; a missing flag counts as no."""
    if code not in table.columns:
        return np.zeros(table.height, bool), np.ones(table.height, bool)
    series = table.get_column(code)
    missing = series.is_null().to_numpy()
    return series.fill_null(False).cast(pl.Boolean).to_numpy().astype(bool), missing


def count_or_flag(table: pl.DataFrame, code: str) -> tuple[FloatArray, BoolArray]:
    """(items, missing) for a bonus or veto input: a yes/no counts 1 for yes; missing is 0."""
    if code not in table.columns:
        return np.zeros(table.height), np.ones(table.height, bool)
    series = table.get_column(code)
    missing = series.is_null().to_numpy()
    values = series.cast(pl.Float64).fill_null(0.0).to_numpy().astype(np.float64, copy=False)
    return values, missing


def dates(table: pl.DataFrame, code: str) -> npt.NDArray[np.datetime64]:
    if code not in table.columns:
        return np.full(table.height, np.datetime64("NaT"), dtype="datetime64[D]")
    return table.get_column(code).cast(pl.Date).to_numpy().astype("datetime64[D]")


def text(table: pl.DataFrame, code: str) -> npt.NDArray[np.object_]:
    if code not in table.columns:
        return np.full(table.height, None, dtype=object)
    return table.get_column(code).cast(pl.String).to_numpy().astype(object)


def rows(table: pl.DataFrame, row_column: str) -> IntArray:
    """Row numbers for messages: the file's own when known, else 2, 3, ... (header = row 1)."""
    if row_column in table.columns:
        return table.get_column(row_column).to_numpy().astype(np.int64)
    return np.arange(2, table.height + 2, dtype=np.int64)
