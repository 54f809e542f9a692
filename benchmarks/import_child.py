"""One import measurement in a fresh process against the database in DATABASE_URL:
python -m benchmarks.import_child N. Prints one JSON line."""

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
    import django  # noqa: PLC0415 - Django is configured from the environment just above

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415

    from innopoints.collection.demo import authorise, write_files  # noqa: PLC0415
    from innopoints.collection.importing import import_file  # noqa: PLC0415
    from innopoints.collection.models import DataSource  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as tmp:
        files = write_files(Path(tmp), n)
        timings = {}
        for code in ("samr", "tax"):
            content = files.files[code].read_bytes()
            start = time.perf_counter()
            outcome = import_file(
                DataSource.objects.get(code=code), "2025", files.files[code].name, content
            )
            timings[code] = {
                "seconds": time.perf_counter() - start,
                "rows": outcome.n_rows,
                "values": outcome.n_values,
                "findings": outcome.n_findings,
                "indicators": len(
                    [
                        c
                        for c in outcome.batch.column_map.values()
                        if c not in (None, "credit_code", "name")
                    ]
                ),
                "file_mb": round(len(content) / 2**20, 2),
            }
            if code == "samr":
                authorise()
    print(json.dumps({"vendor": connection.vendor, **timings}))


if __name__ == "__main__":
    main()
