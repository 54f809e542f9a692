"""Data delivery by division (seed 002: 区（市）县 deliver the year's data by 30 June of the
next year): which divisions a government user supervises, the day each source's data for a
period are due from each of them, and whether they came.

A source has delivered for a period in a division when an accepted import of that source for
that period (an ``ImportBatch``: a refused file leaves none) carried values for enterprises of
that division; the first such batch's time is the delivery time. The counties a batch covered
are counted once per batch (``BatchDivision``), so the board never groups a period's millions
of values. A delivery that was refused (an API batch or a scheduled pull refused whole,
``DeliveryAttempt``: nothing stored) makes a division that has nothing yet *refused*.

This is the one reading of delivery status: the supervision board, the dashboard's
timeliness, the data exchange's ``/exchange/status`` (a source reads its own) and the daily
check of late deliveries (``flag_late``) all ask ``board``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from innopoints.accounts import scope
from innopoints.analysis.publication import official_run
from innopoints.collection.models import DataSource, DeliveryAttempt, FactValue, ImportBatch
from innopoints.collection.pulls import raise_delivery_finding
from innopoints.engine.stage import reference_date
from innopoints.registry.models import Enterprise, Region
from innopoints.targets.models import BatchDivision, DeliveryDeadline, WorkSummary

DUE_MONTH_DAY = (6, 30)

EXPECTED, RECEIVED, LATE, MISSING, REFUSED = "expected", "received", "late", "missing", "refused"
STATUS_LABELS = {
    EXPECTED: _("待报送"),
    RECEIVED: _("按时报送"),
    LATE: _("逾期报送"),
    MISSING: _("逾期未报"),
    REFUSED: _("报送被拒收"),
}


def default_due(period: str) -> dt.date:
    """30 June of the year after the period ends (2025 → 2026-06-30; 2025H1 → 2026-06-30)."""
    return dt.date(reference_date(period).year + 1, *DUE_MONTH_DAY)


def home_province() -> Region | None:
    """The province the platform serves (what a platform administrator supervises): that of
    the official run, else of the newest registered enterprise."""
    run = official_run()
    if run is not None and run.region is not None and run.region.level == 1:
        return run.region
    code = Enterprise.objects.order_by("-pk").values_list("region_id", flat=True).first()
    if code:
        found = Region.objects.filter(code=f"{code[:2]}0000", level=1).first()
        if found is not None:
            return found
    return Region.objects.filter(level=1).order_by("code").first()


def own_division(user: Any) -> Region | None:
    """The division the user works for (the home province for the platform)."""
    if scope.is_admin(user):
        return home_province()
    return scope.region_of(user)


def supervised_divisions(user: Any) -> list[Region]:
    """A province sees its cities, a city its counties, a county itself; nobody else any."""
    own = own_division(user)
    if own is None:
        return []
    if own.level >= 3:
        return [own]
    return list(Region.objects.filter(parent=own).order_by("code"))


def expected_sources() -> list[DataSource]:
    """Sources that send files (not the manual corrections' pseudo-source)."""
    return list(DataSource.objects.filter(manual=False).order_by("code"))


def _chain(region: Region) -> list[str]:
    """The division's code and those above it, nearest first."""
    codes = []
    current: Region | None = region
    while current is not None:
        codes.append(current.code)
        current = current.parent
    return codes


def due_dates(
    sources: Sequence[DataSource], divisions: Sequence[Region], period: str
) -> dict[tuple[int, str], dt.date]:
    """(source id, division code) → due day: the division's own deadline, else the nearest
    one set above it, else ``default_due``."""
    chains = {d.code: _chain(d) for d in divisions}
    codes = {c for chain in chains.values() for c in chain}
    set_days = {
        (row.source_id, row.division_id): row.due_on
        for row in DeliveryDeadline.objects.filter(period=period, division_id__in=codes)
    }
    fallback = default_due(period)
    due = {}
    for source in sources:
        for division in divisions:
            found = next(
                (
                    set_days[(source.pk, c)]
                    for c in chains[division.code]
                    if (source.pk, c) in set_days
                ),
                fallback,
            )
            due[(source.pk, division.code)] = found
    return due


def ensure_counted(batches: Iterable[ImportBatch]) -> None:
    """Count the counties of each batch not yet counted (once per batch)."""
    ids = [b.pk for b in batches]
    done = set(BatchDivision.objects.filter(batch_id__in=ids).values_list("batch_id", flat=True))
    for batch_id in ids:
        if batch_id in done:
            continue
        counts = (
            FactValue.objects.filter(batch_id=batch_id)
            .order_by()
            .values("enterprise__region_id")
            .annotate(n=Count("enterprise_id", distinct=True))
        )
        rows = [
            BatchDivision(
                batch_id=batch_id, region_code=c["enterprise__region_id"], enterprises=c["n"]
            )
            for c in counts
            if c["enterprise__region_id"]
        ] or [BatchDivision(batch_id=batch_id, region_code="", enterprises=0)]
        with transaction.atomic():
            BatchDivision.objects.bulk_create(rows, ignore_conflicts=True)


def first_deliveries(
    period: str, divisions: Sequence[Region]
) -> dict[tuple[int, str], dt.datetime]:
    """(source id, division code) → when the first accepted batch for the period carried
    values for the division's enterprises."""
    batches = list(ImportBatch.objects.filter(period=period).only("pk", "source_id", "imported_at"))
    ensure_counted(batches)
    prefixes = {d.code: d.code_prefix() for d in divisions}
    match = Q()
    for prefix in set(prefixes.values()):
        match |= Q(region_code__startswith=prefix)
    first: dict[tuple[int, str], dt.datetime] = {}
    rows = (
        BatchDivision.objects.filter(batch__period=period, enterprises__gt=0)
        .filter(match)
        .values_list("batch__source_id", "region_code", "batch__imported_at")
    )
    for source_id, code, at in rows:
        for division, prefix in prefixes.items():
            if code.startswith(prefix):
                key = (source_id, division)
                if key not in first or at < first[key]:
                    first[key] = at
    return first


@dataclass(frozen=True)
class Cell:
    source: DataSource
    division: Region
    due_on: dt.date
    delivered_at: dt.datetime | None
    status: str

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def days_late(self) -> int:
        if self.delivered_at is not None:
            return max(0, (timezone.localdate(self.delivered_at) - self.due_on).days)
        return 0


def refused_sources(period: str) -> dict[int, dt.datetime]:
    """Source id → when a delivery of it for the period was last refused whole (an API batch
    or a pull the import refused; nothing of it was stored)."""
    found: dict[int, dt.datetime] = {}
    for source_id, at in DeliveryAttempt.objects.filter(
        period=period, outcome="refused"
    ).values_list("source_id", "at"):
        if source_id not in found or at > found[source_id]:
            found[source_id] = at
    return found


def status_of(
    due_on: dt.date, delivered_at: dt.datetime | None, today: dt.date, refused: bool = False
) -> str:
    """Received on time (by the end of the due day), received late, not received because
    what came was refused, not received with the day past (missing), or not received and not
    yet due (expected)."""
    if delivered_at is not None:
        return RECEIVED if timezone.localdate(delivered_at) <= due_on else LATE
    if refused:
        return REFUSED
    return MISSING if today > due_on else EXPECTED


@dataclass(frozen=True)
class Board:
    period: str
    sources: list[DataSource]
    divisions: list[Region]
    cells: dict[tuple[int, str], Cell]
    today: dt.date = dt.date.min

    def rows(self) -> list[tuple[Region, list[Cell]]]:
        return [(d, [self.cells[(s.pk, d.code)] for s in self.sources]) for d in self.divisions]

    def counts(self, division: Region | None = None) -> dict[str, int]:
        tally = {EXPECTED: 0, RECEIVED: 0, LATE: 0, MISSING: 0, REFUSED: 0}
        for cell in self.cells.values():
            if division is None or cell.division.code == division.code:
                tally[cell.status] += 1
        return tally

    def timeliness(self, division: Region) -> float | None:
        """Share (%) of the division's deliveries already due that came on time: received on
        time ÷ (on time + late + missing + refused with the day past); None while nothing is
        due."""
        tally = self.counts(division)
        refused_due = sum(
            1
            for cell in self.cells.values()
            if cell.division.code == division.code
            and cell.status == REFUSED
            and self.today > cell.due_on
        )
        due = tally[RECEIVED] + tally[LATE] + tally[MISSING] + refused_due
        return 100 * tally[RECEIVED] / due if due else None


def board(
    divisions: Sequence[Region],
    period: str,
    today: dt.date | None = None,
    sources: Sequence[DataSource] | None = None,
) -> Board:
    """The status of every source (``sources``, else all that deliver) in every division for
    the period."""
    today = today or timezone.localdate()
    sources = list(sources) if sources is not None else expected_sources()
    due = due_dates(sources, divisions, period)
    delivered = first_deliveries(period, divisions)
    refused = refused_sources(period)
    cells = {}
    for source in sources:
        for division in divisions:
            key = (source.pk, division.code)
            at = delivered.get(key)
            status = status_of(due[key], at, today, refused=source.pk in refused)
            cells[key] = Cell(source, division, due[key], at, status)
    return Board(period, sources, list(divisions), cells, today)


def platform_divisions() -> list[Region]:
    """The divisions the platform supervises as a whole (the home province's cities): those a
    source's own status is reported by."""
    province = home_province()
    if province is None:
        return []
    return list(Region.objects.filter(parent=province).order_by("code"))


def flag_late(today: dt.date | None = None) -> int:
    """Every source with nothing accepted for a period whose province-wide due day passed
    (within the last year) gets one finding of kind 「报送异常」 and an e-mail to its contact
    (``pulls.raise_delivery_finding``, once per source and period); how many were raised."""
    today = today or timezone.localdate()
    province = home_province()
    if province is None:
        return 0
    sources = expected_sources()
    periods = set(known_periods()) | {default_period(today)}
    raised = 0
    for period in sorted(periods):
        try:
            due = due_dates(sources, [province], period)
        except ValueError:
            continue
        received = set(
            ImportBatch.objects.filter(period=period).values_list("source_id", flat=True)
        )
        for source in sources:
            day = due[(source.pk, province.code)]
            if source.pk in received or not (day < today <= day + dt.timedelta(days=365)):
                continue
            finding = raise_delivery_finding(
                source,
                period,
                "delivery_late",
                str(
                    _("「%(source)s」%(period)s 的数据应于 %(day)s 前报送，至今未收到")
                    % {"source": source.name, "period": period, "day": day.isoformat()}
                ),
                {"due_on": day.isoformat()},
            )
            raised += finding is not None
    return raised


def known_periods() -> list[str]:
    """Periods with an import or a deadline, newest first."""
    periods = set(ImportBatch.objects.values_list("period", flat=True).distinct())
    periods |= set(DeliveryDeadline.objects.values_list("period", flat=True).distinct())
    return sorted(periods, reverse=True)


def default_period(today: dt.date | None = None) -> str:
    """Last year's data: those due this 30 June."""
    today = today or timezone.localdate()
    return str(today.year - 1)


def summaries_due(
    divisions: Sequence[Region], period: str, today: dt.date | None = None
) -> dict[str, tuple[str, str]]:
    """Division code → (status, label) of its work summary for the period's year, due with
    the data (``default_due``): the latest summary's review state, else missing or expected."""
    today = today or timezone.localdate()
    year = reference_date(period).year
    latest: dict[str, WorkSummary] = {}
    for summary in (
        WorkSummary.objects.filter(year=year, division__in=divisions)
        .defer("content", "text")
        .order_by("uploaded_at")
    ):
        latest[summary.division_id] = summary
    out = {}
    for division in divisions:
        found = latest.get(division.code)
        if found is not None:
            out[division.code] = (found.status, str(found.get_status_display()))  # type: ignore[attr-defined]
        elif today > default_due(period):
            out[division.code] = (MISSING, str(_("未提交")))
        else:
            out[division.code] = (EXPECTED, str(_("待提交")))
    return out
