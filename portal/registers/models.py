"""What a register said about an application's person, and when: kept with the application.

One row per register and stage: what the registers said when the draft was started (APPLIED: the
journey's prefill and the questions it did not ask, and the desk's case page), and again when the
case was decided (DECIDED: the grant is capped by it; the desk is shown what changed between the two).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, string_enum
from portal.registers.facts import Outcome, RegisterName


class ReadStage(StrEnum):
    APPLIED = "applied"
    DECIDED = "decided"


class RegisterRead(Base):
    __tablename__ = "register_read"
    __table_args__ = (UniqueConstraint("application_id", "register", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    register: Mapped[RegisterName] = mapped_column(string_enum(RegisterName, "register_name", 16))
    stage: Mapped[ReadStage] = mapped_column(string_enum(ReadStage, "register_read_stage", 16))
    outcome: Mapped[Outcome] = mapped_column(string_enum(Outcome, "register_outcome", 16))
    # The facts as the register gave them (facts.dump), when it found the person; None otherwise.
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)
