from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from innopoints.engine import credit_code

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.exists():  # CI clones main with shared/ beside it
    SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"


def codes(n: int, region: str = "510107") -> list[str]:
    """n distinct valid credit codes."""
    rng = np.random.default_rng(n)
    return [str(c) for c in credit_code.generate(rng, np.array([region] * n))]


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared is not beside this checkout")
    return SHARED
