"""The state machine of a financing application (提交 → 受理 → 补充材料 ↔ 审批中 → 批准/拒绝 →
放款 → 结清/逾期/违约/代偿; 撤回 by the enterprise before the decision).

Every move goes through ``transition``: it checks the move against ``TRANSITIONS`` and the
actor's side (the bank of the application, the enterprise itself, or government for 代偿),
writes an ``ApplicationEvent``, sets the step's deadline from ``DEADLINES``, sends the other
side an inbox message and writes an audit entry — all in one transaction. Disbursement creates
the financing record (``applications.Financing``) from the approved terms and links it, so the
amount is never typed twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.accounts import scope
from innopoints.accounts.models import Role
from innopoints.applications.models import Financing, Match, Message, Offering
from innopoints.audit.log import record
from innopoints.collection.access import active_authorisation
from innopoints.collection.models import Authorisation
from innopoints.lending.models import Application, ApplicationEvent, Invitation
from innopoints.registry.models import Enterprise
from innopoints.scoring.models import Result

S = Application.Status

BANK = "bank"
ENTERPRISE = "enterprise"
GOVERNMENT = "government"
SIDES = {
    BANK: gettext_lazy("金融机构"),
    ENTERPRISE: gettext_lazy("企业"),
    GOVERNMENT: gettext_lazy("政府"),
}

# (from, to) → the side that may make the move
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.SUBMITTED, S.ACCEPTED): BANK,
    (S.SUBMITTED, S.REJECTED): BANK,
    (S.SUBMITTED, S.WITHDRAWN): ENTERPRISE,
    (S.ACCEPTED, S.MORE_INFO): BANK,
    (S.ACCEPTED, S.REVIEWING): BANK,
    (S.ACCEPTED, S.REJECTED): BANK,
    (S.ACCEPTED, S.WITHDRAWN): ENTERPRISE,
    (S.MORE_INFO, S.REVIEWING): ENTERPRISE,  # the materials are supplied
    (S.MORE_INFO, S.REJECTED): BANK,
    (S.MORE_INFO, S.WITHDRAWN): ENTERPRISE,
    (S.REVIEWING, S.MORE_INFO): BANK,
    (S.REVIEWING, S.APPROVED): BANK,
    (S.REVIEWING, S.REJECTED): BANK,
    (S.REVIEWING, S.WITHDRAWN): ENTERPRISE,
    (S.APPROVED, S.DISBURSED): BANK,
    (S.DISBURSED, S.SETTLED): BANK,
    (S.DISBURSED, S.OVERDUE): BANK,
    (S.DISBURSED, S.DEFAULTED): BANK,
    (S.OVERDUE, S.SETTLED): BANK,
    (S.OVERDUE, S.DEFAULTED): BANK,
    (S.DEFAULTED, S.COMPENSATED): GOVERNMENT,
}

# days the waiting side has for each step (plain days), and who is waited on
DEADLINES: dict[str, int] = {
    S.SUBMITTED: 3,
    S.ACCEPTED: 5,
    S.MORE_INFO: 10,
    S.REVIEWING: 10,
    S.APPROVED: 10,
    S.OVERDUE: 30,
}
WAITING_ON: dict[str, str] = {
    S.SUBMITTED: BANK,
    S.ACCEPTED: BANK,
    S.MORE_INFO: ENTERPRISE,
    S.REVIEWING: BANK,
    S.APPROVED: BANK,
    S.DISBURSED: BANK,
    S.OVERDUE: BANK,
}
# moves that need a reason
NEEDS_NOTE = {S.REJECTED, S.MORE_INFO, S.WITHDRAWN, S.DEFAULTED}
# before the decision the bank works on the enterprise's data: only while it is authorised
NEEDS_AUTHORISATION = {S.ACCEPTED, S.REVIEWING, S.APPROVED, S.MORE_INFO}
# the financing record follows the application from disbursement on
FINANCING_STATUS = {
    S.SETTLED: Financing.Status.REPAID,
    S.OVERDUE: Financing.Status.OVERDUE,
    S.DEFAULTED: Financing.Status.DEFAULTED,
}
# offering kinds that become a financing record of that kind (the others are loans)
FINANCING_KIND = {
    "loan": Financing.Kind.LOAN,
    "guarantee": Financing.Kind.GUARANTEE,
    "insurance": Financing.Kind.INSURANCE,
    "investment": Financing.Kind.INVESTMENT,
}
# what each move is called (buttons, API actions)
ACTIONS: dict[str, Any] = {
    S.ACCEPTED: gettext_lazy("受理"),
    S.MORE_INFO: gettext_lazy("要求补充材料"),
    S.REVIEWING: gettext_lazy("进入审批"),
    S.APPROVED: gettext_lazy("批准"),
    S.REJECTED: gettext_lazy("拒绝"),
    S.DISBURSED: gettext_lazy("放款"),
    S.SETTLED: gettext_lazy("结清"),
    S.OVERDUE: gettext_lazy("标记逾期"),
    S.DEFAULTED: gettext_lazy("标记违约"),
    S.COMPENSATED: gettext_lazy("已代偿"),
    S.WITHDRAWN: gettext_lazy("撤回申请"),
}


class WorkflowError(Exception):
    """A move that may not be made; the message says why (nothing was changed). ``code``:
    ``state`` (not from the current state), ``side`` (not this user's move),
    ``authorisation`` (the enterprise withdrew it) or ``invalid`` (a reason or term missing)."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Actor:
    side: str | None
    user: Any  # a real user (event, audit, financing record) or None
    via_api: bool


def actor_of(user: Any, application: Application) -> Actor:
    """Which side ``user`` is on for this application (None: neither)."""
    token = getattr(user, "token", None)
    real = token.created_by if token is not None else user
    role = scope.role_of(user)
    side: str | None = None
    if role == Role.INSTITUTION:
        institution = scope.institution_of(user)
        if institution is not None and institution.pk == application.institution_id:
            side = BANK
    elif role == Role.ENTERPRISE:
        enterprise = scope.enterprise_of(user)
        if enterprise is not None and enterprise.pk == application.enterprise_id:
            side = ENTERPRISE
    elif role in (Role.GOVERNMENT, Role.ADMIN):
        prefix = scope.region_prefix(user)
        if prefix is not None and (application.region_code or "").startswith(prefix):
            side = GOVERNMENT
    return Actor(side, real, token is not None)


def allowed_moves(application: Application, user: Any) -> list[str]:
    """The states ``user`` may move the application to now (the page shows these only)."""
    side = actor_of(user, application).side
    return [
        to for (frm, to), who in TRANSITIONS.items() if frm == application.status and who == side
    ]


def _decimal(data: dict[str, Any], key: str, label: str, *, required: bool) -> Decimal | None:
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise WorkflowError(_("请填写%(field)s") % {"field": label})
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as error:
        raise WorkflowError(_("%(field)s须为数字") % {"field": label}) from error
    if not number.is_finite() or number <= 0:
        raise WorkflowError(_("%(field)s须大于零") % {"field": label})
    return number


def _terms(data: dict[str, Any]) -> dict[str, Any]:
    """The approved terms: amount (万元, required), annual rate (%) and term (months)."""
    amount = _decimal(data, "amount", _("批准金额（万元）"), required=True)
    assert amount is not None
    if amount >= Decimal("1e10"):
        raise WorkflowError(_("批准金额过大"))
    rate = _decimal(data, "rate", _("年利率（%）"), required=False)
    if rate is not None and rate >= 100:
        raise WorkflowError(_("年利率须小于 100%"))
    term = data.get("term_months")
    if term not in (None, ""):
        try:
            term = int(term)
        except (TypeError, ValueError) as error:
            raise WorkflowError(_("期限须为整月数")) from error
        if not 0 < term <= 600:
            raise WorkflowError(_("期限须在 1 到 600 个月之间"))
    else:
        term = None
    return {
        "amount": str(amount.quantize(Decimal("0.01"))),
        "rate": str(rate.quantize(Decimal("0.001"))) if rate is not None else None,
        "term_months": term,
    }


def _day(data: dict[str, Any], key: str) -> dt.date:
    value = data.get(key)
    if value in (None, ""):
        return timezone.localdate()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise WorkflowError(_("日期格式应为 YYYY-MM-DD")) from error


def approved_terms(application: Application) -> dict[str, Any] | None:
    event = application.events.filter(to_status=S.APPROVED).order_by("-at", "-pk").first()
    return dict(event.data) if event is not None else None


def link_for(application: Application, side: str) -> str:
    if side == ENTERPRISE:
        return reverse("lending:ent_detail", args=[application.pk])
    return reverse("lending:bank_detail", args=[application.pk])


def _notify(
    application: Application,
    to_side: str,
    subject: str,
    body: str = "",
    *,
    kind: str = "application",
) -> None:
    if to_side == ENTERPRISE:
        Message.objects.create(
            enterprise=application.enterprise,
            kind=kind,
            subject=subject[:200],
            body=body,
            link=link_for(application, ENTERPRISE),
        )
    else:
        Message.objects.create(
            institution=application.institution,
            kind=kind,
            subject=subject[:200],
            body=body,
            link=link_for(application, BANK),
        )


def transition(
    application: Application,
    to: str,
    *,
    user: Any,
    note: str = "",
    data: dict[str, Any] | None = None,
    check_side: bool = True,
) -> ApplicationEvent:
    """Move ``application`` to ``to`` for ``user``; raises ``WorkflowError`` (nothing changed)
    when the move is not in the table, the user is not on the side that makes it, a reason or
    a term is missing, or the enterprise withdrew its authorisation."""
    data = dict(data or {})
    note = (note or "").strip()
    with transaction.atomic():
        app = (
            Application.objects.select_for_update(of=("self",))
            .select_related("enterprise", "institution", "offering", "authorisation")
            .get(pk=application.pk)
        )
        frm = app.status
        side = TRANSITIONS.get((frm, to))
        if side is None:
            raise WorkflowError(
                _("申请当前为“%(frm)s”，不能转为“%(to)s”")
                % {"frm": app.get_status_display(), "to": S(to).label if to in S.values else to},
                "state",
            )
        actor = actor_of(user, app)
        if check_side and actor.side != side:
            raise WorkflowError(_("此步须由%(side)s办理") % {"side": SIDES[side]}, "side")
        if to in NEEDS_NOTE and not note:
            raise WorkflowError(_("请填写原因或说明"))
        if side == BANK and to in NEEDS_AUTHORISATION and not authorised(app):
            raise WorkflowError(
                _(
                    "企业已撤回（或不再有效）对贵机构的数据授权，不能继续办理；可拒绝或等待企业重新授权"
                ),
                "authorisation",
            )
        stored: dict[str, Any] = {}
        if to == S.APPROVED:
            stored = _terms(data)
        elif to == S.DISBURSED:
            stored = _disburse(app, actor, data)
        if data.get("reference"):
            stored["reference"] = str(data["reference"])[:64]
        if actor.via_api:
            stored["via"] = "api"
        if to in FINANCING_STATUS and app.financing_id is not None:
            financing = Financing.objects.select_for_update().get(pk=app.financing_id)
            financing.status = FINANCING_STATUS[to]
            financing._history_user = actor.user  # type: ignore[attr-defined]
            financing.save(update_fields=["status"])
        today = timezone.localdate()
        app.status = to
        if to == S.DISBURSED:
            app.due_on = _maturity(app)
        elif to in DEADLINES:
            app.due_on = today + dt.timedelta(days=DEADLINES[to])
        else:
            app.due_on = None
        app.reminded_at = None
        if to in (S.REJECTED, S.WITHDRAWN, S.DEFAULTED, S.MORE_INFO):
            app.reason = note
        app._history_user = actor.user  # type: ignore[attr-defined]
        app.save()
        event = ApplicationEvent.objects.create(
            application=app,
            from_status=frm,
            to_status=to,
            note=note,
            data=stored,
            actor=actor.user if getattr(actor.user, "pk", None) else None,
        )
        subject = _("融资申请（%(enterprise)s → %(institution)s）：%(to)s") % {
            "enterprise": app.enterprise.name,
            "institution": app.institution.name,
            "to": app.get_status_display(),
        }
        others = {BANK, ENTERPRISE} - {side} if side != GOVERNMENT else {BANK, ENTERPRISE}
        for other in sorted(others):
            _notify(app, other, subject, note)
        record(
            "update",
            obj=app,
            enterprise=app.enterprise,
            actor=actor.user if getattr(actor.user, "pk", None) else None,
            summary=_("融资申请 %(pk)s：%(frm)s → %(to)s")
            % {"pk": app.pk, "frm": S(frm).label, "to": app.get_status_display()},
            changes={"status": [frm, to]},
        )
    application.refresh_from_db()
    return event


def _maturity(app: Application) -> dt.date | None:
    financing = app.financing
    if financing is None or financing.disbursed_on is None or not financing.term_months:
        return None
    start = financing.disbursed_on
    months = start.month - 1 + financing.term_months
    year, month = start.year + months // 12, months % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return None  # pragma: no cover - day 28 always exists


def _disburse(app: Application, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Create the financing record from the approved terms and link it (once)."""
    if app.financing_id is not None:
        raise WorkflowError(_("该申请已有融资记录，不能重复放款"), "state")
    terms = approved_terms(app)
    if terms is None:
        raise WorkflowError(_("未找到批准的金额与条件"))
    disbursed_on = _day(data, "disbursed_on")
    approved_event = app.events.filter(to_status=S.APPROVED).order_by("-at", "-pk").first()
    decided_on = timezone.localdate(approved_event.at) if approved_event else disbursed_on
    applied_on = timezone.localdate(app.created_at)
    if disbursed_on < decided_on:
        raise WorkflowError(_("放款日期不能早于批准日期"))
    if disbursed_on > timezone.localdate():
        raise WorkflowError(_("放款日期不能晚于今天"))
    offering = app.offering
    recorder = actor.user if getattr(actor.user, "pk", None) else app.created_by
    financing = Financing(
        enterprise=app.enterprise,
        institution=app.institution,
        kind=FINANCING_KIND.get(offering.kind if offering else "loan", Financing.Kind.LOAN),
        product=offering.name if offering else "",
        applied_on=applied_on,
        amount_requested=app.amount_requested,
        status=Financing.Status.DISBURSED,
        amount=Decimal(terms["amount"]),
        rate=Decimal(terms["rate"]) if terms.get("rate") else None,
        term_months=terms.get("term_months"),
        decided_on=decided_on,
        disbursed_on=disbursed_on,
        note=_("由融资申请 %(pk)s 放款生成") % {"pk": app.pk},
        recorded_by=recorder,
    )
    financing.full_clean()
    financing._history_user = recorder  # type: ignore[attr-defined]
    financing.save()
    app.financing = financing
    return {**terms, "disbursed_on": disbursed_on.isoformat(), "financing": financing.pk}


# -- authorisation ----------------------------------------------------------------------------


def authorised(app: Application) -> bool:
    """Whether the enterprise still lets the bank see its data (the grant given with the
    application, or a newer one)."""
    grant = app.authorisation
    if grant is not None and grant.active_on(timezone.localdate()):
        return True
    return active_authorisation(app.institution, app.enterprise) is not None


# what a lender needs at least, when an offering names nothing (never "everything" by default)
DEFAULT_SCOPE = ("employees", "invention_apps", "net_profit", "rd_expense", "revenue")


def requested_scope(offering: Offering | None) -> list[str]:
    """The indicators the institution will see when the enterprise applies: the offering's
    terms may list them (``terms.scope``); else the indicators its conditions test."""
    if offering is None:
        return list(DEFAULT_SCOPE)
    listed = (offering.terms or {}).get("scope") if isinstance(offering.terms, dict) else None
    if isinstance(listed, list) and listed:
        return sorted({str(c) for c in listed})
    tested = {
        str(c["field"])
        for c in offering.eligibility or []
        if isinstance(c, dict) and c.get("test") == "fact" and c.get("field")
    }
    return sorted(tested) or list(DEFAULT_SCOPE)


def _grant(enterprise: Enterprise, institution: Any, codes: list[str], user: Any) -> Authorisation:
    """The enterprise's active grant to the institution when it covers ``codes``; else a new
    one for exactly ``codes``."""
    current = active_authorisation(institution, enterprise)
    covers = current is not None and (not current.scope or set(codes) <= set(current.scope))
    if current is not None and covers:
        return current
    grant = Authorisation(
        enterprise=enterprise,
        institution=institution,
        scope=list(codes),
        valid_from=timezone.localdate(),
    )
    grant.full_clean()
    grant._history_user = user  # type: ignore[attr-defined]
    grant.save()
    return grant


# -- submission and invitations ---------------------------------------------------------------


OPEN = {S.SUBMITTED, S.ACCEPTED, S.MORE_INFO, S.REVIEWING, S.APPROVED}


def submit(
    enterprise: Enterprise,
    offering: Offering,
    *,
    user: Any,
    match: Match | None = None,
    amount_requested: Decimal | None = None,
    term_months: int | None = None,
    note: str = "",
) -> Application:
    """The enterprise applies for ``offering`` (from a match); the scope ``requested_scope``
    is granted to the institution in the same step. One open application per offering."""
    if (
        scope.role_of(user) != Role.ENTERPRISE
        or getattr(scope.enterprise_of(user), "pk", None) != enterprise.pk
    ):
        raise WorkflowError(_("只有企业本身可以提交申请"))
    if offering.institution_id is None:
        raise WorkflowError(_("该政策不由金融机构办理，无需在线申请"))
    today = timezone.localdate()
    if not offering.active or (offering.valid_to is not None and offering.valid_to < today):
        raise WorkflowError(_("该产品已下架或已过期，不能申请"))
    if match is not None and (
        match.enterprise_id != enterprise.pk or match.offering_id != offering.pk
    ):
        raise WorkflowError(_("匹配结果与企业或产品不符"))
    if amount_requested is not None and amount_requested <= 0:
        raise WorkflowError(_("申请金额须大于零"))
    with transaction.atomic():
        if Application.objects.filter(
            enterprise=enterprise, offering=offering, status__in=OPEN
        ).exists():
            raise WorkflowError(_("该产品已有在办的申请"))
        result = None
        if match is not None:
            result = Result.objects.filter(run_id=match.run_id, enterprise=enterprise).first()
        if result is None:
            from innopoints.analysis.publication import published_result  # noqa: PLC0415

            result = published_result(enterprise)
        grant = _grant(enterprise, offering.institution, requested_scope(offering), user)
        if amount_requested is None and match is not None:
            amount_requested = match.suggested_amount
        app = Application(
            enterprise=enterprise,
            institution=offering.institution,
            offering=offering,
            run_id=result.run_id if result is not None else None,
            amount_requested=amount_requested,
            term_months=term_months,
            authorisation=grant,
            tier=result.tier if result is not None else "",
            stage=result.stage if result is not None else "",
            region_code=(result.region_code if result is not None else "")
            or (enterprise.region_id or ""),
            due_on=timezone.localdate() + dt.timedelta(days=DEADLINES[S.SUBMITTED]),
            created_by=user,
        )
        app._history_user = user  # type: ignore[attr-defined]
        app.save()
        ApplicationEvent.objects.create(
            application=app,
            from_status="",
            to_status=S.SUBMITTED,
            note=note,
            actor=user,
            data={"scope": grant.scope, "authorisation": grant.pk},
        )
        _notify(
            app,
            BANK,
            _("%(enterprise)s 申请“%(offering)s”，并授权贵机构查看其数据")
            % {"enterprise": enterprise.name, "offering": offering.name},
            note,
        )
        record(
            "create",
            obj=app,
            enterprise=enterprise,
            actor=user,
            summary=_("提交融资申请：%(offering)s（%(institution)s）")
            % {"offering": offering.name, "institution": offering.institution},
        )
    return app


def invite(
    institution: Any,
    enterprise: Enterprise,
    *,
    user: Any,
    offering: Offering | None = None,
    codes: list[str] | None = None,
    note: str = "",
) -> Invitation:
    if offering is not None and offering.institution_id != institution.pk:
        raise WorkflowError(_("只能就本机构的产品邀请企业"))
    if Invitation.objects.filter(
        institution=institution, enterprise=enterprise, status=Invitation.Status.PENDING
    ).exists():
        raise WorkflowError(_("已向该企业发出邀请，尚待回复"))
    with transaction.atomic():
        invitation = Invitation(
            institution=institution,
            enterprise=enterprise,
            offering=offering,
            scope=sorted(set(codes if codes is not None else requested_scope(offering))),
            note=note[:300],
            created_by=user,
        )
        invitation._history_user = user  # type: ignore[attr-defined]
        invitation.save()
        Message.objects.create(
            enterprise=enterprise,
            kind="invitation",
            subject=(_("%(institution)s 邀请您授权并申请融资") % {"institution": institution.name})[
                :200
            ],
            body=note,
            link=reverse("lending:ent_invitations"),
        )
        record(
            "create",
            obj=invitation,
            enterprise=enterprise,
            actor=user,
            summary=_("邀请企业授权：%(enterprise)s") % {"enterprise": enterprise.name},
        )
    return invitation


def answer_invitation(invitation: Invitation, *, user: Any, accept: bool) -> Invitation:
    enterprise = scope.enterprise_of(user)
    if enterprise is None or enterprise.pk != invitation.enterprise_id:
        raise WorkflowError(_("只有被邀请的企业可以回复"))
    with transaction.atomic():
        current = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if current.status != Invitation.Status.PENDING:
            raise WorkflowError(_("该邀请已回复"))
        if accept:
            current.authorisation = _grant(
                current.enterprise, current.institution, list(current.scope or []), user
            )
            current.status = Invitation.Status.ACCEPTED
        else:
            current.status = Invitation.Status.DECLINED
        current.answered_at = timezone.now()
        current._history_user = user  # type: ignore[attr-defined]
        current.save()
        Message.objects.create(
            institution=current.institution,
            kind="invitation",
            subject=(
                _("%(enterprise)s 接受了贵机构的邀请并授权")
                if accept
                else _("%(enterprise)s 谢绝了贵机构的邀请")
            )
            % {"enterprise": current.enterprise.name},
            link=reverse("lending:bank_invitations"),
        )
        record(
            "update",
            obj=current,
            enterprise=current.enterprise,
            actor=user,
            summary=_("回复授权邀请：%(status)s") % {"status": current.get_status_display()},
            changes={"status": [Invitation.Status.PENDING, current.status]},
        )
    invitation.refresh_from_db()
    return invitation


# -- called by other apps ---------------------------------------------------------------------


def mark_defaulted(application: Application, *, user: Any, note: str) -> ApplicationEvent:
    """The bank records a default of a disbursed (or overdue) loan."""
    return transition(application, S.DEFAULTED, user=user, note=note)


def mark_compensated(financing: Financing, *, user: Any, note: str = "") -> ApplicationEvent | None:
    """A compensation claim on ``financing`` was paid (programmes): its application, if any,
    becomes 已代偿. A no-op (None) for a financing without an application or one already
    compensated (or not disbursed); the payment itself was authorised by the claim's review."""
    app = Application.objects.filter(financing=financing).first()
    if app is None or app.status not in (S.DISBURSED, S.OVERDUE, S.DEFAULTED):
        return None
    if app.status != S.DEFAULTED:
        # the claim presupposes the default; record it on the way (one event each)
        transition(app, S.DEFAULTED, user=user, note=note or _("代偿前确认违约"), check_side=False)
    return transition(app, S.COMPENSATED, user=user, note=note, check_side=False)


# -- documents --------------------------------------------------------------------------------

MAX_DOCUMENT = 10 * 1024 * 1024  # bytes
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".zip": "application/zip",
}
# the steps in which the enterprise may add material (before the decision)
DOCUMENT_STATES = {S.SUBMITTED, S.ACCEPTED, S.MORE_INFO, S.REVIEWING}


def add_document(application: Application, *, user: Any, name: str, content: bytes) -> Any:
    """The enterprise attaches a file (PDF, image, xlsx, docx or zip, ≤ 10 MB) before the
    decision; the bank is told."""
    from innopoints.lending.models import ApplicationDocument  # noqa: PLC0415

    if actor_of(user, application).side != ENTERPRISE:
        raise WorkflowError(_("只有申请企业可以上传材料"), "side")
    if application.status not in DOCUMENT_STATES:
        raise WorkflowError(_("申请已有结果，不能再上传材料"), "state")
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    suffix = ("." + base.rsplit(".", 1)[-1].lower()) if "." in base else ""
    if suffix not in DOCUMENT_TYPES:
        raise WorkflowError(_("只接受 PDF、图片（JPG/PNG）、Excel、Word 或 ZIP 文件"))
    if not content:
        raise WorkflowError(_("文件为空"))
    if len(content) > MAX_DOCUMENT:
        raise WorkflowError(_("文件不能超过 10 MB"))
    with transaction.atomic():
        document = ApplicationDocument.objects.create(
            application=application,
            name=base,
            content_type=DOCUMENT_TYPES[suffix],
            size=len(content),
            content=content,
            uploaded_by=user,
        )
        _notify(
            application,
            BANK,
            _("%(enterprise)s 为融资申请上传了材料：%(name)s")
            % {"enterprise": application.enterprise.name, "name": base},
        )
        record(
            "create",
            obj=document,
            enterprise=application.enterprise,
            actor=user,
            summary=_("上传申请材料：%(name)s") % {"name": base},
        )
    return document
