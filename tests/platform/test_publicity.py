"""公示与异议 (issue 18 §3): the rules with hand-computed expectations, the public pages (no
score of an enterprise that has not consented, no objection after the end date), the
publisher's answer and the corrected run, the six 积分榜 fields of seed 004."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from innopoints.accounts.models import Profile, Role
from innopoints.analysis import boards, challenge, publicity
from innopoints.analysis.forms import BoardForm
from innopoints.analysis.models import Leaderboard, Objection, Publicity, ScoreConsent
from innopoints.analysis.publicity_forms import PublicityForm
from innopoints.audit.models import AuditEntry
from innopoints.collection.demo import import_all, write_files
from innopoints.registry.models import Enterprise, IndustryField, Region
from innopoints.scoring import execution
from innopoints.scoring.models import Run, SchemeVersion
from tests.platform.conftest import shared

SIX = ["人工智能", "先进装备", "生物制造", "清洁能源", "先进材料", "航空航天"]


@pytest.fixture(scope="module")
def scored_once(
    module_db: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Run:
    with django_db_blocker.unblock():
        import_all(write_files(tmp_path_factory.mktemp("files"), 60, seed=5), "2025")
        run = Run.objects.create(
            period="2025",
            scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025"),
            region=Region.objects.get(code="510000"),
        )
        execution.execute(run)
        assert run.status == "done", run.error
        return run


@pytest.fixture
def run(db: Any, scored_once: Run) -> Run:
    return shared(scored_once)


@pytest.fixture
def publisher(db: Any) -> Any:
    user = get_user_model().objects.create_user("sheng", "sheng@example.invalid", "pw")
    Profile.objects.create(user=user, role=Role.GOVERNMENT, region_id="510000")
    return user


@pytest.fixture
def board(run: Run, publisher: Any) -> Leaderboard:
    return Leaderboard.objects.create(
        run=run,
        title="2025 年度积分榜前 10 名",
        kind="overall",
        top_n=10,
        status="published",
        published_at=timezone.now(),
        published_by=publisher,
    )


def _publicity(board: Leaderboard, publisher: Any, **extra: Any) -> Publicity:
    today = publicity.today()
    values: dict[str, Any] = {
        "title": "2025 年度积分榜公示",
        "starts_on": today - dt.timedelta(days=1),
        "ends_on": today + dt.timedelta(days=5),
        "contact": "省科技厅，028-00000000",
        "created_by": publisher,
        **extra,
    }
    return Publicity.objects.create(board=board, **values)


@pytest.fixture
def item(board: Leaderboard, publisher: Any) -> Publicity:
    return _publicity(board, publisher, show_scores=True)


# -- rules ---------------------------------------------------------------------------------------


def test_state_of_a_period_includes_its_end_date() -> None:
    one = Publicity(starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 7))
    assert publicity.state(one, dt.date(2026, 11, 30)) == publicity.UPCOMING
    assert publicity.state(one, dt.date(2026, 12, 1)) == publicity.OPEN
    assert publicity.state(one, dt.date(2026, 12, 7)) == publicity.OPEN
    assert publicity.state(one, dt.date(2026, 12, 8)) == publicity.CLOSED


def test_deadline_counts_reply_days_from_filing() -> None:
    one = Publicity(reply_days=15)
    assert publicity.deadline(one, dt.date(2026, 12, 6)) == dt.date(2026, 12, 21)
    assert publicity.deadline(Publicity(reply_days=30), dt.date(2026, 12, 6)) == dt.date(2027, 1, 5)


def test_attachment_bounds(settings: Any) -> None:
    settings.INNOPOINTS_MAX_OBJECTION_BYTES = 2**20  # 1 MB
    assert publicity.attachment_problem("证明.pdf", 2**20) is None
    assert publicity.attachment_problem("证明.PNG", 10) is None
    assert publicity.attachment_problem("证明.pdf", 2**20 + 1) == "附件 1.0 MB，超过上限 1 MB"
    assert publicity.attachment_problem("证明.pdf", 5 * 2**19) == "附件 2.5 MB，超过上限 1 MB"
    assert publicity.attachment_problem("run.exe", 10) == (
        "附件只接受 PDF、JPG、PNG、DOCX 或 XLSX 文件"
    )


def test_hourly_allowance_per_address(item: Publicity, settings: Any) -> None:
    settings.INNOPOINTS_OBJECTIONS_PER_HOUR = 2
    now = timezone.now()

    def filed(minutes_ago: int, address: str = "10.0.0.1") -> None:
        objection = Objection.objects.create(
            publicity=item, name="张三", text="x", address=address, deadline=dt.date(2027, 1, 1)
        )
        Objection.objects.filter(pk=objection.pk).update(
            created_at=now - dt.timedelta(minutes=minutes_ago)
        )

    filed(61)  # more than an hour ago: not counted
    filed(30)
    assert publicity.within_allowance("10.0.0.1", now)  # 1 of 2 in the last hour
    filed(5)
    assert not publicity.within_allowance("10.0.0.1", now)  # 2 of 2
    assert publicity.within_allowance("10.0.0.2", now)  # another address: 0
    assert publicity.within_allowance("10.0.0.1", now + dt.timedelta(minutes=31))  # 1 left


def test_challenge_answers_once_and_only_right() -> None:
    one = challenge.new()
    right = str(one.a + one.b)
    assert not challenge.passes(one.token, str(one.a + one.b + 1))
    assert not challenge.passes(one.token, right, trap="http://spam.example")
    assert not challenge.passes(one.token[:-2] + "xx", right)
    assert challenge.passes(one.token, right)
    assert not challenge.passes(one.token, right)  # used up


def test_public_rows_show_only_consented_scores(item: Publicity) -> None:
    entries = boards.entries(item.board)
    assert [e["position"] for e in entries] == list(range(1, 11))
    first, second = entries[0], entries[1]
    ScoreConsent.objects.create(enterprise_id=first["enterprise_id"], show_score=True)
    ScoreConsent.objects.create(enterprise_id=second["enterprise_id"], show_score=False)
    rows = publicity.public_rows(item)
    assert [r.position for r in rows] == list(range(1, 11))
    assert rows[0].name == first["name"] and rows[0].score == pytest.approx(first["total"])
    assert [r.score for r in rows[1:]] == [None] * 9
    assert all(r.tier and r.stage for r in rows)
    item.show_scores = False  # the publisher shows no totals: none, consent or not
    assert [r.score for r in publicity.public_rows(item)] == [None] * 10


# -- the six fields ------------------------------------------------------------------------------


def test_the_six_board_fields_are_stored_and_selectable(run: Run, board: Leaderboard) -> None:
    stored = IndustryField.objects.filter(name__in=SIX)
    assert sorted(stored.values_list("name", flat=True)) == sorted(SIX)  # 航空航天 once
    assert stored.get(name="航空航天").group == "hitech"
    assert stored.get(name="人工智能").code == "board-01"
    form = PublicityForm(board=board)
    assert [label for _pk, label in form.fields["field"].choices][1:] == SIX  # type: ignore[attr-defined]
    industries = [code for code, _label in BoardForm(run=run).fields["industry"].choices]  # type: ignore[attr-defined]
    assert set(SIX) <= set(industries)


# -- the public pages ----------------------------------------------------------------------------


def test_unconsented_score_never_appears_in_the_public_html(item: Publicity) -> None:
    entries = boards.entries(item.board)
    consenting = entries[2]
    ScoreConsent.objects.create(enterprise_id=consenting["enterprise_id"], show_score=True)
    html = Client().get(reverse("public:page", args=[item.pk])).content.decode()
    assert f"{consenting['total']:.2f}" in html
    for row in entries:
        assert row["name"] in html
        assert row["credit_code"] not in html  # no internal codes
        if row is not consenting:
            assert f"{row['total']:.2f}" not in html
            assert f"{row['total']:.1f}" not in html
    assert "公示期" in html and "异议程序" in html and "未公开" in html


def test_index_lists_open_and_closed_but_not_upcoming(board: Leaderboard, publisher: Any) -> None:
    today = publicity.today()
    now = _publicity(board, publisher, title="正在公示的名单")
    done = _publicity(
        board,
        publisher,
        title="已结束的名单",
        starts_on=today - dt.timedelta(days=10),
        ends_on=today - dt.timedelta(days=1),
    )
    later = _publicity(
        board, publisher, title="尚未开始的名单", starts_on=today + dt.timedelta(days=1)
    )
    html = Client().get("/gongshi/").content.decode()
    assert "正在公示的名单" in html and "已结束的名单" in html
    assert "尚未开始的名单" not in html
    assert Client().get(f"/gongshi/{later.pk}/").status_code == 404
    english = Client().get(f"/en/gongshi/{now.pk}/").content.decode()
    assert "Publicity period" in english and "Objection procedure" in english
    assert "公示期" not in english
    assert Client().get(f"/gongshi/{done.pk}/").status_code == 200


def _objection_post(client: Client, url: str, **extra: Any) -> Any:
    form = client.get(url).context["form"]
    data = {
        "subject": "",
        "name": "李四",
        "phone": "13800000000",
        "email": "",
        "text": "第 3 名企业的研发费用与年报不符。",
        "token": form.challenge.token,
        "answer": str(form.challenge.a + form.challenge.b),
        "website": "",
        **extra,
    }
    return client.post(url, data)


def test_an_objection_is_kept_with_its_deadline_and_logged(item: Publicity) -> None:
    client, url = Client(), reverse("public:page", args=[item.pk])
    name = boards.entries(item.board)[2]["name"]
    attachment = SimpleUploadedFile("证明.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = _objection_post(client, url, subject=name, attachment=attachment)
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.deadline == publicity.today() + dt.timedelta(days=15)
    assert objection.enterprise is not None and objection.enterprise.name == name
    assert objection.address == "127.0.0.1" and objection.status == "open"
    assert bytes(objection.attachment) == b"%PDF-1.4 test"
    assert objection.attachment_name == "证明.pdf"
    page = client.get(url).content.decode()
    assert f"受理编号 {objection.number}" in page
    assert AuditEntry.objects.filter(
        object_type="analysis.objection", object_id=str(objection.pk), summary__contains="收到"
    ).exists()


def test_a_wrong_sum_or_a_filled_trap_keeps_nothing(item: Publicity) -> None:
    client, url = Client(), reverse("public:page", args=[item.pk])
    assert _objection_post(client, url, answer="99").status_code == 200
    assert _objection_post(client, url, website="spam").status_code == 200
    assert _objection_post(client, url, phone="").status_code == 200  # no contact
    bad_phone = _objection_post(client, url, phone="<script>")
    assert "电话号码只能包含数字" in bad_phone.content.decode()
    assert Objection.objects.count() == 0


def test_an_attachment_over_the_limit_is_refused(item: Publicity, settings: Any) -> None:
    settings.INNOPOINTS_MAX_OBJECTION_BYTES = 2**20
    client, url = Client(), reverse("public:page", args=[item.pk])
    over = SimpleUploadedFile("证明.pdf", b"x" * (2**20 + 10 * 1024))  # the form says why
    response = _objection_post(client, url, attachment=over)
    assert response.status_code == 200
    assert "附件 1.0 MB，超过上限 1 MB" in response.content.decode()
    huge = SimpleUploadedFile("证明.pdf", b"x" * (2**20 + 100 * 1024))  # refused unread
    response = _objection_post(client, url, attachment=huge)
    assert response.status_code == 413 and "附件超过上限 1 MB" in response.content.decode()
    assert Objection.objects.count() == 0


def test_objections_beyond_the_hourly_allowance_are_refused(item: Publicity, settings: Any) -> None:
    settings.INNOPOINTS_OBJECTIONS_PER_HOUR = 1
    client, url = Client(), reverse("public:page", args=[item.pk])
    assert _objection_post(client, url).status_code == 302
    refused = _objection_post(client, url)
    assert refused.status_code == 429 and "提交过于频繁" in refused.content.decode()
    assert Objection.objects.count() == 1


def test_an_objection_after_the_end_date_is_refused(board: Leaderboard, publisher: Any) -> None:
    today = publicity.today()
    closed = _publicity(
        board,
        publisher,
        starts_on=today - dt.timedelta(days=8),
        ends_on=today - dt.timedelta(days=1),
    )
    url = reverse("public:page", args=[closed.pk])
    page = Client().get(url)
    assert page.context["form"] is None and "公示已结束，不再受理异议" in page.content.decode()
    one = challenge.new()
    response = Client().post(
        url,
        {
            "name": "王五",
            "phone": "13900000000",
            "text": "迟到的异议",
            "token": one.token,
            "answer": str(one.a + one.b),
        },
    )
    assert response.status_code == 403
    assert Objection.objects.count() == 0
    # and the rule itself, whatever the page does
    with pytest.raises(publicity.Refused):
        publicity.file_objection(
            response.wsgi_request, closed, {"name": "王五", "text": "x", "phone": "1"}
        )
    assert Objection.objects.count() == 0


# -- the publisher -------------------------------------------------------------------------------


def test_publisher_puts_a_list_on_publicity(board: Leaderboard, publisher: Any) -> None:
    client = Client()
    client.force_login(publisher)
    today = publicity.today()
    ai = IndustryField.objects.get(name="人工智能")
    response = client.post(
        reverse("analysis:publicity-new", args=[board.pk]),
        {
            "title": "人工智能领域积分榜公示",
            "field": ai.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=6)).isoformat(),
            "reply_days": 10,
            "contact": "省科技厅",
        },
    )
    assert response.status_code == 302
    made = Publicity.objects.get()
    assert made.field == ai and made.created_by == publisher and not made.show_scores
    assert AuditEntry.objects.filter(
        object_type="analysis.publicity", summary__contains="公示："
    ).exists()
    bad = client.post(
        reverse("analysis:publicity-new", args=[board.pk]),
        {
            "title": "x",
            "starts_on": today.isoformat(),
            "ends_on": (today - dt.timedelta(days=1)).isoformat(),
            "reply_days": 10,
            "contact": "省科技厅",
        },
    )
    assert bad.status_code == 200 and "结束日期不能早于开始日期" in bad.content.decode()
    draft = Leaderboard.objects.create(run=board.run, title="草稿", kind="overall", top_n=5)
    refused = client.post(
        reverse("analysis:publicity-new", args=[draft.pk]),
        {
            "title": "x",
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
            "reply_days": 10,
            "contact": "省科技厅",
        },
    )
    assert "榜单发布后才能公示" in refused.content.decode()
    assert Publicity.objects.count() == 1


def test_publisher_resolves_and_starts_the_corrected_run(
    item: Publicity, publisher: Any, settings: Any
) -> None:
    settings.INNOPOINTS_JOBS_IN_BACKGROUND = False
    objection = Objection.objects.create(
        publicity=item, name="李四", phone="1", text="有误", deadline=dt.date(2020, 1, 1)
    )
    client = Client()
    client.force_login(publisher)
    inbox = client.get(reverse("analysis:publicity-list")).content.decode()
    assert objection.number in inbox and "已超期" in inbox
    home = client.get(reverse("portals:gov_home")).content.decode()
    assert 'id="fig-objections"' in home
    url = reverse("analysis:objection", args=[objection.pk])
    assert client.post(url, {"status": "upheld", "reason": ""}).status_code == 200  # reason
    client.post(url, {"status": "upheld", "reason": "核实：研发费用录入有误，已更正"})
    objection.refresh_from_db()
    assert objection.status == "upheld" and objection.resolved_by == publisher
    client.post(url, {"status": "dismissed", "reason": "再改"})  # answered once only
    objection.refresh_from_db()
    assert objection.status == "upheld"
    response = client.post(reverse("analysis:objection-run", args=[objection.pk]))
    objection.refresh_from_db()
    corrected = objection.corrected_run
    assert corrected is not None and response.url == reverse("scoring:run", args=[corrected.pk])
    old = item.board.run
    assert (corrected.period, corrected.scheme_version_id, corrected.region_id) == (
        old.period,
        old.scheme_version_id,
        old.region_id,
    )
    assert corrected.started_by == publisher and corrected.pk != old.pk
    client.post(reverse("analysis:objection-run", args=[objection.pk]))  # not twice
    assert Run.objects.count() == 2
    summaries = list(AuditEntry.objects.values_list("summary", flat=True))
    assert any("处理为：异议成立" in s for s in summaries)
    assert any("启动更正测算" in s for s in summaries)


def test_a_dismissed_objection_starts_no_run(item: Publicity, publisher: Any) -> None:
    objection = Objection.objects.create(
        publicity=item, name="李四", phone="1", text="有误", deadline=dt.date(2030, 1, 1)
    )
    client = Client()
    client.force_login(publisher)
    client.post(
        reverse("analysis:objection", args=[objection.pk]),
        {"status": "dismissed", "reason": "经核实数据无误"},
    )
    client.post(reverse("analysis:objection-run", args=[objection.pk]))
    objection.refresh_from_db()
    assert objection.status == "dismissed" and objection.corrected_run is None
    assert Run.objects.count() == 1


def test_another_jurisdiction_cannot_answer(item: Publicity) -> None:
    city = get_user_model().objects.create_user("mianyang", password="pw")
    Profile.objects.create(user=city, role=Role.GOVERNMENT, region_id="510700")
    objection = Objection.objects.create(
        publicity=item, name="李四", phone="1", text="有误", deadline=dt.date(2030, 1, 1)
    )
    client = Client()
    client.force_login(city)
    assert client.get(reverse("analysis:objection", args=[objection.pk])).status_code == 403


# -- the enterprise's consent --------------------------------------------------------------------


def test_enterprise_sets_its_consent_in_its_settings(run: Run, tmp_path: Path) -> None:
    enterprise = Enterprise.objects.order_by("pk").first()
    assert enterprise is not None
    user = get_user_model().objects.create_user("qiye", password="pw")
    Profile.objects.create(user=user, role=Role.ENTERPRISE, enterprise=enterprise)
    client = Client()
    client.force_login(user)
    page = client.get(reverse("portals:ent_push_settings")).content.decode()
    assert 'id="show-score"' in page and 'id="show-score" checked' not in page  # default: no
    client.post(reverse("portals:ent_score_consent"), {"show_score": "on"})
    assert ScoreConsent.objects.get(enterprise=enterprise).show_score
    client.post(reverse("portals:ent_score_consent"), {})
    assert not ScoreConsent.objects.get(enterprise=enterprise).show_score
    assert AuditEntry.objects.filter(summary="同意在公示页面显示积分").exists()
