"""Survey answers, kept so that an anonymous response cannot be joined back to its person.

- A signed-in person's unfinished answers are a SurveyDraft (theirs, so they can come back).
- On submitting an anonymous survey, in the request's transaction, the draft is deleted, a
  SurveyParticipation says only that this person has answered (so they cannot answer twice;
  no time, no answers), and the answers wait as a SurveyHeldAnswer (no person, no time, a
  random id). Rows written in one transaction share its id (PostgreSQL's xmin) and sit next
  to each other, so a held answer is linkable while it waits: it is never the final store.
- The batch step (service.release_held, in a transaction of its own) moves held answers into
  SurveyResponse only when at least RELEASE_BATCH wait, in a shuffled order, with new random
  ids and the month only; then the held rows are deleted. See docs/architecture.md,
  "Anonymous answers", for what stays linkable.
- A survey that is not anonymous writes its SurveyResponse at once, with the person and the day.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class SurveyDraft(Base):
    __tablename__ = "survey_draft"
    __table_args__ = (Index("uq_survey_draft_person", "survey_id", "person_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(60))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SurveyParticipation(Base):
    """Only that a person has answered a survey: no time, no link to the answers."""

    __tablename__ = "survey_participation"
    __table_args__ = (Index("uq_survey_participation", "survey_id", "person_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(60))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)


class SurveyHeldAnswer(Base):
    """Answers to an anonymous survey waiting for the batch step: no person, no time, a random id."""

    __tablename__ = "survey_held_answer"
    __table_args__ = (Index(None, "survey_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(60))
    survey_version: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SurveyResponse(Base):
    """One submitted set of answers. For an anonymous survey `person_id` stays empty and
    `submitted_on` is the first day of the month the batch step added it in."""

    __tablename__ = "survey_response"
    # (survey_id, id): the results' first free texts, in the order of the random ids (analysis._first_texts).
    __table_args__ = (Index(None, "survey_id", "submitted_on"), Index(None, "survey_id", "id"))

    # A random id, not a sequence: the order of ids says nothing about who answered when.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(60))
    survey_version: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    submitted_on: Mapped[date] = mapped_column(Date)  # the day only; the month only (its 1st) when anonymous
    # jsonb on PostgreSQL: the analysis reads every answer of every response, and json would be parsed again each time.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON().with_variant(JSONB(), "postgresql"), default=dict)
    # Only for a survey that is not anonymous.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)


class SurveyVisit(Base):
    """A visitor's unfinished answers to a public survey, under the SHA-256 of a random token in their
    session cookie: nothing says who they are, and the day alone says when (for clearing old ones)."""

    __tablename__ = "survey_visit"

    visit: Mapped[str] = mapped_column(String(64), primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_on: Mapped[date] = mapped_column(Date, index=True)


class SurveyTally(Base):
    """The results' counts, kept current on every write of a response, in its transaction (surveys/tallies.py),
    so that the results page reads a few rows per question however many answered. Per survey, language of
    answering and service kind (the results' two filters), question and option: how many. Nothing else: no
    person, no time, no response's id; only sums of what survey_response holds, and the pages show none
    under MIN_GROUP (analysis.results)."""

    __tablename__ = "survey_tally"

    survey_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    kind: Mapped[str] = mapped_column(String(100), primary_key=True)  # the "service_kind" answer; "": none given
    question: Mapped[str] = mapped_column(String(100), primary_key=True)  # "": the responses themselves
    value: Mapped[str] = mapped_column(String(100), primary_key=True)  # "": how many answered; else chose this option
    n: Mapped[int] = mapped_column(Integer)
