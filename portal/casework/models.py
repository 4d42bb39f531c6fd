"""A decision as a document: the one the caseworker is composing, and the one issued (a PDF, kept as issued)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.applications.rules import ServiceKind
from portal.db import Base, UTCDateTime, string_enum, utcnow


class Outcome(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"


class DecisionDraft(Base):
    """What the caseworker composed and is previewing: one per case (composing again replaces its
    content, under the case's lock), gone once the decision is issued. Its version counts the
    compositions, so that an issue sent from an older preview is told that the decision changed."""

    __tablename__ = "decision_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    outcome: Mapped[Outcome] = mapped_column(string_enum(Outcome, "decision_outcome"))
    # A grant's service, minutes per the kind's period and period; None for a refusal.
    kind: Mapped[ServiceKind | None] = mapped_column(string_enum(ServiceKind, "service_kind"))
    minutes: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    disability_until: Mapped[date | None] = mapped_column(Date)
    # The caseworker's own words: a grant's reasoning, a refusal's reasons.
    reasons: Mapped[str] = mapped_column(Text, default="")
    composed_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    composed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DecisionDocument(Base):
    """The decision as issued: a PDF/A rendered once, at issue, and kept in storage as it was; its
    SHA-256 here, so that the file a person downloads can be shown to be the one issued. One per case."""

    __tablename__ = "decision_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[Outcome] = mapped_column(string_enum(Outcome, "decision_outcome"))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    # The languages of the document: "lv", or "lv ru" with the Russian explanation beside it.
    languages: Mapped[str] = mapped_column(String(8))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
