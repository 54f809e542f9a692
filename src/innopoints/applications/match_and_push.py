"""Matching a published run against the catalogue and pushing what is new (政策精准推送).

Queued on Celery when a broker is configured, else in a thread after the commit, or inline
when ``INNOPOINTS_JOBS_IN_BACKGROUND`` is off (the tests) — as scoring runs are. One
transaction: the matches (one bulk insert), the push records (one bulk insert, unique per
enterprise and offering across runs), the enterprises' inbox messages and the institutions'
notices; the e-mails go after it."""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections import defaultdict
from typing import Any

import polars as pl
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from innopoints.accounts.models import Profile, Role
from innopoints.applications import matching
from innopoints.applications.catalogue import offerings_in_force, rates_in_force
from innopoints.applications.inputs import run_frame
from innopoints.applications.models import (
    Match,
    Message,
    Offering,
    Push,
    PushOptOut,
    RunMatching,
)
from innopoints.collection.models import Authorisation
from innopoints.core import bulk, queue
from innopoints.core.background import run_in_process
from innopoints.registry.models import Enterprise
from innopoints.scoring.models import Run

log = logging.getLogger(__name__)
NAMES_IN_NOTICE = 30


TASK = "innopoints.applications.match_run"

# sent inside the matching transaction once a run's matches are stored (``run``): higher
# layers keep what they derive from the matches (the funnel's rollup, targets/rollup.py)
matching_finished = Signal()


def dispatch(run: Run) -> None:
    """Match the run once: the first call records the job, later calls do nothing."""
    _job, created = RunMatching.objects.get_or_create(run=run)
    if not created:
        return
    if getattr(settings, "CELERY_BROKER_URL", ""):
        # kept for later when the broker is down (core.queue): never an error after the commit
        queue.send_on_commit(TASK, [run.pk])
    else:
        run_in_process(match_run, run.pk, name=f"match-{run.pk}", after_commit=True)


