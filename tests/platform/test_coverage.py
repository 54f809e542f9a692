"""Data coverage on the platform (issue 14 §4): stored with each result, shown on the
explanation, 一企一档 (page and PDF), the leaderboard, boards and the bank's list and their
exports; the run and statistics pages flag a division without authorised tax data; lists
filter on a minimum coverage."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.test import Client, RequestFactory
from django.urls import reverse

from innopoints.accounts.models import Profile, Role
from innopoints.applications.models import Dispatch
from innopoints.collection.demo import import_all, write_files
from innopoints.collection.models import Authorisation
from innopoints.registry.models import Enterprise, Institution, Region
from innopoints.scoring.coverage import min_coverage, percent
from innopoints.scoring.models import Result, Run
from tests.platform.conftest import published_board, scored_run, shared

PERCENT = re.compile(r"\d+\.\d %")


def _has_header(html: str, words: str) -> bool:
    """A column header (a sortable one's text is its sort link) reading exactly ``words``."""
    return (
        re.search(rf"<th[^>]*>\s*(?:<a [^>]*>)?{re.escape(words)}(?:</a>)?\s*</th>", html)
        is not None
    )


@pytest.fixture(scope="module")
def world_once(
    module_db: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    with django_db_blocker.unblock():
        return _world(tmp_path_factory.mktemp("world"))


@pytest.fixture
def world(db: Any, world_once: dict[str, Any]) -> dict[str, Any]:
    """The module's data (conftest.module_db), with a client signed in as the admin."""
    world = shared(world_once)
    client = Client()
    client.force_login(world["admin"])
    return {**world, "client": client}


def _world(tmp_path: Path) -> dict[str, Any]:
    """400 synthetic enterprises; the largest prefecture has no tax authorisation at all."""
    admin = get_user_model().objects.create_superuser("root", "r@example.invalid", "pw")
    import_all(write_files(tmp_path / "files", 400, seed=11), "2025")
    largest = (
        Enterprise.objects.values("region__code")
        .annotate(n=Count("id"))
        .order_by("-n", "region__code")
        .first()
    )
    assert largest is not None
    prefix = largest["region__code"][:4]
    withdrawn = Authorisation.objects.filter(
        source__code="tax", enterprise__region__code__startswith=prefix
    ).delete()[0]
    assert withdrawn > 0
    run = scored_run(admin)
    return {"admin": admin, "run": run, "prefix": prefix}


def _expected_coverage(result: Result) -> float:
    """The stored breakdown's origins weighed with the stage's weights (0 = missing)."""
    scheme = result.run.scheme_version.scheme()
    weights = {i.code: (i.weights or {}).get(result.stage, 0.0) for i in scheme.weighted}
    ind = result.breakdown_values["ind"]
    covered = sum(w for code, w in weights.items() if ind[code][2] != 0)
    return covered / sum(weights.values())


def test_coverage_stored_with_every_result(world: dict[str, Any]) -> None:
    run: Run = world["run"]
    results = list(Result.objects.filter(run=run).select_related("run__scheme_version"))
    assert results and all(r.coverage is not None for r in results)
    for result in results[:50]:
        assert result.coverage == pytest.approx(_expected_coverage(result))
    without_tax = [r.coverage for r in results if r.region_code.startswith(world["prefix"])]
    with_tax = [r.coverage for r in results if not r.region_code.startswith(world["prefix"])]
    # tax data carry about 0.42 of every stage's weight in sichuan-2025
    assert max(without_tax) <= 0.6 < float(np.median(with_tax))


def test_a_division_without_tax_authorisations_is_flagged(world: dict[str, Any]) -> None:
    run, prefix, client = world["run"], world["prefix"], world["client"]
    rows = run.report["coverage"]["divisions"]["rows"]
    flagged = [r["code"] for r in rows if r["far_below"]]
    assert flagged == [prefix + "00"]
    name = Region.objects.get(code=prefix + "00").name
    for url in (
        reverse("scoring:run", args=[run.pk]),
        reverse("analysis:statistics", args=[run.pk]),
    ):
        text = client.get(url).content.decode()
        assert 'class="errornote coverage-flag"' in text, url
        sentence = text.split('class="errornote coverage-flag">')[1].split("</p>")[0]
        assert sentence.startswith(name) and "数据缺失" in sentence and "授权" in sentence
        assert text.count("coverage-flag") == 1
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("analysis:statistics-xlsx", args=[run.pk])).content)
    )["数据覆盖率"]
    marks = {row[0]: row[4] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert marks[name] == "是" and list(marks.values()).count("是") == 1


def test_coverage_on_explanation_and_dossier(world: dict[str, Any], tmp_path: Path) -> None:
    run, client = world["run"], world["client"]
    low = (
        Result.objects.filter(run=run, region_code__startswith=world["prefix"])
        .order_by("coverage", "enterprise_id")
        .first()
    )
    assert low is not None and low.coverage is not None and low.coverage < 0.5
    shown = percent(low.coverage)
    assert PERCENT.fullmatch(shown)
    page = client.get(reverse("scoring:explain", args=[run.pk, low.enterprise_id])).content
    text = page.decode()
    assert f"数据覆盖率 {shown}" in text and "覆盖率不足一半" in text
    dossier = client.get(reverse("analysis:dossier", args=[low.enterprise_id])).content.decode()
    assert f"数据覆盖率 {shown}" in dossier
    pdf = tmp_path / "dossier.pdf"
    pdf.write_bytes(client.get(reverse("analysis:dossier-pdf", args=[low.enterprise_id])).content)
    words = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert f"数据覆盖率 {shown}" in words.replace("\n", "")
    # a run stored before coverage was kept shows a dash
    Result.objects.filter(pk=low.pk).update(coverage=None)
    text = client.get(reverse("scoring:explain", args=[run.pk, low.enterprise_id])).content
    assert "数据覆盖率 —" in text.decode()


def _sheet(content: bytes) -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_leaderboard_column_filter_and_export(world: dict[str, Any]) -> None:
    run, client = world["run"], world["client"]
    url = reverse("scoring:leaderboard", args=[run.pk])
    text = client.get(url).content.decode()
    assert _has_header(text, "数据覆盖率") and PERCENT.search(text)
    expected = Result.objects.filter(run=run, coverage__gte=0.7).count()
    assert 0 < expected < run.n_enterprises
    shown = client.get(url, {"min_coverage": "70"}).content.decode()
    assert f"第 1 / {-(-expected // 50)} 页" in shown
    rows = _sheet(client.get(reverse("scoring:leaderboard-xlsx", args=[run.pk])).getvalue())
    assert rows[0][-1] == "数据覆盖率（%）"
    filtered = _sheet(
        client.get(
            reverse("scoring:leaderboard-xlsx", args=[run.pk]), {"min_coverage": 70}
        ).getvalue()
    )
    assert len(filtered) - 1 == expected and all(row[-1] >= 70 for row in filtered[1:])
    stored = {
        r.enterprise.credit_code: round(100 * r.coverage, 1)
        for r in Result.objects.filter(run=run).select_related("enterprise")
    }
    assert all(stored[row[1]] == row[-1] for row in rows[1:])


def test_board_and_bank_list_column_filter_and_export(world: dict[str, Any]) -> None:
    run, client, admin = world["run"], world["client"], world["admin"]
    board = published_board(run, admin, "全省前 50%", kind="overall", share_from=0, share_to=50)
    text = client.get(reverse("analysis:board", args=[board.pk])).content.decode()
    assert _has_header(text, "数据覆盖率") and PERCENT.search(text)
    all_rows = _sheet(client.get(reverse("analysis:board-xlsx", args=[board.pk])).getvalue())
    kept = _sheet(
        client.get(reverse("analysis:board-xlsx", args=[board.pk]), {"min_coverage": 70}).getvalue()
    )
    assert all_rows[0][-1] == "数据覆盖率（%）"
    assert len(kept) < len(all_rows) and all(row[-1] >= 70 for row in kept[1:])
    assert len(kept) - 1 == sum(1 for row in all_rows[1:] if row[-1] >= 70)
    page = client.get(reverse("analysis:board", args=[board.pk]), {"min_coverage": 70})
    table = page.content.decode().split('id="board"')[1].split("</table>")[0]
    shown = [float(v[:-2]) for v in PERCENT.findall(table)]
    rows = len(re.findall(r"<tr[^>]*>\s*<td", table))
    assert shown and min(shown) >= 70 and len(shown) == min(len(kept) - 1, rows)

    bank = Institution.objects.create(name="测试银行", kind="bank")
    dispatch = Dispatch.objects.create(board=board, institution=bank, sent_by=admin)
    banker = get_user_model().objects.create_user("banker", "b@example.invalid", "pw-banker")
    Profile.objects.create(user=banker, role=Role.INSTITUTION, institution=bank)
    bank_client = Client()
    bank_client.force_login(banker)
    listing = bank_client.get(reverse("portals:fin_list", args=[dispatch.pk])).content.decode()
    header = listing.split('id="fin-list"')[1].split("</thead>")[0]
    assert "数据覆盖率（%）" in header and PERCENT.search(listing)
    exported = _sheet(
        bank_client.get(
            reverse("portals:fin_list_xlsx", args=[dispatch.pk]), {"min_coverage": "70"}
        ).getvalue()
    )
    assert exported[0][-1] == "数据覆盖率（%）"
    assert len(exported) == len(kept) and all(row[-1] >= 70 for row in exported[1:])


def test_minimum_coverage_parameter() -> None:
    factory = RequestFactory()

    def parsed(value: str) -> float | None:
        return min_coverage(factory.get("/", {"min_coverage": value}))

    assert parsed("50") == 0.5 and parsed("72.5 %") == 0.725 and parsed("100") == 1.0
    assert parsed("") is None and parsed("0") is None and parsed("abc") is None
    assert parsed("150") is None and parsed("-5") is None and parsed("nan") is None
    assert percent(0.725) == "72.5 %" and percent(None) == "—" and percent(1.0) == "100.0 %"


def test_a_city_user_sees_its_own_division_against_all_others(world: dict[str, Any]) -> None:
    run, prefix = world["run"], world["prefix"]
    city = Region.objects.get(code=prefix + "00")
    user = get_user_model().objects.create_user("city", "c@example.invalid", "pw-city")
    Profile.objects.create(user=user, role=Role.GOVERNMENT, region=city)
    client = Client()
    client.force_login(user)
    text = client.get(reverse("scoring:run", args=[run.pk])).content.decode()
    table = text.split('id="coverage-divisions"')[1].split("</table>")[0]
    assert table.count("<tr") == 2 and city.name in table  # the head and its own row
    assert text.count('class="errornote coverage-flag"') == 1


def test_division_means_do_not_depend_on_the_order_of_the_enterprises() -> None:
    """A run split over workers gathers its enterprises in another order than one process: the
    stored division means must be the same bit for bit (sums in one order per division)."""
    import polars as pl  # noqa: PLC0415

    from innopoints.scoring.coverage import division_coverage  # noqa: PLC0415

    class ProvinceRun:
        region = None

    rng = np.random.default_rng(7)
    n = 20_000
    regions = rng.choice(["510104", "510107", "510302", "513401"], size=n)
    values = rng.random(n)
    values[::97] = np.nan  # a stage without weights
    first = division_coverage(ProvinceRun(), pl.Series(regions), values)
    for seed in range(3):
        order = np.random.default_rng(seed).permutation(n)
        again = division_coverage(ProvinceRun(), pl.Series(regions[order]), values[order])
        assert again == first
    chengdu = next(row for row in first["rows"] if row["code"] == "510100")
    usable = values[(np.char.startswith(regions.astype(str), "5101")) & ~np.isnan(values)]
    assert chengdu["n"] == int(np.char.startswith(regions.astype(str), "5101").sum())
    assert chengdu["mean"] == pytest.approx(float(usable.mean()), rel=1e-12)
