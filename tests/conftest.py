from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from innopoints.engine import credit_code

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.exists():  # CI clones main with shared/ beside it
    SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests first among those that commit. pytest-django puts those last (the
    flush after each removes what the data migrations loaded); with ``-n 2`` one worker process
    then takes the longest at once while the other runs the rest of them."""
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
