"""The institution API at /api/v1/ (django-ninja). Every endpoint asks the access rules of the
pages (each app's ``rules.py`` through ``tokens.TokenPrincipal``) and writes an audit entry."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as ModelValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.security import HttpBearer

from innopoints.analysis import boards
from innopoints.analysis.publication import published_result
from innopoints.api import schemas as s
from innopoints.api import tokens
from innopoints.api.lending import router as lending_router
from innopoints.api.models import ApiToken
from innopoints.applications.models import Dispatch, Financing, Message
from innopoints.audit.log import record
from innopoints.collection import access
from innopoints.collection.models import Authorisation
from innopoints.registry.models import Enterprise
from innopoints.scoring.explain import deduction_taken, explain, lines_in_scope
from innopoints.scoring.models import LARGE_RUN_FIELDS, Result
from innopoints.site.formats import score_band

BOARD_RUN_LARGE = tuple(f"board__{f}" for f in LARGE_RUN_FIELDS)

MAX_ID = 2**63 - 1
MAX_PAGE = 100_000


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.errors, self.headers = status, message, errors, headers


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <prefix>.<secret>``; then the token's rate limit."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        # the API acts for the token's institution only, never for a browser session
        request.user = AnonymousUser()
        found = tokens.check(token)
        if found.token is None or found.reason:
            if found.token is not None:  # a real token misused: worth a log entry
                record(
                    "login_failed",
                    obj=found.token,
                    actor=None,
                    summary=f"接口令牌认证失败（{found.reason}）：{found.token.institution}"
                    f"，令牌 {found.token.prefix}",
                    request=request,
                )
            return None
        allowance = tokens.take(found.token)
        if not allowance.allowed:
            if allowance.count == allowance.limit + 1:  # the first refusal of the window
                record(
                    "other",
                    obj=found.token,
                    summary=f"接口调用超出频率限制（每分钟 {allowance.limit} 次）："
                    f"{found.token.institution}，令牌 {found.token.prefix}",
                    request=request,
                )
            raise ApiError(
                429,
                _("请求过于频繁：每个令牌每分钟最多 %(n)d 次，请 %(s)d 秒后重试")
                % {"n": allowance.limit, "s": allowance.retry_after},
                headers={"Retry-After": str(allowance.retry_after)},
            )
        tokens.touch(found.token)
        request.principal = tokens.TokenPrincipal(found.token)  # type: ignore[attr-defined]
        return found.token


api = NinjaAPI(
    title="创新积分平台 · 金融机构接口",
    version="1",
    description=(
        "Lists sent to the institution, authorised enterprises' published scores and financing "
        "records. Authentication: `Authorization: Bearer <prefix>.<secret>` (a token of the "
        "institution, made in 金融端 → 接口令牌). Every call is audited. See docs/api.md."
    ),
    auth=TokenAuth(),
    urls_namespace="api-v1",
    docs=Swagger(),  # assets from the platform's static files (ninja in INSTALLED_APPS)
    docs_url="/docs",
)

ERRORS: dict[int, Any] = {401: s.ErrorOut, 403: s.ErrorOut, 404: s.ErrorOut, 422: s.ErrorOut}
ERRORS[429] = s.ErrorOut
WRITE_ERRORS = {**ERRORS, 400: s.ErrorOut}


def _error(
    request: HttpRequest,
    status: int,
    message: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"message": message}
    if errors is not None:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _error(request, exc.status, exc.message, exc.errors, exc.headers)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        _("未认证：请在 Authorization 头中提供有效的令牌（Bearer <前缀>.<密钥>）"),
        headers={"WWW-Authenticate": 'Bearer realm="innopoints"'},
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        loc = [str(p) for p in item.get("loc", ()) if p not in {"body", "payload"}]
        errors.setdefault(".".join(loc) or "request", []).append(str(item.get("msg", "")))
    return _error(
        request, 422, _("请求内容无效：%(fields)s") % {"fields": "、".join(errors)}, errors
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc.message))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, _("未找到"))


# -- helpers --------------------------------------------------------------------------------


def _caller(request: HttpRequest) -> tokens.TokenPrincipal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _audit(
    request: HttpRequest,
    action: str,
    what: str,
    *,
    obj: Any = None,
    enterprise: Any = None,
    changes: dict[str, Any] | None = None,
    object_type: str | None = None,
    object_repr: str | None = None,
) -> None:
    token = _caller(request).token
    record(
        action,
        obj=obj,
        enterprise=enterprise,
        changes=changes,
        actor=None,
        object_type=object_type,
        object_repr=object_repr,
        summary=f"接口 {request.method} {request.path}：{what}"
        f"（{token.institution.name}，令牌 {token.prefix}）",
        request=request,
    )


def _refuse(
    request: HttpRequest, status: int, message: str, action: str, enterprise: Any = None
) -> ApiError:
    _audit(
        request,
        action,
        _("拒绝（%(status)d）：%(m)s") % {"status": status, "m": message},
        enterprise=enterprise,
    )
    return ApiError(status, message)


def _page(items: Any, page: int, page_size: int) -> tuple[int, Any]:
    count = items.count() if hasattr(items, "count") and not isinstance(items, list) else len(items)
    start = (page - 1) * page_size
    return count, items[start : start + page_size]


def _deduction(result: Result) -> float | None:
    """The points a result's deduction indicators took; None for a scheme without them."""
    scheme = result.run.scheme_version.scheme()
    return deduction_taken(scheme, result) if scheme.deductions else None