def match_run(run_id: int) -> RunMatching:
    job = RunMatching.objects.select_related("run").get(run_id=run_id)
    if job.status in {"done", "running"}:
        return job
    RunMatching.objects.filter(pk=job.pk).update(status="running")
    started = time.perf_counter()
    mails: list[tuple[int, EmailMessage]] = []
    try:
        with transaction.atomic():
            figures, mails = _match_and_push(job.run)
            matching_finished.send(sender=RunMatching, run=job.run)
    except Exception:
        log.exception("matching run %s failed", run_id)
        RunMatching.objects.filter(pk=job.pk).update(
            status="failed", error=traceback.format_exc()[-4000:], finished_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    sent = 0
    if mails:
        try:
            sent = get_connection(fail_silently=False).send_messages([m for _e, m in mails]) or 0
        except Exception:  # mail down: the inbox has the push; the records say not e-mailed
            log.exception("push e-mails of run %s not sent", run_id)
    if sent:
        mailed = [enterprise for enterprise, _m in mails]
        Push.objects.filter(run_id=run_id, enterprise_id__in=mailed).update(emailed=True)
    RunMatching.objects.filter(pk=job.pk).update(
        status="done",
        seconds=round(time.perf_counter() - started, 3),
        finished_at=timezone.now(),
        **figures,
    )
    job.refresh_from_db()
    return job


def _match_and_push(
    run: Run, now: dt.datetime | None = None
) -> tuple[dict[str, int], list[tuple[int, EmailMessage]]]:
    now = now or timezone.now()
    day = timezone.localdate(now)  # the day in Asia/Shanghai, also at 02:00 there
    offerings = {o.pk: o for o in offerings_in_force(day)}
    specs = [o.spec() for o in offerings.values()]
    frame = run_frame(run, matching.fact_fields(specs), day=day)
    pairs = matching.evaluate(frame, specs, rates_in_force(day))
    stored = pairs.with_columns(
        pl.lit(run.pk, dtype=pl.Int64).alias("run"), pl.lit(now).alias("created_at")
    )
    count = bulk.insert_frame(Match, stored) if stored.height else 0
    broken = sum(bulk.unmatched_references(Match, f, run=run) for f in ("enterprise", "offering"))
    if broken:
        raise IntegrityError(f"{broken} matches of run {run.pk} point at nothing")
    pushed, mails = _push(run, pairs.select("offering", "enterprise"), offerings, now)
    return {"n_offerings": len(specs), "n_matches": count, "n_pushed": pushed}, mails


def _push(
    run: Run, pairs: pl.DataFrame, offerings: dict[int, Offering], now: Any
) -> tuple[int, list[tuple[int, EmailMessage]]]:
    """Push the pairs never pushed before, except the kinds an enterprise opted out of."""
    if pairs.height == 0:
        return 0, []
    # one job at a time decides what is new for these offerings
    list(Offering.objects.select_for_update().filter(pk__in=list(offerings)).values_list("pk"))
    kinds = pl.DataFrame(
        {"offering": list(offerings), "kind": [o.kind for o in offerings.values()]},
        schema={"offering": pl.Int64, "kind": pl.String},
    )
    done = pl.DataFrame(
        list(
            Push.objects.filter(offering_id__in=list(offerings))
            .order_by()
            .values_list("offering_id", "enterprise_id")
        ),
        orient="row",
        schema={"offering": pl.Int64, "enterprise": pl.Int64},
    )
    opted_out = pl.DataFrame(
        list(PushOptOut.objects.order_by().values_list("enterprise_id", "kind")),
        orient="row",
        schema={"enterprise": pl.Int64, "kind": pl.String},
    )
    fresh = (
        pairs.join(done, on=["offering", "enterprise"], how="anti")
        .join(kinds, on="offering")
        .join(opted_out, on=["enterprise", "kind"], how="anti")
    )
    if fresh.height == 0:
        return 0, []
    institutions = {pk: o.institution_id for pk, o in offerings.items() if o.institution_id}
    grants = pl.DataFrame(
        list(
            Authorisation.objects.active_on(timezone.localdate(now))
            .filter(institution_id__in=set(institutions.values()))
            .order_by()
            .values_list("enterprise_id", "institution_id")
            .distinct()
        ),
        orient="row",
        schema={"enterprise": pl.Int64, "institution": pl.Int64},
    ).with_columns(pl.lit(True).alias("institution_notified"))
    fresh = (
        fresh.with_columns(
            pl.col("offering")
            .replace_strict(institutions, default=None, return_dtype=pl.Int64)
            .alias("institution")
        )
        .join(grants, on=["enterprise", "institution"], how="left")
        .with_columns(pl.col("institution_notified").fill_null(False))
    )
    bulk.insert_frame(
        Push,
        fresh.select(
            "enterprise",
            "offering",
            pl.lit(run.pk, dtype=pl.Int64).alias("run"),
            pl.lit(False).alias("emailed"),
            "institution_notified",
            pl.lit(now).alias("created_at"),
        ),
    )
    if bulk.unmatched_references(Push, "enterprise", run=run):
        raise IntegrityError(f"pushes of run {run.pk} point at no enterprise")
    _inbox(fresh, offerings, now)
    _tell_institutions(fresh.filter(pl.col("institution_notified")), offerings)
    return fresh.height, _mails(fresh, offerings)


def _subject(offering: Offering) -> str:
    return _("您符合“%(name)s”（%(kind)s）的申请条件") % {
        "name": offering.name,
        "kind": offering.get_kind_display(),  # type: ignore[attr-defined]
    }


def _inbox(fresh: pl.DataFrame, offerings: dict[int, Offering], now: Any) -> None:
    # each message opens the offering's page: why the enterprise qualifies and the terms
    links = {pk: reverse("portals:ent_offering", args=[pk]) for pk in offerings}
    subjects = {pk: _subject(o) for pk, o in offerings.items()}
    bodies = {
        pk: _("发布方：%(issuer)s。点击查看符合的条件与建议条款。") % {"issuer": o.issuer}
        for pk, o in offerings.items()
    }
    messages = fresh.select(
        "enterprise",
        pl.lit("policy_match").alias("kind"),
        pl.col("offering").replace_strict(subjects, return_dtype=pl.String).alias("subject"),
        pl.col("offering").replace_strict(bodies, return_dtype=pl.String).alias("body"),
        pl.col("offering").replace_strict(links, return_dtype=pl.String).alias("link"),
        pl.lit(now).alias("created_at"),
    )
    bulk.insert_frame(Message, messages)


def _tell_institutions(told: pl.DataFrame, offerings: dict[int, Offering]) -> None:
    """One inbox message per institution and offering, naming the newly eligible enterprises
    that have an active authorisation to it."""
    if told.height == 0:
        return
    names = dict(
        Enterprise.objects.filter(pk__in=told["enterprise"].unique().to_list()).values_list(
            "pk", "name"
        )
    )
    for (offering_id,), group in told.group_by(["offering"], maintain_order=True):
        offering = offerings[int(offering_id)]  # type: ignore[call-overload]
        ids = group["enterprise"].to_list()
        listed = _("、").join(names[e] for e in ids[:NAMES_IN_NOTICE])
        if len(ids) > NAMES_IN_NOTICE:
            listed += _(" 等 %(n)d 家") % {"n": len(ids)}
        Message.objects.create(
            institution_id=offering.institution_id,
            kind="policy_match",
            subject=_("%(n)d 家已授权企业新符合“%(name)s”的条件")
            % {"n": len(ids), "name": offering.name},
            body=listed,
            link=reverse("portals:fin_enterprise", args=[ids[0]]) if len(ids) == 1 else "",
        )


def _mails(fresh: pl.DataFrame, offerings: dict[int, Offering]) -> list[tuple[int, EmailMessage]]:
    """One e-mail per enterprise user with an address, listing the enterprise's new offerings."""
    per_enterprise: dict[int, list[int]] = defaultdict(list)
    for enterprise, offering in fresh.select("enterprise", "offering").iter_rows():
        per_enterprise[enterprise].append(offering)
    users = (
        Profile.objects.filter(
            role=Role.ENTERPRISE, enterprise_id__in=list(per_enterprise), user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user", "enterprise")
    )
    mails = []
    for profile in users:
        chosen = [offerings[o] for o in per_enterprise[profile.enterprise_id]]  # type: ignore[index]
        lines = [
            _("· %(name)s（%(kind)s，%(issuer)s）")
            % {"name": o.name, "kind": o.get_kind_display(), "issuer": o.issuer}  # type: ignore[attr-defined]
            for o in chosen
        ]
        body = _(
            "%(name)s：\n\n根据最新发布的创新积分结果，贵企业符合以下政策或金融产品的条件：\n\n"
            "%(lines)s\n\n请登录企业端“政策匹配”查看符合的条件与建议条款；"
            "如不希望接收某类推送，可在“推送设置”中退订。"
        ) % {"name": profile.enterprise.name, "lines": "\n".join(lines)}  # type: ignore[union-attr]
        message = EmailMessage(
            subject=_("政策精准推送：%(n)d 项新匹配") % {"n": len(chosen)},
            body=body,
            to=[profile.user.email],
        )
        mails.append((profile.enterprise_id, message))  # type: ignore[arg-type]
    return mails
