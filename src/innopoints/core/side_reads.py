"""Reads on a connection of their own, in a thread, while the caller's connection does other
work: a run reads the enterprises, the kept values and the grants in force at once instead of
one after another (the server answers each on its own core, and the client decodes one while
the others arrive).

Only outside a transaction (PostgreSQL, autocommit): inside one, another connection would not
see the caller's uncommitted rows, so there the read happens at once, on the caller's
connection — the same result, one read after another."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from django.db import connection

P = ParamSpec("P")
T = TypeVar("T")


def read_beside(
    pool: ThreadPoolExecutor, read: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> Future[T]:
    """``read(*args, **kwargs)`` on a connection of its own in ``pool`` where that sees what
    the caller's would; else done now, on the caller's."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        done: Future[T] = Future()
        try:
            done.set_result(read(*args, **kwargs))
        except Exception as exc:  # raised where the caller asks for the result, as the
            done.set_exception(exc)  # thread's would be
        return done

    def on_own_connection() -> T:
        try:  # ``connection`` is the thread's own
            return read(*args, **kwargs)
        finally:
            connection.close()

    return pool.submit(on_own_connection)
