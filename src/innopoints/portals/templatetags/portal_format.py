"""Template filters for figures (site/formats.py): ``wan``, ``group``, ``score_band``, ``fixed``."""

from __future__ import annotations

from django import template

from innopoints.site import formats

register = template.Library()
register.filter("wan", formats.wan)
register.filter("group", formats.group)
register.filter("score_band", formats.score_band)
register.filter("fixed", formats.fixed)
