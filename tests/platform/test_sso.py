"""Single sign-on through OpenID Connect against a real provider (innopoints.ops.oidc_provider,
Authlib) started on localhost: the platform's client (mozilla-django-oidc) discovers its
endpoints over HTTP, the browser's part (the provider's sign-in form) is played by ``requests``,
the platform's part by Django's test client; the code exchange, the JWKS, the RS256 signature
and the userinfo call are real HTTP between the platform and the provider."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from joserfc.jwk import RSAKey

from innopoints.accounts.models import Profile, Role
from innopoints.accounts.sso_settings import BACKEND, oidc_settings
from innopoints.audit.models import AuditEntry
from innopoints.ops.oidc_provider import OIDCProvider
from innopoints.registry.models import Enterprise, Institution, Region
from tests.conftest import codes

CLIENT_ID, SECRET = "innopoints-test", "s3cret-for-the-tests"
CALLBACK = "http://testserver/accounts/sso/callback/"  # the same in every language
CODES = codes(4, region="510107")


@pytest.fixture(scope="module")
def provider() -> Iterator[OIDCProvider]:
    started = OIDCProvider().start()
    started.add_client(CLIENT_ID, SECRET, [CALLBACK])
    started.add_identity("zhang", "pw-zhang", staff_id="GOV-0001", name="张科长")
    started.add_identity("li", "pw-li", staff_id="BANK-0042", name="李经理")
    started.add_identity("stranger", "pw-stranger", staff_id="GOV-9999", name="陌生人")
    started.add_identity("ent-a", "pw-a", credit_code=CODES[0], email="a@example.invalid")
    started.add_identity("ent-a2", "pw-a2", credit_code=CODES[0], email="a2@example.invalid")
    started.add_identity("ent-b", "pw-b", credit_code=CODES[1].lower(), name="王总")
    started.add_identity("ent-unknown", "pw-u", credit_code=CODES[3])
    started.add_identity("nobody", "pw-n", name="没有任何标识")
    yield started
    started.stop()


def configured(provider: OIDCProvider, **environ: str) -> override_settings:
    """The settings an installation gets from its environment: only issuer, client id and
    secret, so the endpoints come from the provider's discovery document."""
    values = oidc_settings(
        {
            "INNOPOINTS_OIDC_ISSUER": provider.issuer,
            "INNOPOINTS_OIDC_CLIENT_ID": CLIENT_ID,
            "INNOPOINTS_OIDC_CLIENT_SECRET": SECRET,
            **environ,
        }
    )
    return override_settings(
        **values, AUTHENTICATION_BACKENDS=[*settings.AUTHENTICATION_BACKENDS, BACKEND]
    )


@pytest.fixture
def sso(provider: OIDCProvider) -> Iterator[OIDCProvider]:
    with configured(provider):
        yield provider


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    chengdu = Region.objects.get(code="510100")
    a = Enterprise.objects.create(credit_code=CODES[0], name="成都甲科技有限公司", region=chengdu)
    b = Enterprise.objects.create(credit_code=CODES[1], name="成都乙科技有限公司", region=chengdu)
    bank = Institution.objects.create(name="示例银行成都分行", kind="bank")
    users = get_user_model().objects
    official = users.create_user("chengdu-official", "o@example.invalid", "pw-official")
    Profile.objects.create(user=official, role=Role.GOVERNMENT, region=chengdu, staff_id="GOV-0001")
    banker = users.create_user("banker", "bk@example.invalid", "pw-banker")
    Profile.objects.create(
        user=banker, role=Role.INSTITUTION, institution=bank, staff_id="BANK-0042"
    )
    invited = users.create_user("b-owner", "owner@example.invalid", "pw-owner")
    Profile.objects.create(user=invited, role=Role.ENTERPRISE, enterprise=b)
    return {
        "chengdu": chengdu,
        "a": a,
        "b": b,
        "official": official,
        "banker": banker,
        "invited": invited,
        "bank": bank,
    }


