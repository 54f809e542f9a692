"""The platform's periodic jobs, run nightly by Celery beat (``schedule.py``) or by cron
(``innopoints manage run_periodic NAME``).

- ``nightly_matching``: the latest run with a published 积分榜 that has not been matched yet is
  matched against the catalogue (normally publishing starts it; this catches a publication
  whose job was lost, e.g. the broker was down).
- ``flag_late_deliveries``: sources with nothing accepted for a period past its due day get a
  verification finding and an e-mail to their contact (targets/deliveries.py ``flag_late``);
  ``pull_sources`` runs the scheduled pulls that are due now (Celery beat: every 5 minutes).
- ``expire_authorisations``: authorisations past their end date that were never revoked are
  closed out once: the enterprise and the institution get an inbox message, and the
  authorisation records when (access already ends with ``valid_to``: ``active_on``)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from innopoints.analysis.models import Leaderboard
from innopoints.applications.match_and_push import dispatch
from innopoints.applications.models import Message, RunMatching
from innopoints.audit.log import record
from innopoints.collection.disputes import remind_overdue
from innopoints.collection.models import Authorisation
from innopoints.collection.pulls import pull_due
from innopoints.ops.schedule import EXPIRY, LATE_DELIVERIES, MATCHING
from innopoints.scoring.models import Run
from innopoints.targets.deliveries import flag_late

log = logging.getLogger(__name__)


def nightly_matching() -> int | None:
    """Start the matching of the latest published run when it has none; its id, else None."""
    latest = (
        Leaderboard.objects.filter(status="published", run__status="done")
        .order_by("-run__finished_at", "-run_id")
        .values_list("run_id", flat=True)
        .first()
    )
    if latest is None or RunMatching.objects.filter(run_id=latest).exists():
        return None
    log.info("nightly matching starts for run %s", latest)
    with transaction.atomic():
        dispatch(Run.objects.get(pk=latest))
    return latest


def expire_authorisations() -> int:
    """Close out the authorisations that ended before today; how many."""
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Authorisation.objects.select_for_update(of=("self",))
            .lapsed_before(today)
            .filter(expiry_notified_at__isnull=True)
            .select_related("enterprise", "institution", "source")
            .order_by("pk")
        )
        if not due:
            return 0
        messages = []
        for grant in due:
            grantee = str(grant.institution or grant.source)
            ended = grant.valid_to.isoformat() if grant.valid_to else ""
            messages.append(
                Message(
                    enterprise=grant.enterprise,
                    kind="authorisation_expired",
                    subject=_("您对“%(grantee)s”的数据授权已于 %(day)s 到期")
                    % {"grantee": grantee, "day": ended},
                    body=_("如需继续授权，请在“数据授权”中重新授权。"),
                    link=reverse("portals:ent_authorisations"),
                )
            )
            if grant.institution is not None:
                messages.append(
                    Message(
                        institution=grant.institution,
                        kind="authorisation_expired",
                        subject=_("“%(enterprise)s”对贵机构的数据授权已于 %(day)s 到期")
                        % {"enterprise": grant.enterprise.name, "day": ended},
                        body=_("到期后不能再查看该企业的授权数据。"),
                    )
                )
        Message.objects.bulk_create(messages)
        Authorisation.objects.filter(pk__in=[g.pk for g in due]).update(expiry_notified_at=now)
        record(
            "other",
            summary=_("授权到期处理：%(n)d 项授权已到期并通知") % {"n": len(due)},
            object_type="collection.authorisation",
            object_repr=", ".join(str(g.pk) for g in due[:50]),
        )
    log.info("%d authorisations expired and notified", len(due))
    return len(due)


JOBS = {
    "nightly_matching": nightly_matching,
    "expire_authorisations": expire_authorisations,
    "remind_overdue_disputes": remind_overdue,
    "pull_sources": lambda: len(pull_due()),
    "flag_late_deliveries": flag_late,
}


@shared_task(name=MATCHING)
def nightly_matching_task() -> int | None:
    return nightly_matching()


@shared_task(name=EXPIRY)
def expire_authorisations_task() -> int:
    return expire_authorisations()


@shared_task(name=LATE_DELIVERIES)
def flag_late_deliveries_task() -> int:
    return flag_late()
