"""Runs in the admin's lists of rows that name a run (memberships, matches, pushes): the
run filter's choices, and the run fields such a list never shows."""

from __future__ import annotations

from innopoints.scoring.models import LARGE_RUN_FIELDS, Run


def run_choices() -> list[tuple[str, str]]:
    """The finished and failed runs, newest first, named as the admin names them (one query)."""
    runs = (
        Run.objects.select_related("region", "scheme_version")
        .defer(*(name.removeprefix("run__") for name in run_fields_not_listed()))
        .order_by("-pk")[:200]
    )
    return [(str(run.pk), str(run)) for run in runs]


def run_fields_not_listed() -> tuple[str, ...]:
    """A run's input ids, ranked totals, report and parameters: megabytes a row (and a JSON
    decode each) that a list never shows."""
    # named from a result, as from a membership, match or push; the report and parameters too
    return (
        *LARGE_RUN_FIELDS,
        "run__report",
        "run__parameters",
        "run__error",
        "run__scheme_version__content",
        "run__scheme_version__source_yaml",
    )
