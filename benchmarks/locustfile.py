"""The load scenario: 50 users mixing the three portals and the institution API —
government analysts (leaderboard pages, portraits, the run and home pages, the job status
page), bank users (their home, the list sent to them, authorised enterprises' files, their
financing records), enterprise users (home, authorisations, inbox, matches) and bank systems
calling /api/v1/ with their tokens. Request names start with the portal (``gov:``, ``fin:``,
``ent:``, ``api:``) so pages and API calls are read apart.

Driven by benchmarks/load.py, which prepares everything in the database beforehand
(benchmarks/load_fixtures.py) and sets LOAD_RUN, LOAD_ENTERPRISES, LOAD_PAGES, LOAD_SESSIONS,
LOAD_BANK_SESSIONS, LOAD_ENT_SESSIONS, LOAD_TOKENS, LOAD_DISPATCH, LOAD_AUTHORISED and
LOAD_AUTHORISED_CODES."""

from __future__ import annotations

import itertools
import os
import random

from locust import FastHttpUser, between, task


def _list(name: str, default: str = "") -> list[str]:
    return [x for x in os.environ.get(name, default).split(",") if x]


RUN = os.environ.get("LOAD_RUN", "1")
ENTERPRISES = [int(x) for x in _list("LOAD_ENTERPRISES", "1")]
PAGES = int(os.environ.get("LOAD_PAGES", "200"))
DISPATCH = os.environ.get("LOAD_DISPATCH", "1")
AUTHORISED = [int(x) for x in _list("LOAD_AUTHORISED", "1")]
AUTHORISED_CODES = _list("LOAD_AUTHORISED_CODES")
TAKEN = itertools.count()


class _Portal(FastHttpUser):  # geventhttpclient: the generator takes little of the 2 cores
    abstract = True
    wait_time = between(0.5, 1.5)
    sessions_variable = "LOAD_SESSIONS"

    def on_start(self) -> None:
        sessions = _list(self.sessions_variable)
        if not sessions:
            raise RuntimeError(f"{self.sessions_variable} is empty: run benchmarks/load.py")
        self.headers = {"Cookie": f"sessionid={sessions[next(TAKEN) % len(sessions)]}"}

    def _page(self, url: str, name: str) -> None:
        """A page must answer 200 itself (a redirect to sign-in counts as a failure)."""
        with self.client.get(
            url, name=name, headers=self.headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")


class Analyst(_Portal):
    """政府端: a provincial analyst."""

    weight = 4

    @task(3)
    def leaderboard(self) -> None:
        page = random.randint(1, PAGES)
        self._page(f"/scoring/runs/{RUN}/leaderboard/?page={page}", "gov:leaderboard")

    @task(3)
    def portrait(self) -> None:
        enterprise = random.choice(ENTERPRISES)
        self._page(f"/analysis/enterprise/{enterprise}/portrait/", "gov:portrait")

    @task(1)
    def run_page(self) -> None:
        self._page(f"/scoring/runs/{RUN}/", "gov:run")

    @task(1)
    def home(self) -> None:
        self._page("/gov/", "gov:home")

    @task(1)
    def jobs(self) -> None:
        self._page("/ops/jobs/", "gov:jobs")


class Banker(_Portal):
    """金融端: a bank's credit officer."""

    weight = 2
    sessions_variable = "LOAD_BANK_SESSIONS"

    @task(1)
    def home(self) -> None:
        self._page("/fin/", "fin:home")

    @task(3)
    def sent_list(self) -> None:
        self._page(f"/fin/lists/{DISPATCH}/", "fin:list")

    @task(3)
    def enterprise_file(self) -> None:
        self._page(f"/fin/enterprise/{random.choice(AUTHORISED)}/", "fin:enterprise")

    @task(1)
    def financings(self) -> None:
        self._page("/fin/financings/", "fin:financings")


class EnterpriseUser(_Portal):
    """企业端: an enterprise's own account."""

    weight = 2
    sessions_variable = "LOAD_ENT_SESSIONS"

    @task(2)
    def home(self) -> None:
        self._page("/ent/", "ent:home")

    @task(1)
    def authorisations(self) -> None:
        self._page("/ent/authorisations/", "ent:authorisations")

    @task(1)
    def inbox(self) -> None:
        self._page("/ent/inbox/", "ent:inbox")

    @task(1)
    def matches(self) -> None:
        self._page("/ent/matches/", "ent:matches")


class BankSystem(FastHttpUser):
    """A bank's system on the institution API (docs/api.md), one token per client."""

    weight = 2
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        tokens = _list("LOAD_TOKENS")
        if not tokens:
            raise RuntimeError("LOAD_TOKENS is empty: run benchmarks/load.py")
        self.headers = {"Authorization": f"Bearer {tokens[next(TAKEN) % len(tokens)]}"}

    def _call(self, url: str, name: str) -> None:
        with self.client.get(
            url, name=name, headers=self.headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task(1)
    def lists(self) -> None:
        self._call("/api/v1/lists", "api:lists")

    @task(2)
    def list_entries(self) -> None:
        self._call(f"/api/v1/lists/{DISPATCH}?page={random.randint(1, 10)}", "api:list")

    @task(2)
    def authorisations(self) -> None:
        self._call(f"/api/v1/authorisations?page={random.randint(1, 40)}", "api:authorisations")

    @task(3)
    def enterprise(self) -> None:
        if AUTHORISED_CODES:
            code = random.choice(AUTHORISED_CODES)
            self._call(f"/api/v1/enterprises/{code}", "api:enterprise")
