"""The indicator system in the government portal (issue 18 §1): the scheme in force readable by
every government user, a provincial administrator's draft, its what-if on the latest run, the
second administrator's approval, the published version used by new runs, the readable diff
of any two versions, and runs limited by qualification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from innopoints.accounts.models import Profile, Role
from innopoints.audit.models import AuditEntry
from innopoints.collection.demo import import_all, write_files
from innopoints.registry.models import Enterprise, Qualification, Region
from innopoints.scoring import execution
from innopoints.scoring import whatif as whatif_module
from innopoints.scoring.forms import RunForm
from innopoints.scoring.models import Result, Run, SchemeVersion
from innopoints.scoring.official import official_scheme_version
from innopoints.scoring.scheme_diff import default_pair
from innopoints.scoring.whatif import what_if


def _government(name: str, region: str) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw")
    Profile.objects.create(user=user, role=Role.GOVERNMENT, region=Region.objects.get(code=region))
    return user


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _weights_post(version: SchemeVersion, **changes: str) -> dict[str, str]:
    scheme = version.scheme()
    data = {"part": "weights"}
    for ind in scheme.weighted:
        for stage, weight in (ind.weights or {}).items():
            data[f"weights-w__{ind.code}__{stage}"] = f"{weight * 100:.4f}"
        data[f"weights-transform__{ind.code}"] = ind.transform
        data[f"weights-low__{ind.code}"] = f"{ind.winsor[0] * 100:.4f}"
        data[f"weights-high__{ind.code}"] = f"{ind.winsor[1] * 100:.4f}"
    data.update({f"weights-{k}": v for k, v in changes.items()})
    return data


@pytest.fixture
def province(db: Any, tmp_path: Path) -> Run:
    import_all(write_files(tmp_path / "files", 150, seed=11), "2025")
    run = Run.objects.create(period="2025", scheme_version=official_scheme_version())
    execution.execute(run)
    assert run.status == "done", run.error
    return run


def test_every_government_user_reads_the_scheme_in_force_by_name(db: Any) -> None:
    city = _client(_government("chengdu", "510100"))
    page = city.get(reverse("scoring:schemes")).content.decode()
    for text in (
        "研发费用",
        "初创期",
        "成立不超过 5 年",
        "四川省税务局",
        "A档",
        "名次前 0% 至 10%",
    ):
        assert text in page
    assert "以此为基础起草新版本" not in page  # a city reads, it does not draft
    assert "rd_expense" not in page
    draft = city.post(reverse("scoring:scheme-draft", args=[official_scheme_version().pk]))
    assert draft.status_code == 403


def test_draft_what_if_approval_run_and_diff(
    province: Run, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    drafter, approver = _government("sichuan", "510000"), _government("sichuan2", "510000")
    base = official_scheme_version()
    assert base is not None
    one = _client(drafter)
    created = one.post(reverse("scoring:scheme-draft", args=[base.pk]))
    draft = SchemeVersion.objects.get(state="draft")
    assert created["Location"] == reverse("scoring:scheme-edit", args=[draft.pk])
    assert draft.based_on == base and draft.created_by == drafter and draft.version == "1.2"
    # a draft is never in force and never offered to a run
    assert official_scheme_version() == base
    assert draft not in RunForm(user=drafter).fields["scheme_version"].queryset  # type: ignore[attr-defined]

    edit = reverse("scoring:scheme-edit", args=[draft.pk])
    wrong = one.post(edit, _weights_post(draft, w__rd_expense__startup="13.0"))
    assert "初创期权重合计为 105%，须为 100%" in wrong.content.decode()
    moved = _weights_post(draft, w__rd_expense__startup="13.0", w__rd_growth__startup="1.0")
    assert one.post(edit, moved).status_code == 302
    draft.refresh_from_db()
    assert draft.scheme().indicator("rd_expense").weights["startup"] == 0.13  # type: ignore[index]

    # a large run's what-if is computed in the background; the page waits for it
    settings.INNOPOINTS_JOBS_IN_BACKGROUND = False
    monkeypatch.setattr(whatif_module, "INLINE_LIMIT", 0)
    waiting = one.get(reverse("scoring:scheme-whatif", args=[draft.pk])).content.decode()
    assert 'id="whatif-pending"' in waiting and 'http-equiv="refresh"' in waiting
    whatif = one.get(reverse("scoring:scheme-whatif", args=[draft.pk])).content.decode()
    assert f"#{province.pk}" in whatif and "吻合度" in whatif and "跨越档次线的企业" in whatif
    assert "按成长阶段" in whatif and "按地区（市州）" in whatif

    # the drafter submits and cannot approve; another provincial administrator does
    one.post(reverse("scoring:scheme-submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.state == "submitted"
    assert one.post(reverse("scoring:scheme-approve", args=[draft.pk])).status_code == 403
    city = _client(_government("chengdu", "510100"))
    assert city.post(reverse("scoring:scheme-approve", args=[draft.pk])).status_code == 403
    _client(approver).post(reverse("scoring:scheme-approve", args=[draft.pk]))
    draft.refresh_from_db()
    assert (draft.state, draft.approved_by) == ("published", approver)
    assert official_scheme_version() == draft
    assert AuditEntry.objects.filter(
        object_id=str(draft.pk), summary__contains="批准并发布"
    ).exists()

    # a new run starts on the published version, and scores as the what-if said it would
    form = RunForm(user=drafter)
    assert form.fields["scheme_version"].initial == draft.pk
    predicted = what_if(province, draft.scheme())
    run = Run.objects.create(period="2025", scheme_version=draft)
    execution.execute(run)
    before = dict(Result.objects.filter(run=province).values_list("enterprise_id", "tier"))
    after = dict(Result.objects.filter(run=run).values_list("enterprise_id", "tier"))
    moved = {e for e, tier in after.items() if before[e] != tier}
    assert len(moved) == predicted.n_tier_up + predicted.n_tier_down > 0
    assert len(predicted.crossing) == len(moved)

    # the diff shows exactly the moved weight
    diff = one.get(reverse("scoring:scheme-compare"), {"a": base.pk, "b": draft.pk})
    rows = diff.context["changes"]
    assert [(c.item, c.attribute, c.before, c.after) for c in rows] == [
        ("研发费用", "权重（初创期）", "8%", "13%"),
        ("研发费用增速", "权重（初创期）", "6%", "1%"),
    ]


def test_any_two_versions_compare_including_different_schemes(db: Any) -> None:
    client = _client(_government("sichuan", "510000"))
    official = SchemeVersion.objects.get(scheme_id="sichuan-2025")
    other = SchemeVersion.objects.get(scheme_id="example-core-18")
    page = client.get(reverse("scoring:scheme-compare"), {"a": official.pk, "b": other.pk})
    assert page.status_code == 200 and page.context["changes"]
    assert "没有其他版本可比较" not in page.content.decode()
    # one version alone (no sibling of its scheme id) is compared with another scheme
    assert default_pair(official) != (None, official)
    admin = get_user_model().objects.create_superuser("boss", "b@example.invalid", "pw")
    admin_page = _client(admin).get(reverse("admin:scoring_schemeversion_diff", args=[official.pk]))
    assert "没有其他版本可比较" not in admin_page.content.decode()


def test_a_run_limited_to_qualifications(province: Run) -> None:
    enterprises = list(Enterprise.objects.order_by("pk")[:30])
    for k, enterprise in enumerate(enterprises[:20]):
        Qualification.objects.create(
            enterprise=enterprise, kind="hitech" if k % 2 else "sme", valid_from=2024
        )
    # held before 2025 and ended: not held in the period
    Qualification.objects.create(
        enterprise=enterprises[25], kind="hitech", valid_from=2020, valid_to=2023
    )
    Qualification.objects.create(enterprise=enterprises[26], kind="gazelle", valid_from=2024)
    user = _government("sichuan", "510000")
    form = RunForm(
        {
            "period": "2025",
            "scheme_version": official_scheme_version().pk,
            "region": "510000",
            "qualifications": ["hitech", "sme"],
        },
        user=user,
    )
    assert form.is_valid(), form.errors
    run = Run.objects.create(started_by=user, **form.cleaned_data)
    execution.execute(run)
    assert run.status == "done", run.error
    scored = set(Result.objects.filter(run=run).values_list("enterprise_id", flat=True))
    wanted = {e.pk for e in enterprises[:20]}
    assert scored <= wanted and len(scored) >= 15  # the few left out lack a founding date
    assert run.qualifications == ["hitech", "sme"]
    page = _client(user).get(reverse("scoring:run", args=[run.pk])).content.decode()
    assert "只评价持有以下任一资质的企业：高新技术企业、科技型中小企业" in page


def test_the_what_if_shows_the_missing_data_choice(province: Run) -> None:
    """The draft's missing-data option on the page, and its effect in the what-if: how many
    enterprises the renormalisation scores over the indicators they have, and how they move.
    At a 100 % threshold nobody qualifies (a full coverage misses nothing); a lower threshold
    admits at least as many."""
    drafter = _government("sichuan", "510000")
    one = _client(drafter)
    base = official_scheme_version()
    assert base is not None
    one.post(reverse("scoring:scheme-draft", args=[base.pk]))
    draft = SchemeVersion.objects.get(state="draft")
    edit = reverse("scoring:scheme-edit", args=[draft.pk])
    page = one.get(edit).content.decode()
    assert "缺失值记 0 分（四川默认）" in page and 'id="deductions-form"' in page

    refused = one.post(edit, {"part": "missing", "missing-method": "renormalise"})
    assert "覆盖率门槛须大于 0 且不超过 100%" in refused.content.decode()
    counts = {}
    for threshold in ("100", "50", "1"):
        saved = one.post(
            edit,
            {"part": "missing", "missing-method": "renormalise", "missing-min_coverage": threshold},
        )
        assert saved.status_code == 302
        draft.refresh_from_db()
        assert draft.scheme().missing.min_coverage == float(threshold) / 100
        result = what_if(province, draft.scheme())
        assert result.renormalised is not None and result.deducted is None
        counts[threshold] = result.renormalised["n"]
    assert counts["100"] == 0 < counts["50"] <= counts["1"]

    whatif = one.get(reverse("scoring:scheme-whatif", args=[draft.pk])).content.decode()
    assert 'id="whatif-renormalised"' in whatif and "按已有指标重新分配权重的企业" in whatif
    changes = one.get(reverse("scoring:scheme-compare"), {"a": base.pk, "b": draft.pk})
    assert [(c.attribute, c.before, c.after) for c in changes.context["changes"]] == [
        (
            "缺失数据处理",
            "缺失值记 0 分",
            "覆盖率不低于 1% 时按已有指标重新分配权重，否则记 0 分",
        )
    ]
