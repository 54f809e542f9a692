"""Accounts' entry in the site's menu (site/menu.py)."""

from django.utils.translation import gettext_lazy as _

from innopoints.accounts.models import Role
from innopoints.site.menu import register

register(Role.ADMIN, _("邀请机构用户"), "accounts:invite_institution_user", order=100)
