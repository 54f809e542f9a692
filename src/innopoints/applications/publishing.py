"""金融机构自主发布产品: an institution's own offering goes draft → 待审核 → 已上架 (or 已退回
with a reason, edited and submitted again as a new version); an offering on the shelf may be
withdrawn (已下架) and keeps its history. Only 已上架 offerings are matched
(``catalogue.offerings_in_force``). Every step is audited and kept in the offering's history;
a step that is not allowed from the current state raises ``ReviewError`` and changes nothing.

``preview`` counts the enterprises of the latest published run that the rules would select,
by tier (the same vectorised rules as the matching job)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from innopoints.accounts import scope
from innopoints.analysis import publication
from innopoints.applications import matching
from innopoints.applications.catalogue import rates_in_force
from innopoints.applications.inputs import run_frame
from innopoints.applications.models import Offering
from innopoints.audit.log import record
from innopoints.registry.models import Institution, Region
from innopoints.scoring.models import Run

Review = Offering.Review
# what an institution may publish itself (awards and general policies stay with government)
INSTITUTION_KINDS = (
    Offering.Kind.LOAN,
    Offering.Kind.GUARANTEE,
    Offering.Kind.INSURANCE,
    Offering.Kind.INVESTMENT,
)
EDITABLE = (Review.DRAFT, Review.RETURNED, Review.WITHDRAWN)
FIELDS = (
    "name",
    "kind",
    "region",
    "valid_from",
    "valid_to",
    "description",
    "source",
    "eligibility",
    "terms",
    "example",
)


class ReviewError(ValueError):
    """A step not allowed now; the message says why."""


def own_offerings(institution: Institution) -> QuerySet[Offering]:
    return Offering.objects.filter(institution=institution).select_related("region")


def review_queue(user: Any) -> QuerySet[Offering]:
    """Institutions' offerings the government user may review (its division's scope)."""
    rows = Offering.objects.filter(institution__isnull=False).select_related(
        "institution", "region"
    )
    return rows.filter(pk__in=[o.pk for o in rows if may_review(user, o)])


def may_review(user: Any, offering: Offering) -> bool:
    """Government of the offering's whole area (a provincial product: the province)."""
    return offering.institution_id is not None and scope.governs_region(user, offering.region)


def _locked(pk: int) -> Offering:
    return Offering.objects.select_for_update().get(pk=pk)


def _save(offering: Offering, user: Any) -> None:
    offering._history_user = user  # type: ignore[attr-defined]
    offering.save()


def _code(institution: Institution, name: str) -> str:
    base = slugify(name)[:24] or "offering"
    return f"i{institution.pk}-{base}-{uuid.uuid4().hex[:8]}"[:48]


def save_draft(
    institution: Institution,
    data: dict[str, Any],
    user: Any,
    offering: Offering | None = None,
) -> Offering:
    """Create or edit the institution's own offering (fields of ``FIELDS``). Editable only as
    a draft, when returned or when withdrawn; it stays (or becomes) a draft, off the shelf."""
    if data.get("kind") not in INSTITUTION_KINDS:
        raise ReviewError(_("金融机构只能发布积分贷、积分投、积分保、积分险产品"))
    with transaction.atomic():
        if offering is None:
            offering = Offering(
                institution=institution,
                code=_code(institution, str(data.get("name", ""))),
                review_state=Review.DRAFT,
                active=False,
                version=1,
            )
            action = "create"
        else:
            offering = _locked(offering.pk)
            if offering.institution_id != institution.pk:
                raise ReviewError(_("只能修改本机构的产品"))
            if offering.review_state not in EDITABLE:
                raise ReviewError(
                    _("%(state)s的产品不能修改；已上架的产品须先下架")
                    % {"state": offering.get_review_state_display()}  # type: ignore[attr-defined]
                )
            if offering.review_state != Review.DRAFT:
                offering.version += 1  # a new version of a returned or withdrawn product
            action = "update"
        for name in FIELDS:
            if name in data:
                setattr(offering, name, data[name])
        offering.review_state = Review.DRAFT
        offering.active = False
        _save(offering, user)
        record(
            action,
            obj=offering,
            actor=user,
            summary=_("保存产品草稿（第 %(v)s 版）") % {"v": offering.version},
        )
    return offering


def submit(offering: Offering, user: Any) -> Offering:
    with transaction.atomic():
        offering = _locked(offering.pk)
        if offering.review_state != Review.DRAFT:
            raise ReviewError(_("只有草稿可以提交审核"))
        offering.review_state = Review.PENDING
        offering.review_reason = ""
        _save(offering, user)
        record("update", obj=offering, actor=user, summary=_("产品提交审核"))
    return offering


def approve(offering: Offering, user: Any) -> Offering:
    """上架: the offering is matched from the next published run on."""
    with transaction.atomic():
        offering = _locked(offering.pk)
        if not may_review(user, offering):
            raise ReviewError(_("无权审核该产品"))
        if offering.review_state != Review.PENDING:
            raise ReviewError(_("只有待审核的产品可以上架"))
        offering.review_state = Review.ON_SHELF
        offering.review_reason = ""
        offering.active = True
        _save(offering, user)
        record("update", obj=offering, actor=user, summary=_("产品审核通过，已上架"))
    return offering


