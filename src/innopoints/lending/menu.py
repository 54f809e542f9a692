"""融资申请's entries in the site's menu (core/menu.py)."""

from django.utils.translation import gettext_lazy as _

from innopoints.accounts.models import Role
from innopoints.core.menu import register

register(Role.INSTITUTION, _("融资申请"), "lending:bank_list", order=12)
register((Role.ADMIN, Role.GOVERNMENT), _("辖区融资申请"), "lending:gov_list", order=91)
register(Role.INSTITUTION, _("授权邀请"), "lending:bank_invitations", order=16)
register(Role.ENTERPRISE, _("我的融资申请"), "lending:ent_list", order=55)
register(Role.ENTERPRISE, _("金融机构的邀请"), "lending:ent_invitations", order=56)
register(Role.ENTERPRISE, _("我的企业画像"), "lending:ent_portrait", order=57)
