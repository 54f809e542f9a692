"""The load scenario: analysts paging through a national leaderboard and opening portraits.
Driven by benchmarks/load.py (which sets LOAD_RUN, LOAD_ENTERPRISES, LOAD_PAGES and
LOAD_SESSIONS: signed-in analysts' session keys)."""

from __future__ import annotations

import itertools
import os
import random

from locust import FastHttpUser, between, task

RUN = os.environ.get("LOAD_RUN", "1")
ENTERPRISES = [int(x) for x in os.environ.get("LOAD_ENTERPRISES", "1").split(",")]
PAGES = int(os.environ.get("LOAD_PAGES", "200"))
USERS = itertools.count()


class Analyst(FastHttpUser):  # geventhttpclient: the generator takes little of the 2 cores
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        sessions = os.environ.get("LOAD_SESSIONS", "").split(",")
        self.headers = {"Cookie": f"sessionid={sessions[next(USERS) % len(sessions)]}"}

    def _page(self, url: str, name: str) -> None:
        """A page must answer 200 itself (a redirect to sign-in counts as a failure)."""
        with self.client.get(
            url, name=name, headers=self.headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task(3)
    def leaderboard(self) -> None:
        self._page(
            f"/scoring/runs/{RUN}/leaderboard/?page={random.randint(1, PAGES)}", "leaderboard"
        )

    @task(3)
    def portrait(self) -> None:
        self._page(f"/analysis/enterprise/{random.choice(ENTERPRISES)}/portrait/", "portrait")

    @task(1)
    def run_page(self) -> None:
        self._page(f"/scoring/runs/{RUN}/", "run")
