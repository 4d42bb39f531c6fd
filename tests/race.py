"""Two (or more) real requests at once, as two tabs or two people would send them.

Each request goes through an app of its own, as it would through two server processes: its own
event loop, its own connection pool, so the database alone decides which one wins. The requests
are prepared first (pages fetched, CSRF tokens read) and released together from threads by a
barrier. A rule that only holds "usually" fails these tests within a few rounds.

    with workers(settings, client, 2) as (first, second):
        answers = at_once(lambda: first.post(...), lambda: second.post(...))
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from functools import partial

import httpx

from portal.app import create_app
from portal.settings import Settings
from tests.client import TestClient


@contextmanager
def workers(settings: Settings, signed_in: TestClient, count: int = 2) -> Iterator[list[TestClient]]:
    """`count` clients, each with an app of its own, carrying the cookies of `signed_in` (the same browser)."""
    with ExitStack() as stack:
        clients = []
        for _ in range(count):
            other = stack.enter_context(
                TestClient(create_app(settings), base_url=str(signed_in.base_url), follow_redirects=False)
            )
            other.cookies.update(signed_in.cookies)
            clients.append(other)
        yield clients


def at_once(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run the calls at the same moment, each in a thread of its own; their answers in the same order."""
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(released, call) for call in calls]
        return [future.result() for future in futures]


def posts_at_once(*posts: tuple[TestClient, str, dict[str, str]]) -> list[httpx.Response]:
    """POST each (client, path, form) at the same moment: `at_once` for the usual case."""
    return at_once(*[partial(client.post, path, data=data) for client, path, data in posts])
