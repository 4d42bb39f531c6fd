"""The apply journey's questions: which apply, in what order, and what the answers mean.

One question per page (GOV.UK pattern). Each answer is saved on the draft as
`answers[slug] = value`; the questions that apply follow from the answers so
far, so changing an earlier answer can bring new questions in or take some out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from babel.support import LazyProxy

from portal.applications import details, documents
from portal.applications.details import FormPage
from portal.applications.documents import (
    SCHOOL_DOCUMENTS_CONSENT,
    SCHOOL_DOCUMENTS_UPLOAD,
    DocumentKind,
)
from portal.applications.rules import (
    Answer,
    DisabilityGroup,
    Reason,
    ServiceKind,
    Verdict,
    kinds_by_age,
)
from portal.applications.situation import Answers, Option, Situation, birth_date_of  # noqa: F401  (re-exported for the routes)
from portal.forms import Choice, Field
from portal.i18n import lazy_gettext as _l
from portal.registers import presenters

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

    def fields(self, situation: Situation) -> dict[str, Field[Any]]:
        """One group of radios, `answer`, that takes only the options offered in this situation."""
        return {"answer": Choice([option.value for option in self.options(situation)], required=self.error)}


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
    group = situation.answer("disability-group")
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

SCHOOL_DOCUMENTS = Question(
    "school-documents",
    _l("How will the school get the IRP and the VDEĀVK recommendation?"),
    _l("Select how the school will get the documents"),
    options=lambda situation: (
        Option(SCHOOL_DOCUMENTS_UPLOAD, _l("I will upload them now"),
               _l("The individual rehabilitation plan (IRP) that says an assistant is needed, and the VDEĀVK recommendation.")),
        Option(SCHOOL_DOCUMENTS_CONSENT, _l("The VDEĀVK has given its opinion: I agree that the school asks the commission for it"),
               _l("You do not need to go to the commission yourself.")),
    ),
    applies=_kind_in(ServiceKind.SCHOOL_ASSISTANT),
)

# After the eligibility questions (and the ruled-out page, when it applies): the application itself.
DETAIL_STEPS: tuple[Question | FormPage, ...] = (
    details.DETAILS,
    details.CONTACT,
    details.PURPOSES,
    details.FREQUENCY,
    details.SCHOOL,
    SCHOOL_DOCUMENTS,
    details.ASSISTANT,
)
BY_SLUG = {question.slug: question for question in (*QUESTIONS, SCHOOL_DOCUMENTS)}
FORM_PAGES = {page.slug: page for page in (*DETAIL_STEPS, details.DECLARATIONS_PAGE) if isinstance(page, FormPage)}

# The page that says clearly when the answers rule the service out, and the documents page.
RULED_OUT = "eligibility"
DOCUMENTS = "documents"
# The summary's rows for the facts a register gave instead of a question: nothing to change there.
REGISTERED = "registered"


def applicable(situation: Situation) -> list[Question]:
    """The eligibility questions that are asked: those that apply, but not those a register answers."""
    return [question for question in QUESTIONS if question.applies(situation) and question.slug not in situation.from_registers]


def answered_by_registers(situation: Situation) -> list[Question]:
    """The eligibility questions that apply and that a register answers instead of the person."""
    return [question for question in QUESTIONS if question.applies(situation) and question.slug in situation.from_registers]


def ruled_out(situation: Situation) -> bool:
    result = situation.eligibility
    return result is not None and result.verdict is Verdict.NOT_ELIGIBLE


def required_documents(situation: Situation) -> list[DocumentKind]:
    return documents.required_documents(situation.kind, situation.answers, situation.held)


def answer_steps(situation: Situation) -> list[str]:
    """Every page that takes an answer, as it stands for these answers, in order."""
    slugs = [question.slug for question in applicable(situation)]
    if situation.kind is None:
        return slugs  # the rest depends on the service
    slugs += [step.slug for step in DETAIL_STEPS if step.applies(situation)]
    if required_documents(situation):
        slugs.append(DOCUMENTS)
    slugs.append(details.DECLARATIONS_PAGE.slug)
    return slugs


def steps(situation: Situation) -> list[str]:
    """Every page of the journey as it stands for these answers, in order."""
    slugs = answer_steps(situation)
    if ruled_out(situation):
        slugs.insert(len(applicable(situation)), RULED_OUT)
    return slugs


def is_answered(situation: Situation, slug: str) -> bool:
    if slug == DOCUMENTS:
        return {kind.value for kind in required_documents(situation)} <= situation.uploaded
    if slug == details.FREQUENCY.slug:
        given = situation.answers.get(slug)
        return isinstance(given, dict) and all(p in given for p in details.chosen_purposes(situation))
    return slug in situation.answers


def next_step(situation: Situation, current: str) -> str | None:
    """The page after `current`, or None when every page is answered."""
    order = steps(situation)
    if current in order:
        for slug in order[order.index(current) + 1 :]:
            if slug == RULED_OUT or not is_answered(situation, slug):
                return slug
    unanswered = [slug for slug in order if slug != RULED_OUT and not is_answered(situation, slug)]
    return unanswered[0] if unanswered else None


def progress(situation: Situation) -> tuple[int, int]:
    """(answered, total) of the pages that apply now; the total grows once the service is chosen."""
    slugs = answer_steps(situation)
    return sum(1 for slug in slugs if is_answered(situation, slug)), len(slugs)


def complete(situation: Situation) -> bool:
    answered, total = progress(situation)
    return situation.kind is not None and answered == total


def clean(answers: Answers, situation_of: Callable[[Answers], Situation]) -> Answers:
    """Drop answers to pages that no longer apply after an earlier answer changed."""
    situation = situation_of(answers)
    keep = set(answer_steps(situation))
    kept = {slug: value for slug, value in answers.items() if slug in keep}
    if isinstance(kept.get(details.FREQUENCY.slug), dict):
        purposes = details.chosen_purposes(situation)
        kept[details.FREQUENCY.slug] = {p: v for p, v in kept[details.FREQUENCY.slug].items() if p in purposes}
    return kept


def registered_rows(situation: Situation) -> list[tuple[str, str, str | list[str]]]:
    """The facts a register gave instead of a question, as (REGISTERED, the question, [the answer, its source])."""
    rows: list[tuple[str, str, str | list[str]]] = []
    registered = situation.registered
    assert registered is not None or not situation.from_registers
    for question in answered_by_registers(situation):
        value, register = situation.from_registers[question.slug]
        chosen = {option.value: option.text for option in question.options(situation)}.get(value, value)
        read = next(read for read in registered.reads if read.register is register) if registered else None
        rows.append((REGISTERED, str(question.title), [str(chosen), presenters.source_text(read)] if read else str(chosen)))
    return rows


def summary(situation: Situation, files: Sequence[Any]) -> list[tuple[str, str, str | list[str]]]:
    """Every page's answer in words, as (page, what, answer): the check page and the desk's case page.

    The facts the registers gave follow the service chosen, with where they come from (REGISTERED rows).
    """
    rows: list[tuple[str, str, str | list[str]]] = []
    not_yet = str(_l("Not answered yet"))
    for slug in answer_steps(situation):
        if slug in BY_SLUG:
            asked = BY_SLUG[slug]
            chosen = {option.value: option.text for option in asked.options(situation)}.get(situation.answers.get(slug, ""))
            rows.append((slug, str(asked.title), str(chosen) if chosen is not None else not_yet))
        elif slug == DOCUMENTS:
            for kind in required_documents(situation):
                names = [f.filename for f in files if f.kind == kind.value]
                rows.append((slug, str(documents.DOCUMENT_TEXTS[kind].title), ", ".join(names) or str(_l("Not uploaded yet"))))
        elif slug not in situation.answers:
            rows.append((slug, str(FORM_PAGES[slug].title), not_yet))
        else:
            rows += [(slug, key, value) for key, value in FORM_PAGES[slug].summary(situation.answers[slug], situation)]
    after_service = 1 if rows and rows[0][0] == "service" else 0
    return rows[:after_service] + registered_rows(situation) + rows[after_service:]


def kind_name(kind: ServiceKind) -> str:
    return str(KIND_TEXTS[kind][0])


def reason_text(reason: Reason) -> str:
    return str(REASON_TEXTS[reason])


def template_globals() -> dict[str, Callable[..., str]]:
    return {"kind_name": kind_name, "reason_text": reason_text}
