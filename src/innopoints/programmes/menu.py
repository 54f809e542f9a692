"""风险补偿与奖补 in the site's menu (core/menu.py): one entry per portal; the pages link to
each other with their own tabs."""

from django.utils.translation import gettext_lazy as _

from innopoints.accounts.models import Role
from innopoints.core.menu import register

register((Role.ADMIN, Role.GOVERNMENT), _("风险补偿资金池"), "programmes:gov_programmes", order=92)
register((Role.ADMIN, Role.GOVERNMENT), _("贴息与奖励"), "programmes:gov_subsidies", order=94)
register(Role.INSTITUTION, _("风险补偿备案"), "programmes:fin_filings", order=25)
