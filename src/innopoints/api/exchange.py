"""The data exchange for source departments (/api/v1/exchange/batches): a data source's token
delivers one batch — JSON rows or a CSV body — for one period under the source's own batch key,
and gets a receipt. The batch goes through the file import (``collection.importing``): the same
all-or-nothing validation, the same row-level problems, the same provenance (source, batch,
time) plus the token that delivered it. The same key with the same content answers the first
receipt again; with other content, 409."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from typing import Any

from django.db import IntegrityError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import ValidationError as SchemaError

from innopoints.api.api import ApiError, TokenAuth, api
from innopoints.api.models import ApiToken
from innopoints.api.schemas import BodyIn, ErrorOut
from innopoints.audit.log import record
from innopoints.collection import messages
from innopoints.collection.importing import ImportRefused, import_file
from innopoints.collection.models import DataSource, DeliveryAttempt, ImportBatch
from innopoints.collection.upload_limits import limits, size_problem
from innopoints.site.names import region_name
from innopoints.targets import deliveries

KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
PERIOD_PATTERN = r"^[0-9A-Za-z-]{4,16}$"  # then checked by the import (a year, 2025H1, …)
READ_CHUNK = 1 << 20


class SourceTokenAuth(TokenAuth):
    """A data source's token (an institution's token answers 403)."""

    holder = "source"


router = Router(tags=["exchange"], auth=SourceTokenAuth())


class ProblemOut(Schema):
    row: int | None = Field(
        None, description="1-based position of the row in the batch; null for the whole batch"
    )
    column: str | None = Field(None, description="the column (letter and field) concerned")
    message: str


class ReceiptOut(Schema):
    status: str = Field(..., description="`imported` or `refused`")
    batch_key: str
    source: str = Field(..., description="the source's code")
    period: str
    replayed: bool = Field(False, description="true: the first receipt of this batch key, again")
    batch_id: int | None = None
    received_at: str | None = None
    sha256: str | None = Field(None, description="digest of the batch as imported (CSV)")
    rows: int = 0
    values: int = 0
    new_enterprises: int = 0
    findings: int = 0


class RefusedOut(Schema):
    """422: the batch refused by the import (``status: refused``, every problem with its row
    and column; nothing stored), or a request not in the documented form (``errors`` by
    parameter)."""

    message: str
    errors: dict[str, list[str]] | None = None
    status: str | None = Field(None, description="`refused` when the import refused the batch")
    batch_key: str | None = None
    source: str | None = None
    period: str | None = None
    problems: list[ProblemOut] = []


class BatchMeta(BodyIn):
    period: str = Field(..., pattern=PERIOD_PATTERN, examples=["2025"])
    batch_key: str = Field(..., pattern=KEY_PATTERN, examples=["tax-2025-0001"])


class BatchIn(BatchMeta):
    """The JSON form of a batch (``Content-Type: application/json``)."""

    rows: list[dict[str, Any]] = Field(
        ...,
        description="one object per enterprise: `credit_code` and the source's own field codes "
        "(or their Chinese column headers) with their values",
        examples=[[{"credit_code": "91510100MA6XXXXXXX", "rd_expense": 1250.5}]],
    )


ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 409, 413, 415, 429), ErrorOut)

REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": BatchIn.model_json_schema()},
        "text/csv": {
            "schema": {"type": "string"},
            "example": "credit_code,rd_expense\n91510100MA6XXXXXXX,1250.5\n",
        },
    },
}


def _refusal(request: HttpRequest, token: ApiToken, status: int, message: str) -> ApiError:
    _audit(request, token, _("拒绝（%(status)d）：%(m)s") % {"status": status, "m": message})
    return ApiError(status, message)


def _audit(request: HttpRequest, token: ApiToken, what: str, batch: Any = None) -> None:
    record(
        "create" if batch is not None else "other",
        obj=batch,
        actor=None,
        object_type=None if batch is not None else "collection.importbatch",
        summary=f"接口 {request.method} {request.path}：{what}"
        f"（{token.holder}，令牌 {token.prefix}）",
        request=request,
    )


def _read_body(request: HttpRequest, token: ApiToken) -> bytes:
    """The body, bounded by the file upload's size limit before a byte is read, and read once
    (the only copy the request holds)."""
    if getattr(request, "_body", None) is not None:  # already read by someone
        body: bytes = request.body
        length = len(body)
    else:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        body = b""
    if length < 0:
        raise _refusal(request, token, 400, _("Content-Length 无效"))
    too_big = size_problem(length)
    if too_big is not None:
        raise _refusal(request, token, 413, too_big)
    if body or length == 0:
        return body
    buffer = bytearray()
    while len(buffer) < length:
        chunk = request.read(min(READ_CHUNK, length - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    return bytes(buffer)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)  # refused by the import as not a value


def _json_batch(request: HttpRequest, token: ApiToken, body: bytes) -> tuple[str, str, bytes]:
    """(period, batch key, the rows as a CSV file). The body is let go once parsed and each
    parsed row once written (the caller passes the body without keeping it), so the batch is
    held about once; the rows are checked in place, not copied into a model."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _refusal(request, token, 400, _("JSON 无法解析：%(e)s") % {"e": error}) from None
    del body
    if not isinstance(data, dict):
        raise ValidationError([{"loc": ("body",), "msg": "expected a JSON object"}])
    rows = data.pop("rows", None)
    try:
        meta = BatchMeta.model_validate(data)
    except SchemaError as error:  # answered in the API's own 422 shape
        raise ValidationError(list(error.errors())) from None
    del data
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValidationError([{"loc": ("rows",), "msg": "expected a list of JSON objects"}])
    headers: dict[str, None] = {}
    for row in rows:
        headers.update(dict.fromkeys(row))
    cells = len(rows) * max(len(headers), 1)
    if cells > limits().max_cells:
        raise _refusal(
            request,
            token,
            413,
            _("批次共 %(cells)s 个单元格，超过上限 %(limit)s；请拆分后分批报送")
            % {"cells": f"{cells:,}", "limit": f"{limits().max_cells:,}"},
        )
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\n")
    columns = [str(c) for c in headers]
    writer.writerow(columns)
    for index, row in enumerate(rows):
        writer.writerow([_cell(row.get(c)) for c in columns])
        rows[index] = None  # written: let it go
    text.flush()
    text.detach()
    return meta.period, meta.batch_key, buffer.getvalue()


