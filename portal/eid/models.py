"""A signed-in browser, kept on the server: the cookie carries only a random token and times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class WebSession(Base):
    """One sign-in. Its id is the SHA-256 of the cookie's token, so a reader of this table cannot use it
    to act as anyone; ending it (sign-out, "end the other sessions") takes effect on the next request."""

    __tablename__ = "web_session"
    __table_args__ = (Index(None, "person_id", "ended_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    signed_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Kept current to within a minute (eid.session.SEEN_EVERY_SECONDS), for the person's list of sessions.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the person can recognise the browser by ("Firefox, Windows"), from its User-Agent; never the address.
    device: Mapped[str] = mapped_column(String(100), default="")
    # The provider's ID token, sent back only as id_token_hint when the person signs out.
    id_token: Mapped[str | None] = mapped_column(Text)
