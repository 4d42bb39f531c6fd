"""Applications for the service, their history, and their reference numbers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.applications.rules import ServiceKind
from portal.db import Base, Timestamped, UTCDateTime, string_enum, utcnow
from portal.people.models import Municipality, Person


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    INFO_REQUESTED = "info_requested"
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class ApplicationAction(StrEnum):
    """What an ApplicationEvent records (stored as its value; the texts are applications.presenters.EVENT_TEXTS)."""

    # The person (or their representative).
    STARTED = "started"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    INFORMATION_PROVIDED = "information_provided"
    # The social service's desk.
    REVIEW_STARTED = "review_started"
    INFORMATION_REQUESTED = "information_requested"
    GRANTED = "granted"
    REFUSED = "refused"
    ASSISTANT_ASSIGNED = "assistant_assigned"
    NOTE = "note"  # a working note: the person does not see it (casework.service.INTERNAL_ACTIONS)
    TAKEN = "taken"  # a caseworker took the case to handle (internal too)


DECIDED = frozenset({ApplicationStatus.GRANTED, ApplicationStatus.REFUSED})
CLOSED = DECIDED | {ApplicationStatus.WITHDRAWN}
# Cases waiting for the desk's decision (casework.service.OPEN), and the same as SQL: the condition of the
# open-queue index, which a query names word for word (casework.queue) so that the planner can use it.
OPEN = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.INFO_REQUESTED)
OPEN_CASES = "status IN (" + ", ".join(f"'{status.value}'" for status in OPEN) + ")"


class Application(Timestamped, Base):
    """One application: a draft while it is being filled in, then a case at the social service."""

    __tablename__ = "application"
    __table_args__ = (
        Index(None, "person_id", "status"),
        Index(None, "created_by_id", "status"),
        Index(None, "municipality_id", "status", "submitted_at"),
        Index(None, "handler_id", "status"),  # the desk's "my cases"
        # The desk's open cases of a municipality in queue order (casework/queue.py), read a page at a time in the
        # index's order: the first page costs the same however many cases the municipality has.
        Index("ix_application_open_queue", "municipality_id", "submitted_at", "id",
              postgresql_where=text(OPEN_CASES), sqlite_where=text(OPEN_CASES)),
        # A person may have several drafts (another kind, someone they represent), but one "start"
        # form sent twice (a double click, a duplicated tab) starts one: its key is single per actor.
        Index("uq_application_start_key", "created_by_id", "start_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # AP-YYYY-NNNNNN, given at submission.
    reference: Mapped[str | None] = mapped_column(String(16), unique=True)
    # Whom the service is for, and who filled it in (themself or their representative).
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    # The random key of the "who is it for" page that started the draft (None: started otherwise).
    start_key: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[ServiceKind | None] = mapped_column(string_enum(ServiceKind, "service_kind"))
    status: Mapped[ApplicationStatus] = mapped_column(
        string_enum(ApplicationStatus, "application_status"), default=ApplicationStatus.DRAFT
    )
    # The journey's answers by question; their shape is the journey's (applications/journey.py).
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    # The school that decides, for the assistant in an educational institution (None: the social service).
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language the person used to submit: the social service's notices follow it.
    language: Mapped[str | None] = mapped_column(String(2))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The caseworker who took the case to handle it (None: nobody yet).
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # The self-assessment version sent with the application (a later version does not change it).
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", use_alter=True), index=True)

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="raise")
    created_by: Mapped[Person] = relationship(foreign_keys=[created_by_id], lazy="raise")
    municipality: Mapped[Municipality | None] = relationship(lazy="raise")


class ApplicationEvent(Base):
    """Every change to an application: who acted, for whom, what changed. Never updated."""

    __tablename__ = "application_event"
    __table_args__ = (Index(None, "application_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    on_behalf_of_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    action: Mapped[ApplicationAction] = mapped_column(string_enum(ApplicationAction, "application_action", length=40))
    from_status: Mapped[ApplicationStatus | None] = mapped_column(string_enum(ApplicationStatus, "application_status"))
    to_status: Mapped[ApplicationStatus | None] = mapped_column(string_enum(ApplicationStatus, "application_status"))
    message: Mapped[str] = mapped_column(Text, default="")
    # The language the message was written in (the page's, lv or ru): a page in another language marks it.
    message_lang: Mapped[str | None] = mapped_column(String(2))


class ReferenceSequence(Base):
    """The last reference number given in a year (AP-YYYY-NNNNNN counts from 1 each year)."""

    __tablename__ = "reference_sequence"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class ApplicationDocument(Base):
    """A file attached to an application: its content is in storage under `storage_key`."""

    __tablename__ = "application_document"
    __table_args__ = (Index(None, "application_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    # Which document this is (applications/documents.py: DocumentKind).
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
