"""The public objection form's check against automated filing, with nothing outside the
platform (an intranet: no external captcha): a small sum to work out, signed with the site's
key so the page needs no server-side state, answerable once and within two hours, and a field
hidden from people that robots fill in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache

SALT = "innopoints.objection.challenge"
MAX_AGE = 2 * 3600  # seconds a form may stay open
TRAP = "website"  # the hidden field: a person leaves it empty


@dataclass(frozen=True)
class Challenge:
    a: int
    b: int
    token: str


def new() -> Challenge:
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps({"a": a, "b": b, "n": secrets.token_hex(8)}, salt=SALT)
    return Challenge(a, b, token)


def passes(token: str, answer: str, trap: str = "") -> bool:
    """Whether the sum is right, the token genuine, fresh and unused, and the trap empty; a
    token is used up by its first right answer."""
    if trap.strip():
        return False
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return False
    if answer.strip() != str(int(data["a"]) + int(data["b"])):
        return False
    return bool(cache.add(f"objection-challenge:{data['n']}", 1, timeout=MAX_AGE + 60))
