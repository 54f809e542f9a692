"""Who may see what: a matrix of role × resource × action over one scored province, including
direct URLs to another region's or another enterprise's records and an institution after the
enterprise revoked its authorisation. Every row states the status the platform must answer."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from innopoints.accounts.models import Profile, Role
from innopoints.analysis.models import Leaderboard
from innopoints.applications.models import Dispatch, Financing
from innopoints.audit.models import AuditEntry
from innopoints.collection.models import Authorisation, Finding
from innopoints.registry.models import Institution, Region
from innopoints.scoring.models import Result
from tests.platform.conftest import csv_bytes, published_board, scored_province, shared


def _user(name: str, role: str, **bound: Any) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw-" + name)
    Profile.objects.create(user=user, role=role, **bound)
    return user


def _client(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture(scope="module")
def world_once(
    module_db: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Built once for the module's tests (conftest.module_db)."""
    with django_db_blocker.unblock():
        return _world(tmp_path_factory.mktemp("world"))


@pytest.fixture
def world(db: Any, world_once: dict[str, Any]) -> dict[str, Any]:
    return shared(world_once)


def _world(tmp_path: Path) -> dict[str, Any]:
    admin = get_user_model().objects.create_superuser("root", "r@example.invalid", "pw")
    run = scored_province(tmp_path / "files", 300, 5, admin)
    published = published_board(run, admin, "全省前 20%", kind="overall", share_from=0, share_to=20)
    draft = Leaderboard.objects.create(run=run, title="草稿", kind="overall", top_n=10)
    ranked = Result.objects.filter(run=run, vetoed=False).select_related("enterprise")
    mine = ranked.filter(region_code__startswith="5101").order_by("rank").first()
    other = ranked.exclude(region_code__startswith="5101").order_by("rank").first()
    assert mine is not None and other is not None
    bank = Institution.objects.create(name="测试银行", kind="bank")
    rival = Institution.objects.create(name="另一家银行", kind="bank")
    dispatch = Dispatch.objects.create(board=published, institution=bank, sent_by=admin)
    rival_dispatch = Dispatch.objects.create(board=published, institution=rival, sent_by=admin)
    grant = Authorisation.objects.create(
        enterprise=mine.enterprise, institution=bank, valid_from=dt.date(2025, 1, 1)
    )
    other_grant = Authorisation.objects.create(
        enterprise=other.enterprise, institution=bank, valid_from=dt.date(2025, 1, 1)
    )
    other_grant.revoked_at = timezone.now()
    other_grant.save()
    findings = Finding.objects.filter(status="open")
    own_finding = findings.filter(enterprise__region__code__startswith="5101").first()
    foreign_finding = findings.exclude(enterprise__region__code__startswith="5101").first()
    assert own_finding is not None and foreign_finding is not None
    return {
        "own_finding": own_finding.pk,
        "foreign_finding": foreign_finding.pk,
        "admin": admin,
        "run": run,
        "published": published,
        "draft": draft,
        "mine": mine.enterprise,
        "other": other.enterprise,
        "bank": bank,
        "dispatch": dispatch,
        "rival_dispatch": rival_dispatch,
        "grant": grant,
        "other_grant": other_grant,
        "chengdu": _user("chengdu", Role.GOVERNMENT, region=Region.objects.get(code="510100")),
        "sichuan": _user("sichuan", Role.GOVERNMENT, region=Region.objects.get(code="510000")),
        "banker": _user("banker", Role.INSTITUTION, institution=bank),
        "rival": _user("rival", Role.INSTITUTION, institution=rival),
        "owner": _user("owner", Role.ENTERPRISE, enterprise=mine.enterprise),
    }


