"""Rate limits that hold across processes: hits counted in the database, per client and fixed window.

A limit is a name, how many hits it allows, and its window (sliding: see `hit`). A hit is counted with one upsert
(`INSERT … ON CONFLICT DO UPDATE … RETURNING`), so two workers, or two requests at once, cannot
both take the last place: the database serialises the row. The client is a keyed hash of its
address (the portal's secret key): the table never holds an address, and the hash cannot be
reversed by trying every address without the key. Old windows are removed by `portal retention`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from sqlalchemy import Index, Integer, String, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from starlette.requests import HTTPConnection

from portal.db import Base, unit_of_work
from portal.security import client_address


class RateLimitHit(Base):
    __tablename__ = "rate_limit_hit"
    __table_args__ = (Index(None, "window_end"),)

    limit_name: Mapped[str] = mapped_column(String(30), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The window's end, in whole seconds since the epoch: a row is of no use after it.
    window_end: Mapped[int] = mapped_column(Integer, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, server_default=text("1"))


@dataclass(frozen=True)
class Limit:
    name: str
    hits: int
    window_seconds: int


# Starting sign-in and the provider's callback: far above what a person, or a family sharing one
# address, does in ten minutes; far below what trying personal codes or filling the table needs.
SIGN_IN = Limit("sign_in", 30, 600)
CALLBACK = Limit("callback", 30, 600)
# The public survey: a few submissions an hour from one address; pages saved, enough to answer it several times.
PUBLIC_SUBMIT = Limit("public_submit", 5, 3600)
PUBLIC_PAGE = Limit("public_page", 300, 3600)


class Limited(Exception):
    """Over the limit: answered with 429 and Retry-After (app.too_many_requests)."""

    def __init__(self, limit: Limit, retry_after_seconds: int) -> None:
        super().__init__(limit.name)
        self.limit = limit
        self.retry_after_seconds = retry_after_seconds


def client_key(secret_key: str, address: str) -> str:
    return hmac.new(secret_key.encode(), address.encode(), hashlib.sha256).hexdigest()


async def hit(db: AsyncSession, limit: Limit, secret_key: str, address: str, now: float | None = None) -> None:
    """Count a hit in the unit of work; Limited if it is one too many (the count then rolls back with the request).

    A sliding window: the hits of this window, and of the one before weighed by how much of it still
    lies within the last `window_seconds`, so the count does not start from nothing at a window's turn.
    """
    moment = time.time() if now is None else now
    window_end = (int(moment) // limit.window_seconds + 1) * limit.window_seconds
    client = client_key(secret_key, address)
    values = {"limit_name": limit.name, "client": client, "window_end": window_end, "hits": 1}
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(RateLimitHit).values(values)
    counted = insert.on_conflict_do_update(
        index_elements=["limit_name", "client", "window_end"], set_={"hits": RateLimitHit.hits + 1}
    ).returning(RateLimitHit.hits)
    hits = int((await db.execute(counted)).scalar_one())
    before = await db.scalar(select(RateLimitHit.hits).where(
        RateLimitHit.limit_name == limit.name, RateLimitHit.client == client,
        RateLimitHit.window_end == window_end - limit.window_seconds))
    still_counted = (window_end - moment) / limit.window_seconds  # of the window before, the part within the last window_seconds
    if hits + (before or 0) * still_counted > limit.hits:
        raise Limited(limit, max(1, int(window_end - moment)))


async def count(request: HTTPConnection, limit: Limit) -> None:
    """A hit for the request's client, kept at once in a unit of work of its own (never with what the
    request writes); Limited past the limit."""
    async with unit_of_work(request) as db:
        await hit(db, limit, request.app.state.settings.secret_key, client_address(request.scope))
