"""公示: a published 积分榜 shown to the public for a period the publisher sets, and the
objections (异议) anyone may file while it lasts.

- ``state``: upcoming, open or closed on a day (the end date is the last day of the period).
- ``public_rows``: the rows the public page lists — rank, name, field, stage and tier; the
  total only where the publisher shows totals *and* the enterprise has consented
  (``ScoreConsent``); no credit code, division or other code.
- ``file_objection``: the checks an objection passes before it is kept (period open, the
  address's hourly allowance, the attachment's bounds), its deadline, and the publisher's
  e-mail; ``resolve`` and ``start_corrected_run``: the publisher's answer, and for an upheld
  objection a new run of the same scheme version, period and division (一键测算's own path).
Every step is written to the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from innopoints.analysis import boards
from innopoints.analysis.models import Objection, Publicity, ScoreConsent
from innopoints.audit.log import client_ip, record
from innopoints.registry.english import localised_industry
from innopoints.scoring.dispatch import dispatch
from innopoints.scoring.models import Run
from innopoints.site import names

UPCOMING, OPEN, CLOSED = "upcoming", "open", "closed"
MiB = 2**20
ATTACHMENT_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx")


def today() -> dt.date:
    return timezone.localdate()


def state(publicity: Publicity, on: dt.date | None = None) -> str:
    day = on or today()
    if day < publicity.starts_on:
        return UPCOMING
    return OPEN if day <= publicity.ends_on else CLOSED


def visible() -> QuerySet[Publicity]:
    """The 公示 the public may see: begun (open or closed), of a still published list."""
    return Publicity.objects.filter(starts_on__lte=today(), board__status="published")


def deadline(publicity: Publicity, filed_on: dt.date) -> dt.date:
    """The day by which an objection filed on ``filed_on`` is answered."""
    return filed_on + dt.timedelta(days=publicity.reply_days)


# -- the public rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicRow:
    position: int
    name: str
    field: str
    stage: str
    tier: str
    score: float | None
    """None: not shown (the publisher shows no totals, or the enterprise has not consented)."""


def consenting(enterprise_ids: list[int]) -> set[int]:
    return set(
        ScoreConsent.objects.filter(enterprise_id__in=enterprise_ids, show_score=True).values_list(
            "enterprise_id", flat=True
        )
    )


def tier_names(publicity: Publicity) -> dict[str, str]:
    levels = publicity.board.run.scheme_version.scheme().tiers.levels
    return {t.code: (t.name.en if names.english() and t.name.en else t.name.zh) for t in levels}


def public_rows(publicity: Publicity) -> list[PublicRow]:
    board = publicity.board
    rows = boards.entries(board)
    shown = consenting([int(r["enterprise_id"]) for r in rows]) if publicity.show_scores else set()
    tiers = tier_names(publicity)
    version = board.run.scheme_version
    out = []
    for row in rows:
        tier = row.get("tier_after", row.get("tier")) or ""
        total = row.get("total_after", row.get("total"))
        out.append(
            PublicRow(
                position=int(row["position"]),
                name=str(row["name"]),
                field=localised_industry(row.get("industry")),
                stage=names.stage_name(row.get("stage"), version) if row.get("stage") else "",
                tier=tiers.get(tier, ""),
                score=float(total) if row["enterprise_id"] in shown and total is not None else None,
            )
        )
    return out


# -- filing an objection ------------------------------------------------------------------------


class Refused(Exception):
    """An objection not accepted; the message says why, in the page's language."""


def max_attachment_bytes() -> int:
    return int(getattr(settings, "INNOPOINTS_MAX_OBJECTION_BYTES", 5 * MiB))


def attachment_problem(file_name: str, size: int) -> str | None:
    """Why an attachment is refused (checked before it is read), or None."""
    if Path(file_name).suffix.lower() not in ATTACHMENT_SUFFIXES:
        return gettext("附件只接受 PDF、JPG、PNG、DOCX 或 XLSX 文件")
    limit = max_attachment_bytes()
    if size > limit:
        return gettext("附件 %(size).1f MB，超过上限 %(limit).0f MB") % {
            "size": size / MiB,
            "limit": limit / MiB,
        }
    return None