def _rows(w: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    run, mine, other = w["run"].pk, w["mine"].pk, w["other"].pk
    pub, draft = w["published"].pk, w["draft"].pk
    gov_pages = [
        reverse("portals:gov_home"),
        reverse("scoring:runs"),
        reverse("scoring:run", args=[run]),
        reverse("scoring:leaderboard", args=[run]),
        reverse("scoring:leaderboard-xlsx", args=[run]),
        reverse("analysis:statistics", args=[run]),
        reverse("analysis:pools", args=[run]),
        reverse("collection:quality"),
        reverse("collection:findings"),
        reverse("portals:gov_import"),
        reverse("portals:gov_invite"),
        reverse("portals:gov_financing"),
        reverse("portals:gov_uptake"),
    ]
    own_file = [
        reverse("analysis:portrait", args=[mine]),
        reverse("analysis:dossier", args=[mine]),
        reverse("analysis:dossier-pdf", args=[mine]),
        reverse("scoring:explain", args=[run, mine]),
    ]
    foreign_file = [
        reverse("analysis:portrait", args=[other]),
        reverse("analysis:dossier", args=[other]),
        reverse("analysis:dossier-pdf", args=[other]),
        reverse("scoring:explain", args=[run, other]),
    ]
    fin_pages = [
        reverse("portals:fin_home"),
        reverse("portals:fin_list", args=[w["dispatch"].pk]),
        reverse("portals:fin_list_xlsx", args=[w["dispatch"].pk]),
        reverse("portals:fin_financings"),
        reverse("portals:fin_outcomes"),
        reverse("portals:fin_authorised"),
        reverse("portals:fin_search") + "?q=1",
        reverse("api_tokens:tokens"),
    ]
    ent_pages = [
        reverse("portals:ent_home"),
        reverse("portals:ent_assess"),
        reverse("portals:ent_authorisations"),
        reverse("portals:ent_inbox"),
        reverse("portals:ent_matches"),
        reverse("portals:ent_push_settings"),
    ]
    rows: list[tuple[str, str, str, int]] = []
    for url in gov_pages + own_file:
        rows += [("chengdu", "get", url, 200), ("sichuan", "get", url, 200)]
        rows += [("banker", "get", url, 403), ("owner", "get", url, 403), ("anon", "get", url, 302)]
    for url in foreign_file:
        rows += [("chengdu", "get", url, 403), ("sichuan", "get", url, 200)]
        rows += [("banker", "get", url, 403), ("owner", "get", url, 403)]
    for url in fin_pages:
        rows += [("banker", "get", url, 200), ("chengdu", "get", url, 403)]
        rows += [("owner", "get", url, 403), ("anon", "get", url, 302)]
    for url in ent_pages:
        rows += [("owner", "get", url, 200), ("chengdu", "get", url, 403)]
        rows += [("banker", "get", url, 403), ("anon", "get", url, 302)]
    rows += [
        # an institution: lists sent to it only, files only with an active authorisation
        ("banker", "get", reverse("portals:fin_list", args=[w["rival_dispatch"].pk]), 404),
        ("rival", "get", reverse("portals:fin_list", args=[w["dispatch"].pk]), 404),
        ("banker", "get", reverse("portals:fin_enterprise", args=[mine]), 200),
        ("banker", "get", reverse("portals:fin_enterprise", args=[other]), 403),
        ("rival", "get", reverse("portals:fin_enterprise", args=[mine]), 403),
        ("banker", "get", reverse("portals:fin_financing_new", args=[mine]), 200),
        ("banker", "get", reverse("portals:fin_financing_new", args=[other]), 403),
        ("banker", "get", reverse("analysis:board", args=[pub]), 403),
        ("owner", "get", reverse("portals:fin_enterprise", args=[mine]), 403),
        # a city may read the province's run (its own enterprises) but not act on it
        ("chengdu", "get", reverse("analysis:board", args=[pub]), 200),
        ("chengdu", "post", reverse("analysis:board-publish", args=[draft]), 403),
        ("chengdu", "get", reverse("portals:gov_send_list", args=[pub]), 403),
        ("chengdu", "post", reverse("scoring:run-cancel", args=[run]), 403),
        ("sichuan", "get", reverse("portals:gov_send_list", args=[pub]), 200),
        # findings of another division are out of reach
        ("chengdu", "get", reverse("collection:resolve", args=[w["foreign_finding"]]), 403),
        ("sichuan", "get", reverse("collection:resolve", args=[w["foreign_finding"]]), 200),
        ("chengdu", "get", reverse("collection:resolve", args=[w["own_finding"]]), 200),
        # an enterprise cannot touch another enterprise's authorisation
        ("owner", "post", reverse("portals:ent_revoke", args=[w["other_grant"].pk]), 403),
        ("owner", "post", reverse("portals:ent_limit", args=[w["other_grant"].pk]), 403),
        ("banker", "post", reverse("portals:ent_limit", args=[w["grant"].pk]), 403),
        # the admin site is the platform admin's only
        ("chengdu", "get", reverse("admin:index"), 302),
        ("banker", "get", reverse("admin:collection_factvalue_changelist"), 302),
    ]
    return rows


def test_access_matrix(world: dict[str, Any]) -> None:
    clients = {
        name: _client(world.get(name))
        for name in ("chengdu", "sichuan", "banker", "rival", "owner")
    }
    clients["anon"] = _client(None)
    wrong = []
    for who, method, url, expected in _rows(world):
        response = getattr(clients[who], method)(url)
        if response.status_code != expected:
            wrong.append(f"{who} {method.upper()} {url}: {response.status_code} ≠ {expected}")
    assert not wrong, "\n".join(wrong)


def test_city_sees_only_its_enterprises_in_province_lists(world: dict[str, Any]) -> None:
    client = _client(world["chengdu"])
    response = client.get(reverse("scoring:leaderboard", args=[world["run"].pk]))
    page = response.content.decode()
    assert world["mine"].name in page and world["other"].name not in page
    codes = {row.record.region_code for row in response.context["listing"].table.page}
    assert codes and all(code.startswith("5101") for code in codes), codes
    board = client.get(reverse("analysis:board", args=[world["published"].pk])).content.decode()
    assert world["other"].name not in board
    whole = _client(world["sichuan"]).get(reverse("scoring:leaderboard", args=[world["run"].pk]))
    assert {row.record.region_code[:4] for row in whole.context["listing"].table.page} - {"5101"}


def test_institution_sees_names_tiers_bands_only_and_views_are_audited(
    world: dict[str, Any],
) -> None:
    client = _client(world["banker"])
    listing = client.get(reverse("portals:fin_list", args=[world["dispatch"].pk])).content.decode()
    assert world["mine"].credit_code not in listing  # no credit codes, no exact scores
    result = Result.objects.get(run=world["run"], enterprise=world["mine"])
    assert f"{result.total:.2f}" not in listing
    before = AuditEntry.objects.filter(action="view", enterprise=world["mine"]).count()
    detail = client.get(reverse("portals:fin_enterprise", args=[world["mine"].pk]))
    assert detail.status_code == 200 and f"{result.total:.2f}" in detail.content.decode()
    entry = AuditEntry.objects.filter(action="view", enterprise=world["mine"]).latest("at")
    assert AuditEntry.objects.filter(action="view", enterprise=world["mine"]).count() == before + 1
    assert entry.actor == world["banker"] and entry.ip == "127.0.0.1"
    export = client.get(reverse("portals:fin_list_xlsx", args=[world["dispatch"].pk]))
    assert export.status_code == 200
    assert AuditEntry.objects.filter(action="export", actor=world["banker"]).exists()


def test_scope_limits_the_breakdown_an_institution_sees(world: dict[str, Any]) -> None:
    grant = world["grant"]
    limited = _client(world["owner"]).post(
        reverse("portals:ent_limit", args=[grant.pk]), {"scope": ["revenue", "no-such-field"]}
    )
    assert limited.status_code == 302
    grant.refresh_from_db()
    assert grant.scope == ["revenue"]
    assert grant.history.count() == 2  # the wider grant is kept in the history
    page = _client(world["banker"]).get(reverse("portals:fin_enterprise", args=[world["mine"].pk]))
    text = page.content.decode()
    assert page.status_code == 200
    rows = re.findall(
        r"<tr><td>([^<]+)</td>", text.split('id="fin-breakdown"')[1].split("</table>")[0]
    )
    assert rows and len(rows) < 10, rows  # only the indicators that read revenue


def test_revocation_cuts_the_institution_off(world: dict[str, Any]) -> None:
    owner, banker = _client(world["owner"]), _client(world["banker"])
    url = reverse("portals:fin_enterprise", args=[world["mine"].pk])
    assert banker.get(url).status_code == 200
    response = owner.post(reverse("portals:ent_revoke", args=[world["grant"].pk]))
    assert response.status_code == 302
    world["grant"].refresh_from_db()
    assert world["grant"].revoked_at is not None
    assert banker.get(url).status_code == 403
    assert (
        banker.get(reverse("portals:fin_financing_new", args=[world["mine"].pk])).status_code == 403
    )
    history = list(
        world["grant"].history.order_by("history_date").values_list("revoked_at", flat=True)
    )
    assert history[0] is None and history[-1] is not None


def test_enterprise_grants_and_the_bank_records_a_loan(world: dict[str, Any]) -> None:
    owner, rival = _client(world["owner"]), _client(world["rival"])
    rival_bank = Institution.objects.get(name="另一家银行")
    url = reverse("portals:fin_enterprise", args=[world["mine"].pk])
    assert rival.get(url).status_code == 403
    granted = owner.post(
        reverse("portals:ent_authorisations"),
        {
            "institution": rival_bank.pk,
            "scope": ["revenue", "rd_expense"],
            "valid_to": "2099-12-31",
        },
    )
    assert granted.status_code == 302
    assert rival.get(url).status_code == 200
    recorded = rival.post(
        reverse("portals:fin_financing_new", args=[world["mine"].pk]),
        {
            "kind": "loan",
            "product": "天府科创贷",
            "applied_on": "2026-03-01",
            "amount_requested": "500",
            "status": "approved",
            "amount": "400",
            "rate": "3.65",
            "term_months": "12",
            "guarantee_share": "60",
            "decided_on": "2026-03-10",
        },
    )
    assert recorded.status_code == 302, recorded.content.decode()[-2000:]
    loan = Financing.objects.get(enterprise=world["mine"], institution=rival_bank)
    assert loan.amount == 400 and loan.recorded_by == world["rival"]
    inbox = owner.get(reverse("portals:ent_inbox")).content.decode()
    assert "另一家银行" in inbox
    # a refused outcome without a decision date is a clear error, nothing stored
    bad = rival.post(
        reverse("portals:fin_financing_new", args=[world["mine"].pk]),
        {"kind": "loan", "applied_on": "2026-03-01", "status": "approved", "amount": "1"},
    )
    assert bad.status_code == 200 and Financing.objects.count() == 1


def test_self_assessment_is_an_estimate_against_frozen_parameters(world: dict[str, Any]) -> None:
    owner = _client(world["owner"])
    page = owner.get(reverse("portals:ent_assess"))
    text = page.content.decode()
    assert "估算，不是正式积分" in text
    result = Result.objects.get(run=world["run"], enterprise=world["mine"])
    form = page.context["form"]
    same = {name: form.fields[name].initial for name in form.fields}
    data = {k: ("on" if v is True else "" if v in (None, False) else v) for k, v in same.items()}
    estimate = owner.post(reverse("portals:ent_assess"), data).context["outcome"]
    assert estimate.total == pytest.approx(result.total, abs=1e-9)
    assert estimate.tier == result.tier
    more = dict(data, revenue=float(data.get("revenue") or 0) * 3 + 1000)
    higher = owner.post(reverse("portals:ent_assess"), more).context["outcome"]
    assert higher.total != pytest.approx(result.total, abs=1e-9)
    result.refresh_from_db()  # nothing stored
    assert Result.objects.filter(enterprise=world["mine"]).count() == 1


def test_invitation_sets_a_password_through_a_one_time_link(world: dict[str, Any]) -> None:
    city = _client(world["chengdu"])
    refused = city.post(
        reverse("portals:gov_invite"),
        {"credit_code": world["other"].credit_code, "email": "x@example.invalid"},
    )
    assert refused.status_code == 200 and "本辖区没有" in refused.content.decode()
    sent = city.post(
        reverse("portals:gov_invite"),
        {"credit_code": world["mine"].credit_code, "email": "cfo@example.invalid"},
    )
    assert sent.status_code == 302 and len(mail.outbox) == 1
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body)
    assert link is not None
    anonymous = Client()
    form = anonymous.get(link.group(1), follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = anonymous.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(1),
        {"new_password1": "Tianfu-2026-secure", "new_password2": "Tianfu-2026-secure"},
    )
    assert done.status_code == 302
    user = get_user_model().objects.get(username="cfo@example.invalid")
    assert user.profile.role == Role.ENTERPRISE and user.profile.enterprise == world["mine"]
    assert (
        anonymous.post(
            reverse("accounts:login"),
            {"username": "cfo@example.invalid", "password": "Tianfu-2026-secure"},
        ).status_code
        == 302
    )
    again = Client().get(link.group(1), follow=True).content.decode()
    assert "链接无效" in again


