"""COINr's outlier treatment (``Treat()`` with its defaults and variants), all indicators at once.

For each indicator: pass if |skew| < ``skew_thresh`` or kurtosis < ``kurt_thresh``. A failing
indicator is winsorised one value at a time on the side of its skew (the highest values are
set to the next highest; ties go together), re-tested after each step, until it passes or
``winmax`` points are winsorised. If it still fails, the second treatment (default ``log_CT``:
log(x − min + 0.01·(max − min))) is applied to the ORIGINAL column (or to the winsorised one
when ``combine_treat``), and the indicator is tested a third time; ``failed`` flags those that
still fail. The loop runs over winsorisation steps (at most the limit), each step on every
still-failing indicator together; rows are never looped over.

COINr quirk not copied: its point log keeps ``winhi``/``winlo`` marks on values the log
transform replaced (``"winhi+log_CT"``) and writes ``"+log_CT"`` for the others; here a value
replaced by the log transform is marked ``log_CT`` only, unless ``combine_treat`` applies the
transform on top of the winsorised column (then ``winhi+log_CT`` is what happened).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from innopoints.engine.coinr.moments import skew, skew_kurt
from innopoints.engine.columns import BoolArray, FloatArray, canonical_nan

SECOND_TREATMENTS = ("log_CT", "log_CT_plus", "log_CT_orig")


@dataclass(frozen=True)
class TreatOptions:
    """``winmax``: most points winsorised per indicator (None: no limit). ``winmax_share``:
    let the limit grow with the data, max(winmax, ⌊share · values present⌋). ``f2``: the
    second treatment (``log_CT``, ``log_CT_plus``, ``log_CT_orig``) or None for none."""

    winmax: int | None = 5
    winmax_share: float | None = None
    skew_thresh: float = 2.0
    kurt_thresh: float = 3.5
    f2: str | None = "log_CT"
    combine_treat: bool = False

    def __post_init__(self) -> None:
        if self.winmax is not None and self.winmax < 0:
            raise ValueError(f"winmax must be ≥ 0 or None, got {self.winmax}")
        if self.winmax_share is not None and not 0 <= self.winmax_share < 1:
            raise ValueError(f"winmax_share must be in [0, 1), got {self.winmax_share}")
        if self.skew_thresh <= 0 or self.kurt_thresh <= 0:
            raise ValueError("skew_thresh and kurt_thresh must be positive")
        if self.f2 is not None and self.f2 not in SECOND_TREATMENTS:
            raise ValueError(f"f2 must be one of {SECOND_TREATMENTS} or None, got {self.f2!r}")


@dataclass(frozen=True)
class TreatResult:
    """Treated values and what happened to each indicator (columns) and value.

    ``skew``, ``kurt``, ``passed``: (3 × k) — the test before treatment (row 0), after
    winsorisation (row 1) and after the second treatment (row 2); NaN where not reached
    (``passed`` is 1.0/0.0/NaN). ``nwin``: points winsorised (NaN: not winsorised).
    """

    x: FloatArray
    skew: FloatArray
    kurt: FloatArray
    passed: FloatArray
    nwin: FloatArray
    win_high: BoolArray
    win_low: BoolArray
    second: npt.NDArray[np.str_]
    combine_treat: bool

    @property
    def failed(self) -> BoolArray:
        """Indicators that still fail the skew/kurtosis test after every treatment."""
        last = np.where(np.isnan(self.passed[2]), self.passed[1], self.passed[2])
        last = np.where(np.isnan(last), self.passed[0], last)
        out: BoolArray = last == 0.0
        return out

    def treated_points(self) -> npt.NDArray[np.str_]:
        """(n × k) labels: ``winhi``, ``winlo``, the second treatment's name, or ``""``."""
        n, k = self.x.shape
        win = np.where(self.win_low, "winlo", np.where(self.win_high, "winhi", ""))
        second = np.broadcast_to(self.second, (n, k))
        if self.combine_treat:
            both = np.char.add(np.char.add(win, "+"), second)
            joined = np.where(win == "", second, both)
        else:
            joined = second
        out: npt.NDArray[np.str_] = np.where(second == "", win, joined)
        return out


