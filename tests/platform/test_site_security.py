"""The site shell: error pages in the site's frame, one log line for a refused request, the
Content-Security-Policy and its templates without inline script, no-store for signed-in pages,
and the sign-in throttle per address against password spraying."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from innopoints.accounts.models import Profile, Role
from innopoints.core import requestid
from innopoints.registry.models import Enterprise, Region
from innopoints.site import errors
from tests.conftest import codes

SRC = Path(__file__).resolve().parents[2] / "src" / "innopoints"


@pytest.fixture
def enterprise_user(db: Any, django_user_model: Any) -> Any:
    region = Region.objects.get(code="510107")
    company = Enterprise.objects.create(credit_code=codes(1)[0], name="甲", region=region)
    user = django_user_model.objects.create_user("ent", password="x")
    Profile.objects.create(user=user, role=Role.ENTERPRISE, enterprise=company)
    return user


# ---------------------------------------------------------------- error pages


@pytest.mark.parametrize(
    ("prefix", "title", "back"),
    [("", "无权访问", "返回首页"), ("/en", "Access denied", "Back to the home page")],
)
def test_403_keeps_the_frame_says_what_happened_and_leads_back(
    enterprise_user: Any, client: Client, prefix: str, title: str, back: str
) -> None:
    client.force_login(enterprise_user)
    response = client.get(prefix + "/ops/jobs/")
    assert response.status_code == 403
    page = response.content.decode()
    assert f"<h1>{title}</h1>" in page
    assert 'id="site-name"' in page and 'class="portal-who">ent ·' in page  # frame and user
    assert re.search(rf'<a href="{prefix}/"[^>]*>{back}</a>', page)


@pytest.mark.parametrize(
    ("prefix", "title", "back"),
    [("", "页面不存在", "返回首页"), ("/en", "Page not found", "Back to the home page")],
)
def test_404_keeps_the_frame_says_what_happened_and_leads_back(
    db: Any, client: Client, prefix: str, title: str, back: str
) -> None:
    response = client.get(prefix + "/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert f"<h1>{title}</h1>" in page and 'id="site-name"' in page
    assert re.search(rf'<a href="{prefix}/"[^>]*>{back}</a>', page)


@pytest.mark.parametrize(
    ("prefix", "title", "back"),
    [("", "页面已过期", "返回首页"), ("/en", "This page has expired", "Back to the home page")],
)
def test_a_form_without_its_csrf_token_gets_the_framed_page(
    db: Any, prefix: str, title: str, back: str
) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(prefix + "/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    page = response.content.decode()
    assert f"<h1>{title}</h1>" in page and 'id="site-name"' in page
    assert re.search(rf'<a href="{prefix}/"[^>]*>{back}</a>', page)


@pytest.mark.parametrize(
    ("language", "title", "back", "home"),
    [
        ("zh-hans", "服务器出错", "返回首页", "/"),
        ("en", "Server error", "Back to the home page", "/en/"),
    ],
)
def test_500_page_needs_neither_database_nor_user(
    language: str, title: str, back: str, home: str
) -> None:
    """No ``db`` fixture: any query would fail the test; the request has no user."""
    request = RequestFactory().get("/anything/")
    token = requestid.current.set("req-abc123")
    try:
        with translation.override(language):
            response = errors.server_error(request)
    finally:
        requestid.current.reset(token)
    assert response.status_code == 500
    page = response.content.decode()
    assert f"<h1>{title}</h1>" in page and 'id="site-name"' in page
    assert "req-abc123" in page
    assert re.search(rf'<a href="{home}"[^>]*>{back}</a>', page)


def test_500_answers_even_when_its_template_is_broken() -> None:
    response = errors.server_error(RequestFactory().get("/"), template_name="no-such.html")
    assert response.status_code == 500 and "服务器出错" in response.content.decode()


def test_a_refused_request_is_one_log_line_without_traceback(
    enterprise_user: Any, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    client.force_login(enterprise_user)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/ops/jobs/").status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    assert records[0].getMessage() == "Forbidden (Permission denied): /ops/jobs/"
    assert records[0].exc_info is None
    assert "Traceback" not in caplog.text


# ---------------------------------------------------------------- headers


def test_every_page_has_a_content_security_policy_without_inline_script(
    db: Any, client: Client
) -> None:
    response = client.get(reverse("accounts:login"))
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    assert "unsafe-eval" not in response["Content-Security-Policy"]


SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_inline_script_or_event_handlers() -> None:
    """What the policy would block: every script is a file (or JSON data for one)."""
    found = []
    for path in SRC.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for match in SCRIPT.finditer(text):
            attributes = match.group(1)
            if "src=" not in attributes and 'type="application/json"' not in attributes:
                found.append(f"{path.relative_to(SRC)}: <script{attributes}>")
        found += [f"{path.relative_to(SRC)}: {m.group(0)}" for m in HANDLER.finditer(text)]
    assert found == []


def test_signed_in_pages_are_not_stored(enterprise_user: Any, client: Client) -> None:
    anonymous = client.get("/no-such-page/")
    assert "no-store" not in anonymous.get("Cache-Control", "")
    client.force_login(enterprise_user)
    for path in (reverse("portals:home"), reverse("portals:ent_home"), "/ops/jobs/"):
        response = client.get(path, follow=True)
        assert "no-store" in response["Cache-Control"], path
        assert "private" in response["Cache-Control"], path
    static = client.get("/static/site/portal.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


def test_api_answers_are_not_stored(db: Any, client: Client) -> None:
    response = client.get("/api/v1/lists", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]


# ---------------------------------------------------------------- password spraying


def test_many_user_names_from_one_address_are_locked_out(
    db: Any, django_user_model: Any, settings: Any
) -> None:
    """30 wrong sign-ins for 30 different user names (none reaches the per-name limit of 5):
    the address is locked after its limit (20), even for a right password; another address
    still signs in."""
    django_user_model.objects.create_user("owner", password="pw-owner-long")
    login = reverse("accounts:login")
    sprayer = Client(REMOTE_ADDR="203.0.113.7")
    codes_seen = []
    for k in range(30):
        response = sprayer.post(login, {"username": f"user{k}", "password": "Spring2026!"})
        codes_seen.append(response.status_code)
    limit = 20  # INNOPOINTS_LOGIN_ADDRESS_FAILURE_LIMIT's default
    assert codes_seen[: limit - 1] == [200] * (limit - 1)  # the form again, with its error
    assert set(codes_seen[limit - 1 :]) <= {403, 429}  # locked out from the 20th on
    locked = sprayer.post(login, {"username": "owner", "password": "pw-owner-long"})
    assert locked.status_code in {403, 429} and "_auth_user_id" not in sprayer.session
    assert "您所在的网络地址已暂时停止登录" in locked.content.decode()  # says what is locked
    elsewhere = Client(REMOTE_ADDR="198.51.100.2")
    signed_in = elsewhere.post(login, {"username": "owner", "password": "pw-owner-long"})
    assert signed_in.status_code == 302 and "_auth_user_id" in elsewhere.session
    assert limit == settings.INNOPOINTS_LOGIN_ADDRESS_FAILURE_LIMIT
