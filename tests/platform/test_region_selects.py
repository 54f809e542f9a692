"""Division selects on government forms show names, never codes, and a useful empty choice."""

from __future__ import annotations

import re
from typing import Any

from innopoints.accounts.models import Role
from innopoints.programmes.forms import ProgrammeForm
from innopoints.registry.models import Region
from innopoints.targets.forms import TargetForm
from tests.platform.programmes_world import user


def test_division_selects_show_names_not_codes(db: Any) -> None:
    province = user("sc-forms", Role.GOVERNMENT, region=Region.objects.get(code="510000"))
    for form, name in [
        (TargetForm(user=province), "division"),
        (ProgrammeForm(user=province), "region"),
    ]:
        html = str(form[name])
        assert "成都市" in html and "---------" not in html
        assert not re.search(r">\s*\d{6}", html), html[:300]
        assert "请选择地区" in html
