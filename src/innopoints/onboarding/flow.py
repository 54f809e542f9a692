"""The steps of a self-registration and of its review. Views call these; the tests too.

1. ``start``: the credit code and the legal representative's name are checked against the
   registry (one answer for every mismatch, nothing of the record shown); a six-digit code is
   mailed, kept only as an HMAC, valid ``INNOPOINTS_REGISTRATION_CODE_MINUTES`` and for
   ``INNOPOINTS_REGISTRATION_CODE_ATTEMPTS`` wrong tries.
2. ``verify``: the code proves the e-mail address.
3. ``choose_password``: the account opens bound to the enterprise, or, when the division asks
   for review or the enterprise already has an account (已有账号), waits for a government
   user with the password's hash kept on the registration.
4. ``approve`` / ``refuse``: the review; the applicant gets an e-mail either way."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from innopoints.accounts.invitations import email_taken
from innopoints.accounts.models import Profile, Role
from innopoints.audit.log import client_ip, record
from innopoints.core import ratelimit
from innopoints.onboarding.matching import names_match, normalise_code
from innopoints.onboarding.models import DivisionPolicy, Registration, Status
from innopoints.registry.models import Enterprise, Region

HOUR = 3600
SALT = "innopoints.onboarding.code"


def code_minutes() -> int:
    return int(getattr(settings, "INNOPOINTS_REGISTRATION_CODE_MINUTES", 15))


def code_attempts() -> int:
    return int(getattr(settings, "INNOPOINTS_REGISTRATION_CODE_ATTEMPTS", 5))


class Mismatch(Exception):
    """The credit code is not in the registry or the name is not its legal representative."""


class Refused(Exception):
    """A step that cannot be taken; ``str(exc)`` is the message for the applicant."""


# -- rate limits --------------------------------------------------------------------------


@dataclass
class Limit:
    allowed: bool
    retry_minutes: int


def take_attempt(request: HttpRequest, credit_code: str) -> Limit:
    """Counts one registration attempt from the request's address and one for the credit
    code (within the hour); refused when either is over its limit. Mismatches count too:
    that is what stops anyone from trying code after code or name after name."""
    per_address = int(getattr(settings, "INNOPOINTS_REGISTRATION_LIMIT_PER_ADDRESS", 10))
    per_code = int(getattr(settings, "INNOPOINTS_REGISTRATION_LIMIT_PER_CODE", 5))
    address = client_ip(request) or "unknown"
    by_address = ratelimit.take(f"innopoints-register-ip:{address}", per_address, HOUR)
    if not by_address.allowed:
        return Limit(False, -(-by_address.retry_after // 60))
    digest = salted_hmac(SALT, normalise_code(credit_code)).hexdigest()[:32]
    by_code = ratelimit.take(f"innopoints-register-code:{digest}", per_code, HOUR)
    if not by_code.allowed:
        return Limit(False, -(-by_code.retry_after // 60))
    return Limit(True, 0)


# -- division settings --------------------------------------------------------------------


def effective_policy(region: Region | None) -> DivisionPolicy | None:
    """The setting of the division or of the nearest division above it that has one."""
    current = region
    while current is not None:
        policy = DivisionPolicy.objects.filter(region=current).first()
        if policy is not None:
            return policy
        current = current.parent
    return None


def requires_approval(region: Region | None) -> bool:
    policy = effective_policy(region)
    return bool(policy and policy.requires_approval)


def owners(enterprise: Enterprise) -> Any:
    """The enterprise's active enterprise-portal accounts."""
    return get_user_model().objects.filter(
        profile__role=Role.ENTERPRISE, profile__enterprise=enterprise, is_active=True
    )


# -- the one-time code ---------------------------------------------------------------------


def _hash(code: str, salt: str) -> str:
    return f"{salt}${salted_hmac(SALT, f'{salt}:{code}').hexdigest()}"


def _code_matches(stored: str, code: str) -> bool:
    salt, _sep, _digest = stored.partition("$")
    return bool(salt) and hmac.compare_digest(stored, _hash(code.strip(), salt))


