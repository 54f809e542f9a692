"""Load test over the national database of benchmarks.million: gunicorn (2 workers × 2
threads) serving the platform, locust with 50 analysts for 60 s.
``uv run python -m benchmarks.load``; prints the figures."""

from __future__ import annotations

import csv
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks.million import NAME

PORT = 8799


def _signed_in_sessions(user: object, count: int) -> list[str]:
    """Sessions of analysts who signed in earlier: 50 password hashes (PBKDF2, slow by design)
    in the first seconds would measure sign-in, not the pages."""
    from importlib import import_module  # noqa: PLC0415

    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth import (  # noqa: PLC0415
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
    )

    keys = []
    for _ in range(count):
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(user.pk)  # type: ignore[attr-defined]
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()  # type: ignore[attr-defined]
        store.save()
        keys.append(store.session_key)
    return [k for k in keys if k]


def main() -> None:
    url = f"postgres://postgres@127.0.0.1:5432/{NAME}"
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "innopoints.site.settings",
            "INNOPOINTS_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "INNOPOINTS_HTTPS": "0",  # gunicorn serves plain HTTP on loopback here
        }
    )
    import django  # noqa: PLC0415

    django.setup()
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    from innopoints.scoring.models import Result, Run  # noqa: PLC0415

    run = Run.objects.filter(status="done").order_by("-pk").first()
    if run is None:
        sys.exit("run `python -m benchmarks.million` first")
    password = secrets.token_urlsafe(12)
    user, _ = get_user_model().objects.get_or_create(
        username="loadtest", defaults={"is_staff": True, "is_superuser": True}
    )
    user.set_password(password)
    user.save()
    ids = list(
        Result.objects.filter(run=run).order_by("?").values_list("enterprise_id", flat=True)[:2000]
    )
    env = {
        **os.environ,
        "LOAD_RUN": str(run.pk),
        "LOAD_USER": "loadtest",
        "LOAD_PASSWORD": password,
        "LOAD_SESSIONS": ",".join(_signed_in_sessions(user, 50)),
        "LOAD_ENTERPRISES": ",".join(map(str, ids)),
        "LOAD_PAGES": str(max(1, run.n_enterprises // 50)),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "innopoints.site.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            os.environ.get("LOAD_WORKERS", "2"),
            "--threads",
            os.environ.get("LOAD_THREADS", "2"),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/admin/login/", timeout=2)
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
                "60s",
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
        print(f"load: 50 users, 60 s, run #{run.pk} with {run.n_enterprises:,} results")
        for row in rows:
            print(
                f"  {row['Name']:<12} requests {row['Request Count']:>6} failures "
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
