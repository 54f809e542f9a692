"""The per-run match rollup: once a run's matching has stored its matches, one INSERT … SELECT
counts them by offering (and its institution), county, tier and stage from the run's results,
and a second sums those by prefecture.
Called inside the matching transaction (``apps.py`` connects it to ``matching_finished``), so a
run's rollup exists exactly when its matches do."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from innopoints.applications.models import Match, Offering
from innopoints.scoring.models import Result, Run
from innopoints.targets.models import MatchRollup


def build_rollup(run: Run | int) -> int:
    """(Re)write the run's rollup; the number of county rows."""
    run_id = run if isinstance(run, int) else run.pk
    rollup = MatchRollup._meta.db_table
    match = Match._meta.db_table
    result = Result._meta.db_table
    offering = Offering._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {rollup} WHERE run_id = %s", [run_id])
        cursor.execute(
            f"""
                INSERT INTO {rollup}
                    (run_id, offering_id, institution_id, digits, region_code, tier, stage, count)
                SELECT m.run_id, m.offering_id, o.institution_id, 6,
                       COALESCE(r.region_code, ''), COALESCE(r.tier, ''), COALESCE(r.stage, ''),
                       COUNT(*)
                FROM {match} m
                JOIN {offering} o ON o.id = m.offering_id
                LEFT JOIN {result} r ON r.run_id = m.run_id AND r.enterprise_id = m.enterprise_id
                WHERE m.run_id = %s
                GROUP BY m.run_id, m.offering_id, o.institution_id,
                         r.region_code, r.tier, r.stage
                """,
            [run_id],
        )
        counties = int(cursor.rowcount)
        cursor.execute(
            f"""
                INSERT INTO {rollup}
                    (run_id, offering_id, institution_id, digits, region_code, tier, stage, count)
                SELECT run_id, offering_id, institution_id, 4, SUBSTR(region_code, 1, 4),
                       tier, stage, SUM(count)
                FROM {rollup}
                WHERE run_id = %s AND digits = 6
                GROUP BY run_id, offering_id, institution_id, SUBSTR(region_code, 1, 4),
                         tier, stage
                """,
            [run_id],
        )
        return counties


def on_matching_finished(sender: Any, run: Run, **kwargs: Any) -> None:
    build_rollup(run)


def ensure_rollup(run: Run | None) -> None:
    """A run matched before the rollup existed gets its rollup on first need (once)."""
    if run is None or MatchRollup.objects.filter(run=run).exists():
        return
    if Match.objects.filter(run=run).exists():
        build_rollup(run)
