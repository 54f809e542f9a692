"""Accounts' entry in the site's menu (core/menu.py)."""

from django.utils.translation import gettext_lazy as _

from innopoints.accounts.models import Role
from innopoints.core.menu import register

register(Role.ADMIN, _("邀请机构用户"), "accounts:invite_institution_user", order=100)
