"""Yes/no values, one rule: the words a file may write for them, and how a stored number
(1 yes, 0 no) or a figure typed into a form reads as one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl

from innopoints.engine.fields import FieldCatalogue

TRUE_WORDS = frozenset({"是", "有", "y", "yes", "1", "1.0", "true", "t", "√", "✓"})
FALSE_WORDS = frozenset({"否", "无", "n", "no", "0", "0.0", "false", "f", "×", "✗"})


def word_expr(text: pl.Expr) -> pl.Expr:
    """A text column as yes/no: True, False, or null for a blank or an unknown word."""
    lowered = text.str.to_lowercase()
    return (
        pl.when(lowered.is_in(list(TRUE_WORDS)))
        .then(True)
        .when(lowered.is_in(list(FALSE_WORDS)))
        .then(False)
        .otherwise(None)
    )


def as_bool(value: Any) -> bool | None:
    """One value as yes/no: None stays None, a word by the lists above (None if unknown),
    a number yes when positive (as stored: 1 yes, 0 no)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in TRUE_WORDS:
            return True
        return False if lowered in FALSE_WORDS else None
    return float(value) > 0


def stored_bool_casts(columns: Iterable[str], catalogue: FieldCatalogue) -> list[pl.Expr]:
    """Expressions turning the stored numbers of the yes/no fields among ``columns`` into
    booleans (positive: yes, as ``as_bool``)."""
    return [
        (pl.col(c) > 0).alias(c) for c in columns if c in catalogue and catalogue[c].kind == "bool"
    ]
