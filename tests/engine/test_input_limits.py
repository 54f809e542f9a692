"""Hostile input files (issue 14 §5): bounded before they are read, text refused with row and
column, and what is written out never a formula. The hostile files are made here, small."""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from innopoints.engine import InputError, read_table
from innopoints.engine.input_limits import COMMAND_LINE, MiB, ReadLimits, check_xlsx
from innopoints.engine.reader import read_sheet_bytes
from innopoints.engine.writer import write_table
from tests.conftest import codes

C = codes(4)
SHEET = "xl/worksheets/sheet1.xml"


def problems(path: Path, limits: ReadLimits = COMMAND_LINE) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_table(path, limits=limits)
    return [p.describe() for p in caught.value.problems]


def workbook(cells: dict[str, object]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for ref, value in cells.items():
        sheet[ref] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet(sheet_xml_chunks: list[bytes], repeat: int = 1) -> bytes:
    """A real workbook whose first sheet's XML is replaced (written in chunks, never whole)."""
    source = zipfile.ZipFile(io.BytesIO(workbook({"A1": "统一社会信用代码"})))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != SHEET:
                out.writestr(info.filename, source.read(info.filename))
        with out.open(SHEET, "w", force_zip64=True) as part:
            head, *body, tail = sheet_xml_chunks
            part.write(head)
            for _ in range(repeat):
                for chunk in body:
                    part.write(chunk)
            part.write(tail)
    return buffer.getvalue()


HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
    b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
TAIL = b"</sheetData></worksheet>"


def test_a_cell_in_xfd1048576_is_refused_before_reading(tmp_path: Path) -> None:
    """1.6 KB that made the reader allocate 17 billion cells and abort the process."""
    data = workbook({"A1": "统一社会信用代码", "XFD1048576": "x"})
    assert len(data) < 6000
    path = tmp_path / "huge.xlsx"
    path.write_bytes(data)
    assert problems(path) == [
        "the sheet spans 1,048,576 rows × 16,384 columns = 17,179,869,184 cells (at most "
        "60,000,000): delete the stray cells far below or right of the data, or split the file"
    ]


def test_cells_without_references_are_placed_as_the_reader_places_them() -> None:
    """A row may give its number and its cells none: they follow one another from column A."""
    row = b'<row r="1048576">' + b'<c t="inlineStr"><is><t>x</t></is></c>' * 3 + b"</row>"
    data = with_sheet([HEAD + b'<row r="1"><c r="A1"><v>1</v></c></row>', row, TAIL])
    found = check_xlsx(data, ReadLimits(max_unpacked_bytes=MiB, max_cells=1_000_000))
    assert found is not None
    assert (found.kind, found.rows, found.columns) == ("cells", 1_048_576, 3)
    assert check_xlsx(data, ReadLimits(max_unpacked_bytes=MiB, max_cells=3 * 1_048_576)) is None


def test_a_zip_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    """A few hundred KB inflating to 256 MB: refused by its ratio after a few MB inflated."""
    filler = b"<!--" + b" " * MiB + b"-->"
    data = with_sheet([HEAD, filler, TAIL], repeat=256)
    assert len(data) < 2 * MiB
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET).file_size > 256 * MiB
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(data)
    [reason] = problems(path)
    assert reason.startswith(f"part {SHEET} unpacks to ")
    assert reason.endswith(" times its packed size (at most 100): not a plain spreadsheet")
    # under a total limit, whatever the ratio
    limits = ReadLimits(max_unpacked_bytes=64 * MiB, max_cells=10**6, max_ratio=10**6)
    assert problems(path, limits) == [
        "the file unpacks to more than 64 MB (at least 64 MB): split it by region or period"
    ]


def test_sizes_understated_in_the_zip_directory_are_found() -> None:
    """Python's zip reader stops at the size the directory declares; calamine does not."""
    data = bytearray(with_sheet([HEAD, b'<row r="2"><c r="A2"><v>1</v></c></row>', TAIL]))
    name = SHEET.encode()
    entry = data.index(b"PK\x01\x02" + bytes(24)[:0])
    while data[entry + 46 : entry + 46 + len(name)] != name:
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 24 : entry + 28] = struct.pack("<I", 10)
    found = check_xlsx(bytes(data), COMMAND_LINE)
    assert found is not None and found.kind == "damaged"
    assert found.describe().endswith("bytes, its entry says 10")


