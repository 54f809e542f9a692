"""Production settings pass Django's deployment checks; figures are written the Chinese way."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from django.utils import translation

from innopoints.site.formats import group, score_band, wan


def _check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("INNOPOINTS_", "DJANGO_"))
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "innopoints.site.settings",
        "INNOPOINTS_DATA_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_the_deployment_checks(tmp_path: Path) -> None:
    done = _check_deploy(tmp_path, INNOPOINTS_SECRET_KEY=secrets.token_urlsafe(60))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_plain_http_settings_are_flagged_by_the_deployment_checks(tmp_path: Path) -> None:
    done = _check_deploy(
        tmp_path, INNOPOINTS_SECRET_KEY=secrets.token_urlsafe(60), INNOPOINTS_HTTPS="0"
    )
    assert done.returncode != 0 and "SESSION_COOKIE_SECURE" in done.stdout + done.stderr


def test_secret_key_is_generated_into_the_data_directory_not_the_repository(
    tmp_path: Path,
) -> None:
    assert _check_deploy(tmp_path).returncode == 0
    key = (tmp_path / "secret_key").read_text(encoding="utf-8").strip()
    assert len(key) >= 50 and oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_amounts_counts_and_bands() -> None:
    with translation.override("zh-hans"):
        assert wan(Decimal("400")) == "400.00 万元"
        assert wan(Decimal("12345.6")) == "1.23 亿元"
        assert wan(None) == "—"
        assert group(1234567) == "1,234,567"
    with translation.override("en"):
        assert wan(Decimal("400")) == "CNY 4.00 m"
    assert score_band(67.3) == "60–70" and score_band(70.0) == "70–80"


def test_idle_sessions_are_refreshed_at_most_every_few_minutes(db: object) -> None:
    import time as clock  # noqa: PLC0415

    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.contrib.sessions.models import Session  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.urls import reverse  # noqa: PLC0415

    from innopoints.accounts.middleware import KEY  # noqa: PLC0415

    client = Client()
    client.force_login(get_user_model().objects.create_superuser("s", "s@example.invalid", "pw"))
    key = client.session.session_key
    client.get(reverse("portals:gov_home"))
    first = Session.objects.get(pk=key)
    assert abs(first.get_decoded()[KEY] - clock.time()) < 60
    client.get(reverse("portals:gov_home"))  # moments later: no write
    assert Session.objects.get(pk=key).expire_date == first.expire_date
    session = client.session
    session[KEY] = 0  # as if the last refresh were long ago
    session.save()
    saved = Session.objects.get(pk=key).expire_date
    clock.sleep(1.1)
    client.get(reverse("portals:gov_home"))
    assert Session.objects.get(pk=key).expire_date > saved
