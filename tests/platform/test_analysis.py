"""Portraits, 一企一档 (page and PDF, rendered to PNG), pools, leaderboards and statistics."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from django.test import Client
from django.urls import reverse

from innopoints.analysis import boards, dossier, pool_preview, stats
from innopoints.analysis.models import Leaderboard, Pool, PoolMembership
from innopoints.analysis.pools import RuleError, check_rule, members
from innopoints.analysis.portrait import portrait
from innopoints.analysis.receivers import held_qualifications
from innopoints.collection.demo import import_all, write_files
from innopoints.registry.models import Qualification
from innopoints.scoring import execution
from innopoints.scoring.models import Result, Run, SchemeVersion
from tests.platform.conftest import shared


@pytest.fixture(scope="module")
def scored_once(
    module_db: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Run:
    """400 enterprises scored, once for the module (conftest.module_db)."""
    with django_db_blocker.unblock():
        import_all(write_files(tmp_path_factory.mktemp("files"), 400, seed=11), "2025")
        run = Run.objects.create(
            period="2025", scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025")
        )
        execution.execute(run)
        assert run.status == "done", run.error
        return run


@pytest.fixture
def scored(db: Any, scored_once: Run) -> Run:
    return shared(scored_once)


@pytest.fixture
def client_in(admin_user: Any) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_portrait_against_peers(scored: Run) -> None:
    best = Result.objects.filter(run=scored, vetoed=False).order_by("rank").first()
    assert best is not None
    view = portrait(best.enterprise)
    assert view.result == best
    assert [a.code for a in view.axes] == ["tech", "growth", "auxiliary"]
    stats_ = scored.report["category_stats"][best.stage]
    tech = next(a for a in view.axes if a.code == "tech")
    scheme = scored.scheme_version.scheme()
    in_tech = {i.code for i in scheme.weighted if i.category == "tech"}
    tech_points = sum(v[5] for code, v in best.breakdown_values["ind"].items() if code in in_tech)
    assert tech.mine == round(100 * tech_points / stats_["tech"]["full"], 1)
    assert tech.median <= tech.p90
    assert view.strengths  # the top enterprise has something to be proud of
    assert len(view.trend) == 1


def test_dossier_page_and_pdf(scored: Run, client_in: Client, tmp_path: Path) -> None:
    result = Result.objects.filter(run=scored, vetoed=False).order_by("rank").first()
    assert result is not None
    Qualification.objects.create(enterprise=result.enterprise, kind="gazelle", valid_from=2024)
    page = client_in.get(reverse("analysis:dossier", args=[result.enterprise_id]))
    text = page.content.decode()
    assert page.status_code == 200 and result.enterprise.name in text
    assert "瞪羚企业 2024–至今" in text and "用于最近测算" in text
    built = dossier.build(result.enterprise)
    assert built.facts and built.portrait.axes
    response = client_in.get(reverse("analysis:dossier-pdf", args=[result.enterprise_id]))
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "dossier.pdf"
    pdf.write_bytes(response.content)
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: ./run installs poppler-utils")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 5000  # a real page, not a blank one
    words = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert result.enterprise.name in words and "一企一档" in words  # CJK text is embedded


def test_pools_are_evaluated_with_the_run(scored: Run) -> None:
    counts = {
        p.code: PoolMembership.objects.filter(pool=p, run=scored).count()
        for p in Pool.objects.all()
    }
    assert set(counts) == {"sme", "hitech", "listing", "leader"}
    assert counts["sme"] > 0 and counts["listing"] > 0
    listing = PoolMembership.objects.filter(pool__code="listing", run=scored)
    tiers = set(
        Result.objects.filter(run=scored, enterprise__in=listing.values("enterprise")).values_list(
            "tier", flat=True
        )
    )
    assert tiers <= {"A", "B"}


def test_qualifications_join_the_pool_inputs(scored: Run) -> None:
    """Each enterprise's qualifications held in the run's year, as a list column (empty for
    none), joined in without changing the table's order."""
    results = list(Result.objects.filter(run=scored).order_by("pk")[:3])
    first, second, third = (r.enterprise for r in results)
    Qualification.objects.filter(enterprise__in=[first, second, third]).delete()
    Qualification.objects.create(enterprise=first, kind="hitech", valid_from=2024)
    Qualification.objects.create(enterprise=first, kind="gazelle", valid_from=2025, valid_to=2025)
    Qualification.objects.create(enterprise=second, kind="sme", valid_from=2020, valid_to=2024)
    Qualification.objects.create(enterprise=third, kind="sme", valid_from=2026)
    ids = [third.pk, second.pk, first.pk, 10**9]
    held = held_qualifications(ids, 2025)
    assert held["enterprise_id"].to_list() == [first.pk]
    assert sorted(held["qualifications"][0]) == ["gazelle", "hitech"]
    pool_preview._frames.clear()  # built now, with these qualifications
    frame = pool_preview.run_pool_frame(scored)  # the run's table, scored, pool_inputs
    assert frame["enterprise_id"].is_sorted()
    kinds = dict(zip(frame["enterprise_id"], frame["qualifications"].to_list(), strict=True))
    assert [sorted(kinds[e.pk]) for e in (first, second, third)] == [["gazelle", "hitech"], [], []]
    assert frame.height == scored.n_enterprises


