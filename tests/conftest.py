from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from innopoints.engine import credit_code

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.exists():  # CI clones main with shared/ beside it
    SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"


# the fixtures through which a test reaches the test database (pytest-django's, and a live
# server's, which commits)
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


def uses_the_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db"):
        return True
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest tests first among those that commit. pytest-django puts those last (the
    flush after each removes what the data migrations loaded); with ``-n 2`` one worker process
    then takes the longest at once while the other runs the rest of them.

    ``INNOPOINTS_DATABASE_TESTS_ONLY=1`` (``./run test``'s second pass, on SQLite) keeps only
    the tests that use the test database and are not marked ``one_database``: the others (the
    engine, the command line, the demo with its own database, what the browser walk checks of
    markup, scripts and bytes) would only repeat the first pass."""
    if os.environ.get("INNOPOINTS_DATABASE_TESTS_ONLY") == "1":
        kept = [
            item
            for item in items
            if uses_the_database(item) and not item.get_closest_marker("one_database")
        ]
        chosen = {id(item) for item in kept}
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in chosen])
        items[:] = kept
    longest = [item for item in items if item.get_closest_marker("longest")]
    rest = [item for item in items if not item.get_closest_marker("longest")]
    committing = (
        k for k, item in enumerate(rest) if "transactional_db" in getattr(item, "fixturenames", ())
    )
    at = next(committing, len(rest))
    items[:] = rest[:at] + longest + rest[at:]


def codes(n: int, region: str = "510107") -> list[str]:
    """n distinct valid credit codes."""
    rng = np.random.default_rng(n)
    return [str(c) for c in credit_code.generate(rng, np.array([region] * n))]


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared is not beside this checkout")
    return SHARED
