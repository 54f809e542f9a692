"""The id of the request being served, for every log line written while serving it."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

current: ContextVar[str] = ContextVar("innopoints_request_id", default="-")
# an id handed on by the load balancer is kept when it looks like one (no log injection)
ACCEPTED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def choose(incoming: str | None) -> str:
    """The load balancer's id when it is a plain token, else a new one."""
    if incoming and ACCEPTED.match(incoming):
        return incoming
    return uuid.uuid4().hex