def test_government_imports_only_its_own_jurisdiction(world: dict[str, Any]) -> None:
    city = _client(world["chengdu"])
    header = ["统一社会信用代码", "研发费用"]
    rows = [[world["mine"].credit_code, 120], [world["other"].credit_code, 90]]
    from innopoints.collection.models import DataSource, FactValue  # noqa: PLC0415

    before = FactValue.objects.count()
    response = city.post(
        reverse("portals:gov_import"),
        {
            "source": DataSource.objects.get(code="tax").pk,
            "period": "2025",
            "file": _upload("tax.csv", csv_bytes(header, rows)),
        },
    )
    assert response.status_code == 302
    state = city.get(response["Location"] + "state/").json()
    assert state["state"] == "refused", state
    assert any("不在您的辖区（成都市）" in p and "第 3 行" in p for p in state["problems"]), state[
        "problems"
    ]
    assert FactValue.objects.count() == before
    assert _client(world["sichuan"]).get(response["Location"] + "state/").status_code == 404


def _upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    return SimpleUploadedFile(name, content)


def test_sign_in_is_throttled(world: dict[str, Any]) -> None:
    client = Client()
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "banker", "password": "wrong"})
    locked = client.post(reverse("accounts:login"), {"username": "banker", "password": "pw-banker"})
    assert locked.status_code in {403, 429}
    assert "_auth_user_id" not in client.session
    other = Client().post(reverse("accounts:login"), {"username": "owner", "password": "pw-owner"})
    assert other.status_code == 302
