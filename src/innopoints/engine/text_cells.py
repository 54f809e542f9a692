"""Text in and out of spreadsheets: which characters an imported text may not hold, and how any
stored text is made safe in an exported cell (issue 14 §5). One place for both, used by the
reader, the command line's writer and every export of the platform.

Refused at import (:data:`CONTROL_PATTERN`): C0 controls and NUL (tab, line breaks included),
DEL, C1 controls, the line and paragraph separators, bidirectional overrides and isolates, and
the non-characters U+FFFE/U+FFFF.

In an export, text is written as text whatever it holds:

* characters XML cannot carry (C0 controls other than tab, LF and CR; U+FFFE/U+FFFF; lone
  surrogates) are **escaped** as visible symbols: a control's Unicode "control picture"
  (U+0007 → ␇, NUL → ␀, DEL → ␡), U+FFFD for the rest — the cell shows that something was
  there, and the export never fails;
* text longer than an Excel cell holds (32,767 characters) is cut, ending in "…";
* text that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
  return, or their full-width forms) is never a formula: in XLSX it is a string cell marked
  "quote prefix" (Excel shows the text as typed after an apostrophe, and keeps it text when
  edited); in CSV it gets a leading apostrophe (the OWASP advice). Numbers stay numbers.
"""

from __future__ import annotations

import re

import polars as pl

_REFUSED_RANGES = (
    (0x00, 0x1F),
    (0x7F, 0x9F),
    (0x2028, 0x2029),
    (0x202A, 0x202E),
    (0x2066, 0x2069),
    (0xFFFE, 0xFFFF),
)
CONTROL_PATTERN = "[" + "".join(f"\\u{a:04X}-\\u{b:04X}" for a, b in _REFUSED_RANGES) + "]"
"""A regular expression class (Python and polars/Rust read it alike) of refused characters."""
CONTROL = re.compile(CONTROL_PATTERN)

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}
CELL_MAX = 32_767
"""Excel's longest cell text."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_FORMULA_START_PATTERN = "^[=+\\-@\\t\\r\\uFF1D\\uFF0B\\uFF0D\\uFF20]"


def first_control(text: str) -> str | None:
    """The first refused character of ``text`` as "U+0007", or None."""
    found = CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def _picture(match: re.Match[str]) -> str:
    return _PICTURES.get(ord(match.group()), "\ufffd")


def visible(text: str) -> str:
    """``text`` with every character XML cannot carry shown as a symbol (␀, ␇, …)."""
    if text.isprintable():  # the usual case, checked in C: none of them can be there
        return text
    return _XML_ILLEGAL.sub(_picture, text)


def cell_text(text: str) -> str:
    """Stored text as an exported cell holds it: escaped (:func:`visible`) and cut to fit."""
    text = visible(text)
    return text if len(text) <= CELL_MAX else text[: CELL_MAX - 1] + "…"


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def csv_text(text: str) -> str:
    """A text cell for a CSV file: escaped (:func:`visible`) and never a formula."""
    text = visible(text)
    return "'" + text if formula_like(text) else text


def csv_value(value: object) -> object:
    return csv_text(value) if isinstance(value, str) else value


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of ``frame`` as :func:`csv_text` makes it; other columns untouched."""
    pictures = {
        chr(code): picture for code, picture in _PICTURES.items() if code not in (9, 10, 13)
    }
    expressions = []
    for name, dtype in frame.schema.items():
        if dtype != pl.String:
            continue
        column = pl.col(name).str.replace_many(list(pictures), list(pictures.values()))
        column = column.str.replace_all("[\\uFFFE\\uFFFF]", "\ufffd")
        expressions.append(
            pl.when(column.str.contains(_FORMULA_START_PATTERN))
            .then(pl.lit("'") + column)
            .otherwise(column)
            .alias(name)
        )
    return frame.with_columns(expressions) if expressions else frame
