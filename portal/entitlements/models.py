"""What the social service granted: hours per month (or week), for a period, and who assists."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.applications.rules import Period, ServiceKind
from portal.db import Base, UTCDateTime, string_enum, utcnow
from portal.people.models import Person


class Entitlement(Base):
    """A grant, created by the desk's decision on an application. Never edited: a change is a new decision."""

    __tablename__ = "entitlement"
    __table_args__ = (Index(None, "person_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    kind: Mapped[ServiceKind] = mapped_column(string_enum(ServiceKind, "service_kind"))
    # Integer minutes per `period` (the school and study assistants are granted per week).
    minutes: Mapped[int] = mapped_column(Integer)
    period: Mapped[Period] = mapped_column(string_enum(Period, "grant_period"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    decision_text: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssistantAssignment(Base):
    """Who assists whom, from when. A change of assistant ends one row and starts another."""

    __tablename__ = "assistant_assignment"
    __table_args__ = (Index(None, "person_id", "valid_from"), Index(None, "assistant_id", "valid_from"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    assistant_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assistant: Mapped[Person] = relationship(foreign_keys=[assistant_id], lazy="raise")
