"""Request and response bodies of the institution API (typed; published in the OpenAPI
description)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import BeforeValidator, WithJsonSchema, field_validator

from innopoints.applications.models import Financing

# same values as Financing.Status / Financing.Kind (a test keeps them equal)
FinancingStatus = Literal[
    "applied", "approved", "rejected", "disbursed", "repaid", "overdue", "defaulted"
]
FinancingKind = Literal["loan", "investment", "guarantee", "insurance"]
CREDIT_CODE = r"^[0-9A-Z]{18}$"


class ErrorOut(Schema):
    message: str = Field(..., description="what went wrong, in words")
    errors: dict[str, list[str]] | None = Field(
        None, description="field → messages (validation errors only)"
    )


class PageMeta(Schema):
    count: int = Field(..., description="rows in all pages")
    page: int
    page_size: int


class ListOut(Schema):
    id: int = Field(..., description="the list's number (of its dispatch to this institution)")
    title: str
    kind: str = Field(..., description="overall, industry, stage or risers")
    period: str = Field(..., description="data period of the scoring run")
    published_at: dt.datetime | None
    sent_at: dt.datetime
    note: str


class ListPage(PageMeta):
    items: list[ListOut]


class EntryOut(Schema):
    name: str = Field(..., description="enterprise name")
    tier: str | None = Field(None, description="档次")
    band: str = Field(..., description="score band, e.g. 70–80 (never the exact score)")


class EntryPage(PageMeta):
    list: ListOut
    items: list[EntryOut] = Field(..., description="in the list's order")


class AuthorisationOut(Schema):
    credit_code: str
    name: str
    scope: list[str] = Field(
        ..., description="indicator codes the enterprise lets you see; [] = all"
    )
    valid_from: dt.date
    valid_to: dt.date | None


class AuthorisationPage(PageMeta):
    items: list[AuthorisationOut]


class ResultOut(Schema):
    period: str
    total: float | None
    base: float | None
    bonus: float | None
    tier: str
    rank: int | None
    stage: str
    vetoed: bool
    coverage: float | None = Field(
        None,
        description="share (0–1) of the stage's weight carried by indicators with a usable "
        "value (data coverage); null for runs stored before it was kept",
    )
    deduction: float | None = Field(
        None,
        description="points taken by deduction indicators (积分扣减); null: none in the scheme",
    )


class IndicatorOut(Schema):
    code: str
    name: str
    category: str
    value: float | None = Field(None, description="the value the run used (raw when stored)")
    points: float | None
    weight: float | None
    sources: list[str]


class EnterpriseScoreOut(Schema):
    credit_code: str
    name: str
    scope: list[str] = Field(..., description="the authorisation's indicator codes; [] = all")
    authorised_until: dt.date | None
    published: bool = Field(..., description="false while no published run scored it")
    result: ResultOut | None
    breakdown: list[IndicatorOut] = Field(..., description="indicators within the scope only")


_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def date_text(value: Any) -> Any:
    """A date as the schema publishes it: YYYY-MM-DD text (pydantic would also read a number,
    or digits as text, as seconds since 1970, and a date-time at midnight as its date)."""
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or _DATE_TEXT.fullmatch(value) is None:
        raise ValueError("日期须写作 YYYY-MM-DD")
    return value


def no_nul(value: Any) -> Any:
    """Text the database can store: PostgreSQL text holds no NUL (a 422, never a 500)."""
    return _no_nul(value)


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("不能包含空字符（NUL）")
    return value


def _decimal(
    whole: int, places: int, maximum: str, unit: str, *, schema_pattern: str | None = None
) -> Any:
    """A decimal field as the OpenAPI description states it, and as it is accepted: a JSON
    number in [0, maximum] with at most ``places`` decimals, or decimal text (at most
    ``whole`` digits, optional point and at most ``places`` decimals; no sign, exponent or
    spaces). ``schema_pattern`` (when the range is checked later, by the model) states the
    range in the pattern too; ``maximum`` is then not checked here."""
    pattern = rf"^[0-9]{{1,{whole}}}(\.[0-9]{{1,{places}}})?$"

    def text_form(value: Any) -> Any:
        if isinstance(value, str) and re.fullmatch(pattern, value) is None:
            raise ValueError(
                _("须为非负数，整数部分最多 %(whole)s 位，最多 %(places)s 位小数（如 “12.5”）")
                % {"whole": whole, "places": places}
            )
        return value

    schema = {
        "anyOf": [
            {"type": "number", "minimum": 0, "maximum": float(maximum)},
            {"type": "string", "pattern": schema_pattern or pattern},
        ],
        "description": f"{unit}; a number or decimal text, at most {places} decimals",
    }
    limits: dict[str, Any] = {"max_digits": whole + places, "decimal_places": places, "ge": 0}
    if schema_pattern is None:
        limits["le"] = Decimal(maximum)
    return Annotated[Decimal, BeforeValidator(text_form), Field(**limits), WithJsonSchema(schema)]


Amount = _decimal(10, 2, "9999999999.99", "万元")
Rate = _decimal(3, 3, "999.999", "annual %")
Share = _decimal(3, 2, "100", "%", schema_pattern=r"^(100(\.00?)?|[0-9]{1,2}(\.[0-9]{1,2})?)$")
"""The guarantee share's 0–100 is checked by Financing.clean (its message names the range)."""


