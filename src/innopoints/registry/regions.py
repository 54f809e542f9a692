"""A division a person names: 成都市, 成都, 武侯区, a code (510107) or a code prefix (5101), each
to the one division it means, or a clear refusal (unknown, or several divisions answer)."""

from __future__ import annotations

from django.utils.translation import gettext, pgettext

from innopoints.registry.english import localised
from innopoints.registry.models import Region


class UnknownRegion(ValueError):
    """The text names no division, or more than one; the message says which."""


def _label(region: Region) -> str:
    parent = region.parent
    where = localised(parent.name) if parent is not None else ""
    return f"{localised(region.name)}（{where}）" if where else localised(region.name)


def _one(found: list[Region], text: str, within: str) -> Region:
    if within:
        inside = [r for r in found if r.code.startswith(within)]
        found = inside or found
    if len(found) > 1:
        top = min(r.level for r in found)  # 成都 → 成都市 rather than a county of that name
        found = [r for r in found if r.level == top]
    if len(found) == 1:
        return found[0]
    raise UnknownRegion(
        gettext("“%(name)s”可指多个行政区划：%(choices)s；请写出完整名称或代码")
        % {
            "name": text,
            "choices": pgettext("list separator", "、").join(_label(r) for r in found[:6]),
        }
    )


def resolve_region(text: str, within: str = "") -> Region:
    """The division ``text`` names (a name with or without 市/区/县/省…, a code, a code
    prefix); ``within`` (a code prefix, the user's jurisdiction) settles a name several
    divisions share."""
    wanted = "".join(str(text or "").split())
    if not wanted:
        raise UnknownRegion(gettext("请填写行政区划名称或代码"))
    divisions = Region.objects.select_related("parent")
    if wanted.isdigit():
        code = (wanted + "000000")[:6] if len(wanted) in (2, 4) else wanted
        found = divisions.filter(code=code).first()
        if found is None:
            raise UnknownRegion(gettext("%(code)s 不是有效的行政区划代码") % {"code": wanted})
        return found
    exact = list(divisions.filter(name=wanted))
    if exact:
        return _one(exact, wanted, within)
    started = list(divisions.filter(name__startswith=wanted)[:50])
    if started:
        return _one(started, wanted, within)
    raise UnknownRegion(gettext("没有名为“%(name)s”的行政区划") % {"name": wanted})


def resolve_prefix(text: str, within: str = "") -> str:
    """The code prefix of the division ``text`` names (成都 → 5101, 四川省 → 51)."""
    return resolve_region(text, within).code_prefix()
