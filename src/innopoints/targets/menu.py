"""目标与融资漏斗 and 监测评价 in the site's menu (core/menu.py)."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from innopoints.accounts.models import Role
from innopoints.core.menu import register

GOVERNMENT = (Role.ADMIN, Role.GOVERNMENT)


def _sets_deadlines(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and bool(user.has_perm("targets.set_deadline", None))


register(GOVERNMENT, _("融资漏斗与目标"), "targets:funnel", order=92)
register(GOVERNMENT, _("目标管理"), "targets:list", order=94)
register(GOVERNMENT, _("各地区监测评价"), "targets:supervision", order=96)
register(GOVERNMENT, _("数据报送情况"), "targets:deliveries", order=97)
register(GOVERNMENT, _("工作总结"), "targets:summaries", order=98)
register(GOVERNMENT, _("报送截止日期"), "targets:deadlines", order=99, when=_sets_deadlines)
register(Role.INSTITUTION, _("融资漏斗"), "targets:funnel", order=35)
