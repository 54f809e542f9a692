"""The analyst's lists (issue 16 §3): a run's leaderboard, a 积分榜's entries, a pool's members,
the runs, a run's 积分榜 and the comparison of two runs — each filtered by names (stage, tier,
industry, division, points, vetoed, coverage), sorted by any column, at most 50 rows a page
whatever the query string asks, and exported (Excel, CSV) with exactly the filtered rows; the
dedicated exports follow the same filters; the division search answers names within the
user's jurisdiction; the 新建榜单 form writes its choices as the list's conditions."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from innopoints.accounts.models import Profile, Role
from innopoints.analysis import boards
from innopoints.analysis.board_filters import parse_filter
from innopoints.analysis.models import Leaderboard, Pool, PoolMembership
from innopoints.registry.models import Institution, Region
from innopoints.scoring.models import Result, Run
from innopoints.scoring.tables import RankPaginator
from tests.platform.conftest import published_board, scored_province, scored_run


@pytest.fixture
def run(db: Any, tmp_path: Path, admin_user: Any) -> Run:
    cache.clear()  # published lists are cached; the test database reuses their numbers
    return scored_province(tmp_path / "files", 300, 7, admin_user)


@pytest.fixture
def analyst(admin_user: Any) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def _records(response: Any) -> list[Any]:
    """The records of the list's shown page, in order."""
    assert response.status_code == 200
    return [row.record for row in response.context["listing"].table.page]


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _xlsx(response: Any) -> list[tuple[Any, ...]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return list(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]


def _codes(rows: list[Any], header: str) -> set[str]:
    column = list(rows[0]).index(header)
    return {str(row[column]) for row in rows[1:]}


def _credit_codes(results: Any) -> set[str]:
    return set(results.values_list("enterprise__credit_code", flat=True))


def test_leaderboard_filters_by_name_sorts_pages_and_exports_what_is_filtered(
    run: Run, analyst: Client
) -> None:
    url = reverse("scoring:leaderboard", args=[run.pk])
    everyone = Result.objects.filter(run=run)
    whole = analyst.get(url)
    assert isinstance(whole.context["listing"].table.paginator, RankPaginator)
    html = whole.content.decode()
    for header in ("总积分（分）", "基础分（分）", "附加分（分）", "成长阶段", "地区", "档次"):
        assert f">{header}<" in html, header
    assert 'data-search-url="/scoring/regions/"' in html  # the division is searched by name

    # stage and tier chosen by name (the select shows 成长期, sends its code)
    assert ">成长期</option>" in html
    chosen = analyst.get(url, {"stage": "growth", "tier": "B"})
    wanted = everyone.filter(stage="growth", tier="B")
    assert 0 < wanted.count() <= 50
    assert {r.pk for r in _records(chosen)} == set(wanted.values_list("pk", flat=True))
    assert not isinstance(chosen.context["listing"].table.paginator, RankPaginator)

    # a division by its code, shown by its name; everything below it kept
    code = everyone.values_list("region_code", flat=True).order_by("region_code").first()
    city = Region.objects.get(code=code[:4] + "00")
    in_city = analyst.get(url, {"region": city.code, "per_page": "500"})
    rows = _records(in_city)
    assert rows and all(r.region_code.startswith(city.code[:4]) for r in rows)
    assert len(rows) == min(50, everyone.filter(region_code__startswith=city.code[:4]).count())
    assert f'<option value="{city.code}" selected>{city.name}</option>' in in_city.content.decode()

    # points, vetoed, coverage
    band = analyst.get(url, {"min_total": "20", "max_total": "30", "per_page": "1000"})
    assert all(20 <= r.total <= 30 for r in _records(band))
    assert len(_records(band)) <= 50  # never more than 50 rows, whatever is asked
    assert band.context["listing"].count == everyone.filter(total__gte=20, total__lte=30).count()
    vetoed = analyst.get(url, {"vetoed": "yes"})
    assert _records(vetoed) and all(r.vetoed for r in _records(vetoed))
    assert all(not r.vetoed for r in _records(analyst.get(url, {"vetoed": "no"})))
    covered = analyst.get(url, {"min_coverage": "90"})
    assert all(r.coverage >= 0.9 for r in _records(covered))

    # any column sorts, both ways, the vetoed (no rank) last either way
    down = [r.total for r in _records(analyst.get(url, {"sort": "-total"}))]
    up = [r.total for r in _records(analyst.get(url, {"sort": "total"}))]
    assert down == sorted(down, reverse=True) and up == sorted(up)
    assert down[0] == max(everyone.values_list("total", flat=True))
    last = everyone.count() // 50 + 1
    ranks = [r.rank for r in _records(analyst.get(url, {"sort": "-rank", "page": last}))]
    assert (ranks[-1] is None and ranks[0] is not None) or run.n_vetoed == 0

    # exports: exactly the filtered rows, every page of them, sorted as asked
    query = {"stage": "growth", "min_total": "10"}
    kept = everyone.filter(stage="growth", total__gte=10)
    assert kept.count() > 50
    exported = _csv(analyst.get(url, {**query, "export": "csv", "sort": "-total", "page": "2"}))
    assert exported[0][:2] == ["排名", "统一社会信用代码"] and "总积分（分）" in exported[0]
    assert _codes(exported, "统一社会信用代码") == _credit_codes(kept)
    totals = [float(row[exported[0].index("总积分（分）")]) for row in exported[1:]]
    assert totals == sorted(totals, reverse=True)
    workbook = _xlsx(analyst.get(url, {**query, "export": "xlsx"}))
    assert _codes(workbook, "统一社会信用代码") == _credit_codes(kept)
    dedicated = _xlsx(analyst.get(reverse("scoring:leaderboard-xlsx", args=[run.pk]), query))
    assert _codes(dedicated, "统一社会信用代码") == _credit_codes(kept)


def test_a_city_user_lists_and_exports_only_its_division(run: Run, db: Any) -> None:
    user = get_user_model().objects.create_user("city", "c@example.invalid", "pw")
    code = Result.objects.filter(run=run).values_list("region_code", flat=True).first()
    Profile.objects.create(
        user=user, role=Role.GOVERNMENT, region=Region.objects.get(code=code[:4] + "00")
    )
    client = Client()
    client.force_login(user)
    url = reverse("scoring:leaderboard", args=[run.pk])
    rows = _records(client.get(url, {"sort": "-total"}))
    assert rows and all(r.region_code.startswith(code[:4]) for r in rows)
    exported = _csv(client.get(url, {"export": "csv"}))
    mine = Result.objects.filter(run=run, region_code__startswith=code[:4])
    assert _codes(exported, "统一社会信用代码") == _credit_codes(mine)


def test_a_list_entries_filter_sort_and_export(run: Run, analyst: Client, admin_user: Any) -> None:
    board = published_board(run, admin_user, "全部企业", kind="overall")
    url = reverse("analysis:board", args=[board.pk])
    everyone = boards.entries(board)
    page = analyst.get(url, {"per_page": "400"})
    assert len(_records(page)) == 50 and page.context["listing"].count == len(everyone)

    wanted = [e for e in everyone if e["tier"] == "C" and e["stage"] == "growth"]
    chosen = analyst.get(url, {"tier": "C", "stage": "growth"})
    assert [r["enterprise_id"] for r in _records(chosen)] == [
        e["enterprise_id"] for e in wanted[:50]
    ]
    named = analyst.get(url, {"q": everyone[3]["name"]})
    assert [r["enterprise_id"] for r in _records(named)] == [everyone[3]["enterprise_id"]]

    down = [r["score"] for r in _records(analyst.get(url, {"sort": "-score", "page": "2"}))]
    assert down == sorted(down, reverse=True)
    assert down[0] == sorted((e["total"] for e in everyone), reverse=True)[50]

    codes = {e["credit_code"] for e in wanted}
    assert (
        _codes(
            _csv(analyst.get(url, {"tier": "C", "stage": "growth", "export": "csv"})),
            "统一社会信用代码",
        )
        == codes
    )
    workbook = _xlsx(
        analyst.get(
            reverse("analysis:board-xlsx", args=[board.pk]), {"tier": "C", "stage": "growth"}
        )
    )
    assert _codes(workbook, "统一社会信用代码") == codes


def test_a_pools_members_filter_and_export(run: Run, analyst: Client) -> None:
    counts = {
        pool: PoolMembership.objects.filter(run=run, pool=pool).count()
        for pool in Pool.objects.all()
    }
    pool = max(counts, key=lambda p: counts[p])
    members = Result.objects.filter(
        run=run,
        enterprise_id__in=PoolMembership.objects.filter(run=run, pool=pool).values("enterprise_id"),
    )
    url = reverse("analysis:pool", args=[run.pk, pool.code])
    stage = members.values_list("stage", flat=True).first()
    rows = _records(analyst.get(url, {"stage": stage, "per_page": "999"}))
    kept = members.filter(stage=stage)
    assert len(rows) == min(50, kept.count()) and all(r.stage == stage for r in rows)
    exported = _csv(analyst.get(url, {"stage": stage, "export": "csv"}))
    assert _codes(exported, "统一社会信用代码") == _credit_codes(kept)
    dedicated = _xlsx(
        analyst.get(reverse("analysis:pool-xlsx", args=[run.pk, pool.code]), {"stage": stage})
    )
    assert _codes(dedicated, "统一社会信用代码") == _credit_codes(kept)


def test_runs_lists_and_the_comparison_filter_and_export(
    run: Run, analyst: Client, admin_user: Any
) -> None:
    second = scored_run(admin_user)
    Leaderboard.objects.create(run=run, title="草稿榜", kind="overall", top_n=10)
    published_board(run, admin_user, "已发布榜", kind="overall", top_n=20)

    runs = reverse("scoring:runs")
    assert {r.pk for r in _records(analyst.get(runs, {"status": "done"}))} == {run.pk, second.pk}
    assert _records(analyst.get(runs, {"status": "failed"})) == []
    exported = _csv(analyst.get(runs, {"export": "csv"}))
    assert exported[0][0] == "编号" and sorted(int(r[0]) for r in exported[1:]) == [
        run.pk,
        second.pk,
    ]

    lists = reverse("analysis:boards", args=[run.pk])
    drafts = _records(analyst.get(lists, {"status": "draft"}))
    assert [b.title for b in drafts] == ["草稿榜"]
    assert len(_csv(analyst.get(lists, {"export": "csv"}))) == 3

    url = reverse("scoring:compare")
    both = {"before": run.pk, "after": second.pk}
    every = analyst.get(url, both)
    assert every.context["listing"].count == Result.objects.filter(run=second).count()
    assert _records(analyst.get(url, {**both, "change": "up"})) == []  # the same data again
    unchanged = _csv(analyst.get(url, {**both, "change": "same", "export": "csv"}))
    assert len(unchanged) - 1 == Result.objects.filter(run=second).count()


def test_the_division_search_answers_names_within_the_jurisdiction(run: Run, db: Any) -> None:
    url = reverse("scoring:regions")
    user = get_user_model().objects.create_user("chengdu", "c@example.invalid", "pw")
    Profile.objects.create(
        user=user, role=Role.GOVERNMENT, region=Region.objects.get(code="510100")
    )
    city = Client()
    city.force_login(user)
    found = city.get(url, {"q": "成都"}).json()["results"]
    assert {"value": "510100", "label": "成都市"} in found
    wuhou = city.get(url, {"q": "武侯"}).json()["results"]
    assert wuhou == [{"value": "510107", "label": "武侯区（成都市）"}]
    assert city.get(url, {"q": "绵阳"}).json()["results"] == []  # not the city's division
    english = city.get("/en" + url, {"q": "Wuhou"}).json()["results"]
    assert english and english[0]["value"] == "510107" and "Chengdu" in english[0]["label"]
    assert city.get(url).json()["results"] == []
    bank = get_user_model().objects.create_user("bank", "b@example.invalid", "pw")
    Profile.objects.create(
        user=bank,
        role=Role.INSTITUTION,
        institution=Institution.objects.create(name="某银行", kind="bank"),
    )
    banker = Client()
    banker.force_login(bank)
    assert banker.get(url, {"q": "成都"}).status_code == 403


def test_the_new_list_form_writes_its_choices_as_conditions(run: Run, analyst: Client) -> None:
    url = reverse("analysis:boards", args=[run.pk])
    form = analyst.get(url).content.decode()
    assert 'data-kinds="filter"' in form and ">成长期</option>" in form
    answer = analyst.post(
        url,
        {
            "title": "成都 A、B 档",
            "kind": "filter",
            "tiers": ["A", "B"],
            "regions": ["510100"],
            "min_total": "5",
        },
    )
    assert answer.status_code == 302
    board = Leaderboard.objects.get(title="成都 A、B 档")
    assert parse_filter(board.filter_value) == {
        "tier": ["A", "B"],
        "region": ["5101"],
        "min_total": ["5"],
    }
    wanted = Result.objects.filter(
        run=run, vetoed=False, tier__in=["A", "B"], region_code__startswith="5101", total__gte=5
    )
    assert {r["enterprise_id"] for r in boards.entries(board)} == set(
        wanted.values_list("enterprise_id", flat=True)
    )
    by_stage = analyst.post(url, {"title": "成长期榜", "kind": "stage", "stage": "growth"})
    assert by_stage.status_code == 302
    assert Leaderboard.objects.get(title="成长期榜").filter_value == "growth"
    refused = analyst.post(url, {"title": "无领域", "kind": "industry"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["industry"] == ["请选择产业领域"]
    html = refused.content.decode()
    assert 'id="id_industry_errors"' in html  # the message by its field
