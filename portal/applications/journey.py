"""The apply journey's questions: which apply, in what order, and what the answers mean.

One question per page (GOV.UK pattern). Each answer is saved on the draft as
`answers[slug] = value`; the questions that apply follow from the answers so
far, so changing an earlier answer can bring new questions in or take some out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from babel.support import LazyProxy

from portal.applications.rules import (
    Answer,
    DisabilityGroup,
    Eligibility,
    Facts,
    Reason,
    ServiceKind,
    Verdict,
    age_on,
    eligibility,
    kinds_by_age,
)
from portal.i18n import lazy_gettext as _l
from portal.people.personal_code import parse

Answers = dict[str, str]


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

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date, self.today) if self.birth_date else None

    @property
    def kind(self) -> ServiceKind | None:
        value = self.answers.get("service")
        return ServiceKind(value) if value in ServiceKind._value2member_map_ else None

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


YES_NO_UNKNOWN = (
    Option(Answer.YES, _l("Yes")),
    Option(Answer.NO, _l("No")),
    Option(Answer.UNKNOWN, _l("I don't know"), _l("The social service will check the state registers.")),
)


@dataclass(frozen=True)
class Question:
    slug: str
    title: LazyProxy
    error: LazyProxy  # shown when nothing (or something not offered) is chosen
    options: Callable[[Situation], tuple[Option, ...]] = lambda situation: YES_NO_UNKNOWN
    applies: Callable[[Situation], bool] = lambda situation: True
    hint: LazyProxy | None = None


KIND_TEXTS: dict[ServiceKind, tuple[LazyProxy, LazyProxy]] = {
    ServiceKind.ADULT_ASSISTANT: (
        _l("Assistant in the municipality (adult)"),
        _l("Help to get to and take part in work, studies, a day centre, treatment and other activities."),
    ),
    ServiceKind.CHILD_ASSISTANT: (
        _l("Assistant in the municipality (child)"),
        _l("For a child aged 5 to 17 who needs special care: 80 hours a month, 100 during treatment courses."),
    ),
    ServiceKind.CHILD_COMPANION: (
        _l("Companion for a child"),
        _l("For a child aged 5 to 17 who needs a companion but not special care: 60 hours a month."),
    ),
    ServiceKind.CHILD_CARE: (
        _l("Care service for a child"),
        _l("For a child aged 5 to 17 who needs special care while the family works or studies: up to 80 hours a month."),
    ),
    ServiceKind.SCHOOL_ASSISTANT: (
        _l("Assistant in an educational institution"),
        _l("Help at school or in vocational education: up to 40 hours a week in the school year. The school decides."),
    ),
    ServiceKind.STUDY_ASSISTANT: (
        _l("Assistant for studies at a university or college"),
        _l("For students with disability group I or II: up to 40 hours a week in the academic year."),
    ),
}

REASON_TEXTS: dict[Reason, LazyProxy] = {
    Reason.TOO_YOUNG: _l("This service is for older people."),
    Reason.TOO_OLD: _l("This service is for children aged 5 to 17."),
    Reason.AGE_UNKNOWN: _l("We could not tell the age from the personal code; the social service will check it."),
    Reason.NEEDS_GROUP_I_OR_II: _l("It needs disability group I or II."),
    Reason.NEEDS_LIMITATIONS: _l("It needs limitations of vision, mobility or mental functions."),
    Reason.NEEDS_DISABILITY: _l("It needs a disability determined by the State Medical Commission (VDEĀVK)."),
    Reason.NEEDS_SPECIAL_CARE_OPINION: _l("It needs the VDEĀVK's opinion that special care is needed."),
    Reason.HAS_SPECIAL_CARE_OPINION: _l("A child who needs special care can get an assistant instead, with more hours."),
    Reason.NEEDS_COMPANION_OPINION: _l("It needs the VDEĀVK's opinion that a companion is needed."),
    Reason.NEEDS_ASSISTANT_OPINION: _l("It needs the VDEĀVK's opinion that an assistant is needed."),
    Reason.NEEDS_FAMILY_WORK: _l("It is for families whose parents work or study."),
    Reason.NEEDS_STUDIES: _l("It is for pupils of a general or vocational school."),
}


def _service_options(situation: Situation) -> tuple[Option, ...]:
    offered, _not_offered = kinds_by_age(situation.age)
    return tuple(Option(kind.value, *KIND_TEXTS[kind]) for kind in offered)


def _kind_in(*kinds: ServiceKind) -> Callable[[Situation], bool]:
    return lambda situation: situation.kind in kinds


def _adult_group_question(situation: Situation) -> bool:
    return situation.kind in (ServiceKind.ADULT_ASSISTANT, ServiceKind.STUDY_ASSISTANT) or (
        situation.kind is ServiceKind.SCHOOL_ASSISTANT and not situation.is_pupil
    )


def _child_disability_question(situation: Situation) -> bool:
    return situation.kind in (ServiceKind.CHILD_ASSISTANT, ServiceKind.CHILD_COMPANION, ServiceKind.CHILD_CARE)


def _needs_special_care_question(situation: Situation) -> bool:
    return _child_disability_question(situation) or situation.is_pupil


def _transport_question(situation: Situation) -> bool:
    group = situation.answers.get("disability-group")
    return situation.kind is ServiceKind.ADULT_ASSISTANT and group not in (DisabilityGroup.GROUP_I, DisabilityGroup.GROUP_II)


def yes_no(slug: str, title: LazyProxy, applies: Callable[[Situation], bool], hint: LazyProxy | None = None) -> Question:
    return Question(slug, title, _l("Select yes, no or I don't know"), applies=applies, hint=hint)


GROUP_OPTIONS = (
    Option(DisabilityGroup.GROUP_I, _l("Group I")),
    Option(DisabilityGroup.GROUP_II, _l("Group II")),
    Option(DisabilityGroup.GROUP_III, _l("Group III")),
    Option(DisabilityGroup.NONE, _l("No disability group")),
    Option(DisabilityGroup.UNKNOWN, _l("I don't know"), _l("The social service will check the state registers.")),
)

QUESTIONS: tuple[Question, ...] = (
    Question(
        "service",
        _l("Which service do you want to apply for?"),
        _l("Select the service you want to apply for"),
        options=_service_options,
    ),
    Question(
        "disability-group",
        _l("Which disability group is determined?"),
        _l("Select the disability group, or that you don't know"),
        options=lambda situation: GROUP_OPTIONS,
        applies=_adult_group_question,
    ),
    yes_no("limitations", _l("Are there limitations of vision, mobility or mental functions?"), _kind_in(ServiceKind.ADULT_ASSISTANT),
           hint=_l("The State Medical Commission (VDEĀVK) records them when it determines the disability.")),
    yes_no("transport-indication", _l("Has the VDEĀVK found a need for car adaptation or a transport benefit?"), _transport_question,
           hint=_l("With such an indication, an adult can get the assistant with disability group III too.")),
    yes_no("disability", _l("Has the VDEĀVK determined a disability for the child?"), _child_disability_question),
    yes_no("studies-at-school", _l("Does the pupil study at a general or vocational school?"), _kind_in(ServiceKind.SCHOOL_ASSISTANT),
           hint=_l("Special schools funded by the state have their own staff and are not part of this service.")),
    yes_no("special-care-opinion", _l("Has the VDEĀVK given an opinion that special care is needed?"), _needs_special_care_question),
    yes_no("companion-opinion", _l("Has the VDEĀVK given an opinion that a companion is needed?"), _kind_in(ServiceKind.CHILD_COMPANION)),
    yes_no("family-works", _l("Do the child's parents or guardians work or study?"), _kind_in(ServiceKind.CHILD_CARE)),
    yes_no("assistant-opinion", _l("Has the VDEĀVK given an opinion that an assistant is needed for studies?"), _kind_in(ServiceKind.STUDY_ASSISTANT)),
)
BY_SLUG = {question.slug: question for question in QUESTIONS}

# After the questions: the page that says clearly when the answers rule the service out.
RULED_OUT = "eligibility"


def applicable(situation: Situation) -> list[Question]:
    return [question for question in QUESTIONS if question.applies(situation)]


def ruled_out(situation: Situation) -> bool:
    result = situation.eligibility
    return result is not None and result.verdict is Verdict.NOT_ELIGIBLE


def steps(situation: Situation) -> list[str]:
    """Every page of the journey as it stands for these answers, in order."""
    slugs = [question.slug for question in applicable(situation)]
    if ruled_out(situation):
        slugs.append(RULED_OUT)
    return slugs


def next_step(situation: Situation, current: str) -> str | None:
    """The page after `current`, or None when the questions so far are all answered."""
    order = steps(situation)
    if current in order:
        for slug in order[order.index(current) + 1 :]:
            if slug == RULED_OUT or slug not in situation.answers:
                return slug
    unanswered = [slug for slug in order if slug != RULED_OUT and slug not in situation.answers]
    return unanswered[0] if unanswered else None


def progress(situation: Situation) -> tuple[int, int]:
    """(answered, total) of the questions that apply now."""
    questions = applicable(situation)
    return sum(1 for q in questions if q.slug in situation.answers), len(questions)


def clean(answers: Answers, situation_of: Callable[[Answers], Situation]) -> Answers:
    """Drop answers to questions that no longer apply after an earlier answer changed."""
    situation = situation_of(answers)
    keep = {q.slug for q in applicable(situation)}
    return {slug: value for slug, value in answers.items() if slug in keep}


def kind_name(kind: ServiceKind) -> str:
    return str(KIND_TEXTS[kind][0])


def reason_text(reason: Reason) -> str:
    return str(REASON_TEXTS[reason])


def template_globals() -> dict[str, Callable[..., str]]:
    return {"kind_name": kind_name, "reason_text": reason_text}
