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
from innopoints.registry.models import Enterprise
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
    assert "“1,000”含千位分隔符" in page.text_content("#result")  # in the page's language
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
    assert "秩相关系数" in page.text_content("#agreement")
    run = Run.objects.get()
    enterprise = Result.objects.filter(run=run, vetoed=False).order_by("rank").first().enterprise_id
    page.goto(f"{live_server.url}/analysis/enterprise/{enterprise}/portrait/")
    page.wait_for_selector("#radar[data-drawn] svg", timeout=10_000)  # site/charts.js
    drawn = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('radar'))"
        ".getOption().series[0].data.length"
    )
    assert drawn == 3  # the enterprise, its stage's median and top decile
    assert page.locator("#strengths li").count() >= 1
    page.close()


ARTIFACTS = Path(os.environ.get("INNOPOINTS_ARTIFACTS_DIR", Path.cwd() / "test-artifacts"))


def _sign_in(browser: Any, live_server: Any, username: str, password: str) -> Any:
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form input[type=submit]")
    return page


def test_portal_journey(
    browser: Any, live_server: Any, reference_data: None, tmp_path: Path
) -> None:
    """政府端 imports, runs, publishes and sends a list; 企业端 authorises the bank and
    self-assesses; 金融端 opens the file and records a loan; after revocation it is refused.
    A screenshot of every step is kept in test-artifacts/portal-journey/."""
    from innopoints.accounts.models import Profile, Role  # noqa: PLC0415
    from innopoints.applications.models import Financing  # noqa: PLC0415
    from innopoints.registry.models import Institution, Region  # noqa: PLC0415

    shots = ARTIFACTS / "portal-journey"
    shots.mkdir(parents=True, exist_ok=True)
    step = iter(range(1, 100))

    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(shots / f"{next(step):02d}-{name}.png"), full_page=True)

    files = write_files(tmp_path / "files", 200, seed=8)
    import_all(files, "2025")
    users = get_user_model().objects
    bank = Institution.objects.create(name="测试银行成都分行", kind="bank")
    city = users.create_user("chengdu", "cd@example.invalid", "Chengdu-2026-pass")
    Profile.objects.create(
        user=city, role=Role.GOVERNMENT, region=Region.objects.get(code="510100")
    )
    banker = users.create_user("banker", "bk@example.invalid", "Banker-2026-pass")
    Profile.objects.create(user=banker, role=Role.INSTITUTION, institution=bank)

    # 政府端: import a file of its own enterprises, run, publish, send
    page = _sign_in(browser, live_server, "chengdu", "Chengdu-2026-pass")
    assert "/gov/" in page.url
    shot(page, "government-home")
    local = [
        e.credit_code
        for e in Enterprise.objects.filter(region__code__startswith="5101").order_by("pk")[:5]
    ]
    upload = tmp_path / "patents.csv"
    upload.write_bytes(
        csv_bytes(["统一社会信用代码", "研发费用"], [[c, 300 + i] for i, c in enumerate(local)])
    )
    page.goto(f"{live_server.url}/gov/import/")
    page.select_option("#id_source", label="四川省税务局")
    page.fill("#id_period", "2025")
    page.set_input_files("#id_file", str(upload))
    page.click("#import-form input[type=submit]")
    page.wait_for_selector("#import-outcome.success", timeout=20_000)
    assert "5" in page.text_content("#import-outcome")
    shot(page, "government-imported")
    page.goto(f"{live_server.url}/scoring/runs/")
    page.select_option(
        "#id_scheme_version", label=str(SchemeVersion.objects.get(scheme_id="sichuan-2025"))
    )
    page.select_option("#id_region", value="510100")
    page.click("#run-form input[type=submit]")
    page.wait_for_selector("#agreement", timeout=30_000)
    run = Run.objects.get()
    assert run.status == "done" and run.region_id == "510100"
    shot(page, "government-run")
    page.goto(f"{live_server.url}/analysis/runs/{run.pk}/boards/")
    page.fill("#id_title", "成都市创新积分前 50 名")
    page.select_option("#id_kind", value="overall")
    page.fill("#id_top_n", "50")
    page.click("form input[type=submit]")
    page.click("form[action$='/publish/'] input[type=submit]")
    assert "已发布" in page.text_content("#board-status")
    shot(page, "government-published")
    page.click("#send-board")
    page.check(f"input[name=institutions][value='{bank.pk}']")
    page.click("#send-form input[type=submit]")
    assert "测试银行成都分行" in page.text_content("#dispatches")
    shot(page, "government-sent")
    page.close()

    # 企业端: authorise the bank, self-assess
    best = Result.objects.filter(run=run, vetoed=False).order_by("rank").first()
    assert best is not None
    owner = users.create_user("owner", "cfo@example.invalid", "Owner-2026-pass")
    Profile.objects.create(user=owner, role=Role.ENTERPRISE, enterprise=best.enterprise)
    page = _sign_in(browser, live_server, "owner", "Owner-2026-pass")
    assert "/ent/" in page.url
    assert f"{best.total:.2f}" == page.text_content("#ent-total").strip()
    shot(page, "enterprise-home")
    page.goto(f"{live_server.url}/ent/authorisations/")
    page.select_option("#id_institution", label="测试银行成都分行")
    page.click("#grant-form input[type=submit]")
    assert "有效" in page.text_content("#grants")
    shot(page, "enterprise-authorised")
    page.goto(f"{live_server.url}/ent/assess/")
    page.fill("#id_revenue", "999999")
    page.click("#assess-form input[type=submit]")
    page.wait_for_selector("#estimate-total")
    assert "估算，不是正式积分" in page.text_content(".estimate")
    shot(page, "enterprise-self-assessment")

    # 金融端: the list, the authorised file, a loan
    bank_page = _sign_in(browser, live_server, "banker", "Banker-2026-pass")
    assert "/fin/" in bank_page.url
    # the list in the table of lists (the home's chart of lists names it too)
    bank_page.click("#fin-lists a:has-text('成都市创新积分前 50 名')")
    assert best.enterprise.name in bank_page.text_content("#fin-list")
    shot(bank_page, "bank-list")
    bank_page.click("text=查看档案（已授权）")
    assert f"{best.total:.2f}" == bank_page.text_content("#fin-total").strip()
    shot(bank_page, "bank-file")
    bank_page.click("#record-financing")
    bank_page.select_option("#id_kind", value="loan")
    bank_page.fill("#id_product", "天府科创贷")
    bank_page.fill("#id_applied_on", "2026-03-01")
    bank_page.select_option("#id_status", value="approved")
    bank_page.fill("#id_amount", "400")
    bank_page.fill("#id_rate", "3.65")
    bank_page.fill("#id_term_months", "12")
    bank_page.fill("#id_guarantee_share", "60")
    bank_page.fill("#id_decided_on", "2026-03-10")
    bank_page.click("#financing-form input[type=submit]")
    assert best.enterprise.name in bank_page.text_content("#financings")
    assert "批准金额（万元）" in bank_page.text_content("#financings thead")
    assert "400.00" in bank_page.text_content("#financings tbody")
    shot(bank_page, "bank-loan-recorded")
    assert Financing.objects.get().amount == 400

    # 企业端 revokes; 金融端 is refused
    page.goto(f"{live_server.url}/ent/authorisations/")
    page.click("button.revoke")
    assert "已撤销" in page.text_content("#grants")
    shot(page, "enterprise-revoked")
    refused = bank_page.goto(f"{live_server.url}/fin/enterprise/{best.enterprise_id}/")
    assert refused is not None and refused.status == 403
    shot(bank_page, "bank-refused")
    page.close()
    bank_page.close()
