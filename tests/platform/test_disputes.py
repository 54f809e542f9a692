"""Enterprise disputes (异议, issue 19 §3) over one scored province: an enterprise disputes a
value from its breakdown → a finding of kind 企业异议 for the source that delivered it, due in
21 days → government corrects it with a reason → a manual version (the original kept) → a new
run uses it and the enterprise's pages say which run; a dismissal keeps the value and says
why; another enterprise can neither see nor dispute it; oversize evidence is refused; the
overdue reminder goes out once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from innopoints.accounts.models import Role
from innopoints.audit.models import AuditEntry
from innopoints.collection import disputes
from innopoints.collection.models import Dispute, FactValue, Finding
from innopoints.registry.models import Region
from innopoints.scoring.models import Result
from innopoints.scoring.used_values import used_facts
from tests.platform.conftest import published_board, scored_province, scored_run, shared
from tests.platform.test_access import _client, _user

PDF = b"%PDF-1.4 evidence\n"


@pytest.fixture(scope="module")
def world_once(
    module_db: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    with django_db_blocker.unblock():
        admin = get_user_model().objects.create_superuser("root", "r@example.invalid", "pw")
        run = scored_province(Path(tmp_path_factory.mktemp("world")) / "files", 80, 5, admin)
        published_board(run, admin, "全省", kind="overall", share_from=0, share_to=100)
        ranked = Result.objects.filter(run=run, vetoed=False).select_related("enterprise")
        mine = ranked.filter(region_code__startswith="5101").order_by("rank").first()
        other = ranked.exclude(enterprise=mine.enterprise if mine else None).first()
        assert mine is not None and other is not None
        return {
            "admin": admin,
            "run": run,
            "mine": mine.enterprise,
            "other": other.enterprise,
            "chengdu": _user("chengdu", Role.GOVERNMENT, region=Region.objects.get(code="510100")),
            "sichuan": _user("sichuan", Role.GOVERNMENT, region=Region.objects.get(code="510000")),
            "owner": _user("owner", Role.ENTERPRISE, enterprise=mine.enterprise),
        }


@pytest.fixture
def world(db: Any, world_once: dict[str, Any]) -> dict[str, Any]:
    return shared(world_once)


def _disputed_fact(w: dict[str, Any]) -> FactValue:
    """A value of the enterprise's published result that a scored indicator reads directly
    (its own code), from a source (not entered by hand)."""
    result = Result.objects.get(run=w["run"], enterprise=w["mine"])
    weighted = {i.code for i in w["run"].scheme_version.scheme().weighted}
    facts = used_facts(w["run"], result)
    for code in sorted(weighted & set(facts)):
        for fact in facts[code]:
            if not fact.source.manual and fact.value > 0:
                return fact
    raise AssertionError("no directly scored value")


def _file(w: dict[str, Any], fact: FactValue, **more: Any) -> Any:
    url = reverse("portals:ent_dispute_new") + f"?run={w['run'].pk}&fact={fact.pk}"
    data = {"grounds": "wrong", "claimed_value": "", "statement": "数值多记了一次", **more}
    return _client(w["owner"]).post(url, data)


@pytest.mark.django_db
def test_dispute_corrected_reaches_the_next_run(world: dict[str, Any]) -> None:
    w = world
    home = _client(w["owner"]).get(reverse("portals:ent_home"))
    assert home.status_code == 200
    assert "提出异议" in home.content.decode()
    fact = _disputed_fact(w)
    original = fact.value
    claimed = round(original * 2 + 7, 2)
    evidence = SimpleUploadedFile("审计报告.pdf", PDF, content_type="application/pdf")
    response = _file(w, fact, claimed_value=str(claimed), evidence=evidence)
    assert response.status_code == 302, response.content.decode()[:2000]
    dispute = Dispute.objects.get(enterprise=w["mine"])
    finding = dispute.finding
    # a verification finding for the source that delivered the value, due in 21 days
    assert finding.kind == "dispute" and finding.status == "open"
    assert finding.responsible_source == fact.source and finding.batch_id == fact.batch_id
    assert finding.field_code == fact.field_code and finding.period == fact.period
    assert finding.due_on == timezone.localdate() + dt.timedelta(days=21)
    assert [e.name for e in dispute.evidence.all()] == ["审计报告.pdf"]
    assert bytes(dispute.evidence.get().content) == PDF
    assert AuditEntry.objects.filter(object_id=str(dispute.pk), action="create").exists()
    # a second dispute of the same value while the first is open goes to the first
    again = _file(w, fact)
    assert again.status_code == 302 and again["Location"].endswith(f"/{dispute.pk}/")
    assert Dispute.objects.filter(enterprise=w["mine"]).count() == 1
    mine = _client(w["owner"]).get(reverse("portals:ent_disputes")).content.decode()
    assert "数值有误" in mine and "待处理" in mine

    # government of the division sees it among its findings, with the evidence
    gov = _client(w["chengdu"])
    listed = gov.get(reverse("collection:findings") + "?kind=dispute").content.decode()
    assert f'href="{reverse("collection:resolve", args=[finding.pk])}"' in listed
    assert fact.source.name in listed
    page = gov.get(reverse("collection:resolve", args=[finding.pk])).content.decode()
    assert "审计报告.pdf" in page and "数值多记了一次" in page
    download = gov.get(reverse("collection:evidence", args=[dispute.evidence.get().pk]))
    assert download.status_code == 200 and download.content == PDF

    # resolved with a corrected value and a reason: a manual version, the original kept
    resolved = gov.post(
        reverse("collection:resolve", args=[finding.pk]),
        {"action": "correct", "value": str(claimed), "reason": "经核对审计报告更正"},
    )
    assert resolved.status_code == 302
    finding.refresh_from_db()
    assert finding.status == "corrected"
    corrected = finding.corrected_value
    assert corrected is not None and corrected.value == claimed and corrected.source.manual
    assert "经核对审计报告更正" in corrected.reason
    assert FactValue.objects.get(pk=fact.pk).value == original
    assert AuditEntry.objects.filter(object_id=str(finding.pk), action="update").exists()
    waiting = _client(w["owner"]).get(reverse("portals:ent_dispute", args=[dispute.pk]))
    assert "将在下次发布的测算中用于积分" in waiting.content.decode()

    # the next run uses the corrected value; the enterprise's pages say which run
    run = scored_run(w["admin"])
    published_board(run, w["admin"], "新一期积分榜", kind="overall", share_from=0, share_to=100)
    result = Result.objects.get(run=run, enterprise=w["mine"])
    assert corrected.pk in {f.pk for f in used_facts(run, result)[fact.field_code]}
    assert result.breakdown_values["ind"][fact.field_code][0] == pytest.approx(claimed)
    outcome = _client(w["owner"]).get(reverse("portals:ent_dispute", args=[dispute.pk]))
    text = outcome.content.decode()
    assert f"更正后的数值已用于测算 #{run.pk}" in text
    home = _client(w["owner"]).get(reverse("portals:ent_home")).content.decode()
    assert f"已按异议 {dispute.pk} 更正" in home and f"测算 #{run.pk}" in home


@pytest.mark.django_db
def test_dismissed_dispute_keeps_the_value_and_says_why(world: dict[str, Any]) -> None:
    w = world
    fact = _disputed_fact(w)
    assert _file(w, fact, grounds="outdated").status_code == 302
    finding = Finding.objects.get(kind="dispute", enterprise=w["mine"])
    versions = FactValue.objects.filter(enterprise=w["mine"], field_code=fact.field_code).count()
    response = _client(w["sichuan"]).post(
        reverse("collection:resolve", args=[finding.pk]),
        {"action": "dismiss", "reason": "税务登记数据为最新年报"},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == "dismissed" and finding.corrected_value is None
    assert (
        FactValue.objects.filter(enterprise=w["mine"], field_code=fact.field_code).count()
        == versions
    )
    page = _client(w["owner"]).get(reverse("portals:ent_dispute", args=[finding.dispute.pk]))
    text = page.content.decode()
    assert "异议未被采纳" in text and "税务登记数据为最新年报" in text


@pytest.mark.django_db
def test_a_missing_value_goes_to_the_preferred_source(world: dict[str, Any]) -> None:
    w = world
    used = {f.field_code for f in FactValue.objects.filter(enterprise=w["mine"], period="2025")}
    from innopoints.collection.models import SourceField  # noqa: PLC0415

    field = next(
        sf
        for sf in SourceField.objects.order_by("field_code", "priority")
        if sf.field_code not in used
    )
    url = reverse("portals:ent_dispute_new") + f"?run={w['run'].pk}&field={field.field_code}"
    response = _client(w["owner"]).post(url, {"grounds": "missing", "statement": "已申报未显示"})
    assert response.status_code == 302
    finding = Finding.objects.get(kind="dispute", enterprise=w["mine"])
    preferred = SourceField.objects.filter(field_code=field.field_code).order_by(
        "priority", "source__code"
    )[0]
    assert finding.batch is None and finding.responsible_source == preferred.source
    assert finding.dispute.fact is None


@pytest.mark.django_db
def test_another_enterprise_cannot_see_or_dispute(world: dict[str, Any]) -> None:
    w = world
    fact = _disputed_fact(w)
    evidence = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    assert _file(w, fact, evidence=evidence).status_code == 302
    dispute = Dispute.objects.get(enterprise=w["mine"])
    stranger = _client(_user("stranger", Role.ENTERPRISE, enterprise=w["other"]))
    assert stranger.get(reverse("portals:ent_dispute", args=[dispute.pk])).status_code == 404
    piece = dispute.evidence.get().pk
    assert stranger.get(reverse("portals:ent_dispute_evidence", args=[piece])).status_code == 404
    new = reverse("portals:ent_dispute_new") + f"?fact={fact.pk}"
    assert stranger.get(new).status_code == 404
    assert stranger.post(new, {"grounds": "wrong", "statement": "x"}).status_code == 404
    assert "数值多记了一次" not in stranger.get(reverse("portals:ent_disputes")).content.decode()
    # government outside the division: neither the finding nor its evidence
    far = next(r for r in Region.objects.filter(level=2) if not r.code.startswith("5101"))
    outsider = _client(_user("outsider", Role.GOVERNMENT, region=far))
    finding = dispute.finding
    assert outsider.get(reverse("collection:resolve", args=[finding.pk])).status_code == 403
    assert outsider.get(reverse("collection:evidence", args=[piece])).status_code == 403
    listed = outsider.get(reverse("collection:findings") + "?kind=dispute").content.decode()
    assert reverse("collection:resolve", args=[finding.pk]) not in listed


@pytest.mark.django_db
def test_evidence_too_large_or_of_another_type_is_refused(
    world: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = world
    monkeypatch.setattr(disputes, "MAX_EVIDENCE", 1024)
    fact = _disputed_fact(w)
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * 2000, content_type="application/pdf")
    response = _file(w, fact, evidence=big)
    assert response.status_code == 200
    assert "big.pdf：文件不能超过 0 MB" in response.content.decode()
    script = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    response = _file(w, fact, evidence=script)
    assert response.status_code == 200 and "只接受 PDF" in response.content.decode()
    assert not Dispute.objects.filter(enterprise=w["mine"]).exists()
    with pytest.raises(disputes.DisputeError):
        disputes.file_dispute(
            w["mine"],
            user=w["owner"],
            period=fact.period,
            field_code=fact.field_code,
            grounds="wrong",
            statement="x",
            fact=fact,
            evidence=[disputes.Evidence("big.pdf", b"0" * 1025)],
        )


@pytest.mark.django_db
def test_overdue_reminder_is_sent_once(world: dict[str, Any]) -> None:
    w = world
    fact = _disputed_fact(w)
    assert _file(w, fact).status_code == 302
    finding = Finding.objects.get(kind="dispute", enterprise=w["mine"])
    today = timezone.localdate()
    assert disputes.remind_overdue(today + dt.timedelta(days=21)) == 0  # due that day: not late
    mail.outbox.clear()
    later = today + dt.timedelta(days=22)
    assert disputes.remind_overdue(later) == 1
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"chengdu@example.invalid", "sichuan@example.invalid"}
    assert w["mine"].name in mail.outbox[0].subject
    finding.refresh_from_db()
    assert finding.reminded_at is not None
    assert disputes.remind_overdue(later + dt.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1
