"""Growth stages (docs/METHOD.md §3 and §11): by age at the reference date, or by revenue band."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import numpy.typing as npt

from innopoints.engine.columns import FloatArray
from innopoints.engine.scheme import StageRule

NO_STAGE = -1

_PERIOD = re.compile(r"^(\d{4})(?:-?(H1|H2|Q[1-4]))?$")
_PART_END = {
    "H1": (6, 30),
    "H2": (12, 31),
    "Q1": (3, 31),
    "Q2": (6, 30),
    "Q3": (9, 30),
    "Q4": (12, 31),
}


def reference_date(period: str, period_end: str = "12-31") -> dt.date:
    """The last day of the evaluated period: ``2025`` → 2025-12-31 (a scheme may set another
    year-end as MM-DD); ``2025H1`` → 2025-06-30; ``2025Q3`` → 2025-09-30; an ISO date as is."""
    text = period.strip()
    match = _PERIOD.match(text)
    if match:
        year = int(match.group(1))
        if match.group(2):
            month, day = _PART_END[match.group(2)]
        else:
            month, day = (int(p) for p in period_end.split("-"))
        return _calendar_date(year, month, day)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"period {period!r} is not a year (2025), a half (2025H1), a quarter (2025Q3) "
            "or a date (2025-12-31)"
        ) from None


def _calendar_date(year: int, month: int, day: int) -> dt.date:
    """A date, with 29 February falling back to 28 February in a common year."""
    if month == 2 and day == 29 and not _leap(year):
        day = 28
    return dt.date(year, month, day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def years_before(date: dt.date, years: int) -> dt.date:
    """Calendar subtraction of whole years (29 Feb → 28 Feb), docs/METHOD.md §3."""
    return _calendar_date(date.year - years, date.month, date.day)


def assign_age_stages(
    rule: StageRule, established: npt.NDArray[np.datetime64], ref: dt.date
) -> npt.NDArray[np.int8]:
    """Stage index per enterprise; NO_STAGE for a missing or future establishment date."""
    stage = np.full(established.shape[0], len(rule.stages) - 1, dtype=np.int8)
    assigned = np.zeros(established.shape[0], dtype=bool)
    for index, entry in enumerate(rule.stages[:-1]):
        assert entry.max_age_years is not None
        cutoff = np.datetime64(years_before(ref, entry.max_age_years), "D")
        within = ~assigned & (established >= cutoff)
        stage[within] = index
        assigned |= within
    invalid = np.isnat(established) | (established > np.datetime64(ref, "D"))
    stage[invalid] = NO_STAGE
    return stage


def assign_revenue_stages(rule: StageRule, revenue: FloatArray) -> npt.NDArray[np.int8]:
    """Stage index per enterprise by [revenue_from, revenue_below); NO_STAGE when missing."""
    uppers = np.array([s.revenue_below for s in rule.stages[:-1]], dtype=np.float64)
    stage = np.searchsorted(uppers, revenue, side="right").astype(np.int8)
    unknown = np.isnan(revenue) | (revenue < 0)
    missing = NO_STAGE if rule.missing_stage is None else rule.codes.index(rule.missing_stage)
    stage[unknown] = missing
    return stage
