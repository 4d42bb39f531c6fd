"""People, who represents whom, and staff roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, Timestamped, UTCDateTime, string_enum


class Municipality(Base):
    """One of Latvia's 43 municipalities since the 2021 administrative reform."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_lv: Mapped[str] = mapped_column(String(100))
    name_ru: Mapped[str] = mapped_column(String(100))

    def name(self, locale: str) -> str:
        return self.name_ru if locale == "ru" else self.name_lv


class Person(Timestamped, Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Normalised DDMMYY-NNNNN (portal.people.personal_code).
    personal_code: Mapped[str] = mapped_column(String(12), unique=True)
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    preferred_locale: Mapped[str | None] = mapped_column(String(5))
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def full_name(self) -> str:
        return full_name(self.given_name, self.family_name)


def full_name(given_name: str, family_name: str) -> str:
    return f"{given_name} {family_name}".strip()


@dataclass(frozen=True, slots=True)
class Named:
    """A person as a list shows them: read as three columns, not as a Person (a list of 50 rows read
    as ORM objects spent most of its time building them)."""

    id: int
    given_name: str
    family_name: str

    @property
    def full_name(self) -> str:
        return full_name(self.given_name, self.family_name)


class RepresentationKind(StrEnum):
    PARENT = "parent"
    GUARDIAN = "guardian"
    AUTHORISED = "authorised"


class Representation(Timestamped, Base):
    """A legal representative acting for another person, valid for a period."""

    __tablename__ = "representation"
    __table_args__ = (
        CheckConstraint("representative_id <> represented_id", name="not_self"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period"),
        Index(None, "representative_id", "valid_from"),
        Index(None, "represented_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    representative_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    represented_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[RepresentationKind] = mapped_column(string_enum(RepresentationKind, "representation_kind"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    representative: Mapped[Person] = relationship(foreign_keys=[representative_id], lazy="raise")
    represented: Mapped[Person] = relationship(foreign_keys=[represented_id], lazy="raise")

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class School(Base):
    """A general or vocational school: it decides on the assistant in an educational institution (Reg. 695)."""

    __tablename__ = "school"
    __table_args__ = (UniqueConstraint("municipality_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)


class StaffRoleName(StrEnum):
    CASEWORKER = "caseworker"
    SCHOOL_STAFF = "school_staff"  # decides the school assistant's cases of one school
    SURVEY_ANALYST = "survey_analyst"
    ADMIN = "admin"


class StaffRole(Timestamped, Base):
    """A role at the social service; a caseworker's is tied to one municipality."""

    __tablename__ = "staff_role"
    __table_args__ = (
        UniqueConstraint("person_id", "role", "municipality_id"),
        CheckConstraint(
            "role <> 'caseworker' OR municipality_id IS NOT NULL", name="caseworker_municipality"
        ),
        CheckConstraint("role <> 'school_staff' OR school_id IS NOT NULL", name="school_staff_school"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[StaffRoleName] = mapped_column(string_enum(StaffRoleName, "staff_role_name"))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)

    municipality: Mapped[Municipality | None] = relationship(lazy="raise")


class Channel(StrEnum):
    """How a person is told of what happens: the outbox's channels (notifications/service.py)."""

    EMAIL = "email"
    SMS = "sms"
    EADDRESS = "eaddress"  # the official electronic address (e-adrese), Official Electronic Address Law


class ContactDetails(Timestamped, Base):
    """Where a person is told of events, and in which language: one row a person, written in settings.

    An address is used for notices only once confirmed (its `*_confirmed_at` set by a code sent to it);
    changing an address clears its confirmation.
    """

    __tablename__ = "contact_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone: Mapped[str] = mapped_column(String(20), default="")  # +371 2XXXXXXX: a mobile, for text messages
    phone_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The person's official e-address ("" when they have not activated one), its identifier by the personal code.
    eaddress: Mapped[str] = mapped_column(String(60), default="")
    eaddress_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, "contact_channel"), default=Channel.EMAIL)
    language: Mapped[str] = mapped_column(String(5), default="lv")


class ContactCode(Base):
    """The one-time code last sent to confirm one address: only its hash, until when it holds, attempts made."""

    __tablename__ = "contact_code"
    __table_args__ = (UniqueConstraint("person_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, "contact_channel"))
    address: Mapped[str] = mapped_column(String(254))  # the address it was sent to: a code confirms that one only
    code_hash: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
