"""The load scenario: analysts paging through a national leaderboard and opening portraits.
Driven by benchmarks/load.py (which sets LOAD_RUN, LOAD_ENTERPRISES, LOAD_USER, LOAD_PASSWORD)."""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

RUN = os.environ.get("LOAD_RUN", "1")
ENTERPRISES = [int(x) for x in os.environ.get("LOAD_ENTERPRISES", "1").split(",")]
PAGES = int(os.environ.get("LOAD_PAGES", "200"))


class Analyst(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        login = self.client.get("/admin/login/", name="login")
        token = login.cookies.get("csrftoken", "")
        self.client.post(
            "/admin/login/?next=/admin/",
            {
                "username": os.environ["LOAD_USER"],
                "password": os.environ["LOAD_PASSWORD"],
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": f"{self.host}/admin/login/"},
            name="login",
        )

    @task(3)
    def leaderboard(self) -> None:
        page = random.randint(1, PAGES)
        self.client.get(f"/scoring/runs/{RUN}/leaderboard/?page={page}", name="leaderboard")

    @task(3)
    def portrait(self) -> None:
        enterprise = random.choice(ENTERPRISES)
        self.client.get(f"/analysis/enterprise/{enterprise}/portrait/", name="portrait")

    @task(1)
    def run_page(self) -> None:
        self.client.get(f"/scoring/runs/{RUN}/", name="run")
