"""Match a run against the catalogue now (again, after a failure), inline."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from innopoints.applications.match_and_push import match_run
from innopoints.applications.models import RunMatching
from innopoints.scoring.models import Run


class Command(BaseCommand):
    help = "Match a finished run against the policies and products in force and push new matches"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        run = Run.objects.filter(pk=options["run_id"], status="done").first()
        if run is None:
            raise CommandError("no finished run with that id")
        job, _created = RunMatching.objects.get_or_create(run=run)
        if job.status == "done":
            raise CommandError("this run is matched already (matches are kept per run)")
        RunMatching.objects.filter(pk=job.pk).update(status="queued", error="")
        job = match_run(run.pk)
        self.stdout.write(
            f"{job.status}: {job.n_matches} matches, {job.n_pushed} pushed, {job.seconds} s"
        )
