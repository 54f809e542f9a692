"""Journeys that failed on their defaults (issue 14 §2, §5, §7): each test fails on the old
code. Browser behaviour (required fields, date inputs) is in test_browser_journeys.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse

from innopoints.applications.jobs import _match_and_push
from innopoints.applications.models import Dispatch, Push
from innopoints.collection.models import Authorisation
from innopoints.scoring.models import Result
from tests.platform.test_matching import _client, _publish, world  # noqa: F401

UTC = dt.UTC


def test_a_grant_starting_today_counts_at_two_in_the_morning_beijing_time(
    world: dict[str, Any],  # noqa: F811
) -> None:
    """02:00 on 4 December in Beijing is 18:00 on 3 December UTC: a grant that starts on the
    4th is in force for the nightly job; one that ended on the 3rd is not."""
    run, bank, loan = world["run"], world["bank"], world["loan"]
    eligible = (
        Result.objects.filter(run=run, vetoed=False, tier__in=["A", "B"])
        .exclude(enterprise=world["mine"])
        .order_by("rank")
    )
    starting, ended = eligible[0].enterprise, eligible[1].enterprise
    Authorisation.objects.create(
        enterprise=starting, institution=bank, valid_from=dt.date(2026, 12, 4)
    )
    Authorisation.objects.create(
        enterprise=ended,
        institution=bank,
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 12, 3),
    )
    with transaction.atomic():
        _match_and_push(run, now=dt.datetime(2026, 12, 3, 18, 0, tzinfo=UTC))
    told = set(
        Push.objects.filter(offering=loan, institution_notified=True).values_list(
            "enterprise_id", flat=True
        )
    )
    assert told == {world["mine"].pk, starting.pk}


def test_the_bank_list_marks_only_grants_in_force(world: dict[str, Any]) -> None:  # noqa: F811
    run, bank, admin = world["run"], world["bank"], world["admin"]
    board = _publish(run, admin)
    dispatch = Dispatch.objects.create(board=board, institution=bank, sent_by=admin)
    listed = [
        r.enterprise
        for r in Result.objects.filter(run=run, vetoed=False, rank__lte=20)
        .exclude(enterprise=world["mine"])
        .select_related("enterprise")
        .order_by("rank")[:2]
    ]
    Authorisation.objects.create(
        enterprise=listed[0],
        institution=bank,
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2024, 12, 31),
    )
    Authorisation.objects.create(
        enterprise=listed[1], institution=bank, valid_from=dt.date(2024, 1, 1)
    )
    page = _client(world["banker"]).get(reverse("portals:fin_list", args=[dispatch.pk]))
    html = page.content.decode()
    expired = reverse("portals:fin_enterprise", args=[listed[0].pk])
    current = reverse("portals:fin_enterprise", args=[listed[1].pk])
    assert f'href="{current}"' in html
    assert f'href="{expired}"' not in html
