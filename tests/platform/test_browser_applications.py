"""积分应用 in a real browser: an enterprise reads its matched products and why it qualifies,
opts out of a type; government reads uptake and financing statistics; a bank reads outcomes,
creates an API token and calls the API with it. Screenshots in
test-artifacts/applications-journey/."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model

from innopoints.accounts.models import Profile, Role
from innopoints.applications.catalogue import load_offerings
from innopoints.applications.models import Financing, Match, PushOptOut, RunMatching
from innopoints.applications.offering_views import indications
from innopoints.collection.models import Authorisation
from innopoints.registry.models import Institution, Region
from innopoints.scoring.models import Result
from tests.platform.conftest import published_board, scored_province
from tests.platform.test_browser import ARTIFACTS, _sign_in, browser  # noqa: F401


def _scored_and_matched(tmp_path: Path) -> dict[str, Any]:
    users = get_user_model().objects
    admin = users.create_superuser("root", "r@example.invalid", "Root-2026-pass")
    run = scored_province(tmp_path / "files", 200, 8, admin)
    load_offerings()
    bank = Institution.objects.get(name="示例银行四川省分行")
    best = Result.objects.filter(run=run, vetoed=False).order_by("rank").first()
    assert best is not None
    Authorisation.objects.create(
        enterprise=best.enterprise, institution=bank, valid_from=dt.date(2025, 1, 1)
    )
    published_board(run, admin, "全省前 20%", kind="overall", share_to=20)  # matches the run
    job = RunMatching.objects.get(run=run)
    assert job.status == "done", job.error
    banker = users.create_user("banker", "bk@example.invalid", "Banker-2026-pass")
    Profile.objects.create(user=banker, role=Role.INSTITUTION, institution=bank)
    owner = users.create_user("owner", "cfo@example.invalid", "Owner-2026-pass")
    Profile.objects.create(user=owner, role=Role.ENTERPRISE, enterprise=best.enterprise)
    province = users.create_user("sichuan", "sc@example.invalid", "Sichuan-2026-pass")
    Profile.objects.create(
        user=province, role=Role.GOVERNMENT, region=Region.objects.get(code="510000")
    )
    for status, amount in (("disbursed", 400), ("defaulted", 200)):
        Financing.objects.create(
            enterprise=best.enterprise,
            institution=bank,
            kind="loan",
            product="积分贷",
            applied_on=dt.date(2026, 3, 1),
            status=status,
            amount=amount,
            rate="3.65",
            term_months=12,
            decided_on=dt.date(2026, 3, 10),
            disbursed_on=dt.date(2026, 3, 12),
            recorded_by=banker,
        )
    return {"run": run, "best": best, "bank": bank}


def test_applications_journey(
    browser: Any,  # noqa: F811
    live_server: Any,
    reference_data: None,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.INNOPOINTS_JOBS_IN_BACKGROUND = False
    w = _scored_and_matched(tmp_path)
    best = w["best"]
    shots = ARTIFACTS / "applications-journey"
    shots.mkdir(parents=True, exist_ok=True)
    step = iter(range(1, 100))

    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(shots / f"{next(step):02d}-{name}.png"), full_page=True)

    # 企业端: matched products, the reasons, the suggested terms, opting out of a type
    page = _sign_in(browser, live_server, "owner", "Owner-2026-pass")
    page.goto(f"{live_server.url}/ent/matches/")
    listed = page.text_content("#matches") or ""
    assert "科创积分信用贷（积分前 20%）" in listed
    shot(page, "enterprise-matches")
    page.click('#matches a:has-text("科创积分信用贷")')
    conditions = page.text_content("#conditions") or ""
    assert "满足" in conditions and "不满足" not in conditions
    match = Match.objects.get(enterprise=best.enterprise, offering__code="kechuang-xindai-top20")
    shown = indications(match.run, match.offering, [match.enterprise_id])[match.enterprise_id]
    assert shown.rate is not None
    # the one figure: 预授信参考 (the amount stored at matching time is not shown twice)
    assert f"{shown.rate}%" in (page.text_content("#indication") or "")
    assert page.locator("#suggested").count() == 0
    shot(page, "enterprise-match-reasons")
    page.goto(f"{live_server.url}/ent/push-settings/")
    page.uncheck("#push-settings input[value=insurance]")
    page.click("#push-settings [type=submit]")
    page.wait_for_load_state()
    assert PushOptOut.objects.filter(enterprise=best.enterprise, kind="insurance").exists()
    assert not page.is_checked("#push-settings input[value=insurance]")
    shot(page, "enterprise-push-settings")
    page.close()

    # 政府端: uptake and financing statistics
    page = _sign_in(browser, live_server, "sichuan", "Sichuan-2026-pass")
    page.goto(f"{live_server.url}/gov/uptake/")
    uptake = page.text_content("#uptake") or ""
    assert "天府科创贷" in uptake and "积分险" in uptake
    shot(page, "government-uptake")
    page.goto(f"{live_server.url}/gov/financing/")
    assert (page.text_content("#fig-disbursed .figure-value") or "").strip() == "600.00 万元"
    assert "6,000.00 亿元" in (page.text_content("#targets") or "")
    shot(page, "government-financing")
    page.goto(f"{live_server.url}/en/gov/uptake/")
    assert page.get_attribute("html", "lang") == "en"
    assert "天府科创贷" in (page.text_content("#uptake") or "")  # names are data, not translated
    shot(page, "government-uptake-english")
    page.close()

    # 金融端: outcomes, an API token, the API with it
    page = _sign_in(browser, live_server, "banker", "Banker-2026-pass")
    page.goto(f"{live_server.url}/fin/outcomes/")
    assert page.locator("#default-by-tier tr").count() >= 1
    shot(page, "bank-outcomes")
    page.goto(f"{live_server.url}/api-tokens/")
    page.fill("#token-form input[name=name]", "信贷系统")
    page.click("#token-form input[type=submit]")
    secret = (page.text_content("#token-value") or "").strip()
    assert "." in secret
    shot(page, "bank-token")
    page.close()
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/enterprises/{best.enterprise.credit_code}",
        headers={"Authorization": f"Bearer {secret}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
    assert body["credit_code"] == best.enterprise.credit_code
    assert body["published"] and body["result"]["tier"] == best.tier
    assert abs(float(body["result"]["total"]) - best.total) < 0.01
