"""Financing statistics and outcome analytics against hand-computed figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from innopoints.accounts.models import Profile, Role
from innopoints.analysis.models import Leaderboard
from innopoints.applications.financing_figures import financing_figures, outcome_figures
from innopoints.applications.models import Financing
from innopoints.collection.demo import import_all, write_files
from innopoints.registry.models import Institution, Region
from innopoints.scoring import execution
from innopoints.scoring.models import Result, Run, SchemeVersion


@pytest.fixture
def book(db: Any, tmp_path: Path) -> dict[str, Any]:
    admin = get_user_model().objects.create_superuser("root", "r@example.invalid", "pw")
    import_all(write_files(tmp_path / "files", 300, seed=9), "2025")
    run = Run.objects.create(
        period="2025", scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025")
    )
    execution.execute(run)
    board = Leaderboard.objects.create(run=run, title="全省", kind="overall", top_n=10)
    board.status, board.published_at, board.published_by = "published", timezone.now(), admin
    board.save()
    ranked = Result.objects.filter(run=run, vetoed=False).select_related("enterprise")
    local = [
        r.enterprise for r in ranked.filter(region_code__startswith="5101").order_by("rank")[:5]
    ]
    away = ranked.exclude(region_code__startswith="5101").first()
    assert len(local) == 5 and away is not None
    bank = Institution.objects.create(name="甲银行", kind="bank")
    other = Institution.objects.create(name="乙银行", kind="bank")

    def record(enterprise: Any, institution: Any = bank, **fields: Any) -> Financing:
        return Financing.objects.create(
            enterprise=enterprise,
            institution=institution,
            applied_on=dt.date(2026, 1, 2),
            recorded_by=admin,
            **fields,
        )

    e1, e2, e3, e4, e5 = local
    granted = {"decided_on": dt.date(2026, 1, 5)}
    record(
        e1,
        status="disbursed",
        amount=Decimal(400),
        rate=Decimal("3.5"),
        disbursed_on=dt.date(2026, 1, 10),
        **granted,
    )
    record(
        e1,
        other,
        status="disbursed",
        amount=Decimal(200),
        rate=Decimal("4.5"),
        disbursed_on=dt.date(2026, 3, 1),
        **granted,
    )
    record(
        e2,
        status="defaulted",
        amount=Decimal(100),
        rate=Decimal("5.0"),
        disbursed_on=dt.date(2026, 2, 1),
        **granted,
    )
    record(e3, status="rejected")
    record(
        e4,
        kind="investment",
        status="disbursed",
        amount=Decimal(1000),
        disbursed_on=dt.date(2026, 2, 2),
        **granted,
    )
    record(
        e5,
        status="repaid",
        amount=Decimal(300),
        rate=Decimal("4.0"),
        disbursed_on=dt.date(2026, 1, 20),
        **granted,
    )
    record(
        away.enterprise,
        status="disbursed",
        amount=Decimal(999),
        rate=Decimal("9"),
        disbursed_on=dt.date(2026, 1, 20),
        **granted,
    )
    return {"run": run, "local": local, "away": away.enterprise, "bank": bank, "admin": admin}


def test_volumes_rates_first_loans_and_targets(book: dict[str, Any]) -> None:
    targets = {"loans_outstanding": 60_000_000, "direct_financing": 5_000_000}  # 6000/500 亿元
    figures = financing_figures(
        Financing.objects.filter(enterprise__region__code__startswith="5101"), targets
    )
    assert figures.n == 6
    assert figures.disbursed == pytest.approx(400 + 200 + 100 + 300)
    # neither the repaid (300) nor the defaulted (100) loan is outstanding
    assert figures.outstanding == pytest.approx(400 + 200)
    assert figures.direct == pytest.approx(1000)
    assert figures.average_rate == pytest.approx((400 * 3.5 + 200 * 4.5 + 100 * 5 + 300 * 4) / 1000)
    assert figures.first_loans == 3 and figures.first_loan_amount == pytest.approx(800)
    assert figures.progress["loans_outstanding"] == pytest.approx(
        100 * 600 / targets["loans_outstanding"]
    )
    by_institution = {row["institution"]: row for row in figures.by["institution"]}
    assert by_institution["乙银行"]["disbursed"] == pytest.approx(200)
    assert by_institution["乙银行"]["first_loans"] == 0  # e1's first loan came from 甲银行


def test_outcomes_auc_ks_and_default_rates(book: dict[str, Any]) -> None:
    o = outcome_figures(Financing.objects.filter(enterprise__region__code__startswith="5101"))
    e1, e2, _e3, _e4, e5 = book["local"]
    total = {r.enterprise_id: r.total for r in Result.objects.filter(run=book["run"])}
    good = [total[e1.pk], total[e1.pk], total[e5.pk]]
    bad = [total[e2.pk]]
    pairs = sum((g > b) + 0.5 * (g == b) for g in good for b in bad)
    assert o.n == 4 and o.defaults == 1
    assert o.auc == pytest.approx(pairs / 3)
    assert sum(r["defaults"] for r in o.by_tier) == 1


def test_pages_are_scoped(book: dict[str, Any]) -> None:
    city = get_user_model().objects.create_user("cd", "cd@example.invalid", "pw")
    Profile.objects.create(
        user=city, role=Role.GOVERNMENT, region=Region.objects.get(code="510100")
    )
    banker = get_user_model().objects.create_user("bk", "bk@example.invalid", "pw")
    Profile.objects.create(user=banker, role=Role.INSTITUTION, institution=book["bank"])
    client = Client()
    client.force_login(city)
    page = client.get(reverse("portals:gov_financing"))
    assert page.status_code == 200 and page.context["f"].n == 6  # not the other region's loan
    client.force_login(banker)
    page = client.get(reverse("portals:fin_outcomes"))
    mine = page.context["f"]  # 甲银行's records only: not 乙银行's 200
    assert page.status_code == 200 and mine.n == 6
    assert mine.disbursed == pytest.approx(400 + 100 + 300 + 999)
    assert client.get(reverse("portals:gov_financing")).status_code == 403
