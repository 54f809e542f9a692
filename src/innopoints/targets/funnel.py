"""The financing funnel (issue 17 §6): matched → applied → approved → disbursed → defaulted →
compensated, grouped by bank, product, division, tier or stage, within what the user may see
(a government its division, an institution only its own rows).

- matched: the match rollup of the run (``MatchRollup``, one row per offering, division, tier
  and stage; by prefecture for the province, banks and the platform, by county for a city or
  county), never the match rows themselves; counts are enterprise × product pairs;
- the other steps: applications (``lending.Application``) by their current state, grouped on
  the tier, stage and division the application keeps from when it was submitted (no join with
  results). Every application counts as applied; approved = approved or any later state;
  disbursed = disbursed or later; defaulted = defaulted or compensated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from innopoints.accounts import scope
from innopoints.applications.models import Offering
from innopoints.lending.models import Application
from innopoints.registry.models import Institution
from innopoints.scoring.models import Run
from innopoints.site import names
from innopoints.targets.models import MatchRollup

STEPS = ["matched", "applied", "approved", "disbursed", "defaulted", "compensated"]
STEP_LABELS = {
    "matched": pgettext_lazy("funnel step", "匹配"),
    "applied": pgettext_lazy("funnel step", "申请"),
    "approved": pgettext_lazy("funnel step", "批准"),
    "disbursed": pgettext_lazy("funnel step", "放款"),
    "defaulted": pgettext_lazy("funnel step", "违约"),
    "compensated": pgettext_lazy("funnel step", "代偿"),
}
S = Application.Status
APPROVED = [S.APPROVED, S.DISBURSED, S.SETTLED, S.OVERDUE, S.DEFAULTED, S.COMPENSATED]
DISBURSED = [S.DISBURSED, S.SETTLED, S.OVERDUE, S.DEFAULTED, S.COMPENSATED]
DEFAULTED = [S.DEFAULTED, S.COMPENSATED]
COMPENSATED = [S.COMPENSATED]

BY = {
    "bank": gettext_lazy("金融机构"),
    "product": gettext_lazy("产品"),
    "division": gettext_lazy("地区"),
    "tier": gettext_lazy("档次"),
    "stage": gettext_lazy("成长阶段"),
}


@dataclass(frozen=True)
class Viewer:
    """What a user's funnel covers: a division code prefix ('' everything) and, for an
    institution's user, only its own rows."""

    prefix: str
    institution_id: int | None = None

    @property
    def digits(self) -> int:
        """Divisions shown: prefectures for the province (and the platform), else counties."""
        return 4 if len(self.prefix) <= 2 else 6


def viewer_of(user: Any) -> Viewer | None:
    prefix = scope.region_prefix(user)
    if prefix is not None:
        return Viewer(prefix)
    institution = scope.institution_of(user)
    if institution is not None:
        return Viewer("", institution.pk)
    return None


@dataclass
class FunnelRow:
    key: Any
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, step: str) -> int:
        if step not in STEPS:  # templates then read the attribute (``row.cells``)
            raise KeyError(step)
        return self.counts.get(step, 0)

    @property
    def cells(self) -> list[tuple[str, int]]:
        return [(step, self[step]) for step in STEPS]


def _key(by: str, digits: int) -> Any:
    """The column grouped on (the same name in the rollup and in applications)."""
    if by == "bank":
        return F("institution_id")
    if by == "product":
        return F("offering_id")
    if by == "division":
        return Substr("region_code", 1, digits)
    if by in {"tier", "stage"}:
        return F(by)
    raise ValueError(by)


def _rollup(run_id: int | None, viewer: Viewer) -> QuerySet[MatchRollup]:
    rows = MatchRollup.objects.filter(run_id=run_id, digits=viewer.digits).order_by()
    if viewer.prefix:
        rows = rows.filter(region_code__startswith=viewer.prefix)
    if viewer.institution_id is not None:
        rows = rows.filter(institution_id=viewer.institution_id)
    return rows


def _applications(viewer: Viewer) -> QuerySet[Application]:
    rows = Application.objects.order_by()
    if viewer.prefix:
        rows = rows.filter(region_code__startswith=viewer.prefix)
    if viewer.institution_id is not None:
        rows = rows.filter(institution_id=viewer.institution_id)
    return rows


def counts(run_id: int | None, by: str, viewer: Viewer) -> dict[Any, dict[str, int]]:
    """Each group's count at every step (groups with nothing at any step left out)."""
    expression = _key(by, viewer.digits)
    found: dict[Any, dict[str, int]] = {}
    for key, n in (
        _rollup(run_id, viewer)
        .annotate(**{"k": expression})
        .values_list("k")
        .annotate(n=Sum("count"))
        .values_list("k", "n")
    ):
        found.setdefault(key, dict.fromkeys(STEPS, 0))["matched"] = int(n or 0)
    steps = {
        "applied": Count("pk"),
        "approved": Count("pk", filter=Q(status__in=APPROVED)),
        "disbursed": Count("pk", filter=Q(status__in=DISBURSED)),
        "defaulted": Count("pk", filter=Q(status__in=DEFAULTED)),
        "compensated": Count("pk", filter=Q(status__in=COMPENSATED)),
    }
    for row in (
        _applications(viewer)
        .annotate(k=expression)
        .values("k")
        .annotate(**steps)
        .values("k", *steps)
    ):
        entry = found.setdefault(row["k"], dict.fromkeys(STEPS, 0))
        for step in steps:
            entry[step] = int(row[step])
    return found


def _labels(by: str, keys: list[Any], run: Run | None) -> dict[Any, str]:
    if by == "bank":
        found = dict(
            Institution.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name")
        )
        return {k: found.get(k, "—") if k else _("政府部门发布的政策") for k in keys}
    if by == "product":
        found = {
            pk: f"{name}（{issuer}）" if issuer else name
            for pk, name, issuer in Offering.objects.filter(
                pk__in=[k for k in keys if k]
            ).values_list("pk", "name", "institution__name")
        }
        return {k: found.get(k, "—") if k else _("未指明产品") for k in keys}
    if by == "division":
        return {k: names.division_name(k) if k else "—" for k in keys}
    if by == "tier":
        tiers: dict[str, str] = {}
        if run is not None:
            levels = run.scheme_version.scheme().tiers.levels
            tiers = {
                t.code: (t.name.en if names.english() and t.name.en else t.name.zh) for t in levels
            }
        return {k: tiers.get(k, k) if k else _("未分档（清零）") for k in keys}
    version = run.scheme_version if run is not None else None
    return {k: names.stage_name(k, version) if k else "—" for k in keys}


def funnel(run: Run | None, by: str, viewer: Viewer) -> tuple[list[FunnelRow], FunnelRow]:
    """The rows of one grouping, by their label, and their total."""
    found = counts(run.pk if run is not None else None, by, viewer)
    labels = _labels(by, list(found), run)
    rows = sorted(
        (FunnelRow(key, labels[key], value) for key, value in found.items()),
        key=lambda r: (r.key is None or r.key == "", str(r.label)),
    )
    total = FunnelRow(None, _("合计"), {s: sum(r[s] for r in rows) for s in STEPS})
    return rows, total
