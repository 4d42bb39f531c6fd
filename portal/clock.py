"""Today's date where the service is: Latvia (a representation valid "today" means in Riga)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

RIGA = ZoneInfo("Europe/Riga")


def today() -> date:
    return datetime.now(RIGA).date()


def day_of(instant: datetime) -> date:
    """The day an instant was in Riga (a naive instant is UTC, as the database stores it)."""
    aware = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
    return aware.astimezone(RIGA).date()


def start_of(day: date) -> datetime:
    """The instant a day begins in Riga."""
    return datetime.combine(day, time.min, tzinfo=RIGA)