def send_back(offering: Offering, user: Any, reason: str) -> Offering:
    """退回 with a reason the institution reads."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("退回须填写原因"))
    with transaction.atomic():
        offering = _locked(offering.pk)
        if not may_review(user, offering):
            raise ReviewError(_("无权审核该产品"))
        if offering.review_state != Review.PENDING:
            raise ReviewError(_("只有待审核的产品可以退回"))
        offering.review_state = Review.RETURNED
        offering.review_reason = reason
        offering.active = False
        _save(offering, user)
        record("update", obj=offering, actor=user, summary=_("产品被退回：%(r)s") % {"r": reason})
    return offering


def withdraw(offering: Offering, user: Any, reason: str = "") -> Offering:
    """下架 (by the institution, or by a reviewing government, or by the government that
    issued a policy): no longer matched; the offering, its matches and its history stay."""
    with transaction.atomic():
        offering = _locked(offering.pk)
        own = scope.institution_of(user)
        if not (
            (own is not None and own.pk == offering.institution_id)
            or may_review(user, offering)
            or may_manage_policy(user, offering)
        ):
            raise ReviewError(_("无权下架该产品"))
        if offering.review_state not in (Review.ON_SHELF, Review.PENDING):
            raise ReviewError(_("只有已上架或待审核的产品可以下架"))
        offering.review_state = Review.WITHDRAWN
        offering.review_reason = (reason or "").strip()
        offering.active = False
        _save(offering, user)
        record("update", obj=offering, actor=user, summary=_("产品已下架"))
    return offering


# -- government's own policies (政府政策): drafted and put on the shelf by the issuing government


def government_policies(user: Any) -> QuerySet[Offering]:
    """Offerings issued by a government body in the user's division."""
    prefix = scope.region_prefix(user)
    if prefix is None:
        return Offering.objects.none()
    return Offering.objects.filter(
        institution__isnull=True, issuer_region__code__startswith=prefix
    ).select_related("region", "issuer_region")


def may_manage_policy(user: Any, offering: Offering) -> bool:
    return offering.institution_id is None and scope.governs_region(user, offering.issuer_region)


def _policy_code(name: str) -> str:
    return f"g-{slugify(name)[:24] or 'policy'}-{uuid.uuid4().hex[:8]}"[:48]


def save_policy(data: dict[str, Any], user: Any, offering: Offering | None = None) -> Offering:
    """Create or edit a government's own policy as a draft (fields of ``FIELDS`` and
    ``issuer_name``); the issuer's division is the user's. An offering on the shelf is taken
    off it first (下架), so what is matched is always what was published."""
    region = scope.region_of(user)
    if region is None and offering is None:
        raise ReviewError(_("只有政府用户可以发布政策"))
    with transaction.atomic():
        if offering is None:
            offering = Offering(
                code=_policy_code(str(data.get("name", ""))),
                issuer_region=region,
                review_state=Review.DRAFT,
                active=False,
                version=1,
            )
            action = "create"
        else:
            offering = _locked(offering.pk)
            if not may_manage_policy(user, offering):
                raise ReviewError(_("只能修改本辖区发布的政策"))
            if offering.review_state == Review.ON_SHELF:
                raise ReviewError(_("已上架的政策须先下架再修改"))
            if offering.review_state != Review.DRAFT:
                offering.version += 1
            action = "update"
        for name in (*FIELDS, "issuer_name"):
            if name in data:
                setattr(offering, name, data[name])
        offering.review_state = Review.DRAFT
        offering.active = False
        offering.full_clean(exclude=["code"])
        _save(offering, user)
        record(
            action,
            obj=offering,
            actor=user,
            summary=_("保存政策草稿（第 %(v)s 版）") % {"v": offering.version},
        )
    return offering


def publish_policy(offering: Offering, user: Any) -> Offering:
    """上架 a government's own policy: matched from the next published run on."""
    with transaction.atomic():
        offering = _locked(offering.pk)
        if not may_manage_policy(user, offering):
            raise ReviewError(_("只能发布本辖区的政策"))
        if offering.review_state == Review.ON_SHELF:
            raise ReviewError(_("该政策已上架"))
        offering.review_state = Review.ON_SHELF
        offering.review_reason = ""
        offering.active = True
        _save(offering, user)
        record("update", obj=offering, actor=user, summary=_("政策已发布上架"))
    return offering


def latest_published_run(region: Region | None = None) -> Run | None:
    runs = publication.published_runs()
    for run in runs[:20]:
        if (
            region is None
            or run.region_id is None
            or region.code.startswith(run.region.code_prefix())
        ):
            return run
    return None


def preview(
    eligibility: list[dict[str, Any]],
    terms: dict[str, Any],
    *,
    institution: Institution | None,
    region: Region | None,
    day: dt.date | None = None,
) -> dict[str, Any]:
    """How many enterprises of the latest published run these rules select, by tier:
    {run, total, tiers: [(tier, n)], error}. Rules are checked first (an error, no count)."""
    try:
        matching.check_eligibility(eligibility, institution=institution is not None)
        matching.check_terms(terms)
    except matching.RuleError as exc:
        return {"run": None, "total": 0, "tiers": [], "error": str(exc)}
    run = latest_published_run(region)
    if run is None:
        return {"run": None, "total": 0, "tiers": [], "error": ""}
    spec = matching.OfferingSpec(
        id=0,
        eligibility=list(eligibility),
        terms=dict(terms),
        institution_id=institution.pk if institution else None,
        region_prefix=region.code_prefix() if region else "",
    )
    frame = run_frame(run, matching.fact_fields([spec]))
    pairs = matching.evaluate(frame, [spec], rates_in_force(day or timezone.localdate()))
    chosen = set(pairs["enterprise"].to_list())
    counts = Counter(
        tier or "—"
        for eid, tier in zip(frame["enterprise_id"].to_list(), frame["tier"].to_list(), strict=True)
        if eid in chosen
    )
    return {"run": run, "total": len(chosen), "tiers": sorted(counts.items()), "error": ""}
