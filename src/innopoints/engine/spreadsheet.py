"""One XLSX writer for every table the project writes (the command line's results, every export
of the platform): rows are written as they come, in constant memory (XlsxWriter's
``constant_memory`` mode), and every text cell is made safe by :mod:`innopoints.engine.text_cells`
— never a formula, never a character XML cannot hold, never longer than a cell.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

import xlsxwriter  # type: ignore[import-untyped]

from innopoints.engine.text_cells import cell_text, formula_like

MAX_ROWS = 1_048_576
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str) -> str:
    """A title Excel accepts as a sheet name (at most 31 characters, none of []:*?/\\)."""
    name = _SHEET_NAME_FORBIDDEN.sub(" ", cell_text(str(title))).strip("' ") or "Sheet"
    return name[:31]


class SheetWriter:
    """Rows of one sheet, appended in order."""

    def __init__(self, book: XlsxBook, worksheet: Any) -> None:
        self._book = book
        self._sheet = worksheet
        self.rows = 0

    def append(self, row: Iterable[object]) -> None:
        if self.rows >= MAX_ROWS:
            raise ValueError(f"a sheet holds at most {MAX_ROWS:,} rows")
        write = self._book.write_cell
        for column, value in enumerate(row):
            write(self._sheet, self.rows, column, value)
        self.rows += 1


class XlsxBook:
    """A workbook written to ``target`` (a path or a binary file); :meth:`close` finishes it."""

    def __init__(self, target: str | IO[bytes]) -> None:
        self._book = xlsxwriter.Workbook(
            target,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "remove_timezone": True,
            },
        )
        self._text_as_typed = self._book.add_format({"quote_prefix": True})
        self._date = self._book.add_format({"num_format": "yyyy-mm-dd"})
        self._datetime = self._book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self._names: set[str] = set()

    def add_sheet(self, title: str) -> SheetWriter:
        name = base = sheet_name(title)
        number = 2
        while name.lower() in self._names:
            suffix = f" ({number})"
            name, number = base[: 31 - len(suffix)] + suffix, number + 1
        self._names.add(name.lower())
        return SheetWriter(self, self._book.add_worksheet(name))

    def write_cell(self, sheet: Any, row: int, column: int, value: object) -> None:
        kind = type(value)
        if kind is str:  # the common cases first: text, then numbers
            text = cell_text(value)  # type: ignore[arg-type]
            if formula_like(text):
                sheet.write_string(row, column, text, self._text_as_typed)
            elif text:
                sheet.write_string(row, column, text)
        elif kind is float or kind is int:
            if math.isfinite(value):  # type: ignore[arg-type]
                sheet.write_number(row, column, value)
        elif value is None:
            return
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value)
        elif isinstance(value, int | float | Decimal):
            number = float(value)
            if math.isfinite(number):
                sheet.write_number(row, column, number)
        elif isinstance(value, dt.datetime):
            sheet.write_datetime(row, column, value, self._datetime)
        elif isinstance(value, dt.date):
            sheet.write_datetime(row, column, value, self._date)
        else:
            self.write_cell(sheet, row, column, str(value))

    def close(self) -> None:
        self._book.close()
