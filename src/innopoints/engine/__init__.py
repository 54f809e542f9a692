"""The scoring engine: a plain library (no web framework), columns in, scores out.

Public entry points:
- :func:`load_scheme` — a built-in scheme id or a scheme file, fully checked;
- :func:`read_table` — a CSV/XLSX file into typed columns, or every problem in it;
- :func:`score` — a whole run: stages, points, bonus, vetoes, ranks, tiers, agreement;
- :func:`score_against` — new rows against a finished run's frozen parameters (自评).
"""

from innopoints.engine.errors import InputError, InputProblem
from innopoints.engine.reader import read_table
from innopoints.engine.result import ScoreResult
from innopoints.engine.run import ENGINE_VERSION, score, score_against
from innopoints.engine.scheme import Scheme, SchemeError, load_scheme

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
