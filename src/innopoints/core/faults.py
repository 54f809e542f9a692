"""A pause point for the fault tests: a worker started with ``INNOPOINTS_PAUSE_FILE`` set
stops at a named point while that file names it, so a test can kill it (or cut its database
connection) exactly there. Without the variable (production) it does nothing."""

from __future__ import annotations

import os
import time
from pathlib import Path


def pause_point(name: str) -> None:
    setting = os.environ.get("INNOPOINTS_PAUSE_FILE")
    if not setting:
        return
    path = Path(setting)
    try:
        if name not in path.read_text(encoding="utf-8").split():
            return
    except FileNotFoundError:
        return
    Path(f"{setting}.reached").write_text(f"{name} {os.getpid()}", encoding="utf-8")
    while path.exists():
        time.sleep(0.05)
