"""培育库规则 edited in the government portal: conditions typed as a person says them, a preview
on the latest run equal to what a run stores, saving audited with history, and only a user
who governs every enterprise may edit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from innopoints.accounts.models import Role
from innopoints.analysis.models import Pool, PoolMembership
from innopoints.analysis.pool_form import ConditionForm, describe_rule, initial_rows
from innopoints.analysis.pool_preview import preview
from innopoints.audit.models import AuditEntry
from innopoints.registry.models import Region
from innopoints.scoring.models import Run
from tests.platform.conftest import scored_province, shared
from tests.platform.programmes_world import user


@pytest.fixture(scope="module")
def scored_once(
    module_db: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Run:
    with django_db_blocker.unblock():
        return scored_province(Path(tmp_path_factory.mktemp("files")), 200, 5, None)


@pytest.fixture
def scored(db: Any, scored_once: Run) -> Run:
    return shared(scored_once)


def condition(field: str, test: str, value: str) -> dict[str, Any]:
    form = ConditionForm({"field": field, "test": test, "value": value})
    assert form.is_valid(), form.errors
    return form.cleaned_data["condition"]


def refusal(field: str, test: str, value: str) -> str:
    form = ConditionForm({"field": field, "test": test, "value": value})
    assert not form.is_valid()
    return " ".join(form.non_field_errors())


def test_conditions_are_typed_as_people_say_them(db: Any) -> None:
    assert condition("tier", "in", "A、b档") == {"field": "tier", "in": ["A", "B"]}
    assert condition("vetoed", "is", "否") == {"field": "vetoed", "is": False}
    assert condition("rd_ratio", "min", "3") == {"field": "rd_ratio", "min": 3}
    assert condition("revenue", "max", "20,000.5") == {"field": "revenue", "max": 20000.5}
    assert condition("qualification", "any", "高新技术企业，科技型中小企业") == {
        "field": "qualification",
        "any": ["hitech", "sme"],
    }
    assert condition("stage", "in", "成长期") == {"field": "stage", "in": ["growth"]}


def test_bad_conditions_say_what_is_wrong(db: Any) -> None:
    assert "不是数字" in refusal("revenue", "min", "一亿")
    assert "是数值" in refusal("revenue", "in", "5")
    assert "不是档次" in refusal("tier", "in", "E")
    assert "没有名为“独角兽”的资质" in refusal("qualification", "any", "独角兽")
    assert "“是”或“否”" in refusal("vetoed", "is", "也许")
    assert "请填写取值" in refusal("total", "min", "")


def test_every_built_in_rule_reads_back_into_the_same_rule(db: Any) -> None:
    for pool in Pool.objects.all():
        rows = initial_rows(pool.rule)
        kind = next(iter(pool.rule))
        assert {kind: [condition(**row) for row in rows]} == pool.rule, pool.code
        assert len(describe_rule(pool.rule)) == len(rows)


def test_preview_counts_what_the_run_stored(scored: Run) -> None:
    for pool in Pool.objects.all():
        stored = PoolMembership.objects.filter(run=scored, pool=pool).count()
        shown = preview(pool.rule, scored)
        assert shown.selected == stored, pool.code
        assert sum(n for _t, n in shown.by_tier) == stored
        assert shown.scored == scored.results.count()


def form_data(pool: Pool, rows: list[dict[str, str]], **extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": pool.name,
        "description": pool.description,
        "combine": next(iter(pool.rule)),
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "30",
        **extra,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"form-{i}-{key}"] = value
    return data


def test_province_previews_then_saves_a_rule(scored: Run, admin_user: Any) -> None:
    pool = Pool.objects.get(code="hitech")
    client = Client()
    client.force_login(admin_user)
    url = reverse("analysis:pool-rule-edit", args=["hitech"])
    page = client.get(url).content.decode()
    assert "研发费用占营业收入比例" in page or "研发" in page
    rows = initial_rows(pool.rule)
    rows = [r if r["field"] != "rd_ratio" else {**r, "value": "0"} for r in rows]
    wider = {"all": [condition(**r) for r in rows]}
    shown = client.post(url, form_data(pool, rows, preview="1")).content.decode()
    expected = preview(wider, scored).selected
    assert f"将入库 <strong>{expected}</strong> 家" in shown
    assert Pool.objects.get(code="hitech").rule == pool.rule  # a preview saves nothing
    saved = client.post(url, form_data(pool, rows, save="1"))
    assert saved.status_code == 302
    assert Pool.objects.get(code="hitech").rule == wider
    assert Pool.objects.get(code="hitech").history.first().rule == wider  # kept in history
    assert AuditEntry.objects.filter(summary__contains="修改培育库规则").exists()


def test_a_city_reads_the_rules_but_may_not_edit_them(scored: Run) -> None:
    city = user("chengdu-pools", Role.GOVERNMENT, region=Region.objects.get(code="510100"))
    client = Client()
    client.force_login(city)
    listing = client.get(reverse("analysis:pool-rules"))
    assert listing.status_code == 200
    assert "高新技术企业培育库" in listing.content.decode()
    assert reverse("analysis:pool-rule-edit", args=["hitech"]) not in listing.content.decode()
    assert client.get(reverse("analysis:pool-rule-edit", args=["hitech"])).status_code == 403
    assert client.get(reverse("analysis:pool-rule-new")).status_code == 403
