"""Every spreadsheet the platform hands out goes through here (issue 14 §5/§6): XLSX written
row by row in constant memory into a temporary file and streamed from it, or CSV streamed as
it is made. Text cells follow one rule (innopoints/engine/text_cells.py): never a formula
(= + - @ tab CR at the start: a quote-prefixed string in XLSX, a leading apostrophe in CSV),
control characters shown as symbols (␀, ␇), cut to what a cell holds; numbers stay numbers.

Use::

    workbook = Workbook()
    sheet = workbook.create_sheet(gettext("积分榜"))
    sheet.append([...headers]); sheet.append([...])   # one row at a time
    return workbook.response("leaderboard.xlsx")      # or workbook.to_bytes()

or :func:`table_response` / :func:`csv_response` for one table.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO

from django.http import FileResponse, StreamingHttpResponse

from innopoints.engine.spreadsheet import SheetWriter, XlsxBook
from innopoints.engine.text_cells import csv_value

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


class Workbook:
    """An XLSX export (the calls of openpyxl's write-only workbook: create_sheet, append,
    save), written to a temporary file as rows come."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response
        self._book = XlsxBook(self._file)
        self._finished = False

    def create_sheet(self, title: object) -> SheetWriter:
        return self._book.add_sheet(str(title))

    def _finish(self) -> IO[bytes]:
        if not self._finished:
            self._book.close()
            self._finished = True
        self._file.seek(0)
        return self._file

    def save(self, target: IO[bytes]) -> None:
        shutil.copyfileobj(self._finish(), target)
        self._file.close()

    def to_bytes(self) -> bytes:
        with self._finish() as handle:
            return handle.read()

    def response(self, filename: str) -> FileResponse:
        """The workbook as a download, streamed from its file (closed with the response)."""
        return FileResponse(
            self._finish(), as_attachment=True, filename=filename, content_type=XLSX
        )


def table_response(
    filename: str, title: object, headers: Sequence[object], rows: Iterable[Sequence[object]]
) -> FileResponse:
    """One table as an XLSX download."""
    workbook = Workbook()
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    return workbook.response(filename)


class _Line:
    """csv.writer's target that hands back each line it is given."""

    def write(self, text: str) -> str:
        return text


def _cell(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    return csv_value(str(value))  # text, dates, translated words


def csv_lines(headers: Sequence[object], rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    """UTF-8 with a BOM (so Excel reads the Chinese), one line at a time, text made safe."""
    writer = csv.writer(_Line())
    yield "\ufeff".encode()
    yield writer.writerow([_cell(h) for h in headers]).encode()
    for row in rows:
        yield writer.writerow([_cell(v) for v in row]).encode()


def csv_response(
    filename: str, headers: Sequence[object], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(headers, rows), content_type=CSV)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