def _num(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _enterprise(request: HttpRequest, credit_code: str, action: str) -> Enterprise:
    enterprise = Enterprise.objects.select_related("region").filter(credit_code=credit_code).first()
    if enterprise is None:
        raise _refuse(request, 404, _("未找到该统一社会信用代码的企业"), action)
    return enterprise


def _list_out(dispatch: Dispatch) -> dict[str, Any]:
    board = dispatch.board
    return {
        "id": dispatch.pk,
        "title": board.title,
        "kind": board.kind,
        "period": board.run.period,
        "published_at": board.published_at,
        "sent_at": dispatch.sent_at,
        "note": dispatch.note,
    }


PageNo = Query(1, ge=1, le=MAX_PAGE, description="1-based page number")
PageSize = Query(50, ge=1, le=500, description="rows per page (≤ 500)")


# -- lists ----------------------------------------------------------------------------------


@api.get("/lists", response={200: s.ListPage, **ERRORS}, summary="Lists sent to the institution")
def lists(request: HttpRequest, page: int = PageNo, page_size: int = PageSize) -> dict[str, Any]:
    """Published 积分榜 sent to the token's institution, newest first."""
    institution = _caller(request).institution
    dispatches = (
        Dispatch.objects.filter(institution=institution, board__status="published")
        .select_related("board__run")
        .defer(*BOARD_RUN_LARGE)
    )
    count, chunk = _page(dispatches, page, page_size)
    _audit(request, "view", _("查看收到的推荐名单目录"), object_type="applications.dispatch")
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [_list_out(d) for d in chunk],
    }


@api.get(
    "/lists/{list_id}",
    response={200: s.EntryPage, **ERRORS},
    summary="One list's rows: name, tier, score band",
)
def list_entries(
    request: HttpRequest,
    list_id: int = Path(..., ge=1, le=MAX_ID),
    page: int = PageNo,
    page_size: int = PageSize,
) -> dict[str, Any]:
    """Rows in the list's order; no credit code, no exact score. Another institution's list,
    or one not published, answers 404."""
    principal = _caller(request)
    dispatch = (
        Dispatch.objects.select_related("board__run")
        .defer(*BOARD_RUN_LARGE)
        .filter(pk=list_id, institution=principal.institution, board__status="published")
        .first()
    )
    if dispatch is None:
        raise _refuse(request, 404, _("未找到发送给本机构的该名单"), "export")
    if not principal.has_perm("analysis.view_board", dispatch.board):
        raise _refuse(request, 403, _("无权查看该名单"), "export")
    rows = [
        {
            "name": str(row.get("name") or ""),
            "tier": row.get("tier_after", row.get("tier")) or None,
            "band": score_band(row.get("total_after", row.get("total"))),
        }
        for row in boards.entries(dispatch.board)
    ]
    count, chunk = _page(rows, page, page_size)
    _audit(
        request,
        "export",
        _("导出推荐名单第 %(page)d 页（%(n)d 家企业，仅名称、档次、分数段）")
        % {"page": page, "n": len(chunk)},
        obj=dispatch.board,
    )
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "list": _list_out(dispatch),
        "items": chunk,
    }


