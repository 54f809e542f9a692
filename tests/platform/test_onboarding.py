"""Enterprise self-registration (issue 19 §1): the registry check with one answer for every
mismatch, the e-mailed code (hashed, expiring, limited tries), rate limits, review per division
and always for an enterprise that already has an account, e-mails and audit entries."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from innopoints.accounts.models import Profile, Role
from innopoints.audit.models import AuditEntry
from innopoints.onboarding import demo, flow
from innopoints.onboarding.matching import (
    names_match,
    normalise_code,
    normalise_mobile,
    normalise_name,
)
from innopoints.onboarding.models import DivisionPolicy, Registration, Status
from innopoints.registry.models import Enterprise, Region
from tests.conftest import codes

MISMATCH = "填写的信息与企业登记信息不一致，请核对统一社会信用代码和法定代表人姓名后重试"
PASSWORD = "Tianfu-Register-2026"


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    cache.clear()  # the rate-limit counters of earlier tests
    yield
    cache.clear()


@pytest.fixture
def firm(db: Any) -> Enterprise:
    """An enterprise of Wuhou district (Chengdu) whose legal representative is 阿卜杜·热合曼."""
    return Enterprise.objects.create(
        credit_code=codes(3)[0],
        name="天府量子科技有限公司",
        legal_representative="阿卜杜·热合曼",
        region_id="510107",
    )


def _government(name: str, region: str) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw-" + name)
    Profile.objects.create(user=user, role=Role.GOVERNMENT, region=Region.objects.get(code=region))
    return user


def _register(client: Client, firm: Enterprise, **changes: str) -> Any:
    data = {
        "credit_code": firm.credit_code,
        "legal_representative": firm.legal_representative,
        "email": "cfo@tianfu.example",
        "mobile": "138 0013 8000",
        **changes,
    }
    return client.post(reverse("onboarding:register"), data)


def _code_from_mail() -> str:
    found = re.search(r"验证码：(\d{6})", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found.group(1)


def _to_password(client: Client, firm: Enterprise, email: str = "cfo@tianfu.example") -> None:
    assert _register(client, firm, email=email)["Location"] == reverse("onboarding:verify")
    verified = client.post(reverse("onboarding:verify"), {"code": _code_from_mail()})
    assert verified["Location"] == reverse("onboarding:password")


def _choose(client: Client) -> Any:
    return client.post(
        reverse("onboarding:password"), {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )


# -- matching ------------------------------------------------------------------------------


def test_names_as_people_type_them() -> None:
    assert names_match("阿卜杜·热合曼", "阿卜杜·热合曼")
    # the Japanese-style middle dot, a half-width one, spaces and an ideographic space
    assert names_match("阿卜杜·热合曼", " 阿卜杜・热合曼 ")
    assert names_match("阿卜杜·热合曼", "阿卜杜\uff65热合曼")
    assert names_match("张 三", "张\u3000三")
    # full-width Latin letters and case
    assert names_match("Li Lei", "ＬＩ　ＬＥＩ")
    assert normalise_name("ＬＩ　Ｌｅｉ") == "lilei"
    assert not names_match("张三", "张三丰")
    assert not names_match("张三", "张")
    assert not names_match("", "")  # a record without a legal representative matches nothing
    assert normalise_code(" ９１５１０１００ＭＡ６ＣＧ ９Ｌ０ｘＸ ") == "91510100MA6CG9L0XX"
    assert normalise_code("915101-00MA6CG9L0XX") == "91510100MA6CG9L0XX"


def test_mainland_mobile_numbers() -> None:
    assert normalise_mobile("13800138000") == "13800138000"
    assert normalise_mobile("+86 138-0013-8000") == "13800138000"
    assert normalise_mobile("0086 19912345678") == "19912345678"
    assert normalise_mobile("１３８００１３８０００") == "13800138000"
    assert normalise_mobile("12800138000") is None  # 12x is no mobile prefix
    assert normalise_mobile("1380013800") is None  # ten digits
    assert normalise_mobile("138001380001") is None  # twelve
    assert normalise_mobile("028-85551234") is None  # a landline


# -- the public flow -----------------------------------------------------------------------


def test_registration_opens_the_account_bound_to_the_enterprise(firm: Enterprise) -> None:
    client = Client(REMOTE_ADDR="10.0.0.1")
    login = client.get(reverse("accounts:login")).content.decode()
    assert 'href="/register/"' in login and "企业注册" in login
    response = _register(client, firm, legal_representative=" 阿卜杜・热合曼 ")
    assert response.status_code == 302 and response["Location"] == reverse("onboarding:verify")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["cfo@tianfu.example"]
    code = _code_from_mail()
    registration = Registration.objects.get()
    # the code is kept only as a salted HMAC; the mobile number as digits
    assert code not in registration.secret_code_hash and "$" in registration.secret_code_hash
    assert registration.mobile == "13800138000" and registration.status == Status.CODE_SENT
    assert registration.code_expires_at - timezone.now() <= dt.timedelta(minutes=15)
    assert registration.code_expires_at - timezone.now() > dt.timedelta(minutes=14)
    page = client.get(reverse("onboarding:verify")).content.decode()
    assert "cfo@tianfu.example" in page
    assert client.post(reverse("onboarding:verify"), {"code": code})["Location"] == reverse(
        "onboarding:password"
    )
    assert "天府量子科技有限公司" in client.get(reverse("onboarding:password")).content.decode()
    opened = _choose(client)
    assert opened["Location"] == reverse("portals:ent_home")
    user = get_user_model().objects.get(username="cfo@tianfu.example")
    assert user.check_password(PASSWORD)
    assert (user.profile.role, user.profile.enterprise) == (Role.ENTERPRISE, firm)
    registration.refresh_from_db()
    assert (registration.status, registration.user, registration.needs_review) == (
        Status.OPENED,
        user,
        False,
    )
    assert registration.password == "" and registration.secret_code_hash == ""
    home = client.get(reverse("portals:ent_home"))  # signed in as the new account
    assert home.status_code == 200
    summaries = list(
        AuditEntry.objects.filter(object_type="onboarding.registration", action="other")
        .order_by("pk")
        .values_list("summary", flat=True)
    )
    assert summaries == [
        "企业自助注册：信息核验一致，已发送邮箱验证码",
        "企业自助注册：账户已开通（无需审核）",
    ]


def test_a_mismatch_gives_one_answer_and_reveals_nothing(firm: Enterprise) -> None:
    client = Client(REMOTE_ADDR="10.0.0.2")
    unknown = _register(client, firm, credit_code=codes(5)[4], legal_representative="王五")
    wrong_name = _register(client, firm, legal_representative="张三")
    empty_record = Enterprise.objects.create(
        credit_code=codes(5)[3], name="无登记法人公司", region_id="510107"
    )
    no_record = _register(client, empty_record, legal_representative="张三")
    for response in (unknown, wrong_name, no_record):
        assert response.status_code == 200
        page = response.content.decode()
        assert MISMATCH in page
        for secret in ("天府量子", "阿卜杜", "热合曼", "无登记法人公司"):
            assert secret not in page
    # one and the same answer: the error boxes are identical
    boxes = [
        re.search(r'<div class="alert alert-danger errornote"[^>]*>(.*?)</div>', r.content.decode())
        for r in (unknown, wrong_name, no_record)
    ]
    assert all(boxes) and len({b.group(1) for b in boxes if b}) == 1
    assert not mail.outbox and not Registration.objects.exists()
    logged = AuditEntry.objects.filter(summary="企业自助注册：信息与登记不一致")
    assert logged.count() == 3


def test_bad_input_is_named_by_its_field(firm: Enterprise) -> None:
    client = Client(REMOTE_ADDR="10.0.0.3")
    page = _register(
        client, firm, credit_code="91510100MA6CG9L0X1", mobile="12345", email="x"
    ).content.decode()
    assert "请填写 11 位中国大陆手机号码" in page
    assert MISMATCH not in page and not mail.outbox
    invited = get_user_model().objects.create_user("taken@tianfu.example", "taken@tianfu.example")
    assert invited.pk
    taken = _register(client, firm, email="Taken@Tianfu.example").content.decode()
    assert "此邮箱已有账户" in taken and not mail.outbox
    # the same answer with a wrong name: a taken address tells nothing about the registry
    wrong = _register(client, firm, email="taken@tianfu.example", legal_representative="张三")
    assert "此邮箱已有账户" in wrong.content.decode()
    assert MISMATCH not in wrong.content.decode()


def test_the_code_expires(firm: Enterprise) -> None:
    client = Client(REMOTE_ADDR="10.0.0.4")
    _register(client, firm)
    code = _code_from_mail()
    Registration.objects.update(code_expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = client.post(reverse("onboarding:verify"), {"code": code}, follow=True)
    assert expired.redirect_chain[-1][0] == reverse("onboarding:register")
    assert "验证码已过期，请重新填写" in expired.content.decode()
    assert Registration.objects.get().status == Status.VOID
    assert not get_user_model().objects.filter(email="cfo@tianfu.example").exists()


def test_wrong_codes_are_counted_and_the_fifth_voids(firm: Enterprise) -> None:
    client = Client(REMOTE_ADDR="10.0.0.5")
    _register(client, firm)
    code = _code_from_mail()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        page = client.post(reverse("onboarding:verify"), {"code": wrong}).content.decode()
        assert f"验证码不正确，还可以再试 {left} 次" in page
    locked = client.post(reverse("onboarding:verify"), {"code": wrong}, follow=True)
    assert "验证码错误次数过多，请重新填写" in locked.content.decode()
    registration = Registration.objects.get()
    assert (registration.status, registration.attempts) == (Status.VOID, 5)
    # the right code no longer helps
    assert flow.verify(registration.pk, code) == (flow.Verified.LOCKED, 0)


def test_rate_limit_per_address(firm: Enterprise, settings: Any) -> None:
    settings.INNOPOINTS_REGISTRATION_LIMIT_PER_ADDRESS = 3
    client = Client(REMOTE_ADDR="10.0.0.6")
    many = codes(8)
    for code in many[:3]:
        assert MISMATCH in _register(client, firm, credit_code=code).content.decode()
    refused = _register(client, firm).content.decode()  # the right details, too late
    assert re.search(r"尝试次数过多，请在 \d+ 分钟后再试", refused)
    assert MISMATCH not in refused and not mail.outbox
    # another address is not held up
    assert _register(Client(REMOTE_ADDR="10.0.0.7"), firm).status_code == 302


def test_rate_limit_per_credit_code(firm: Enterprise, settings: Any) -> None:
    settings.INNOPOINTS_REGISTRATION_LIMIT_PER_CODE = 2
    for n, name in enumerate(("张三", "李四")):
        page = _register(Client(REMOTE_ADDR=f"10.1.0.{n}"), firm, legal_representative=name)
        assert MISMATCH in page.content.decode()
    # a third address, the right name: the code has had its tries this hour
    refused = _register(Client(REMOTE_ADDR="10.1.0.9"), firm).content.decode()
    assert "尝试次数过多" in refused and not mail.outbox
    # written another way (full-width, spaced), it is still the same credit code
    spaced = " ".join(firm.credit_code.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}))
    again = _register(Client(REMOTE_ADDR="10.1.0.10"), firm, credit_code=spaced)
    assert "尝试次数过多" in again.content.decode()


# -- review ----------------------------------------------------------------------------------


def test_an_enterprise_with_an_account_always_goes_to_review(firm: Enterprise) -> None:
    owner = get_user_model().objects.create_user("first@tianfu.example", "first@tianfu.example")
    Profile.objects.create(user=owner, role=Role.ENTERPRISE, enterprise=firm)
    assert not flow.requires_approval(firm.region)  # no division asks for review
    client = Client(REMOTE_ADDR="10.0.1.1")
    _to_password(client, firm)
    assert _choose(client)["Location"] == reverse("onboarding:submitted")
    registration = Registration.objects.get()
    assert (registration.status, registration.existing_owner) == (Status.PENDING, True)
    assert registration.password.startswith("pbkdf2_") or "$" in registration.password
    assert not get_user_model().objects.filter(username="cfo@tianfu.example").exists()
    assert "待审核" in client.get(reverse("onboarding:submitted")).content.decode()
    chengdu = Client()
    chengdu.force_login(_government("chengdu", "510100"))
    listed = chengdu.get(reverse("onboarding:review_list")).content.decode()
    assert "天府量子科技有限公司" in listed
    detail = chengdu.get(reverse("onboarding:review", args=[registration.pk])).content.decode()
    assert 'id="existing-owner"' in detail and "first@tianfu.example" in detail


def test_two_registrations_of_one_enterprise_cannot_both_open(firm: Enterprise) -> None:
    """Both pass the code before either chooses a password: the second finds the account the
    first opened, and waits for review."""
    first, second = Client(REMOTE_ADDR="10.0.2.1"), Client(REMOTE_ADDR="10.0.2.2")
    _to_password(first, firm, "a@tianfu.example")
    _to_password(second, firm, "b@tianfu.example")
    assert _choose(first)["Location"] == reverse("portals:ent_home")
    assert _choose(second)["Location"] == reverse("onboarding:submitted")
    later = Registration.objects.get(email="b@tianfu.example")
    assert (later.status, later.existing_owner) == (Status.PENDING, True)


def test_division_review_approve_and_refuse(firm: Enterprise) -> None:
    chengdu_user = _government("chengdu", "510100")
    chengdu = Client()
    chengdu.force_login(chengdu_user)
    # the city asks for review; a district below it follows the city
    page = chengdu.get(reverse("onboarding:policies")).content.decode()
    assert "无需审核" in page
    saved = chengdu.post(
        reverse("onboarding:policies"), {"region": "510100", "requires_approval": "on"}
    )
    assert saved.status_code == 302
    assert DivisionPolicy.objects.get(region_id="510100").updated_by == chengdu_user
    assert flow.requires_approval(Region.objects.get(code="510107"))
    assert not flow.requires_approval(Region.objects.get(code="510300"))  # Zigong
    # the city cannot set the province's
    refused = chengdu.post(reverse("onboarding:policies"), {"region": "510000"})
    assert refused.status_code == 200 and not DivisionPolicy.objects.filter(region_id="510000")

    applicant = Client(REMOTE_ADDR="10.0.3.1")
    _to_password(applicant, firm, "a@tianfu.example")
    assert _choose(applicant)["Location"] == reverse("onboarding:submitted")
    pending = Registration.objects.get(email="a@tianfu.example")
    assert (pending.status, pending.existing_owner, pending.needs_review) == (
        Status.PENDING,
        False,
        True,
    )
    assert "提交审核" in mail.outbox[-1].subject

    # another city's user neither sees nor decides it
    zigong = Client()
    zigong.force_login(_government("zigong", "510300"))
    assert "天府量子" not in zigong.get(reverse("onboarding:review_list")).content.decode()
    assert zigong.get(reverse("onboarding:review", args=[pending.pk])).status_code == 403
    assert (
        zigong.post(reverse("onboarding:review", args=[pending.pk]), {"decision": "approve"})
    ).status_code == 403
    # an enterprise user neither
    enterprise_user = get_user_model().objects.create_user("other-owner", "o@example.invalid")
    other = Enterprise.objects.create(credit_code=codes(6)[5], name="乙公司", region_id="510107")
    Profile.objects.create(user=enterprise_user, role=Role.ENTERPRISE, enterprise=other)
    outsider = Client()
    outsider.force_login(enterprise_user)
    assert outsider.get(reverse("onboarding:review_list")).status_code == 403
    assert outsider.get(reverse("onboarding:policies")).status_code == 403

    # refusing needs a reason; then the applicant is told why
    url = reverse("onboarding:review", args=[pending.pk])
    assert "不予通过的理由" in chengdu.post(url, {"decision": "refuse"}).content.decode()
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    assert (
        chengdu.post(url, {"decision": "refuse", "reason": "联系人非本企业员工"}).status_code == 302
    )
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.password) == (
        Status.REFUSED,
        chengdu_user,
        "",
    )
    assert mail.outbox[-1].to == ["a@tianfu.example"]
    assert "联系人非本企业员工" in mail.outbox[-1].body and "未通过" in mail.outbox[-1].subject
    assert not get_user_model().objects.filter(username="a@tianfu.example").exists()
    # decided once: a second decision is refused
    again = chengdu.post(url, {"decision": "approve"}, follow=True)
    assert "该申请已处理" in again.content.decode()

    # a second applicant is approved: the account opens with the password chosen
    applicant = Client(REMOTE_ADDR="10.0.3.2")
    _to_password(applicant, firm, "b@tianfu.example")
    _choose(applicant)
    second = Registration.objects.get(email="b@tianfu.example")
    approved = chengdu.post(reverse("onboarding:review", args=[second.pk]), {"decision": "approve"})
    assert approved.status_code == 302
    second.refresh_from_db()
    assert second.status == Status.OPENED and second.user is not None
    assert second.user.profile.enterprise == firm and second.password == ""
    assert "通过审核" in mail.outbox[-1].subject and mail.outbox[-1].to == ["b@tianfu.example"]
    signed_in = Client()
    assert signed_in.post(
        reverse("accounts:login"), {"username": "b@tianfu.example", "password": PASSWORD}
    )["Location"] in ("/", reverse("portals:home"))
    assert signed_in.get(reverse("portals:ent_home")).status_code == 200
    summaries = set(AuditEntry.objects.values_list("summary", flat=True))
    assert "不予通过企业自助注册：联系人非本企业员工" in summaries
    assert "批准企业自助注册，账户已开通" in summaries
    decided = AuditEntry.objects.filter(summary="批准企业自助注册，账户已开通").get()
    assert decided.actor_name == "chengdu"


def test_the_demo_shows_a_registration_waiting_for_review(db: Any) -> None:
    admin = get_user_model().objects.create_superuser("admin", "a@example.invalid", "pw")
    many = codes(12)
    for n, region in enumerate(("510703", "510704", "510107", "510104")):
        Enterprise.objects.create(credit_code=many[n], name=f"示例企业{n}", region_id=region)
    visitors = demo.build(admin)
    assert DivisionPolicy.objects.get(region_id="510700").requires_approval
    waiting = Registration.objects.get()
    assert (waiting.status, waiting.enterprise.credit_code) == (Status.PENDING, many[0])
    assert waiting.enterprise.legal_representative == "王建国"
    assert [(code, division) for code, _name, division in visitors] == [
        (many[3], "锦江区"),
        (many[1], "游仙区"),
    ]
    # a visitor registers the Chengdu one with the printed name: it opens at once
    code, name, _division = visitors[0]
    client = Client(REMOTE_ADDR="10.0.9.1")
    assert _register(client, Enterprise.objects.get(credit_code=code), legal_representative=name)[
        "Location"
    ] == reverse("onboarding:verify")
    assert (
        demo.build(admin) == visitors
        and Registration.objects.filter(status=Status.PENDING).count() == 1
    )
