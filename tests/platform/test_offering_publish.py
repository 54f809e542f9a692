"""Institutions publish their own offerings: draft → 待审核 → 已上架 / 已退回 (with a reason) →
a new version; 下架 stops matching but keeps the history; a bank sees only its own; the
review belongs to the government of the offering's area; matching uses only shelved
offerings; the preview counts the latest published run's enterprises by tier."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from innopoints.accounts.models import Profile, Role
from innopoints.applications import publishing
from innopoints.applications.catalogue import offerings_in_force
from innopoints.applications.demo_offerings import publish_demo_offerings
from innopoints.applications.models import Match, Offering, ReferenceRate, RunMatching
from innopoints.audit.models import AuditEntry
from innopoints.collection.demo import import_all, write_files
from innopoints.collection.models import Authorisation
from innopoints.registry.models import Institution, Region
from innopoints.scoring.models import Result, Run
from tests.platform.conftest import published_board, scored_run, shared

Review = Offering.Review
LOAN_RULES = [{"test": "no_veto"}, {"test": "tier", "in": ["A", "B"]}]
LOAN_TERMS = {
    "max_amount": 500,
    "amount": {"revenue_multiple": 0.2},
    "rate": {"base": "lpr_1y", "spread_bp": 100, "tier_spread_bp": {"A": 60}},
    "term_months": 12,
}


def _user(name: str, role: str, **bound: Any) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw-" + name)
    Profile.objects.create(user=user, role=role, **bound)
    return user


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _data(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": Offering.Kind.LOAN,
        "region": Region.objects.get(code="510000"),
        "valid_from": dt.date(2025, 1, 1),
        "valid_to": None,
        "description": "",
        "eligibility": list(LOAN_RULES),
        "terms": dict(LOAN_TERMS),
        **extra,
    }


@pytest.fixture(scope="module")
def world_once(
    module_db: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    with django_db_blocker.unblock():
        return _world(tmp_path_factory.mktemp("offer"))


@pytest.fixture
def world(db: Any, world_once: dict[str, Any]) -> dict[str, Any]:
    return shared(world_once)


def _world(tmp_path: Path) -> dict[str, Any]:
    admin = get_user_model().objects.create_superuser("root", "r@example.invalid", "pw")
    import_all(write_files(tmp_path / "files", 300, seed=5), "2025")
    run = scored_run(admin)
    ReferenceRate.objects.create(
        code="lpr_1y", name="LPR", value=3.0, as_of=dt.date(2025, 5, 20), example=True
    )
    bank = Institution.objects.create(name="自发银行", kind="bank")
    rival = Institution.objects.create(name="他行", kind="bank")
    banker = _user("banker", Role.INSTITUTION, institution=bank)
    sichuan = _user("sichuan", Role.GOVERNMENT, region=Region.objects.get(code="510000"))
    # before the run's first published list: one offering in each state
    shelved = publishing.approve(
        publishing.submit(publishing.save_draft(bank, _data("上架贷"), banker), banker), sichuan
    )
    pending = publishing.submit(publishing.save_draft(bank, _data("待审贷"), banker), banker)
    withdrawn = publishing.withdraw(
        publishing.approve(
            publishing.submit(publishing.save_draft(bank, _data("下架贷"), banker), banker),
            sichuan,
        ),
        banker,
    )
    draft = publishing.save_draft(bank, _data("草稿贷"), banker)
    top = Result.objects.filter(run=run, vetoed=False, tier__in=["A", "B"]).order_by("rank").first()
    assert top is not None
    Authorisation.objects.create(
        enterprise=top.enterprise, institution=bank, valid_from=dt.date(2025, 1, 1)
    )
    published_board(run, admin, "全省前 20%", kind="overall", share_from=0, share_to=20)
    assert RunMatching.objects.get(run=run).status == "done"
    return {
        "admin": admin,
        "run": run,
        "bank": bank,
        "rival": rival,
        "banker": banker,
        "rival_banker": _user("rival", Role.INSTITUTION, institution=rival),
        "sichuan": sichuan,
        "chengdu": _user("chengdu", Role.GOVERNMENT, region=Region.objects.get(code="510100")),
        "owner": _user("owner", Role.ENTERPRISE, enterprise=top.enterprise),
        "top": top.enterprise,
        "shelved": shelved,
        "pending": pending,
        "withdrawn": withdrawn,
        "draft": draft,
    }


def _expected_ab(run: Run) -> set[int]:
    return set(
        Result.objects.filter(run=run, vetoed=False, tier__in=["A", "B"]).values_list(
            "enterprise_id", flat=True
        )
    )


def test_matching_uses_only_shelved_offerings(world: dict[str, Any]) -> None:
    run = world["run"]
    matched = set(Match.objects.filter(run=run).values_list("offering_id", flat=True))
    assert world["shelved"].pk in matched
    for state in ("pending", "withdrawn", "draft"):
        assert world[state].pk not in matched, state
    got = set(
        Match.objects.filter(run=run, offering=world["shelved"]).values_list(
            "enterprise_id", flat=True
        )
    )
    assert got == _expected_ab(run) and got
    in_force = set(offerings_in_force(dt.date(2026, 1, 1)).values_list("pk", flat=True))
    assert in_force == {world["shelved"].pk}


def test_publish_return_edit_version_and_withdraw(world: dict[str, Any]) -> None:
    bank, banker, sichuan = world["bank"], world["banker"], world["sichuan"]
    offering = publishing.save_draft(bank, _data("新贷"), banker)
    assert (offering.review_state, offering.version, offering.active) == (Review.DRAFT, 1, False)
    with pytest.raises(publishing.ReviewError):
        publishing.approve(offering, sichuan)  # a draft is not reviewed
    offering = publishing.submit(offering, banker)
    with pytest.raises(publishing.ReviewError):
        publishing.send_back(offering, sichuan, "  ")  # a reason is required
    offering.refresh_from_db()
    assert offering.review_state == Review.PENDING and offering.review_reason == ""
    with pytest.raises(publishing.ReviewError):
        publishing.save_draft(bank, _data("改名"), banker, offering)  # pending: not editable
    offering = publishing.send_back(offering, sichuan, "利率条款不清楚")
    assert (offering.review_state, offering.review_reason) == (Review.RETURNED, "利率条款不清楚")
    offering = publishing.save_draft(bank, _data("新贷（修订）"), banker, offering)
    assert (offering.review_state, offering.version, offering.name) == (
        Review.DRAFT,
        2,
        "新贷（修订）",
    )
    offering = publishing.approve(publishing.submit(offering, banker), sichuan)
    assert (offering.review_state, offering.active) == (Review.ON_SHELF, True)
    with pytest.raises(publishing.ReviewError):
        publishing.save_draft(bank, _data("上架中改"), banker, offering)
    with pytest.raises(publishing.ReviewError):
        publishing.withdraw(offering, world["rival_banker"])
    offering = publishing.withdraw(offering, banker)
    assert (offering.review_state, offering.active) == (Review.WITHDRAWN, False)
    states = list(offering.history.order_by("history_date").values_list("review_state", "version"))
    assert states == [
        ("draft", 1),
        ("pending", 1),
        ("returned", 1),
        ("draft", 2),
        ("pending", 2),
        ("on_shelf", 2),
        ("withdrawn", 2),
    ]
    assert AuditEntry.objects.filter(object_id=str(offering.pk)).count() >= 7
    # the catalogue's awards stay with government
    with pytest.raises(publishing.ReviewError):
        publishing.save_draft(bank, _data("奖", kind=Offering.Kind.AWARD), banker)


def test_review_belongs_to_the_government_of_the_area(world: dict[str, Any]) -> None:
    pending = world["pending"]
    with pytest.raises(publishing.ReviewError):
        publishing.approve(pending, world["chengdu"])  # a city does not review a provincial one
    pending.refresh_from_db()
    assert pending.review_state == Review.PENDING
    assert (
        _client(world["chengdu"])
        .get(reverse("applications:gov_offering", args=[pending.pk]))
        .status_code
        == 404
    )
    queue = _client(world["sichuan"]).get(reverse("applications:gov_offerings"))
    assert queue.status_code == 200 and "待审贷" in queue.content.decode()
    page = reverse("applications:gov_offering", args=[pending.pk])
    client = _client(world["sichuan"])
    client.post(page, {"action": "return", "reason": ""})
    pending.refresh_from_db()
    assert pending.review_state == Review.PENDING  # no reason: nothing changed
    client.post(page, {"action": "return", "reason": "额度上限过高"})
    pending.refresh_from_db()
    assert (pending.review_state, pending.review_reason) == (Review.RETURNED, "额度上限过高")
    banker_page = _client(world["banker"]).get(
        reverse("applications:fin_offering", args=[pending.pk])
    )
    assert "额度上限过高" in banker_page.content.decode()


def test_a_bank_sees_only_its_own_offerings(world: dict[str, Any]) -> None:
    own = world["shelved"]
    rival = _client(world["rival_banker"])
    assert rival.get(reverse("applications:fin_offering", args=[own.pk])).status_code == 404
    assert rival.get(reverse("applications:fin_offering_edit", args=[own.pk])).status_code == 404
    assert (
        rival.post(reverse("applications:fin_offering_withdraw", args=[own.pk])).status_code == 404
    )
    listing = rival.get(reverse("applications:fin_offerings")).content.decode()
    assert "上架贷" not in listing
    mine = _client(world["banker"]).get(reverse("applications:fin_offerings")).content.decode()
    assert "上架贷" in mine and "草稿贷" in mine
    enterprise = _client(world["owner"])
    assert enterprise.get(reverse("applications:fin_offerings")).status_code == 403
    assert enterprise.get(reverse("applications:gov_offerings")).status_code == 403
    assert _client(world["banker"]).get(reverse("applications:gov_offerings")).status_code == 403


def test_preview_counts_by_tier_as_counted_by_hand(world: dict[str, Any]) -> None:
    run = world["run"]
    rules = [{"test": "no_veto"}, {"test": "score", "min": 40}]
    got = publishing.preview(rules, {}, institution=world["bank"], region=None)
    assert got["run"] == run
    rows = Result.objects.filter(run=run, vetoed=False, total__gte=40)
    by_tier = Counter(t or "—" for t in rows.values_list("tier", flat=True))
    assert got["total"] == rows.count() > 0
    assert dict(got["tiers"]) == dict(by_tier)
    chengdu = publishing.preview(
        rules, {}, institution=world["bank"], region=Region.objects.get(code="510100")
    )
    assert chengdu["total"] == rows.filter(region_code__startswith="5101").count()
    bad = publishing.preview([{"test": "nope"}], {}, institution=world["bank"], region=None)
    assert bad["error"] and bad["total"] == 0


def test_form_publishes_rules_and_terms_and_previews(world: dict[str, Any]) -> None:
    client = _client(world["banker"])
    form = {
        "name": "表单贷",
        "kind": "loan",
        "region": "510000",
        "valid_from": "2025-01-01",
        "no_veto": "on",
        "tiers": ["A", "B"],
        "rank_within": "overall",
        "max_amount": "600",
        "revenue_multiple": "0.25",
        "rate_base": "lpr_1y",
        "spread_bp": "90",
        "spread_A": "50",
        "term_months": "12",
    }
    preview = client.post(reverse("applications:fin_offering_preview"), form)
    assert preview.status_code == 200
    body = preview.content.decode()
    expected = _expected_ab(world["run"])
    assert f'<strong class="preview-total">{len(expected)}</strong>' in body
    response = client.post(reverse("applications:fin_offering_new"), {**form, "submit": "1"})
    assert response.status_code == 302
    offering = Offering.objects.get(name="表单贷")
    assert offering.institution == world["bank"] and offering.review_state == Review.PENDING
    assert offering.eligibility == [{"test": "no_veto"}, {"test": "tier", "in": ["A", "B"]}]
    assert offering.terms == {
        "max_amount": 600,
        "amount": {"revenue_multiple": 0.25},
        "rate": {"base": "lpr_1y", "spread_bp": 90, "tier_spread_bp": {"A": 50}},
        "term_months": 12,
    }
    # a spread without a base: a clear message, nothing stored
    bad = client.post(
        reverse("applications:fin_offering_new"), {**form, "name": "坏贷", "rate_base": ""}
    )
    assert bad.status_code == 200 and not Offering.objects.filter(name="坏贷").exists()
    assert "须选择基准利率" in bad.content.decode()


def test_bank_page_shows_indication_for_authorised_matches(world: dict[str, Any]) -> None:
    page = _client(world["banker"]).get(
        reverse("applications:fin_offering", args=[world["shelved"].pk])
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert world["top"].name in body and "参考利率" in body and "不构成授信决定" in body
    match = Match.objects.get(run=world["run"], offering=world["shelved"], enterprise=world["top"])
    shown = _client(world["owner"]).get(reverse("portals:ent_match", args=[match.pk]))
    text = shown.content.decode()
    assert 'id="indication"' in text and "仅供参考，不构成授信决定" in text
    tier = Result.objects.get(run=world["run"], enterprise=world["top"]).tier
    rate = "3.600%" if tier == "A" else "4.000%"  # LPR 3.0 + 60bp (A) or + 100bp
    assert rate in text


def test_demo_offerings_are_published_and_shelved(world: dict[str, Any]) -> None:
    shelved = publish_demo_offerings(world["sichuan"])
    assert len(shelved) == 2
    assert {o.institution.name for o in shelved} == {
        "示例银行四川省分行",
        "示例农村商业银行成都分行",
    }
    assert all(o.review_state == Review.ON_SHELF and o.active for o in shelved)
    again = publish_demo_offerings(world["sichuan"])  # idempotent
    assert [o.pk for o in again] == [o.pk for o in shelved]