def _checked(request: HttpRequest, token: ApiToken, name: str, value: str | None) -> str:
    pattern = KEY_PATTERN if name == "batch_key" else PERIOD_PATTERN
    if not value or not re.match(pattern, value):
        raise ApiError(
            422,
            _("请求内容无效：%(fields)s") % {"fields": name},
            {name: [_("缺少或格式不符（%(p)s）") % {"p": pattern}]},
        )
    return value


def _receipt(batch: ImportBatch, replayed: bool) -> dict[str, Any]:
    return {
        "status": "imported",
        "batch_key": batch.batch_key,
        "source": batch.source.code,
        "period": batch.period,
        "replayed": replayed,
        "batch_id": batch.pk,
        "received_at": timezone.localtime(batch.imported_at).isoformat(),
        "sha256": batch.sha256,
        "rows": batch.n_rows,
        "values": batch.n_values,
        "new_enterprises": batch.n_new_enterprises,
        "findings": batch.n_findings,
    }


def _earlier(
    request: HttpRequest, token: ApiToken, source: DataSource, key: str, period: str, digest: str
) -> dict[str, Any] | None:
    """The first receipt of ``key`` when the content is the same; 409 when it is not."""
    batch = ImportBatch.objects.select_related("source").filter(source=source, batch_key=key)
    found = batch.first()
    if found is None:
        return None
    if found.sha256 != digest or found.period != period:
        raise _refusal(
            request,
            token,
            409,
            _("批次号 %(key)s 已于 %(when)s 报送过不同的内容；新的内容请用新的批次号")
            % {"key": key, "when": f"{timezone.localtime(found.imported_at):%Y-%m-%d %H:%M}"},
        )
    return _receipt(found, replayed=True)


