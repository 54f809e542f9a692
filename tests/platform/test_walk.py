"""A browser walk of every page as each role (issue 16, "Tests and figures").

Each role signs in (government — the provincial analyst —, bank, enterprise, platform admin,
and nobody for the public pages) and walks, in zh-Hans and in English, at 1280 px (and, for the
enterprise and public pages, at 375 px): its portal home, every entry of its portal menu, the
search box's results, and every same-site page linked from those one level deep (GET links
only; downloads, exports, sign-out, the Django admin and the API left out). So a page added to
a menu, or linked from a menu page, is walked without touching this file; ``MUST_WALK`` names
the pages each role must have reached, so a broken menu cannot make the walk pass by walking
nothing. A page is one view: its sorted, filtered or paged variants and its other objects are
the same template and are walked once.

On every page: no console error (which includes a Content-Security-Policy violation and a
static file that fails to load), no serious or critical axe-core violation (axe from npm,
evaluated through the DevTools protocol: that is not the page's own script, so the site's CSP,
which forbids inline scripts, stays in force and is tested with it), the page in the walk's
language, a status below 400; at 375 px no horizontal scroll (the root's scrollWidth ≤ 375);
a full-page screenshot in test-artifacts/walk/.

Page weight, as production serves it: the walk's server is not pytest-django's live server
(whose static handler serves the apps' files uncompressed) but one configured as production is
— ``CompressedManifestStaticFilesStorage`` collected into a static root (hashed names, with
the gzip and brotli copies that collectstatic writes) served by whitenoise with its year-long
cache headers. Chromium asks for ``br``, so every static file arrives brotli-compressed exactly
as it would from a production node. Pages themselves are sent as Django makes them: the
platform has no GZipMiddleware (BREACH with CSRF tokens in pages) and the deployment puts no
compressing proxy in front, so their bytes count uncompressed — the worst case. Bytes are the
browser's own count of what crossed the wire for each request (the DevTools protocol's
``encodedDataLength``: headers and compressed body), files from its cache count nothing. Each
(language, width) starts with an empty cache: the portal home's first load, charts included,
must stay within 500 KB; every later page within 100 KB (its HTML and whatever it fetches that
the home did not). The collected static root is made once per content of the static files
(static_root.py, shared with the deployment test).

Every failure is gathered (page, role, language, width, what) and reported at once; the
figures go to test-artifacts/walk/report.json.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import translation

from tests.platform.static_root import collected_static
from tests.platform.test_browser import ARTIFACTS, browser  # noqa: F401
from tests.platform.test_page_walk import build_world

# what the walk checks (markup, scripts, styles, widths, bytes) is the same on either database;
# every page is rendered on SQLite too by test_page_walk.py
pytestmark = [pytest.mark.longest, pytest.mark.one_database]

AXE = Path(settings.ASSETS_DIR) / "axe-core" / "axe.min.js"
SHOTS = ARTIFACTS / "walk"
FIRST_LOAD_BUDGET = 500 * 1024
LATER_BUDGET = 100 * 1024
PHONE, DESKTOP = 375, 1280

# role → (user in build_world, widths, the pages it must have walked)
ROLES: dict[str, tuple[str | None, tuple[int, ...]]] = {
    "government": ("sichuan", (DESKTOP,)),
    "institution": ("banker", (DESKTOP,)),
    "enterprise": ("owner", (DESKTOP, PHONE)),
    "public": (None, (DESKTOP, PHONE)),
    "admin": ("root", (DESKTOP,)),
}
MUST_WALK: dict[str, set[str]] = {
    "government": {
        "portals:gov_home",
        "portals:gov_import",
        "portals:gov_invite",
        "portals:gov_financing",
        "portals:gov_uptake",
        "collection:quality",
        "collection:findings",
        "collection:sources",
        "ops:jobs",
        "scoring:runs",
        "scoring:run",  # the published run
        "scoring:leaderboard",
        "analysis:statistics",
        "analysis:board",
        "portals:gov_send_list",  # the board sent to a bank
        "onboarding:review_list",
        "onboarding:policies",
    },
    "institution": {
        "portals:fin_home",
        "portals:fin_financings",
        "portals:fin_outcomes",
        "portals:fin_list",  # the board the bank received
        "portals:fin_enterprise",  # an enterprise that authorised it
        "portals:fin_financing_edit",
        "api_tokens:tokens",
    },
    "enterprise": {
        "portals:ent_home",
        "portals:ent_assess",
        "portals:ent_authorisations",
        "portals:ent_inbox",
        "portals:ent_matches",
        "portals:ent_match",  # a match
        "portals:ent_push_settings",
    },
    "public": {"accounts:login", "accounts:set_password", "onboarding:register"},
    "admin": {
        "portals:gov_home",
        "scoring:runs",
        "collection:quality",
        "accounts:invite_institution_user",
    },
}
# named URLs that answer a file or a fragment, or act: never walked as pages
NOT_PAGES = re.compile(
    r"(xlsx|csv|pdf|export|template|errors|state|logout|revoke|rotate|publish|cancel|start|pull)$"
)


@dataclass
class Failure:
    role: str
    language: str
    width: int
    page: str
    what: str

    def __str__(self) -> str:
        return f"{self.page} [{self.role}, {self.language}, {self.width}px]: {self.what}"


@dataclass
class Walked:
    url: str
    view: str
    status: int
    bytes: int = 0
    first: bool = False
    top: list[tuple[str, int]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# static files as production serves them


PRODUCTION_STATIC = {
    "STORAGES": {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    },
    "WHITENOISE_USE_FINDERS": False,
}


@pytest.fixture(scope="module")
def server(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """A server of the platform with production's static files (see the module's docstring)."""
    from django.db import connections  # noqa: PLC0415
    from django.test.testcases import LiveServerThread  # noqa: PLC0415

    root = collected_static()
    overrides = override_settings(
        STATIC_ROOT=root, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "127.0.0.1"], **PRODUCTION_STATIC
    )
    overrides.enable()
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    thread = LiveServerThread("127.0.0.1", lambda handler: handler, connections_override=shared)
    thread.daemon = True
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()
        overrides.disable()


# ---------------------------------------------------------------------------------------------
# the walk


def _view(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


def _walkable(view: str | None) -> bool:
    if view is None or view.startswith(("admin:", "api-")) or view == "set_language":
        return False
    return not NOT_PAGES.search(view)


LINKS = """() => Array.from(document.querySelectorAll('a[href]'))
  .filter(a => !a.hasAttribute('download'))
  .map(a => ({href: a.href, menu: !!a.closest('nav.portal-menu, .navbar-brand')}))"""
SEARCH = """() => { const f = document.querySelector('form.site-search');
  return f ? f.action : null }"""
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')), count: v.nodes.length}));
}"""
OVERFLOW = """(width) => {
  const wide = [];
  for (const e of document.querySelectorAll('body *')) {
    const box = e.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      const cls = typeof e.className === 'string' && e.className.trim()
        ? '.' + e.className.trim().split(/\\s+/).join('.') : '';
      const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + cls;
      wide.push(name + ' (' + Math.round(box.right) + 'px)');
    }
  }
  return {scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 4)};
}"""


