"""Schemes in the platform: versions loaded from the scheme files, edited as YAML through the
same checks, frozen once a run used them (a change then makes a new version), and diffs."""

from __future__ import annotations

import difflib
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language

from innopoints.engine.scheme import (
    Names,
    SchemeError,
    builtin_dir,
    builtin_ids,
    scheme_from_mapping,
)


def localised(names: Names) -> str:
    """A scheme's own name for something (every scheme names things in Chinese and English)
    in the active language: English pages show the scheme's English names."""
    return names.en if (get_language() or "").startswith("en") and names.en else names.zh


def parse(source_yaml: str, origin: str = "scheme") -> tuple[dict[str, Any], Any]:
    """The resolved, checked scheme of a YAML text; raises SchemeError naming every problem."""
    try:
        data = yaml.safe_load(source_yaml)
    except yaml.YAMLError as exc:
        raise SchemeError(origin, [f"not valid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise SchemeError(origin, ["the file must hold a mapping (id, version, ...)"])
    scheme = scheme_from_mapping(data, origin=builtin_dir() / f"{origin}.yaml")
    content = scheme.content()
    content["extends"] = None  # resolved already; the lineage records the parent
    return content, scheme_from_mapping(content)


def save_version(source_yaml: str, user: Any = None, *, origin: str = "scheme") -> Any:
    """Store a scheme text as a version. An unfrozen version with the same id and version is
    updated; a frozen one is never touched: the text becomes a new version."""
    from innopoints.scoring.models import SchemeVersion  # noqa: PLC0415 - app registry

    content, scheme = parse(source_yaml, origin)
    with transaction.atomic():
        for existing in SchemeVersion.objects.filter(scheme_id=scheme.id):
            if _without_version(existing.content) == _without_version(content):
                return existing  # the same content is already a version
        current = SchemeVersion.objects.filter(scheme_id=scheme.id, version=scheme.version).first()
        version = scheme.version
        if current is not None and current.frozen_at is not None:
            version = _next_version(scheme.id, scheme.version)
            content["version"] = version
            source_yaml = _with_version(source_yaml, version)
        fields = {
            "name": scheme.name.zh,
            "example": scheme.example,
            "source_yaml": source_yaml,
            "content": content,
            "fingerprint": scheme_from_mapping(content).fingerprint,
        }
        if current is not None and current.frozen_at is None:
            for key, value in fields.items():
                setattr(current, key, value)
            current._history_user = user  # type: ignore[attr-defined]
            current.save()
            return current
        return SchemeVersion.objects.create(
            scheme_id=scheme.id,
            version=version,
            created_by=user,
            published_at=timezone.now(),
            **fields,
        )


def _without_version(content: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in content.items() if k != "version"}


def _next_version(scheme_id: str, version: str) -> str:
    from innopoints.scoring.models import SchemeVersion  # noqa: PLC0415 - app registry

    taken = set(SchemeVersion.objects.filter(scheme_id=scheme_id).values_list("version", flat=True))
    k = 2
    while f"{version}.{k}" in taken:
        k += 1
    return f"{version}.{k}"


def _with_version(source_yaml: str, version: str) -> str:
    lines = source_yaml.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("version:"):
            lines[index] = f'version: "{version}"'
            return "\n".join(lines) + "\n"
    return f'version: "{version}"\n' + source_yaml


def sync_builtin_schemes(**_: Any) -> None:
    """After migrate: every built-in scheme file is stored as a version (idempotent)."""
    for scheme_id in builtin_ids():
        text = (builtin_dir() / f"{scheme_id}.yaml").read_text(encoding="utf-8")
        save_version(text, origin=scheme_id)


def diff(a: Any, b: Any) -> list[str]:
    """Line diff of two versions' resolved content (canonical YAML, keys sorted)."""

    def lines(version: Any) -> list[str]:
        return yaml.safe_dump(version.content, allow_unicode=True, sort_keys=True).splitlines()

    return list(
        difflib.unified_diff(
            lines(a),
            lines(b),
            f"{a.scheme_id}@{a.version}",
            f"{b.scheme_id}@{b.version}",
            lineterm="",
            n=2,
        )
    )
