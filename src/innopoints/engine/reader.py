"""Reading an input file (CSV or XLSX) into typed columns, or every problem in it
(docs/METHOD.md §1).

CSV may be UTF-8, UTF-8 with a BOM, or GB18030 (what Chinese Excel writes). Cells are read as
text and checked a column at a time: a file with problems yields :class:`InputError` listing
all of them, each with row (the header is row 1), column and reason. Nothing is guessed:
thousands separators, percent signs and full-width digits are errors, not silently repaired.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from python_calamine import CalamineWorkbook

from innopoints.engine import credit_code
from innopoints.engine.booleans import word_expr
from innopoints.engine.errors import InputError, InputProblem
from innopoints.engine.fields import Field, FieldCatalogue, base_catalogue
from innopoints.engine.input_limits import COMMAND_LINE, ReadLimits, check_csv, check_xlsx
from innopoints.engine.text_cells import CONTROL_PATTERN, first_control, visible

ROW = "_row"
"""Column holding each enterprise's spreadsheet row number (header = row 1)."""

_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_BLANK_LINE = re.compile(r"(?:^|\n)[ \t,\r]*(?:\n|$)")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d")
_DATE_SHAPE = (
    r"^[0-9]{4}(?:-[0-9]{1,2}-[0-9]{1,2}|/[0-9]{1,2}/[0-9]{1,2}|年[0-9]{1,2}月[0-9]{1,2}日"
    r"|\.[0-9]{1,2}\.[0-9]{1,2})$"
)


@dataclass(frozen=True)
class RawSheet:
    """A file's header and cells as text (None for a blank cell), before any checking."""

    source: str
    headers: list[str]
    columns: list[pl.Series]
    """One String column per header, stripped, with null for a blank cell."""
    problems: list[InputProblem]
    row_numbers: list[int]

    @property
    def n_rows(self) -> int:
        return len(self.row_numbers)


def column_letter(index: int) -> str:
    """Spreadsheet letters for a 0-based column index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in: UTF-8 (with or without BOM) first,
    then GB18030. Anything else raises UnicodeDecodeError."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "gb18030"


def _blank_to_none(cell: str) -> str | None:
    stripped = cell.strip()
    return stripped if stripped else None


def _text_columns(columns: list[list[str | None]], width: int) -> list[pl.Series]:
    if not columns:
        return [pl.Series([], dtype=pl.String) for _ in range(width)]
    return [pl.Series(column, dtype=pl.String) for column in columns]


def _tidy(series: pl.Series) -> pl.Series:
    stripped = series.cast(pl.String).str.strip_chars()
    return pl.select(pl.when(stripped == "").then(None).otherwise(stripped)).to_series()


def _read_csv_fast(text: str, source: str) -> RawSheet | None:
    """The whole file at once with polars, when it is plainly regular (no blank lines); None
    sends it to the line-by-line reader, which names the row of every irregularity."""
    if _BLANK_LINE.search(text.rstrip("\r\n")):
        return None
    try:
        header = next(csv.reader(io.StringIO(text, newline="")))
    except (StopIteration, csv.Error):
        return None
    try:
        frame = pl.read_csv(
            text.encode("utf-8"), infer_schema=False, has_header=True, raise_if_empty=False
        )
    except (pl.exceptions.PolarsError, ValueError):
        return None
    if frame.width != len(header):
        return None
    columns = [_tidy(frame.to_series(i)) for i in range(frame.width)]
    numbers = list(range(2, frame.height + 2))
    return RawSheet(source, [h.strip() for h in header], columns, [], numbers)


def _refused(source: str, reason: str) -> RawSheet:
    return RawSheet(source, [], [], [InputProblem(None, None, reason)], [])


def read_csv_bytes(source: str, data: bytes, limits: ReadLimits | None = COMMAND_LINE) -> RawSheet:
    """``limits`` bound the cells before the file is parsed (None: the caller checked)."""
    try:
        text, _encoding = decode_csv_bytes(data)
    except UnicodeDecodeError:
        return _refused(source, "the file is neither UTF-8 nor GB18030 text")
    if limits is not None:
        first_line = text[: text.find("\n")] if "\n" in text else text
        oversize = check_csv(text, first_line.count(",") + 1, limits)
        if oversize is not None:
            return _refused(source, oversize.describe())
    fast = _read_csv_fast(text, source)
    if fast is not None:
        return fast
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows)
    except StopIteration:
        return RawSheet(source, [], [], [InputProblem(None, None, "the file is empty")], [])
    except csv.Error as exc:
        return RawSheet(source, [], [], [InputProblem(1, None, f"not valid CSV: {exc}")], [])
    width = len(header)
    body: list[list[str]] = []
    numbers: list[int] = []
    problems: list[InputProblem] = []
    try:
        for number, row in enumerate(rows, start=2):
            if len(row) != width:
                if not any(cell.strip() for cell in row):
                    continue  # a blank line is no enterprise
                problems.append(
                    InputProblem(number, None, f"has {len(row)} cells, the header has {width}")
                )
                continue
            if not any(cell.strip() for cell in row):
                continue
            body.append(row)
            numbers.append(number)
    except csv.Error as exc:
        problems.append(InputProblem(None, None, f"not valid CSV: {exc}"))
    columns = [[_blank_to_none(c) for c in col] for col in zip(*body, strict=True)] if body else []
    return RawSheet(
        source, [h.strip() for h in header], _text_columns(columns, width), problems, numbers
    )


def _cell_text(value: object) -> str | None:
    """An XLSX cell as the text a user would have typed."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return _blank_to_none(str(value))


