"""预授信参考 for the enterprise's own pages: ``{% offering_indication match as ind %}`` on a
match's page, ``{% match_indications matches as rows %}`` (pairs of a match and its indication)
on a list of matches — tags, so the portal's views need no change. The one figure an
enterprise is shown for a loan; never the amount stored at matching time (Match.suggested_*)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils import timezone

from innopoints.applications.indication import Indication, indicate
from innopoints.applications.models import Match, Offering

register = template.Library()


def _shown(found: Indication | None) -> Indication | None:
    return None if found is None or found.empty else found


@register.simple_tag
def offering_indication(match: Match | None) -> Indication | None:
    """The indication of a loan offering for the matched enterprise; None otherwise."""
    if match is None or match.offering.kind != Offering.Kind.LOAN:
        return None
    from innopoints.applications.offering_views import indications  # noqa: PLC0415

    found = indications(match.run, match.offering, [match.enterprise_id]).get(match.enterprise_id)
    return _shown(found)


@register.simple_tag
def match_indications(matches: Iterable[Match]) -> list[tuple[Match, Indication | None]]:
    """Each match with its indication (loans only; None for other kinds or no basis): the
    enterprise's figures read once per run, whatever the number of matches."""
    from innopoints.applications.catalogue import rates_in_force  # noqa: PLC0415
    from innopoints.applications.inputs import run_frame  # noqa: PLC0415

    rows = list(matches)
    loans = [m for m in rows if m.offering.kind == Offering.Kind.LOAN]
    found: dict[int, Indication] = {}
    if loans:
        rates = rates_in_force(timezone.localdate())
        for run_id in {m.run_id for m in loans}:
            mine = [m for m in loans if m.run_id == run_id]
            frame = run_frame(
                mine[0].run,
                ["revenue", "revenue_prev"],
                enterprise_ids=sorted({m.enterprise_id for m in mine}),
            )
            facts = {r["enterprise_id"]: r for r in frame.iter_rows(named=True)}
            for m in mine:
                fact = facts.get(m.enterprise_id)
                if fact is not None:
                    found[m.pk] = indicate(
                        m.offering.terms or {},
                        tier=fact.get("tier"),
                        revenue=fact.get("revenue"),
                        revenue_prev=fact.get("revenue_prev"),
                        rates=rates,
                    )
    return [(m, _shown(found.get(m.pk))) for m in rows]
