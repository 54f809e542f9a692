"""Financing applications in the institution API (/api/v1/applications): the institution's own
applications, and its moves on one (accept, request information, review, approve, reject,
disburse, settle, overdue, default) through the same state machine as the pages
(``lending.workflow``). Every move carries the institution's own ``reference``: the same
reference with the same request gets the same answer; with another request, 409."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import field_validator

from innopoints.api import tokens
from innopoints.api.schemas import BodyIn, ErrorOut, PageMeta, no_nul
from innopoints.audit.log import record
from innopoints.lending import workflow
from innopoints.lending.models import ApiReceipt, Application

S = Application.Status

# added to the API by api.py (``api.add_router``): the same token authentication, error
# handlers and rate limits as every other endpoint
router = Router(tags=["applications"])

MAX_ID = 2**63 - 1
ERRORS: dict[int, Any] = dict.fromkeys((401, 403, 404, 422, 429), ErrorOut)
WRITE_ERRORS = {**ERRORS, 400: ErrorOut, 409: ErrorOut}
PageNo = Query(1, ge=1, le=100_000, description="1-based page number")
PageSize = Query(50, ge=1, le=500, description="rows per page (≤ 500)")


def _caller(request: HttpRequest) -> tokens.TokenPrincipal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _audit(request: HttpRequest, action: str, what: str, **target: Any) -> None:
    token = _caller(request).token
    record(
        action,
        actor=None,
        summary=f"接口 {request.method} {request.path}：{what}"
        f"（{token.holder}，令牌 {token.prefix}）",
        request=request,
        **target,
    )


def _refuse(
    request: HttpRequest, status: int, message: str, action: str, enterprise: Any = None
) -> HttpError:
    _audit(
        request,
        action,
        _("拒绝（%(status)d）：%(m)s") % {"status": status, "m": message},
        enterprise=enterprise,
    )
    return HttpError(status, message)


def _page(items: Any, page: int, page_size: int) -> tuple[int, Any]:
    start = (page - 1) * page_size
    return items.count(), items[start : start + page_size]


# the API's action names → the state they move to
ACTIONS: dict[str, str] = {
    "accept": S.ACCEPTED,
    "request_info": S.MORE_INFO,
    "review": S.REVIEWING,
    "approve": S.APPROVED,
    "reject": S.REJECTED,
    "disburse": S.DISBURSED,
    "settle": S.SETTLED,
    "overdue": S.OVERDUE,
    "default": S.DEFAULTED,
}
Action = Literal[
    "accept",
    "request_info",
    "review",
    "approve",
    "reject",
    "disburse",
    "settle",
    "overdue",
    "default",
]
StatusName = Literal[
    "submitted",
    "accepted",
    "more_info",
    "reviewing",
    "approved",
    "rejected",
    "disbursed",
    "settled",
    "overdue",
    "defaulted",
    "compensated",
    "withdrawn",
]
StatusFilter = Query(None, description="only those in this state")
STATUS_CODES = {"state": 409, "side": 403, "authorisation": 403, "invalid": 422}


class EventOut(Schema):
    from_status: str
    to_status: str
    note: str
    at: dt.datetime
    data: dict[str, Any]


class ApplicationOut(Schema):
    id: int
    credit_code: str
    enterprise_name: str
    offering: str | None
    status: str = Field(..., description="submitted, accepted, more_info, reviewing, …")
    status_name: str
    amount_requested: str | None = Field(None, description="万元, a decimal as text")
    term_months: int | None
    tier: str
    due_on: dt.date | None
    financing_id: int | None = Field(None, description="the financing record (after 放款)")
    created_at: dt.datetime
    events: list[EventOut]


class ApplicationPage(PageMeta):
    items: list[ApplicationOut]


class ActionIn(BodyIn):
    action: Action
    reference: str = Field(
        ..., min_length=1, max_length=64, description="the institution's own reference"
    )
    note: str = Field("", max_length=2000, description="required to reject or request info")
    amount: Decimal | None = Field(None, gt=0, lt=Decimal("1e10"), description="approve: 万元")
    rate: Decimal | None = Field(None, gt=0, lt=100, description="approve: annual rate, %")
    term_months: int | None = Field(None, ge=1, le=600, description="approve: months")
    disbursed_on: dt.date | None = Field(None, description="disburse: the day (today if none)")

    _text = field_validator("reference", "note")(no_nul)


def application_out(app: Application) -> dict[str, Any]:
    return {
        "id": app.pk,
        "credit_code": app.enterprise.credit_code,
        "enterprise_name": app.enterprise.name,
        "offering": app.offering.name if app.offering else None,
        "status": app.status,
        "status_name": str(app.get_status_display()),
        "amount_requested": None if app.amount_requested is None else str(app.amount_requested),
        "term_months": app.term_months,
        "tier": app.tier,
        "due_on": app.due_on,
        "financing_id": app.financing_id,
        "created_at": app.created_at,
        "events": [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
                "at": e.at,
                "data": e.data,
            }
            for e in app.events.order_by("at", "pk")
        ],
    }


def _own(request: HttpRequest, pk: int, action: str) -> Application:
    found = (
        Application.objects.select_related("enterprise", "offering")
        .filter(pk=pk, institution=_caller(request).institution)
        .first()
    )
    if found is None:
        raise _refuse(request, 404, _("未找到本机构的该融资申请"), action)
    return found


@router.get(
    "/applications",
    response={200: ApplicationPage, **ERRORS},
    summary="The institution's financing applications",
)
def applications(
    request: HttpRequest,
    status: StatusName | None = StatusFilter,
    page: int = PageNo,
    page_size: int = PageSize,
) -> dict[str, Any]:
    rows = Application.objects.filter(institution=_caller(request).institution).select_related(
        "enterprise", "offering"
    )
    if status:
        rows = rows.filter(status=status)
    count, chunk = _page(rows, page, page_size)
    _audit(request, "view", _("查看本机构的融资申请"), object_type="lending.application")
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [application_out(a) for a in chunk],
    }


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationOut, **ERRORS},
    summary="One of the institution's financing applications, with its timeline",
)
def application(
    request: HttpRequest, application_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    found = _own(request, application_id, "view")
    _audit(request, "view", _("查看融资申请"), obj=found, enterprise=found.enterprise)
    return application_out(found)


def _digest(application_id: int, payload: ActionIn) -> str:
    body = payload.model_dump(mode="json")
    body["application"] = application_id
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@router.post(
    "/applications/{application_id}/actions",
    response={200: ApplicationOut, **WRITE_ERRORS},
    summary="Move one of the institution's applications (idempotent by reference)",
)
def application_action(
    request: HttpRequest,
    payload: ActionIn,
    application_id: int = Path(..., ge=1, le=MAX_ID),
) -> Any:
    """The move is that of the pages (a reason to reject or request information, an amount to
    approve; 放款 creates the financing record from the approved terms). A reference already
    used by the institution answers as the first time when the request is the same, 409 when
    it differs; a refused move (409 wrong state, 403 authorisation withdrawn, 422 missing
    input) changes nothing and keeps no reference."""
    institution = _caller(request).institution
    digest = _digest(application_id, payload)
    seen = ApiReceipt.objects.filter(institution=institution, reference=payload.reference).first()
    if seen is not None:
        return _replay(request, seen, digest)
    app = _own(request, application_id, "update")
    data = {
        "amount": payload.amount,
        "rate": payload.rate,
        "term_months": payload.term_months,
        "disbursed_on": payload.disbursed_on,
        "reference": payload.reference,
    }
    try:
        with transaction.atomic():
            workflow.transition(
                app, ACTIONS[payload.action], user=_caller(request), note=payload.note, data=data
            )
            app.refresh_from_db()
            body = json.loads(ApplicationOut.model_validate(application_out(app)).model_dump_json())
            ApiReceipt.objects.create(
                institution=institution,
                reference=payload.reference,
                digest=digest,
                application=app,
                status_code=200,
                response=body,
            )
    except workflow.WorkflowError as error:
        raise _refuse(
            request, STATUS_CODES.get(error.code, 422), str(error), "update", app.enterprise
        ) from error
    except IntegrityError:  # the same reference at the same moment: the other one won
        seen = ApiReceipt.objects.filter(
            institution=institution, reference=payload.reference
        ).first()
        if seen is None:
            raise
        return _replay(request, seen, digest)
    _audit(
        request,
        "update",
        _("办理融资申请：%(action)s（编号 %(ref)s）")
        % {"action": workflow.ACTIONS[ACTIONS[payload.action]], "ref": payload.reference},
        obj=app,
        enterprise=app.enterprise,
    )
    return Status(200, body)


def _replay(request: HttpRequest, seen: ApiReceipt, digest: str) -> Any:
    if seen.digest != digest:
        raise _refuse(
            request,
            409,
            _("业务编号 %(ref)s 已用于另一请求；同一编号只能用于同一请求")
            % {"ref": seen.reference},
            "update",
        )
    _audit(
        request,
        "view",
        _("重复请求（编号 %(ref)s），返回首次的应答") % {"ref": seen.reference},
        object_type="lending.application",
        object_repr=str(seen.application_id),
    )
    return Status(seen.status_code, seen.response)
