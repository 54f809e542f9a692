"""Hostile uploads at the platform's import (issue 14 §5): refused before they are read, with
the file and the reason, nothing written; text with control characters or beyond its maximum
refused with row and column. The hostile files are made here, small."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from innopoints.collection import messages
from innopoints.collection.importing import ImportOutcome, ImportRefused, import_file
from innopoints.collection.models import DataSource, Enterprise
from tests.platform.conftest import csv_bytes, snapshot

SAMR = ["统一社会信用代码", "企业名称", "成立日期", "行政区划代码", "所属领域"]
MiB = 2**20


def refused(source: DataSource, name: str, content: bytes) -> ImportRefused:
    before = snapshot()
    with pytest.raises(ImportRefused) as caught:
        import_file(source, "2025", name, content)
    assert snapshot() == before, "a refused file must leave the database unchanged"
    return caught.value


def xlsx(cells: dict[str, object]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for ref, value in cells.items():
        sheet[ref] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bomb(inflated_mb: int) -> bytes:
    """A real workbook whose sheet is padded with spaces: a few hundred KB packed."""
    source = zipfile.ZipFile(io.BytesIO(xlsx({"A1": "统一社会信用代码"})))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, source.read(info.filename))
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/')
            part.write(b'main"><sheetData><!--')
            for _ in range(inflated_mb):
                part.write(b" " * MiB)
            part.write(b"--></sheetData></worksheet>")
    return buffer.getvalue()


def test_a_sheet_reaching_xfd1048576_is_refused_before_reading(
    source: Callable[[str], DataSource], db: Any
) -> None:
    error = refused(source("samr"), "huge.xlsx", xlsx({"A1": SAMR[0], "XFD1048576": "x"}))
    assert [p.reason for p in error.problems] == [
        "huge.xlsx：工作表范围为 1,048,576 行 × 16,384 列，共 17,179,869,184 个单元格"
        "（上限 8,000,000）；请删除数据下方或右侧远处的零散单元格，或拆分文件"
    ]
    assert error.error_report is None


def test_a_zip_bomb_is_refused_before_reading(source: Callable[[str], DataSource], db: Any) -> None:
    content = bomb(300)
    assert len(content) < 2 * MiB
    [problem] = refused(source("samr"), "bomb.xlsx", content).problems
    assert problem.reason.startswith(
        "bomb.xlsx：文件中的 xl/worksheets/sheet1.xml 解压后是压缩大小"
    )
    assert problem.reason.endswith("倍（上限 100 倍），不是普通的电子表格文件")
    with override_settings(INNOPOINTS_MAX_IMPORT_UNPACKED_BYTES=MiB):
        cells = {f"A{row}": f"企业{row}" * 4000 for row in range(1, 101)}  # 2.9 MB unpacked
        [problem] = refused(source("samr"), "big.xlsx", xlsx(cells)).problems
    assert problem.reason == (
        "big.xlsx：文件解压后超过 1 MB（已解压 3 MB）；请按地区或数据期拆分后分别导入"
    )


@override_settings(INNOPOINTS_MAX_IMPORT_CELLS=100)
def test_a_csv_with_too_many_cells(
    source: Callable[[str], DataSource], credit_codes: list[str], db: Any
) -> None:
    rows = [
        [code, f"企业{i}", "2019-01-01", "510107", "电子信息"]
        for i, code in enumerate(credit_codes)
    ]
    [problem] = refused(source("samr"), "many.csv", csv_bytes(SAMR, rows)).problems
    assert problem.reason.startswith(
        "many.csv：工作表范围为 62 行 × 5 列，共 310 个单元格（上限 100）"
    )


def test_control_characters_and_overlong_names_are_refused_with_row_and_column(
    source: Callable[[str], DataSource], credit_codes: list[str], db: Any
) -> None:
    rows = [
        [credit_codes[0], "成都\x07测试科技有限公司", "2019-01-01", "510107", "电子信息"],
        [credit_codes[1], "成都\x00测试", "2019-01-01", "510107", "电子信息"],
        [credit_codes[2], "长" * 201, "2019-01-01", "510107", "电子信息"],
        [credit_codes[3], "成都测试\u202e科技", "2019-01-01", "510107", "电\x1b子信息"],
    ]
    error = refused(source("samr"), "names.csv", csv_bytes(SAMR, rows))
    found = [(p.row, p.column, p.reason) for p in error.problems]
    name, industry = "B “企业名称” (name)", "E “所属领域” (industry)"
    control = "contains a control character"
    assert found == [
        (2, name, f"“成都␇测试科技有限公司” {control} (U+0007): remove it"),
        (3, name, f"“成都␀测试” {control} (U+0000): remove it"),
        (4, name, "is 201 characters long; this column holds at most 200"),
        (5, name, f"“成都测试\u202e科技” {control} (U+202E): remove it"),
        (5, industry, f"“电␛子信息” {control} (U+001B): remove it"),
    ]
    assert not Enterprise.objects.filter(credit_code__in=credit_codes[:4]).exists()
    shown = [messages.describe(p) for p in error.problems]  # as the import page shows them
    assert shown[0] == (
        "第 2 行，B 列“企业名称”：“成都␇测试科技有限公司”含有控制字符（U+0007），请删除"
    )
    assert shown[2] == "第 4 行，B 列“企业名称”：此项有 201 个字符，本列最多 200 个"
    report = openpyxl.load_workbook(io.BytesIO(error.error_report or b""))
    sheet = report.active
    assert sheet is not None
    assert sheet["D2"].value == "成都␇测试科技有限公司"  # the original row, shown, not a 500


@override_settings(INNOPOINTS_MAX_IMPORT_BYTES=1024)
def test_an_upload_over_the_limit_is_refused_before_it_is_read(
    admin_user: Any, registered: ImportOutcome, source: Callable[[str], DataSource]
) -> None:
    client = Client()
    client.force_login(admin_user)
    upload = SimpleUploadedFile("big.csv", b"x" * 4096)
    response = client.post(
        reverse("admin:collection_upload"),
        {"source": source("tax").pk, "period": "2025", "file": upload},
    )
    assert response.status_code == 200  # the form again, with the reason, no job started
    assert "big.csv: 文件 0.0 MB，超过导入上限 0 MB" in response.content.decode()


def test_a_hostile_upload_through_the_portal_names_file_and_reason(
    admin_user: Any, registered: ImportOutcome, source: Callable[[str], DataSource]
) -> None:
    client = Client()
    client.force_login(admin_user)
    upload = SimpleUploadedFile("huge.xlsx", xlsx({"A1": SAMR[0], "XFD1048576": "x"}))
    response = client.post(
        reverse("admin:collection_upload"),
        {"source": source("samr").pk, "period": "2025", "file": upload},
    )
    token = response["Location"].rstrip("/").split("/")[-1]
    state = client.get(reverse("admin:collection_upload_state", args=[token])).json()
    assert state["state"] == "refused" and not state["has_report"]
    assert state["problems"][0].startswith("huge.xlsx：工作表范围为 1,048,576 行 × 16,384 列")
