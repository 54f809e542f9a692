"""``innopoints manage check_deploy`` (also ``innopoints check-deploy``): one PASS/FAIL line
per check; exit status 1 when any check fails."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from innopoints.ops.checks import run_all


class Command(BaseCommand):
    help = "Checks a production installation: Django's deploy checks, database, migrations, "
    help += "broker, fonts, static files, secret key, data directory."
    requires_system_checks: list[str] = []  # the deploy checks are one of ours, reported
    requires_migrations_checks = False

    def handle(self, *args: Any, **options: Any) -> None:
        results = run_all()
        for result in results:
            style = self.style.SUCCESS if result.ok else self.style.ERROR
            self.stdout.write(style(result.line()))
        failed = [r for r in results if not r.ok]
        if failed:
            raise CommandError(f"{len(failed)} of {len(results)} checks failed", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"all {len(results)} checks passed"))