@router.post(
    "/batches",
    response={200: ReceiptOut, 201: ReceiptOut, 422: RefusedOut, **ERRORS},
    summary="Deliver one batch of a source's data (JSON rows or CSV)",
    openapi_extra={"requestBody": REQUEST_BODY},
)
def deliver(
    request: HttpRequest,
    period: str | None = Query(
        None, description="CSV body: the data period (2025, 2025H1); JSON: in the body"
    ),
    batch_key: str | None = Query(
        None, description="CSV body: the source's own batch key; JSON: in the body"
    ),
) -> Status[dict[str, Any]]:
    """A data source's token delivers the values of its own fields for one period.

    * `Content-Type: application/json` — `{"period", "batch_key", "rows": [{"credit_code", <field
      code or Chinese header>: value, …}]}`;
    * `Content-Type: text/csv` — the file the source would upload (UTF-8 or GB18030), with
      `?period=&batch_key=`.

    The batch is checked exactly as an uploaded file: every problem refuses all of it
    (**422**, a receipt with `status: refused` and each problem's row and column) and nothing
    is stored. A field the source does not deliver is such a problem, naming the field. The
    same `batch_key` with the same content answers the first receipt again (**200**,
    `replayed: true`); with other content **409**. Imported: **201** with the receipt. An
    institution's token answers **403**; a body beyond the upload limits **413**."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    source = token.source
    assert source is not None  # SourceTokenAuth lets only a source's token through
    kind = (request.content_type or "").lower()
    if kind not in {"application/json", "text/csv"}:
        raise _refusal(request, token, 415, _("只接受 application/json 或 text/csv 格式的请求体"))
    if kind == "application/json":  # the body passed on, not kept here (held once)
        period, key, content = _json_batch(request, token, _read_body(request, token))
    else:
        period = _checked(request, token, "period", period)
        key = _checked(request, token, "batch_key", batch_key)
        content = _read_body(request, token)
    digest = hashlib.sha256(content).hexdigest()
    again = _earlier(request, token, source, key, period, digest)
    if again is not None:
        _audit(request, token, _("重复报送批次 %(key)s，返回首次回执") % {"key": key})
        return Status(200, again)
    try:
        outcome = import_file(
            source,
            period,
            f"{source.code}-{key}.csv",
            content,
            batch_key=key,
            token=token,
        )
    except ImportRefused as refused:
        problems = [
            {
                "row": p.row - 1 if p.row is not None and p.row > 1 else None,
                "column": p.column or None,
                "message": messages.reason(p.reason),
            }
            for p in refused.problems
        ]
        _audit(
            request,
            token,
            _("批次 %(key)s 被拒收（%(n)d 个问题），未写入任何数据")
            % {"key": key, "n": len(problems)},
        )
        DeliveryAttempt.objects.create(
            source=source,
            period=period,
            channel="api",
            outcome="refused",
            token=token,
            batch_key=key,
            sha256=digest,
            message=_("批次 %(key)s 被拒收（%(n)d 个问题），未写入任何数据")
            % {"key": key, "n": len(problems)},
            problems=problems[:200],
        )
        return Status(
            422,
            {
                "message": _("批次 %(key)s 被拒收（%(n)d 个问题），未写入任何数据")
                % {"key": key, "n": len(problems)},
                "status": "refused",
                "batch_key": key,
                "source": source.code,
                "period": period,
                "problems": problems,
            },
        )
    except IntegrityError:  # the same key (or content) stored meanwhile by a parallel request
        again = _earlier(request, token, source, key, period, digest)
        if again is None:
            raise
        return Status(200, again)
    _audit(
        request,
        token,
        _("报送批次 %(key)s：%(rows)d 行，%(values)d 个数值")
        % {"key": key, "rows": outcome.n_rows, "values": outcome.n_values},
        batch=outcome.batch,
    )
    DeliveryAttempt.objects.create(
        source=source,
        period=period,
        channel="api",
        outcome="imported",
        token=token,
        batch=outcome.batch,
        batch_key=key,
        sha256=digest,
        message=_("报送批次 %(key)s：%(rows)d 行，%(values)d 个数值")
        % {"key": key, "rows": outcome.n_rows, "values": outcome.n_values},
    )
    return Status(201, _receipt(outcome.batch, replayed=False))


class DivisionStatusOut(Schema):
    division: str = Field(..., description="the division's code (行政区划代码)")
    division_name: str
    due_on: str = Field(..., description="the due day, YYYY-MM-DD")
    status: str = Field(..., description="`expected`, `received`, `late`, `missing` or `refused`")
    status_label: str
    delivered_at: str | None = Field(None, description="first accepted batch for the division")
    days_late: int = 0


class AttemptOut(Schema):
    at: str
    channel: str = Field(..., description="`api` or `pull`")
    outcome: str = Field(..., description="`imported`, `replayed`, `refused` or `failed`")
    batch_key: str
    message: str


class StatusOut(Schema):
    """The delivery status of the token's own source for one period, by division (the same
    reading as the government's supervision board)."""

    source: str = Field(..., description="the source's code")
    source_name: str
    period: str
    counts: dict[str, int] = Field(..., description="divisions by status")
    divisions: list[DivisionStatusOut]
    attempts: list[AttemptOut] = Field(
        ..., description="the latest refused or pulled deliveries (at most 20), newest first"
    )


