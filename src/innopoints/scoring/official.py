"""Which scheme is the official one, asked in one place: ``settings.INNOPOINTS_OFFICIAL_SCHEME``
(default ``sichuan-2025``), in its version published last that is not marked as an example. The run
form's default scheme reads it; the official *run* needs the 积分榜 and lives with them
(``analysis.publication.official_run``)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F

from innopoints.scoring.models import SchemeVersion

DEFAULT_OFFICIAL_SCHEME = "sichuan-2025"


def official_scheme_id() -> str:
    return str(getattr(settings, "INNOPOINTS_OFFICIAL_SCHEME", DEFAULT_OFFICIAL_SCHEME))


def official_scheme_version() -> SchemeVersion | None:
    """The version in force of the official scheme: the one published last (a version loaded
    from a file counts as published when it was stored), never a draft or an example."""
    return (
        SchemeVersion.objects.filter(
            scheme_id=official_scheme_id(), example=False, state="published"
        )
        .order_by(F("published_at").desc(nulls_last=True), "-created_at", "-pk")
        .first()
    )