# -- enterprises ----------------------------------------------------------------------------


@api.get(
    "/authorisations",
    response={200: s.AuthorisationPage, **ERRORS},
    summary="Enterprises whose authorisation to the institution is active",
)
def authorisations(
    request: HttpRequest, page: int = PageNo, page_size: int = PageSize
) -> dict[str, Any]:
    institution = _caller(request).institution
    grants = Authorisation.objects.of_institution_newest_first(institution, timezone.localdate())
    count, chunk = _page(grants, page, page_size)
    _audit(request, "view", _("查看授权本机构的企业目录"), object_type="collection.authorisation")
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [
            {
                "credit_code": g.enterprise.credit_code,
                "name": g.enterprise.name,
                "scope": list(g.scope or []),
                "valid_from": g.valid_from,
                "valid_to": g.valid_to,
            }
            for g in chunk
        ],
    }


@api.get(
    "/enterprises/{credit_code}",
    response={200: s.EnterpriseScoreOut, **ERRORS},
    summary="An authorised enterprise's published score and breakdown",
)
def enterprise_score(
    request: HttpRequest, credit_code: str = Path(..., pattern=s.CREDIT_CODE)
) -> dict[str, Any]:
    """Only while the enterprise's authorisation to the institution is active (403 otherwise;
    404 for an unknown code); the breakdown holds only the indicators in its scope."""
    principal = _caller(request)
    enterprise = _enterprise(request, credit_code, "view")
    if not principal.has_perm("registry.view_enterprise_file", enterprise):
        raise _refuse(
            request, 403, _("该企业未授权本机构查看（或授权已撤销、已过期）"), "view", enterprise
        )
    grant = access.active_authorisation(principal.institution, enterprise)
    allowed = access.authorised_scope(principal, enterprise) or set()
    result = published_result(enterprise)
    lines: list[dict[str, Any]] = []
    if result is not None:
        for line in lines_in_scope(explain(result).lines, allowed):
            lines.append(
                {
                    "code": line.code,
                    "name": str(line.name),
                    "category": str(line.category),
                    "value": _num(line.raw if line.raw is not None else line.value),
                    "points": _num(line.points),
                    "weight": _num(line.weight),
                    "sources": sorted({str(f.source) for f in line.facts}),
                }
            )
    _audit(
        request,
        "view",
        _("查看企业积分与明细（授权范围：%(scope)s）")
        % {"scope": "、".join(sorted(allowed)) or _("全部")},
        obj=enterprise,
        enterprise=enterprise,
    )
    return {
        "credit_code": enterprise.credit_code,
        "name": enterprise.name,
        "scope": sorted(allowed),
        "authorised_until": grant.valid_to if grant is not None else None,
        "published": result is not None,
        "result": None
        if result is None
        else {
            "period": result.run.period,
            "total": _num(result.total),
            "base": _num(result.base),
            "bonus": _num(result.bonus),
            "tier": result.tier,
            "rank": result.rank,
            "stage": result.stage,
            "vetoed": result.vetoed,
            "coverage": _num(result.coverage),
            "deduction": _deduction(result),
        },
        "breakdown": lines,
    }


# -- financing records ----------------------------------------------------------------------


def _messages(error: ModelValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("request" if k == "__all__" else k): [str(m) for m in v]
            for k, v in error.message_dict.items()
        }
    return {"request": [str(m) for m in error.messages]}


def _save(record_: Financing) -> None:
    try:
        record_.full_clean()
    except ModelValidationError as error:
        errors = _messages(error)
        raise ApiError(
            422,
            _("融资记录无效：%(m)s") % {"m": "；".join(m for ms in errors.values() for m in ms)},
            errors,
        ) from error
    record_.save()
    record_.refresh_from_db()  # the stored values (decimals as the column keeps them)