def read_xlsx_bytes(source: str, data: bytes, limits: ReadLimits | None = COMMAND_LINE) -> RawSheet:
    """The first sheet's cells; ``limits`` are checked first, on the packed bytes, as an
    oversized sheet would exhaust the memory of the process reading it (None: the caller
    checked them)."""
    if limits is not None:
        oversize = check_xlsx(data, limits)
        if oversize is not None:
            return _refused(source, oversize.describe())
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        cells = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several error types for unreadable files
        problem = InputProblem(None, None, f"not a readable XLSX: {exc}")
        return RawSheet(source, [], [], [problem], [])
    if not cells:
        return RawSheet(source, [], [], [InputProblem(None, None, "the sheet is empty")], [])
    header = [(_cell_text(h) or "") for h in cells[0]]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    body = []
    numbers = []
    problems = []
    for number, row in enumerate(cells[1:], start=2):
        texts = [_cell_text(v) for v in row[:width]]
        texts += [None] * (width - len(texts))
        if any(_cell_text(v) is not None for v in row[width:]):
            problems.append(InputProblem(number, None, "has values right of the last header"))
        elif any(t is not None for t in texts):
            body.append(texts)
            numbers.append(number)
    columns = [list(col) for col in zip(*body, strict=True)] if body else []
    return RawSheet(source, header, _text_columns(columns, width), problems, numbers)


def read_sheet(path: Path, limits: ReadLimits | None = COMMAND_LINE) -> RawSheet:
    if not path.exists():
        return RawSheet(path.name, [], [], [InputProblem(None, None, "file not found")], [])
    return read_sheet_bytes(path.name, path.read_bytes(), limits)


def read_sheet_bytes(name: str, data: bytes, limits: ReadLimits | None = COMMAND_LINE) -> RawSheet:
    """A CSV or XLSX file's cells as text; the kind is told by the name's suffix. Files
    beyond ``limits`` (input_limits.py) are refused before they are parsed."""
    suffix = Path(name).suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return read_xlsx_bytes(name, data, limits)
    if suffix in {".csv", ".txt"}:
        return read_csv_bytes(name, data, limits)
    reason = f"unsupported file type {suffix!r}: use .csv or .xlsx"
    return RawSheet(name, [], [], [InputProblem(None, None, reason)], [])


# ---------------------------------------------------------------------------------------------
# Checking and typing, one column at a time


QUOTED_MAX = 60
"""Longest value or header quoted in a message (longer ones end in "…")."""


def quoted(value: object) -> str:
    """A cell's text as a message quotes it: control characters shown (␇), at most
    QUOTED_MAX characters."""
    text = visible(str(value))
    return text if len(text) <= QUOTED_MAX else text[: QUOTED_MAX - 1] + "…"


def _label(header: str, index: int, field: Field | None) -> str:
    code = f" ({field.code})" if field is not None and field.code != header else ""
    return f"{column_letter(index)} “{quoted(header)}”{code}"


def _map_headers(
    sheet: RawSheet, catalogue: FieldCatalogue
) -> tuple[dict[str, int], list[InputProblem]]:
    mapping: dict[str, int] = {}
    problems = []
    for index, header in enumerate(sheet.headers):
        if not header:
            if sheet.columns[index].null_count() < sheet.n_rows:
                problems.append(InputProblem(1, column_letter(index), "a column with no header"))
            continue
        field = catalogue.for_header(header)
        if field is None:
            reason = "unknown column header: use a code or Chinese header from docs/METHOD.md §1"
            problems.append(InputProblem(1, _label(header, index, None), reason))
            continue
        if field.code in mapping:
            first = mapping[field.code]
            reason = (
                f"gives {field.code} a second time (first in column {column_letter(first)} "
                f"“{sheet.headers[first]}”)"
            )
            problems.append(InputProblem(1, _label(header, index, field), reason))
            continue
        mapping[field.code] = index
    if "credit_code" not in mapping and sheet.headers:
        problems.append(InputProblem(1, None, "no 统一社会信用代码 (credit_code) column"))
    return mapping, problems


