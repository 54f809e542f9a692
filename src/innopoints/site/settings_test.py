"""Test settings: PostgreSQL when one answers on 127.0.0.1:5432 (required with CI=true), else
SQLite. ``INNOPOINTS_TEST_DATABASE_URL`` names another PostgreSQL; ``INNOPOINTS_TEST_DB=sqlite``
forces SQLite (to run the suite on the embedded database too)."""

from __future__ import annotations

import os
import socket
import tempfile

os.environ.setdefault("INNOPOINTS_DATA_DIR", tempfile.mkdtemp(prefix="innopoints-test-"))
os.environ.setdefault("INNOPOINTS_HTTPS", "0")  # the test server speaks plain HTTP
os.environ.setdefault("INNOPOINTS_STATIC_MANIFEST", "0")  # static files from the apps
os.environ.setdefault("INNOPOINTS_LOG_FORMAT", "text")

from django.core.exceptions import ImproperlyConfigured

from innopoints.site.settings import *  # noqa: F403

POSTGRES_URL = os.environ.get(
    "INNOPOINTS_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"
)


def _postgres_answers(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


if os.environ.get("INNOPOINTS_TEST_DB") == "sqlite":
    pass
elif _postgres_answers():
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(POSTGRES_URL)}
elif os.environ.get("CI") == "true":
    raise ImproperlyConfigured("CI=true but no PostgreSQL answers on 127.0.0.1:5432")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
INNOPOINTS_JOBS_IN_BACKGROUND = False
CELERY_BROKER_URL = ""
