"""The government home's dashboard figures, hand-computed on five enterprises, and the
government search box's scope (a city user never finds another city's enterprise).

The world: Chengdu 锦江区 has 甲 (start-up, 80 points, tier A) and 乙 (growth, 60, B), 武侯区 has
丙 (growth, vetoed), Zigong 自流井区 has 丁 (mature, 50, C) and 戊 (start-up, 30, D) — one
official run of the province (sichuan-2025, published). 甲 and 丁 were pushed an offering;
甲 applied for a loan, 乙's was approved, 丁's was disbursed. The tax bureau delivered values
of 甲, 乙 and 丁 for 2025 (one open finding, on 甲), the science department of 丁."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from innopoints.accounts.models import Profile, Role
from innopoints.analysis.models import Leaderboard
from innopoints.applications.models import Financing, Offering, Push
from innopoints.collection.models import DataSource, FactValue, Finding, ImportBatch
from innopoints.portals import dashboard
from innopoints.registry.models import Enterprise, Institution, Region
from innopoints.scoring.models import Result, Run, SchemeVersion
from tests.conftest import codes


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()  # the dashboard caches its counts; ids repeat between tests
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
    jinjiang, wuhou, ziliujing = (
        Region.objects.get(code=c) for c in ("510104", "510107", "510302")
    )
    chengdu_codes, wuhou_codes, zigong_codes = (
        codes(2, "510104"),
        codes(3, "510107"),
        codes(4, "510302"),
    )
    firms = {
        "甲": Enterprise.objects.create(
            credit_code=chengdu_codes[0], name="甲科技", region=jinjiang
        ),
        "乙": Enterprise.objects.create(
            credit_code=chengdu_codes[1], name="乙科技", region=jinjiang
        ),
        "丙": Enterprise.objects.create(credit_code=wuhou_codes[0], name="丙科技", region=wuhou),
        "丁": Enterprise.objects.create(
            credit_code=zigong_codes[0], name="丁科技", region=ziliujing
        ),
        "戊": Enterprise.objects.create(
            credit_code=zigong_codes[1], name="戊科技", region=ziliujing
        ),
    }
    run = Run.objects.create(
        period="2025",
        scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025"),
        status="done",
        started_by=admin,
        n_enterprises=5,
        finished_at=timezone.now(),
    )
    scored = [  # name, stage, total, tier, vetoed
        ("甲", "startup", 80.0, "A", False),
        ("乙", "growth", 60.0, "B", False),
        ("丙", "growth", 0.0, "", True),
        ("丁", "mature", 50.0, "C", False),
        ("戊", "startup", 30.0, "D", False),
    ]
    for rank, (name, stage, total, tier, vetoed) in enumerate(scored, 1):
        firm = firms[name]
        Result.objects.create(
            run=run,
            enterprise=firm,
            stage=stage,
            base=total,
            bonus=0.0,
            total=total,
            vetoed=vetoed,
            rank=None if vetoed else rank,
            tier=tier,
            region_code=firm.region_id,
        )
    # published without the signal that starts matching (nothing to match in this world)
    Leaderboard.objects.bulk_create(
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
    bank = Institution.objects.create(name="测试银行", kind="bank")
    award = Offering.objects.create(
        code="award",
        name="积分奖",
        kind="award",
        issuer_name="四川省科学技术厅",
        issuer_region=Region.objects.get(code="510000"),
        valid_from=dt.date(2025, 1, 1),
        eligibility=[],
    )
    for name in ("甲", "丁"):
        Push.objects.create(
            enterprise=firms[name], offering=award, run=run, created_at=timezone.now()
        )
    for name, status in (("甲", "applied"), ("乙", "approved"), ("丁", "disbursed")):
        Financing.objects.create(
            enterprise=firms[name],
            institution=bank,
            applied_on=dt.date(2025, 6, 1),
            status=status,
            amount=100,
            recorded_by=admin,
        )
    tax, sti = DataSource.objects.get(code="tax"), DataSource.objects.get(code="sti")
    batches = {}
    for source in (tax, sti):
        batches[source.code] = ImportBatch.objects.create(
            source=source, period="2025", file_name=f"{source.code}.csv", sha256=source.code * 4
        )
    for name, source, field in (
        ("甲", tax, "rd_expense"),
        ("甲", tax, "revenue"),  # two values of one enterprise: one enterprise delivered
        ("乙", tax, "rd_expense"),
        ("丁", tax, "rd_expense"),
        ("丁", sti, "staff_sci"),
    ):
        FactValue.objects.create(
            enterprise=firms[name],
            period="2025",
            field_code=field,
            value=1.0,
            source=source,
            batch=batches[source.code],
        )
    Finding.objects.create(
        kind="discrepancy",
        rule="multi_source",
        enterprise=firms["甲"],
        period="2025",
        field_code="rd_expense",
        message="甲",
        batch=batches["tax"],
    )
    return {
        "admin": admin,
        "run": run,
        "firms": firms,
        "sichuan": _user("sichuan", Role.GOVERNMENT, region=Region.objects.get(code="510000")),
        "chengdu": _user("chengdu", Role.GOVERNMENT, region=Region.objects.get(code="510100")),
    }


def test_the_official_runs_mix_for_the_province_and_a_city(world: dict[str, Any]) -> None:
    run = world["run"]
    province = dashboard.run_mix(run, None, 4)
    assert (province.n, province.vetoed) == (5, 1)
    assert province.mean == pytest.approx((80 + 60 + 50 + 30) / 4)  # the vetoed one left out
    assert province.tiers == [("A", 1), ("B", 1), ("C", 1), ("D", 1)]
    assert province.stages == [("growth", 2), ("mature", 1), ("startup", 2)]
    assert province.areas == [("5101", 3, pytest.approx(70.0)), ("5103", 2, pytest.approx(40.0))]
    city = dashboard.run_mix(run, "5101", 6)
    assert (city.n, city.vetoed, city.mean) == (3, 1, pytest.approx(70.0))
    assert city.tiers == [("A", 1), ("B", 1)]
    assert city.stages == [("growth", 2), ("startup", 1)]
    assert city.areas == [("510104", 2, pytest.approx(70.0)), ("510107", 1, None)]


def test_scored_enterprises_against_the_target(world: dict[str, Any]) -> None:
    assert dashboard.area_digits(world["sichuan"]) == 4
    assert dashboard.area_digits(world["chengdu"]) == 6
    # the province: the seeded target (30,000 by 2027); a city without one: its enterprises
    assert dashboard.scored_target(world["sichuan"], 5, 5) == (30_000, 2027)
    assert dashboard.scored_target(world["chengdu"], 3, 3) == (3, None)
    gauge = dashboard.target_chart(5, 30_000, 2027)
    assert gauge["series"][0]["data"][0]["value"] == pytest.approx(0.0)  # 5 / 30,000 → 0.0 %
    assert dashboard.target_chart(3, 4, None)["series"][0]["data"][0]["value"] == 75.0


def test_the_financing_funnel_counts_enterprises_of_the_jurisdiction(
    world: dict[str, Any],
) -> None:
    province = dict(dashboard.financing_funnel(world["sichuan"]))
    assert province == {"pushed": 2, "applied": 3, "approved": 2, "lent": 1}
    city = dict(dashboard.financing_funnel(world["chengdu"]))
    assert city == {"pushed": 1, "applied": 2, "approved": 1, "lent": 0}


def test_data_delivery_per_source_within_the_jurisdiction(world: dict[str, Any]) -> None:
    rows, as_of = dashboard.delivery(world["sichuan"], "2025")
    assert as_of is None
    found = {d.source.code: (d.enterprises, d.open_findings) for d in rows}
    assert found["tax"] == (3, 1) and found["sti"] == (1, 0)
    assert found["court"] == (0, 0)  # delivered nothing: listed as not delivered
    assert "manual" not in found  # corrections by hand are no government source
    city = {
        d.source.code: (d.enterprises, d.open_findings)
        for d in dashboard.delivery(world["chengdu"], "2025")[0]
    }
    assert city["tax"] == (2, 1) and city["sti"] == (0, 0)
    assert dashboard.delivery(world["sichuan"], "2024")[0][0].enterprises == 0


def _chart(html: str, dom_id: str) -> dict[str, Any]:
    found = re.search(rf'<script id="{dom_id}-data" type="application/json">(.*?)</script>', html)
    assert found is not None, dom_id
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def test_the_home_page_draws_the_province_and_a_city(world: dict[str, Any]) -> None:
    page = _client(world["sichuan"]).get(reverse("portals:gov_home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["mix"].n == 5 and page.context["is_target"]
    prefectures = _chart(html, "chart-areas")["series"][0]
    assert prefectures["map"] == "sichuan"
    assert {d["name"]: d["value"] for d in prefectures["data"]} == {"成都市": 3, "自贡市": 2}
    tiers = _chart(html, "chart-tiers")["series"][0]["data"]
    assert [(d["name"], d["value"]) for d in tiers] == [
        ("A档", 1),
        ("B档", 1),
        ("C档", 1),
        ("D档", 1),
        ("清零（不分档）", 1),
    ]
    stages = {d["name"]: d["value"] for d in _chart(html, "chart-stages")["series"][0]["data"]}
    assert stages == {"成长期": 2, "稳定期": 1, "初创期": 2}  # names, never codes
    funnel = _chart(html, "chart-funnel")["series"][0]["data"]
    assert [d["value"] for d in funnel] == [2, 3, 2, 1]
    assert 'data-source="tax"' in html and "科技厅" in html

    city = _client(world["chengdu"]).get(reverse("portals:gov_home"))
    html = city.content.decode()
    assert city.context["mix"].n == 3 and not city.context["is_target"]
    counties = _chart(html, "chart-areas")  # a city: its counties as bars, fewest first
    assert counties["yAxis"]["data"] == ["武侯区", "锦江区"]
    assert counties["series"][0]["data"] == [1, 2]
    assert "自贡市" not in html and "丁科技" not in html
    assert [d["value"] for d in _chart(html, "chart-funnel")["series"][0]["data"]] == [1, 2, 1, 0]


def test_the_home_page_in_english_names_divisions_and_stages(world: dict[str, Any]) -> None:
    html = _client(world["sichuan"]).get("/en/gov/").content.decode()
    prefectures = _chart(html, "chart-areas")["series"][0]
    assert prefectures["nameMap"] == {"成都市": "Chengdu City", "自贡市": "Zigong City"}
    assert {d["name"] for d in prefectures["data"]} == {"Chengdu City", "Zigong City"}
    stages = {d["name"] for d in _chart(html, "chart-stages")["series"][0]["data"]}
    assert stages == {"Growth", "Mature", "Start-up"}


# ---------------------------------------------------------------- the search box


def test_the_search_box_is_the_government_frames(world: dict[str, Any]) -> None:
    html = _client(world["chengdu"]).get(reverse("portals:gov_home")).content.decode()
    search = reverse("analysis:enterprise-search")
    assert f'action="{search}"' in html and 'name="q"' in html


def _found(client: Client, **query: str) -> list[str]:
    page = client.get(reverse("analysis:enterprise-search"), query)
    assert page.status_code == 200
    return [row.record.name for row in page.context["listing"].table.paginated_rows]


def test_a_city_user_never_finds_another_citys_enterprise(world: dict[str, Any]) -> None:
    firms = world["firms"]
    chengdu, sichuan = _client(world["chengdu"]), _client(world["sichuan"])
    assert sorted(_found(chengdu, q="科技")) == ["丙科技", "乙科技", "甲科技"]
    assert sorted(_found(sichuan, q="科技")) == ["丁科技", "丙科技", "乙科技", "戊科技", "甲科技"]
    assert _found(chengdu, q="丁") == [] and _found(sichuan, q="丁") == ["丁科技"]
    zigong = firms["丁"].credit_code
    assert _found(chengdu, q=zigong[:10]) == []
    # a whole credit code: straight to the portrait, for the enterprise's own government only
    response = chengdu.get(reverse("analysis:enterprise-search"), {"q": zigong})
    assert response.status_code == 200 and response.context["listing"].count == 0
    response = sichuan.get(reverse("analysis:enterprise-search"), {"q": zigong})
    assert response.status_code == 302
    assert response["Location"] == reverse("analysis:portrait", args=[firms["丁"].pk])
    own = chengdu.get(reverse("analysis:enterprise-search"), {"q": firms["甲"].credit_code.lower()})
    assert own["Location"] == reverse("analysis:portrait", args=[firms["甲"].pk])
    # a division outside the jurisdiction is no choice; the export holds what the page does
    assert _found(chengdu, region="510302") == []
    # a division filters to it and everything below it (Chengdu: 5101…)
    assert sorted(_found(sichuan, q="科技", region="510100")) == ["丙科技", "乙科技", "甲科技"]
    # the division is searched on the server: the page never ships the country's divisions
    page = sichuan.get(reverse("analysis:enterprise-search"), {"q": "科技", "region": "510100"})
    html = page.content.decode()
    assert f'data-search-url="{reverse("scoring:regions")}"' in html
    assert html.count("<option") <= 10
    export = chengdu.get(reverse("analysis:enterprise-search"), {"q": "科技", "export": "csv"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "甲科技" in text and "丁科技" not in text and "戊科技" not in text


def test_search_shows_points_and_tier_of_the_official_run(world: dict[str, Any]) -> None:
    page = _client(world["chengdu"]).get(
        reverse("analysis:enterprise-search"), {"q": "甲", "tier": "A"}
    )
    rows = list(page.context["listing"].table.paginated_rows)
    assert [(r.record.name, r.record.total, r.record.tier) for r in rows] == [("甲科技", 80.0, "A")]
    html = page.content.decode()
    assert "A档" in html and reverse("analysis:dossier", args=[world["firms"]["甲"].pk]) in html
    assert _found(_client(world["chengdu"]), q="甲", tier="B") == []


# ---------------------------------------------------------------- the findings list


def test_findings_are_filtered_by_name_and_scoped_to_the_jurisdiction(
    world: dict[str, Any],
) -> None:
    firms, batch = world["firms"], ImportBatch.objects.get(source__code="tax")
    zigong = Finding.objects.create(
        kind="outlier",
        rule="outlier",
        enterprise=firms["丁"],
        period="2025",
        field_code="revenue",
        message="丁",
        batch=batch,
    )
    Finding.objects.filter(enterprise=firms["甲"]).update(status="dismissed")
    url = reverse("collection:findings")

    def listed(user: str, **query: str) -> list[int]:
        page = _client(world[user]).get(url, query)
        assert page.status_code == 200
        return [row.record.pk for row in page.context["listing"].table.paginated_rows]

    assert listed("sichuan") == [zigong.pk]  # open ones unless asked: 甲's was dismissed
    every = listed("sichuan", status="")
    assert len(every) == 2 and zigong.pk in every
    assert listed("chengdu", status="") == [every[1]] and zigong.pk not in listed("chengdu")
    assert listed("sichuan", status="", field="revenue") == [zigong.pk]
    assert listed("sichuan", status="", kind="discrepancy") == [every[1]]
    assert listed("sichuan", status="", source="sti") == []
    assert listed("sichuan", status="", q="丁科技") == [zigong.pk]
    page = _client(world["sichuan"]).get(url).content.decode()
    assert "营业收入" in page and ">revenue<" not in page  # the indicator by its name
    export = _client(world["chengdu"]).get(url, {"status": "", "export": "csv"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert firms["甲"].credit_code in text and firms["丁"].credit_code not in text