def test_pool_rules_by_hand() -> None:
    frame = pl.DataFrame(
        {
            "enterprise_id": [1, 2, 3],
            "revenue": [100.0, None, 5000.0],
            "tier": ["A", "B", "C"],
            "qualifications": [["hitech"], [], ["gazelle", "hitech"]],
        }
    )
    assert members(frame, {"all": [{"field": "revenue", "max": 1000}]}) == [1]
    assert members(
        frame, {"any": [{"field": "tier", "in": ["B"]}, {"field": "revenue", "gt": 1000}]}
    ) == [2, 3]
    assert members(frame, {"all": [{"field": "qualification", "any": ["hitech"]}]}) == [1, 3]
    assert members(frame, {"all": [{"field": "no_such_field", "min": 0}]}) == []
    with pytest.raises(RuleError):
        check_rule({"all": [{"field": "revenue", "between": 1}]})


def test_leaderboards_share_bands_and_publishing(
    scored: Run, client_in: Client, admin_user: Any
) -> None:
    top5 = Leaderboard.objects.create(run=scored, title="各阶段前5%", share_from=0, share_to=5)
    rows = boards.entries(top5)
    per_stage = {}
    for row in rows:
        per_stage[row["stage"]] = per_stage.get(row["stage"], 0) + 1
    for stage, n in per_stage.items():
        size = Result.objects.filter(run=scored, stage=stage, vetoed=False).count()
        assert n <= boards.share_count(size, 5) + 2  # ties may add a few
    band = Leaderboard.objects.create(run=scored, title="5–10%", share_from=5, share_to=10)
    overlap = {r["enterprise_id"] for r in rows} & {
        r["enterprise_id"] for r in boards.entries(band)
    }
    assert not overlap
    industry = Result.objects.filter(run=scored).values_list("industry", flat=True).first()
    by_field = Leaderboard.objects.create(
        run=scored, title="领域榜", kind="industry", filter_value=industry, top_n=10
    )
    assert 0 < len(boards.entries(by_field)) <= 10
    assert all(r["industry"] == industry for r in boards.entries(by_field))
    page = client_in.get(reverse("analysis:board", args=[top5.pk]))
    assert "草稿" in page.content.decode()
    client_in.post(reverse("analysis:board-publish", args=[top5.pk]))
    top5.refresh_from_db()
    assert top5.status == "published" and top5.published_by == admin_user
    assert top5.history.first().history_user == admin_user
    export = client_in.get(reverse("analysis:board-xlsx", args=[top5.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(export.getvalue()), read_only=True).active
    assert next(sheet.iter_rows(values_only=True))[0] == "名次"  # type: ignore[union-attr]


def test_statistics(scored: Run, client_in: Client) -> None:
    figures = stats.build(scored)
    assert sum(count for _, count in figures.histogram) == scored.n_ranked
    assert sum(row["n"] for row in figures.by_stage) == scored.n_enterprises
    assert any(row["prefecture"] == "成都市" for row in figures.by_region)
    page = client_in.get(reverse("analysis:statistics", args=[scored.pk]))
    assert page.status_code == 200 and "按成长阶段" in page.content.decode()
    export = client_in.get(reverse("analysis:statistics-xlsx", args=[scored.pk]))
    workbook = openpyxl.load_workbook(io.BytesIO(export.content), read_only=True)
    assert workbook.sheetnames == [
        "按地区",
        "按领域",
        "按阶段",
        "总积分分布",
        "数据完整率",
        "数据覆盖率",
    ]


def test_pages_render(scored: Run, client_in: Client, source: Callable[[str], Any]) -> None:
    result = Result.objects.filter(run=scored).first()
    assert result is not None
    page = client_in.get(reverse("analysis:portrait", args=[result.enterprise_id]))
    text = page.content.decode()
    assert "vendor/echarts/echarts.min.js" in text and "同阶段中位数" in text
    assert client_in.get(reverse("analysis:pools", args=[scored.pk])).status_code == 200
    assert client_in.get(reverse("analysis:boards", args=[scored.pk])).status_code == 200


def test_admin_refuses_a_bad_pool_rule(db: Any, admin_user: Any) -> None:
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:analysis_pool_add"),
        {
            "code": "mine",
            "name": "我的库",
            "description": "",
            "rule": '{"all": [{"field": "revenue", "between": 3}]}',
        },
    )
    assert response.status_code == 200 and "入库规则无效" in response.content.decode()
    ok = client.post(
        reverse("admin:analysis_pool_add"),
        {
            "code": "mine",
            "name": "我的库",
            "description": "",
            "rule": '{"all": [{"field": "revenue", "min": 3}]}',
        },
    )
    assert ok.status_code == 302 and Pool.objects.filter(code="mine").exists()


def test_lists_from_a_pool_or_a_filter(scored: Run, client_in: Client) -> None:
    pool = Pool.objects.get(code="hitech")
    expected = set(
        PoolMembership.objects.filter(run=scored, pool=pool).values_list("enterprise_id", flat=True)
    )
    vetoed = set(
        Result.objects.filter(run=scored, vetoed=True).values_list("enterprise_id", flat=True)
    )
    by_pool = Leaderboard.objects.create(
        run=scored, title="高企", kind="pool", filter_value="hitech"
    )
    assert {row["enterprise_id"] for row in boards.entries(by_pool)} == expected - vetoed
    by_filter = Leaderboard.objects.create(
        run=scored, title="A 档成都", kind="filter", filter_value="tier=A; region=5101; min_total=1"
    )
    rows = boards.entries(by_filter)
    wanted = Result.objects.filter(
        run=scored, vetoed=False, tier="A", region_code__startswith="5101", total__gte=1
    )
    assert len(rows) == wanted.count() and all(r["tier"] == "A" for r in rows)
    in_words = Leaderboard.objects.create(  # the same list, written with names, not codes
        run=scored,
        title="A 档成都",
        kind="filter",
        filter_value="档次=A；地区=成都市；最低总积分=1",
    )
    assert boards.entries(in_words) == rows
    assert [r["position"] for r in rows] == sorted(r["position"] for r in rows)
    refused = client_in.post(
        reverse("analysis:boards", args=[scored.pk]),
        {"title": "坏条件", "kind": "filter", "filter_value": "colour=red"},
    )
    assert refused.status_code == 200 and "无法理解筛选条件" in refused.content.decode()
    refused = client_in.post(
        reverse("analysis:boards", args=[scored.pk]),
        {"title": "无此库", "kind": "pool", "filter_value": "nope"},
    )
    assert "没有名为“nope”的培育库" in refused.content.decode()