def _slug(url: str) -> str:
    """A screenshot's name: the page's view (one per view), else its path."""
    view = _view(urlsplit(url).path)
    name = view or urlsplit(url).path.strip("/") or "home"
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name)[:80]


class Meter:
    """The bytes the browser received for the current page (DevTools' "transferred")."""

    def __init__(self, context: Any, page: Any) -> None:
        self.sizes: dict[str, int] = {}
        self.urls: dict[str, str] = {}
        session = context.new_cdp_session(page)
        session.send("Network.enable")
        session.on("Network.requestWillBeSent", self._sent)
        session.on("Network.loadingFinished", self._finished)

    def _sent(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event: dict[str, Any]) -> None:
        self.sizes[event["requestId"]] = int(event.get("encodedDataLength", 0))

    def reset(self) -> None:
        self.sizes.clear()
        self.urls.clear()

    def total(self) -> tuple[int, list[tuple[str, int]]]:
        each = [(urlsplit(self.urls.get(k, "?")).path, n) for k, n in self.sizes.items() if n]
        each.sort(key=lambda item: -item[1])
        return sum(n for _, n in each), each[:5]


class Tab:
    """One browser page at one width in one language, with an empty cache at first: what it
    logs to the console and what it receives, per page opened."""

    def __init__(
        self,
        browser: Any,  # noqa: F811
        cookies: list[dict[str, Any]],
        width: int,
        language: str,
    ) -> None:
        self.context = browser.new_context(
            viewport={"width": width, "height": 900},
            locale="en-US" if language == "en" else "zh-CN",
            device_scale_factor=1,
            reduced_motion="reduce",  # charts drawn whole, not caught mid-animation
        )
        self.context.add_cookies(cookies)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught {e}"))
        self.meter = Meter(self.context, self.page)

    def close(self) -> None:
        self.context.close()


