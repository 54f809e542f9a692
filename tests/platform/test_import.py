"""Importing source files: all or nothing, versions, priorities, authorisation, bad input."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test import override_settings

from innopoints.collection import facts as fact_tables
from innopoints.collection import importing
from innopoints.collection.importing import ImportOutcome, ImportRefused, import_file
from innopoints.collection.models import (
    Authorisation,
    ColumnAlias,
    DataSource,
    Enterprise,
    FactValue,
    Finding,
    ImportBatch,
)
from innopoints.collection.resolution import accept_source
from tests.conftest import codes
from tests.platform.conftest import csv_bytes, snapshot

TAX_HEADER = [
    "统一社会信用代码",
    "研发费用",
    "上年研发费用",
    "营业收入",
    "上年营业收入",
    "研发费用加计扣除减免税额",
    "净利润",
    "期初所有者权益",
    "期末所有者权益",
]


def tax_rows(codes: list[str], scale: float = 1.0) -> list[list[Any]]:
    return [
        [c, 100 * scale + i, 90 + i, 2000 + 10 * i, 1800, 20, 50, 400, 450]
        for i, c in enumerate(codes)
    ]


def refused(
    source: DataSource, content: bytes, name: str = "f.csv", period: str = "2025", **kwargs: Any
) -> ImportRefused:
    before = snapshot()
    with pytest.raises(ImportRefused) as caught:
        import_file(source, period, name, content, **kwargs)
    assert snapshot() == before, "a refused file must leave the database unchanged"
    return caught.value


def test_database_is_postgres_when_ci() -> None:
    expected = "sqlite" if os.environ.get("INNOPOINTS_TEST_DB") == "sqlite" else "postgresql"
    if os.environ.get("CI") == "true":
        assert connection.vendor == expected


def test_registration_file_creates_enterprises_with_provenance(
    registered: ImportOutcome, credit_codes: list[str], user: Any
) -> None:
    assert registered.n_new_enterprises == 60 and registered.n_rows == 60
    enterprise = Enterprise.objects.get(credit_code=credit_codes[3])
    assert enterprise.name == "成都测试科技有限公司3" and enterprise.region_id == "510107"
    assert enterprise.established == dt.date(2018, 5, 1)
    assert list(enterprise.industry_fields.values_list("name", flat=True)) == ["电子信息"]
    assert enterprise.registered_by == registered.batch
    assert enterprise.history.count() == 1
    fact = FactValue.objects.get(enterprise=enterprise, field_code="invention_apps")
    assert (fact.value, fact.version, fact.source.code) == (3.0, 1, "samr")
    assert fact.batch == registered.batch and fact.recorded_by == user
    batch = registered.batch
    assert batch.n_values == 60 and batch.imported_by == user and batch.sha256
    assert bytes(batch.content).startswith("统一社会信用代码".encode())


def test_new_versions_never_overwrite(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    tax = source("tax")
    first = import_file(tax, "2025", "tax.csv", csv_bytes(TAX_HEADER, tax_rows(credit_codes)))
    second = import_file(
        tax, "2025", "tax-corrected.csv", csv_bytes(TAX_HEADER, tax_rows(credit_codes, scale=2))
    )
    versions = FactValue.objects.filter(
        enterprise__credit_code=credit_codes[0], field_code="rd_expense"
    ).order_by("version")
    assert [(v.value, v.version, v.batch_id) for v in versions] == [
        (100.0, 1, first.batch.pk),
        (200.0, 2, second.batch.pk),
    ]
    Authorisation.objects.create(
        enterprise=versions[0].enterprise, source=tax, valid_from=dt.date(2025, 1, 1)
    )
    effective = fact_tables.effective(fact_tables.latest_versions("2025", ["rd_expense"]))
    row = effective.filter(effective["enterprise_id"] == versions[0].enterprise_id)
    assert row["value"].to_list() == [200.0]


def test_same_file_twice_is_refused(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    content = csv_bytes(TAX_HEADER, tax_rows(credit_codes))
    import_file(source("tax"), "2025", "tax.csv", content)
    error = refused(source("tax"), content, "tax-again.csv")
    assert "同一文件已于" in error.problems[0].reason


def test_source_priority_and_manual_correction(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    import_file(
        source("hrss"),
        "2025",
        "hrss.csv",
        csv_bytes(["统一社会信用代码", "从业人员期末人数"], [[credit_codes[0], 120]]),
    )
    import_file(
        source("sti"),
        "2025",
        "sti.csv",
        csv_bytes(["统一社会信用代码", "从业人员期末人数"], [[credit_codes[0], 100]]),
    )
    effective = fact_tables.effective(fact_tables.latest_versions("2025", ["employees"]))
    assert effective["value"].to_list() == [100.0]  # 科技厅 has priority 1 for employees
    finding = Finding.objects.get(kind="discrepancy", field_code="employees")
    accept_source(finding, source("hrss"), None, "人社厅社保缴纳人数更准确")
    effective = fact_tables.effective(fact_tables.latest_versions("2025", ["employees"]))
    assert effective["value"].to_list() == [120.0]  # the manual version wins
    assert FactValue.objects.filter(field_code="employees").count() == 3


def test_authorisation_gates_scoring_use(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    tax = source("tax")
    import_file(tax, "2025", "tax.csv", csv_bytes(TAX_HEADER, tax_rows(credit_codes[:3])))
    first, second, third = (Enterprise.objects.get(credit_code=c) for c in credit_codes[:3])
    Authorisation.objects.create(enterprise=first, source=tax, valid_from=dt.date(2025, 1, 1))
    Authorisation.objects.create(
        enterprise=second, source=tax, valid_from=dt.date(2025, 1, 1), scope=["revenue"]
    )
    revoked = Authorisation.objects.create(
        enterprise=third, source=tax, valid_from=dt.date(2025, 1, 1)
    )
    revoked.revoked_at = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    revoked.save()
    latest = fact_tables.latest_versions("2025", ["rd_expense", "revenue"])
    usable = fact_tables.effective(latest, authorised_only=True)
    pairs = set(zip(usable["enterprise_id"].to_list(), usable["field_code"].to_list(), strict=True))
    assert pairs == {(first.pk, "rd_expense"), (first.pk, "revenue"), (second.pk, "revenue")}
    stored = fact_tables.effective(latest, authorised_only=False)
    assert stored.height == 6  # stored all the same


def test_column_aliases_are_reused(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    tax = source("tax")
    ColumnAlias.objects.create(source=tax, header="研发投入（万元）", field_code="rd_expense")
    outcome = import_file(
        tax,
        "2025",
        "tax.csv",
        csv_bytes(["统一社会信用代码", "研发投入（万元）"], [[credit_codes[0], 55]]),
    )
    assert outcome.batch.column_map["研发投入（万元）"] == "rd_expense"
    assert FactValue.objects.get(batch=outcome.batch).value == 55.0


# ---------------------------------------------------------------------------------------------
# Bad input: a clear message, and the database unchanged


def test_wrong_encoding(registered: ImportOutcome, source: Callable[[str], DataSource]) -> None:
    error = refused(source("tax"), b"\xff\xfe\x00garbage\xff\xff")
    assert error.problems[0].reason == "the file is neither UTF-8 nor GB18030 text"
    assert error.error_report is None


def test_gb18030_file_is_read(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    content = csv_bytes(TAX_HEADER, tax_rows(credit_codes[:2]), encoding="gb18030")
    assert import_file(source("tax"), "2025", "tax.csv", content).n_values == 16


def test_unknown_header_and_column_the_source_does_not_deliver(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    error = refused(
        source("tax"),
        csv_bytes(
            ["统一社会信用代码", "研发费用", "利润总额", "科技人员数"], [[credit_codes[0], 1, 2, 3]]
        ),
    )
    text = "\n".join(p.describe() for p in error.problems)
    assert "column C “利润总额”: unknown column header" in text
    assert "来源「四川省税务局」不提供“科技人员数”（见该来源的列说明）" in text


def test_missing_required_column(
    registered: ImportOutcome, source: Callable[[str], DataSource]
) -> None:
    error = refused(source("tax"), csv_bytes(["研发费用"], [[1]]))
    assert error.problems[0].describe() == "row 1: no 统一社会信用代码 (credit_code) column"


def test_number_where_a_date_belongs(
    source: Callable[[str], DataSource], credit_codes: list[str], db: Any
) -> None:
    error = refused(
        source("samr"),
        csv_bytes(
            ["统一社会信用代码", "企业名称", "成立日期", "行政区划代码"],
            [[credit_codes[0], "甲", "43210", "510107"]],
        ),
    )
    assert (
        error.problems[0]
        .describe()
        .startswith("row 2, column C “成立日期” (established): “43210” is not a date")
    )


def test_duplicate_rows(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    rows = tax_rows(credit_codes[:3])
    error = refused(source("tax"), csv_bytes(TAX_HEADER, [*rows, rows[1]]))
    assert (
        error.problems[0].row == 5 and "appears again (first in row 3)" in error.problems[0].reason
    )


def test_unknown_enterprise(registered: ImportOutcome, source: Callable[[str], DataSource]) -> None:
    stranger = codes(61, region="510104")[-1]
    error = refused(source("tax"), csv_bytes(TAX_HEADER, tax_rows([stranger])))
    assert error.problems[0].row == 2
    assert "未登记；来源「四川省税务局」不能登记新企业" in error.problems[0].reason


def test_registration_needs_identity(
    source: Callable[[str], DataSource], credit_codes: list[str], db: Any
) -> None:
    error = refused(
        source("samr"),
        csv_bytes(
            ["统一社会信用代码", "企业名称", "成立日期", "行政区划代码", "所属领域"],
            [
                [credit_codes[0], "甲", "2019-01-01", "999999", "炼金术"],
                [credit_codes[1], "", "2019-01-01", "510107", "电子信息"],
            ],
        ),
    )
    text = [p.describe() for p in error.problems]
    assert "row 2, column 行政区划代码: 999999 不是有效的行政区划代码" in text
    assert "row 2, column 所属领域: “炼金术”不是已知的产业领域" in text
    assert "row 3, column 企业名称: 登记新企业时此项不能为空" in text


def test_period_in_the_future(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    error = refused(
        source("tax"),
        csv_bytes(TAX_HEADER, tax_rows(credit_codes[:1])),
        period="2031",
        today=dt.date(2026, 11, 23),
    )
    assert "数据期 2031 尚未结束" in error.problems[0].reason


@override_settings(INNOPOINTS_MAX_IMPORT_BYTES=10 * 2**20)
def test_a_50_mb_file(registered: ImportOutcome, source: Callable[[str], DataSource]) -> None:
    content = b"credit_code,rd_expense\n" + b"x" * (50 * 2**20)
    error = refused(source("tax"), content)
    assert error.problems[0].reason.startswith("文件 50.0 MB，超过导入上限 10 MB")


def test_only_the_last_row_is_bad(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    rows = tax_rows(credit_codes)
    rows[-1][1] = "12万"
    error = refused(source("tax"), csv_bytes(TAX_HEADER, rows))
    assert [p.row for p in error.problems] == [61]
    report = openpyxl.load_workbook(io.BytesIO(error.error_report or b""), read_only=True)
    lines = list(report.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert lines[0][:3] == ("行号", "错误", "统一社会信用代码")
    assert lines[-1][:2] == (61, "B 列“研发费用”：“12万”不是数字")  # in the user's language
    assert lines[1][1] in ("", None) and len(lines) == 61


def test_a_failure_while_writing_rolls_everything_back(
    source: Callable[[str], DataSource],
    credit_codes: list[str],
    db: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(batch: ImportBatch) -> int:
        raise RuntimeError("verification crashed")

    monkeypatch.setattr(importing, "verify_batch", broken)
    before = snapshot()
    header = ["统一社会信用代码", "企业名称", "成立日期", "行政区划代码", "发明专利申请量"]
    with pytest.raises(RuntimeError):
        import_file(
            source("samr"),
            "2025",
            "samr.csv",
            csv_bytes(header[:4], [[c, "甲", "2019-01-01", "510107"] for c in credit_codes]),
        )
    assert snapshot() == before
