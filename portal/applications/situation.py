"""What a page of the apply journey knows: the answers so far, whom it is for, and today.

Kept apart from the pages themselves (journey.py, details.py) so that both can use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from babel.support import LazyProxy

from portal.applications.documents import Held
from portal.applications.rules import (
    Answer,
    DisabilityGroup,
    Eligibility,
    Facts,
    ServiceKind,
    age_on,
    eligibility,
)
from portal.people.personal_code import parse
from portal.registers.facts import SCHOOL_LEVELS, Level, OpinionKind, RegisterName
from portal.registers.service import Registered

Answers = dict[str, Any]


@dataclass(frozen=True)
class Option:
    value: str
    text: LazyProxy | str
    hint: LazyProxy | str | None = None


@dataclass(frozen=True)
class Situation:
    """What a question needs to know: the answers so far and the person it is all for."""

    answers: Answers
    birth_date: date | None
    today: date
    # The kinds of document uploaded to the draft so far (only the documents page needs them).
    uploaded: frozenset[str] = frozenset()
    # Municipality code -> name in the page's language (only the details page needs them).
    municipalities: Mapping[str, str] = field(default_factory=dict)
    # School id -> name, the schools registered in the chosen municipality (only the school page needs them).
    schools: Mapping[str, str] = field(default_factory=dict)
    # What the state registers said when the draft was started; None when they were not read (off, or before).
    registered: Registered | None = None

    @cached_property
    def from_registers(self) -> dict[str, tuple[str, RegisterName]]:
        """The eligibility questions the registers answer: slug -> (the answer, the register that gives it)."""
        return registered_answers(self.registered, self.today)

    def answer(self, slug: str) -> Any:
        """The registers' answer to a question when they give one, else the person's."""
        registered = self.from_registers.get(slug)
        return registered[0] if registered else self.answers.get(slug)

    @cached_property
    def held(self) -> frozenset[Held]:
        """The facts the registers hold that a document would otherwise prove (documents.required_documents)."""
        return held_by_registers(self.registered, self.today)

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date, self.today) if self.birth_date else None

    @property
    def kind(self) -> ServiceKind | None:
        value = self.answers.get("service")
        return ServiceKind(value) if isinstance(value, str) and value in ServiceKind._value2member_map_ else None

    @property
    def is_pupil(self) -> bool:
        return self.kind is ServiceKind.SCHOOL_ASSISTANT and self.age is not None and self.age <= 18

    @property
    def facts(self) -> Facts:
        a = {**self.answers, **{slug: value for slug, (value, _register) in self.from_registers.items()}}

        def answer(slug: str) -> Answer:
            return Answer(a[slug]) if a.get(slug) in Answer._value2member_map_ else Answer.UNKNOWN

        group = DisabilityGroup.UNKNOWN
        if a.get("disability-group") in DisabilityGroup._value2member_map_:
            group = DisabilityGroup(a["disability-group"])
        elif a.get("disability") in Answer._value2member_map_:
            group = {Answer.YES: DisabilityGroup.CHILD, Answer.NO: DisabilityGroup.NONE}.get(
                Answer(a["disability"]), DisabilityGroup.UNKNOWN
            )
        return Facts(
            age=self.age,
            disability_group=group,
            limitations=answer("limitations"),
            transport_indication=answer("transport-indication"),
            special_care_opinion=answer("special-care-opinion"),
            companion_opinion=answer("companion-opinion"),
            assistant_opinion=answer("assistant-opinion"),
            family_works_or_studies=answer("family-works"),
            studies_at_school=answer("studies-at-school"),
        )

    @property
    def eligibility(self) -> Eligibility | None:
        return eligibility(self.kind, self.facts) if self.kind else None


def birth_date_of(personal_code: str) -> date | None:
    return parse(personal_code, from_provider=True).birth_date


def registered_answers(registered: Registered | None, today: date) -> dict[str, tuple[str, RegisterName]]:
    """The journey's eligibility answers that the registers give, valid today: slug -> (answer, register).

    Only what a register holds answers a question; what it does not hold is asked (a register that
    lags behind the commission never rules anyone out by leaving something out). A disability the
    register holds gives the group (or that a child's disability is determined), and the limitations
    and the transport indication when it records them; an opinion it holds answers that opinion's question.
    """
    answers: dict[str, tuple[str, RegisterName]] = {}
    disability = registered.disability.found if registered else None
    if disability is not None and disability.is_valid_on(today):
        if disability.group is not DisabilityGroup.CHILD:
            answers["disability-group"] = (disability.group.value, RegisterName.DISABILITY)
        answers["disability"] = (Answer.YES.value, RegisterName.DISABILITY)
        for slug, flag in (("limitations", disability.limitations), ("transport-indication", disability.transport_indication)):
            if flag is not None:
                answers[slug] = ((Answer.YES if flag else Answer.NO).value, RegisterName.DISABILITY)
        for slug, kind in (("special-care-opinion", OpinionKind.SPECIAL_CARE), ("companion-opinion", OpinionKind.COMPANION),
                           ("assistant-opinion", OpinionKind.ASSISTANT)):
            if disability.opinion(kind, today):
                answers[slug] = (Answer.YES.value, RegisterName.DISABILITY)
    education = registered.education.found if registered else None
    if education is not None:
        if education.current(today, SCHOOL_LEVELS):
            answers["studies-at-school"] = (Answer.YES.value, RegisterName.EDUCATION)
        elif education.current(today, (Level.SPECIAL,)):
            answers["studies-at-school"] = (Answer.NO.value, RegisterName.EDUCATION)
    return answers


def held_by_registers(registered: Registered | None, today: date) -> frozenset[Held]:
    held: set[Held] = set()
    disability = registered.disability.found if registered else None
    if disability is not None:
        for kind, fact in ((OpinionKind.SPECIAL_CARE, Held.SPECIAL_CARE_OPINION), (OpinionKind.COMPANION, Held.COMPANION_OPINION),
                           (OpinionKind.ASSISTANT, Held.ASSISTANT_OPINION)):
            if disability.opinion(kind, today):
                held.add(fact)
    education = registered.education.found if registered else None
    if education is not None:
        if education.current(today, SCHOOL_LEVELS):
            held.add(Held.SCHOOL)
        if education.current(today, (Level.HIGHER,)):
            held.add(Held.UNIVERSITY)
    return frozenset(held)
