"""Reminders: an application whose current step is past its deadline (``due_on``) gets one
inbox message to the side it waits on — once per step (``reminded_at`` is cleared by every
move). Run daily by Celery beat (ops/schedule.py) or ``remind_overdue`` directly."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from innopoints.audit.log import record
from innopoints.lending.models import Application
from innopoints.lending.workflow import ENTERPRISE, WAITING_ON, _notify

TASK = "innopoints.lending.remind_overdue"


def remind_overdue() -> int:
    """Message the waiting side of every application past its deadline not yet reminded for
    this step; how many."""
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Application.objects.select_for_update(of=("self",))
            .filter(due_on__lt=today, reminded_at__isnull=True, status__in=list(WAITING_ON))
            .select_related("enterprise", "institution")
            .order_by("pk")
        )
        for app in due:
            side = WAITING_ON[app.status]
            subject = _("融资申请已超过办理期限（%(day)s）：%(enterprise)s · %(status)s") % {
                "day": app.due_on.isoformat() if app.due_on else "",
                "enterprise": app.enterprise.name,
                "status": app.get_status_display(),
            }
            body = (
                _("请补充材料或撤回申请。")
                if side == ENTERPRISE
                else _("请尽快办理该申请的当前环节。")
            )
            _notify(app, side, subject, body, kind="application_reminder")
        if due:
            Application.objects.filter(pk__in=[a.pk for a in due]).update(reminded_at=now)
            record(
                "other",
                summary=_("融资申请逾期提醒：%(n)d 件") % {"n": len(due)},
                object_type="lending.application",
                object_repr=", ".join(str(a.pk) for a in due[:50]),
            )
    return len(due)
