"""The API's entry in the site's menu (core/menu.py): the institution's tokens."""

from django.utils.translation import gettext_lazy as _

from innopoints.accounts.models import Role
from innopoints.core.menu import register

register(Role.INSTITUTION, _("接口令牌"), "api_tokens:tokens", order=40)