def sign_in(
    client: Client,
    provider: OIDCProvider,
    username: str,
    password: str,
    language: str = "",
    **query: str,
) -> Any:
    """Start at the platform, sign in on the provider's form, come back, follow to the end."""
    started = client.get(
        reverse("sso:start"), {**query, **({"language": language} if language else {})}
    )
    assert started.status_code == 302
    authorize = started["Location"]
    assert authorize.startswith(f"{provider.issuer}/authorize?"), authorize
    form = requests.get(authorize, timeout=10)
    assert form.status_code == 200 and "统一身份认证" in form.text
    answer = requests.post(
        authorize,
        data={"username": username, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    back = answer.headers["Location"]
    assert back.startswith(CALLBACK), back
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}", follow=True)


def signed_in(client: Client) -> Any:
    return get_user_model().objects.filter(pk=client.session.get("_auth_user_id")).first()


def test_staff_identity_signs_in_as_the_government_user_of_its_division(
    sso: OIDCProvider, world: dict[str, Any]
) -> None:
    client = Client()
    page = sign_in(client, sso, "zhang", "pw-zhang")
    assert signed_in(client) == world["official"]
    assert page.status_code == 200
    assert page.redirect_chain[-1][0] == reverse("portals:gov_home")
    assert world["official"].profile.region.name in page.content.decode()


def test_staff_identity_of_a_bank_lands_on_the_finance_portal(
    sso: OIDCProvider, world: dict[str, Any]
) -> None:
    client = Client()
    page = sign_in(client, sso, "li", "pw-li")
    assert signed_in(client) == world["banker"]
    assert page.redirect_chain[-1][0] == reverse("portals:fin_home")


def test_enterprise_identity_without_account_gets_one_bound_to_its_enterprise(
    sso: OIDCProvider, world: dict[str, Any]
) -> None:
    client = Client()
    page = sign_in(client, sso, "ent-a", "pw-a")
    user = signed_in(client)
    assert user is not None and user.username == CODES[0]
    assert user.email == "a@example.invalid" and not user.has_usable_password()
    assert not user.is_staff and not user.is_superuser
    profile = user.profile
    assert (profile.role, profile.enterprise, profile.sso_subject) == (
        Role.ENTERPRISE,
        world["a"],
        "ent-a",
    )
    assert page.redirect_chain[-1][0] == reverse("portals:ent_home")
    assert "成都甲科技有限公司" in page.content.decode()
    created = AuditEntry.objects.filter(
        action="create", object_type="accounts.profile", object_id=str(profile.pk)
    )
    assert created.count() == 1
    logins = AuditEntry.objects.filter(action="login", actor=user)
    assert list(logins.values_list("summary", flat=True)) == ["登录（统一身份认证）"]

    # the next sign-in is the same account, not a new one
    again = Client()
    sign_in(again, sso, "ent-a", "pw-a")
    assert signed_in(again) == user
    # another identity of the same enterprise: it has an owner now, so no second account
    # without government review (as for self-registration)
    other = Client()
    refused = sign_in(other, sso, "ent-a2", "pw-a2")
    assert refused.status_code == 403 and signed_in(other) is None
    assert "平台不为已有账户的企业另开账户" in refused.content.decode()
    assert Profile.objects.filter(enterprise=world["a"]).count() == 1


def test_enterprise_identity_takes_the_enterprise_s_only_account(
    sso: OIDCProvider, world: dict[str, Any]
) -> None:
    client = Client()
    sign_in(client, sso, "ent-b", "pw-b")  # its claim in lower case: codes are read upper case
    assert signed_in(client) == world["invited"]
    world["invited"].profile.refresh_from_db()
    assert world["invited"].profile.sso_subject == "ent-b"
    assert Profile.objects.filter(enterprise=world["b"]).count() == 1


def test_no_account_is_made_when_the_installation_says_so(
    provider: OIDCProvider, world: dict[str, Any]
) -> None:
    with configured(provider, INNOPOINTS_OIDC_CREATE_ENTERPRISE_ACCOUNTS="0"):
        client = Client()
        page = sign_in(client, provider, "ent-a", "pw-a")
    assert page.status_code == 403 and signed_in(client) is None
    assert "本平台未开启通过统一身份认证开通账户" in page.content.decode()
    assert not Profile.objects.filter(enterprise=world["a"]).exists()


@pytest.mark.parametrize(
    ("username", "password", "reason", "shown"),
    [
        ("stranger", "pw-stranger", "没有与此工号对应的政府或金融机构账户", "GOV-9999"),
        ("ent-unknown", "pw-u", "此统一社会信用代码不在平台的企业名录中", CODES[3]),
        ("nobody", "pw-n", "没有提供工号或统一社会信用代码", ""),
    ],
)
def test_unknown_identity_is_refused_with_a_page_that_says_why(
    sso: OIDCProvider,
    world: dict[str, Any],
    username: str,
    password: str,
    reason: str,
    shown: str,
) -> None:
    users_before = get_user_model().objects.count()
    client = Client()
    page = sign_in(client, sso, username, password)
    assert page.status_code == 403
    text = page.content.decode()
    assert reason in text and shown in text
    assert 'id="sso-refusal"' in text and "返回登录" in text  # the site's frame, a way back
    assert signed_in(client) is None
    assert get_user_model().objects.count() == users_before
    failed = AuditEntry.objects.filter(action="login_failed")
    assert list(failed.values_list("summary", flat=True)) == [
        "登录失败：统一身份认证的身份未被接受"
    ]


def test_refusal_in_english(sso: OIDCProvider, world: dict[str, Any]) -> None:
    client = Client()
    with translation.override("en"):
        english_login, english_home = reverse("accounts:login"), reverse("portals:gov_home")
    assert english_login.startswith("/en/")
    login = client.get(english_login).content.decode()
    assert "Sign in with the unified identity service" in login
    assert f'href="{reverse("sso:start")}?language=en"' in login
    page = sign_in(client, sso, "stranger", "pw-stranger", language="en")
    assert page.status_code == 403
    text = page.content.decode()
    assert "No government or financial institution account has this staff id" in text
    assert "没有与此工号" not in text
    # and a staff identity that is known lands on the English portal
    welcome = sign_in(Client(), sso, "zhang", "pw-zhang", language="en")
    assert welcome.redirect_chain[-1][0] == english_home


def test_an_inactive_account_is_refused(sso: OIDCProvider, world: dict[str, Any]) -> None:
    world["official"].is_active = False
    world["official"].save()
    client = Client()
    page = sign_in(client, sso, "zhang", "pw-zhang")
    assert page.status_code == 403 and signed_in(client) is None
    assert "对应的账户已停用" in page.content.decode()


def test_denied_at_the_provider(sso: OIDCProvider, world: dict[str, Any]) -> None:
    client = Client()
    authorize = client.get(reverse("sso:start"))["Location"]
    answer = requests.post(authorize, data={"deny": "1"}, allow_redirects=False, timeout=10)
    assert "error=access_denied" in answer.headers["Location"]
    parts = urlsplit(answer.headers["Location"])
    page = client.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 403 and signed_in(client) is None
    assert "统一身份认证未能完成登录" in page.content.decode()


def test_a_token_signed_by_another_key_is_refused(
    provider: OIDCProvider, world: dict[str, Any]
) -> None:
    """The id token must verify against the provider's JWKS: here the JWKS the platform reads
    holds a key with the same id but other numbers."""
    impostor = OIDCProvider()
    impostor.key = RSAKey.generate_key(
        2048, parameters={"use": "sig", "alg": "RS256", "kid": provider.key.kid}
    )
    impostor.start()
    try:
        with configured(provider, INNOPOINTS_OIDC_JWKS_ENDPOINT=f"{impostor.issuer}/jwks"):
            client = Client()
            page = sign_in(client, provider, "zhang", "pw-zhang")
        assert page.status_code == 403 and signed_in(client) is None
        assert "统一身份认证未能完成登录" in page.content.decode()
    finally:
        impostor.stop()


def test_a_wrong_client_secret_is_refused(provider: OIDCProvider, world: dict[str, Any]) -> None:
    with configured(provider, INNOPOINTS_OIDC_CLIENT_SECRET="not-the-secret"):
        client = Client()
        page = sign_in(client, provider, "zhang", "pw-zhang")
    assert page.status_code == 403 and signed_in(client) is None


def test_local_sign_in_still_works_beside_single_sign_on(
    sso: OIDCProvider, world: dict[str, Any]
) -> None:
    client = Client()
    login = client.get(reverse("accounts:login"))
    assert "通过统一身份认证登录" in login.content.decode()
    page = client.post(
        reverse("accounts:login"),
        {"username": "chengdu-official", "password": "pw-official"},
        follow=True,
    )
    assert signed_in(client) == world["official"]
    assert page.redirect_chain[-1][0] == reverse("portals:gov_home")
    login_entry = AuditEntry.objects.get(action="login", actor=world["official"])
    assert login_entry.summary == "登录"


def test_without_the_variables_nothing_changes(world: dict[str, Any]) -> None:
    assert oidc_settings({}) == {"INNOPOINTS_OIDC_ENABLED": False}
    assert oidc_settings({"INNOPOINTS_OIDC_ISSUER": "https://id.example"}) == {
        "INNOPOINTS_OIDC_ENABLED": False
    }
    assert BACKEND not in settings.AUTHENTICATION_BACKENDS
    client = Client()
    login = client.get(reverse("accounts:login"))
    assert login.status_code == 200
    assert "通过统一身份认证登录" not in login.content.decode()
    assert client.get(reverse("sso:start")).status_code == 404
    assert client.get(reverse("sso:callback")).status_code == 404
    client.post(reverse("accounts:login"), {"username": "banker", "password": "pw-banker"})
    assert signed_in(client) == world["banker"]


def test_explicit_endpoints_win_over_discovery() -> None:
    values = oidc_settings(
        {
            "INNOPOINTS_OIDC_ISSUER": "https://id.example/",
            "INNOPOINTS_OIDC_CLIENT_ID": "x",
            "INNOPOINTS_OIDC_AUTHORIZATION_ENDPOINT": "https://id.example/a",
            "INNOPOINTS_OIDC_TOKEN_ENDPOINT": "https://id.example/t",
            "INNOPOINTS_OIDC_USERINFO_ENDPOINT": "https://id.example/u",
            "INNOPOINTS_OIDC_JWKS_ENDPOINT": "https://id.example/k",
            "INNOPOINTS_OIDC_STAFF_ID_CLAIM": "employee_number",
        }
    )
    assert values["INNOPOINTS_OIDC_ISSUER"] == "https://id.example"
    assert [
        values[k]
        for k in (
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
        )
    ] == [
        "https://id.example/a",
        "https://id.example/t",
        "https://id.example/u",
        "https://id.example/k",
    ]
    assert values["INNOPOINTS_OIDC_STAFF_ID_CLAIM"] == "employee_number"
    assert values["OIDC_RP_SIGN_ALGO"] == "RS256"


def test_a_staff_id_belongs_to_one_account(world: dict[str, Any]) -> None:
    from django.core.exceptions import ValidationError  # noqa: PLC0415

    users = get_user_model().objects
    other = users.create_user("other-official", "x@example.invalid", "pw")
    profile = Profile(
        user=other, role=Role.GOVERNMENT, region=world["chengdu"], staff_id="GOV-0001"
    )
    with pytest.raises(ValidationError, match="此工号已登记给另一个账户"):
        profile.full_clean()
    owner = Profile(user=other, role=Role.ENTERPRISE, enterprise=world["a"], staff_id="E-1")
    with pytest.raises(ValidationError, match="只有政府用户和金融机构用户登记工号"):
        owner.full_clean()


def test_the_platform_admin_registers_a_staff_id(world: dict[str, Any], admin_user: Any) -> None:
    client = Client()
    client.force_login(admin_user)
    profile = world["banker"].profile
    url = reverse("admin:accounts_profile_change", args=[profile.pk])
    page = client.get(url)
    assert page.status_code == 200 and "工号" in page.content.decode()
    assert (
        client.get(reverse("admin:accounts_profile_changelist") + "?q=BANK-0042").status_code == 200
    )
    saved = client.post(url, {"staff_id": " BANK-0100 ", "sso_subject": "", "_save": "1"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    profile.refresh_from_db()
    assert profile.staff_id == "BANK-0100"
    assert profile.role == Role.INSTITUTION and profile.institution == world["bank"]
    entry = AuditEntry.objects.filter(object_type="accounts.profile", object_id=str(profile.pk))
    assert entry.filter(action="permission").count() == 1
    # another account's staff id is refused, naming why
    taken = client.post(url, {"staff_id": "GOV-0001", "sso_subject": "", "_save": "1"})
    assert taken.status_code == 200 and "此工号已登记给另一个账户" in taken.content.decode()


def test_an_institution_user_invited_with_a_staff_id_signs_in_through_the_provider(
    sso: OIDCProvider, world: dict[str, Any], admin_user: Any
) -> None:
    admin = Client()
    admin.force_login(admin_user)
    url = reverse("accounts:invite_institution_user")
    form = {"institution": world["bank"].pk, "email": "new@example.invalid"}
    taken = admin.post(url, {**form, "staff_id": "BANK-0042"})
    assert taken.status_code == 200 and "此工号已登记给另一个账户" in taken.content.decode()
    assert admin.post(url, {**form, "staff_id": " BANK-0777 "}).status_code == 302
    invited = get_user_model().objects.get(email="new@example.invalid")
    assert invited.profile.staff_id == "BANK-0777" and not invited.has_usable_password()
    sso.add_identity("zhao", "pw-zhao", staff_id="BANK-0777")
    client = Client()
    page = sign_in(client, sso, "zhao", "pw-zhao")
    assert signed_in(client) == invited
    assert page.redirect_chain[-1][0] == reverse("portals:fin_home")


def test_an_agent_of_two_enterprises_has_an_account_for_each(
    sso: OIDCProvider, world: dict[str, Any]
) -> None:
    agent = sso.add_identity("agent", "pw-agent", credit_code=CODES[0])
    try:
        first = Client()
        sign_in(first, sso, "agent", "pw-agent")
        for_a = signed_in(first)
        assert for_a.profile.enterprise == world["a"] and for_a.profile.sso_subject == "agent"
        agent.claims["credit_code"] = CODES[1]  # the same person, now for the other enterprise
        second = Client()
        sign_in(second, sso, "agent", "pw-agent")
        assert signed_in(second) == world["invited"]  # enterprise b's only account, now linked
        assert Profile.objects.filter(sso_subject="agent").count() == 2
    finally:
        del sso.identities["agent"]


def test_check_deploy_reads_the_provider(provider: OIDCProvider) -> None:
    from innopoints.ops.checks import single_sign_on  # noqa: PLC0415

    assert single_sign_on().ok and "not configured" in single_sign_on().detail
    with configured(provider):
        found = single_sign_on()
    assert found.ok and found.detail == f"{provider.issuer}: endpoints found, 1 signing key(s)"
    with configured(provider, INNOPOINTS_OIDC_ISSUER="http://127.0.0.1:9/nothing"):
        down = single_sign_on()
    assert not down.ok and "discovery failed" in down.detail
    with configured(provider, INNOPOINTS_OIDC_JWKS_ENDPOINT="http://id.example.invalid/jwks"):
        plain = single_sign_on()
    assert not plain.ok and plain.detail == "not over HTTPS: http://id.example.invalid/jwks"


def test_the_page_asked_for_is_where_the_sign_in_ends(
    sso: OIDCProvider, world: dict[str, Any]
) -> None:
    wanted = reverse("portals:gov_invite")
    page = sign_in(Client(), sso, "zhang", "pw-zhang", next=wanted)
    assert page.redirect_chain[0][0] == wanted and page.status_code == 200
    # another site is never a destination
    elsewhere = sign_in(Client(), sso, "zhang", "pw-zhang", next="https://evil.example/")
    assert elsewhere.redirect_chain[0][0] == reverse("portals:home")
