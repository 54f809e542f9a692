"""目标与融资漏斗 in the site's menu (core/menu.py)."""

from django.utils.translation import gettext_lazy as _

from innopoints.accounts.models import Role
from innopoints.core.menu import register

register((Role.ADMIN, Role.GOVERNMENT), _("融资漏斗与目标"), "targets:funnel", order=92)
register((Role.ADMIN, Role.GOVERNMENT), _("目标管理"), "targets:list", order=94)
register(Role.INSTITUTION, _("融资漏斗"), "targets:funnel", order=35)
