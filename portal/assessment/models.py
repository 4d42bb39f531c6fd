"""Self-assessments and the social service's own assessment, each a numbered version.

A version is filled in while IN_PROGRESS and frozen once SUBMITTED: changing an answer
afterwards starts the next version, so an application keeps the one it was sent with and
an old version is still shown, and scored, with its own questionnaire.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, Timestamped, UTCDateTime, string_enum
from portal.people.models import Person


class AssessmentStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class Assessment(Timestamped, Base):
    """One version of a questionnaire about a person.

    `application_id` is empty for the person's own self-assessment (filled in by them or
    their representative) and names the case for the social service's assessment of it.
    """

    __tablename__ = "assessment"
    __table_args__ = (
        # One number per version: a double-clicked "save" cannot start two versions at once.
        Index("uq_assessment_self_number", "person_id", "number", unique=True,
              sqlite_where=text("application_id IS NULL"), postgresql_where=text("application_id IS NULL")),
        Index("uq_assessment_case_number", "application_id", "number", unique=True),
        # One version in progress per series, whatever its number: two first saves at once start one.
        # The person's own (application_id empty) and each case's, as two partial indexes, since
        # NULLs never collide in a unique index.
        Index("uq_assessment_self_in_progress", "person_id", unique=True,
              sqlite_where=text("application_id IS NULL AND status = 'in_progress'"),
              postgresql_where=text("application_id IS NULL AND status = 'in_progress'")),
        Index("uq_assessment_case_in_progress", "application_id", unique=True,
              sqlite_where=text("application_id IS NOT NULL AND status = 'in_progress'"),
              postgresql_where=text("application_id IS NOT NULL AND status = 'in_progress'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    # The version's number among the person's self-assessments (or the case's assessments): 1, 2, ...
    number: Mapped[int] = mapped_column(Integer)
    # Which questionnaire and version it answers: a key of assessment.definitions.all_definitions().
    questionnaire: Mapped[str] = mapped_column(String(40))
    status: Mapped[AssessmentStatus] = mapped_column(
        string_enum(AssessmentStatus, "assessment_status"), default=AssessmentStatus.IN_PROGRESS
    )
    # Question id -> answer; the shapes are assessment/answers.py's.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The language its comments and free texts were typed in: the page's when a section was last saved
    # (i18n.written_in); None for versions saved before the portal kept it.
    language: Mapped[str | None] = mapped_column(String(2))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="raise")
