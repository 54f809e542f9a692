"""The institution API's 风险补偿 part (/api/v1/programmes/...): file a loan into a programme,
file a compensation claim, list its own. Both writes are idempotent by the institution's own
reference: the same reference again answers the record already made (200), with other content
409; the rules are those of the pages (programmes.pool), every call audited."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import field_validator

from innopoints.api.api import (
    ERRORS,
    MAX_ID,
    WRITE_ERRORS,
    ApiError,
    PageNo,
    PageSize,
    _audit,
    _caller,
    _page,
    _refuse,
    api,
)
from innopoints.api.schemas import Amount, BodyIn, PageMeta, no_nul
from innopoints.applications.models import Financing
from innopoints.programmes import pool
from innopoints.programmes.models import Claim, Filing, Programme

router = Router(tags=["programmes"])

Reference = Field(..., min_length=1, max_length=64, description="the institution's own id")


class ProgrammeOut(Schema):
    id: int
    name: str
    bank_share: str
    pool_share: str
    guarantor_share: str
    per_loan_cap: str | None = Field(None, description="万元")
    filing_days: int
    first_credit_only: bool


class FilingIn(BodyIn):
    programme_id: int = Field(..., ge=1, le=MAX_ID)
    financing_id: int = Field(..., ge=1, le=MAX_ID, description="one of your financing records")
    covered_amount: Amount | None = Field(None, description="万元; empty: the loan's amount")
    flexible_use: bool = False
    reference: str = Reference

    _text = field_validator("reference")(no_nul)


class FilingOut(Schema):
    id: int
    reference: str
    programme_id: int
    financing_id: int
    covered_amount: str = Field(..., description="万元")
    status: str = Field(..., description="filed, accepted, refused or closed")
    reason: str
    filed_at: Any
    checked_at: Any


class FilingPage(PageMeta):
    items: list[FilingOut]


class ClaimIn(BodyIn):
    filing_id: int = Field(..., ge=1, le=MAX_ID)
    loss: Amount = Field(..., description="万元")
    reference: str = Reference

    _text = field_validator("reference")(no_nul)


class ClaimOut(Schema):
    id: int
    reference: str
    filing_id: int
    loss: str = Field(..., description="万元")
    payout: str | None = Field(None, description="万元, once approved")
    status: str = Field(..., description="claimed, approved, refused or paid")
    reason: str
    claimed_at: Any
    paid_at: Any


class ClaimPage(PageMeta):
    items: list[ClaimOut]


def _filing_out(filing: Filing) -> dict[str, Any]:
    return {
        "id": filing.pk,
        "reference": filing.reference,
        "programme_id": filing.programme_id,
        "financing_id": filing.financing_id,
        "covered_amount": str(filing.covered_amount),
        "status": filing.status,
        "reason": filing.reason,
        "filed_at": filing.filed_at,
        "checked_at": filing.checked_at,
    }


def _claim_out(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "reference": claim.reference,
        "filing_id": claim.filing_id,
        "loss": str(claim.loss),
        "payout": None if claim.payout is None else str(claim.payout),
        "status": claim.status,
        "reason": claim.reason,
        "claimed_at": claim.claimed_at,
        "paid_at": claim.paid_at,
    }


@router.get("", response={200: list[ProgrammeOut], **ERRORS}, summary="Programmes you take part in")
def programmes(request: HttpRequest) -> list[dict[str, Any]]:
    institution = _caller(request).institution
    found = Programme.objects.filter(institutions=institution)
    _audit(request, "view", _("查看本机构参加的风险补偿资金池"), object_type="programmes.programme")
    return [
        {
            "id": p.pk,
            "name": p.name,
            "bank_share": str(p.bank_share),
            "pool_share": str(p.pool_share),
            "guarantor_share": str(p.guarantor_share),
            "per_loan_cap": None if p.per_loan_cap is None else str(p.per_loan_cap),
            "filing_days": p.filing_days,
            "first_credit_only": p.first_credit_only,
        }
        for p in found
    ]


@router.get("/filings", response={200: FilingPage, **ERRORS}, summary="Your filings")
def filings(request: HttpRequest, page: int = PageNo, page_size: int = PageSize) -> dict[str, Any]:
    institution = _caller(request).institution
    count, chunk = _page(Filing.objects.filter(institution=institution), page, page_size)
    _audit(request, "view", _("查看本机构的贷款备案"), object_type="programmes.filing")
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [_filing_out(f) for f in chunk],
    }


@router.post(
    "/filings",
    response={200: FilingOut, 201: FilingOut, 409: Any, **WRITE_ERRORS},
    summary="File one of your disbursed loans into a programme (idempotent by reference)",
)
def file_loan(request: HttpRequest, payload: FilingIn) -> Status[dict[str, Any]]:
    principal = _caller(request)
    institution = principal.institution
    if not principal.has_perm("programmes.file_loan"):
        raise _refuse(request, 403, _("无权备案"), "create")
    existing = Filing.objects.filter(institution=institution, reference=payload.reference).first()
    if existing is not None:
        same = (
            existing.programme_id == payload.programme_id
            and existing.financing_id == payload.financing_id
        )
        if not same:
            raise _refuse(request, 409, _("该业务编号已用于另一笔备案"), "create")
        _audit(request, "view", _("重复提交的备案（按业务编号返回原记录）"), obj=existing)
        return Status(200, _filing_out(existing))
    programme = Programme.objects.filter(pk=payload.programme_id).first()
    financing = (
        Financing.objects.select_related("enterprise__region")
        .filter(pk=payload.financing_id, institution=institution)
        .first()
    )
    if programme is None:
        raise _refuse(request, 404, _("未找到该资金池"), "create")
    if financing is None:
        raise _refuse(request, 404, _("未找到本机构的该融资记录"), "create")
    try:
        made = pool.file_loan(
            programme,
            financing,
            institution,
            principal.token.created_by,
            covered_amount=payload.covered_amount,
            reference=payload.reference,
            flexible_use=payload.flexible_use,
        )
    except pool.ProgrammeError as error:
        raise _refuse(request, 422, str(error), "create", financing.enterprise) from error
    _audit(request, "create", _("贷款备案"), obj=made)
    return Status(201, _filing_out(made))


@router.get("/claims", response={200: ClaimPage, **ERRORS}, summary="Your compensation claims")
def claims(request: HttpRequest, page: int = PageNo, page_size: int = PageSize) -> dict[str, Any]:
    institution = _caller(request).institution
    count, chunk = _page(Claim.objects.filter(institution=institution), page, page_size)
    _audit(request, "view", _("查看本机构的代偿申请"), object_type="programmes.claim")
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [_claim_out(c) for c in chunk],
    }


@router.post(
    "/claims",
    response={200: ClaimOut, 201: ClaimOut, 409: Any, **WRITE_ERRORS},
    summary="Claim compensation for a defaulted filed loan (idempotent by reference)",
)
def file_claim(request: HttpRequest, payload: ClaimIn) -> Status[dict[str, Any]]:
    principal = _caller(request)
    institution = principal.institution
    existing = Claim.objects.filter(institution=institution, reference=payload.reference).first()
    if existing is not None:
        if existing.filing_id != payload.filing_id or existing.loss != payload.loss:
            raise _refuse(request, 409, _("该业务编号已用于另一笔代偿申请"), "create")
        _audit(request, "view", _("重复提交的代偿申请（按业务编号返回原记录）"), obj=existing)
        return Status(200, _claim_out(existing))
    filing = (
        Filing.objects.select_related("financing__enterprise")
        .filter(pk=payload.filing_id, institution=institution)
        .first()
    )
    if filing is None or not principal.has_perm("programmes.claim", filing):
        raise _refuse(request, 404, _("未找到本机构的该备案"), "create")
    try:
        made = pool.file_claim(
            filing,
            payload.loss,
            institution,
            principal.token.created_by,
            reference=payload.reference,
        )
    except pool.ProgrammeError as error:
        raise _refuse(request, 422, str(error), "create", filing.financing.enterprise) from error
    _audit(request, "create", _("代偿申请"), obj=made)
    return Status(201, _claim_out(made))


# mounted when the app is ready (api/apps.py imports this module once); api.api itself never
# imports it, so the API package has no import cycle
api.add_router("/programmes", router)

__all__ = ["ApiError", "router"]
