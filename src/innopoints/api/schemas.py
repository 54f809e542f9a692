"""Request and response bodies of the institution API (typed; published in the OpenAPI
description)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import field_validator, model_validator

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


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("不能包含空字符（NUL）")
    return value


AMOUNT = {"max_digits": 12, "decimal_places": 2, "ge": 0}


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
    amount_requested: Decimal | None = Field(None, **AMOUNT)  # type: ignore[arg-type]
    status: FinancingStatus = "applied"
    amount: Decimal | None = Field(None, **AMOUNT)  # type: ignore[arg-type]
    rate: Decimal | None = Field(None, max_digits=6, decimal_places=3, ge=0)
    term_months: int | None = Field(None, ge=0, le=32767)
    guarantee_share: Decimal | None = Field(None, max_digits=5, decimal_places=2)
    decided_on: dt.date | None = None
    disbursed_on: dt.date | None = None
    note: str = Field("", max_length=2000)

    _strings = field_validator("product", "note", "credit_code")(_no_nul)


class FinancingPatch(Schema):
    """Only the fields sent are changed; null empties an optional field."""

    status: FinancingStatus | None = None
    amount: Decimal | None = Field(None, **AMOUNT)  # type: ignore[arg-type]
    rate: Decimal | None = Field(None, max_digits=6, decimal_places=3, ge=0)
    term_months: int | None = Field(None, ge=0, le=32767)
    guarantee_share: Decimal | None = Field(None, max_digits=5, decimal_places=2)
    decided_on: dt.date | None = None
    disbursed_on: dt.date | None = None
    note: str | None = Field(None, max_length=2000)

    _strings = field_validator("note")(_no_nul)

    @model_validator(mode="after")
    def _required_stay_set(self) -> FinancingPatch:
        for name in ("status", "note"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} 不能为空")
        return self


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
