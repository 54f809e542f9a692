"""Collection's entries in the site's menu (core/menu.py)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from innopoints.accounts.models import Role
from innopoints.core.menu import register

register((Role.ADMIN, Role.GOVERNMENT), _("数据质量"), "collection:quality", order=30)
register(
    (Role.ADMIN, Role.GOVERNMENT),
    pgettext_lazy("plural", "核验问题"),
    "collection:findings",
    order=40,
)
register(
    (Role.ADMIN, Role.GOVERNMENT),
    pgettext_lazy("plural", "数据来源"),
    "collection:sources",
    order=45,
)
