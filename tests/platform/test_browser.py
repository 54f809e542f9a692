"""The platform's pages in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import sync_playwright

from innopoints.collection.demo import import_all, write_files
from innopoints.scoring.models import Result, Run, SchemeVersion
from tests.conftest import codes
from tests.platform.conftest import csv_bytes

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing: ./run installs Debian's chromium package")
        pytest.skip("no Chromium on this machine")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def staff(reference_data: None) -> tuple[str, str]:
    get_user_model().objects.create_superuser("chief", "c@example.invalid", "s3cret-pass")
    return "chief", "s3cret-pass"


def test_sign_in_import_and_read_the_quality_report(
    browser: Any, live_server: Any, staff: tuple[str, str], tmp_path: Path
) -> None:
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", staff[0])
    page.fill("#id_password", staff[1])
    page.click("input[type=submit]")
    assert "企业创新积分信息管理平台" in page.text_content("#site-name a")
    assert page.get_attribute("html", "lang") == "zh-hans"

    ids = codes(3)
    registration = tmp_path / "samr.csv"
    registration.write_bytes(
        csv_bytes(
            ["统一社会信用代码", "企业名称", "成立日期", "行政区划代码", "所属领域"],
            [
                [c, f"浏览器测试公司{i}", "2020-01-01", "510107", "新材料"]
                for i, c in enumerate(ids)
            ],
        )
    )
    page.goto(f"{live_server.url}/admin/collection/importbatch/upload/")
    page.select_option("#id_source", label="省市场监管局")
    page.fill("#id_period", "2025")
    page.set_input_files("#id_file", str(registration))
    page.click("input[type=submit]")
    page.wait_for_selector("#result p", timeout=15_000)
    assert "已导入：3 行" in page.text_content("#result")

    bad = tmp_path / "tax.csv"
    bad.write_bytes(csv_bytes(["统一社会信用代码", "研发费用"], [[ids[0], "1,000"]]))
    page.goto(f"{live_server.url}/admin/collection/importbatch/upload/")
    page.select_option("#id_source", label="四川省税务局")
    page.set_input_files("#id_file", str(bad))
    page.click("input[type=submit]")
    page.wait_for_selector("#result .errornote", timeout=15_000)
    assert "thousands separator" in page.text_content("#result")
    assert page.locator("text=保存列名映射").count() == 0
    with page.expect_download() as download:
        page.click("text=下载错误报告（XLSX）")
    assert download.value.suggested_filename.endswith(".xlsx")

    page.goto(f"{live_server.url}/collection/quality/?period=2025")
    table = page.text_content("#quality-table")
    assert "研发费用" in table and "登记企业 3 家" in page.text_content("#content")
    page.screenshot(path=str(tmp_path / "quality.png"), full_page=True)
    page.close()


def test_english_is_available(browser: Any, live_server: Any, staff: tuple[str, str]) -> None:
    page = browser.new_page(locale="en-US")
    page.goto(f"{live_server.url}/en/admin/login/")
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_attribute("input[type=submit]", "value") == "Log in"
    page.close()


def test_one_click_run_and_portrait_chart(
    browser: Any, live_server: Any, staff: tuple[str, str], tmp_path: Path
) -> None:
    import_all(write_files(tmp_path / "files", 150, seed=5), "2025")
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", staff[0])
    page.fill("#id_password", staff[1])
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/scoring/runs/")
    page.select_option(
        "#id_scheme_version", label=str(SchemeVersion.objects.get(scheme_id="sichuan-2025"))
    )
    page.click("#run-form input[type=submit]")
    page.wait_for_selector("#agreement", timeout=30_000)
    assert "Spearman" in page.text_content("#agreement")
    run = Run.objects.get()
    enterprise = Result.objects.filter(run=run, vetoed=False).order_by("rank").first().enterprise_id
    page.goto(f"{live_server.url}/analysis/enterprise/{enterprise}/portrait/")
    page.wait_for_selector("#radar canvas", timeout=10_000)
    drawn = page.evaluate("window.innopointsCharts.radar.getOption().series[0].data.length")
    assert drawn == 3
    assert page.locator("#strengths li").count() >= 1
    page.close()
