"""企业端 home's figures: the score gauge's scale, the radar of its indicator groups against its
stage's peers, its trend over periods and the actions waiting for it (unread messages,
authorisations about to end, offering kinds it no longer hears about, offerings it matches).
tests/platform/test_enterprise_home.py holds each to a hand count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from innopoints.applications.models import Offering, PushOptOut
from innopoints.collection.models import Authorisation
from innopoints.site import charts

ENDING_SOON_DAYS = 30


def gauge_maximum(total: float, scale: float = 100.0) -> float:
    """The gauge's top: the scheme's full mark, or the next ten above a total that passes it
    (附加分 can carry a total over the full mark)."""
    if total <= scale:
        return scale
    return float((int(total) // 10 + 1) * 10)


def score_gauge(total: float, scale: float, name: str, unit: str) -> dict[str, Any]:
    """The score on a ring with the figure in its middle (no ticks: the card names tier and
    stage under it)."""
    option = charts.gauge(
        round(total, 2), maximum=gauge_maximum(total, scale), name=name, unit=unit
    )
    series = option["series"][0]
    series.update(
        {
            "radius": "92%",
            "center": ["50%", "58%"],
            "axisLabel": {"show": False},
            "splitLine": {"show": False},
            "title": {"show": False},
        }
    )
    series["detail"].update({"offsetCenter": [0, 0], "fontSize": 26})
    return option


def radar_option(axes: Sequence[Any]) -> dict[str, Any] | None:
    """The enterprise's indicator groups (by name) as shares (%) of their full marks, next to
    the median and the top decile of its stage's ranked enterprises; None without axes."""
    if not axes:
        return None
    return charts.radar(
        [(axis.name, 100) for axis in axes],
        {
            _("本企业"): [axis.mine for axis in axes],
            _("同阶段中位数"): [axis.median for axis in axes],
            _("同阶段前 10%"): [axis.p90 for axis in axes],
        },
    )


def trend(history: Sequence[Any]) -> tuple[list[str], list[float]]:
    """(periods, totals), oldest first, from the home's history (newest first, one result a
    period)."""
    ordered = list(reversed(history))
    return [str(r.run.period) for r in ordered], [round(float(r.total), 2) for r in ordered]


@dataclass(frozen=True)
class Action:
    tone: str  # a Bootstrap colour: danger, warning, info, primary
    badge: str
    text: str
    url: str
    label: str


def pending_actions(enterprise: Any, day: dt.date, *, unread: int, matched: int) -> list[Action]:
    """What is waiting for the enterprise, most pressing first."""
    actions = []
    if unread:
        actions.append(
            Action(
                "danger",
                _("消息"),
                ngettext("%(n)d 条未读消息", "%(n)d 条未读消息", unread) % {"n": unread},
                reverse("portals:ent_inbox"),
                _("查看消息"),
            )
        )
    soon = day + dt.timedelta(days=ENDING_SOON_DAYS)
    ending = (
        Authorisation.objects.active_on(day)
        .filter(enterprise=enterprise, institution__isnull=False, valid_to__lte=soon)
        .select_related("institution")
        .order_by("valid_to", "pk")
    )
    for grant in ending:
        actions.append(
            Action(
                "warning",
                _("授权"),
                _("对%(institution)s的授权将于 %(day)s 到期")
                % {"institution": grant.institution, "day": grant.valid_to.isoformat()},
                reverse("portals:ent_authorisations"),
                _("续期或调整"),
            )
        )
    if matched:
        actions.append(
            Action(
                "primary",
                _("匹配"),
                ngettext(
                    "%(n)d 项政策或金融产品符合条件",
                    "%(n)d 项政策或金融产品符合条件",
                    matched,
                )
                % {"n": matched},
                reverse("portals:ent_matches"),
                _("查看并申请"),
            )
        )
    off = set(PushOptOut.objects.filter(enterprise=enterprise).values_list("kind", flat=True))
    if off:
        kinds = pgettext("list separator", "、").join(
            str(label) for code, label in Offering.Kind.choices if code in off
        )
        actions.append(
            Action(
                "info",
                _("推送"),
                _("已关闭推送：%(kinds)s") % {"kinds": kinds},
                reverse("portals:ent_push_settings"),
                _("推送设置"),
            )
        )
    return actions
