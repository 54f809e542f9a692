"""Applications' entry in the site's menu (core/menu.py); the enterprise's matches and push
settings are drawn by the portal's own views (portals/menu.py)."""

from django.utils.translation import gettext_lazy as _

from innopoints.accounts.models import Role
from innopoints.core.menu import register

register((Role.ADMIN, Role.GOVERNMENT), _("政策推送成效"), "portals:gov_uptake", order=80)
register(Role.INSTITUTION, _("我的产品"), "applications:fin_offerings", order=25)
register((Role.ADMIN, Role.GOVERNMENT), _("产品审核"), "applications:gov_offerings", order=85)
register((Role.ADMIN, Role.GOVERNMENT), _("政府政策"), "applications:gov_policies", order=78)