def _problems_where(
    values: pl.Series, mask: pl.Series, reason_of: str, label: str, rows: pl.Series
) -> list[InputProblem]:
    bad = mask.fill_null(False)
    if not bad.any():
        return []
    return [
        InputProblem(int(r), label, reason_of.format(v=quoted(v)))
        for r, v in zip(rows.filter(bad).to_list(), values.filter(bad).to_list(), strict=True)
    ]


def _check_length(
    text: pl.Series, field: Field, label: str, rows: pl.Series
) -> tuple[pl.Series, list[InputProblem]]:
    """Cells longer than the field allows are refused (and left out of the other checks)."""
    lengths = text.str.len_chars()
    long = lengths > field.longest
    if not long.fill_null(False).any():
        return text, []
    problems = [
        InputProblem(
            int(r),
            label,
            f"is {n:,} characters long; this column holds at most {field.longest:,}",
        )
        for r, n in zip(rows.filter(long).to_list(), lengths.filter(long).to_list(), strict=True)
    ]
    kept = pl.select(pl.when(long).then(None).otherwise(text)).to_series().alias(text.name)
    return kept, problems


def _check_text(text: pl.Series, label: str, rows: pl.Series) -> list[InputProblem]:
    """Free text holds no control characters (a NUL, a bell or a line break in a name breaks
    every file and page that shows it)."""
    bad = text.str.contains(CONTROL_PATTERN).fill_null(False)
    if not bad.any():
        return []
    return [
        InputProblem(
            int(r),
            label,
            f"“{quoted(v)}” contains a control character ({first_control(v)}): remove it",
        )
        for r, v in zip(rows.filter(bad).to_list(), text.filter(bad).to_list(), strict=True)
    ]


def _check_number(
    text: pl.Series, field: Field, label: str, rows: pl.Series
) -> tuple[pl.Series, list[InputProblem]]:
    problems: list[InputProblem] = []
    present = text.is_not_null()
    separator = present & text.str.contains(r"[0-9][,，][0-9]")
    percent = present & text.str.contains("[%％]") & ~separator
    malformed = present & ~text.str.contains(_NUMBER) & ~separator & ~percent
    problems += _problems_where(
        text, separator, "“{v}” has a thousands separator: write the plain number", label, rows
    )
    problems += _problems_where(
        text,
        percent,
        "“{v}” has a % sign: percentages are plain numbers (12.5 for 12.5 %)",
        label,
        rows,
    )
    problems += _problems_where(text, malformed, "“{v}” is not a number", label, rows)
    number = text.cast(pl.Float64, strict=False)
    unread = present & number.is_null() & ~malformed & ~separator & ~percent
    problems += _problems_where(text, unread, "“{v}” is not a number", label, rows)
    infinite = number.is_not_null() & ~number.is_finite()
    problems += _problems_where(text, infinite, "“{v}” is not a finite number", label, rows)
    if not field.signed:
        kind = {"count": "a count", "amount": "an amount", "ratio": "a ratio"}[field.kind]
        negative = number < 0
        problems += _problems_where(
            text, negative, f"“{{v}}” is negative; {kind} cannot be", label, rows
        )
    if field.kind == "count":
        fractional = number.is_finite() & (number != number.floor())
        problems += _problems_where(
            text, fractional, "“{v}” is not a whole number; counts are whole", label, rows
        )
    return number, problems


def _check_bool(
    text: pl.Series, label: str, rows: pl.Series
) -> tuple[pl.Series, list[InputProblem]]:
    value = text.to_frame().select(word_expr(pl.col(text.name))).to_series().cast(pl.Boolean)
    unknown = text.is_not_null() & value.is_null()
    reason = "“{v}” is not a yes/no value (是/否, Y/N, 1/0, true/false)"
    problems = _problems_where(text, unknown, reason, label, rows)
    return value, problems


