"""培育库规则 in the site's menu (core/menu.py)."""

from django.utils.translation import gettext_lazy as _

from innopoints.accounts.models import Role
from innopoints.core.menu import register

register((Role.ADMIN, Role.GOVERNMENT), _("培育库规则"), "analysis:pool-rules", order=55)
