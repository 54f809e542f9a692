"""One enterprise's figures checked by the rules an import applies: each value as a cell of an
imported file (engine.reader: counts whole and not negative, amounts not negative unless
signed, finite numbers…) and the structural rules between fields (verification.RULES, e.g.
科技人员数 not above 从业人员期末人数). For forms such as 自评: problems by field code, so each
message stands next to its field, in the user's language; no second copy of the rules."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext

from innopoints.collection.messages import reason
from innopoints.collection.verification import RULES
from innopoints.engine.errors import InputError
from innopoints.engine.fields import base_catalogue
from innopoints.engine.reader import frame_from_records

_QUOTED = re.compile(r"“([^”]*)”")


def problems_by_field(values: dict[str, Any]) -> dict[str, list[str]]:
    catalogue = base_catalogue()
    given = {c: v for c, v in values.items() if c in catalogue and v is not None}
    found: dict[str, list[str]] = {}
    if given:
        try:
            frame_from_records([given], catalogue)
        except InputError as refused:
            for problem in refused.problems:
                if problem.column is None:  # of the file (no credit-code column): not a figure's
                    continue
                match = _QUOTED.search(problem.column or "")
                code = match.group(1) if match and match.group(1) in given else None
                found.setdefault(code or "", []).append(reason(problem.reason))
    for rule in RULES:
        left, right = given.get(rule.left), given.get(rule.right)
        if left is None or right is None or rule.left in found or rule.right in found:
            continue
        if float(left) > float(right) * rule.factor:
            found.setdefault(rule.left, []).append(gettext(rule.message))
    return found
