"""One scoring-run measurement in a fresh process against DATABASE_URL:
python -m benchmarks.run_child N. Imports a synthetic province through the real import path
(not timed), then times a Sichuan run from the database to stored results. One JSON line."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    n = int(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innopoints.site.settings")
    import django  # noqa: PLC0415 - configured from the environment just above

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415

    from innopoints.collection.demo import import_all, write_files  # noqa: PLC0415
    from innopoints.scoring.execution import execute  # noqa: PLC0415
    from innopoints.scoring.models import Result, Run, SchemeVersion  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as tmp:
        import_all(write_files(Path(tmp), n), "2025")
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025", version="1")
    timings = []
    for _ in range(2):
        run = Run.objects.create(period="2025", scheme_version=version)
        start = time.perf_counter()
        execute(run)
        timings.append(
            {
                "seconds": time.perf_counter() - start,
                "status": run.status,
                "stages": run.report.get("timings_s", {}),
                "results": Result.objects.filter(run=run).count(),
            }
        )
    print(json.dumps({"vendor": connection.vendor, "n": n, "runs": timings}))


if __name__ == "__main__":
    main()
