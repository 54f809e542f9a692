"""Load test over the national database of benchmarks.million: gunicorn (3 workers × 2
threads, the production configuration file) serving the platform with its static files
collected, locust with 50 users mixing the government, bank and enterprise portals and the
institution API for 60 s (benchmarks/locustfile.py, fixtures in benchmarks/load_fixtures.py).
``uv run python -m benchmarks.load``; prints the figures. ``LOAD_DATABASE`` names another
database (e.g. a small one to try the scenario), ``LOAD_SECONDS`` the duration."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks import load_fixtures
from benchmarks.million import NAME

PORT = 8799


def main() -> None:
    url = f"postgres://postgres@127.0.0.1:5432/{os.environ.get('LOAD_DATABASE', NAME)}"
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "innopoints.site.settings",
            "INNOPOINTS_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "INNOPOINTS_HTTPS": "0",  # gunicorn serves plain HTTP on loopback here
            "INNOPOINTS_LOG_LEVEL": "WARNING",
            "GUNICORN_ACCESS_LOG": "",  # no access log lines while measuring
            "INNOPOINTS_BIND": f"127.0.0.1:{PORT}",
            "GUNICORN_WORKERS": os.environ.get("LOAD_WORKERS", "3"),
            "GUNICORN_THREADS": os.environ.get("LOAD_THREADS", "2"),
            "INNOPOINTS_API_RATE_LIMIT": "100000",  # measure the API, not its throttle
        }
    )
    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    from innopoints.scoring.models import Result, Run  # noqa: PLC0415

    run = Run.objects.filter(status="done").order_by("-pk").first()
    if run is None:
        sys.exit("run `python -m benchmarks.million` first")
    ids = list(
        Result.objects.filter(run=run).order_by("?").values_list("enterprise_id", flat=True)[:2000]
    )
    call_command("collectstatic", interactive=False, verbosity=0)  # the production path
    env = {
        **os.environ,
        **load_fixtures.prepare(run, ids),
        "LOAD_RUN": str(run.pk),
        "LOAD_ENTERPRISES": ",".join(map(str, ids)),
        "LOAD_PAGES": str(max(1, run.n_enterprises // 50)),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:innopoints.site.gunicorn_conf",
            "innopoints.site.wsgi:application",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        prefix = Path("/tmp/innopoints-load")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "-u",
                "50",
                "-r",
                "10",
                "-t",
                f"{os.environ.get('LOAD_SECONDS', '60')}s",
                "--only-summary",
                "--reset-stats",
                "--host",
                f"http://127.0.0.1:{PORT}",
                "--csv",
                str(prefix),
            ],
            env=env,
            check=False,
            capture_output=True,
        )
        with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        seconds = os.environ.get("LOAD_SECONDS", "60")
        print(f"load: 50 users, {seconds} s, run #{run.pk} with {run.n_enterprises:,} results")
        for row in rows:
            print(
                f"  {row['Name']:<20} requests {row['Request Count']:>6} failures "
                f"{row['Failure Count']:>4} median {row['50%']:>5} ms p95 {row['95%']:>6} ms "
                f"p99 {row['99%']:>6} ms"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
