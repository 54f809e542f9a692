"""Reading input files (docs/METHOD.md §1): encodings, headers, every cell kind, all errors at
once."""

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from innopoints.engine import InputError, read_table
from innopoints.engine.booleans import FALSE_WORDS, TRUE_WORDS
from innopoints.engine.reader import column_letter
from tests.conftest import codes

C = codes(6)
HEADER = "统一社会信用代码,企业名称,成立日期,研发费用,与主营业务相关的发明专利申请量,瞪羚企业"


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_table(path)
    assert caught.value.source == path.name
    return [p.describe() for p in caught.value.problems]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    text = f"{HEADER}\n{C[0]},成都某某科技有限公司,2019-05-01,123.5,3,是\n"
    frame = read_table(write(tmp_path, text, encoding))
    assert frame["name"].to_list() == ["成都某某科技有限公司"]
    assert frame["rd_expense"].to_list() == [123.5]
    assert frame["invention_apps"].to_list() == [3.0]
    assert frame["qual_gazelle"].to_list() == [True]
    assert frame["established"].to_list() == [dt.date(2019, 5, 1)]
    assert frame["_row"].to_list() == [2]


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\xff\xfe\xff\x00garbage\xff")
    assert problems(path) == ["the file is neither UTF-8 nor GB18030 text"]


def test_mixed_code_and_chinese_headers_and_aliases(tmp_path: Path) -> None:
    text = f"credit_code,营业收入（万元）,revenue_prev,st_staff\n{C[0]},10,8,3\n"
    frame = read_table(write(tmp_path, text))
    assert frame.columns == ["_row", "credit_code", "revenue", "revenue_prev", "st_staff"]


def test_unknown_and_duplicate_headers(tmp_path: Path) -> None:
    text = f"统一社会信用代码,研发费用,rd_expense,利润总额\n{C[0]},1,1,1\n"
    found = problems(write(tmp_path, text))
    assert any("column C “rd_expense”" in p and "second time" in p for p in found)
    assert any("column D “利润总额”" in p and "unknown column header" in p for p in found)


def test_every_boolean_spelling(tmp_path: Path) -> None:
    spellings = sorted(TRUE_WORDS | {"TRUE", "Yes", "Y"}) + sorted(FALSE_WORDS | {"FALSE", "No"})
    ids = codes(len(spellings))
    lines = [f"{ids[i]},{word}" for i, word in enumerate(spellings)]
    frame = read_table(write(tmp_path, "credit_code,瞪羚企业\n" + "\n".join(lines) + "\n"))
    n_true = len(TRUE_WORDS | {"TRUE", "Yes", "Y"})
    assert frame["qual_gazelle"].to_list() == [True] * n_true + [False] * (len(spellings) - n_true)


def test_blank_cells_are_missing(tmp_path: Path) -> None:
    frame = read_table(write(tmp_path, f"credit_code,研发费用,瞪羚企业\n{C[0]}, ,\n"))
    assert frame["rd_expense"].to_list() == [None]
    assert frame["qual_gazelle"].to_list() == [None]


def test_all_problems_at_once_with_row_column_reason(tmp_path: Path) -> None:
    rows = [
        f'{C[0]},甲,2019-05-01,"1,234",3,是',  # thousands separator
        f"{C[1]},乙,2019/13/01,12%,-2,maybe",  # bad date, percent, negative count, bad bool
        f"{C[0]},丙,2019-02-30,abc,2.5,否",  # duplicate code, no such day, not a number, fraction
        "91350100M000100Y44,丁,2019-05-01,-5,1,否",  # bad check digit, negative amount
        ",戊,05/01/2019,1e3,1,否",  # blank code, day-first date
    ]
    found = problems(write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"))
    expected = [
        "row 2, column D “研发费用” (rd_expense): “1,234” has a thousands separator",
        "row 3, column C “成立日期” (established): “2019/13/01” is not a day of the calendar",
        "row 3, column D “研发费用” (rd_expense): “12%” has a % sign",
        "row 3, column E “与主营业务相关的发明专利申请量” (invention_apps): “-2” is negative",
        "row 3, column F “瞪羚企业” (qual_gazelle): “maybe” is not a yes/no value",
        "row 4, column A “统一社会信用代码” (credit_code): credit code "
        f"{C[0]} appears again (first in row 2)",
        "row 4, column C “成立日期” (established): “2019-02-30” is not a day of the calendar",
        "row 4, column D “研发费用” (rd_expense): “abc” is not a number",
        "row 4, column E “与主营业务相关的发明专利申请量” (invention_apps): “2.5” is not a whole",
        "row 5, column A “统一社会信用代码” (credit_code): credit code '91350100M000100Y44' fails",
        "row 5, column D “研发费用” (rd_expense): “-5” is negative",
        "row 6, column A “统一社会信用代码” (credit_code): the credit code is blank",
        "row 6, column C “成立日期” (established): “05/01/2019” is not a date",
    ]
    assert len(found) == len(expected), "\n".join(found)
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), (line, start)


