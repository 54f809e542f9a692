"""Resolving verification findings (核验处理). Every resolution is recorded in the finding's
history (who, when, what); a value chosen or corrected becomes a new version under the
「人工核定」 source, which takes precedence over every other source. Nothing is overwritten."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from innopoints.audit.log import record
from innopoints.collection.models import DataSource, FactValue, Finding


class ResolutionError(ValueError):
    pass


def _manual_source() -> DataSource:
    return DataSource.objects.get(manual=True)


def _record_manual_value(finding: Finding, value: float, user: Any, reason: str) -> FactValue:
    source = _manual_source()
    latest = (
        FactValue.objects.filter(
            enterprise=finding.enterprise,
            period=finding.period,
            field_code=finding.field_code,
            source=source,
        ).aggregate(latest=Max("version"))["latest"]
        or 0
    )
    return FactValue.objects.create(
        enterprise=finding.enterprise,
        period=finding.period,
        field_code=finding.field_code,
        value=value,
        source=source,
        version=latest + 1,
        recorded_by=user,
        reason=reason,
    )


def _audit(finding: Finding, user: Any) -> None:
    corrected = finding.corrected_value
    record(
        "update",
        obj=finding,
        enterprise=finding.enterprise,
        actor=user,
        summary=gettext("核验问题 %(pk)s 已处理：%(status)s")
        % {"pk": finding.pk, "status": finding.get_status_display()},
        changes={
            "status": ["open", finding.status],
            "note": finding.resolution_note,
            "value": corrected.value if corrected is not None else None,
        },
    )


def _close(finding: Finding, status: str, user: Any, note: str) -> None:
    if finding.enterprise_id is None and status != "dismissed":
        raise ResolutionError(gettext("报送异常没有数值可采纳或更正，只能说明处理情况后关闭"))
    if finding.status != "open":
        raise ResolutionError(
            gettext("核验问题 %(pk)s 已处理（%(status)s）")
            % {"pk": finding.pk, "status": finding.get_status_display()}
        )
    finding.status = status
    finding.resolution_note = note
    finding.resolved_by = user
    finding.resolved_at = timezone.now()
    finding._history_user = user  # type: ignore[attr-defined]


@transaction.atomic
def accept_source(finding: Finding, source: DataSource, user: Any, note: str = "") -> Finding:
    """Use ``source``'s latest value for the fact from now on."""
    chosen = (
        FactValue.objects.filter(
            enterprise=finding.enterprise,
            period=finding.period,
            field_code=finding.field_code,
            source=source,
        )
        .order_by("-version")
        .first()
    )
    if chosen is None:
        raise ResolutionError(
            gettext("%(source)s 没有报送 %(field)s")
            % {"source": source.name, "field": finding.field_code}
        )
    _close(finding, "accepted", user, note)
    reason = f"核验问题 {finding.pk}：采纳{source.name}的数值（版本 {chosen.version}）。{note}"
    finding.corrected_value = _record_manual_value(finding, chosen.value, user, reason.strip())
    finding.chosen_source = source
    finding.save()
    _audit(finding, user)
    return finding


@transaction.atomic
def correct(finding: Finding, value: float, user: Any, reason: str) -> Finding:
    """Enter a corrected value; a reason is required."""
    if not reason.strip():
        raise ResolutionError(gettext("更正数值必须说明理由"))
    _close(finding, "corrected", user, reason)
    finding.corrected_value = _record_manual_value(
        finding, value, user, f"核验问题 {finding.pk}：{reason}"
    )
    finding.save()
    _audit(finding, user)
    return finding


@transaction.atomic
def dismiss(finding: Finding, user: Any, reason: str) -> Finding:
    """The data are right as they are; a reason is required."""
    if not reason.strip():
        raise ResolutionError(gettext("驳回必须说明理由"))
    _close(finding, "dismissed", user, reason)
    finding.save()
    _audit(finding, user)
    return finding
