"""积分应用: the catalogue's rules and terms, vectorised matching after a published 积分榜,
pushes exactly once, opt-outs, institutions told only with an authorisation, the uptake page
restricted to the user's division, and an enterprise's matches private to it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from innopoints.accounts.models import Profile, Role
from innopoints.analysis.models import Leaderboard
from innopoints.applications import matching
from innopoints.applications.catalogue import load_offerings
from innopoints.applications.models import (
    Financing,
    Match,
    Message,
    Offering,
    Push,
    PushOptOut,
    ReferenceRate,
    RunMatching,
)
from innopoints.collection.demo import import_all, write_files
from innopoints.collection.models import Authorisation
from innopoints.registry.models import Institution, Region
from innopoints.scoring.models import Result, Run
from tests.platform.conftest import published_board, scored_run, shared

# ---------------------------------------------------------------- the plain module

SMALL = pl.DataFrame(
    {
        "enterprise_id": [1, 2, 3, 4],
        "total": [80.0, 65.0, 50.0, None],
        "tier": ["A", "B", "C", None],
        "stage": ["seed", "seed", "growth", "growth"],
        "vetoed": [False, False, False, True],
        "rank": [1, 2, 3, None],
        "rank_stage": [1, 2, 1, None],
        "industry": ["电子信息", "生物医药", "电子信息", None],
        "region_code": ["510107", "510104", "510500", "510107"],
        "qualifications": [["hitech", "sme"], ["sme"], [], None],
        "pools": [["sme"], [], ["sme", "hitech"], None],
        "authorised": [[7], [8], None, [7]],
        "revenue": [1000.0, 5000.0, 300.0, None],
        "revenue_prev": [600.0, 3000.0, None, None],
    },
    schema_overrides={
        "qualifications": pl.List(pl.String),
        "pools": pl.List(pl.String),
        "authorised": pl.List(pl.Int64),
    },
)


def _eligible(condition: dict[str, Any], **spec: Any) -> list[int]:
    frame = matching.with_rank_shares(SMALL)
    matching.check_condition(condition, institution=spec.get("institution_id") is not None)
    pairs = matching.evaluate(
        frame, [matching.OfferingSpec(id=1, eligibility=[condition], **spec)], {}
    )
    return sorted(pairs["enterprise"].to_list())


@pytest.mark.parametrize(
    ("condition", "spec", "expected"),
    [
        ({"test": "score", "gt": 65}, {}, [1]),
        ({"test": "score", "min": 65}, {}, [1, 2]),
        ({"test": "score", "min": 50, "lt": 80}, {}, [2, 3]),
        ({"test": "tier", "in": ["A", "B"]}, {}, [1, 2]),
        # ranks 1..3 of 3 ranked: shares 33.3, 66.7, 100
        ({"test": "rank_share", "max": 40}, {}, [1]),
        ({"test": "rank_share", "max": 70}, {}, [1, 2]),
        # within the stage: seed 1/2 = 50 %, 2/2 = 100 %; growth 1/1 = 100 %
        ({"test": "rank_share", "max": 50, "within": "stage"}, {}, [1]),
        ({"test": "rank_share", "max": 100, "within": "stage"}, {}, [1, 2, 3]),
        ({"test": "stage", "in": ["growth"]}, {}, [3, 4]),
        ({"test": "industry", "in": ["电子信息"]}, {}, [1, 3]),
        ({"test": "region", "in": ["5101"]}, {}, [1, 2, 4]),
        ({"test": "region", "in": ["510107", "5105"]}, {}, [1, 3, 4]),
        ({"test": "qualification", "any": ["hitech"]}, {}, [1]),
        ({"test": "qualification", "any": ["sme", "little_giant"]}, {}, [1, 2]),
        ({"test": "qualification", "all": ["sme", "hitech"]}, {}, [1]),
        ({"test": "pool", "any": ["sme"]}, {}, [1, 3]),
        ({"test": "pool", "all": ["sme", "hitech"]}, {}, [3]),
        ({"test": "no_veto"}, {}, [1, 2, 3]),
        ({"test": "authorisation"}, {"institution_id": 7}, [1, 4]),
        ({"test": "authorisation"}, {"institution_id": 9}, []),
        ({"test": "fact", "field": "revenue", "min": 1000}, {}, [1, 2]),
        ({"test": "fact", "field": "no_such_fact", "min": 0}, {}, []),
        # the offering's own region scope is a condition too
        ({"test": "no_veto"}, {"region_prefix": "5101"}, [1, 2]),
    ],
)
def test_each_condition_type(
    condition: dict[str, Any], spec: dict[str, Any], expected: list[int]
) -> None:
    assert _eligible(condition, **spec) == expected


def test_reasons_record_each_value_and_explain_names_what_failed() -> None:
    frame = matching.with_rank_shares(SMALL)
    spec = matching.OfferingSpec(
        id=5,
        institution_id=7,
        region_prefix="51",
        eligibility=[
            {"test": "score", "gt": 65},
            {"test": "qualification", "any": ["hitech"]},
            {"test": "authorisation"},
            {"test": "rank_share", "max": 50},
        ],
    )
    pairs = matching.evaluate(frame, [spec], {})
    assert pairs["enterprise"].to_list() == [1]
    reasons = json.loads(pairs["reasons"][0])
    assert [(r["test"], r["value"]) for r in reasons] == [
        ("region", "510107"),
        ("score", 80.0),
        ("qualification", ["hitech"]),
        ("authorisation", True),
        ("rank_share", 33.33),
    ]
    assert reasons[1]["rule"] == {"gt": 65}
    lines = matching.explain(frame.filter(pl.col("enterprise_id") == 2), spec)
    assert [(x["test"], x["ok"], x["value"]) for x in lines] == [
        ("region", True, "510104"),
        ("score", False, 65.0),
        ("qualification", False, []),
        ("authorisation", False, False),
        ("rank_share", False, 66.67),
    ]


def test_amount_is_the_lesser_of_cap_and_k_times_average_revenue_and_rate_by_tier() -> None:
    frame = matching.with_rank_shares(SMALL)
    terms = {
        "max_amount": 1000,
        "amount": {"revenue_multiple": 0.5},
        "rate": {"base": "lpr_1y", "spread_bp": 80, "tier_spread_bp": {"A": 50, "B": 65}},
    }
    matching.check_terms(terms)
    spec = matching.OfferingSpec(id=1, eligibility=[], terms=terms)
    pairs = matching.evaluate(frame, [spec], {"lpr_1y": 3.0}).sort("enterprise")
    # 1: (1000 + 600) / 2 × 0.5 = 400; 2: (5000 + 3000) / 2 × 0.5 = 2000 → cap 1000;
    # 3: only this year's 300 × 0.5 = 150; 4: no revenue, no suggestion
    assert pairs["suggested_amount"].to_list() == [400.0, 1000.0, 150.0, None]
    # A: 3.0 + 0.50; B: 3.0 + 0.65; C: the default 80 bp; no tier: the default too
    assert pairs["suggested_rate"].to_list() == [3.5, 3.65, 3.8, 3.8]
    fixed = matching.OfferingSpec(
        id=2, eligibility=[], terms={"max_amount": 300, "rate": {"fixed": 4.2}}
    )
    both = matching.evaluate(frame, [fixed], {})
    assert set(both["suggested_amount"]) == {300.0} and set(both["suggested_rate"]) == {4.2}


@pytest.mark.parametrize(
    ("eligibility", "terms", "message"),
    [
        ([{"test": "scor", "min": 1}], {}, "未知条件类型 scor"),
        ([{"test": "score"}], {}, "须给出 min、gt、max 或 lt"),
        ([{"test": "rank_share", "max": 150}], {}, "0–100"),
        ([{"test": "tier", "in": "A"}], {}, "非空的文字列表"),
        ([{"test": "tier", "in": ["A"], "max": 3}], {}, "不接受参数 max"),
        ([{"test": "authorisation"}], {}, "只适用于金融机构"),
        ({"test": "no_veto"}, {}, "条件列表"),
        ([], {"amount": {"revenue_multiple": 0.5}}, "max_amount"),
        ([], {"rate": {"spread_bp": 80}}, "利率规则"),
        ([], {"guarantee_share": 160}, "不能超过 100"),
        ([], {"limit": 3}, "未知条款 limit"),
    ],
)
def test_rules_and_terms_are_checked_on_save(
    db: Any, eligibility: Any, terms: Any, message: str
) -> None:
    offering = Offering(
        code="bad",
        name="坏规则",
        kind="policy",
        issuer_name="某部门",
        issuer_region=Region.objects.get(code="510000"),
        valid_from=dt.date(2025, 1, 1),
        eligibility=eligibility,
        terms=terms,
    )
    with pytest.raises(ValidationError) as caught:
        offering.save()
    assert message in str(caught.value)


def test_example_catalogue_loads_and_quotes_its_sources(db: Any) -> None:
    before = Offering.objects.count()  # the module's shared offerings (conftest.module_db)
    stored = load_offerings()
    assert {o.code for o in stored} >= {"tianfu-kechuang-dai", "jifen-dai-65"}
    tianfu = Offering.objects.get(code="tianfu-kechuang-dai")
    assert "天府科创贷" in tianfu.source and "35%" in tianfu.source.replace(" ", "")
    assert tianfu.terms["risk_sharing"] and tianfu.issuer_name == "四川省科学技术厅"
    loan = Offering.objects.get(code="jifen-dai-65")
    assert loan.terms["max_amount"] == 1000 and loan.terms["guarantee_share"] == 60
    assert loan.terms["rate"]["spread_bp"] == 80 and {"test": "score", "gt": 65} in loan.eligibility
    lpr = ReferenceRate.objects.get(code="lpr_1y")
    assert lpr.example and float(lpr.value) == 3.0
    assert len(load_offerings()) == len(stored)
    assert Offering.objects.count() == before + len(stored)


# ---------------------------------------------------------------- on the platform


def _user(name: str, role: str, **bound: Any) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw-" + name)
    Profile.objects.create(user=user, role=role, **bound)
    return user


def _client(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _publish(run: Run, admin: Any, title: str = "全省前 20%") -> Leaderboard:
    return published_board(run, admin, title, kind="overall", share_from=0, share_to=20)


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
    import_all(write_files(tmp_path / "files", 300, seed=5), "2025")
    run = scored_run(admin)
    ranked = Result.objects.filter(run=run, vetoed=False, tier__in=["A", "B"])
    mine = ranked.filter(region_code__startswith="5101").order_by("rank").first()
    other = ranked.exclude(region_code__startswith="5101").order_by("rank").first()
    assert mine is not None and other is not None
    bank = Institution.objects.create(name="测试银行", kind="bank")
    Authorisation.objects.create(
        enterprise=mine.enterprise, institution=bank, valid_from=dt.date(2025, 1, 1)
    )
    ReferenceRate.objects.create(
        code="lpr_1y", name="LPR", value=3.0, as_of=dt.date(2025, 5, 20), example=True
    )
    loan = Offering.objects.create(
        code="loan",
        name="积分贷",
        kind="loan",
        institution=bank,
        region=Region.objects.get(code="510000"),
        valid_from=dt.date(2025, 1, 1),
        eligibility=[{"test": "no_veto"}, {"test": "tier", "in": ["A", "B"]}],
        terms={
            "max_amount": 1000,
            "amount": {"revenue_multiple": 0.3},
            "rate": {"base": "lpr_1y", "spread_bp": 80, "tier_spread_bp": {"A": 50, "B": 65}},
            "guarantee_share": 60,
        },
    )
    award = Offering.objects.create(
        code="award",
        name="积分奖",
        kind="award",
        issuer_name="四川省科学技术厅",
        issuer_region=Region.objects.get(code="510000"),
        valid_from=dt.date(2025, 1, 1),
        eligibility=[{"test": "rank_share", "max": 10, "within": "stage"}],
    )
    Offering.objects.create(  # expired: never matched
        code="old",
        name="过期政策",
        kind="policy",
        issuer_name="四川省科学技术厅",
        issuer_region=Region.objects.get(code="510000"),
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2021, 1, 1),
        eligibility=[],
    )
    return {
        "admin": admin,
        "run": run,
        "mine": mine.enterprise,
        "other": other.enterprise,
        "bank": bank,
        "loan": loan,
        "award": award,
        "owner": _user("owner", Role.ENTERPRISE, enterprise=mine.enterprise),
        "stranger": _user("stranger", Role.ENTERPRISE, enterprise=other.enterprise),
        "chengdu": _user("chengdu", Role.GOVERNMENT, region=Region.objects.get(code="510100")),
        "sichuan": _user("sichuan", Role.GOVERNMENT, region=Region.objects.get(code="510000")),
        "banker": _user("banker", Role.INSTITUTION, institution=bank),
    }


def test_publishing_matches_and_pushes_exactly_once(world: dict[str, Any]) -> None:
    run, loan, award, admin = world["run"], world["loan"], world["award"], world["admin"]
    Leaderboard.objects.create(run=run, title="草稿", kind="overall", top_n=10)  # a draft: nothing
    assert not RunMatching.objects.exists()
    _publish(run, admin)
    job = RunMatching.objects.get(run=run)
    assert job.status == "done", job.error
    results = Result.objects.filter(run=run)
    expected = set(
        results.filter(vetoed=False, tier__in=["A", "B"]).values_list("enterprise_id", flat=True)
    )
    got = set(Match.objects.filter(run=run, offering=loan).values_list("enterprise_id", flat=True))
    assert got == expected and expected
    assert not Match.objects.filter(offering__code="old").exists()
    # top 10 % of each stage: rank within the stage ≤ 10 % of the stage's ranked enterprises
    top = set()
    for stage in set(results.values_list("stage", flat=True)):
        ranked = results.filter(stage=stage, rank_stage__isnull=False)
        top |= set(
            ranked.filter(rank_stage__lte=ranked.count() * 0.1).values_list(
                "enterprise_id", flat=True
            )
        )
    assert (
        set(Match.objects.filter(run=run, offering=award).values_list("enterprise_id", flat=True))
        == top
    )
    # reasons and terms of one match
    match = Match.objects.get(run=run, offering=loan, enterprise=world["mine"])
    result = results.get(enterprise=world["mine"])
    assert [r["test"] for r in match.reasons] == ["region", "no_veto", "tier"]
    assert match.reasons[2]["value"] == result.tier
    spread = {"A": 0.5, "B": 0.65}[result.tier]
    assert float(match.suggested_rate) == pytest.approx(3.0 + spread)
    assert match.suggested_amount is None or float(match.suggested_amount) <= 1000
    # pushed: one inbox message per pair, one e-mail per enterprise user with an address
    n_pairs = Match.objects.filter(run=run).count()
    assert Push.objects.count() == n_pairs == job.n_pushed == job.n_matches
    assert Message.objects.filter(enterprise__isnull=False, kind="policy_match").count() == n_pairs
    assert Message.objects.filter(enterprise=world["mine"], subject__contains="积分贷").exists()
    to_owner = [m for m in mail.outbox if m.to == ["owner@example.invalid"]]
    assert len(to_owner) == 1 and "积分贷" in to_owner[0].body
    assert Push.objects.get(enterprise=world["mine"], offering=loan).emailed
    # publishing another list of the same run does not match again
    _publish(run, admin, "第二份榜单")
    assert Match.objects.count() == n_pairs and RunMatching.objects.count() == 1
    # a later run with the same eligible pairs: matched again, pushed never again
    mail.outbox.clear()
    later = scored_run(admin)
    _publish(later, admin, "下一期")
    assert RunMatching.objects.get(run=later).status == "done"
    assert Match.objects.filter(run=later).count() == n_pairs
    assert Push.objects.count() == n_pairs and RunMatching.objects.get(run=later).n_pushed == 0
    assert Message.objects.filter(enterprise__isnull=False, kind="policy_match").count() == n_pairs
    assert not mail.outbox


def test_opt_out_is_respected_and_institution_told_only_when_authorised(
    world: dict[str, Any],
) -> None:
    mine, other, loan = world["mine"], world["other"], world["loan"]
    PushOptOut.objects.create(enterprise=other, kind="loan")
    _publish(world["run"], world["admin"])
    assert Match.objects.filter(offering=loan, enterprise=other).exists()  # matched, not pushed
    assert not Push.objects.filter(offering=loan, enterprise=other).exists()
    assert not Message.objects.filter(enterprise=other, subject__contains="积分贷").exists()
    assert Push.objects.filter(offering=world["award"], enterprise=other).exists() == (
        Match.objects.filter(offering=world["award"], enterprise=other).exists()
    )
    told = Message.objects.filter(institution=world["bank"], kind="policy_match")
    assert told.count() == 1
    notice = told.get()
    assert mine.name in notice.body and notice.subject.startswith("1 家")
    # only the authorised enterprise, although every A/B enterprise matched
    assert Match.objects.filter(offering=loan).count() > 1
    assert Push.objects.filter(institution_notified=True).count() == 1
    # the enterprise's settings page writes the opt-outs
    client = _client(world["owner"])
    assert client.get(reverse("portals:ent_push_settings")).status_code == 200
    kept = [k for k in Offering.Kind.values if k != "award"]
    assert client.post(reverse("portals:ent_push_settings"), {"kind": kept}).status_code == 302
    assert list(PushOptOut.objects.filter(enterprise=mine).values_list("kind", flat=True)) == [
        "award"
    ]


def test_uptake_page_is_restricted_to_the_division(world: dict[str, Any]) -> None:
    _publish(world["run"], world["admin"])
    mine, loan = world["mine"], world["loan"]
    Financing.objects.create(
        enterprise=mine,
        institution=world["bank"],
        kind="loan",
        applied_on=timezone.localdate(),
        recorded_by=world["banker"],
    )
    chengdu = _client(world["chengdu"]).get(reverse("portals:gov_uptake"))
    sichuan = _client(world["sichuan"]).get(reverse("portals:gov_uptake"))
    assert chengdu.status_code == 200 and sichuan.status_code == 200
    rows = {r["offering"].code: r for r in chengdu.context["rows"]}
    whole = {r["offering"].code: r for r in sichuan.context["rows"]}
    in_chengdu = Match.objects.filter(offering=loan, enterprise__region__code__startswith="5101")
    assert rows["loan"]["matched"] == in_chengdu.count() < whole["loan"]["matched"]
    assert whole["loan"]["matched"] == Match.objects.filter(offering=loan).count()
    assert rows["loan"]["pushed"] == in_chengdu.count()
    assert rows["loan"]["applied"] == 1 == whole["loan"]["applied"]
    assert rows["award"]["applied"] is None  # no financing follows an award
    for who in ("owner", "banker"):
        assert _client(world[who]).get(reverse("portals:gov_uptake")).status_code == 403


def test_an_enterprise_sees_only_its_own_matches(world: dict[str, Any]) -> None:
    _publish(world["run"], world["admin"])
    own = Match.objects.get(offering=world["loan"], enterprise=world["mine"])
    foreign = Match.objects.get(offering=world["loan"], enterprise=world["other"])
    owner = _client(world["owner"])
    page = owner.get(reverse("portals:ent_matches"))
    assert page.status_code == 200
    assert [m.pk for m in page.context["matches"]] == list(
        Match.objects.filter(enterprise=world["mine"]).values_list("pk", flat=True)
    )
    detail = owner.get(reverse("portals:ent_match", args=[own.pk]))
    assert detail.status_code == 200 and "满足" in detail.content.decode()
    assert owner.get(reverse("portals:ent_match", args=[foreign.pk])).status_code == 404
    for who, status in (("chengdu", 403), ("banker", 403)):
        client = _client(world[who])
        assert client.get(reverse("portals:ent_matches")).status_code == status
        assert client.get(reverse("portals:ent_match", args=[own.pk])).status_code == status
    assert Client().get(reverse("portals:ent_matches")).status_code == 302
    # an offering it does not meet: the failing condition is named
    strict = Offering.objects.create(
        code="strict",
        name="高门槛政策",
        kind="policy",
        issuer_name="四川省科学技术厅",
        issuer_region=Region.objects.get(code="510000"),
        valid_from=dt.date(2025, 1, 1),
        eligibility=[{"test": "no_veto"}, {"test": "score", "min": 1000}],
    )
    why = owner.get(reverse("portals:ent_offering", args=[strict.pk]))
    assert why.status_code == 200
    assert [line["ok"] for line in why.context["lines"]] == [True, False]
    assert not why.context["explanation"]["eligible"]
