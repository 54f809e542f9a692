from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from innopoints.engine import credit_code

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.exists():  # CI clones main with shared/ beside it
    SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests first: with ``-n 2`` one worker process takes them at once while the
    other runs the rest, instead of starting them last and running them alone."""
    items.sort(key=lambda item: item.get_closest_marker("longest") is None)


def codes(n: int, region: str = "510107") -> list[str]:
    """n distinct valid credit codes."""
    rng = np.random.default_rng(n)
    return [str(c) for c in credit_code.generate(rng, np.array([region] * n))]


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared is not beside this checkout")
    return SHARED
