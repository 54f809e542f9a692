"""Yes/no values have one rule (engine/booleans.py): a file's words, a stored number and a
figure from a form read alike; the reader, the run's input table, robustness and 自评 use it."""

from __future__ import annotations

import polars as pl

from innopoints.engine.booleans import as_bool, stored_bool_casts, word_expr
from innopoints.engine.fields import base_catalogue


def test_words_read_by_hand() -> None:
    text = pl.Series("x", ["是", "否", "TRUE", "no", "1", "0.0", "√", "×", "maybe", None])
    read = text.to_frame().select(word_expr(pl.col("x"))).to_series().to_list()
    assert read == [True, False, True, False, True, False, True, False, None, None]


def test_a_value_reads_like_its_word_or_stored_number() -> None:
    cases = [
        (None, None),
        (True, True),
        (False, False),
        (1.0, True),
        (0.0, False),
        (1, True),
        (0, False),
        (" 是 ", True),
        ("否", False),
        ("Yes", True),
        ("perhaps", None),
    ]
    assert [as_bool(value) for value, _ in cases] == [expected for _, expected in cases]


def test_stored_numbers_of_yes_no_fields_only() -> None:
    frame = pl.DataFrame({"qual_gazelle": [1.0, 0.0, None], "rd_expense": [1.0, 0.0, 2.0]})
    cast = frame.with_columns(stored_bool_casts(frame.columns, base_catalogue()))
    assert cast["qual_gazelle"].to_list() == [True, False, None]
    assert cast["rd_expense"].to_list() == [1.0, 0.0, 2.0]  # a number stays a number
