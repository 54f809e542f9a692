"""金融端 home's figures: the applications it received by state, the enterprises that
authorised it month by month, how many of each received list's enterprises authorised it, and
the outcome curve (the share of granted loans performing or defaulted in each score band).
Plain numbers and names, drawn by site/charts.py; tests/platform/test_bank_home.py holds each
to a hand count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from innopoints.collection.models import Authorisation
from innopoints.lending.models import Application

S = Application.Status
PENDING = (S.SUBMITTED, S.ACCEPTED, S.REVIEWING, S.APPROVED)
"""Applications waiting for the institution: to accept, decide or pay out (待补充材料 waits for
the enterprise)."""


def status_counts(records: QuerySet[Any]) -> list[tuple[str, str, int]]:
    """(status, its name, number of records) for every state of the records' model, in its
    order (a state with none shows as 0, so the chart's bars keep their places)."""
    counts = dict(records.order_by().values_list("status").annotate(n=Count("pk")))
    choices = records.model._meta.get_field("status").choices or []
    return [(code, str(label), int(counts.get(code, 0))) for code, label in choices]


def _months(today: dt.date, months: int) -> list[str]:
    """The last ``months`` calendar months up to today's, oldest first, as YYYY-MM."""
    year, month = today.year, today.month
    out = []
    for _ in range(months):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def monthly_grants(institution: Any, today: dt.date, months: int = 12) -> list[tuple[str, int]]:
    """Authorisations the institution received in each of the last ``months`` months (by the
    day they were given, Beijing time), whether still in force or not."""
    keys = _months(today, months)
    first = dt.date.fromisoformat(f"{keys[0]}-01")
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    counts = dict.fromkeys(keys, 0)
    for created in Authorisation.objects.filter(
        institution=institution, created_at__gte=start
    ).values_list("created_at", flat=True):
        key = timezone.localtime(created).strftime("%Y-%m")
        if key in counts:
            counts[key] += 1
    return list(counts.items())


def list_reach(
    lists: Iterable[tuple[str, Iterable[int | None]]], authorised: set[int]
) -> list[dict[str, Any]]:
    """Per received list (title, its enterprises' ids): how many enterprises it holds and how
    many of them have authorised the institution."""
    out = []
    for title, ids in lists:
        members = {i for i in ids if i is not None}
        out.append({"title": title, "n": len(members), "authorised": len(members & authorised)})
    return out


def outcome_curve(by_band: list[dict[str, Any]]) -> dict[str, Any]:
    """From outcome_figures' ``by_band`` (band, n, defaults): each band's label (70–80) and the
    shares (%) of its granted loans performing and defaulted, one decimal."""
    bands, performing, defaulted, counts = [], [], [], []
    for row in by_band:
        n = int(row["n"])
        if not n or row.get("band") is None:
            continue
        low = int(row["band"])
        bad = 100.0 * int(row["defaults"]) / n
        bands.append(f"{low}–{low + 10}")
        defaulted.append(round(bad, 1))
        performing.append(round(100.0 - bad, 1))
        counts.append(n)
    return {"bands": bands, "performing": performing, "defaulted": defaulted, "n": counts}


def slim(option: dict[str, Any], width: int = 40) -> dict[str, Any]:
    """A bar chart whose bars stay bars when there are few of them (at most ``width`` px)."""
    for series in option.get("series", []):
        if series.get("type") == "bar":
            series["barMaxWidth"] = width
    return option


def horizontal(option: dict[str, Any]) -> dict[str, Any]:
    """A (stacked) bar chart turned on its side: long category names read along the bars."""
    option["xAxis"], option["yAxis"] = option["yAxis"], option["xAxis"]
    return option
