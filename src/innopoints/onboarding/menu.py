"""Self-registration's entries in the government menu, with the invitations under one heading."""

from django.utils.translation import gettext_lazy as _

from innopoints.accounts.models import Role
from innopoints.core.menu import group, register

GOVERNMENT = (Role.ADMIN, Role.GOVERNMENT)

register(GOVERNMENT, _("企业注册审核"), "onboarding:review_list", order=71)
register(GOVERNMENT, _("注册审核设置"), "onboarding:policies", order=72)
group(
    GOVERNMENT,
    _("企业账户"),
    ["portals:gov_invite", "onboarding:review_list", "onboarding:policies"],
)