def _send_code(registration: Registration, code: str) -> None:
    send_mail(
        _("企业创新积分信息管理平台：注册验证码"),
        _(
            "您好！\n\n您正在为统一社会信用代码 %(code)s 的企业注册企业创新积分信息管理平台账户。\n"
            "验证码：%(otp)s\n\n验证码 %(minutes)s 分钟内有效。如非本人操作，请忽略本邮件。\n"
        )
        % {
            "code": registration.enterprise.credit_code,
            "otp": code,
            "minutes": code_minutes(),
        },
        None,
        [registration.email],
    )


def start(
    request: HttpRequest | None,
    *,
    credit_code: str,
    legal_representative: str,
    email: str,
    mobile: str,
) -> Registration:
    """Checks the registry and mails a code. Raises ``Mismatch`` (the one answer for an
    unknown code and a wrong name; logged, outside any transaction) or ``Refused``."""
    # the address first: were it checked after the registry, its answer would tell a caller
    # that the code and the name matched
    email = email.strip().lower()
    if email_taken(email):
        raise Refused(_("此邮箱已有账户，请直接登录或使用其他邮箱"))
    code = normalise_code(credit_code)
    enterprise = Enterprise.objects.filter(credit_code=code).first()
    if enterprise is None or not names_match(enterprise.legal_representative, legal_representative):
        record(
            "other",
            request=request,
            object_type="onboarding.registration",
            object_repr=code[:300],
            summary="企业自助注册：信息与登记不一致",
        )
        raise Mismatch
    with transaction.atomic():
        return _start(request, enterprise, legal_representative, email, mobile)


def _start(
    request: HttpRequest | None,
    enterprise: Enterprise,
    legal_representative: str,
    email: str,
    mobile: str,
) -> Registration:
    # an earlier unfinished registration of the same address for the same enterprise ends
    Registration.objects.filter(
        enterprise=enterprise, email=email, status__in=[Status.CODE_SENT, Status.VERIFIED]
    ).update(status=Status.VOID)
    otp = f"{secrets.randbelow(10**6):06d}"
    registration = Registration.objects.create(
        enterprise=enterprise,
        legal_representative=legal_representative.strip()[:64],
        email=email,
        mobile=mobile,
        secret_code_hash=_hash(otp, secrets.token_hex(8)),
        code_expires_at=timezone.now() + dt.timedelta(minutes=code_minutes()),
        existing_owner=owners(enterprise).exists(),
        ip_address=client_ip(request) if request is not None else None,
    )
    _send_code(registration, otp)
    record(
        "other",
        obj=registration,
        request=request,
        summary="企业自助注册：信息核验一致，已发送邮箱验证码",
    )
    return registration


