"""Enterprise disputes (企业异议): an enterprise disputes one of its values (wrong, outdated,
missing) with evidence; the dispute becomes a verification finding of kind 「企业异议」
assigned to the source that delivered the value, due in ``DUE_DAYS`` calendar days (15
working days). Government resolves it on the findings page like any finding (resolution.py:
a corrected value is a new manual version with its reason, the original is kept; a dismissal
keeps the value and tells the enterprise why). A daily task reminds the division's
government users of disputes past their deadline, once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from innopoints.accounts.models import Role
from innopoints.audit.log import record
from innopoints.collection.models import (
    DataSource,
    Dispute,
    DisputeEvidence,
    FactValue,
    Finding,
    SourceField,
)
from innopoints.registry.models import Enterprise
from innopoints.site.names import field_name

TASK = "innopoints.collection.remind_overdue_disputes"
DUE_DAYS = 21  # 15 working days
MAX_EVIDENCE = 10 * 1024 * 1024  # bytes, each file (as an application's documents)
MAX_FILES = 5
EVIDENCE_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".zip": "application/zip",
}


class DisputeError(ValueError):
    pass


@dataclass(frozen=True)
class Evidence:
    name: str
    content: bytes


def evidence_problem(name: str, size: int) -> str | None:
    """Why an evidence file is refused (type, empty, too large), or None."""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in EVIDENCE_TYPES:
        return _("%(name)s：只接受 PDF、图片（JPG/PNG）、Excel、Word 或 ZIP 文件") % {"name": name}
    if size <= 0:
        return _("%(name)s：文件为空") % {"name": name}
    if size > MAX_EVIDENCE:
        return _("%(name)s：文件不能超过 %(limit)d MB") % {
            "name": name,
            "limit": MAX_EVIDENCE // (1024 * 1024),
        }
    return None


def _clean_name(name: str) -> str:
    return (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]


def responsible_source(fact: FactValue | None, field_code: str) -> DataSource | None:
    """The source that delivered the disputed value; for a missing value (or one entered by
    hand) the source preferred for the indicator (its lowest priority number)."""
    if fact is not None and not fact.source.manual:
        return fact.source
    preferred = (
        SourceField.objects.filter(field_code=field_code, source__manual=False)
        .select_related("source")
        .order_by("priority", "source__code")
        .first()
    )
    return preferred.source if preferred is not None else None


def open_dispute(enterprise: Enterprise, period: str, field_code: str) -> Dispute | None:
    return Dispute.objects.filter(
        enterprise=enterprise,
        finding__period=period,
        finding__field_code=field_code,
        finding__status="open",
    ).first()


def file_dispute(
    enterprise: Enterprise,
    *,
    user: Any,
    period: str,
    field_code: str,
    grounds: str,
    statement: str,
    fact: FactValue | None = None,
    claimed_value: float | None = None,
    evidence: list[Evidence] | None = None,
    run_id: int | None = None,
) -> Dispute:
    """Record the enterprise's dispute and its finding; refused with ``DisputeError`` when the
    value is not the enterprise's, a dispute of it is already open, or evidence is refused."""
    if grounds not in dict(Dispute.GROUNDS):
        raise DisputeError(_("请选择异议类型"))
    if not statement.strip():
        raise DisputeError(_("请说明异议的理由"))
    if fact is not None and (
        fact.enterprise_id != enterprise.pk
        or fact.period != period
        or fact.field_code != field_code
    ):
        raise DisputeError(_("只能对本企业的数值提出异议"))
    if open_dispute(enterprise, period, field_code) is not None:
        raise DisputeError(_("该指标已有待处理的异议，请等待处理结果"))
    files = [Evidence(_clean_name(e.name), e.content) for e in evidence or []]
    if len(files) > MAX_FILES:
        raise DisputeError(_("证明材料最多 %(n)d 个文件") % {"n": MAX_FILES})
    for item in files:
        problem = evidence_problem(item.name, len(item.content))
        if problem is not None:
            raise DisputeError(problem)
    source = responsible_source(fact, field_code)
    with transaction.atomic():
        finding = Finding(
            kind="dispute",
            rule="enterprise_dispute",
            enterprise=enterprise,
            period=period,
            field_code=field_code,
            message=f"{field_code}：企业异议（{grounds}）{statement.strip()[:200]}",
            detail={
                "grounds": grounds,
                "value": fact.value if fact is not None else None,
                "claimed": claimed_value,
                "fact": fact.pk if fact is not None else None,
                "run": run_id,
                **({"sources": {str(source.pk): fact.value}} if source and fact else {}),
            },
            batch=fact.batch if fact is not None else None,
            responsible_source=source,
            due_on=timezone.localdate() + dt.timedelta(days=DUE_DAYS),
        )
        finding._history_user = user  # type: ignore[attr-defined]
        finding.save()
        dispute = Dispute.objects.create(
            finding=finding,
            enterprise=enterprise,
            grounds=grounds,
            fact=fact,
            claimed_value=claimed_value,
            statement=statement.strip(),
            run_id=run_id,
            raised_by=user,
        )
        for item in files:
            DisputeEvidence.objects.create(
                dispute=dispute,
                name=item.name,
                content_type=EVIDENCE_TYPES["." + item.name.rsplit(".", 1)[-1].lower()],
                size=len(item.content),
                content=item.content,
                uploaded_by=user,
            )
        record(
            "create",
            obj=dispute,
            enterprise=enterprise,
            actor=user,
            summary=_("企业异议 %(pk)s：%(field)s（%(period)s，%(grounds)s），交%(source)s核实")
            % {
                "pk": dispute.pk,
                "field": field_name(field_code),
                "period": period,
                "grounds": dispute.get_grounds_display(),
                "source": source.name if source else "—",
            },
            changes={"finding": finding.pk, "evidence": [f.name for f in files]},
        )
    return dispute