def _absent_is_not_null(schema: dict[str, Any]) -> None:
    """An optional PATCH field that may be left out but never sent as null."""
    schema.pop("default", None)


class FinancingOut(Schema):
    id: int
    credit_code: str
    enterprise_name: str
    kind: str
    product: str
    applied_on: dt.date
    amount_requested: str | None = Field(None, description="万元, decimal text")
    status: str
    amount: str | None = Field(None, description="万元, decimal text")
    rate: str | None = Field(None, description="annual %, decimal text")
    term_months: int | None
    guarantee_share: str | None = Field(None, description="%, decimal text")
    decided_on: dt.date | None
    disbursed_on: dt.date | None
    note: str
    created_at: dt.datetime


class FinancingPage(PageMeta):
    items: list[FinancingOut]


class FinancingIn(Schema):
    credit_code: str = Field(..., pattern=CREDIT_CODE, description="the enterprise's code")
    kind: FinancingKind = "loan"
    product: str = Field("", max_length=120)
    applied_on: dt.date
    amount_requested: Amount | None = None
    status: FinancingStatus = "applied"
    amount: Amount | None = None
    rate: Rate | None = None
    term_months: int | None = Field(None, ge=0, le=32767, strict=True)
    guarantee_share: Share | None = None
    decided_on: dt.date | None = None
    disbursed_on: dt.date | None = None
    note: str = Field("", max_length=2000)

    _strings = field_validator("product", "note", "credit_code")(_no_nul)
    _dates = field_validator("applied_on", "decided_on", "disbursed_on", mode="before")(date_text)


class FinancingPatch(Schema):
    """Only the fields sent are changed; null empties an optional field (amount, rate, term,
    guarantee share, dates). ``status`` and ``note`` may be left out but not sent as null."""

    # the None defaults only mark "not sent" (exclude_unset); a null sent is refused
    status: FinancingStatus = Field(None, json_schema_extra=_absent_is_not_null)  # type: ignore[assignment]
    amount: Amount | None = None
    rate: Rate | None = None
    term_months: int | None = Field(None, ge=0, le=32767, strict=True)
    guarantee_share: Share | None = None
    decided_on: dt.date | None = None
    disbursed_on: dt.date | None = None
    note: str = Field(None, max_length=2000, json_schema_extra=_absent_is_not_null)  # type: ignore[assignment]

    _strings = field_validator("note")(_no_nul)
    _dates = field_validator("decided_on", "disbursed_on", mode="before")(date_text)


def financing_out(record: Financing) -> dict[str, Any]:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "id": record.pk,
        "credit_code": record.enterprise.credit_code,
        "enterprise_name": record.enterprise.name,
        "kind": record.kind,
        "product": record.product,
        "applied_on": record.applied_on,
        "amount_requested": text(record.amount_requested),
        "status": record.status,
        "amount": text(record.amount),
        "rate": text(record.rate),
        "term_months": record.term_months,
        "guarantee_share": text(record.guarantee_share),
        "decided_on": record.decided_on,
        "disbursed_on": record.disbursed_on,
        "note": record.note,
        "created_at": record.created_at,
    }
