"""The static root as production's ``collectstatic`` writes it (hashed names, a manifest, gzip
and brotli copies), made once per content of the static files and kept in
``~/.cache/innopoints/static/`` (``INNOPOINTS_TEST_STATIC_CACHE``): collecting and compressing
the ~900 files takes a minute of CPU, which the deployment test (test_deploy.py) and the
browser walk (test_walk.py) paid at every run. The cache's key is a digest of every file the
static finders list (names and contents) and of the Django and whitenoise versions, so any
change to a static file, a vendor file or the collecting code collects again — with the real
command, ``innopoints manage collectstatic`` in a production environment."""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from django.contrib.staticfiles.finders import get_finders

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(
    os.environ.get("INNOPOINTS_TEST_STATIC_CACHE", Path.home() / ".cache/innopoints/static")
)


def sources_digest() -> str:
    """A digest of every static file collectstatic would copy, and of the code that does."""
    digest = hashlib.sha256(" ".join(version(p) for p in ("django", "whitenoise")).encode())
    found: dict[str, str] = {}
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            prefix = getattr(storage, "prefix", None)
            name = f"{prefix}/{path}" if prefix else path
            found.setdefault(name, storage.path(path))
    for name in sorted(found):
        digest.update(name.encode() + b"\0" + Path(found[name]).read_bytes())
    return digest.hexdigest()[:16]


def collectstatic(target: Path, data: Path) -> subprocess.CompletedProcess[str]:
    """``innopoints manage collectstatic`` as production runs it, into ``target``."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "PYTHONPATH")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env |= {
        "DJANGO_SETTINGS_MODULE": "innopoints.site.settings",
        "INNOPOINTS_DATA_DIR": str(data),
        "INNOPOINTS_STATIC_ROOT": str(target),
        "INNOPOINTS_SECRET_KEY": secrets.token_urlsafe(60),
    }
    command = [sys.executable, "-m", "innopoints.cli", "manage", "collectstatic", "--noinput"]
    return subprocess.run(
        [*command, "-v0"], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )


def collected_static() -> Path:
    """The collected static root for the static files as they are now (a lock keeps two test
    workers from collecting at once; earlier contents are removed)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    root = CACHE / sources_digest()
    if (root / "staticfiles.json").exists():
        return root
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / "staticfiles.json").exists():
            return root
        building = Path(tempfile.mkdtemp(dir=CACHE, prefix=".building-"))
        done = collectstatic(building / "static", building / "data")
        if done.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            raise RuntimeError(f"collectstatic failed:\n{done.stdout}\n{done.stderr}")
        for old in CACHE.iterdir():
            if old.is_dir() and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)
        (building / "static").rename(root)
        shutil.rmtree(building, ignore_errors=True)
    return root