@dataclass
class Walk:
    role: str
    axe: str
    failures: list[Failure] = field(default_factory=list)
    walked: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, language: str, width: int, page: str, what: str) -> None:
        self.failures.append(Failure(self.role, language, width, page, what))

    def visit(
        self, tab: Tab, url: str, language: str, width: int, *, first: bool, status: int = 200
    ) -> list[dict[str, Any]]:
        """Open one page, check it, keep its screenshot; answer its links."""
        page = tab.page
        tab.errors.clear()
        tab.meter.reset()
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")

        def fail(what: str) -> None:
            self.fail(language, width, path, what)

        try:
            response = page.goto(url, wait_until="load", timeout=30_000)
        except Exception as error:  # a page that does not load is a finding
            fail(f"does not load: {str(error).splitlines()[0]}")
            return []
        got = response.status if response is not None else 0
        if got != status:
            fail(f"HTTP {got}" + (f" (expected {status})" if status != 200 else ""))
        if "text/html" not in (response.headers.get("content-type", "") if response else ""):
            return []
        expected = "en" if language == "en" else "zh-hans"
        lang = page.get_attribute("html", "lang")
        if lang != expected:
            fail(f'<html lang="{lang}">, expected {expected}')
        page.evaluate(self.axe)
        for v in page.evaluate(AXE_RUN):
            fail(
                f"axe {v['impact']} {v['id']} ({v['help']}) ×{v['count']}: "
                + " | ".join(v["nodes"])
            )
        if width == PHONE:
            overflow = page.evaluate(OVERFLOW, PHONE)
            if overflow["scroll"] > PHONE:
                fail(
                    f"horizontal scroll: scrollWidth {overflow['scroll']} > {PHONE}; "
                    "too wide: " + ", ".join(overflow["wide"])
                )
        shot = SHOTS / self.role / f"{language}-{width}-{_slug(page.url)}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        links: list[dict[str, Any]] = page.evaluate(LINKS)
        page.wait_for_timeout(50)  # the last responses' loadingFinished events
        weight, top = tab.meter.total()
        budget = FIRST_LOAD_BUDGET if first else LATER_BUDGET
        if weight > budget:
            fail(
                f"{weight / 1024:.0f} KB transferred > {budget // 1024} KB "
                f"({'first load' if first else 'later page'}); largest: "
                + ", ".join(f"{name} {n / 1024:.0f} KB" for name, n in top)
            )
        # a page answering 404 on purpose logs its own status: that is no finding
        own = f"status of {status}"
        for error in tab.errors:
            if not (status >= 400 and own in error):
                fail(f"console: {error}")
        landed = urlsplit(page.url)
        path = landed.path + (f"?{landed.query}" if landed.query else "")
        self.walked.append(
            {
                "role": self.role,
                "language": language,
                "width": width,
                "page": path,
                "view": _view(landed.path),
                "status": got,
                "kb": round(weight / 1024, 1),
                "first_load": first,
                "largest": [[name, round(n / 1024, 1)] for name, n in top],
            }
        )
        return links


def _session_cookies(user: Any, base: str) -> list[dict[str, Any]]:
    if user is None:
        return []
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base}]


