"""What a page of the apply journey knows: the answers so far, whom it is for, and today.

Kept apart from the pages themselves (journey.py, details.py) so that both can use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.support import LazyProxy

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
        a = self.answers

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
