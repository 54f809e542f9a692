"""Who may enter which portal (django-rules, loaded by rules' autodiscovery)."""

from __future__ import annotations

import rules

from innopoints.accounts.rules import governs, is_enterprise_user, is_institution

rules.add_perm("portals.government", governs)
rules.add_perm("portals.institution", is_institution)
rules.add_perm("portals.enterprise", is_enterprise_user)
