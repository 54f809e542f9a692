"""One data-exchange measurement in a fresh process against the database in DATABASE_URL:
python -m benchmarks.exchange_child N. The market regulator's file registers N enterprises
(as a file), then the tax department delivers its N-row batch through the API
(POST /api/v1/exchange/batches) as JSON, and once more as CSV for another period. Prints one
JSON line, with the same file imported directly (``import_file``, another period) in the
same process for comparison."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _number(text: str) -> Any:
    try:
        return float(text) if text else None
    except ValueError:
        return text


def main() -> None:
    n = int(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innopoints.site.settings")
    import django  # noqa: PLC0415 - Django is configured from the environment just above

    django.setup()
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import setup_test_environment  # noqa: PLC0415

    from innopoints.api import tokens  # noqa: PLC0415
    from innopoints.collection.demo import write_files  # noqa: PLC0415
    from innopoints.collection.importing import import_file  # noqa: PLC0415
    from innopoints.collection.models import DataSource  # noqa: PLC0415
    from innopoints.engine.fields import base_catalogue  # noqa: PLC0415

    setup_test_environment()  # the test client's host name
    call_command("migrate", verbosity=0)
    admin = get_user_model().objects.create_superuser("bench", "b@example.invalid", "pw")
    with tempfile.TemporaryDirectory() as tmp:
        files = write_files(Path(tmp), n)
        samr = files.files["samr"]
        import_file(DataSource.objects.get(code="samr"), "2025", samr.name, samr.read_bytes())
        content = files.files["tax"].read_bytes()
    _, key = tokens.issue(DataSource.objects.get(code="tax"), "bench", admin)
    client = Client(headers={"Authorization": f"Bearer {key}"})
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    rows = [
        {h: (v if h == "统一社会信用代码" else _number(v)) for h, v in r.items()} for r in reader
    ]
    body = json.dumps({"period": "2025", "batch_key": "bench-json", "rows": rows}).encode()
    del rows
    timings: dict[str, Any] = {}
    for kind, url, data, content_type in (
        ("json", "/api/v1/exchange/batches", body, "application/json"),
        (
            "csv",
            "/api/v1/exchange/batches?period=2024&batch_key=bench-csv",
            # headers as field codes: not the same file as the JSON batch (refused as such)
            content.replace("统一社会信用代码".encode(), b"credit_code", 1),
            "text/csv",
        ),
    ):
        start = time.perf_counter()
        answer = client.post(url, data, content_type=content_type, secure=True)
        seconds = time.perf_counter() - start
        assert answer.status_code == 201, (answer.status_code, answer.content[:2000])
        receipt = answer.json()
        timings[kind] = {
            "seconds": round(seconds, 2),
            "rows": receipt["rows"],
            "values": receipt["values"],
            "body_mb": round(len(data) / 2**20, 2),
        }
    # the same rows as a file, headers as field codes (not the same file as either batch)
    head, rest = content.split(b"\n", 1)
    catalogue = base_catalogue()
    codes = [catalogue.for_header(h).code for h in head.decode("utf-8-sig").split(",")]  # type: ignore[union-attr]
    as_file = ",".join(codes).encode() + b"\n" + rest
    start = time.perf_counter()
    outcome = import_file(DataSource.objects.get(code="tax"), "2023", "tax.csv", as_file)
    timings["file"] = {
        "seconds": round(time.perf_counter() - start, 2),
        "rows": outcome.n_rows,
        "values": outcome.n_values,
        "body_mb": round(len(as_file) / 2**20, 2),
    }
    print(json.dumps({"vendor": connection.vendor, **timings}))


if __name__ == "__main__":
    main()
