"""Backups of the PostgreSQL database with pg_dump / pg_restore (custom format: compressed,
restorable table by table). ``innopoints backup --out FILE`` and ``innopoints restore FILE
[--into URL]`` wrap these; docs/deployment.md has the same commands by hand.

The client programs must be at least the server's major version (pg_dump refuses an older
server's newer catalogue, and a dump of a newer pg_dump cannot be read by an older
pg_restore): ``INNOPOINTS_PG_BIN`` names the directory of the matching ones, e.g.
``/usr/lib/postgresql/16/bin``. The password goes in ``PGPASSWORD``, never on the command line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg

SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}


def configured_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise ValueError("DATABASE_URL is not set: backups are of the PostgreSQL database")
    return url


def _parts(url: str) -> tuple[list[str], dict[str, str], str]:
    """pg_dump/pg_restore connection arguments, the environment with the password, the name."""
    split = urlsplit(url)
    if split.scheme not in SCHEMES:
        raise ValueError(
            f"backups need PostgreSQL; the database URL is {split.scheme or 'not a URL'}"
        )
    name = unquote(split.path.lstrip("/"))
    if not name:
        raise ValueError("the database URL names no database")
    args = ["--host", split.hostname or "127.0.0.1", "--port", str(split.port or 5432)]
    if split.username:
        args += ["--username", unquote(split.username)]
    env = {**os.environ}
    if split.password:
        env["PGPASSWORD"] = unquote(split.password)
    return args, env, name


def _program(name: str) -> str:
    directory = os.environ.get("INNOPOINTS_PG_BIN")
    found = str(Path(directory) / name) if directory else shutil.which(name)
    if not found or not Path(found).exists():
        raise ValueError(f"{name} not found: install postgresql-client or set INNOPOINTS_PG_BIN")
    return found


def client_major(program: str) -> int:
    version = subprocess.run(
        [_program(program), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", version)
    if match is None:
        raise ValueError(f"cannot read the version of {program}: {version.strip()}")
    return int(match.group(1))


def server_major(url: str) -> int:
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=5) as c:
        number = c.info.server_version  # e.g. 150020
    return number // 10000


def check_versions(url: str, program: str) -> None:
    client, server = client_major(program), server_major(url)
    if client < server:
        raise ValueError(
            f"{program} is version {client} but the server is {server}: use the client "
            f"programs of PostgreSQL {server} (INNOPOINTS_PG_BIN)"
        )


def dump(url: str, out: Path) -> None:
    """Write the whole database to ``out`` (written to a temporary name, then renamed)."""
    args, env, name = _parts(url)
    check_versions(url, "pg_dump")
    temporary = out.with_name(f".{out.name}.partial")
    command = [_program("pg_dump"), *args, "--format=custom", "--file", str(temporary), name]
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        temporary.unlink(missing_ok=True)
        raise ValueError(f"pg_dump failed: {finished.stderr.strip()}")
    temporary.replace(out)


def _is_empty(url: str) -> bool:
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=5) as c:
        row = c.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    return row is not None and row[0] == 0


def restore(dump_file: Path, url: str) -> None:
    """Restore into an empty database, all or nothing (one transaction)."""
    args, env, name = _parts(url)
    check_versions(url, "pg_restore")
    if not _is_empty(url):
        raise ValueError(
            f"database {name} is not empty: restore into a new one (createdb), then point "
            "DATABASE_URL at it"
        )
    command = [
        _program("pg_restore"),
        *args,
        "--dbname",
        name,
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        str(dump_file),
    ]
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise ValueError(f"pg_restore failed: {finished.stderr.strip()}")