@router.get(
    "/status",
    response={200: StatusOut, 422: RefusedOut, **ERRORS},
    summary="The delivery status of the token's own source for a period",
)
def delivery_status(
    request: HttpRequest,
    period: str | None = Query(
        None,
        description="the data period (2025, 2025H1); default: last year",
        pattern=PERIOD_PATTERN,
    ),
) -> dict[str, Any]:
    """For each division the platform supervises (the province's cities): the day the source's
    data for the period are due there, and whether they came — `received` on time, `late`,
    `refused` (what came was refused whole: nothing stored), `missing` (due day passed) or
    `expected` (not yet due). Only the token's own source is ever reported."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    source = token.source
    assert source is not None
    period = period or deliveries.default_period()
    try:
        deliveries.default_due(period)
    except ValueError:
        raise ApiError(
            422, _("请求内容无效：%(fields)s") % {"fields": "period"}, {"period": [period]}
        ) from None
    board = deliveries.board(deliveries.platform_divisions(), period, sources=[source])
    cells = [cell for _division, row in board.rows() for cell in row]
    attempts = DeliveryAttempt.objects.filter(source=source, period=period).order_by("-at", "-pk")
    return {
        "source": source.code,
        "source_name": source.display_name,
        "period": period,
        "counts": board.counts(),
        "divisions": [
            {
                "division": cell.division.code,
                "division_name": region_name(cell.division.code),
                "due_on": cell.due_on.isoformat(),
                "status": cell.status,
                "status_label": cell.label,
                "delivered_at": timezone.localtime(cell.delivered_at).isoformat()
                if cell.delivered_at
                else None,
                "days_late": cell.days_late,
            }
            for cell in cells
        ],
        "attempts": [
            {
                "at": timezone.localtime(a.at).isoformat(),
                "channel": a.channel,
                "outcome": a.outcome,
                "batch_key": a.batch_key,
                "message": a.message,
            }
            for a in attempts[:20]
        ],
    }


# mounted when the app is ready (api/apps.py imports this module once), as api/programmes.py
api.add_router("/exchange", router)