def test_not_a_workbook() -> None:
    sheet = read_sheet_bytes("x.xlsx", b"PK\x03\x04 not really")
    assert [p.reason for p in sheet.problems] == [
        "not an XLSX workbook (save it from Excel or WPS as .xlsx)"
    ]


def test_csv_cells_are_bounded_before_parsing() -> None:
    text = "统一社会信用代码,企业名称\n" + "".join(f"{C[0]},x\n" for _ in range(60))
    limits = ReadLimits(max_unpacked_bytes=MiB, max_cells=100)
    sheet = read_sheet_bytes("many.csv", text.encode(), limits)
    assert [p.reason for p in sheet.problems] == [
        "the sheet spans 62 rows × 2 columns = 124 cells (at most 100): delete the stray cells "
        "far below or right of the data, or split the file"
    ]
    assert read_sheet_bytes("many.csv", text.encode(), ReadLimits(MiB, 124)).problems == []


def test_control_characters_and_overlong_text_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    rows = [
        "统一社会信用代码,企业名称,所属领域,研发费用",
        f"{C[0]},成都\x07科技有限公司,电子信息,1",
        f"{C[1]},{'长' * 201},{'域' * 65},{'1' * 65}",
        f"{C[2]},成都\x00科技,电子信息,2",
        f"{C[3]},成都\u202e科技,电子信息,3",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert problems(path) == [
        "row 2, column B “企业名称” (name): “成都␇科技有限公司” contains a control character "
        "(U+0007): remove it",
        "row 3, column B “企业名称” (name): is 201 characters long; this column holds at most 200",
        "row 3, column C “所属领域” (industry): is 65 characters long; this column holds at "
        "most 64",
        "row 3, column D “研发费用” (rd_expense): is 65 characters long; this column holds at "
        "most 64",
        "row 4, column B “企业名称” (name): “成都␀科技” contains a control character (U+0000): "
        "remove it",
        "row 5, column B “企业名称” (name): “成都\u202e科技” contains a control character "
        "(U+202E): remove it",
    ]
    path.write_text(f"{rows[0]}\n{C[0]},{'长' * 200},{'域' * 64},1\n", encoding="utf-8")
    assert read_table(path)["name"].to_list() == ["长" * 200]


def test_results_written_are_never_formulas(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "credit_code": ['=HYPERLINK("http://x.example/","go")', "+1+1", "@SUM(A1)", "ok"],
            "stage": ["-2+3", "\tgrowth", "成长期\x07", "成长期"],
            "total": [-5.0, 1.5, 0.0, 2.0],
        }
    )
    write_table(frame, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    assert sheet is not None
    cells = list(sheet.iter_rows(min_row=2))
    assert [c.data_type for row in cells for c in row[:2]] == ["s"] * 8
    assert cells[0][0].value == '=HYPERLINK("http://x.example/","go")'
    assert cells[0][0].quotePrefix and cells[1][1].quotePrefix and not cells[3][0].quotePrefix
    assert cells[2][1].value == "成长期␇"
    assert [(row[2].data_type, row[2].value) for row in cells] == [
        ("n", -5),
        ("n", 1.5),
        ("n", 0),
        ("n", 2),
    ]
    write_table(frame, tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as handle:
        written = list(csv.reader(handle))
    assert written[1:] == [
        ['\'=HYPERLINK("http://x.example/","go")', "'-2+3", "-5.0"],
        ["'+1+1", "'\tgrowth", "1.5"],
        ["'@SUM(A1)", "成长期␇", "0.0"],
        ["ok", "成长期", "2.0"],
    ]


def test_the_command_line_refuses_the_sheet_and_writes_nothing(tmp_path: Path) -> None:
    from click.testing import CliRunner  # noqa: PLC0415

    from innopoints.cli import main  # noqa: PLC0415

    source, out = tmp_path / "huge.xlsx", tmp_path / "scores.csv"
    source.write_bytes(workbook({"A1": "统一社会信用代码", "XFD1048576": "x"}))
    result = CliRunner().invoke(
        main, ["score", str(source), "--period", "2025", "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code != 0
    assert "huge.xlsx: the sheet spans 1,048,576 rows × 16,384 columns" in result.output
    assert not out.exists()