class Verified(Enum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"


@transaction.atomic
def verify(registration_id: int, code: str) -> tuple[Verified, int]:
    """Checks the code; returns the outcome and the wrong tries left. Too many wrong codes or
    an expired code void the registration (the applicant starts again)."""
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    if registration.status == Status.VERIFIED:
        return Verified.OK, 0
    if registration.status != Status.CODE_SENT:
        return Verified.LOCKED, 0
    if timezone.now() > registration.code_expires_at:
        registration.status = Status.VOID
        registration.save(update_fields=["status"])
        return Verified.EXPIRED, 0
    if _code_matches(registration.secret_code_hash, code):
        registration.status = Status.VERIFIED
        registration.verified_at = timezone.now()
        registration.secret_code_hash = ""
        registration.save(update_fields=["status", "verified_at", "secret_code_hash"])
        return Verified.OK, 0
    registration.attempts += 1
    left = code_attempts() - registration.attempts
    if left <= 0:
        registration.status = Status.VOID
        registration.save(update_fields=["attempts", "status"])
        return Verified.LOCKED, 0
    registration.save(update_fields=["attempts"])
    return Verified.WRONG, left


def _open_account(registration: Registration, password_hash: str) -> Any:
    if email_taken(registration.email):
        raise Refused(_("此邮箱已有账户，请直接登录或使用其他邮箱"))
    user = get_user_model().objects.create_user(
        username=registration.email, email=registration.email
    )
    user.password = password_hash
    user.save(update_fields=["password"])
    profile = Profile(user=user, role=Role.ENTERPRISE, enterprise=registration.enterprise)
    profile.full_clean()
    profile.save()
    return user


@transaction.atomic
def choose_password(request: HttpRequest | None, registration_id: int, password: str) -> Any:
    """Opens the account (returns the user) or files the registration for review (returns
    None). The enterprise's row is locked, so two registrations of one enterprise cannot both
    open without review."""
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    if registration.status != Status.VERIFIED:
        raise Refused(_("注册已失效，请重新填写"))
    Enterprise.objects.select_for_update().filter(pk=registration.enterprise_id).first()
    enterprise = registration.enterprise
    registration.existing_owner = registration.existing_owner or owners(enterprise).exists()
    registration.needs_review = registration.existing_owner or requires_approval(enterprise.region)
    registration.submitted_at = timezone.now()
    if registration.needs_review:
        registration.password = make_password(password)
        registration.status = Status.PENDING
        registration.save()
        record(
            "other",
            obj=registration,
            request=request,
            summary="企业自助注册：邮箱已验证，提交审核"
            + ("（已有账号）" if registration.existing_owner else ""),
        )
        send_mail(
            _("企业创新积分信息管理平台：注册已提交审核"),
            _(
                "您好！\n\n统一社会信用代码 %(code)s 的企业注册申请已提交，"
                "正在等待所在地区科技主管部门审核。审核结果将以邮件通知您。\n"
            )
            % {"code": enterprise.credit_code},
            None,
            [registration.email],
        )
        return None
    user = _open_account(registration, make_password(password))
    registration.status = Status.OPENED
    registration.user = user
    registration.save()
    record(
        "other",
        obj=registration,
        request=request,
        summary="企业自助注册：账户已开通（无需审核）",
    )
    return user


def _login_link(request: HttpRequest | None) -> str:
    path = reverse("accounts:login")
    return request.build_absolute_uri(path) if request is not None else path


@transaction.atomic
def approve(request: HttpRequest | None, registration_id: int, reviewer: Any) -> Any:
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    if registration.status != Status.PENDING:
        raise Refused(_("该申请已处理"))
    user = _open_account(registration, registration.password)
    registration.status = Status.OPENED
    registration.user = user
    registration.password = ""
    registration.decided_at = timezone.now()
    registration.decided_by = reviewer
    registration.save()
    record(
        "other",
        obj=registration,
        request=request,
        actor=reviewer,
        summary="批准企业自助注册，账户已开通",
    )
    send_mail(
        _("企业创新积分信息管理平台：注册已通过审核"),
        _(
            "您好！\n\n统一社会信用代码 %(code)s 的企业注册申请已通过审核，账户已开通。\n"
            "请使用邮箱 %(email)s 和注册时设置的密码登录：\n\n%(link)s\n"
        )
        % {
            "code": registration.enterprise.credit_code,
            "email": registration.email,
            "link": _login_link(request),
        },
        None,
        [registration.email],
    )
    return user


@transaction.atomic
def refuse(request: HttpRequest | None, registration_id: int, reviewer: Any, reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise Refused(_("请填写不予通过的理由"))
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    if registration.status != Status.PENDING:
        raise Refused(_("该申请已处理"))
    registration.status = Status.REFUSED
    registration.password = ""
    registration.reason = reason
    registration.decided_at = timezone.now()
    registration.decided_by = reviewer
    registration.save()
    record(
        "other",
        obj=registration,
        request=request,
        actor=reviewer,
        summary=f"不予通过企业自助注册：{reason}"[:300],
    )
    send_mail(
        _("企业创新积分信息管理平台：注册未通过审核"),
        _(
            "您好！\n\n统一社会信用代码 %(code)s 的企业注册申请未通过审核。\n"
            "理由：%(reason)s\n\n如有疑问，请联系所在地区科技主管部门。\n"
        )
        % {"code": registration.enterprise.credit_code, "reason": reason},
        None,
        [registration.email],
    )
