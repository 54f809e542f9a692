"""科技创新再贷款 eligibility per loan (seed 004): a loan of at least one year, for flexible use
(as the bank stated when filing it), to a 科技型中小企业 holding the qualification in the year
of disbursement. The report for the central-bank branch goes through the one export writer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _

from innopoints.applications.models import Financing
from innopoints.core.exports import table_response
from innopoints.programmes.pool import GRANTED
from innopoints.registry.models import Qualification, held_in

MIN_TERM_MONTHS = 12


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    reasons: list[str]


def verdict(financing: Financing) -> Verdict:
    reasons: list[str] = []
    if financing.kind != Financing.Kind.LOAN or financing.status not in GRANTED:
        reasons.append(_("不是已放款的贷款"))
    if (financing.term_months or 0) < MIN_TERM_MONTHS:
        reasons.append(_("贷款期限不足 1 年"))
    if not financing.filings.filter(flexible_use=True).exists():
        reasons.append(_("未申报为灵活用途贷款"))
    year = (financing.disbursed_on or financing.applied_on).year
    if not Qualification.objects.filter(
        held_in(year), enterprise_id=financing.enterprise_id, kind="sme"
    ).exists():
        reasons.append(_("企业在放款年度不是科技型中小企业"))
    return Verdict(not reasons, reasons)


def loans(records: QuerySet[Financing]) -> QuerySet[Financing]:
    return records.filter(kind=Financing.Kind.LOAN, status__in=GRANTED).select_related(
        "enterprise", "institution"
    )


def report_rows(records: QuerySet[Financing]) -> list[list[Any]]:
    rows = []
    for financing in loans(records).order_by("disbursed_on", "pk"):
        found = verdict(financing)
        rows.append(
            [
                financing.institution.name,
                financing.enterprise.name,
                financing.enterprise.credit_code,
                financing.amount,
                financing.term_months,
                financing.rate,
                financing.disbursed_on,
                _("是") if found.eligible else _("否"),
                "；".join(found.reasons),
            ]
        )
    return rows


def report(records: QuerySet[Financing]) -> FileResponse:
    headers = [
        _("金融机构"),
        _("企业名称"),
        _("统一社会信用代码"),
        _("贷款金额（万元）"),
        _("期限（月）"),
        _("年利率（%）"),
        _("放款日期"),
        _("符合再贷款条件"),
        _("不符合的原因"),
    ]
    return table_response("relending.xlsx", _("科技创新再贷款"), headers, report_rows(records))
