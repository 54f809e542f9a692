"""A published 积分榜 whose run has not been matched yet starts the run's matching."""

from __future__ import annotations

from typing import Any

from innopoints.analysis.models import Leaderboard
from innopoints.applications.match_and_push import dispatch
from innopoints.applications.models import RunMatching


def board_saved(sender: type[Leaderboard], instance: Leaderboard, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance.status != "published":
        return
    if RunMatching.objects.filter(run_id=instance.run_id).exists():
        return
    if instance.run.status != "done":
        return
    dispatch(instance.run)
