"""Admin pages (in Chinese), the upload flow with progress and error report, the quality
report page and its Excel export, the import command, and the demo through the real path."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from innopoints.api.demo import deliver_by_api
from innopoints.collection import quality
from innopoints.collection.importing import ImportOutcome, import_file
from innopoints.collection.models import DataSource, FactValue, Finding, ImportBatch
from innopoints.ops.demo import run_demo
from innopoints.registry.models import Enterprise, Region
from innopoints.scoring.models import Run
from tests.platform.conftest import csv_bytes, snapshot

TAX = ["统一社会信用代码", "研发费用", "营业收入"]


@pytest.fixture
def client_in(admin_user: Any) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("app_label", ["registry", "collection"])
def test_every_admin_page_renders_in_chinese(
    client_in: Client, registered: ImportOutcome, app_label: str
) -> None:
    for model in apps.get_app_config(app_label).get_models():
        if model._meta.model_name.startswith("historical"):
            continue
        url = reverse(f"admin:{app_label}_{model._meta.model_name}_changelist")
        response = client_in.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert str(model._meta.verbose_name_plural) in text
        assert 'lang="zh-hans"' in text and "企业创新积分信息管理平台" in text
    enterprise = Enterprise.objects.first()
    assert enterprise is not None
    page = client_in.get(reverse("admin:registry_enterprise_change", args=[enterprise.pk]))
    assert page.status_code == 200 and "统一社会信用代码" in page.content.decode()


def test_admin_refuses_editing_values_and_batches(
    client_in: Client, registered: ImportOutcome
) -> None:
    fact = FactValue.objects.first()
    assert fact is not None
    delete = client_in.post(reverse("admin:collection_factvalue_delete", args=[fact.pk]))
    assert delete.status_code == 403
    add = client_in.get(reverse("admin:collection_importbatch_add"))
    assert add.status_code == 403


def test_upload_flow(
    client_in: Client,
    registered: ImportOutcome,
    credit_codes: list[str],
    source: Callable[[str], DataSource],
) -> None:
    upload = reverse("admin:collection_upload")
    assert "导入数据文件" in client_in.get(upload).content.decode()
    good = SimpleUploadedFile("tax.csv", csv_bytes(TAX, [[credit_codes[0], 10, 100]]))
    response = client_in.post(upload, {"source": source("tax").pk, "period": "2025", "file": good})
    assert response.status_code == 302
    token = response["Location"].rstrip("/").split("/")[-1]
    state = client_in.get(reverse("admin:collection_upload_state", args=[token])).json()
    assert state["state"] == "done" and state["values"] == 2
    assert "导入进度" in client_in.get(response["Location"]).content.decode()
    batch = ImportBatch.objects.get(pk=state["batch"])
    assert batch.imported_by is not None and batch.imported_by.username == "boss"

    before = snapshot()
    bad = SimpleUploadedFile("tax2.csv", csv_bytes(TAX, [[credit_codes[1], "1,000", 100]]))
    response = client_in.post(upload, {"source": source("tax").pk, "period": "2025", "file": bad})
    token = response["Location"].rstrip("/").split("/")[-1]
    state = client_in.get(reverse("admin:collection_upload_state", args=[token])).json()
    assert state["state"] == "refused" and state["has_report"]
    assert state["problems"][0] == (
        "第 2 行，B 列“研发费用”：“1,000”含千位分隔符：请写成不带分隔符的数字"
    )
    assert snapshot() == before
    report = client_in.get(reverse("admin:collection_upload_errors", args=[token]))
    workbook = openpyxl.load_workbook(io.BytesIO(report.content), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[1][:2] == (2, "B 列“研发费用”：“1,000”含千位分隔符：请写成不带分隔符的数字")


def test_finding_resolution_page(
    client_in: Client,
    registered: ImportOutcome,
    credit_codes: list[str],
    source: Callable[[str], DataSource],
) -> None:
    import_file(
        source("sti"),
        "2025",
        "sti.csv",
        csv_bytes(
            ["统一社会信用代码", "从业人员期末人数", "科技人员数"], [[credit_codes[0], 5, 9]]
        ),
    )
    finding = Finding.objects.get()
    url = reverse("admin:collection_finding_resolve", args=[finding.pk])
    page = client_in.get(url).content.decode()
    assert "科技人员数大于从业人员期末人数" in page and "全部版本" in page
    missing_reason = client_in.post(url, {"action": "dismiss", "reason": ""})
    assert "请说明理由" in missing_reason.content.decode()
    done = client_in.post(url, {"action": "correct", "value": "4", "reason": "按花名册更正"})
    assert done.status_code == 302
    finding.refresh_from_db()
    assert finding.status == "corrected" and finding.resolved_by is not None


def test_quality_report(
    client_in: Client,
    registered: ImportOutcome,
    credit_codes: list[str],
    source: Callable[[str], DataSource],
) -> None:
    import_file(
        source("tax"),
        "2025",
        "tax.csv",
        csv_bytes(TAX, [[code, 10, 100] for code in credit_codes[:30]]),
    )
    report = quality.build("2025")
    rows = {r.code: r for r in report.indicators}
    assert report.n_enterprises == 60
    assert rows["invention_apps"].with_value == 60 and rows["invention_apps"].completeness == 1
    # nobody authorised the tax bureau: stored, counted, not usable
    assert rows["rd_expense"].with_value == 0
    assert (rows["rd_expense"].needing_authorisation, rows["rd_expense"].unauthorised) == (30, 30)
    chengdu = quality.build("2025", Region.objects.get(code="510104"))
    assert chengdu.n_enterprises == 30
    page = client_in.get(reverse("collection:quality"), {"period": "2025"})
    text = page.content.decode()
    assert page.status_code == 200 and "数据质量报告" in text and "研发费用" in text
    export = client_in.get(reverse("collection:quality-xlsx"), {"period": "2025", "source": "tax"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content), read_only=True)["数据质量"]
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][2] == "四川省税务局" and lines[1][0] == "指标代码"
    assert ("rd_expense", "研发费用", 0, 0, 30, 0, 30, 0, 0) in lines


def test_quality_report_needs_a_government_user(db: Any, user: Any) -> None:
    response = Client().get(reverse("collection:quality"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    staff_without_role = Client()
    staff_without_role.force_login(user)
    assert staff_without_role.get(reverse("collection:quality")).status_code == 403


def test_import_command(registered: ImportOutcome, credit_codes: list[str], tmp_path: Path) -> None:
    good = tmp_path / "tax.csv"
    good.write_bytes(csv_bytes(TAX, [[credit_codes[0], 10, 100]]))
    out = io.StringIO()
    call_command("import_source_file", str(good), source="tax", period="2025", stdout=out)
    assert "导入 1 行、2 个数值" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(TAX, [[credit_codes[0], "x", 100]]))
    errors = tmp_path / "errors.xlsx"
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 个问题，未导入任何数据"):
        call_command(
            "import_source_file",
            str(bad),
            source="tax",
            period="2025",
            errors=str(errors),
            stderr=err,
        )
    assert "“x” is not a number" in err.getvalue() and errors.exists()
    with pytest.raises(CommandError, match="没有数据来源 'nope'"):
        call_command("import_source_file", str(good), source="nope", period="2025")


def test_demo_through_the_real_path(db: Any, settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    said: list[str] = []
    run_demo(n=400, serve=False, port=0, say=said.append, deliver_by_api=deliver_by_api)
    assert ImportBatch.objects.count() == 7 and Enterprise.objects.count() == 400
    # one source delivered through the data exchange API, one pulled from its own endpoint
    by_api = ImportBatch.objects.get(source__code="miit")
    assert by_api.token is not None and by_api.batch_key == "miit-2025-0001"
    pulled = ImportBatch.objects.get(source__code="hrss")
    assert pulled.endpoint is not None and pulled.batch_key.startswith("pull-2025-")
    assert pulled.n_rows == 400 and pulled.n_values > 0
    assert Run.objects.get().status == "done"
    assert Finding.objects.filter(kind="discrepancy").exists()
    assert Finding.objects.filter(rule="st_staff_le_employees").exists()
    assert any("sign in at" in line for line in said)
    # one account per portal, each able to sign in and land on its own portal
    accounts = [
        line.split("\t") for line in (tmp_path / "demo-accounts.txt").read_text().splitlines()
    ]
    assert {label.split(" ")[0] for label, _, _ in accounts} == {
        "government",
        "institution",
        "enterprise",
    }
    for label, name, secret in accounts:
        client = Client()
        landed = client.post(reverse("accounts:login"), {"username": name, "password": secret})
        home = client.get(landed["Location"], follow=True)
        assert home.status_code == 200, label
    from innopoints.applications.models import Dispatch, Financing  # noqa: PLC0415

    made = Dispatch.objects.count(), Financing.objects.count()
    assert made[0] == 1 and made[1] >= 1
    run_demo(n=400, serve=False, port=0, say=said.append)
    assert ImportBatch.objects.count() == 7 and "already imported" in " ".join(said)
    assert (Dispatch.objects.count(), Financing.objects.count()) == made  # made once


def test_unknown_headers_lead_to_saving_an_alias(
    client_in: Client,
    registered: ImportOutcome,
    credit_codes: list[str],
    source: Callable[[str], DataSource],
) -> None:
    upload = reverse("admin:collection_upload")
    odd = SimpleUploadedFile(
        "tax.csv", csv_bytes(["统一社会信用代码", "研发投入"], [[credit_codes[0], 10]])
    )
    response = client_in.post(upload, {"source": source("tax").pk, "period": "2025", "file": odd})
    token = response["Location"].rstrip("/").split("/")[-1]
    state = client_in.get(reverse("admin:collection_upload_state", args=[token])).json()
    assert state["unknown_headers"] == ["研发投入"] and state["source"] == source("tax").pk
    form = client_in.get(
        reverse("admin:collection_columnalias_add"),
        {"source": state["source"], "header": "研发投入"},
    )
    assert 'value="研发投入"' in form.content.decode()
    client_in.post(
        reverse("admin:collection_columnalias_add"),
        {"source": state["source"], "header": "研发投入", "field_code": "rd_expense"},
    )
    again = SimpleUploadedFile(
        "tax.csv", csv_bytes(["统一社会信用代码", "研发投入"], [[credit_codes[0], 10]])
    )
    response = client_in.post(upload, {"source": source("tax").pk, "period": "2025", "file": again})
    token = response["Location"].rstrip("/").split("/")[-1]
    state = client_in.get(reverse("admin:collection_upload_state", args=[token])).json()
    assert state["state"] == "done" and state["values"] == 1


def test_xlsx_source_file(
    registered: ImportOutcome, credit_codes: list[str], source: Callable[[str], DataSource]
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["统一社会信用代码", "研发费用", "营业收入"])
    sheet.append([credit_codes[0], 12.5, 300])
    buffer = io.BytesIO()
    workbook.save(buffer)
    outcome = import_file(source("tax"), "2025", "tax.xlsx", buffer.getvalue())
    assert sorted(
        FactValue.objects.filter(batch=outcome.batch).values_list("value", flat=True)
    ) == [12.5, 300.0]
