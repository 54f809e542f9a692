"""Operations' entry in the site's menu (core/menu.py)."""

from django.utils.translation import gettext_lazy as _

from innopoints.accounts.models import Role
from innopoints.core.menu import register

register((Role.ADMIN, Role.GOVERNMENT), _("后台任务"), "ops:jobs", order=45)
