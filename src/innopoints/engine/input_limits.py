"""Bounds on an input file, checked before it is read (issue 14 §5).

An XLSX file is a zip of XML parts. Its reader (calamine) inflates the first sheet and then
allocates every cell from A1 to the last one used, so a 1.6 KB file with one cell in A1 and
one in XFD1048576 asks for 17 billion cells and aborts the process, and a few MB can inflate
to a gigabyte. Before any reading, :func:`check_xlsx` therefore inflates every part once, in
chunks, without keeping it: it counts the bytes actually inflated (the sizes in the zip's
directory are not trusted), refuses a part inflating more than ``max_ratio`` times its
compressed size, and finds the extent calamine would allocate from the cells' references
(``<c r="XFD1048576">``; the position of a cell without one is worked out as calamine does).
:func:`check_csv` bounds a CSV's cells the same way. The limits are data: the command line
uses :data:`COMMAND_LINE`, the platform its own, smaller ones.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from dataclasses import dataclass
from typing import IO

MiB = 2**20


@dataclass(frozen=True)
class ReadLimits:
    max_unpacked_bytes: int
    """The inflated size of all of an XLSX file's parts together."""
    max_cells: int
    """Rows × columns of the rectangle from A1 to the last cell used (what a reader allocates)."""
    max_ratio: float = 100.0
    """Inflated / compressed size of one part (a real sheet: 5–20; a zip bomb: ~1,000)."""
    ratio_floor: int = MiB
    """Parts inflating to less than this are not judged by their ratio."""


COMMAND_LINE = ReadLimits(max_unpacked_bytes=4096 * MiB, max_cells=60_000_000)
"""For ``innopoints score``: Excel's full 1,048,576 rows of about 57 columns."""


@dataclass(frozen=True)
class Oversize:
    """Why a file is refused before reading; ``kind`` is one of unpacked, ratio, cells,
    not_xlsx, damaged."""

    kind: str
    found: float = 0
    limit: float = 0
    part: str = ""
    rows: int = 0
    columns: int = 0

    def describe(self) -> str:
        if self.kind == "unpacked":
            return (
                f"the file unpacks to more than {self.limit / MiB:,.0f} MB "
                f"(at least {self.found / MiB:,.0f} MB): split it by region or period"
            )
        if self.kind == "ratio":
            return (
                f"part {self.part} unpacks to {self.found:,.0f} times its packed size "
                f"(at most {self.limit:,.0f}): not a plain spreadsheet"
            )
        if self.kind == "cells":
            return (
                f"the sheet spans {self.rows:,} rows × {self.columns:,} columns "
                f"= {self.found:,.0f} cells (at most {self.limit:,.0f}): "
                "delete the stray cells far below or right of the data, or split the file"
            )
        if self.kind == "not_xlsx":
            return "not an XLSX workbook (save it from Excel or WPS as .xlsx)"
        return f"the XLSX file is damaged: {self.part}"


_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_CELL_REF = re.compile(
    rb"<c(?=[\s/>])(?:[^>]*?(?<![\w:.-])r\s*=\s*[\"']\$?([A-Za-z]*)\$?([0-9]*))?"
)
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")
_TOKEN = re.compile(rb"<(/?)" + _PREFIX + rb"(row|c)((?:\s[^>]*?)?)(/?)>")
_R_ATTR = re.compile(rb"(?<![\w:.-])r\s*=\s*[\"']\$?([A-Za-z]*)\$?([0-9]*)")
CHUNK = 4 * MiB
LONGEST_TAG = 64 * MiB
"""Longest run without a ">" (no spreadsheet has one; the scan holds it whole)."""


def column_number(letters: bytes) -> int:
    """A → 1, Z → 26, AA → 27, XFD → 16,384."""
    number = 0
    for char in letters.upper():
        number = number * 26 + (char - 64)
    return number


@dataclass
class _Extent:
    """The largest row and column (1-based) of a part's cells, from their references; a part
    with a cell lacking one (or written with a namespace prefix) needs :class:`_Positions`."""

    rows: int = 0
    columns: int = 0
    walk_needed: bool = False

    def add_chunk(self, text: bytes) -> None:
        found = _CELL_REF.findall(text)
        if not found:
            self.walk_needed = self.walk_needed or bool(_PREFIXED_CELL.search(text))
            return
        rows = {digits for _letters, digits in found}
        columns = {letters for letters, _digits in found}
        if b"" in rows or b"" in columns or _PREFIXED_CELL.search(text):
            self.walk_needed = True
        rows.discard(b"")
        columns.discard(b"")
        self.rows = max(self.rows, max(map(int, rows), default=0))
        self.columns = max(self.columns, max(map(column_number, columns), default=0))