def _check_date(
    text: pl.Series, label: str, rows: pl.Series
) -> tuple[pl.Series, list[InputProblem]]:
    normalised = text.str.replace(r"(?:[ T]00:00(?::00)?)$", "")
    shaped = normalised.str.contains(_DATE_SHAPE)
    parsed = [normalised.str.strptime(pl.Date, fmt, strict=False) for fmt in _DATE_FORMATS]
    value = pl.select(pl.coalesce(parsed)).to_series()
    value = pl.select(pl.when(shaped).then(value).otherwise(None)).to_series()
    bad_shape = text.is_not_null() & ~shaped.fill_null(False)
    reason = "“{v}” is not a date: write YYYY-MM-DD"
    problems = _problems_where(text, bad_shape, reason, label, rows)
    not_a_day = text.is_not_null() & shaped.fill_null(False) & value.is_null()
    problems += _problems_where(text, not_a_day, "“{v}” is not a day of the calendar", label, rows)
    return value.rename(text.name), problems


def _check_credit_codes(text: pl.Series, label: str, rows: pl.Series) -> list[InputProblem]:
    row_numbers = rows.to_list()
    problems = [
        InputProblem(row_numbers[i], label, reason)
        for i, reason in enumerate(credit_code.problems(text))
        if reason is not None
    ]
    problems += _problems_where(text, text.is_null(), "the credit code is blank", label, rows)
    duplicated = text.is_duplicated() & text.is_not_null()
    if duplicated.any():
        first_row: dict[str, int] = {}
        for value, row in zip(text.to_list(), row_numbers, strict=True):
            if value is not None and value not in first_row:
                first_row[value] = row
        for value, row in zip(text.filter(duplicated), rows.filter(duplicated), strict=True):
            if first_row[value] != row:
                reason = f"credit code {value} appears again (first in row {first_row[value]})"
                problems.append(InputProblem(row, label, reason))
    return problems


def _check_region(text: pl.Series, label: str, rows: pl.Series) -> list[InputProblem]:
    bad = text.is_not_null() & ~text.str.contains(r"^[0-9]{6}$")
    reason = "“{v}” is not a 6-digit GB/T 2260 division code"
    return _problems_where(text, bad, reason, label, rows)


def type_sheet(sheet: RawSheet, catalogue: FieldCatalogue) -> pl.DataFrame:
    """Check every cell of a sheet and return a typed frame, or raise InputError with all
    problems. Columns are named by field code, plus ``_row`` (the spreadsheet row number)."""
    problems = list(sheet.problems)
    mapping, header_problems = _map_headers(sheet, catalogue)
    problems += header_problems
    rows = pl.Series(ROW, sheet.row_numbers, dtype=pl.Int64)
    columns: list[pl.Series] = [rows]
    for code, index in mapping.items():
        field = catalogue[code]
        label = _label(sheet.headers[index], index, field)
        text, too_long = _check_length(sheet.columns[index].alias(code), field, label, rows)
        problems += too_long
        if field.kind == "id":
            problems += _check_credit_codes(text, label, rows)
            columns.append(text)
        elif field.kind == "region":
            problems += _check_region(text, label, rows)
            columns.append(text)
        elif field.kind == "text":
            problems += _check_text(text, label, rows)
            columns.append(text)
        elif field.kind == "bool":
            value, found = _check_bool(text, label, rows)
            problems += found
            columns.append(value.rename(code))
        elif field.kind == "date":
            value, found = _check_date(text, label, rows)
            problems += found
            columns.append(value.rename(code))
        else:
            value, found = _check_number(text, field, label, rows)
            problems += found
            columns.append(value.rename(code))
    if problems:
        raise InputError(sheet.source, problems)
    return pl.DataFrame(columns)


def read_table(
    path: str | Path,
    catalogue: FieldCatalogue | None = None,
    limits: ReadLimits = COMMAND_LINE,
) -> pl.DataFrame:
    """Read and check a CSV/XLSX input file; raise InputError naming every problem."""
    sheet = read_sheet(Path(path), limits)
    if not sheet.headers and sheet.problems:
        raise InputError(sheet.source, sheet.problems)
    return type_sheet(sheet, catalogue or base_catalogue())


def frame_from_records(
    records: Sequence[dict[str, object]], catalogue: FieldCatalogue | None = None
) -> pl.DataFrame:
    """Typed columns from in-memory records (field code → value), checked like a file."""
    catalogue = catalogue or base_catalogue()
    headers = sorted({k for r in records for k in r}, key=_field_order(catalogue))
    columns = [[_cell_text(r.get(h)) for r in records] for h in headers]
    numbers = list(range(2, len(records) + 2))
    sheet = RawSheet("records", headers, _text_columns(columns, len(headers)), [], numbers)
    return type_sheet(sheet, catalogue)


def _field_order(catalogue: FieldCatalogue) -> Callable[[str], int]:
    order = {code: i for i, code in enumerate(catalogue.codes)}
    return lambda h: order.get(h, len(order))