def _own_record(request: HttpRequest, pk: int, action: str) -> Financing:
    principal = _caller(request)
    found = (
        Financing.objects.select_related("enterprise")
        .filter(pk=pk, institution=principal.institution)
        .first()
    )
    if found is None:
        raise _refuse(request, 404, _("未找到本机构的该融资记录"), action)
    if not principal.has_perm("applications.update_financing", found):
        raise _refuse(request, 403, _("无权修改该融资记录"), action, found.enterprise)
    return found


@api.get("/financings", response={200: s.FinancingPage, **ERRORS}, summary="Own records")
def financings(
    request: HttpRequest, page: int = PageNo, page_size: int = PageSize
) -> dict[str, Any]:
    institution = _caller(request).institution
    records = Financing.objects.filter(institution=institution).select_related("enterprise")
    count, chunk = _page(records, page, page_size)
    _audit(request, "view", _("查看本机构的融资记录"), object_type="applications.financing")
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [s.financing_out(r) for r in chunk],
    }


@api.get(
    "/financings/{financing_id}",
    response={200: s.FinancingOut, **ERRORS},
    summary="One of the institution's financing records",
)
def financing(
    request: HttpRequest, financing_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    found = _own_record(request, financing_id, "view")
    _audit(request, "view", _("查看融资记录"), obj=found)
    return s.financing_out(found)


@api.post(
    "/financings",
    response={201: s.FinancingOut, **WRITE_ERRORS},
    summary="Record a financing application of an authorised enterprise",
)
def financing_create(request: HttpRequest, payload: s.FinancingIn) -> Status[dict[str, Any]]:
    """Same validation as the portal's form (``Financing.clean``): an approved (or later)
    status needs an amount and a decision date, the decision cannot precede the application,
    the guarantee share lies within 0–100. Only for an enterprise whose authorisation to the
    institution is active."""
    principal = _caller(request)
    enterprise = _enterprise(request, payload.credit_code, "create")
    if not principal.has_perm("applications.record_financing", enterprise):
        raise _refuse(
            request, 403, _("该企业未授权本机构（或授权已撤销、已过期）"), "create", enterprise
        )
    fields = payload.model_dump(exclude={"credit_code"})
    created = Financing(
        enterprise=enterprise,
        institution=principal.institution,
        recorded_by=principal.token.created_by,
        **fields,
    )
    with transaction.atomic():
        _save(created)
        Message.objects.create(
            enterprise=enterprise,
            kind="financing",
            subject=_("%(institution)s 记录了您的融资申请：%(status)s")
            % {"institution": created.institution, "status": created.get_status_display()},
        )
    _audit(
        request,
        "create",
        _("记录融资申请（%(status)s）") % {"status": created.get_status_display()},
        obj=created,
        changes={k: [None, v] for k, v in fields.items() if v not in (None, "")},
    )
    return Status(201, s.financing_out(created))


@api.patch(
    "/financings/{financing_id}",
    response={200: s.FinancingOut, **WRITE_ERRORS},
    summary="Update the outcome of one of the institution's financing records",
)
def financing_update(
    request: HttpRequest,
    payload: s.FinancingPatch,
    financing_id: int = Path(..., ge=1, le=MAX_ID),
) -> dict[str, Any]:
    """Only the fields sent change (status, amount, rate, term, guarantee share, dates, note);
    the whole record is validated as in the portal."""
    found = _own_record(request, financing_id, "update")
    sent = payload.model_dump(exclude_unset=True)
    before = {k: getattr(found, k) for k in sent}
    for key, value in sent.items():
        setattr(found, key, value)
    with transaction.atomic():
        _save(found)
    _audit(
        request,
        "update",
        _("更新融资记录（%(status)s）") % {"status": found.get_status_display()},
        obj=found,
        changes={k: [before[k], v] for k, v in sent.items() if before[k] != v},
    )
    return s.financing_out(found)


# financing applications (lending's endpoints, in their own module)
api.add_router("", lending_router)