@dataclass
class _Positions:
    """Calamine's own walk for cells without a reference: a row without ``r`` follows the
    one before, a cell without ``r`` the cell before it in its row."""

    row: int = 0
    column: int = 0
    rows: int = 0
    columns: int = 0

    def add_chunk(self, text: bytes) -> None:
        for match in _TOKEN.finditer(text):
            closing, name, attributes, empty = match.groups()
            ref = _R_ATTR.search(attributes)
            if name == b"row":
                if not closing and ref is not None and ref.group(2):
                    self.row = int(ref.group(2)) - 1
                if closing or empty:
                    self.row, self.column = self.row + 1, 0
                continue
            if closing:
                continue
            row, column = self.row, self.column
            if ref is not None and ref.group(1) and ref.group(2):
                row, column = int(ref.group(2)) - 1, column_number(ref.group(1)) - 1
            self.rows = max(self.rows, row + 1)
            self.columns = max(self.columns, column + 1)
            self.column = column + 1


def _stream(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> IO[bytes]:
    """The part's stream, inflating up to ``limit`` bytes whatever its directory entry says
    (Python's reader stops at the declared size, which a hostile file understates)."""
    unbounded = copy.copy(info)
    unbounded.file_size = limit + 2 * CHUNK  # read no further than limit + CHUNK: no CRC check
    return archive.open(unbounded)


def _scan_part(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    budget: int,
    limits: ReadLimits,
    walker: _Extent | _Positions,
) -> int:
    """Inflate one part through ``walker``; the bytes inflated. Stops as soon as the part is
    past ``budget`` bytes, its ratio or its cells are past ``limits`` (the caller tells which)."""
    inflated = 0
    carry = b""
    packed = max(info.compress_size, 1)
    with _stream(archive, info, budget) as stream:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            inflated += len(chunk)
            if inflated > budget:
                return inflated
            if inflated >= limits.ratio_floor and inflated / packed > limits.max_ratio:
                return inflated
            text = carry + chunk
            cut = text.rfind(b">") + 1
            walker.add_chunk(text[:cut])
            carry = text[cut:]
            if len(carry) > LONGEST_TAG:
                raise zipfile.BadZipFile(f"{info.filename}: more than 64 MB without markup")
            if walker.rows * walker.columns > limits.max_cells:
                return inflated
    walker.add_chunk(carry)
    return inflated


def check_xlsx(data: bytes | IO[bytes], limits: ReadLimits) -> Oversize | None:
    """None when the workbook may be read within ``limits``; else why not."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except (zipfile.BadZipFile, OSError, ValueError):
        return Oversize("not_xlsx")
    with archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names or "content.xml" in names:
            return Oversize("not_xlsx")
        total = 0
        for info in archive.infolist():
            if info.is_dir():
                continue
            budget = limits.max_unpacked_bytes - total
            walker = _Extent()
            try:
                size = _scan_part(archive, info, budget, limits, walker)
                if walker.walk_needed:
                    walker_positions = _Positions()
                    _scan_part(archive, info, budget, limits, walker_positions)
                    walker.rows = max(walker.rows, walker_positions.rows)
                    walker.columns = max(walker.columns, walker_positions.columns)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
                return Oversize("damaged", part=str(exc) or info.filename)
            except RuntimeError as exc:  # encrypted part
                return Oversize("damaged", part=f"{info.filename}: {exc}")
            total += size
            if total > limits.max_unpacked_bytes:
                return Oversize("unpacked", found=total, limit=limits.max_unpacked_bytes)
            if size >= limits.ratio_floor:
                ratio = size / max(info.compress_size, 1)
                if ratio > limits.max_ratio:
                    return Oversize("ratio", ratio, limits.max_ratio, info.filename)
            cells = walker.rows * walker.columns
            if cells > limits.max_cells:
                return Oversize(
                    "cells", cells, limits.max_cells, info.filename, walker.rows, walker.columns
                )
            if size != info.file_size:
                reason = f"part {info.filename} unpacks to {size:,} bytes, its entry says "
                return Oversize("damaged", part=reason + f"{info.file_size:,}")
    return None


def check_csv(text: str | bytes, width: int, limits: ReadLimits) -> Oversize | None:
    """A CSV's cells: its lines × the header's width, and its separators (a row longer than
    the header is refused later, row by row, but must not be read in bulk first). ``text``
    may be the file's bytes: in UTF-8 and GB18030 a newline or comma byte is always one."""
    if isinstance(text, bytes):
        lines, commas = text.count(b"\n") + 1, text.count(b",")
    else:
        lines, commas = text.count("\n") + 1, text.count(",")
    cells = max(lines * max(width, 1), commas + lines)
    if cells > limits.max_cells:
        return Oversize("cells", cells, limits.max_cells, "", lines, max(width, 1))
    return None
