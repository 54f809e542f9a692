"""`innopoints demo`: the whole platform on one machine with the embedded database."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from innopoints.collection.demo import import_all, write_files
from innopoints.collection.models import ImportBatch
from innopoints.scoring.execution import execute
from innopoints.scoring.models import Run, SchemeVersion

PERIOD = "2025"


def _admin_password() -> tuple[str, str]:
    path = settings.DATA_DIR / "demo-admin-password.txt"
    users = get_user_model()
    if not users.objects.filter(username="admin").exists():
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", "admin@example.invalid", password)
        path.write_text(password + "\n", encoding="utf-8")
        path.chmod(0o600)
    password = path.read_text(encoding="utf-8").strip() if path.exists() else "(unchanged)"
    return "admin", password


def run_demo(n: int, serve: bool, port: int, say: Callable[[str], None]) -> None:
    say(f"database: {settings.DATABASES['default']['NAME']}")
    call_command("migrate", interactive=False, verbosity=0)
    username, password = _admin_password()
    if ImportBatch.objects.filter(period=PERIOD).exists():
        say(
            f"demo data for {PERIOD} are already imported; delete {settings.DATA_DIR} to start "
            "afresh"
        )
    else:
        started = time.perf_counter()
        files = write_files(settings.DATA_DIR / "demo-files", n)
        say(
            f"generated {n} synthetic enterprises as {len(files.files)} source files in "
            f"{files.directory}"
        )
        user = get_user_model().objects.get(username=username)
        import_all(files, PERIOD, user=user, report=say)
        say(f"imported everything in {time.perf_counter() - started:.1f} s")
    run = Run.objects.filter(period=PERIOD, status="done").first()
    if run is None:
        user = get_user_model().objects.get(username=username)
        version = SchemeVersion.objects.get(scheme_id="sichuan-2025", version="1")
        run = execute(Run.objects.create(period=PERIOD, scheme_version=version, started_by=user))
        say(
            f"scoring run #{run.pk}: {run.status}, {run.n_enterprises} enterprises in "
            f"{run.report.get('timings_s', {}).get('total', 0):.1f} s"
        )
    say(f"sign in at http://127.0.0.1:{port}/admin/ as {username} / {password}")
    say(f"data quality report: http://127.0.0.1:{port}/collection/quality/")
    say(
        f"scoring runs: http://127.0.0.1:{port}/scoring/runs/ (latest: "
        f"http://127.0.0.1:{port}/scoring/runs/{run.pk}/)"
    )
    if serve:
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, insecure_serving=True)