def body_too_large(request: HttpRequest) -> bool:
    """A posted objection whose body is larger than the attachment limit allows (with room for
    the form's text): refused before the body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > max_attachment_bytes() + 64 * 1024


def hourly_limit() -> int:
    return int(getattr(settings, "INNOPOINTS_OBJECTIONS_PER_HOUR", 5))


def within_allowance(address: str | None, now: dt.datetime | None = None) -> bool:
    """At most ``hourly_limit()`` objections from one address in any hour (counted in the
    database, so every server process sees the same count)."""
    if address is None:
        return True
    since = (now or timezone.now()) - dt.timedelta(hours=1)
    filed = Objection.objects.filter(address=address, created_at__gt=since).count()
    return filed < hourly_limit()


def file_objection(request: HttpRequest, publicity: Publicity, data: dict[str, Any]) -> Objection:
    """Keep one objection (``data``: a valid ObjectionForm's cleaned data) or raise Refused."""
    if state(publicity) != OPEN:
        raise Refused(gettext("公示已结束，不再受理异议"))
    address = client_ip(request)
    if not within_allowance(address):
        raise Refused(gettext("提交过于频繁，请一小时后再试"))
    upload = data.get("attachment")
    objection = Objection(
        publicity=publicity,
        subject=data.get("subject", ""),
        name=data["name"],
        phone=data.get("phone", ""),
        email=data.get("email", ""),
        text=data["text"],
        address=address,
        deadline=deadline(publicity, today()),
    )
    objection.enterprise_id = listed_enterprise(publicity, objection.subject)
    if upload is not None:
        objection.attachment_name = Path(upload.name).name[:200]
        objection.attachment = upload.read()
    with transaction.atomic():
        objection.save()
        record(
            "create",
            obj=objection,
            request=request,
            summary=gettext("收到对公示“%(title)s”的异议") % {"title": publicity.title},
        )
    _tell_publisher(
        objection, request.build_absolute_uri(reverse("analysis:objection", args=[objection.pk]))
    )
    return objection


def listed_enterprise(publicity: Publicity, subject: str) -> int | None:
    """The listed enterprise the objection names, when its subject is exactly a listed name."""
    wanted = subject.strip()
    if not wanted:
        return None
    for row in boards.entries(publicity.board):
        if row.get("name") == wanted:
            return int(row["enterprise_id"])
    return None


def _tell_publisher(objection: Objection, link: str) -> None:
    publisher = objection.publicity.created_by
    if not publisher.email:
        return
    send_mail(
        gettext("收到异议：%(title)s") % {"title": objection.publicity.title},
        gettext("受理编号 %(number)s，请在 %(deadline)s 前答复：%(link)s")
        % {
            "number": objection.number,
            "deadline": objection.deadline.isoformat(),
            "link": link,
        },
        None,
        [publisher.email],
        fail_silently=True,  # the 公示与异议 page lists it whatever the mail does
    )


# -- the publisher's answer ---------------------------------------------------------------------


def overdue(objection: Objection, on: dt.date | None = None) -> bool:
    return objection.status == "open" and (on or today()) > objection.deadline


def resolve(request: HttpRequest, objection: Objection, status: str, reason: str) -> None:
    if objection.status != "open":
        raise Refused(gettext("该异议已处理"))
    if status not in {"upheld", "dismissed"}:
        raise ValueError(status)
    objection.status, objection.reason = status, reason
    objection.resolved_by, objection.resolved_at = request.user, timezone.now()
    with transaction.atomic():
        objection.save()
        record(
            "update",
            obj=objection,
            request=request,
            summary=gettext("异议 %(number)s 处理为：%(outcome)s")
            % {"number": objection.number, "outcome": objection.get_status_display()},
        )


def start_corrected_run(request: HttpRequest, objection: Objection) -> tuple[Run, bool]:
    """A new run of the objected list's scheme version, period and division (queued as 一键测算
    queues it), linked to the upheld objection; and whether it could be queued (False: the
    broker is down and the run waits)."""
    if objection.status != "upheld":
        raise Refused(gettext("只有成立的异议才启动更正测算"))
    if objection.corrected_run_id is not None:
        raise Refused(gettext("已为该异议启动更正测算"))
    old = objection.publicity.board.run
    with transaction.atomic():
        run = Run.objects.create(
            period=old.period,
            scheme_version=old.scheme_version,
            region=old.region,
            started_by=request.user,
        )
        objection.corrected_run = run
        objection.save(update_fields=["corrected_run"])
        record(
            "create",
            obj=run,
            request=request,
            summary=gettext("因异议 %(number)s 成立启动更正测算（原测算 #%(old)s）")
            % {"number": objection.number, "old": old.pk},
        )
    return run, dispatch(run)
