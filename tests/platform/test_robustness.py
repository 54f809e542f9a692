"""Robustness analysis of a run on the platform: who may start and read it, and that what is
stored is what the engine computes on the run's own inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from innopoints.accounts.models import Profile, Role
from innopoints.audit.models import AuditEntry
from innopoints.collection.demo import import_all, write_files
from innopoints.engine.uncertainty import analyse
from innopoints.registry.models import Institution, Region
from innopoints.scoring import execution
from innopoints.scoring.models import Result, RobustnessAnalysis, Run, SchemeVersion


def _user(name: str, role: str, **bound: Any) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw-" + name)
    Profile.objects.create(user=user, role=role, **bound)
    return user


def _client(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def world(db: Any, tmp_path: Path) -> dict[str, Any]:
    import_all(write_files(tmp_path / "files", 300, seed=5), "2025")
    run = Run.objects.create(
        period="2025", scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025")
    )
    execution.execute(run)
    assert run.status == "done", run.error
    bank = Institution.objects.create(name="测试银行", kind="bank")
    mine = Result.objects.filter(run=run).select_related("enterprise").first()
    assert mine is not None
    return {
        "run": run,
        "sichuan": _user("sichuan", Role.GOVERNMENT, region=Region.objects.get(code="510000")),
        "chengdu": _user("chengdu", Role.GOVERNMENT, region=Region.objects.get(code="510100")),
        "banker": _user("banker", Role.INSTITUTION, institution=bank),
        "owner": _user("owner", Role.ENTERPRISE, enterprise=mine.enterprise),
    }


def _start(client: Client, run: Run, replications: str = "200") -> Any:
    url = reverse("scoring:robustness-start", args=[run.pk])
    return client.post(url, {"replications": replications})


def test_only_governments_covering_the_run_start_or_read_it(world: dict[str, Any]) -> None:
    run = world["run"]
    page = reverse("scoring:robustness", args=[run.pk])
    state = reverse("scoring:robustness-state", args=[run.pk])
    # Chengdu reads the province run (its own enterprises) but does not govern it
    chengdu = _client(world["chengdu"])
    assert chengdu.get(reverse("scoring:run", args=[run.pk])).status_code == 200
    assert "robustness-start" not in chengdu.get(reverse("scoring:run", args=[run.pk])).text
    assert chengdu.get(page).status_code == 403
    assert chengdu.get(state).status_code == 403
    assert _start(chengdu, run).status_code == 403
    for name in ("banker", "owner"):
        client = _client(world[name])
        assert client.get(page).status_code in {302, 403}
        assert _start(client, run).status_code in {302, 403}
    anonymous = Client()
    assert anonymous.get(page).status_code == 302
    assert _start(anonymous, run).status_code == 302
    assert not RobustnessAnalysis.objects.exists()
    # the province's department starts it from the run page and reads it
    sichuan = _client(world["sichuan"])
    assert "robustness-start" in sichuan.get(reverse("scoring:run", args=[run.pk])).text
    assert sichuan.get(page).status_code == 200
    assert sichuan.get(state).json() == {"status": "none"}
    response = _start(sichuan, run)
    assert response.status_code == 302 and response["Location"] == page
    analysis = RobustnessAnalysis.objects.get()
    assert analysis.status == "done", analysis.error
    assert analysis.started_by == world["sichuan"]
    assert sichuan.get(state).json()["status"] == "done"
    shown = sichuan.get(page).text
    assert 'id="sensitivity"' in shown and 'id="widest"' in shown and 'id="unsure"' in shown
    assert AuditEntry.objects.filter(
        action="create", object_type__icontains="robustness", actor=world["sichuan"]
    ).exists()
    # the enterprise's band on its explanation: for those who govern the run only
    top = Result.objects.filter(run=run, rank=1).first()
    assert top is not None
    explain = reverse("scoring:explain", args=[run.pk, top.enterprise_id])
    assert 'id="band"' in sichuan.get(explain).text
    admin = get_user_model().objects.create_superuser("root", "r@example.invalid", "pw")
    assert 'id="band"' in _client(admin).get(explain).text


def test_stored_bands_are_the_engines_analysis_of_the_run(world: dict[str, Any]) -> None:
    run = world["run"]
    assert _start(_client(world["sichuan"]), run).status_code == 302
    analysis = RobustnessAnalysis.objects.get()
    assert analysis.status == "done", analysis.error
    # the engine on the table the run itself was built from, with the analysis' settings
    scheme = run.scheme_version.scheme()
    table, *_ = execution.engine_table(run, scheme)
    expected = analyse(scheme, table, run.period, replications=200, seed=run.pk)
    ranked = expected.nominal_rank > 0
    matrix = analysis.band_matrix()
    assert matrix.shape == (int(ranked.sum()), 6)
    assert np.array_equal(matrix[:, 0], table["enterprise_id"].to_numpy()[ranked])
    assert np.array_equal(matrix[:, 1], expected.nominal_rank[ranked])
    assert np.array_equal(matrix[:, 2], expected.median_rank[ranked])
    assert np.array_equal(matrix[:, 3], expected.q5_rank[ranked])
    assert np.array_equal(matrix[:, 4], expected.q95_rank[ranked])
    assert np.array_equal(matrix[:, 5], expected.tier_kept[ranked])
    stored = dict(Result.objects.filter(run=run).values_list("enterprise_id", "rank"))
    assert all(stored[int(e)] == int(r) for e, r in matrix[:, :2])
    report = expected.report()
    assert analysis.report["sensitivity"] == report["sensitivity"]
    assert analysis.report["by_level"] == report["by_level"]
    band = analysis.band_of(int(matrix[0, 0]))
    assert band is not None and band["rank_q5"] == matrix[0, 3]


def test_refusals_leave_nothing_behind(world: dict[str, Any]) -> None:
    run = world["run"]
    sichuan = _client(world["sichuan"])
    response = _start(sichuan, run, replications="50")
    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:run", args=[run.pk])
    assert _start(sichuan, run, replications="many").status_code == 302
    assert not RobustnessAnalysis.objects.exists()
    queued = Run.objects.create(period="2025", scheme_version=run.scheme_version)
    assert _start(sichuan, queued).status_code == 302
    assert not RobustnessAnalysis.objects.exists()
