"""Issue 18 §1 in the browser: a provincial administrator drafts a version that moves 5 % of
weight between two indicators (watching the running sums), reads the what-if on the latest
run, a second administrator approves it, a run uses it, and the diff shows exactly that
change. Screenshots in test-artifacts/schemes/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model

from innopoints.accounts.models import Profile, Role
from innopoints.collection.demo import import_all, write_files
from innopoints.registry.models import Region
from innopoints.scoring import execution
from innopoints.scoring.models import Run, SchemeVersion
from innopoints.scoring.official import official_scheme_version
from tests.platform.test_browser import ARTIFACTS, _sign_in, browser  # noqa: F401

SHOTS = ARTIFACTS / "schemes"


def _provincial(name: str) -> tuple[str, str]:
    password = f"{name.title()}-2026-pass"
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", password)
    Profile.objects.create(
        user=user, role=Role.GOVERNMENT, region=Region.objects.get(code="510000")
    )
    return name, password


def test_draft_what_if_approve_run_and_diff(
    browser: Any,  # noqa: F811
    live_server: Any,
    reference_data: None,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.INNOPOINTS_JOBS_IN_BACKGROUND = False
    SHOTS.mkdir(parents=True, exist_ok=True)
    import_all(write_files(tmp_path / "files", 120, seed=5), "2025")
    base = official_scheme_version()
    assert base is not None
    first = Run.objects.create(period="2025", scheme_version=base)
    execution.execute(first)
    assert first.status == "done", first.error
    drafter, approver = _provincial("sichuan"), _provincial("sichuan2")

    page = _sign_in(browser, live_server, *drafter)
    page.goto(f"{live_server.url}/scoring/schemes/")
    assert "研发费用" in page.text_content("#scheme-indicators")
    page.screenshot(path=str(SHOTS / "in-force.png"), full_page=True)
    page.click("#draft-form button")
    page.wait_for_selector("#weights-form")
    draft = SchemeVersion.objects.get(state="draft")

    sum_cell = "#weights-table [data-sum-stage=startup] .sum-value"
    assert page.text_content(sum_cell) == "100%"
    page.fill("#id_weights-w__rd_expense__startup", "13")
    assert page.text_content(sum_cell) == "105%"  # the running sum, before saving
    page.fill("#id_weights-w__rd_growth__startup", "1")
    assert page.text_content(sum_cell) == "100%"
    page.screenshot(path=str(SHOTS / "draft-weights.png"), full_page=True)
    page.click("#weights-form button[type=submit]")
    page.wait_for_selector("#scheme-changes")
    assert "13%" in page.text_content("#scheme-changes")

    page.click("#whatif-link")
    page.wait_for_selector("#whatif-agreement")
    assert f"#{first.pk}" in page.text_content("#whatif-basis")
    page.screenshot(path=str(SHOTS / "what-if.png"), full_page=True)
    page.goto(f"{live_server.url}/scoring/schemes/{draft.pk}/edit/")
    page.click("#submit-form button")
    page.wait_for_selector("#awaits-other")
    assert page.locator("#approve-form").count() == 0  # not the drafter's to approve
    page.close()

    page = _sign_in(browser, live_server, *approver)
    page.goto(f"{live_server.url}/scoring/schemes/{draft.pk}/")
    page.click("#approve-form button")
    page.wait_for_selector("#scheme-state")
    assert "已发布" in page.text_content("#scheme-state")
    page.screenshot(path=str(SHOTS / "approved.png"), full_page=True)

    # a run started with the form's defaults uses the published version
    page.goto(f"{live_server.url}/scoring/runs/")
    chosen = page.eval_on_selector("#id_scheme_version", "e => e.selectedOptions[0].text")
    assert "1.2" in chosen
    page.click("#run-form input[type=submit]")
    page.wait_for_selector("#agreement", timeout=60_000)
    run = Run.objects.select_related("scheme_version").order_by("-pk").first()
    assert run is not None and run.scheme_version_id == draft.pk and run.status == "done"

    page.goto(f"{live_server.url}/scoring/schemes/compare/?a={base.pk}&b={draft.pk}")
    rows = page.locator("#scheme-changes tbody tr")
    assert rows.count() == 2
    texts = [rows.nth(k).inner_text().split("\t") for k in range(2)]
    assert [t[1:] for t in texts] == [
        ["研发费用", "权重（初创期）", "8%", "13%"],
        ["研发费用增速", "权重（初创期）", "6%", "1%"],
    ]
    page.screenshot(path=str(SHOTS / "diff.png"), full_page=True)
    page.close()
