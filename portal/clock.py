"""Today's date where the service is: Latvia (a representation valid "today" means in Riga)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

RIGA = ZoneInfo("Europe/Riga")


def today() -> date:
    return datetime.now(RIGA).date()
