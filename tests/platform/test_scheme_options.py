"""Deductions (积分扣减) and renormalised missing data on the platform: stored with the run's
breakdown, each deduction its own line of the explanation with the values it rests on, the
renormalised weights shown beside the scheme's, and a default scheme's breakdown unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from innopoints.collection.demo import import_all, write_files
from innopoints.collection.models import DataSource, Enterprise, FactValue
from innopoints.scoring import execution
from innopoints.scoring.explain import explain
from innopoints.scoring.models import Result, Run, SchemeVersion

EXAMPLE = "example-deductions-renormalise"


@pytest.fixture
def province(db: Any, tmp_path: Path) -> None:
    import_all(write_files(tmp_path / "files", 200, seed=5), "2025")


def _run(scheme_id: str) -> Run:
    run = Run.objects.create(
        period="2025", scheme_version=SchemeVersion.objects.get(scheme_id=scheme_id)
    )
    run = execution.execute(run)
    assert run.status == "done", run.error
    return run


def test_deductions_and_renormalised_weights_are_explained(
    province: None, source: Callable[[str], DataSource], admin_user: Any
) -> None:
    sichuan = _run("sichuan-2025")
    assert "deduction" not in sichuan.report["breakdown_layout"]
    assert "missing_data" not in sichuan.report and "n_deducted" not in sichuan.report
    chosen = Result.objects.filter(run=sichuan, vetoed=False, base__gt=20).order_by("pk").first()
    assert chosen is not None
    enterprise = Enterprise.objects.get(pk=chosen.enterprise_id)
    for field, value in (("admin_penalties", 4.0), ("env_violation", 1.0)):
        FactValue.objects.create(
            enterprise=enterprise,
            period="2025",
            field_code=field,
            value=value,
            source=source("sti"),
        )
    run = _run(EXAMPLE)
    assert run.report["breakdown_layout"]["deduction"] == ["admin_penalties", "env_violation"]
    assert run.report["n_deducted"] == 1
    result = Result.objects.get(run=run, enterprise=enterprise)
    explained = explain(result)
    assert explained.deductions is not None
    lines = {line.code: line for line in explained.deductions}
    # 4 penalties × 2 = 8 → cap 6; environmental offence 5; 6 + 5 = 11 → deduction_cap 10
    assert lines["admin_penalties"].points == 6.0 and lines["env_violation"].points == 5.0
    assert [f.value for f in lines["admin_penalties"].facts] == [4.0]
    assert lines["admin_penalties"].facts[0].source.code == "sti"
    assert explained.deduction == pytest.approx(10.0)
    assert explained.deduction_adjusted
    assert result.total == pytest.approx(result.base + result.bonus - 10.0)
    assert result.rank is not None  # a deduction is not a veto

    client = Client()
    client.force_login(admin_user)
    page = client.get(reverse("scoring:explain", args=[run.pk, enterprise.pk])).content.decode()
    assert 'id="deductions"' in page and "行政处罚" in page and "−6.00" in page
    assert "每项扣 2 分，最多 6 分" in page and "实际扣减 10.00 分" in page
    assert "覆盖率达到 60.0 %" in page

    low = Result.objects.filter(run=run, coverage__lt=1.0, coverage__gte=0.6).order_by("pk").first()
    assert low is not None, "the synthetic province has enterprises missing some data"
    explained = explain(low)
    assert explained.renormalised
    assert sum(line.weight for line in explained.lines) == pytest.approx(1.0)
    assert all(line.stated_weight is not None for line in explained.lines)
    assert all(line.weight == 0.0 for line in explained.lines if line.value is None)
    assert sum(line.points for line in explained.lines) == pytest.approx(low.base)
    assert any(line.weight > (line.stated_weight or 0.0) for line in explained.lines)
    page = client.get(reverse("scoring:explain", args=[run.pk, low.enterprise_id])).content
    assert "本企业的权重已按覆盖率重新归一".encode() in page
    assert b"stated-weight" in page
    # the Sichuan run of the same enterprise scores its missing values 0
    plain = explain(Result.objects.get(run=sichuan, enterprise_id=low.enterprise_id))
    assert not plain.renormalised and plain.deductions is None
    assert all(line.stated_weight is None for line in plain.lines)

    # in English (last: a request under /en/ leaves English active in this thread)
    english = client.get(f"/en/scoring/runs/{run.pk}/enterprise/{enterprise.pk}/").content.decode()
    assert "Deductions (constraint indicators)" in english
    assert "2 points per item, at most 6" in english and "still 100% in all" in english
    english_low = client.get(f"/en/scoring/runs/{run.pk}/enterprise/{low.enterprise_id}/").content
    assert b"renormalised by its coverage" in english_low and b"(scheme " in english_low
