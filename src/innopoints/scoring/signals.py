"""Signals of the scoring module, so that higher layers (analysis) add to a run without the
scoring code knowing them."""

from django.dispatch import Signal

run_scored = Signal()
"""Sent inside the transaction that stores a run's results, with ``run``, ``table`` (the
engine input, polars) and ``result`` (the engine's ScoreResult): receivers' writes are kept or
rolled back together with the results."""