def _passes(sk: FloatArray, kt: FloatArray, opts: TreatOptions) -> FloatArray:
    """1.0 pass, 0.0 fail, NaN undefined (too few values or no spread), like R's NA logic."""
    s_ok = np.abs(sk) < opts.skew_thresh
    k_ok = kt < opts.kurt_thresh
    defined = ~np.isnan(sk) & ~np.isnan(kt)
    verdict = np.where(s_ok | k_ok, 1.0, 0.0)
    # R: NA | TRUE is TRUE; NA | FALSE is NA
    either_true = (~np.isnan(sk) & s_ok) | (~np.isnan(kt) & k_ok)
    out: FloatArray = np.where(defined, verdict, np.where(either_true, 1.0, np.nan))
    return out


def _limits(present: FloatArray, opts: TreatOptions) -> FloatArray:
    """Each indicator's winsorisation limit, given its number of values ``present``."""
    base = math.inf if opts.winmax is None else float(opts.winmax)
    limit = np.full(present.shape, base)
    if opts.winmax_share is not None:
        limit = np.maximum(limit, np.floor(opts.winmax_share * present))
    return limit


def _winsorise(
    rows: FloatArray, limit: FloatArray, opts: TreatOptions, sk: FloatArray, kt: FloatArray
) -> tuple[FloatArray, FloatArray, BoolArray, BoolArray, FloatArray, FloatArray, FloatArray]:
    """Winsorise every indicator given as a ROW of ``rows`` (m × n, all failing; ``sk`` and
    ``kt`` their statistics) step by step. Returns the values (m × n), nwin, the high and low
    masks of the last step on each side (m × n), and the final skew, kurt and pass.

    A step on the high side sets the values at the current maximum to the largest value
    below it (ties together), i.e. ``min(x, next)``; the masks are rebuilt at the end from
    the extremes each side was last winsorised at. Rows are contiguous, so each indicator's
    statistics are summed pairwise along it, as they always were here."""
    w = rows.copy()
    m, n = w.shape
    present = ~np.isnan(w)
    count = present.sum(axis=1)
    with np.errstate(invalid="ignore"):
        top = np.nanmax(w, axis=1) if n else np.full(m, np.nan)
        bottom = np.nanmin(w, axis=1) if n else np.full(m, np.nan)
    high_at = np.full(m, np.nan)  # the maximum at the last high-side step, and the minimum then
    high_floor = np.full(m, np.nan)
    low_at = np.full(m, np.nan)
    low_ceiling = np.full(m, np.nan)
    n_high = np.zeros(m)
    n_low = np.zeros(m)
    nwin = np.zeros(m)
    sk, kt = sk.copy(), kt.copy()
    passed = _passes(sk, kt, opts)
    active = nwin < limit
    while active.any():
        right = sk >= 0  # the skew of the current values, from the last test
        for side in (1.0, -1.0):  # indicators skewed right, then left, each as one block
            idx = np.flatnonzero(active & (right == (side > 0)))
            if not idx.size:
                continue
            sub = w[idx]
            cap = top[idx] if side > 0 else bottom[idx]
            with np.errstate(invalid="ignore"):
                inside = sub < cap[:, None] if side > 0 else sub > cap[:, None]
                beyond = np.where(inside, sub, -np.inf if side > 0 else np.inf)
                repl = beyond.max(axis=1) if side > 0 else beyond.min(axis=1)
            has_other = inside.any(axis=1)
            hit = count[idx] - inside.sum(axis=1)
            repl = np.where(has_other, repl, np.inf if side > 0 else -np.inf)
            if side > 0:
                sub = np.minimum(sub, repl[:, None])
                high_at[idx], high_floor[idx], n_high[idx] = cap, bottom[idx], hit
                top[idx] = np.where(has_other, repl, top[idx])
            else:
                sub = np.maximum(sub, repl[:, None])
                low_at[idx], low_ceiling[idx], n_low[idx] = cap, top[idx], hit
                bottom[idx] = np.where(has_other, repl, bottom[idx])
            w[idx] = sub
            nwin[idx] = n_high[idx] + n_low[idx]
            sk[idx], kt[idx] = skew_kurt(sub, axis=1, present=present[idx])
        step = np.flatnonzero(active)
        passed[step] = _passes(sk[step], kt[step], opts)
        active[step] = (passed[step] == 0.0) & (nwin[step] < limit[step])
    with np.errstate(invalid="ignore"):  # a value was at the extreme at its side's last step
        high = present & (np.maximum(rows, high_floor[:, None]) >= high_at[:, None])
        low = present & (np.minimum(rows, low_ceiling[:, None]) <= low_at[:, None])
    return w, nwin, high, low, sk, kt, passed


