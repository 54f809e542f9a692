"""Production settings pass Django's deployment checks; figures are written the Chinese way."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from django.utils import translation

from innopoints.portals.templatetags.portal_format import group, score_band, wan


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
