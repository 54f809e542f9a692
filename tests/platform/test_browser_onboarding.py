"""Enterprise self-registration in the browser (issue 19 §1): from the sign-in page's 企业注册
link, the registry check, the code read from the e-mail sent, the password, and the enterprise
portal; then a registration that waits for the city's review and is approved there.
Screenshots in test-artifacts/onboarding/."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache

from innopoints.accounts.models import Profile, Role
from innopoints.onboarding.models import DivisionPolicy, Registration
from innopoints.registry.models import Enterprise, Region
from tests.conftest import codes
from tests.platform.test_browser import ARTIFACTS, _sign_in, browser  # noqa: F401

SHOTS = ARTIFACTS / "onboarding"
PASSWORD = "Tianfu-Register-2026"


def _code(to: str) -> str:
    sent = [m for m in mail.outbox if m.to == [to]]
    assert sent, [m.to for m in mail.outbox]
    found = re.search(r"验证码：(\d{6})", sent[-1].body)
    assert found, sent[-1].body
    return found.group(1)


def _register(page: Any, live_server: Any, firm: Enterprise, email: str, name: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("#register-link")
    page.wait_for_selector("#register-form")
    page.fill("#id_credit_code", firm.credit_code)
    page.fill("#id_legal_representative", name)
    page.fill("#id_email", email)
    page.fill("#id_mobile", "+86 138 0013 8000")
    page.click("#register-form input[type=submit]")


def test_an_enterprise_registers_itself_and_lands_on_its_portal(
    browser: Any,  # noqa: F811
    live_server: Any,
    reference_data: None,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    cache.clear()
    mail.outbox = []
    firm = Enterprise.objects.create(
        credit_code=codes(4)[0],
        name="天府量子科技有限公司",
        legal_representative="阿卜杜·热合曼",
        region_id="510107",
    )
    page = browser.new_page(locale="zh-CN")
    # a wrong name: the one answer, nothing of the record shown
    _register(page, live_server, firm, "cfo@tianfu.example", "张三")
    page.wait_for_selector(".errornote")
    assert "不一致" in page.text_content(".errornote")
    assert "阿卜杜" not in page.content() and "天府量子" not in page.content()
    page.screenshot(path=str(SHOTS / "mismatch.png"), full_page=True)
    assert not mail.outbox
    # the right one, typed with another middle dot
    _register(page, live_server, firm, "cfo@tianfu.example", "阿卜杜・热合曼")
    page.wait_for_selector("#verify-form")
    assert "cfo@tianfu.example" in page.text_content("main")
    page.screenshot(path=str(SHOTS / "verify.png"), full_page=True)
    page.fill("#id_code", _code("cfo@tianfu.example"))
    page.click("#verify-form input[type=submit]")
    page.wait_for_selector("#password-form")
    assert "天府量子科技有限公司" in page.text_content("main")
    page.fill("#id_new_password1", PASSWORD)
    page.fill("#id_new_password2", PASSWORD)
    page.screenshot(path=str(SHOTS / "password.png"), full_page=True)
    page.click("#password-form input[type=submit]")
    page.wait_for_url(f"{live_server.url}/ent/")
    assert "账户已开通" in page.content()
    page.screenshot(path=str(SHOTS / "enterprise-home.png"), full_page=True)
    user = get_user_model().objects.get(username="cfo@tianfu.example")
    assert (user.profile.role, user.profile.enterprise_id) == (Role.ENTERPRISE, firm.pk)
    page.close()

    # the city asks for review: the next registration of an enterprise there waits for it
    chengdu = get_user_model().objects.create_user("chengdu", "c@example.invalid", "Chengdu-2026")
    Profile.objects.create(
        user=chengdu, role=Role.GOVERNMENT, region=Region.objects.get(code="510100")
    )
    other = Enterprise.objects.create(
        credit_code=codes(4)[1],
        name="锦江光电有限公司",
        legal_representative="李雷",
        region_id="510104",
    )
    gov = _sign_in(browser, live_server, "chengdu", "Chengdu-2026")
    gov.goto(f"{live_server.url}/register/settings/")
    assert gov.eval_on_selector("#id_region", "e => e.value") == "510100"  # its own first
    gov.check("#id_requires_approval")
    gov.click("#policy-form input[type=submit]")
    gov.wait_for_selector("#own-policy")
    assert "须审核" in gov.text_content("#own-policy")
    assert DivisionPolicy.objects.get(region_id="510100").requires_approval
    gov.screenshot(path=str(SHOTS / "settings.png"), full_page=True)

    page = browser.new_page(locale="zh-CN")
    _register(page, live_server, other, "boss@jinjiang.example", "李雷")
    page.wait_for_selector("#verify-form")
    page.fill("#id_code", _code("boss@jinjiang.example"))
    page.click("#verify-form input[type=submit]")
    page.wait_for_selector("#password-form")
    page.fill("#id_new_password1", PASSWORD)
    page.fill("#id_new_password2", PASSWORD)
    page.click("#password-form input[type=submit]")
    page.wait_for_selector("#registration-state")
    assert "待审核" in page.text_content("#registration-state")
    page.screenshot(path=str(SHOTS / "submitted.png"), full_page=True)

    gov.goto(f"{live_server.url}/register/review/")
    gov.click("text=锦江光电有限公司")
    gov.wait_for_selector("#approve-form")
    gov.screenshot(path=str(SHOTS / "review.png"), full_page=True)
    gov.click("#approve-form input[type=submit]")
    gov.wait_for_url(f"{live_server.url}/register/review/")
    assert Registration.objects.get(email="boss@jinjiang.example").status == "opened"
    assert any("通过审核" in m.subject for m in mail.outbox if m.to == ["boss@jinjiang.example"])
    gov.close()
    # the approved enterprise signs in with the password it chose
    signed_in = _sign_in(browser, live_server, "boss@jinjiang.example", PASSWORD)
    signed_in.wait_for_url(f"{live_server.url}/ent/")
    signed_in.close()
    page.close()
