"""Words for people (issue 14 §3): names instead of codes in both languages, import problems in
the user's language with their time in Beijing time, and per source an import template with
exactly the columns that source delivers."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from innopoints.accounts.models import Profile, Role
from innopoints.analysis import board_words
from innopoints.analysis.models import Leaderboard
from innopoints.collection import messages
from innopoints.collection.importing import ImportOutcome, ImportRefused, import_file
from innopoints.collection.models import DataSource, ImportBatch
from innopoints.engine.errors import InputProblem
from innopoints.registry.models import Region
from innopoints.site import names
from tests.platform.conftest import csv_bytes


@pytest.fixture(autouse=True)
def _language_back() -> Iterator[None]:
    before = translation.get_language()
    yield
    translation.activate(before) if before else translation.deactivate_all()


def test_names_in_both_languages(db: Any) -> None:
    with translation.override("zh-hans"):
        assert names.field_name("rd_expense") == "研发费用"
        assert names.field_name("employees") == "从业人员期末人数"  # a fact, not an indicator
        assert names.stage_name("growth") == "成长期"
        assert names.method_name("wminmax") == "截尾最小–最大标准化"
        assert names.veto_reasons("veto_safety;veto_blacklist") == (
            "近3年发生重大安全事故、被列入科研黑名单或失信被执行人名单"
        )
        assert names.region_name("510100") == "成都市"
        assert names.division_name("5101") == "成都市"
        assert names.left_out_reason("no_established") == "缺成立日期，无法确定成长阶段"
        assert names.without_codes("invention_apps=12 远离同期分布") == (
            "与主营业务相关的发明专利申请量=12 远离同期分布"
        )
        assert names.percent(0.873) == "87.3%"
        assert names.level_name("winsor", "0.01-0.99") == "缩尾至 1%–99% 分位"
        assert names.level_name("normalisation", "scheme") == "方案设定"
        assert names.analysis_note(
            "normalisation 'goalpost' scores exactly like 'wminmax': dropped"
        ) == ("“目标值标准化”与“截尾最小–最大标准化”的测算结果完全相同，只保留后者")
    with translation.override("en"):
        assert names.field_name("rd_expense") == "R&D expenditure"
        assert names.field_name("employees") == "Employees at period end"
        assert names.stage_name("growth") == "Growth"
        assert names.method_name("log1p") == "log1p"  # not a method: shown as it is
        assert names.transform_name("log1p") == "Logarithm ln(1+x)"
        assert names.yes_no(True) == "Yes"


def test_a_board_condition_in_words(db: Any) -> None:
    from innopoints.scoring.models import Run, SchemeVersion  # noqa: PLC0415

    run = Run(pk=None, scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025"))
    board = Leaderboard(run=run, kind="filter", filter_value="tier=A,B; stage=growth; region=5101")
    with translation.override("zh-hans"):
        assert board_words.describe(board) == "档次 A、B；成长阶段 成长期；地区 成都市"
    assert names.stage_code("成长期") == "growth" and names.region_prefix("成都市") == "5101"


def test_import_problems_in_the_users_language() -> None:
    separator = InputProblem(
        2, "B “研发费用” (rd_expense)", "“1,000” has a thousands separator: write the plain number"
    )
    unknown = InputProblem(
        1,
        "C “利润总额”",
        "unknown column header: use a code or Chinese header from docs/METHOD.md §1",
    )
    with translation.override("zh-hans"):
        assert messages.describe(separator) == (
            "第 2 行，B 列“研发费用”：“1,000”含千位分隔符：请写成不带分隔符的数字"
        )
        assert "METHOD" not in messages.describe(unknown)
        assert messages.describe(unknown).startswith("第 1 行，C 列“利润总额”：无法识别的列标题")
    with translation.override("en"):
        assert messages.describe(separator) == (
            "row 2, column B “研发费用”: “1,000” has a thousands separator: write the plain number"
        )
        assert "METHOD" not in messages.describe(unknown) and "rd_expense" not in (
            messages.describe(separator)
        )
    # the command line keeps the reader's own words
    assert separator.describe().startswith("row 2, column B “研发费用” (rd_expense): “1,000”")


def test_a_refused_duplicate_gives_beijing_time(
    registered: ImportOutcome, source: Callable[[str], DataSource], credit_codes: list[str]
) -> None:
    content = csv_bytes(["统一社会信用代码", "研发费用"], [[credit_codes[0], 10]])
    import_file(source("tax"), "2025", "tax.csv", content)
    batch = ImportBatch.objects.get(file_name="tax.csv")
    batch.imported_at = batch.imported_at.replace(hour=14, minute=52)  # 22:52 in Beijing
    batch.save(update_fields=["imported_at"])
    with pytest.raises(ImportRefused) as caught, translation.override("zh-hans"):
        import_file(source("tax"), "2025", "again.csv", content)
    shown = timezone.localtime(batch.imported_at)
    assert f"{shown:%H:%M}" == "22:52"
    assert f"{shown:%Y-%m-%d} 22:52" in caught.value.problems[0].reason


def _government(region: str = "510000") -> Client:
    user = get_user_model().objects.create_user("gov", "g@example.invalid", "pw")
    Profile.objects.create(user=user, role=Role.GOVERNMENT, region=Region.objects.get(code=region))
    client = Client()
    client.force_login(user)
    return client


def test_each_source_has_a_template_with_exactly_its_columns(
    registered: ImportOutcome, credit_codes: list[str]
) -> None:
    client = _government()
    page = client.get(reverse("portals:gov_import_columns")).content.decode()
    assert "四川省税务局" in page and "万元" in page and "导入模板" in page
    tax = DataSource.objects.get(code="tax")
    response = client.get(reverse("portals:gov_import_template", args=["tax"]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()), read_only=True)
    headers = next(book.worksheets[0].iter_rows(values_only=True))
    delivered = set(tax.fields.values_list("field_code", flat=True))
    from innopoints.engine.fields import base_catalogue  # noqa: PLC0415

    expected = ["统一社会信用代码"] + [f.header for f in base_catalogue() if f.code in delivered]
    assert list(headers) == expected
    about = list(book.worksheets[1].iter_rows(values_only=True))
    assert ("研发费用", "研发费用", "金额", "万元", 64, "否", "是") in about
    # a file made from the template imports as it is
    row = [credit_codes[0]] + [1 for _ in expected[1:]]
    buffer = io.BytesIO()
    sheet = openpyxl.Workbook()
    sheet.active.append(expected)  # type: ignore[union-attr]
    sheet.active.append(row)  # type: ignore[union-attr]
    sheet.save(buffer)
    outcome = import_file(tax, "2025", "from-template.xlsx", buffer.getvalue())
    assert outcome.n_values == len(expected) - 1
    registry = client.get(reverse("portals:gov_import_template", args=["samr"]))
    samr = next(
        openpyxl.load_workbook(io.BytesIO(registry.getvalue()), read_only=True)
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert samr[:6] == (
        "统一社会信用代码",
        "企业名称",
        "法定代表人",
        "成立日期",
        "行政区划代码",
        "所属领域",
    )
    assert client.get(reverse("portals:gov_import_template", args=["nope"])).status_code == 404


def test_low_agreement_says_what_it_means_and_what_to_do(tmp_path: Any, db: Any) -> None:
    from tests.platform.conftest import scored_province  # noqa: PLC0415

    admin = get_user_model().objects.create_superuser("root", "r@example.invalid", "pw")
    run = scored_province(tmp_path / "files", 60, 4, admin)
    run.report = {**run.report, "low_agreement": True, "agreement_threshold": 0.9}
    run.save(update_fields=["report"])
    client = Client()
    client.force_login(admin)
    page = client.get(reverse("scoring:run", args=[run.pk])).content.decode()
    assert 'id="low-agreement"' in page
    assert "吻合度偏低" in page and "稳健性分析" in page and "再发布积分榜" in page
    assert "Spearman" not in page and "ρ" not in page
    # the leaderboard export names stages, not their codes
    export = client.get(reverse("scoring:leaderboard-xlsx", args=[run.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(export.getvalue()), read_only=True).worksheets[0]
    stages = {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert stages and stages <= {"初创期", "成长期", "稳定期", "—"}, stages
    english = client.get("/en" + reverse("scoring:run", args=[run.pk])).content.decode()
    assert "Low agreement" in english and "run the robustness analysis" in english


def test_findings_read_in_the_users_language() -> None:
    from innopoints.collection.models import Finding  # noqa: PLC0415

    discrepancy = Finding(
        rule="multi_source",
        field_code="rd_expense",
        detail={"values": {"四川省税务局": 10.0, "科技厅": 12.5}},
        message="rd_expense：四川省税务局 为 10，科技厅 为 12.5",
    )
    outlier = Finding(rule="iqr_log", field_code="invention_apps", detail={"value": 900.0})
    unknown = Finding(rule="other", field_code="st_staff", message="st_staff 不合常理")
    with translation.override("zh-hans"):
        assert messages.finding_text(discrepancy) == "研发费用：四川省税务局 为 10，科技厅 为 12.5"
        assert messages.finding_text(outlier) == (
            "与主营业务相关的发明专利申请量 为 900，远离同期分布"
        )
        assert messages.finding_text(unknown) == "科技人员数 不合常理"
    with translation.override("en"):
        assert messages.finding_text(discrepancy) == (
            "R&D expenditure: 四川省税务局 reports 10, 科技厅 reports 12.5"
        )
        assert messages.finding_text(outlier).startswith("Invention patent applications")


def test_an_audit_entry_reads_in_beijing_time(db: Any) -> None:
    import datetime as dt  # noqa: PLC0415

    from innopoints.audit.models import AuditEntry  # noqa: PLC0415

    entry = AuditEntry(at=dt.datetime(2026, 12, 4, 14, 52, tzinfo=dt.UTC), actor_name="gov")
    assert str(entry).startswith("2026-12-04 22:52:00 gov")


def test_pools_are_named_in_the_users_language(db: Any) -> None:
    from innopoints.analysis.models import Pool  # noqa: PLC0415

    pool = Pool.objects.get(code="hitech")
    with translation.override("zh-hans"):
        assert board_words.pool_name(pool) == "高新技术企业培育库"
    with translation.override("en"):
        assert board_words.pool_name(pool) == "High-tech enterprise pool"
        assert "R&D intensity at least 3 %" in board_words.pool_note(pool)
