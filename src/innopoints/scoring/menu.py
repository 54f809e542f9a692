"""Scoring's entry in the site's menu (core/menu.py)."""

from django.utils.translation import pgettext_lazy

from innopoints.accounts.models import Role
from innopoints.core.menu import register

register(
    (Role.ADMIN, Role.GOVERNMENT), pgettext_lazy("plural", "积分测算"), "scoring:runs", order=50
)
