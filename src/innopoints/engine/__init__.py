"""The scoring engine: a plain library (no web framework), columns in, scores out.

Public entry points:
- :func:`load_scheme` — a built-in scheme id or a scheme file, fully checked;
- :func:`read_table` — a CSV/XLSX file into typed columns, or every problem in it;
- :func:`score` — a whole run: stages, points, bonus, vetoes, ranks, tiers, agreement;
- :func:`score_against` — new rows against a finished run's frozen parameters (自评).

The names load on first use (PEP 562), so importing one light submodule (e.g. the credit-code
check) does not pull in numpy and polars.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from innopoints.engine.errors import InputError, InputProblem
    from innopoints.engine.reader import read_table
    from innopoints.engine.result import ScoreResult
    from innopoints.engine.run import ENGINE_VERSION, score, score_against
    from innopoints.engine.scheme import Scheme, SchemeError, load_scheme

_WHERE = {
    "InputError": "errors",
    "InputProblem": "errors",
    "read_table": "reader",
    "ScoreResult": "result",
    "ENGINE_VERSION": "run",
    "score": "run",
    "score_against": "run",
    "Scheme": "scheme",
    "SchemeError": "scheme",
    "load_scheme": "scheme",
}

__all__ = [
    "ENGINE_VERSION",
    "InputError",
    "InputProblem",
    "Scheme",
    "SchemeError",
    "ScoreResult",
    "load_scheme",
    "read_table",
    "score",
    "score_against",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'innopoints.engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"innopoints.engine.{module}"), name)
    globals()[name] = value
    return value
