"""Writing result tables: CSV (UTF-8, numbers at full precision) or XLSX, all or nothing."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl
from openpyxl import Workbook


def write_xlsx(frame: pl.DataFrame, path: str | Path, sheet: str = "Sheet1") -> None:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(frame.columns)
    for row in frame.iter_rows():
        worksheet.append(list(row))
    workbook.save(str(path))


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
            frame.write_csv(temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
