"""From score to money in a real browser (issue 17), as the users do it: a bank publishes a loan
product → the province puts it on the shelf → a list is published and sent → the enterprise
reads its 预授信 indication, applies and grants scope → the bank asks for a document, the
enterprise answers, the bank approves and disburses → the bank files the loan into the
risk-compensation pool and the province checks it → the bank records the default and claims →
the province approves and pays the claim → the first-loan award and the interest subsidy are
computed and paid → the funnel shows each step against the targets.

Set up as data before the journey (not a user step of this journey): the scored province, a
draft list of the run, the users, the pool (its programme and funds) and the two subsidy
schemes. Screenshots in test-artifacts/money-loop/."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from innopoints.accounts.models import Profile, Role
from innopoints.analysis.models import Leaderboard
from innopoints.applications.catalogue import load_offerings
from innopoints.applications.models import Financing, Offering
from innopoints.programmes import pool
from innopoints.programmes.models import Programme, SubsidyScheme
from innopoints.registry.models import Institution, Region
from innopoints.scoring.models import Result
from tests.platform.conftest import scored_province
from tests.platform.test_browser import ARTIFACTS, _sign_in, browser  # noqa: F401

PRODUCT = "科创积分信用贷（旅程）"
POOL = "四川省科技型企业贷款风险补偿资金池（旅程）"


def _world(tmp_path: Path) -> dict[str, Any]:
    users = get_user_model().objects
    admin = users.create_superuser("root", "r@example.invalid", "Root-2026-pass")
    run = scored_province(tmp_path / "files", 200, 8, admin)
    load_offerings()  # the catalogue's reference rates (LPR) and institutions
    bank = Institution.objects.get(name="示例银行四川省分行")
    best = Result.objects.filter(run=run, vetoed=False).order_by("rank").first()
    assert best is not None and best.tier in ("A", "B")
    province = Region.objects.get(code="510000")
    board = Leaderboard.objects.create(
        run=run, title="全省前 20%（旅程）", kind="overall", share_to=20
    )
    banker = users.create_user("banker", "bk@example.invalid", "Banker-2026-pass")
    Profile.objects.create(user=banker, role=Role.INSTITUTION, institution=bank)
    owner = users.create_user("owner", "cfo@example.invalid", "Owner-2026-pass")
    Profile.objects.create(user=owner, role=Role.ENTERPRISE, enterprise=best.enterprise)
    sichuan = users.create_user("sichuan", "sc@example.invalid", "Sichuan-2026-pass")
    Profile.objects.create(user=sichuan, role=Role.GOVERNMENT, region=province)
    programme = Programme(
        name=POOL,
        region=province,
        fund_size=Decimal("1000.00"),
        bank_share=Decimal("40"),
        pool_share=Decimal("40"),
        guarantor_share=Decimal("20"),
        per_loan_cap=Decimal("100.00"),
        filing_days=30,
        eligible_tiers=["A", "B"],
        valid_from=dt.date(2026, 1, 1),
    )
    programme.full_clean()
    programme.save()
    programme.institutions.set([bank])
    pool.add_funds(programme, Decimal("1000.00"), admin)
    SubsidyScheme.objects.create(
        name="科技型企业贷款贴息（旅程）",
        kind=SubsidyScheme.Kind.INTEREST,
        region=province,
        base=SubsidyScheme.Base.AMOUNT,
        rate=Decimal("1.5"),
        cap=Decimal("10.00"),
        max_months=12,
        valid_from=dt.date(2026, 1, 1),
    )
    SubsidyScheme.objects.create(
        name="首贷积分奖（旅程）",
        kind=SubsidyScheme.Kind.AWARD,
        region=province,
        base=SubsidyScheme.Base.FIXED,
        fixed_amount=Decimal("10.00"),
        valid_from=dt.date(2026, 1, 1),
    )
    assert not Financing.objects.filter(enterprise=best.enterprise).exists()  # a first loan
    return {"run": run, "best": best, "bank": bank, "board": board}


def test_money_loop(
    browser: Any,  # noqa: F811
    live_server: Any,
    reference_data: None,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.INNOPOINTS_JOBS_IN_BACKGROUND = False
    w = _world(tmp_path)
    enterprise = w["best"].enterprise
    url = live_server.url
    shots = ARTIFACTS / "money-loop"
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    step = iter(range(1, 100))

    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(shots / f"{next(step):02d}-{name}.png"), full_page=True)

    def text(page: Any, selector: str) -> str:
        return " ".join((page.text_content(selector) or "").split())

    today = timezone.localdate()
    banker = _sign_in(browser, live_server, "banker", "Banker-2026-pass")
    sichuan = _sign_in(browser, live_server, "sichuan", "Sichuan-2026-pass")
    owner = _sign_in(browser, live_server, "owner", "Owner-2026-pass")

    # 1. 金融端: the bank publishes its loan product through the form and submits it
    banker.goto(f"{url}/applications/fin/offerings/new/")
    banker.fill("#id_name", PRODUCT)
    banker.select_option("#id_kind", value="loan")
    banker.select_option("#id_region", label="四川省")
    banker.fill("#id_valid_from", "2026-01-01")
    banker.check("#offering-form input[name=tiers][value=A]")
    banker.check("#offering-form input[name=tiers][value=B]")
    banker.fill("#id_max_amount", "500")
    banker.fill("#id_revenue_multiple", "0.2")
    banker.select_option("#id_rate_base", value="lpr_1y")
    banker.fill("#id_spread_bp", "100")
    banker.fill("#id_spread_A", "60")
    banker.fill("#id_term_months", "12")
    banker.click("#offering-form button[name=submit]")
    banker.wait_for_load_state()
    offering = Offering.objects.get(name=PRODUCT)
    assert banker.url.rstrip("/").endswith(f"/applications/fin/offerings/{offering.pk}")
    assert "待审核" in text(banker, "main")
    shot(banker, "bank-publishes-product")

    # 2. 政府端: the province reviews it and puts it on the shelf (上架)
    sichuan.goto(f"{url}/applications/gov/offerings/")
    assert PRODUCT in text(sichuan, "main")
    sichuan.goto(f"{url}/applications/gov/offerings/{offering.pk}/")
    sichuan.click("#review-approve button[type=submit]")
    sichuan.wait_for_load_state()
    assert "产品已上架" in text(sichuan, "body")
    assert "已上架" in text(sichuan, "main")
    shot(sichuan, "government-shelves-product")

    # 3. the list is published (matching runs on it) and sent to the bank
    board = w["board"]
    sichuan.goto(f"{url}/analysis/boards/{board.pk}/")
    sichuan.click(f"form[action='/analysis/boards/{board.pk}/publish/'] input[type=submit]")
    sichuan.wait_for_load_state()
    assert text(sichuan, "#board-status") == "已发布"
    assert "匹配已完成" in text(sichuan, "#matching-state")
    sichuan.click("#send-board")
    sichuan.wait_for_load_state()
    sichuan.check(f"#send-form input[name=institutions][value='{w['bank'].pk}']")
    sichuan.click("#send-form input[type=submit]")
    sichuan.wait_for_load_state()
    shot(sichuan, "government-publishes-and-sends-list")

    # 4. 企业端: the enterprise reads its 预授信 indication on the product and applies,
    # granting the scope it is shown in the same step
    owner.goto(f"{url}/ent/matches/")
    assert PRODUCT in text(owner, "#matches")
    owner.click(f'#matches a:has-text("{PRODUCT}")')
    owner.wait_for_load_state()
    indication = text(owner, "#indication")
    assert "预授信参考" in indication and "万元" in indication and "%" in indication
    assert "不构成授信决定" in indication
    assert "500.00 万元" in indication  # min(cap 500, revenue × 0.2) for this enterprise
    shot(owner, "enterprise-sees-indication")
    owner.click('#apply-box a:has-text("在线申请")')
    owner.wait_for_load_state()
    assert text(owner, "#apply-scope")  # the indicators the bank will see, named
    owner.fill("#amount_requested", "300")
    owner.fill("#term_months", "12")
    owner.check("#confirm")
    owner.click("#apply-form input[type=submit]")
    owner.wait_for_load_state()
    assert text(owner, "#app-status") == "已提交"
    assert "300" in text(owner, "#application")
    shot(owner, "enterprise-applies-and-grants-scope")
    application_url = owner.url
    app_pk = int(application_url.rstrip("/").split("/")[-1])

    # 5. 金融端: the bank accepts and asks for a document (补充材料)
    banker.goto(f"{url}/lending/bank/{app_pk}/")
    banker.click('#act-form button:has-text("受理")')
    banker.wait_for_load_state()
    assert text(banker, "#app-status") == "已受理"
    banker.fill("#note", "请补充 2025 年度审计报告")
    banker.click('#act-form button:has-text("要求补充材料")')
    banker.wait_for_load_state()
    assert text(banker, "#app-status") == "待补充材料"
    shot(banker, "bank-asks-for-document")

    # 6. 企业端: the enterprise uploads the document and sends it back to review
    owner.goto(application_url)
    assert "请补充 2025 年度审计报告" in text(owner, "#timeline")
    owner.set_input_files(
        "#upload-form input[name=file]",
        files=[
            {
                "name": "2025年度审计报告.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
            }
        ],
    )
    owner.click("#upload-form input[type=submit]")
    owner.wait_for_load_state()
    assert "材料已上传" in text(owner, "body")
    assert "2025年度审计报告.pdf" in text(owner, "#documents")
    owner.fill("#note", "已上传 2025 年度审计报告")
    owner.click('#act-form button:has-text("材料已补充，提交审批")')
    owner.wait_for_load_state()
    assert text(owner, "#app-status") == "审批中"
    shot(owner, "enterprise-answers")

    # 7. 金融端: the bank approves (300 万元, 3.50 %, 12 个月) and disburses
    banker.goto(f"{url}/lending/bank/{app_pk}/")
    assert "2025年度审计报告.pdf" in text(banker, "#documents")
    banker.fill("#amount", "300")
    banker.fill("#rate", "3.50")
    banker.fill("#term_months", "12")
    banker.click('#act-form button:has-text("批准")')
    banker.wait_for_load_state()
    assert text(banker, "#app-status") == "已批准"
    assert "金额 300" in text(banker, "#timeline") and "万元" in text(banker, "#timeline")
    banker.fill("#disbursed_on", today.isoformat())
    banker.click('#act-form button:has-text("放款")')
    banker.wait_for_load_state()
    assert text(banker, "#app-status") == "已放款"
    facts = text(banker, "#application")
    assert "300.00 万元" in facts and today.isoformat() in facts
    shot(banker, "bank-approves-and-disburses")
    financing = Financing.objects.get(enterprise=enterprise)

    # 8. 金融端: the bank files the loan into the pool (备案); 政府端 checks it (前置审核)
    banker.goto(f"{url}/programmes/fin/filings/new/")
    banker.select_option("#id_programme", label=POOL)
    banker.select_option("#id_financing", value=str(financing.pk))
    banker.fill("#id_covered_amount", "300")
    banker.fill("#id_reference", "JOURNEY-0001")
    banker.click("main form[method=post] [type=submit]")
    banker.wait_for_load_state()
    assert "已备案，等待政府前置审核" in text(banker, "body")
    shot(banker, "bank-files-loan")
    sichuan.goto(f"{url}/programmes/gov/filings/")
    row = sichuan.locator("tr", has_text=enterprise.name)
    row.locator("button[value=accept]").click()
    sichuan.wait_for_load_state()
    assert "已办理" in text(sichuan, "body")
    shot(sichuan, "government-checks-filing")

    # 9. 金融端: the loan defaults; the bank files a compensation claim of 200 万元
    banker.goto(f"{url}/lending/bank/{app_pk}/")
    banker.fill("#note", "借款人停止经营，逾期 90 天")
    banker.click('#act-form button:has-text("标记违约")')
    banker.wait_for_load_state()
    assert text(banker, "#app-status") == "违约"
    shot(banker, "bank-records-default")
    banker.goto(f"{url}/programmes/fin/filings/")
    banker.click('main a:has-text("申请代偿")')
    banker.wait_for_load_state()
    banker.fill("#id_loss", "200")
    banker.click("main form[method=post] [type=submit]")
    banker.wait_for_load_state()
    assert "已提交代偿申请" in text(banker, "body")
    shot(banker, "bank-files-claim")

    # 10. 政府端: the proposal is 200 × 40 % = 80.00 (cap 100, funds 1,000); approve, pay
    sichuan.goto(f"{url}/programmes/gov/claims/")
    row = sichuan.locator("tr", has_text=enterprise.name)
    assert "80.00" in " ".join(row.inner_text().split())
    row.locator("button[value=approve]").click()
    sichuan.wait_for_load_state()
    sichuan.locator("tr", has_text=enterprise.name).locator("button[value=pay]").click()
    sichuan.wait_for_load_state()
    paid = " ".join(sichuan.locator("tr", has_text=enterprise.name).inner_text().split())
    assert "80.00" in paid and "已拨付" in paid
    shot(sichuan, "government-pays-claim")
    programme = Programme.objects.get(name=POOL)
    sichuan.goto(f"{url}/programmes/gov/ledger/?programme={programme.pk}")
    ledger = text(sichuan, "main")
    assert "80.00" in ledger and "920.00" in ledger  # balance = 1,000 − 80
    shot(sichuan, "pool-ledger")
    owner.goto(application_url)
    assert text(owner, "#app-status") == "已代偿"
    shot(owner, "enterprise-sees-compensated")

    # 11. 政府端: the first-loan award (10.00 万元) is detected, approved and paid
    sichuan.goto(f"{url}/programmes/gov/awards/")
    sichuan.click("main form [name=detect]")
    sichuan.wait_for_load_state()
    row = sichuan.locator("tr", has_text=enterprise.name)
    assert "10.00" in " ".join(row.inner_text().split())
    row.locator("button[value=approve]").click()
    sichuan.wait_for_load_state()
    sichuan.locator("tr", has_text=enterprise.name).locator("button[value=pay]").click()
    sichuan.wait_for_load_state()
    award = " ".join(sichuan.locator("tr", has_text=enterprise.name).inner_text().split())
    assert "10.00" in award and "已拨付" in award
    shot(sichuan, "government-pays-first-loan-award")

    # 12. 政府端: the interest subsidy, 300 × 1.5 % × 100/365, computed, approved and paid
    end = today + dt.timedelta(days=100)
    expected = (Decimal(300) * Decimal("1.5") / 100 * 100 / 365).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    assert expected == Decimal("1.23")
    sichuan.goto(f"{url}/programmes/gov/subsidies/")
    sichuan.select_option("#id_scheme", label="科技型企业贷款贴息（旅程）")
    # the financing is found by the enterprise's name (the options come from a search)
    sichuan.locator("#id_financing-ts-control").fill(enterprise.name)
    sichuan.locator(".ts-dropdown .option", has_text=enterprise.name).first.click()
    assert sichuan.locator("#id_financing").input_value() == str(financing.pk)
    sichuan.fill("#id_start", today.isoformat())
    sichuan.fill("#id_end", end.isoformat())
    sichuan.click("main form:has(input[name=compute]) [type=submit]")
    sichuan.wait_for_load_state()
    assert f"已计算：{expected} 万元" in text(sichuan, "body")
    row = sichuan.locator("tr", has_text=enterprise.name)
    row.locator("button[value=approve]").click()
    sichuan.wait_for_load_state()
    sichuan.locator("tr", has_text=enterprise.name).locator("button[value=pay]").click()
    sichuan.wait_for_load_state()
    subsidy = " ".join(sichuan.locator("tr", has_text=enterprise.name).inner_text().split())
    assert str(expected) in subsidy and "已拨付" in subsidy
    shot(sichuan, "government-pays-interest-subsidy")

    # 13. 政府端: the funnel, each step counted once for this bank, against the targets
    sichuan.goto(f"{url}/targets/funnel/?by=bank")
    bank_row = sichuan.locator("#funnel tbody tr", has_text=w["bank"].name)
    cells = {
        step: " ".join(bank_row.locator(f"td[data-step={step}]").inner_text().split())
        for step in ("applied", "approved", "disbursed", "defaulted", "compensated")
    }
    assert cells == {
        "applied": "1",
        "approved": "1",
        "disbursed": "1",
        "defaulted": "1",
        "compensated": "1",
    }, cells
    assert int(bank_row.locator("td[data-step=matched]").inner_text().replace(",", "")) >= 1
    progress = text(sichuan, "#target-progress")
    assert "科技企业贷款余额" in progress and "6,000.00 亿元" in progress
    shot(sichuan, "government-funnel-against-targets")

    for page in (banker, sichuan, owner):
        page.close()
