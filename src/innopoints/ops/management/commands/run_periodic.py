"""``innopoints manage run_periodic NAME``: one periodic job now (cron, without Celery beat)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from innopoints.ops.periodic import JOBS


class Command(BaseCommand):
    help = "Runs one periodic job now: " + ", ".join(JOBS)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=sorted(JOBS))

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = JOBS[options["name"]]()
        self.stdout.write(f"{options['name']}: {outcome}")
