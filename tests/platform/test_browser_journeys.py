"""Journeys of issue 14 §2 that failed in the browser itself: the 一键测算 form's defaults (a
required field left empty blocked the submit) and a date input given "2026/11/20" (shown blank,
blocking the save). Screenshots in test-artifacts/journeys/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model

from innopoints.accounts.models import Profile, Role
from innopoints.applications.models import Financing
from innopoints.collection.demo import import_all, write_files
from innopoints.registry.models import Enterprise, Institution, Region
from innopoints.scoring.models import Run
from tests.conftest import codes
from tests.platform.conftest import published_board
from tests.platform.test_browser import ARTIFACTS, _sign_in, browser  # noqa: F401

SHOTS = ARTIFACTS / "journeys"


def _government_user(name: str, region: str) -> tuple[str, str]:
    password = f"{name.title()}-2026-pass"
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", password)
    Profile.objects.create(user=user, role=Role.GOVERNMENT, region=Region.objects.get(code=region))
    return name, password


def test_one_click_starts_a_run_on_the_defaults(
    browser: Any,  # noqa: F811
    live_server: Any,
    reference_data: None,
    tmp_path: Path,
    settings: Any,
) -> None:
    """A provincial and a city user open 一键测算 and click once: the run starts on the
    official scheme over their own division."""
    settings.INNOPOINTS_JOBS_IN_BACKGROUND = False
    SHOTS.mkdir(parents=True, exist_ok=True)
    import_all(write_files(tmp_path / "files", 120, seed=3), "2025")
    for name, region in (("sichuan", "510000"), ("chengdu", "510100")):
        page = _sign_in(browser, live_server, *_government_user(name, region))
        page.goto(f"{live_server.url}/scoring/runs/")
        assert page.eval_on_selector("#id_region", "e => e.value") == region
        chosen = page.eval_on_selector("#id_scheme_version", "e => e.selectedOptions[0].text")
        assert "sichuan-2025" in chosen and "---" not in chosen
        page.screenshot(path=str(SHOTS / f"run-form-{name}.png"), full_page=True)
        page.click("#run-form input[type=submit]")
        page.wait_for_selector("#agreement", timeout=60_000)
        run = Run.objects.select_related("scheme_version").order_by("-pk").first()
        assert run is not None and run.started_by.username == name
        assert run.region_id == region and run.scheme_version.scheme_id == "sichuan-2025"
        assert run.status == "done", run.error
        page.screenshot(path=str(SHOTS / f"run-done-{name}.png"), full_page=True)
        page.close()
    # the province's run, published: the city user reads it narrowed, and is offered no send
    province = Run.objects.get(region_id="510000")
    board = published_board(
        province, province.started_by, "全省前 20%", kind="overall", share_to=20
    )
    page = _sign_in(browser, live_server, "chengdu", "Chengdu-2026-pass")
    page.goto(f"{live_server.url}/gov/")
    assert f"#{province.pk}" in page.text_content("#official-run")
    assert page.locator(f"a[href='/gov/boards/{board.pk}/send/']").count() == 0
    page.screenshot(path=str(SHOTS / "gov-home-chengdu.png"), full_page=True)
    page.goto(f"{live_server.url}/scoring/runs/{province.pk}/")
    assert "成都市" in page.text_content("#narrowed")
    page.screenshot(path=str(SHOTS / "province-run-chengdu.png"), full_page=True)
    page.close()


def test_a_financing_record_opens_with_its_dates_and_saves_unchanged(
    browser: Any,  # noqa: F811
    live_server: Any,
    reference_data: None,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    bank = Institution.objects.create(name="测试银行成都分行", kind="bank")
    banker = get_user_model().objects.create_user(
        "banker", "bk@example.invalid", "Banker-2026-pass"
    )
    Profile.objects.create(user=banker, role=Role.INSTITUTION, institution=bank)
    enterprise = Enterprise.objects.create(
        credit_code=codes(1)[0], name="成都测试科技有限公司", region_id="510107"
    )
    record = Financing.objects.create(
        enterprise=enterprise,
        institution=bank,
        kind="loan",
        product="天府科创贷",
        applied_on=dt.date(2026, 11, 20),
        status="approved",
        amount=400,
        rate="3.65",
        term_months=12,
        decided_on=dt.date(2026, 11, 25),
        recorded_by=banker,
    )
    page = _sign_in(browser, live_server, "banker", "Banker-2026-pass")
    page.goto(f"{live_server.url}/fin/financings/{record.pk}/")
    assert page.input_value("#id_applied_on") == "2026-11-20"
    assert page.input_value("#id_decided_on") == "2026-11-25"
    page.screenshot(path=str(SHOTS / "financing-edit.png"), full_page=True)
    page.select_option("#id_status", value="disbursed")
    page.fill("#id_disbursed_on", "2026-12-01")
    page.click("#financing-form input[type=submit]")
    page.wait_for_url("**/fin/financings/")
    record.refresh_from_db()
    assert record.status == "disbursed" and record.applied_on == dt.date(2026, 11, 20)
    assert record.disbursed_on == dt.date(2026, 12, 1)
    page.close()
