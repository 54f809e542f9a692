"""公示与异议 in a real browser (issue 18 §3): the publisher puts a published list on 公示, an
anonymous visitor objects on the public page, the publisher upholds the objection and starts
the corrected run. Screenshots in test-artifacts/publicity/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model

from innopoints.accounts.models import Profile, Role
from innopoints.analysis import boards
from innopoints.analysis.models import Objection, Publicity, ScoreConsent
from innopoints.collection.demo import import_all, write_files
from innopoints.scoring import execution
from innopoints.scoring.models import Run, SchemeVersion
from tests.platform.conftest import published_board
from tests.platform.test_browser import ARTIFACTS, _sign_in, browser  # noqa: F401

SHOTS = ARTIFACTS / "publicity"


def test_publicity_objection_and_answer(
    browser: Any,  # noqa: F811
    live_server: Any,
    reference_data: None,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.INNOPOINTS_JOBS_IN_BACKGROUND = False
    SHOTS.mkdir(parents=True, exist_ok=True)
    import_all(write_files(tmp_path / "files", 60, seed=7), "2025")
    publisher = get_user_model().objects.create_user(
        "sichuan", "sichuan@example.invalid", "Sichuan-2026-pass"
    )
    Profile.objects.create(user=publisher, role=Role.GOVERNMENT, region_id="510000")
    run = Run.objects.create(
        period="2025",
        scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025"),
        region_id="510000",
        started_by=publisher,
    )
    execution.execute(run)
    assert run.status == "done", run.error
    board = published_board(run, publisher, "2025 年度积分榜前 10 名", kind="overall", top_n=10)
    entries = boards.entries(board)
    first, second = entries[0], entries[1]
    ScoreConsent.objects.create(enterprise_id=first["enterprise_id"], show_score=True)

    # the publisher puts the list on 公示
    gov = _sign_in(browser, live_server, "sichuan", "Sichuan-2026-pass")
    gov.goto(f"{live_server.url}/analysis/boards/{board.pk}/")
    gov.click("#publicity-board")
    gov.fill("#id_title", "2025 年度人工智能领域积分榜公示")
    gov.select_option("#id_field", label="人工智能")
    gov.check("#id_show_scores")
    gov.fill("#id_contact", "省科技厅成果转化处，028-00000000")
    gov.screenshot(path=str(SHOTS / "1-publicity-form.png"), full_page=True)
    gov.click("#publicity-form input[type=submit]")
    gov.wait_for_selector("#public-link")
    item = Publicity.objects.get()
    assert item.field is not None and item.field.name == "人工智能" and item.show_scores
    assert "公示中" in gov.text_content("#publicity-state")

    # an anonymous visitor reads the list and objects
    visitor = browser.new_page(locale="zh-CN")
    visitor.goto(f"{live_server.url}/gongshi/")
    visitor.click("text=2025 年度人工智能领域积分榜公示")
    visitor.wait_for_selector("#public-list")
    table = visitor.text_content("#public-list") or ""
    assert first["name"] in table and f"{first['total']:.2f}" in table
    assert f"{second['total']:.2f}" not in table and "未公开" in table
    assert "异议程序" in (visitor.text_content("#objection-procedure") or "")
    assert visitor.locator("#logout-form").count() == 0  # no one is signed in
    visitor.fill("#id_subject", second["name"])
    visitor.fill("#id_name", "李四")
    visitor.fill("#id_phone", "13800000000")
    visitor.fill("#id_text", "该企业的研发费用与其年报不符，见附件。")
    visitor.set_input_files(
        "#id_attachment",
        files=[{"name": "年报摘录.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}],
    )
    question = visitor.text_content("label[for=id_answer]") or ""
    a, b = (int(n) for n in re.findall(r"\d+", question)[:2])
    visitor.fill("#id_answer", str(a + b))
    visitor.screenshot(path=str(SHOTS / "2-objection-form.png"), full_page=True)
    visitor.click("#objection-form input[type=submit]")
    visitor.wait_for_selector(".alert-success")
    objection = Objection.objects.get()
    assert f"受理编号 {objection.number}" in (visitor.text_content(".alert-success") or "")
    assert objection.enterprise_id == second["enterprise_id"]
    visitor.screenshot(path=str(SHOTS / "3-objection-received.png"), full_page=True)
    visitor.goto(f"{live_server.url}/en/gongshi/{item.pk}/")
    assert "Objection procedure" in (visitor.text_content("#objection-procedure") or "")
    visitor.close()

    # the publisher finds it waiting, upholds it and starts the corrected run
    gov.goto(f"{live_server.url}/analysis/publicity/")
    assert objection.number in (gov.text_content("#waiting") or "")
    gov.screenshot(path=str(SHOTS / "4-waiting.png"), full_page=True)
    gov.click(f"#waiting a:has-text('{objection.number}')")
    gov.check("input[name=status][value=upheld]")
    gov.fill("#id_reason", "核实：研发费用录入有误，已按年报更正。")
    gov.click("#outcome-form input[type=submit]")
    gov.wait_for_selector("#corrected-run-form")
    assert "异议成立" in (gov.text_content("#outcome") or "")
    gov.screenshot(path=str(SHOTS / "5-upheld.png"), full_page=True)
    gov.click("#corrected-run-form input[type=submit]")
    gov.wait_for_url(re.compile(r".*/scoring/runs/\d+/$"))
    objection.refresh_from_db()
    corrected = objection.corrected_run
    assert objection.status == "upheld" and corrected is not None
    assert (corrected.period, corrected.scheme_version_id, corrected.region_id) == (
        "2025",
        run.scheme_version_id,
        "510000",
    )
    assert gov.url.endswith(f"/scoring/runs/{corrected.pk}/")
    gov.goto(f"{live_server.url}/analysis/objections/{objection.pk}/")
    assert f"#{corrected.pk}" in (gov.text_content("#corrected-run") or "")
    gov.screenshot(path=str(SHOTS / "6-corrected-run.png"), full_page=True)
    gov.close()
