"""Scoring's entries in the site's menu (core/menu.py)."""

from django.utils.translation import gettext_lazy, pgettext_lazy

from innopoints.accounts.models import Role
from innopoints.core.menu import register

register(
    (Role.ADMIN, Role.GOVERNMENT), pgettext_lazy("plural", "积分测算"), "scoring:runs", order=50
)
register((Role.ADMIN, Role.GOVERNMENT), gettext_lazy("指标体系"), "scoring:schemes", order=49)
