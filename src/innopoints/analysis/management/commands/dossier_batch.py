from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from innopoints.analysis import dossier_batches as dossiers
from innopoints.registry.models import Region
from innopoints.scoring.models import Run


class Command(BaseCommand):
    help = "一企一档 PDFs of a run's (or a region's) enterprises, in chunks any worker may take."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--run", type=int, help="the run whose enterprises get a dossier")
        parser.add_argument("--region", help="only enterprises of this division code")
        parser.add_argument("--chunk", type=int, default=dossiers.CHUNK, help="PDFs per task")

    def handle(self, *args: Any, **options: Any) -> None:
        run = Run.objects.filter(pk=options["run"]).first() if options["run"] else None
        if options["run"] and run is None:
            raise CommandError(f"no run {options['run']}")
        region = None
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"{options['region']} is not a division code")
        try:
            batch = dossiers.create(run=run, region=region, chunk_size=options["chunk"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"batch {batch.pk}: {batch.n_enterprises} enterprises in {batch.n_chunks} chunks "
            f"→ {batch.directory} ({batch.status})"
        )
