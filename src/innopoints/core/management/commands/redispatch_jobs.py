from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from innopoints.core import queue


class Command(BaseCommand):
    help = "Send the tasks that waited while the broker (Redis) was unavailable."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = queue.flush()
        left = queue.waiting()
        self.stdout.write(f"sent {sent} task(s); {left} still waiting")