def _second(x: FloatArray, kind: str) -> tuple[FloatArray, npt.NDArray[np.str_]]:
    """The second treatment of each ROW of ``x`` (indicators × units) and its label."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = np.nanmax(x, axis=1, keepdims=True)
        mn = np.nanmin(x, axis=1, keepdims=True)
        a = 0.01 * (mx - mn)
        labels = np.full(x.shape[0], kind if kind != "log_CT_plus" else "log_CT")
        if kind == "log_CT_orig":
            out: FloatArray = np.log(x - mn + 1.0)
        elif kind == "log_CT":
            out = np.log(x - mn + a)
        else:  # log_CT_plus: mirror the transform for negatively skewed columns
            positive = skew(x, axis=1) > 0
            out = np.where(positive[:, None], np.log(x - mn + a), -np.log(mx + a - x))
            labels = np.where(positive, "log_CT", "log_CT_neg")
    return out, labels


def treat(x: FloatArray, opts: TreatOptions | None = None) -> TreatResult:
    """Treat every column of ``x`` (n units × k indicators, NaN missing) for outliers."""
    opts = opts or TreatOptions()
    x = canonical_nan(x)
    if x.ndim != 2:
        raise ValueError(f"treat expects a 2-D (units × indicators) array, got {x.ndim}-D")
    n, k = x.shape
    out = x.copy()
    sk = np.full((3, k), np.nan)
    kt = np.full((3, k), np.nan)
    passed = np.full((3, k), np.nan)
    nwin = np.full(k, np.nan)
    high = np.zeros((n, k), dtype=bool)
    low = np.zeros((n, k), dtype=bool)
    second = np.full(k, "", dtype="<U10")
    sk[0], kt[0] = skew_kurt(x)
    passed[0] = _passes(sk[0], kt[0], opts)
    fail0 = np.flatnonzero(passed[0] == 0.0)
    if fail0.size:
        rows = np.ascontiguousarray(x[:, fail0].T)  # one indicator per contiguous row
        s0, k0 = sk[0, fail0], kt[0, fail0]
        if fail0.size == 1:  # a lone column was always summed pairwise, like a row
            s0, k0 = skew_kurt(rows, axis=1)
        limit = _limits((~np.isnan(rows)).sum(axis=1).astype(np.float64), opts)
        w, nw, hi, lo, s1, k1, p1 = _winsorise(rows, limit, opts, s0, k0)
        out[:, fail0] = w.T
        nwin[fail0] = nw
        high[:, fail0] = hi.T
        low[:, fail0] = lo.T
        sk[1, fail0], kt[1, fail0], passed[1, fail0] = s1, k1, p1
        still = p1 == 0.0
        fail1 = fail0[still]
        if opts.f2 is not None and fail1.size:
            t2, labels = _second(w[still] if opts.combine_treat else rows[still], opts.f2)
            out[:, fail1] = t2.T
            second[fail1] = labels
            sk[2, fail1], kt[2, fail1] = skew_kurt(t2, axis=1)
            passed[2, fail1] = _passes(sk[2, fail1], kt[2, fail1], opts)
    return TreatResult(out, sk, kt, passed, nwin, high, low, second, opts.combine_treat)
