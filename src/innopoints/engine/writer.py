"""Writing result tables: CSV (UTF-8, numbers at full precision) or XLSX, all or nothing; text
cells made safe as in every export (:mod:`innopoints.engine.text_cells`: never a formula)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl

from innopoints.engine.spreadsheet import XlsxBook
from innopoints.engine.text_cells import neutralise_frame


def write_xlsx(frame: pl.DataFrame, path: str | Path, sheet: str = "Sheet1") -> None:
    book = XlsxBook(str(path))
    worksheet = book.add_sheet(sheet)
    worksheet.append(frame.columns)
    for row in frame.iter_rows():
        worksheet.append(row)
    book.close()


def write_table(frame: pl.DataFrame, path: str | Path) -> None:
    """Write to a temporary file beside ``path`` and rename it into place, so a reader never
    sees a half-written file and a failure leaves no file at all."""
    target = Path(path)
    suffix = target.suffix.lower()
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    os.close(handle)
    try:
        if suffix == ".xlsx":
            write_xlsx(frame, temporary)
        else:
            neutralise_frame(frame).write_csv(temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
