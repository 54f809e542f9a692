"""Divisions and industry fields named in the page's language (issue 14 §3): Chinese as stored;
English divisions in Hanyu Pinyin with the kind of division (place-name readings where a
character has several), industry fields in the English of the national documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from innopoints.registry.english import english_name
from innopoints.registry.models import Region
from innopoints.scoring.models import Run, SchemeVersion
from innopoints.site import names
from tests.platform.conftest import scored_province


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("四川省", "Sichuan Province"),
        ("成都市", "Chengdu City"),
        ("青羊区", "Qingyang District"),
        ("新都区", "Xindu District"),  # 都 read du in place names, not dou
        ("长宁县", "Changning County"),  # 长 read chang, not zhang
        ("什邡市", "Shifang City"),
        ("荥经县", "Yingjing County"),
        ("筠连县", "Junlian County"),
        ("雅安市", "Ya'an City"),  # apostrophe before a syllable starting with a vowel
        ("凉山彝族自治州", "Liangshan Yi Autonomous Prefecture"),
        ("阿坝藏族羌族自治州", "Aba Tibetan and Qiang Autonomous Prefecture"),
        ("北川羌族自治县", "Beichuan Qiang Autonomous County"),
    ],
)
def test_english_names_of_divisions(chinese: str, english: str) -> None:
    assert english_name(chinese) == english


def test_a_division_is_named_in_the_language_of_the_page(db: Any) -> None:
    assert names.region_name("510100") == "成都市"
    with translation.override("en"):
        assert names.region_name("510100") == "Chengdu City"


def test_the_runs_page_names_the_division_of_a_run_in_english(db: Any, admin_user: Any) -> None:
    Run.objects.create(
        period="2025",
        scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025"),
        region=Region.objects.get(code="510100"),
        started_by=admin_user,
    )
    client = Client()
    client.force_login(admin_user)
    url = reverse("scoring:runs")
    assert "成都市" in client.get(url).content.decode()
    with translation.override("en"):
        english = client.get(reverse("scoring:runs"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Chengdu City" in english and "成都市" not in english


def test_statistics_and_leaderboard_name_divisions_and_fields_in_english(
    db: Any, admin_user: Any, tmp_path: Path
) -> None:
    run = scored_province(tmp_path / "files", 80, 5, admin_user)
    client = Client()
    client.force_login(admin_user)
    with translation.override("en"):
        statistics = client.get(reverse("analysis:statistics", args=[run.pk])).content.decode()
        leaderboard = client.get(reverse("scoring:leaderboard", args=[run.pk])).content.decode()
    assert "Chengdu City" in statistics and "成都市" not in statistics
    for page in (statistics, leaderboard):
        assert "Electronic information" in page or "Aerospace" in page
        assert "电子信息" not in page.replace('value="电子信息"', "")


def test_the_page_header_names_the_users_division_without_its_code(db: Any) -> None:
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    from innopoints.accounts.models import Profile, Role  # noqa: PLC0415

    user = get_user_model().objects.create_user("chengdu", password="x")
    Profile.objects.create(
        user=user, role=Role.GOVERNMENT, region=Region.objects.get(code="510100")
    )
    client = Client()
    client.force_login(user)
    header = client.get(reverse("portals:home"), follow=True).content.decode()
    who = header.split('class="portal-who"', 1)[1].split("</span>", 1)[0]
    assert "成都市" in who and "510100" not in who
    with translation.override("en"):
        page = client.get(reverse("portals:home"), follow=True).content.decode()
    who = page.split('class="portal-who"', 1)[1].split("</span>", 1)[0]
    assert "Chengdu City" in who and "510100" not in who


def test_the_enterprise_home_names_its_division_without_the_code(db: Any) -> None:
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    from innopoints.accounts.models import Profile, Role  # noqa: PLC0415
    from innopoints.registry.models import Enterprise  # noqa: PLC0415
    from tests.conftest import codes  # noqa: PLC0415

    firm = Enterprise.objects.create(
        credit_code=codes(1, region="510131")[0],
        name="蒲江示例科技有限公司",
        region=Region.objects.get(code="510131"),
    )
    user = get_user_model().objects.create_user("firm", password="x")
    Profile.objects.create(user=user, role=Role.ENTERPRISE, enterprise=firm)
    client = Client()
    client.force_login(user)
    page = client.get(reverse("portals:ent_home")).content.decode()
    row = page.split("所在地区", 1)[1].split("</tr>", 1)[0]
    assert "蒲江县" in row and "510131" not in row
