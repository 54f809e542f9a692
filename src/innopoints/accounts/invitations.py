"""Accounts are created by invitation: the user gets an e-mail with a one-time link (Django's
password-reset token: it stops working once a password is set, and after
PASSWORD_RESET_TIMEOUT) and chooses a password there."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from innopoints.accounts.models import Profile, Role


def email_taken(email: str) -> bool:
    users = get_user_model().objects
    return users.filter(email__iexact=email).exists() or users.filter(username=email).exists()


def set_password_link(request: HttpRequest, user: Any) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("accounts:set_password", args=[uid, token]))


@transaction.atomic
def invite(
    request: HttpRequest,
    *,
    email: str,
    role: str,
    region: Any = None,
    institution: Any = None,
    enterprise: Any = None,
    staff_id: str = "",
) -> Any:
    """Create the account (no usable password yet) bound to its role, and mail the link."""
    user = get_user_model().objects.create_user(username=email, email=email)
    user.set_unusable_password()
    user.save()
    profile = Profile(
        user=user,
        role=role,
        region=region,
        institution=institution,
        enterprise=enterprise,
        staff_id=staff_id,
        invited_by=request.user,
    )
    profile.full_clean()
    profile.save()
    link = set_password_link(request, user)
    bound = region or institution or enterprise
    send_mail(
        _("企业创新积分信息管理平台：请设置您的密码"),
        _(
            "您好！\n\n%(inviter)s 邀请您以“%(role)s”身份（%(bound)s）"
            "使用企业创新积分信息管理平台。\n"
            "请在三天内打开下面的链接设置密码（链接只能使用一次）：\n\n%(link)s\n"
        )
        % {
            "inviter": request.user.get_username(),
            "role": Role(role).label,
            "bound": bound,
            "link": link,
        },
        None,
        [email],
    )
    return user


def invited_by(user: Any) -> QuerySet[Any]:
    return get_user_model().objects.filter(profile__invited_by=user)