def _extras(role: str, world: dict[str, Any]) -> list[tuple[str, int]]:
    """Pages no menu links to, with the status they answer: the invitation's set-password
    link (sent by mail) and an unknown address (the frame's 404 page)."""
    missing = ("/en" if translation.get_language() == "en" else "") + "/no-such-page/"
    if role != "public":
        return [(missing, 404)]
    token = world["set_password"]
    return [
        (reverse("accounts:set_password", kwargs=token), 200),
        (missing, 404),
    ]


def walk_role(
    browser: Any,  # noqa: F811
    base: str,
    role: str,
    world: dict[str, Any],
) -> Walk:
    """Walk a role's pages in both languages at its widths; discovery at the first width, the
    same pages in the same order at the others."""
    username, _widths = ROLES[role]
    walk = Walk(role, AXE.read_text("utf-8"))
    cookies = _session_cookies(world["users"][username] if username else None, base)
    for language in ("zh-hans", "en"):
        with translation.override(language):  # resolve() and reverse() of /en/ need English
            _walk_language(walk, browser, base, role, world, cookies, language)
    return walk


def _walk_language(
    walk: Walk,
    browser: Any,  # noqa: F811
    base: str,
    role: str,
    world: dict[str, Any],
    cookies: list[dict[str, Any]],
    language: str,
) -> None:
    _username, widths = ROLES[role]
    prefix = "/en" if language == "en" else ""
    extras = _extras(role, world)  # in the walk's language
    order: list[str] = []
    seen: set[str | None] = set()

    def take(url: str, order: list[str] = order, seen: set[str | None] = seen) -> str | None:
        """The page's path when it is one to walk and its view is not walked yet."""
        parts = urlsplit(url)
        if parts.scheme and f"{parts.scheme}://{parts.netloc}" != base:
            return None
        view = _view(parts.path)
        if not _walkable(view) or "export=" in parts.query or view in seen:
            return None
        seen.add(view)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        order.append(path)
        return path

    for width in widths:
        tab = Tab(browser, cookies, width, language)
        try:
            if width != widths[0]:
                for k, path in enumerate(order):
                    walk.visit(tab, base + path, language, width, first=k == 0)
            else:
                links = walk.visit(tab, f"{base}{prefix}/", language, width, first=True)
                seen.add(_view(f"{prefix}/"))  # the portals' home only sends each user on
                take(tab.page.url)  # to the home of its portal
                level0 = [urljoin(tab.page.url, a["href"]) for a in links if a["menu"]]
                search = tab.page.evaluate(SEARCH)
                if search:
                    level0.append(f"{search}?q=成都")
                deeper = [urljoin(tab.page.url, a["href"]) for a in links]
                for url in level0:
                    if path := take(url):
                        found = walk.visit(tab, base + path, language, width, first=False)
                        deeper += [urljoin(base + path, a["href"]) for a in found]
                for url in deeper:
                    if path := take(url):
                        walk.visit(tab, base + path, language, width, first=False)
            for url, status in extras:
                seen.add(_view(url))
                walk.visit(tab, base + url, language, width, first=False, status=status)
        finally:
            tab.close()
    missing = MUST_WALK[role] - seen
    if missing:
        walk.fail(language, widths[0], "(the walk)", f"did not reach {sorted(missing)}")


@pytest.mark.parametrize("role", list(ROLES))
def test_walk(
    browser: Any,  # noqa: F811
    server: str,
    reference_data: None,
    tmp_path: Path,
    settings: Any,
    role: str,
) -> None:
    world = build_world(tmp_path)
    shutil.rmtree(SHOTS / role, ignore_errors=True)  # the screenshots of this walk only
    walk = walk_role(browser, server, role, world)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"report-{role}.json").write_text(
        json.dumps(
            {"walked": walk.walked, "failures": [str(f) for f in walk.failures]},
            ensure_ascii=False,
            indent=1,
        ),
        "utf-8",
    )
    report = "\n".join(str(f) for f in walk.failures)
    assert not walk.failures, f"{len(walk.failures)} finding(s) on {role}'s pages:\n{report}"
