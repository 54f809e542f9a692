"""融资申请 (lending): the state machine (every legal and illegal move, the sides), access to
the pages (a bank its own, an enterprise its own), a revoked authorisation refused,
disbursement creating exactly one financing record, and reminders once per step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from innopoints.accounts.models import Profile, Role
from innopoints.applications.models import Financing, Message, Offering
from innopoints.audit.models import AuditEntry
from innopoints.collection.models import Authorisation
from innopoints.lending import reminders, workflow
from innopoints.lending.models import Application, ApplicationEvent, Invitation
from innopoints.lending.workflow import TRANSITIONS, WorkflowError
from innopoints.registry.models import Enterprise, Institution, Region
from tests.conftest import codes

S = Application.Status


def _user(name: str, role: str, **bound: Any) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw-" + name)
    Profile.objects.create(user=user, role=role, **bound)
    return user


@pytest.fixture
def w(db: Any) -> dict[str, Any]:
    region = Region.objects.get(code="510107")
    first, second = codes(2)
    ent = Enterprise.objects.create(credit_code=first, name="甲科技有限公司", region=region)
    other = Enterprise.objects.create(credit_code=second, name="乙科技有限公司", region=region)
    bank = Institution.objects.create(name="测试银行", kind="bank")
    rival = Institution.objects.create(name="另一家银行", kind="bank")
    loan = Offering.objects.create(
        code="loan",
        name="科创积分贷",
        kind="loan",
        institution=bank,
        valid_from=dt.date(2025, 1, 1),
        eligibility=[{"test": "fact", "field": "revenue", "min": 0}],
    )
    return {
        "ent": ent,
        "other": other,
        "bank": bank,
        "rival": rival,
        "loan": loan,
        "owner": _user("owner", Role.ENTERPRISE, enterprise=ent),
        "stranger": _user("stranger", Role.ENTERPRISE, enterprise=other),
        "banker": _user("banker", Role.INSTITUTION, institution=bank),
        "rival_banker": _user("rivalbanker", Role.INSTITUTION, institution=rival),
        "gov": _user("gov", Role.GOVERNMENT, region=Region.objects.get(code="510000")),
    }


def _side_user(w: dict[str, Any], side: str) -> Any:
    return {"bank": w["banker"], "enterprise": w["owner"], "government": w["gov"]}[side]


APPROVE = {"amount": "120.50", "rate": "3.450", "term_months": 12}

# a path from 提交 to each state, each step made by the side the table names
ROUTES: dict[str, list[str]] = {
    S.SUBMITTED: [],
    S.ACCEPTED: [S.ACCEPTED],
    S.MORE_INFO: [S.ACCEPTED, S.MORE_INFO],
    S.REVIEWING: [S.ACCEPTED, S.REVIEWING],
    S.APPROVED: [S.ACCEPTED, S.REVIEWING, S.APPROVED],
    S.DISBURSED: [S.ACCEPTED, S.REVIEWING, S.APPROVED, S.DISBURSED],
    S.OVERDUE: [S.ACCEPTED, S.REVIEWING, S.APPROVED, S.DISBURSED, S.OVERDUE],
    S.DEFAULTED: [S.ACCEPTED, S.REVIEWING, S.APPROVED, S.DISBURSED, S.DEFAULTED],
    S.SETTLED: [S.ACCEPTED, S.REVIEWING, S.APPROVED, S.DISBURSED, S.SETTLED],
    S.REJECTED: [S.REJECTED],
    S.WITHDRAWN: [S.WITHDRAWN],
    S.COMPENSATED: [S.ACCEPTED, S.REVIEWING, S.APPROVED, S.DISBURSED, S.DEFAULTED, S.COMPENSATED],
}


def _move(w: dict[str, Any], app: Application, to: str) -> None:
    side = TRANSITIONS[(app.status, to)]
    workflow.transition(
        app,
        to,
        user=_side_user(w, side),
        note="说明",
        data=APPROVE if to == S.APPROVED else {},
    )


def _apply(w: dict[str, Any], state: str = S.SUBMITTED) -> Application:
    app = workflow.submit(w["ent"], w["loan"], user=w["owner"], amount_requested=Decimal("150"))
    for step in ROUTES[state]:
        _move(w, app, step)
    assert app.status == state
    return app


def test_submission_grants_exactly_the_shown_scope_and_tells_the_bank(w: dict[str, Any]) -> None:
    app = _apply(w)
    assert app.status == S.SUBMITTED
    assert app.authorisation.institution == w["bank"]
    assert app.authorisation.scope == ["revenue"]  # the one indicator the offering tests
    assert workflow.requested_scope(w["loan"]) == ["revenue"]
    assert app.due_on == timezone.localdate() + dt.timedelta(days=3)
    assert Message.objects.filter(institution=w["bank"], kind="application").count() == 1
    assert list(app.events.values_list("from_status", "to_status")) == [("", S.SUBMITTED)]
    # one open application per offering
    with pytest.raises(WorkflowError):
        workflow.submit(w["ent"], w["loan"], user=w["owner"])
    # only the enterprise itself applies
    with pytest.raises(WorkflowError):
        workflow.submit(w["other"], w["loan"], user=w["owner"])


@pytest.mark.parametrize(("frm", "to"), sorted(TRANSITIONS))
def test_every_legal_move(w: dict[str, Any], frm: str, to: str) -> None:
    app = _apply(w, frm)
    events = app.events.count()
    messages = Message.objects.count()
    audits = AuditEntry.objects.filter(summary__contains=f"融资申请 {app.pk}：").count()
    _move(w, app, to)
    app.refresh_from_db()
    assert app.status == to
    assert app.events.count() == events + 1
    last = app.events.order_by("-pk").first()
    assert (last.from_status, last.to_status) == (frm, to)
    # the other side (both, for government's move) is told
    side = TRANSITIONS[(frm, to)]
    assert Message.objects.count() == messages + (2 if side == "government" else 1)
    told = Message.objects.order_by("-pk").first()
    if side == "bank":
        assert told.enterprise == w["ent"]
    elif side == "enterprise":
        assert told.institution == w["bank"]
    assert AuditEntry.objects.filter(summary__contains=f"融资申请 {app.pk}：").count() == audits + 1
    if to in workflow.DEADLINES:
        assert app.due_on == timezone.localdate() + dt.timedelta(days=workflow.DEADLINES[to])


def test_every_illegal_move_is_refused_and_changes_nothing(w: dict[str, Any]) -> None:
    apps = {state: _apply_fresh(w, state, k) for k, state in enumerate(ROUTES)}
    for state, app in apps.items():
        for to in S.values:
            if (state, to) in TRANSITIONS:
                continue
            before = (app.events.count(), Message.objects.count())
            for user in (w["banker"], w["owner"], w["gov"]):
                with pytest.raises(WorkflowError):
                    workflow.transition(app, to, user=user, note="x", data=APPROVE)
            app.refresh_from_db()
            assert app.status == state
            assert (app.events.count(), Message.objects.count()) == before


def _apply_fresh(w: dict[str, Any], state: str, k: int) -> Application:
    """One application per state, each for its own offering (one open application each)."""
    offering = Offering.objects.create(
        code=f"loan-{k}",
        name=f"积分贷 {k}",
        kind="loan",
        institution=w["bank"],
        valid_from=dt.date(2025, 1, 1),
    )
    app = workflow.submit(w["ent"], offering, user=w["owner"])
    for step in ROUTES[state]:
        _move(w, app, step)
    return app


@pytest.mark.parametrize(("frm", "to"), sorted(TRANSITIONS))
def test_the_wrong_side_is_refused(w: dict[str, Any], frm: str, to: str) -> None:
    app = _apply(w, frm)
    side = TRANSITIONS[(frm, to)]
    wrong = [w["rival_banker"], w["stranger"]] + [
        u
        for s, u in (("bank", w["banker"]), ("enterprise", w["owner"]), ("government", w["gov"]))
        if s != side
    ]
    for user in wrong:
        with pytest.raises(WorkflowError, match="须由"):
            workflow.transition(app, to, user=user, note="x", data=APPROVE)
    app.refresh_from_db()
    assert app.status == frm


def test_reject_and_more_info_need_a_reason(w: dict[str, Any]) -> None:
    app = _apply(w)
    with pytest.raises(WorkflowError, match="原因"):
        workflow.transition(app, S.REJECTED, user=w["banker"], note="  ")
    workflow.transition(app, S.REJECTED, user=w["banker"], note="营业收入不足")
    app.refresh_from_db()
    assert (app.status, app.reason) == (S.REJECTED, "营业收入不足")


def test_approval_needs_an_amount_and_checks_it(w: dict[str, Any]) -> None:
    app = _apply(w, S.REVIEWING)
    for bad in ({}, {"amount": "abc"}, {"amount": "-1"}, {"amount": "10", "term_months": 0}):
        with pytest.raises(WorkflowError):
            workflow.transition(app, S.APPROVED, user=w["banker"], data=bad)
    app.refresh_from_db()
    assert app.status == S.REVIEWING


def test_disbursement_creates_exactly_one_financing_record_from_the_approval(
    w: dict[str, Any],
) -> None:
    app = _apply(w, S.APPROVED)
    assert Financing.objects.count() == 0
    _move(w, app, S.DISBURSED)
    app.refresh_from_db()
    financing = Financing.objects.get()
    assert app.financing == financing
    assert financing.amount == Decimal("120.50")
    assert financing.rate == Decimal("3.450")
    assert financing.term_months == 12
    assert financing.amount_requested == Decimal("150.00")
    assert financing.status == Financing.Status.DISBURSED
    assert (financing.enterprise, financing.institution) == (w["ent"], w["bank"])
    assert financing.product == "科创积分贷"
    today = timezone.localdate()
    assert financing.disbursed_on == today
    # 12 months after the disbursement the bank is due to settle or mark it overdue
    assert app.due_on == dt.date(today.year + 1, today.month, min(today.day, 28)) or (
        app.due_on.year == today.year + 1 and app.due_on.month == today.month
    )
    # no second disbursement, not even by going round the table
    with pytest.raises(WorkflowError):
        workflow.transition(app, S.DISBURSED, user=w["banker"])
    assert Financing.objects.count() == 1
    # later states follow on the financing record
    workflow.transition(app, S.OVERDUE, user=w["banker"])
    financing.refresh_from_db()
    assert financing.status == Financing.Status.OVERDUE


def test_a_withdrawn_authorisation_stops_the_bank(w: dict[str, Any]) -> None:
    app = _apply(w)
    grant = app.authorisation
    grant.revoked_at = timezone.now()
    grant.save()
    with pytest.raises(WorkflowError, match="撤回"):
        workflow.transition(app, S.ACCEPTED, user=w["banker"])
    app.refresh_from_db()
    assert app.status == S.SUBMITTED
    # the bank may still say no, and a new grant lets it go on
    Authorisation.objects.create(
        enterprise=w["ent"],
        institution=w["bank"],
        scope=["revenue"],
        valid_from=dt.date(2025, 1, 1),
    )
    workflow.transition(app, S.ACCEPTED, user=w["banker"])
    assert app.status == S.ACCEPTED


def test_mark_compensated_from_default_and_a_no_op_without_an_application(
    w: dict[str, Any],
) -> None:
    app = _apply(w, S.DISBURSED)
    workflow.mark_defaulted(app, user=w["banker"], note="连续 90 天未还款")
    assert app.status == S.DEFAULTED
    event = workflow.mark_compensated(app.financing, user=w["gov"], note="代偿已支付")
    assert event is not None and event.to_status == S.COMPENSATED
    app.refresh_from_db()
    assert app.status == S.COMPENSATED
    assert workflow.mark_compensated(app.financing, user=w["gov"]) is None  # once
    typed = Financing.objects.create(
        enterprise=w["ent"],
        institution=w["bank"],
        applied_on=dt.date(2025, 1, 1),
        recorded_by=w["banker"],
    )
    assert workflow.mark_compensated(typed, user=w["gov"], note="x") is None


def test_mark_compensated_of_a_disbursed_loan_records_the_default_first(
    w: dict[str, Any],
) -> None:
    app = _apply(w, S.DISBURSED)
    workflow.mark_compensated(app.financing, user=w["gov"], note="代偿")
    statuses = list(app.events.order_by("pk").values_list("to_status", flat=True))
    assert statuses[-2:] == [S.DEFAULTED, S.COMPENSATED]


def test_invitation_accept_grants_the_asked_scope_and_decline_grants_none(
    w: dict[str, Any],
) -> None:
    invitation = workflow.invite(
        w["bank"], w["ent"], user=w["banker"], offering=w["loan"], note="欢迎申请"
    )
    assert invitation.scope == ["revenue"]
    assert Message.objects.filter(enterprise=w["ent"], kind="invitation").count() == 1
    with pytest.raises(WorkflowError):
        workflow.answer_invitation(invitation, user=w["stranger"], accept=True)
    workflow.answer_invitation(invitation, user=w["owner"], accept=True)
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.authorisation.scope == ["revenue"]
    assert invitation.authorisation.institution == w["bank"]
    with pytest.raises(WorkflowError):
        workflow.answer_invitation(invitation, user=w["owner"], accept=False)
    second = workflow.invite(w["rival"], w["ent"], user=w["rival_banker"], codes=["employees"])
    grants = Authorisation.objects.count()
    workflow.answer_invitation(second, user=w["owner"], accept=False)
    assert second.status == Invitation.Status.DECLINED
    assert Authorisation.objects.count() == grants
    with pytest.raises(WorkflowError):  # not about another bank's product
        workflow.invite(w["rival"], w["other"], user=w["rival_banker"], offering=w["loan"])


def test_reminders_once_per_step_to_the_waiting_side(w: dict[str, Any]) -> None:
    app = _apply(w)
    Application.objects.filter(pk=app.pk).update(due_on=timezone.localdate() - dt.timedelta(1))
    before = Message.objects.filter(kind="application_reminder").count()
    assert reminders.remind_overdue() == 1
    assert reminders.remind_overdue() == 0  # once per step
    sent = Message.objects.filter(kind="application_reminder")
    assert sent.count() == before + 1
    assert sent.get().institution == w["bank"]  # the bank must accept
    # the next step (补充材料: the enterprise's) gets its own reminder when late
    workflow.transition(app, S.ACCEPTED, user=w["banker"])
    workflow.transition(app, S.MORE_INFO, user=w["banker"], note="请补充财务报表")
    Application.objects.filter(pk=app.pk).update(due_on=timezone.localdate() - dt.timedelta(1))
    assert reminders.remind_overdue() == 1
    assert sent.order_by("-pk").first().enterprise == w["ent"]
    # not yet due: nothing
    other = _apply_fresh(w, S.SUBMITTED, 99)
    assert other.due_on > timezone.localdate()
    assert reminders.remind_overdue() == 0


def test_reminder_is_in_the_beat_schedule() -> None:
    from innopoints.ops.schedule import beat_schedule  # noqa: PLC0415

    tasks = {entry["task"] for entry in beat_schedule().values()}
    assert reminders.TASK in tasks


# -- pages --------------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_bank_sees_only_its_own_applications(w: dict[str, Any]) -> None:
    app = _apply(w)
    mine = _client(w["banker"])
    page = mine.get(reverse("lending:bank_list"))
    assert page.status_code == 200
    assert "甲科技有限公司" in page.content.decode()
    detail = mine.get(reverse("lending:bank_detail", args=[app.pk]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "受理" in body and "已提交" in body
    rival = _client(w["rival_banker"])
    assert "甲科技有限公司" not in rival.get(reverse("lending:bank_list")).content.decode()
    assert rival.get(reverse("lending:bank_detail", args=[app.pk])).status_code == 404
    # an enterprise user is not a bank
    assert _client(w["owner"]).get(reverse("lending:bank_list")).status_code == 403


def test_bank_acts_through_the_page_and_sees_only_allowed_actions(w: dict[str, Any]) -> None:
    app = _apply(w)
    client = _client(w["banker"])
    url = reverse("lending:bank_detail", args=[app.pk])
    body = client.get(url).content.decode()
    assert f'value="{S.ACCEPTED}"' in body
    assert f'value="{S.APPROVED}"' not in body  # not from 已提交
    refused = client.post(url, {"to": S.APPROVED, "note": "", "amount": "1"})
    assert refused.status_code == 200
    app.refresh_from_db()
    assert app.status == S.SUBMITTED
    done = client.post(url, {"to": S.ACCEPTED, "note": ""})
    assert done.status_code == 302
    app.refresh_from_db()
    assert app.status == S.ACCEPTED


def test_enterprise_sees_only_its_own_and_may_withdraw(w: dict[str, Any]) -> None:
    app = _apply(w)
    owner = _client(w["owner"])
    assert "科创积分贷" in owner.get(reverse("lending:ent_list")).content.decode()
    url = reverse("lending:ent_detail", args=[app.pk])
    assert owner.get(url).status_code == 200
    assert _client(w["stranger"]).get(url).status_code == 404
    assert (
        "科创积分贷" not in _client(w["stranger"]).get(reverse("lending:ent_list")).content.decode()
    )
    owner.post(url, {"to": S.WITHDRAWN, "note": "暂不需要"})
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN


def test_apply_page_shows_the_scope_and_applies_in_one_step(w: dict[str, Any]) -> None:
    owner = _client(w["owner"])
    url = reverse("lending:apply", args=[w["loan"].pk])
    page = owner.get(url).content.decode()
    assert "营业收入" in page  # the indicator the bank will see, by name
    response = owner.post(url, {"amount_requested": "80", "confirm": "1"})
    assert response.status_code == 302
    app = Application.objects.get()
    assert app.amount_requested == Decimal("80.00")
    assert app.authorisation.scope == ["revenue"]
    # another enterprise's user cannot apply for the first one; a bank cannot use the page
    assert _client(w["banker"]).get(url).status_code == 403


def test_bank_sees_the_enterprise_file_only_while_authorised(w: dict[str, Any]) -> None:
    app = _apply(w)
    client = _client(w["banker"])
    url = reverse("lending:bank_dossier", args=[app.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert _client(w["rival_banker"]).get(url).status_code == 404
    app.authorisation.revoked_at = timezone.now()
    app.authorisation.save()
    assert client.get(url).status_code == 403


def test_enterprise_downloads_its_own_dossier(w: dict[str, Any]) -> None:
    response = _client(w["owner"]).get(reverse("lending:ent_dossier"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert _client(w["banker"]).get(reverse("lending:ent_dossier")).status_code == 403


def test_bank_list_filters_by_state_and_pages(w: dict[str, Any]) -> None:
    _apply(w)
    client = _client(w["banker"])
    assert (
        "甲科技有限公司"
        in client.get(reverse("lending:bank_list"), {"status": S.SUBMITTED}).content.decode()
    )
    assert (
        "甲科技有限公司"
        not in client.get(reverse("lending:bank_list"), {"status": S.APPROVED}).content.decode()
    )


def test_events_are_kept_for_the_timeline(w: dict[str, Any]) -> None:
    app = _apply(w, S.DISBURSED)
    assert ApplicationEvent.objects.filter(application=app).count() == 5


def test_demo_makes_applications_in_every_state_through_the_workflow(
    db: Any, tmp_path: Any
) -> None:
    from innopoints.lending.demo import BANKS as DEMO_BANKS  # noqa: PLC0415
    from innopoints.lending.demo import PLAN as DEMO_PLAN  # noqa: PLC0415
    from innopoints.lending.demo import ROUTES as DEMO_ROUTES  # noqa: PLC0415
    from innopoints.lending.demo import demo_applications  # noqa: PLC0415
    from tests.platform.conftest import scored_province  # noqa: PLC0415

    admin = get_user_model().objects.create_superuser("root", "r@example.invalid", "pw")
    run = scored_province(tmp_path / "files", 60, 3, admin)
    assert len(DEMO_PLAN) == len(DEMO_ROUTES) + 2  # every state, and two more running loans
    assert demo_applications(run) == len(DEMO_PLAN)
    assert set(Application.objects.values_list("status", flat=True)) == set(DEMO_ROUTES)
    assert demo_applications(run) == 0  # idempotent
    assert Application.objects.count() == len(DEMO_PLAN)
    # every state reached by events (no raw inserts): one event per step plus the submission
    for app in Application.objects.all():
        assert app.events.count() == len(DEMO_ROUTES[app.status]) + 1
    banks = Institution.objects.filter(applications__isnull=False).distinct()
    assert sorted(b.name for b in banks) == sorted(DEMO_BANKS)
    # every disbursed-or-later application has its one financing record, a first loan in
    # Chengdu (the programme demo files the running ones into Chengdu's pool)
    later = Application.objects.filter(status__in=[S.DISBURSED, S.SETTLED, S.OVERDUE, S.DEFAULTED])
    assert later.count() == 6 and all(a.financing_id for a in later)
    assert Financing.objects.count() == later.count()
    assert all(a.financing.enterprise.region_id.startswith("5101") for a in later)
    assert Financing.objects.values("enterprise").distinct().count() == 6
    running = later.filter(status=S.DISBURSED)
    # application k is granted 80 + 15k 万元; the running ones are k = 7, 11, 12
    assert sorted(a.financing.amount for a in running) == [
        Decimal("185.00"),
        Decimal("245.00"),
        Decimal("260.00"),
    ]
    assert running.values("institution").distinct().count() == 2


def test_apply_button_shows_the_scope_then_the_open_application(w: dict[str, Any]) -> None:
    from django.template import engines  # noqa: PLC0415
    from django.test import RequestFactory  # noqa: PLC0415

    tag = engines["django"].from_string("{% load lending_tags %}{% apply_button offering %}")
    request = RequestFactory().get("/")
    request.user = w["owner"]
    before = tag.render({"offering": w["loan"]}, request)
    assert "营业收入" in before
    assert reverse("lending:apply", args=[w["loan"].pk]) in before
    app = _apply(w)
    after = tag.render({"offering": w["loan"]}, request)
    assert reverse("lending:ent_detail", args=[app.pk]) in after
    assert reverse("lending:apply", args=[w["loan"].pk]) not in after
    request.user = w["banker"]  # not an enterprise: nothing
    assert "btn" not in tag.render({"offering": w["loan"]}, request)


def test_a_withdrawn_or_expired_offering_cannot_be_applied_for(w: dict[str, Any]) -> None:
    loan = w["loan"]
    loan.active = False
    loan.save()
    with pytest.raises(WorkflowError, match="下架"):
        workflow.submit(w["ent"], loan, user=w["owner"])
    loan.active, loan.valid_to = True, timezone.localdate() - dt.timedelta(days=1)
    loan.save()
    with pytest.raises(WorkflowError, match="过期"):
        workflow.submit(w["ent"], loan, user=w["owner"])
    assert not Application.objects.exists()


def test_the_enterprise_supplies_materials_on_its_page(w: dict[str, Any]) -> None:
    app = _apply(w, S.MORE_INFO)
    owner = _client(w["owner"])
    url = reverse("lending:ent_detail", args=[app.pk])
    body = owner.get(url).content.decode()
    assert "材料已补充" in body and f'value="{S.REVIEWING}"' in body
    assert f'value="{S.APPROVED}"' not in body
    owner.post(url, {"to": S.REVIEWING, "note": "已上传财务报表"})
    app.refresh_from_db()
    assert app.status == S.REVIEWING


def test_the_enterprise_uploads_a_document_both_sides_download_it(w: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    from innopoints.lending.models import ApplicationDocument  # noqa: PLC0415

    app = _apply(w, S.MORE_INFO)
    owner = _client(w["owner"])
    upload = reverse("lending:ent_upload", args=[app.pk])
    owner.post(upload, {"file": SimpleUploadedFile("报表.pdf", b"%PDF-1.4 x")})
    document = ApplicationDocument.objects.get()
    assert (document.name, document.size) == ("报表.pdf", 10)
    assert Message.objects.filter(institution=w["bank"], subject__contains="报表.pdf").exists()
    url = reverse("lending:document", args=[document.pk])
    assert owner.get(url).content == b"%PDF-1.4 x"
    assert _client(w["banker"]).get(url).content == b"%PDF-1.4 x"
    assert _client(w["rival_banker"]).get(url).status_code == 404
    assert _client(w["stranger"]).get(url).status_code == 404
    # refused: a script, an empty file, another enterprise's application
    owner.post(upload, {"file": SimpleUploadedFile("x.html", b"<script>")})
    owner.post(upload, {"file": SimpleUploadedFile("x.pdf", b"")})
    assert (
        _client(w["stranger"])
        .post(upload, {"file": SimpleUploadedFile("y.pdf", b"%PDF")})
        .status_code
        == 404
    )
    assert ApplicationDocument.objects.count() == 1
    # after the decision nothing more is added
    workflow.transition(app, S.REJECTED, user=w["banker"], note="不符合条件")
    with pytest.raises(WorkflowError):
        workflow.add_document(app, user=w["owner"], name="z.pdf", content=b"%PDF")


@pytest.mark.parametrize("state", list(ROUTES))
def test_detail_pages_render_in_every_state_for_both_sides(w: dict[str, Any], state: str) -> None:
    app = _apply(w, state)
    for user, name in ((w["banker"], "lending:bank_detail"), (w["owner"], "lending:ent_detail")):
        page = _client(user).get(reverse(name, args=[app.pk]))
        assert page.status_code == 200
        body = page.content.decode()
        assert app.get_status_display() in body
        # the timeline holds every step
        assert body.count('class="card mb-2"') == app.events.count()
        allowed = workflow.allowed_moves(app, user)
        for to in S.values:
            assert (f'name="to" value="{to}"' in body) == (to in allowed)
