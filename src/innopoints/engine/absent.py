"""Weighted indicators without a value in any row of a run's input.

A file that lacks the scheme's fields would otherwise score every enterprise 0 and rank them
all 1, silently. When no weighted indicator has a value anywhere, the run is refused with a
problem naming each indicator and the columns it is read from; when only some are absent,
the run goes on and its report carries a warning naming them (they score 0 for everyone).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from innopoints.engine.columns import FloatArray
from innopoints.engine.errors import InputError, InputProblem
from innopoints.engine.scheme import Indicator, Scheme


def _has_value(values: FloatArray) -> bool:
    head = values[:1024]  # a filled column answers from its first rows
    return bool((~np.isnan(head)).any() or (~np.isnan(values)).any())


def _columns(scheme: Scheme, indicator: Indicator) -> str:
    """The headers the indicator is read from: its own column, or its derivation's inputs."""
    codes = [indicator.code]
    if indicator.derivation is not None:
        codes += list(indicator.derivation.inputs)
    catalogue = scheme.catalogue
    headers = []
    for code in codes:
        field = catalogue.get(code)
        headers.append(f"“{field.header}” ({code})" if field is not None else code)
    return " / ".join(headers)


def _name(indicator: Indicator) -> str:
    return f"{indicator.name.zh} ({indicator.code})"


def check_weighted_values(
    scheme: Scheme, values: Sequence[FloatArray], n_rows: int, source: str
) -> tuple[str, ...]:
    """``values``: each weighted indicator's scored values (NaN missing), in scheme order.
    Raises InputError when none has a value in any row; returns warnings otherwise."""
    if n_rows == 0 or not scheme.weighted:
        return ()
    absent = [
        indicator
        for indicator, column in zip(scheme.weighted, values, strict=True)
        if not _has_value(column)
    ]
    if not absent:
        return ()
    if len(absent) == len(scheme.weighted):
        problems = [
            InputProblem(
                None,
                None,
                f"none of the {len(absent)} weighted indicators of {scheme.key} has a value in "
                "any row: every enterprise would score 0 and share rank 1. Is this input meant "
                "for this scheme?",
            ),
            *(
                InputProblem(
                    None,
                    _columns(scheme, indicator),
                    f"absent or blank in every row: weighted indicator {_name(indicator)}",
                )
                for indicator in absent
            ),
        ]
        raise InputError(source, problems)
    listed = "; ".join(f"{_name(i)} from {_columns(scheme, i)}" for i in absent)
    return (
        f"{len(absent)} of {len(scheme.weighted)} weighted indicators have no value in any row "
        f"and score 0 for every enterprise: {listed}",
    )
