"""Unified social credit codes (统一社会信用代码), GB 32100-2015, checked a column at a time.

18 characters from the 31-character alphabet below (no I, O, S, V, Z); the 18th is the check
character: C18 = 31 − (Σ Ci·Wi mod 31), with 31 written as 0 (GB 32100-2015 §5).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

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


def _as_matrix(codes: npt.NDArray[np.str_]) -> npt.NDArray[np.int64]:
    """(n, 18) alphabet values of the codes; −1 for characters outside the alphabet."""
    n = codes.shape[0]
    as_bytes = np.char.encode(codes.astype(f"<U{LENGTH}"), "utf-32-le")
    points = np.frombuffer(as_bytes.tobytes(), dtype="<u4").reshape(n, -1)[:, :LENGTH]
    points = np.pad(points, ((0, 0), (0, LENGTH - points.shape[1])))
    values = np.where(points < 256, _VALUE[np.minimum(points, 255)], -1)
    return values


def problems(codes: list[str | None]) -> list[str | None]:
    """For each code, None when valid, else the reason it is not a valid credit code."""
    reasons: list[str | None] = [None] * len(codes)
    present = [i for i, c in enumerate(codes) if c is not None]
    if not present:
        return reasons
    arr = np.array([codes[i] for i in present], dtype=np.str_)
    lengths = np.char.str_len(arr)
    values = _as_matrix(arr)
    bad_char = (values < 0).any(axis=1)
    total = (values[:, :17] * WEIGHTS).sum(axis=1)
    expected = (31 - total % 31) % 31
    bad_check = values[:, 17] != expected
    for k in np.flatnonzero((lengths != LENGTH) | bad_char | bad_check):
        code = codes[present[k]]
        assert code is not None
        reasons[present[k]] = _reason(code)
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
