"""Unified social credit codes (统一社会信用代码), GB 32100-2015, checked a column at a time.

18 characters from the 31-character alphabet below (no I, O, S, V, Z); the 18th is the check
character: C18 = 31 − (Σ Ci·Wi mod 31), with 31 written as 0 (GB 32100-2015 §5).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], np.int64)
LENGTH = 18

_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _ch in enumerate(ALPHABET):
    _VALUE[ord(_ch)] = _i


def check_character(first17: str) -> str:
    """The check character for 17 valid characters."""
    total = sum(ALPHABET.index(c) * int(w) for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


_SHAPE = "^[" + ALPHABET + "]{18}$"


def problems(codes: pl.Series | list[str | None]) -> list[str | None]:
    """For each code, None when valid (or blank: that is the caller's concern), else the reason
    it is not a valid credit code. Checked a column at a time."""
    series = codes if isinstance(codes, pl.Series) else pl.Series(codes, dtype=pl.String)
    reasons: list[str | None] = [None] * series.len()
    shaped = series.str.contains(_SHAPE).fill_null(False).to_numpy()
    present = series.is_not_null().to_numpy()
    rows = np.flatnonzero(shaped)
    if rows.shape[0]:
        joined = "".join(series.filter(pl.Series(shaped)).to_list()).encode("ascii")
        values = _VALUE[np.frombuffer(joined, dtype=np.uint8).reshape(-1, LENGTH)]
        expected = (31 - (values[:, :17] * WEIGHTS).sum(axis=1) % 31) % 31
        bad = np.zeros(series.len(), dtype=bool)
        bad[rows] = values[:, 17] != expected
    else:
        bad = np.zeros(series.len(), dtype=bool)
    for index in np.flatnonzero((present & ~shaped) | bad):
        code = series[int(index)]
        reasons[int(index)] = _reason(code)
    return reasons


def _reason(code: str) -> str:
    if len(code) != LENGTH:
        return f"credit code {code!r} has {len(code)} characters, not 18"
    wrong = [c for c in code if c not in ALPHABET]
    if wrong:
        shown = "".join(dict.fromkeys(wrong))
        hint = " (letters must be upper case)" if any(c.islower() for c in wrong) else ""
        return f"credit code {code!r} has characters not allowed by GB 32100: {shown!r}{hint}"
    return (
        f"credit code {code!r} fails the GB 32100 check: the last character should be "
        f"{check_character(code[:17])!r}"
    )


def is_valid(code: str) -> bool:
    return problems([code])[0] is None


def generate(rng: np.random.Generator, regions: npt.NDArray[np.str_]) -> npt.NDArray[np.str_]:
    """Distinct valid codes of enterprises (登记管理部门 9 工商, 类别 1 企业), one per region code
    given (the 6-digit division of the registering authority)."""
    n = regions.shape[0]
    ascii_codes = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
    serial = np.arange(n, dtype=np.int64) * 7_919 + int(rng.integers(0, 31**5))
    chars = np.empty((n, LENGTH), dtype=np.uint8)
    chars[:, 0] = ord("9")
    chars[:, 1] = ord("1")
    region_bytes = np.char.encode(regions.astype("<U6"), "ascii").astype("S6")
    chars[:, 2:8] = np.frombuffer(region_bytes.tobytes(), dtype=np.uint8).reshape(n, 6)
    rest = serial
    for pos in range(16, 7, -1):
        chars[:, pos] = ascii_codes[rest % 31]
        rest = rest // 31
    values = _VALUE[chars[:, :17]]
    chars[:, 17] = ascii_codes[(31 - (values * WEIGHTS).sum(axis=1) % 31) % 31]
    return np.frombuffer(chars.tobytes(), dtype=f"S{LENGTH}").astype(f"<U{LENGTH}")
