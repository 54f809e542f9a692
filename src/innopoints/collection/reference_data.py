"""Loading the built-in sources (sources.yaml) into the database, used by a data migration."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

MANUAL_SOURCE = {"code": "manual", "name": "人工核定", "note": "核验处理中人工更正或采纳的数值"}


def builtin_sources() -> list[dict[str, Any]]:
    text = resources.files("innopoints.collection").joinpath("sources.yaml").read_text("utf-8")
    return list(yaml.safe_load(text)["sources"])


def load_sources(data_source: Any, source_field: Any) -> None:
    """Create the built-in sources with model classes given (works on historical models)."""
    for spec in builtin_sources():
        source, _ = data_source.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "note": spec.get("note", ""),
                "may_register_enterprises": spec.get("may_register_enterprises", False),
            },
        )
        for field in spec["fields"]:
            source_field.objects.update_or_create(
                source=source,
                field_code=field["code"],
                defaults={
                    "requires_authorisation": field.get("auth", False),
                    "priority": field.get("priority", 5),
                    "frequency": field.get("frequency", "yearly"),
                },
            )
    data_source.objects.update_or_create(
        code=MANUAL_SOURCE["code"],
        defaults={"name": MANUAL_SOURCE["name"], "note": MANUAL_SOURCE["note"], "manual": True},
    )