def _division_users(enterprise: Enterprise) -> list[Any]:
    """The active government users whose division holds the enterprise and who have e-mail."""
    code = enterprise.region.code if enterprise.region else ""
    users = (
        get_user_model()
        .objects.filter(
            is_active=True, profile__role=Role.GOVERNMENT, profile__region__isnull=False
        )
        .select_related("profile__region")
    )
    return [
        u
        for u in users
        if u.email and code.startswith(u.profile.region.code_prefix())  # type: ignore[attr-defined]
    ]


def remind_overdue(today: dt.date | None = None) -> int:
    """E-mail the division's government users about every open dispute past its deadline not
    yet reminded, once; how many disputes."""
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Finding.objects.select_for_update(of=("self",))
            .filter(kind="dispute", status="open", due_on__lt=today, reminded_at__isnull=True)
            .select_related("enterprise__region", "responsible_source")
            .order_by("pk")
        )
        for finding in due:
            recipients = [u.email for u in _division_users(finding.enterprise)]
            if recipients:
                send_mail(
                    _("企业异议已超过处理期限：%(enterprise)s · %(field)s")
                    % {
                        "enterprise": finding.enterprise.name,
                        "field": field_name(finding.field_code),
                    },
                    _(
                        "核验问题 %(pk)s（企业异议，责任来源：%(source)s）的处理期限 %(day)s "
                        "已过，请尽快核实并处理。"
                    )
                    % {
                        "pk": finding.pk,
                        "source": finding.responsible_source.name
                        if finding.responsible_source
                        else "—",
                        "day": finding.due_on.isoformat() if finding.due_on else "",
                    },
                    None,
                    recipients,
                )
        if due:
            Finding.objects.filter(pk__in=[f.pk for f in due]).update(reminded_at=now)
            record(
                "other",
                summary=_("企业异议逾期提醒：%(n)d 件") % {"n": len(due)},
                object_type="collection.finding",
                object_repr=", ".join(str(f.pk) for f in due[:50]),
            )
    return len(due)
