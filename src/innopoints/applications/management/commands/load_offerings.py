"""Store the example reference rate and policies/products of ``offerings.yaml``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from innopoints.applications.catalogue import load_offerings


class Command(BaseCommand):
    help = "Load the example policies and products (示例数据) of applications/offerings.yaml"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--inactive", action="store_true", help="store them switched off (no matching)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stored = load_offerings(activate=not options["inactive"])
        self.stdout.write(f"{len(stored)} offerings stored")
