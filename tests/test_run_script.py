"""``./run`` on a machine where pip put uv in the user's scripts folder and that folder is not on
PATH (a fresh Debian account): it uses that uv instead of installing it again from PyPI, and it
compiles the bytecode at install, so that commands start without compiling every module even
where PYTHONDONTWRITEBYTECODE is set."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_run_finds_uv_where_pip_put_it_and_compiles_bytecode(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("no uv on PATH")
    user_base = tmp_path / "user-base"  # where `pip install --user` puts uv
    (user_base / "bin").mkdir(parents=True)
    (user_base / "bin" / "uv").symlink_to(uv)
    # PATH without uv, nor the project's environment that runs this test
    path = [
        d
        for d in os.environ["PATH"].split(os.pathsep)
        if not (Path(d) / "uv").exists() and Path(d) != Path(sys.prefix) / "bin"
    ]
    venv = tmp_path / "venv"
    env = {
        "PATH": os.pathsep.join(path),
        "HOME": os.environ["HOME"],
        "PYTHONUSERBASE": str(user_base),
        "PYTHONDONTWRITEBYTECODE": "1",
        "UV_PROJECT_ENVIRONMENT": str(venv),  # not the working tree's environment
        "UV_OFFLINE": "1",  # from uv's cache, as `./run` has synced before
        "PIP_NO_INDEX": "1",  # were it to install uv again, it would fail here
    }
    done = subprocess.run(
        [str(ROOT / "run"), "scheme", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert "installing uv" not in done.stderr
    assert done.returncode == 0, done.stderr
    assert "sichuan-2025" in done.stdout
    site_packages = next(venv.glob("lib/python3*/site-packages"))
    assert list((site_packages / "django" / "__pycache__").glob("__init__.*.pyc"))
    assert list((ROOT / "src" / "innopoints" / "__pycache__").glob("cli.*.pyc"))
