"""Targets as data and the financing funnel (issue 17 §6), hand-computed on a tiny world.

Chengdu 锦江区 (510104) has E1 (start-up, tier A) and E2 (growth, B); Zigong 自流井区 (510302)
has E3 (mature, C) and E4 (growth, vetoed: no tier). One published run. 甲银行's loan matched E1,
E2, E3; 乙银行's loan E2, E3, E4; the province's award E1 (7 matches). Applications (current
state): 甲 — E1 submitted, E2 approved, E3 disbursed, E2 settled; 乙 — E3 defaulted,
E2 compensated, E4 rejected."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from innopoints.accounts.models import Profile, Role
from innopoints.analysis.models import Leaderboard
from innopoints.applications.financing_figures import financing_figures
from innopoints.applications.match_and_push import matching_finished
from innopoints.applications.models import Financing, Match, Offering, RunMatching
from innopoints.audit.models import AuditEntry
from innopoints.lending.models import Application
from innopoints.registry.models import Enterprise, Institution, Region
from innopoints.scoring.models import Result, Run, SchemeVersion
from innopoints.targets import funnel, progress
from innopoints.targets.models import MatchRollup, Target
from innopoints.targets.rollup import build_rollup
from tests.conftest import codes

S = Application.Status


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _user(name: str, role: str, **profile: Any) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw")
    Profile.objects.create(user=user, role=role, **profile)
    return user


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    admin = get_user_model().objects.create_superuser("root", "r@example.invalid", "pw")
    jinjiang, ziliujing = Region.objects.get(code="510104"), Region.objects.get(code="510302")
    cc, zg = codes(2, "510104"), codes(2, "510302")
    e = {
        1: Enterprise.objects.create(credit_code=cc[0], name="一号科技", region=jinjiang),
        2: Enterprise.objects.create(credit_code=cc[1], name="二号科技", region=jinjiang),
        3: Enterprise.objects.create(credit_code=zg[0], name="三号科技", region=ziliujing),
        4: Enterprise.objects.create(credit_code=zg[1], name="四号科技", region=ziliujing),
    }
    run = Run.objects.create(
        period="2025",
        scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025"),
        status="done",
        started_by=admin,
        n_enterprises=4,
        finished_at=timezone.now(),
    )
    for rank, (k, stage, tier, vetoed) in enumerate(
        [
            (1, "startup", "A", False),
            (2, "growth", "B", False),
            (3, "mature", "C", False),
            (4, "growth", "", True),
        ],
        1,
    ):
        Result.objects.create(
            run=run,
            enterprise=e[k],
            stage=stage,
            base=50.0,
            bonus=0.0,
            total=50.0,
            vetoed=vetoed,
            rank=None if vetoed else rank,
            tier=tier,
            region_code=e[k].region_id,
        )
    Leaderboard.objects.bulk_create(  # published without starting the matching job
        [
            Leaderboard(
                run=run,
                title="全省榜",
                status="published",
                published_at=timezone.now(),
                published_by=admin,
            )
        ]
    )
    jia = Institution.objects.create(name="甲银行", kind="bank")
    yi = Institution.objects.create(name="乙银行", kind="bank")
    province = Region.objects.get(code="510000")

    def offering(code: str, name: str, kind: str, bank: Institution | None) -> Offering:
        return Offering.objects.create(
            code=code,
            name=name,
            kind=kind,
            institution=bank,
            issuer_name="" if bank else "四川省科学技术厅",
            issuer_region=None if bank else province,
            valid_from=dt.date(2025, 1, 1),
            eligibility=[],
        )

    loan_a = offering("loan-a", "甲贷", "loan", jia)
    loan_b = offering("loan-b", "乙贷", "loan", yi)
    award = offering("award", "积分奖", "award", None)
    now = timezone.now()
    Match.objects.bulk_create(
        [
            Match(run=run, offering=o, enterprise=e[k], created_at=now)
            for o, ks in ((loan_a, (1, 2, 3)), (loan_b, (2, 3, 4)), (award, (1,)))
            for k in ks
        ]
    )
    tiers = {1: ("A", "startup"), 2: ("B", "growth"), 3: ("C", "mature"), 4: ("", "growth")}
    for bank, loan, k, status in [
        (jia, loan_a, 1, S.SUBMITTED),
        (jia, loan_a, 2, S.APPROVED),
        (jia, loan_a, 3, S.DISBURSED),
        (jia, loan_a, 2, S.SETTLED),
        (yi, loan_b, 3, S.DEFAULTED),
        (yi, loan_b, 2, S.COMPENSATED),
        (yi, loan_b, 4, S.REJECTED),
    ]:
        Application.objects.create(
            enterprise=e[k],
            institution=bank,
            offering=loan,
            run=run,
            status=status,
            tier=tiers[k][0],
            stage=tiers[k][1],
            region_code=e[k].region_id,
            created_by=admin,
        )
    return {
        "run": run,
        "admin": admin,
        "jia": jia,
        "yi": yi,
        "loans": (loan_a, loan_b, award),
        "sichuan": _user("sichuan", Role.GOVERNMENT, region=province),
        "chengdu": _user("chengdu", Role.GOVERNMENT, region=Region.objects.get(code="510100")),
        "jinjiang": _user("jinjiang", Role.GOVERNMENT, region=jinjiang),
        "bank_yi": _user("bank_yi", Role.INSTITUTION, institution=yi),
    }


def _table(rows: list[funnel.FunnelRow]) -> dict[str, list[int]]:
    return {r.label: [r[s] for s in funnel.STEPS] for r in rows}


def test_the_seed_target_of_sichuan_is_there(db: Any) -> None:
    target = Target.objects.get(division_id="510000", year=2027)
    assert target.enterprises_scored == 30_000
    assert target.loan_volume == Decimal("6000.00") and target.direct_financing == Decimal("500.00")
    assert target.loan_volume_wan == Decimal("60000000.00")  # 6000 亿元 in 万元
    assert target.source == "四川省企业创新积分制实施方案 一、总体目标"


def test_rollup_equals_a_direct_count(world: dict[str, Any]) -> None:
    run = world["run"]
    assert build_rollup(run) == 7  # (offering, county, tier, stage) groups: one each
    result = {r.enterprise_id: r for r in Result.objects.filter(run=run)}
    for digits in (6, 4):  # by county, and by prefecture
        direct = Counter(
            (
                m.offering_id,
                result[m.enterprise_id].region_code[:digits],
                result[m.enterprise_id].tier,
                result[m.enterprise_id].stage,
            )
            for m in Match.objects.filter(run=run)
        )
        rolled = {
            (r.offering_id, r.region_code, r.tier, r.stage): r.count
            for r in MatchRollup.objects.filter(run=run, digits=digits)
        }
        assert rolled == dict(direct) and sum(rolled.values()) == 7
    assert build_rollup(run) == 7 and MatchRollup.objects.filter(run=run).count() == 14  # again


def test_the_rollup_is_built_when_matching_finishes(world: dict[str, Any]) -> None:
    matching_finished.send(sender=RunMatching, run=world["run"])
    counts = MatchRollup.objects.filter(run=world["run"], digits=6).values_list("count", flat=True)
    assert sum(counts) == 7


def test_hand_computed_funnel(world: dict[str, Any]) -> None:
    run = world["run"]
    build_rollup(run)
    province = funnel.viewer_of(world["sichuan"])
    assert province is not None
    rows, total = funnel.funnel(run, "bank", province)
    assert _table(rows) == {
        "甲银行": [3, 4, 3, 2, 0, 0],
        "乙银行": [3, 3, 2, 2, 2, 1],
        "政府部门发布的政策": [1, 0, 0, 0, 0, 0],
    }
    assert [total[s] for s in funnel.STEPS] == [7, 7, 5, 4, 2, 1]
    rows, _total = funnel.funnel(run, "division", province)
    assert _table(rows) == {"成都市": [4, 4, 3, 2, 1, 1], "自贡市": [3, 3, 2, 2, 1, 0]}
    rows, _total = funnel.funnel(run, "tier", province)
    table = _table(rows)
    assert table["A档"] == [2, 1, 0, 0, 0, 0] and table["B档"] == [2, 3, 3, 2, 1, 1]
    assert table["C档"] == [2, 2, 2, 2, 1, 0] and table["未分档（清零）"] == [1, 1, 0, 0, 0, 0]
    rows, _total = funnel.funnel(run, "product", province)
    assert sorted(r["matched"] for r in rows) == [1, 3, 3]
    rows, _total = funnel.funnel(run, "stage", province)
    assert sorted(r["applied"] for r in rows) == [1, 2, 4]  # start-up, mature, growth
    # a city: its counties only; a bank: only its own rows, everywhere
    chengdu = funnel.viewer_of(world["chengdu"])
    assert chengdu is not None
    rows, total = funnel.funnel(run, "division", chengdu)
    assert _table(rows) == {"锦江区": [4, 4, 3, 2, 1, 1]}
    bank = funnel.viewer_of(world["bank_yi"])
    assert bank is not None and bank.institution_id == world["yi"].pk
    rows, total = funnel.funnel(run, "bank", bank)
    assert _table(rows) == {"乙银行": [3, 3, 2, 2, 2, 1]}
    rows, _total = funnel.funnel(run, "division", bank)
    assert _table(rows) == {"成都市": [1, 1, 1, 1, 1, 1], "自贡市": [2, 2, 1, 1, 1, 0]}


def test_funnel_page_export_and_targets(world: dict[str, Any]) -> None:
    assert not MatchRollup.objects.filter(run=world["run"]).exists()  # matched before: built
    page = _client(world["sichuan"]).get(reverse("targets:funnel"), {"by": "bank"})
    assert page.status_code == 200
    assert page.context["target"].year == 2027 and page.context["progress"].scored == 4
    assert "乙银行" in page.content.decode() and "甲银行" in page.content.decode()
    assert [page.context["total"][s] for s in funnel.STEPS] == [7, 7, 5, 4, 2, 1]
    export = _client(world["sichuan"]).get(reverse("targets:funnel"), {"format": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert lines[0] == ["金融机构", "匹配", "申请", "批准", "放款", "违约", "代偿"]
    assert ["乙银行", 3, 3, 2, 2, 2, 1] in lines and lines[-1] == ["合计", 7, 7, 5, 4, 2, 1]
    bank_page = _client(world["bank_yi"]).get(reverse("targets:funnel"), {"by": "bank"})
    assert bank_page.status_code == 200 and bank_page.context["progress"] is None
    assert "甲银行" not in bank_page.content.decode()
    financing = _client(world["sichuan"]).get(reverse("portals:gov_financing"))
    assert financing.context["show_targets"]
    assert financing.context["targets"]["loans_outstanding"] == Decimal("60000000.00")
    assert _client(world["bank_yi"]).get(reverse("targets:list")).status_code == 403


def test_loan_balance_leaves_out_repaid_defaulted_and_compensated_loans(
    world: dict[str, Any],
) -> None:
    """贷款余额 by hand: only running loans (已放款, 逾期) count. The world's applications get
    the financing records the lending workflow gives them (a settled one 已结清, a defaulted
    and a compensated one 违约), plus two loans and an investment recorded without one."""
    admin, jia, yi = world["admin"], world["jia"], world["yi"]
    e = {x.name: x for x in Enterprise.objects.all()}

    def record(enterprise: str, bank: Any, amount: int, status: str, kind: str = "loan") -> Any:
        return Financing.objects.create(
            enterprise=e[enterprise],
            institution=bank,
            kind=kind,
            applied_on=dt.date(2026, 1, 5),
            status=status,
            amount=Decimal(amount),
            disbursed_on=dt.date(2026, 1, 20),
            recorded_by=admin,
        )

    for enterprise, bank, app_status, amount, status in [
        ("三号科技", jia, S.DISBURSED, 300, "disbursed"),  # Zigong, running
        ("二号科技", jia, S.SETTLED, 200, "repaid"),  # Chengdu
        ("三号科技", yi, S.DEFAULTED, 150, "defaulted"),  # Zigong
        ("二号科技", yi, S.COMPENSATED, 120, "defaulted"),  # Chengdu: compensated, still 违约
    ]:
        Application.objects.filter(
            enterprise=e[enterprise], institution=bank, status=app_status
        ).update(financing=record(enterprise, bank, amount, status))
    record("一号科技", jia, 80, "overdue")  # Chengdu, running though late
    record("一号科技", yi, 60, "disbursed")  # Chengdu
    record("一号科技", jia, 500, "disbursed", kind="investment")  # Chengdu, direct financing
    run = world["run"]
    sichuan = progress.progress(Target.objects.get(division_id="510000", year=2027), run)
    # 300 + 80 + 60; not 200 (repaid), 150 (defaulted) or 120 (compensated)
    assert sichuan.loans_outstanding == Decimal("440.00")
    assert sichuan.direct_financing == Decimal("500.00")
    chengdu = Target.objects.create(
        division_id="510100",
        year=2027,
        enterprises_scored=10,
        loan_volume=Decimal("1"),
        direct_financing=Decimal("1"),
    )
    city = progress.progress(chengdu, run)
    assert (city.loans_outstanding, city.direct_financing, city.scored) == (
        Decimal("140.00"),  # 80 + 60
        Decimal("500.00"),
        2,
    )
    # the financing figures page counts the same balance
    figures = financing_figures(Financing.objects.all(), None)
    assert figures.outstanding == pytest.approx(440)


def _post(client: Client, url: str, division: str, year: int, n: int) -> Any:
    return client.post(
        url,
        {
            "division": division,
            "year": year,
            "enterprises_scored": n,
            "loan_volume": "100.50",
            "direct_financing": "8",
            "source": "",
        },
    )


def test_who_may_set_targets(world: dict[str, Any]) -> None:
    province, city = _client(world["sichuan"]), _client(world["chengdu"])
    # the province sets Chengdu's
    assert _post(province, reverse("targets:new"), "510100", 2027, 9000).status_code == 302
    chengdu = Target.objects.get(division_id="510100", year=2027)
    assert chengdu.loan_volume == Decimal("100.50") and chengdu.updated_by == world["sichuan"]
    # Chengdu edits its own; the history keeps both versions
    edit = reverse("targets:edit", args=[chengdu.pk])
    assert _post(city, edit, "510100", 2027, 9500).status_code == 302
    chengdu.refresh_from_db()
    assert chengdu.enterprises_scored == 9500
    assert [h.enterprises_scored for h in chengdu.history.order_by("history_date")] == [9000, 9500]
    audited = AuditEntry.objects.filter(object_type="targets.target", object_id=str(chengdu.pk))
    assert list(audited.order_by("at", "pk").values_list("action", "actor__username")) == [
        ("create", "sichuan"),
        ("update", "chengdu"),
    ]
    # bad input: a clear message, nothing changed
    bad = city.post(
        edit,
        {
            "division": "510100",
            "year": 2027,
            "enterprises_scored": 1,
            "loan_volume": "-5",
            "direct_financing": "8",
            "source": "",
        },
    )
    assert bad.status_code == 200 and bad.context["form"].errors["loan_volume"]
    chengdu.refresh_from_db()
    assert chengdu.enterprises_scored == 9500 and chengdu.loan_volume == Decimal("100.50")
    # …but neither Zigong's nor the province's: nothing changes
    before = Target.objects.count()
    refused = _post(city, reverse("targets:new"), "510300", 2027, 1)
    assert refused.status_code == 200 and refused.context["form"].errors["division"]
    assert Target.objects.count() == before
    seeded = Target.objects.get(division_id="510000", year=2027)
    assert city.get(reverse("targets:edit", args=[seeded.pk])).status_code == 403
    assert (
        _post(city, reverse("targets:edit", args=[seeded.pk]), "510100", 2030, 1).status_code == 403
    )
    seeded.refresh_from_db()
    assert seeded.enterprises_scored == 30_000
    # a county user sets only its own division's; a second target for the same year is refused
    assert (
        _post(_client(world["jinjiang"]), reverse("targets:new"), "510104", 2027, 10).status_code
        == 302
    )
    twice = _post(province, reverse("targets:new"), "510100", 2027, 1)
    assert twice.status_code == 200 and Target.objects.filter(division_id="510100").count() == 1
    # the city's funnel page measures against its own target
    page = city.get(reverse("targets:funnel"))
    assert page.context["target"].pk == chengdu.pk and page.context["progress"].scored == 2


def test_the_matching_job_leaves_the_rollup(world: dict[str, Any]) -> None:
    """The real job (match_and_push.match_run): its matches and the rollup agree."""
    from innopoints.applications.match_and_push import match_run  # noqa: PLC0415

    run = world["run"]
    Match.objects.filter(run=run).delete()
    RunMatching.objects.create(run=run)
    job = match_run(run.pk)
    assert job.status == "done", job.error
    n = Match.objects.filter(run=run).count()
    assert n == job.n_matches and n > 0
    for digits in (6, 4):
        rolled = MatchRollup.objects.filter(run=run, digits=digits)
        assert sum(rolled.values_list("count", flat=True)) == n