def test_signed_amounts_and_scientific_numbers(tmp_path: Path) -> None:
    text = f"credit_code,净利润,期末所有者权益,研发费用,营业收入增长率\n{C[0]},-12.5,-3,1e3,-40\n"
    frame = read_table(write(tmp_path, text))
    assert frame.row(0, named=True) | {"_row": 2} == {
        "_row": 2,
        "credit_code": C[0],
        "net_profit": -12.5,
        "equity_end": -3.0,
        "rd_expense": 1000.0,
        "revenue_growth": -40.0,
    }


def test_date_spellings(tmp_path: Path) -> None:
    dates = ["2019-05-01", "2019/5/1", "2019年5月1日", "2019-5-1", "2019.05.01"]
    lines = [f"{C[i]},{d}" for i, d in enumerate(dates)]
    frame = read_table(write(tmp_path, "credit_code,成立日期\n" + "\n".join(lines) + "\n"))
    assert frame["established"].to_list() == [dt.date(2019, 5, 1)] * 5


def test_ragged_and_blank_lines(tmp_path: Path) -> None:
    text = f"credit_code,研发费用\n{C[0]},1\n\n{C[1]},2,3\n,\n{C[2]},4\n"
    found = problems(write(tmp_path, text))
    assert found == ["row 4: has 3 cells, the header has 2"]
    frame = read_table(write(tmp_path, f"credit_code,研发费用\n{C[0]},1\n\n,\n{C[2]},4\n"))
    assert frame["_row"].to_list() == [2, 5]


def test_missing_credit_code_column_and_file_kinds(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "研发费用\n1\n")) == [
        "row 1: no 统一社会信用代码 (credit_code) column"
    ]
    assert problems(write(tmp_path, "", name="empty.csv")) == ["the file is empty"]
    assert "unsupported file type '.json'" in problems(write(tmp_path, "{}", name="x.json"))[0]
    assert problems(tmp_path / "none.csv") == ["file not found"]


def test_xlsx_with_typed_cells(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["统一社会信用代码", "成立日期", "研发费用", "科技人员数", "瞪羚企业", "净利润"])
    sheet.append([C[0], dt.datetime(2018, 3, 1), 120.25, 7, True, -3])
    sheet.append([C[1], "2017-01-02", "1,000", 3.0, "否", None])
    sheet.append([None, None, None, None, None, None])  # an empty row is no enterprise
    sheet.append([C[2], dt.date(2016, 1, 1), 5, 2.5, "Y", 0])
    path = tmp_path / "in.xlsx"
    workbook.save(path)
    found = problems(path)
    assert found == [
        "row 3, column C “研发费用” (rd_expense): “1,000” has a thousands separator: write the "
        "plain number",
        "row 5, column D “科技人员数” (st_staff): “2.5” is not a whole number; counts are whole",
    ]
    sheet.delete_rows(3)
    sheet.cell(row=4, column=4, value=2)
    workbook.save(path)
    frame = read_table(path)
    assert frame["established"].to_list() == [dt.date(2018, 3, 1), dt.date(2016, 1, 1)]
    assert frame["rd_expense"].to_list() == [120.25, 5.0]
    assert frame["qual_gazelle"].to_list() == [True, True]
    assert frame["net_profit"].to_list() == [-3.0, 0.0]
    assert frame["_row"].to_list() == [2, 4]


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


def test_full_width_digits_and_huge_numbers_are_refused(tmp_path: Path) -> None:
    text = (
        f"credit_code,研发费用,成立日期\n{C[0]},１２３,２０１９-０１-０１\n"
        f"{C[1]},1e400,2019-01-01\n"
    )
    found = problems(write(tmp_path, text))
    assert found == [
        "row 2, column B “研发费用” (rd_expense): “１２３” is not a number",
        "row 2, column C “成立日期” (established): “２０１９-０１-０１” is not a date: write "
        "YYYY-MM-DD",
        "row 3, column B “研发费用” (rd_expense): “1e400” is not a finite number",
    ]
