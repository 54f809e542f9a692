"""The README's main job as a newcomer meets it: the real ``innopoints demo`` (a small province,
a free port, no variable set) serves a site a browser can use over plain HTTP; each printed demo
account signs in and reaches its portal's home page; the pages with charts, the admin and the
API's Swagger UI run under the Content-Security-Policy without a violation; a path that climbs
out of the static folder is a 404."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.platform.test_browser import browser  # noqa: F401 - the Chromium fixture

ROOT = Path(__file__).resolve().parents[2]
# the portal home each demo account lands on, by its label in var/demo-accounts.txt
HOMES = {
    "government (Sichuan)": ("/gov/", "政府端首页"),
    "government (Chengdu)": ("/gov/", "政府端首页"),
    "institution (bank)": ("/fin/", "金融端首页"),
    "enterprise": ("/ent/", "企业端首页"),
}


@dataclass
class Demo:
    url: str
    data: Path
    accounts: dict[str, tuple[str, str]]
    run_id: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
    except urllib.error.HTTPError:
        return True  # it answered, whatever the status
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data = tmp_path_factory.mktemp("demo")
    port = _free_port()
    # a newcomer's environment: none of the test settings' variables (INNOPOINTS_HTTPS=0 …)
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    env["INNOPOINTS_DATA_DIR"] = str(data)
    log = (data / "demo.log").open("w", encoding="utf-8")
    command = [sys.executable, "-m", "innopoints.cli", "demo", "--n", "300", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while not _answers(url + "/healthz"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the demo did not serve:\n" + (data / "demo.log").read_text()[-3000:])
            time.sleep(1)
        lines = (data / "demo-accounts.txt").read_text(encoding="utf-8").splitlines()
        accounts = {role: (user, pw) for role, user, pw in (x.split("\t") for x in lines)}
        run_id = int(re.findall(r"/scoring/runs/(\d+)/", (data / "demo.log").read_text())[-1])
        yield Demo(url=url, data=data, accounts=accounts, run_id=run_id)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def _sign_in(chromium: Any, demo: Demo, role: str) -> tuple[Any, list[str]]:
    """A fresh browser page signed in as the demo account; the list collects console errors
    (a CSP violation is one) and uncaught script errors."""
    page = chromium.new_page(locale="zh-CN")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => console.error("
        "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    user, password = demo.accounts[role]
    first = page.goto(demo.url + "/")
    assert first is not None and first.status == 200
    assert page.url.startswith(demo.url + "/accounts/login/"), page.url  # not https://
    page.fill("#id_username", user)
    page.fill("#id_password", password)
    page.click("[type=submit]")
    page.wait_for_load_state("networkidle")
    return page, problems


@pytest.mark.slow
def test_each_demo_account_signs_in_over_plain_http_and_reaches_its_home(
    browser: Any,  # noqa: F811
    demo: Demo,
) -> None:
    assert set(demo.accounts) == set(HOMES)
    for role, (path, menu) in HOMES.items():
        page, problems = _sign_in(browser, demo, role)
        assert page.url == demo.url + path, (role, page.url)
        assert menu in page.text_content("nav.portal-menu")
        response = page.goto(page.url)
        assert response is not None and response.status == 200
        assert "strict-transport-security" not in response.headers
        assert "no-store" in response.headers["cache-control"]
        assert problems == [], (role, problems)
        page.close()


@pytest.mark.slow
def test_chart_pages_admin_and_swagger_run_without_csp_violations(
    browser: Any,  # noqa: F811
    demo: Demo,
) -> None:
    page, problems = _sign_in(browser, demo, "government (Sichuan)")
    page.goto(f"{demo.url}/analysis/runs/{demo.run_id}/statistics/")
    page.wait_for_selector("#histogram[data-drawn] svg")  # drawn by site/charts.js
    page.wait_for_selector("#regions[data-drawn] svg")  # the map of Sichuan's divisions
    # the top enterprise: leaderboard → its explanation → its portrait
    page.goto(f"{demo.url}/scoring/runs/{demo.run_id}/leaderboard/")
    page.click(f"a[href*='/scoring/runs/{demo.run_id}/enterprise/']")
    page.click("a[href*='/portrait/']")
    page.wait_for_selector("#radar[data-drawn] svg")
    radar = "echarts.getInstanceByDom(document.getElementById('radar'))"
    assert page.evaluate(f"{radar}.getOption().series[0].data.length") == 3
    # one run of the scheme: no trend over runs to draw yet, said in words
    assert page.locator("#trend").count() == 0
    assert "暂无历次积分走势" in page.text_content("main")
    page.goto(f"{demo.url}/scoring/runs/{demo.run_id}/")
    # the language menu (a script file now, no inline handler) switches to English
    page.select_option("select[name=language]", "en")
    page.wait_for_url(f"{demo.url}/en/scoring/runs/{demo.run_id}/")
    page.goto(demo.url + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    page.wait_for_selector(".opblock")
    assert problems == []
    page.close()

    admin, admin_problems = _sign_in_admin(browser, demo)
    admin.goto(demo.url + "/admin/collection/importbatch/")
    admin.wait_for_load_state("networkidle")
    assert admin_problems == []
    admin.close()


def _sign_in_admin(chromium: Any, demo: Demo) -> tuple[Any, list[str]]:
    password = (demo.data / "demo-admin-password.txt").read_text(encoding="utf-8").strip()
    page = chromium.new_page(locale="zh-CN")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.goto(demo.url + "/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", password)
    page.click("[type=submit]")
    page.wait_for_load_state("networkidle")
    return page, problems


def test_a_path_out_of_the_static_folder_is_404(demo: Demo) -> None:
    for path in ("/static/..%2f..%2f..%2fsettings.py", "/static/..%2f..%2fetc%2fpasswd"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(demo.url + path, timeout=10)
        assert refused.value.code == 404, path
    with urllib.request.urlopen(demo.url + "/static/site/portal.css", timeout=10) as ok:
        assert ok.status == 200


@pytest.mark.slow
def test_demo_accounts_sign_in_through_the_test_identity_provider(
    browser: Any,  # noqa: F811
    demo: Demo,
) -> None:
    """Issue 19's "a user signs in through the test OIDC provider in the demo": the button on
    the sign-in page, the provider's form on its own port, back to the portal's home; an
    unknown identity gets the refusal page."""
    lines = (demo.data / "demo-sso-accounts.txt").read_text(encoding="utf-8").splitlines()
    identities = {label: (name, pw) for label, name, pw, _claim in (x.split("\t") for x in lines)}
    expected = {
        "government (Chengdu)": ("/gov/", "政府端首页"),
        "institution (bank)": ("/fin/", "金融端首页"),
        "enterprise": ("/ent/", "企业端首页"),
        "enterprise (account made at first sign-in)": ("/ent/", "企业端首页"),
    }
    for label, (path, menu) in [*expected.items(), ("unknown (refused)", ("", ""))]:
        page = browser.new_page(locale="zh-CN")
        problems: list[str] = []
        page.on("pageerror", lambda e, p=problems: p.append(f"uncaught: {e}"))
        page.goto(demo.url + "/accounts/login/")
        page.click("#sso-login")
        page.wait_for_selector("#username")
        assert not page.url.startswith(demo.url), page.url  # the provider, on its own port
        name, password = identities[label]
        page.fill("#username", name)
        page.fill("#password", password)
        page.click("button[type=submit]:not([name=deny])")
        page.wait_for_load_state("networkidle")
        if path:
            assert page.url == demo.url + path, (label, page.url)
            assert menu in page.text_content("nav.portal-menu")
        else:
            assert "/accounts/sso/callback/" in page.url
            assert "没有与此工号对应的政府或金融机构账户" in page.text_content("#sso-refusal")
        assert problems == [], (label, problems)
        page.close()
