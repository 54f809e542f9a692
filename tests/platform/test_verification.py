"""核验: discrepancies, structural checks and outliers become findings; resolving them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from innopoints.collection import facts as fact_tables
from innopoints.collection.importing import ImportOutcome, import_file
from innopoints.collection.models import DataSource, FactValue, Finding
from innopoints.collection.resolution import ResolutionError, correct, dismiss
from tests.platform.conftest import csv_bytes


def sti_file(rows: list[list[Any]]) -> bytes:
    return csv_bytes(
        [
            "统一社会信用代码",
            "从业人员期末人数",
            "科技人员数",
            "研究生以上人员数",
            "高新技术产品收入",
            "科技人员占职工总数的比重",
        ],
        rows,
    )


def test_structural_checks(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    c = credit_codes
    outcome = import_file(
        source("sti"),
        "2025",
        "sti.csv",
        sti_file(
            [
                [c[0], 10, 12, 1, "", ""],  # more S&T staff than employees
                [c[1], 10, 5, 11, "", ""],  # more postgraduates than employees
                [c[2], 10, 5, 1, "", 80],  # supplied st_ratio 80 but 5 / 10 = 50 %
                [c[3], 10, 5, 1, "", 50.4],  # within the tolerance
                [c[4], 40, 4, 1, "", ""],  # fine
            ]
        ),
    )
    rules = sorted(
        Finding.objects.filter(batch=outcome.batch).values_list("rule", "enterprise__credit_code")
    )
    assert rules == sorted(
        [
            ("st_staff_le_employees", c[0]),
            ("postgrad_le_employees", c[1]),
            ("st_ratio_consistent", c[2]),
        ]
    )
    assert outcome.n_findings == 3


def test_cross_checks_need_facts_from_two_sources(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    c = credit_codes
    import_file(
        source("tax"),
        "2025",
        "tax.csv",
        csv_bytes(["统一社会信用代码", "营业收入"], [[c[0], 1000], [c[1], 500]]),
    )
    outcome = import_file(
        source("sti"),
        "2025",
        "sti.csv",
        csv_bytes(
            ["统一社会信用代码", "高新技术产品收入", "从业人员期末人数"],
            [[c[0], 1200, 5], [c[1], 100, 3]],
        ),
    )
    findings = Finding.objects.filter(batch=outcome.batch)
    assert list(findings.values_list("rule", flat=True)) == ["hitech_le_revenue"]
    assert findings[0].detail == {"hitech_revenue": 1200.0, "revenue": 1000.0, "factor": 1.0}


def test_discrepancy_within_tolerance_is_not_a_finding(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    c = credit_codes
    import_file(
        source("sti"),
        "2025",
        "sti.csv",
        csv_bytes(["统一社会信用代码", "与主营业务相关的发明专利申请量"], [[c[10], 3], [c[11], 4]]),
    )
    # samr gave c[10] → 10 % 7 = 3 (same) and c[11] → 4 (same): nothing to find
    assert not Finding.objects.filter(kind="discrepancy").exists()
    import_file(
        source("hrss"),
        "2025",
        "hrss.csv",
        csv_bytes(["统一社会信用代码", "从业人员期末人数"], [[c[12], 1000]]),
    )
    outcome = import_file(
        source("sti"),
        "2025",
        "sti2.csv",
        csv_bytes(["统一社会信用代码", "从业人员期末人数"], [[c[12], 1005]]),
    )  # 0.5 % < 1 % tolerance
    assert outcome.n_findings == 0


def test_outliers_on_a_log_scale(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    rows = [[code, 100 + i] for i, code in enumerate(credit_codes[:59])]
    rows.append([credit_codes[59], 10_000_000])
    outcome = import_file(
        source("sti"),
        "2025",
        "sti.csv",
        csv_bytes(["统一社会信用代码", "企业技术合同成交额"], rows),
    )
    outliers = Finding.objects.filter(batch=outcome.batch, kind="outlier")
    assert list(outliers.values_list("enterprise__credit_code", flat=True)) == [credit_codes[59]]
    assert outliers[0].detail["log"] is True


def test_correcting_and_dismissing_are_recorded(
    registered: ImportOutcome,
    source: Callable[[str], DataSource],
    credit_codes: list[str],
    user: Any,
) -> None:
    c = credit_codes
    import_file(
        source("sti"),
        "2025",
        "sti.csv",
        sti_file([[c[0], 10, 12, 1, "", ""], [c[1], 10, 11, 1, "", ""]]),
    )
    first, second = Finding.objects.order_by("enterprise__credit_code")
    with pytest.raises(ResolutionError, match="理由"):
        correct(first, 9, user, "   ")
    correct(first, 9, user, "核对社保名单后更正为 9 人")
    fixed = FactValue.objects.get(pk=first.corrected_value_id)
    assert (fixed.value, fixed.source.code, fixed.recorded_by) == (9.0, "manual", user)
    assert "核对社保名单" in fixed.reason
    effective = fact_tables.effective(
        fact_tables.latest_versions("2025", ["st_staff"]), authorised_only=False
    )
    assert (
        dict(zip(effective["enterprise_id"], effective["value"], strict=True))[first.enterprise_id]
        == 9.0
    )
    dismiss(second, user, "该企业含外派科技人员，经核实无误")
    history = list(
        second.history.order_by("history_date").values_list("status", "history_user__username")
    )
    assert history[-1] == ("dismissed", "analyst")
    with pytest.raises(ResolutionError, match="已处理"):
        dismiss(second, user, "again")
    # the original values are all still there
    assert FactValue.objects.filter(field_code="st_staff", source__code="sti").count() == 2
    assert get_user_model().objects.count() == 1


def test_an_open_problem_is_not_reported_twice(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    c = credit_codes
    import_file(source("sti"), "2025", "sti.csv", sti_file([[c[0], 10, 12, 1, "", ""]]))
    outcome = import_file(
        source("hrss"),
        "2025",
        "hrss.csv",
        csv_bytes(["统一社会信用代码", "从业人员期末人数"], [[c[0], 10]]),
    )
    assert outcome.n_findings == 0
    assert Finding.objects.filter(rule="st_staff_le_employees").count() == 1
